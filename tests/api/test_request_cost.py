"""What one API request costs: database queries per request and the per-process caches that keep it so."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews.api import auth
from reviews.models import ApiKey, Flag, ModerationLog
from tests.api.conftest import make_token
from tests.api.test_framework import MISSING_TASK, assert_envelope
from tests.factories import EndUserFactory, ReviewQueueItemFactory

pytestmark = pytest.mark.django_db


def _key_queries(ctx) -> int:
    return sum('"reviews_apikey"' in q["sql"] for q in ctx.captured_queries)


def test_a_known_key_is_read_once_per_process(api_call):
    api_call("get", MISSING_TASK)
    with CaptureQueriesContext(connection) as ctx:
        assert api_call("get", MISSING_TASK).status_code == 404
    assert _key_queries(ctx) == 0


def test_saving_or_deleting_a_key_is_seen_at_once(api_call, api_key):
    api_call("get", MISSING_TASK)  # cached
    api_key.active = False
    api_key.save(update_fields=["active"])
    assert_envelope(api_call("get", MISSING_TASK), 401, 2, "api_key")
    api_key.active = True
    api_key.save(update_fields=["active"])
    assert api_call("get", MISSING_TASK).status_code == 404
    ApiKey.objects.filter(pk=api_key.pk).delete()  # a queryset delete still sends post_delete
    assert_envelope(api_call("get", MISSING_TASK), 401, 2, "api_key")


def test_a_change_this_process_did_not_see_counts_after_the_cache_time(api_call, api_key, settings):
    settings.MODERATION_API_KEY_CACHE_SECONDS = 10
    now = [1000.0]
    with mock.patch.object(auth.time, "monotonic", lambda: now[0]):
        api_call("get", MISSING_TASK)
        ApiKey.objects.filter(pk=api_key.pk).update(active=False)  # as another process would: no signal here
        assert api_call("get", MISSING_TASK).status_code == 404  # still cached
        now[0] += 10.5
        assert_envelope(api_call("get", MISSING_TASK), 401, 2, "api_key")


def test_unknown_keys_are_not_cached(api_call):
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert_envelope(api_call("get", MISSING_TASK, key="no-such-key"), 401, 2, "api_key")
        assert _key_queries(ctx) == 1
    new = ApiKey.objects.create(key="no-such-key")
    assert new.key not in auth._keys
    assert api_call("get", MISSING_TASK, key="no-such-key", token=make_token(new)).status_code == 404


def test_query_review_queue_is_three_queries_at_any_page_size(api_call, settings):
    """The page, its items' recent flags with reporters, their recent log entries; nothing per item, no key."""
    settings.MODERATION_API_KEY_CACHE_SECONDS = 24 * 3600  # making 62 items must not outlast the key cache

    def add(n: int, prefix: str) -> None:
        for i in range(n):
            item = ReviewQueueItemFactory()
            for j in range(2):
                Flag.objects.create(item=item, entity_type=item.entity_type, entity_id=item.entity_id,
                                    reporter=EndUserFactory(id=f"{prefix}-{i}-{j}"), reason="spam")
            ModerationLog.objects.create(action="flag", item=item)

    api_call("post", "/moderation/review_queue", {"limit": 1})  # the key is read once per process
    for n, prefix in ((2, "a"), (60, "b")):
        add(n, prefix)
        with CaptureQueriesContext(connection) as ctx:
            response = api_call("post", "/moderation/review_queue", {"limit": 100})
        assert response.status_code == 200
        items = response.json()["items"]
        assert all(len(i["flags"]) == 2 and len(i["actions"]) == 1 for i in items)
        assert len(ctx.captured_queries) == 3, [q["sql"][:80] for q in ctx.captured_queries]


def _broker_redis() -> str | None:
    from django.conf import settings

    url = settings.CELERY_BROKER_URL
    return url if url.startswith("redis://") else None


