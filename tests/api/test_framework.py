"""The API's frame: auth (JWT via the key's secret), the error envelope, `duration`, rate-limit headers, OpenAPI."""

from __future__ import annotations

import time

import pytest
from getstream import Stream
from getstream.exceptions import StreamApiException, StreamRateLimitException

from reviews.api.app import openapi_document
from reviews.models import Ban, EndUser, Task
from tests.api.conftest import make_token, user_token
from tests.factories import EndUserFactory

ENVELOPE_FIELDS = {"code", "message", "StatusCode", "duration", "more_info", "details"}
MISSING_TASK = "/tasks/00000000-0000-0000-0000-000000000000"


def assert_envelope(response, status: int, code: int, *needles: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= ENVELOPE_FIELDS, body
    assert body["StatusCode"] == status and body["code"] == code, body
    assert isinstance(body["details"], list)
    for needle in needles:
        assert needle in body["message"], body["message"]
    return body


@pytest.mark.django_db
def test_server_token_passes_and_success_carries_duration_and_rate_headers(api_call):
    task = Task.objects.create(kind="deactivate_users", total=4, done=1)
    response = api_call("get", f"/tasks/{task.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["duration"].endswith("ms")
    assert body["task_id"] == str(task.pk) and body["status"] == "pending"
    assert body["result"]["progress"] == 25
    assert isinstance(body["created_at"], int) and body["created_at"] > 10**18
    for header in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        assert response[header]


@pytest.mark.django_db
def test_legacy_server_claim_is_a_server_token(api_call, api_key):
    assert api_call("get", MISSING_TASK, token=make_token(api_key, server=True)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "code", "needle"),
    [
        ({"token": None}, 5, "Authorization"),
        ({"key": ""}, 2, "api_key"),
        ({"key": "nope"}, 2, "api_key"),
        ({"token": "not-a-jwt"}, 5, "malformed JWT"),
    ],
)
def test_missing_or_bad_credentials_are_401(api_call, kwargs, code, needle):
    assert_envelope(api_call("get", MISSING_TASK, **kwargs), 401, code, needle)


@pytest.mark.django_db
def test_wrong_secret_is_43(api_call, api_key):
    bad = Stream(api_key=api_key.key, api_secret="another-secret-of-a-decent-length-1234567890", base_url="http://x").token
    assert_envelope(api_call("get", MISSING_TASK, token=bad), 401, 43, "signature")


@pytest.mark.django_db
def test_inactive_key_is_refused(api_call, api_key):
    api_key.active = False
    api_key.save(update_fields=["active"])
    assert_envelope(api_call("get", MISSING_TASK), 401, 2, "api_key")


@pytest.mark.django_db
def test_expired_user_token_is_40(api_call, api_key):
    token = user_token(api_key, "alice", expires_in=-60)
    assert_envelope(api_call("get", MISSING_TASK, token=token), 401, 40, "expired")


@pytest.mark.django_db
def test_future_iat_is_42(api_call, api_key):
    token = make_token(api_key, user_id="alice", iat=int(time.time()) + 3600)
    assert_envelope(api_call("get", MISSING_TASK, token=token), 401, 42, "iat")


@pytest.mark.django_db
def test_not_yet_valid_is_41(api_call, api_key):
    token = make_token(api_key, user_id="alice", nbf=int(time.time()) + 3600)
    assert_envelope(api_call("get", MISSING_TASK, token=token), 401, 41, "nbf")


@pytest.mark.django_db
def test_deactivated_user_token_is_refused(api_call, api_key):
    from django.utils import timezone

    EndUserFactory(id="gone", deactivated_at=timezone.now())
    assert_envelope(api_call("get", MISSING_TASK, token=user_token(api_key, "gone")), 401, 5, "deactivated")


@pytest.mark.django_db
def test_user_token_from_ip_banned_address_is_refused(api_call, api_key):
    target = EndUserFactory(id="troll", last_ip="127.0.0.1")
    Ban.objects.create(target=target, ip_ban=True, ip="127.0.0.1")
    assert_envelope(api_call("get", MISSING_TASK, token=user_token(api_key, "alice")), 403, 17, "IP ban")
    # Server tokens are the app's backend, not the banned user's device.
    assert api_call("get", MISSING_TASK).status_code == 404


@pytest.mark.django_db
def test_user_token_for_unknown_user_creates_it_bare(api_call, api_key):
    api_call("get", MISSING_TASK, token=user_token(api_key, "newcomer", expires_in=None))
    assert EndUser.objects.filter(pk="newcomer").exists()


@pytest.mark.django_db
def test_unknown_route_and_wrong_method_are_envelopes(api_call):
    assert_envelope(api_call("get", "/no/such/thing"), 404, 16, "no API route")
    assert_envelope(api_call("delete", MISSING_TASK), 405, 4, "not allowed")


@pytest.mark.django_db
def test_405_names_the_allowed_methods_in_allow(api_call):
    response = api_call("delete", MISSING_TASK)
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    response = api_call("put", "/moderation/config/some-key")
    assert response.status_code == 405
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "DELETE"}


