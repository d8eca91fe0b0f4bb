"""The per-reporter flag limit and the default per-caller limits (reviews/api/ratelimit.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from getstream.exceptions import StreamRateLimitException

from reviews.api import ratelimit
from reviews.models import Flag
from tests.api.conftest import user_token
from tests.api.test_framework import assert_envelope
from tests.factories import EndUserFactory, ModeratorFactory

NOW = 1_800_000_010.0  # ten seconds into a window: a burst never straddles two


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    """The windows are fixed minutes; a burst that crossed one would start counting again."""
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: NOW))


def flag_body(n: int, **extra):
    return {"entity_type": "stream:chat:v1:message", "entity_id": f"m-{n}", "entity_creator_id": "bob",
            "reason": "spam", **extra}


@pytest.mark.django_db
def test_a_burst_of_flags_from_one_user_token_stops_at_the_default_limit(api_call, api_key, settings):
    assert settings.MODERATION_FLAG_RATE_LIMIT == 30
    token = user_token(api_key, "troll")
    answers = [api_call("post", "/moderation/flag", flag_body(n), token=token) for n in range(300)]
    assert [a.status_code for a in answers[:30]] == [200] * 30
    assert {a.status_code for a in answers[30:]} == {429}
    body = assert_envelope(answers[30], 429, 9, "too many requests")
    assert "flags by 'troll'" in body["message"]
    assert answers[30]["Retry-After"] == "50"
    assert answers[30]["X-RateLimit-Limit"] == "30" and answers[30]["X-RateLimit-Remaining"] == "0"
    assert Flag.objects.filter(reporter_id="troll").count() == 30  # a refused flag writes nothing
    # Other reporters, and the troll's other calls, are not affected.
    assert api_call("post", "/moderation/flag", flag_body(1), token=user_token(api_key, "alice")).status_code == 200
    assert api_call("get", "/users/block", token=token).status_code == 200


@pytest.mark.django_db
def test_the_limit_is_per_reporter_whichever_token_carries_the_flag(api_call, api_key, settings):
    settings.MODERATION_FLAG_RATE_LIMIT = 2
    assert api_call("post", "/moderation/flag", flag_body(1), token=user_token(api_key, "troll")).status_code == 200
    assert api_call("post", "/moderation/flag", flag_body(2, user_id="troll")).status_code == 200  # server token
    assert_envelope(api_call("post", "/moderation/flag", flag_body(3, user_id="troll")), 429, 9, "flags by 'troll'")
    # Staff and reporter-less (automod) flags are not counted.
    ModeratorFactory(id="mod")
    for n in range(4):
        assert api_call("post", "/moderation/flag", flag_body(10 + n, user_id="mod")).status_code == 200
        assert api_call("post", "/moderation/flag", flag_body(20 + n)).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_sdk_sees_429_with_retry_after(user_client, settings):
    settings.MODERATION_FLAG_RATE_LIMIT = 1
    EndUserFactory(id="bob")
    client = user_client("troll")
    client.moderation.flag(entity_type="stream:chat:v1:message", entity_id="m-1", entity_creator_id="bob")
    with pytest.raises(StreamRateLimitException) as info:
        client.moderation.flag(entity_type="stream:chat:v1:message", entity_id="m-2", entity_creator_id="bob")
    assert info.value.status_code == 429 and info.value.api_error.code == 9
    assert info.value.rate_limit_info is not None and info.value.rate_limit_info.limit == 1
    assert Flag.objects.filter(reporter_id="troll").count() == 1


@pytest.mark.django_db
def test_default_api_limits_are_per_caller_and_higher_for_server_tokens(api_call, api_key, settings):
    assert settings.MODERATION_API_RATE_WINDOW == 60
    server = api_call("get", "/users/block", query={"user_id": "alice"})
    user = api_call("get", "/users/block", token=user_token(api_key, "alice"))
    assert int(server["X-RateLimit-Limit"]) > int(user["X-RateLimit-Limit"])
    assert user["X-RateLimit-Limit"] == "600" and server["X-RateLimit-Limit"] == "30000"
    settings.MODERATION_API_USER_RATE_LIMIT = 2
    assert api_call("get", "/users/block", token=user_token(api_key, "alice")).status_code == 200
    assert_envelope(api_call("get", "/users/block", token=user_token(api_key, "alice")), 429, 9, "this caller")
    # Another user, and the server token, have windows of their own.
    assert api_call("get", "/users/block", token=user_token(api_key, "bob")).status_code == 200
    assert api_call("get", "/users/block", query={"user_id": "alice"}).status_code == 200
