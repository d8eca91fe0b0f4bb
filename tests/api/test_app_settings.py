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


@pytest.mark.django_db
@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://169.254.169.254/latest/meta-data",
    "http://10.0.0.8/hook", "http://192.168.1.1/hook", "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:a9fe:a9fe]/hook", "http://0.0.0.0/hook", "http://2130706433/hook", "http://0177.0.0.1/hook",
    "file:///etc/passwd", "gopher://127.0.0.1/",
])
def test_update_app_refuses_private_targets_naming_webhook_url(api_call, settings, url):
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = False
    assert_envelope(api_call("patch", "/app", {"webhook_url": url}), 400, 4, "webhook_url")
    assert not WebhookEndpoint.objects.exists() and not ModerationLog.objects.exists()


@pytest.mark.django_db
def test_update_app_refuses_a_name_resolving_to_a_private_address(api_call, settings, monkeypatch):
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = False
    monkeypatch.setattr("reviews.net.socket.getaddrinfo",
                        lambda host, port, *a, **k: [(2, 1, 6, "", ("10.1.2.3", port))])
    assert_envelope(api_call("patch", "/app", {"webhook_url": "https://hooks.internal.example/x"}), 400, 4,
                    "webhook_url")
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_update_app_allows_private_targets_when_the_setting_is_on(api_call, settings):
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = True  # make run
    assert api_call("patch", "/app", {"webhook_url": "http://127.0.0.1:8080/hook"}).status_code == 200
    assert WebhookEndpoint.objects.get(from_app=True).url == "http://127.0.0.1:8080/hook"