@pytest.mark.django_db
def test_trailing_slash_is_not_redirected(api_call):
    response = api_call("get", MISSING_TASK + "/")
    assert response.status_code == 404 and "code" in response.json()


# Rate limits count in fixed one-minute windows of the wall clock: a test that straddled a window's end would
# see its count reset. Tests that count requests run with the clock stopped at a window's start.
WINDOW_START = "2030-01-01 00:00:00Z"


@pytest.mark.django_db
def test_rate_limit_429_with_retry_after(api_call, settings, time_machine):
    time_machine.move_to(WINDOW_START, tick=False)  # the requests must fall in one fixed window
    settings.MODERATION_API_RATE_LIMIT = 2
    api_call("get", MISSING_TASK)
    second = api_call("get", MISSING_TASK)
    assert second["X-RateLimit-Remaining"] == "0"
    body = assert_envelope(api_call("get", MISSING_TASK), 429, 9, "too many requests")
    assert body["duration"]


@pytest.mark.django_db(transaction=True)
def test_sdk_decodes_errors_and_rate_limits(stream_client, settings, time_machine):
    time_machine.move_to(WINDOW_START, tick=False)  # the requests must fall in one fixed window
    with pytest.raises(StreamApiException) as info:
        stream_client.get_task(id="00000000-0000-0000-0000-000000000000")
    assert info.value.status_code == 404 and info.value.api_error.code == 16
    settings.MODERATION_API_RATE_LIMIT = 2  # the 404 above counted too
    stream_client.get_task(id=str(Task.objects.create(kind="reactivate_users").pk))
    with pytest.raises(StreamRateLimitException) as info:
        stream_client.get_task(id="00000000-0000-0000-0000-000000000000")
    assert info.value.status_code == 429
    assert info.value.rate_limit_info is not None


@pytest.mark.django_db(transaction=True)
def test_sdk_reads_task_and_rate_limit(stream_client):
    task = Task.objects.create(kind="reactivate_users", total=2, done=2, status=Task.Status.COMPLETED)
    response = stream_client.get_task(id=str(task.pk))
    assert response.data.status == "completed"
    assert response.data.result["progress"] == 100
    assert response.rate_limit() is not None


def test_openapi_declares_error_responses():
    doc = openapi_document()
    operation = doc["paths"]["/api/v2/tasks/{task_id}"]["get"]
    for status in ("400", "401", "403", "404", "429"):
        ref = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/ErrorEnvelope")
    assert {"code", "message", "StatusCode", "duration", "more_info", "details"} <= set(
        doc["components"]["schemas"]["ErrorEnvelope"]["required"]
    )


@pytest.mark.django_db
def test_openapi_is_served_at_a_stable_url(client):
    response = client.get("/api/v2/openapi.json")
    assert response.status_code == 200
    assert "/api/v2/tasks/{task_id}" in response.json()["paths"]


def test_user_token_requests_record_the_ip_an_ip_ban_then_captures(api_call, api_key):
    from reviews import actions

    api_call("get", MISSING_TASK, token=user_token(api_key, "spammer"))
    spammer = EndUser.objects.get(pk="spammer")
    assert spammer.last_ip == "127.0.0.1"  # Django's test client address

    ban = actions.ban_user(target=spammer, actor=None, ip_ban=True, reason="throw-away accounts")
    assert ban.ip == "127.0.0.1"
    # A fresh throw-away account from the same address is refused at once.
    refused = api_call("get", MISSING_TASK, token=user_token(api_key, "spammer-2"))
    assert_envelope(refused, 403, 17, "IP ban")
