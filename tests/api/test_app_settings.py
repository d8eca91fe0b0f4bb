"""get_app / update_app through the SDK: the app's webhook endpoint."""

from __future__ import annotations

import warnings

import pytest
from getstream.exceptions import StreamApiException

from reviews.models import ModerationLog, WebhookEndpoint
from tests.api.test_framework import assert_envelope

pytestmark = pytest.mark.django_db(transaction=True)


def test_update_and_get_app_webhook(stream_client, user_client):
    stream_client.update_app(webhook_url="https://hooks.example.com/stream",
                             webhook_events=["user.banned", "message.flagged"])
    endpoint = WebhookEndpoint.objects.get(from_app=True)
    assert endpoint.url == "https://hooks.example.com/stream" and endpoint.events == ["user.banned",
                                                                                         "message.flagged"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a missing required field would warn
        app = stream_client.get_app().data.app
    assert app.webhook_url == "https://hooks.example.com/stream"
    assert app.webhook_events == ["user.banned", "message.flagged"]
    stream_client.update_app(webhook_events=["user.banned"])
    stream_client.update_app(webhook_events=["user.banned"])  # unchanged: nothing logged
    assert WebhookEndpoint.objects.get().events == ["user.banned"]
    assert ModerationLog.objects.filter(action="update_app").count() == 2
    with pytest.raises(StreamApiException) as info:
        user_client("alice").update_app(webhook_url="https://evil.example.com")
    assert info.value.status_code == 403


@pytest.mark.django_db
def test_update_app_bad_url(api_call):
    assert_envelope(api_call("patch", "/app", {"webhook_url": "ftp://x"}), 400, 4, "webhook_url")
    assert_envelope(api_call("patch", "/app", {"webhook_events": "user.banned"}), 400, 4, "webhook_events")
    assert not WebhookEndpoint.objects.exists()