@pytest.mark.skipif(not _broker_redis(), reason="needs a Redis (runs when CELERY_BROKER_URL is one)")
def test_rate_limit_with_a_redis_cache_counts_there_in_one_round_trip(api_call, settings, time_machine):
    time_machine.move_to("2030-01-01 00:00:00Z", tick=False)  # the requests must fall in one fixed window
    import redis

    from reviews.api import ratelimit

    url = _broker_redis()
    settings.CACHES = {"default": {"BACKEND": ratelimit.REDIS_CACHE, "LOCATION": url}}
    settings.MODERATION_API_RATE_LIMIT = 3
    client = redis.Redis.from_url(url)
    round_trips = []
    real_execute = redis.client.Pipeline.execute

    def execute(pipe, *args, **kwargs):
        round_trips.append([c[0][0] for c in pipe.command_stack])
        return real_execute(pipe, *args, **kwargs)

    # Django's cache API is not touched (any attribute of this stand-in raises).
    with mock.patch.object(ratelimit, "cache", mock.NonCallableMock(spec=[])), \
            mock.patch.object(redis.client.Pipeline, "execute", execute):
        remaining = [api_call("get", MISSING_TASK)["X-RateLimit-Remaining"] for _ in range(2)]
        ratelimit._clients.clear()  # another process: a new client, the same count
        remaining.append(api_call("get", MISSING_TASK)["X-RateLimit-Remaining"])
        assert_envelope(api_call("get", MISSING_TASK), 429, 9, "too many requests")
    assert remaining == ["2", "1", "0"]
    assert round_trips == [["SET", "INCRBY"]] * 4, round_trips  # one pipeline (one round trip) a request
    keys = client.keys("api-rl:*")
    try:
        assert len(keys) == 1 and 0 < client.ttl(keys[0]) <= settings.MODERATION_API_RATE_WINDOW + 5
        assert int(client.get(keys[0])) == 4
    finally:
        client.delete(*keys)
        client.close()


def test_api_requests_skip_the_dashboards_middleware(api_call, client, settings):
    client.cookies["sessionid"] = "whatever"
    client.cookies["csrftoken"] = "x" * 32
    response = api_call("get", MISSING_TASK)
    assert response.status_code == 404 and response.json()["code"] == 16
    request = response.wsgi_request
    assert not hasattr(request, "session") and not hasattr(request, "user") and not hasattr(request, "_messages")
    assert not response.cookies and "X-Frame-Options" not in response and "Cookie" not in response.get("Vary", "")
    assert response["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware still runs
    assert response.wsgi_request.resolver_match.namespace == "stream_api"
    # CommonMiddleware still validates the Host header before the shortcut.
    settings.ALLOWED_HOSTS = ["testserver"]
    assert client.get(f"/api/v2{MISSING_TASK}", headers={"Host": "evil.example"}).status_code == 400


def test_the_dashboard_keeps_its_middleware(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert hasattr(response.wsgi_request, "session") and hasattr(response.wsgi_request, "user")
    assert response["X-Frame-Options"] == "DENY"


def test_api_docs_page_renders_without_the_dashboards_middleware(client):
    assert client.get("/api/v2/docs").status_code == 200
    assert client.get("/api/v2/openapi.json").json()["info"]["version"] == "2"


def test_orjson_renderer_writes_every_value_as_ninjas_json_renderer():
    import datetime as dt
    import json
    import uuid
    from decimal import Decimal

    from ninja.renderers import JSONRenderer

    from reviews.api.app import ORJSONRenderer
    from reviews.models import ReviewQueueItem

    data = {"at": dt.datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=dt.UTC), "naive": dt.datetime(2024, 5, 1),
            "day": dt.date(2024, 5, 1), "id": uuid.UUID(int=5), "amount": Decimal("1.50"), "ns": 1714566615123456000,
            "text": "größer ≥ 😀 \"quoted\"", "status": ReviewQueueItem.Status.PENDING, "nested": [{"none": None}],
            "ratio": 0.1}
    ours = ORJSONRenderer().render(None, data, response_status=200)
    theirs = JSONRenderer().render(None, data, response_status=200)
    assert json.loads(ours) == json.loads(theirs)
