import socket
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from getstream.webhook import verify_webhook_signature

from reviews import actions
from reviews.actions.app_settings import set_app_webhook
from reviews.errors import ModerationError
from reviews.models import ApiKey, WebhookDelivery, WebhookEndpoint
from reviews.services import webhooks

pytestmark = pytest.mark.django_db


def test_events_reach_every_interested_endpoint_signed_decodable_on_one_connection(
        receiver, allow_private, moderator, alice, bob):
    WebhookEndpoint.objects.create(url=receiver.url)  # every event
    WebhookEndpoint.objects.create(url=receiver.url + "?only=bans", events=["user.banned"])
    WebhookEndpoint.objects.create(url=receiver.url + "?off", active=False)
    actions.ban_user(target=alice, actor=moderator, reason="spam")
    actions.mute_user(user=alice, target=bob, actor=alice)
    actions.deactivate_users(user_ids=["alice", "bob"], actor=moderator)

    assert webhooks.relay() == 5  # 4 events to the first endpoint, the ban to the second
    got = receiver.wait_for(5)
    assert all(r.valid_signature and not r.error for r in got)
    assert all(verify_webhook_signature(r.body, r.headers["X-Signature"], "jobs-secret-for-tests") for r in got)
    assert sorted(r.event.type for r in got) == sorted(
        ["user.banned", "user.banned", "user.muted", "user.deactivated", "user.deactivated"])
    assert receiver.connections == 5  # 4 deliveries on 4 parallel lanes to the first endpoint, 1 to the second
    assert set(WebhookDelivery.objects.values_list("status", "attempts", "last_status_code")) == {
        ("delivered", 1, 200)}
    assert webhooks.relay() == 0  # nothing is sent twice


def test_a_failing_receiver_is_retried_with_backoff_until_it_recovers(receiver, allow_private, moderator, alice,
                                                                       time_machine):
    time_machine.move_to("2030-01-01 12:00Z", tick=False)
    WebhookEndpoint.objects.create(url=receiver.url)
    receiver.status = 503
    actions.ban_user(target=alice, actor=moderator)
    webhooks.relay()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 503)
    assert delivery.next_attempt_at == timezone.now() + timedelta(seconds=2)
    assert delivery.last_error.startswith("HTTP 503")
    webhooks.relay()  # not due yet: no attempt
    assert WebhookDelivery.objects.get().attempts == 1
    time_machine.shift(timedelta(seconds=3))
    webhooks.relay()
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt_at == timezone.now() + timedelta(seconds=4)
    receiver.status = 200
    time_machine.shift(timedelta(seconds=5))
    webhooks.relay()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 3, "")
    assert len(receiver.received) == 3


def test_a_receiver_that_is_down_costs_few_attempts_per_batch_and_loses_nothing(allow_private, api_key, moderator,
                                                                              time_machine):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    WebhookEndpoint.objects.create(url=f"http://127.0.0.1:{port}/hook")
    for i in range(6):
        actions.deactivate_user(target=actions.ensure_user(f"u{i}"), actor=moderator)
    webhooks.relay()
    rows = list(WebhookDelivery.objects.values_list("status", "attempts", "last_error"))
    # At most one try per parallel lane; the rest were deferred untried. All stay pending for the retry.
    tried = [r for r in rows if r[1] == 1]
    assert 1 <= len(tried) <= webhooks.LANES and len(rows) == 6
    assert all(r[0] == "pending" for r in rows)
    assert all("ConnectionRefusedError" in r[2] for r in tried)
    assert all(r[1] == 0 and r[2].startswith("not tried") for r in rows if r not in tried)


def test_connections_are_reused_across_a_run(receiver, allow_private, moderator):
    WebhookEndpoint.objects.create(url=receiver.url)
    actions.deactivate_users(user_ids=[actions.ensure_user(f"u{i}").pk for i in range(40)], actor=moderator)
    assert webhooks.relay() == 40
    assert receiver.connections == webhooks.LANES
    assert all(r.valid_signature and r.event.type == "user.deactivated" for r in receiver.wait_for(40))


def test_a_delivery_gives_up_after_max_attempts_and_admin_redelivers_it(receiver, allow_private, moderator, alice,
                                                                         client, time_machine):
    time_machine.move_to("2030-01-01 12:00Z")
    WebhookEndpoint.objects.create(url=receiver.url)
    receiver.status = 500
    actions.ban_user(target=alice, actor=moderator)
    for _ in range(webhooks.MAX_ATTEMPTS):
        webhooks.relay()
        time_machine.shift(timedelta(hours=2))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", webhooks.MAX_ATTEMPTS)
    webhooks.relay()
    assert WebhookDelivery.objects.get().attempts == webhooks.MAX_ATTEMPTS

    receiver.status = 200
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    url = reverse("admin:reviews_webhookdelivery_changelist")
    page = client.get(url)
    assert b"HTTP 500" in page.content  # the last error is visible in the list
    response = client.post(url, {"action": "redeliver", "_selected_action": [delivery.pk]}, follow=True)
    assert b"1 deliveries queued again" in response.content
    webhooks.relay()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)


def test_a_private_target_is_refused_at_delivery_too(receiver, settings, moderator, alice):
    """An endpoint stored before the setting changed (or a name that now resolves privately) is not POSTed."""
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = False
    WebhookEndpoint.objects.create(url=receiver.url)
    actions.ban_user(target=alice, actor=moderator)
    webhooks.relay()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and "MODERATION_WEBHOOK_ALLOW_PRIVATE" in delivery.last_error
    assert receiver.received == []


def test_admin_refuses_a_private_endpoint(client, settings):
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = False
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    response = client.post(reverse("admin:reviews_webhookendpoint_add"),
                           {"url": "http://127.0.0.1/hook", "events": "[]", "active": "on"})
    assert response.status_code == 200 and b"private, loopback or link-local" in response.content
    assert not WebhookEndpoint.objects.exists()


def test_update_app_endpoint_is_created_updated_and_removed(settings):
    """`update_app`'s endpoint (actions.set_app_webhook): admin-made endpoints are left alone, and a private
    target is refused when it is configured, not only at delivery."""
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = True
    ep = set_app_webhook(actor=None, url="http://127.0.0.1:1/a", events=["user.banned"])
    WebhookEndpoint.objects.create(url="http://127.0.0.1:1/admin-made")
    again = set_app_webhook(actor=None, url="http://127.0.0.1:1/b", events=None)
    assert again.pk == ep.pk and (again.url, again.events) == ("http://127.0.0.1:1/b", ["user.banned"])
    set_app_webhook(actor=None, url="", events=None)
    assert list(WebhookEndpoint.objects.values_list("url", flat=True)) == ["http://127.0.0.1:1/admin-made"]
    with pytest.raises(ModerationError):
        set_app_webhook(actor=None, url="http://127.0.0.1:1/a", events=[""])
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ModerationError) as exc:
        set_app_webhook(actor=None, url="http://127.0.0.1:1/a")
    assert exc.value.field == "webhook_url" and "private, loopback" in exc.value.message
    assert WebhookEndpoint.objects.count() == 1


def test_the_signing_secret_is_the_configured_keys_else_the_oldest_active(settings, time_machine):
    settings.MODERATION_API_KEY = ""
    assert webhooks.signing_secret() is None
    time_machine.move_to("2030-01-01 00:00Z")
    ApiKey.objects.create(key="old", secret="old-secret")
    time_machine.move_to("2030-02-01 00:00Z")
    ApiKey.objects.create(key="new", secret="new-secret")
    assert webhooks.signing_secret() == "old-secret"  # adding a key for rotation changes nothing
    settings.MODERATION_API_KEY = "new"
    assert webhooks.signing_secret() == "new-secret"
    ApiKey.objects.filter(key="new").update(active=False)
    assert webhooks.signing_secret() == "old-secret"


def test_connections_are_kept_for_the_next_run_and_dropped_when_no_longer_allowed(receiver, settings, moderator):
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = True
    WebhookEndpoint.objects.create(url=receiver.url)
    for run in range(3):
        actions.deactivate_users(user_ids=[actions.ensure_user(f"r{run}-{i}").pk for i in range(8)], actor=moderator)
        assert webhooks.relay() == 8
    assert receiver.connections == webhooks.LANES  # the second and third runs reused the first run's connections

    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = False  # the kept connections go to 127.0.0.1
    actions.deactivate_users(user_ids=[actions.ensure_user("late").pk], actor=moderator)
    assert webhooks.relay() == 0
    assert len(receiver.received) == 24 and receiver.connections == webhooks.LANES
    assert "UnsafeTarget" in WebhookDelivery.objects.get(status="pending").last_error


def test_failures_in_one_batch_each_keep_their_own_attempts_and_backoff(receiver, allow_private, moderator,
                                                                        time_machine):
    time_machine.move_to("2030-01-01 12:00Z", tick=False)
    WebhookEndpoint.objects.create(url=receiver.url)
    receiver.status = 500
    actions.deactivate_users(user_ids=[actions.ensure_user(f"f{i}").pk for i in range(6)], actor=moderator)
    webhooks.fan_out()
    ids = list(WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True))
    WebhookDelivery.objects.filter(pk__in=ids[:3]).update(attempts=4)
    WebhookDelivery.objects.filter(pk=ids[3]).update(attempts=webhooks.MAX_ATTEMPTS - 1)
    webhooks.relay()  # all six fail in one batch
    now = timezone.now()
    rows = sorted(WebhookDelivery.objects.values_list("attempts", "status", "next_attempt_at", "last_status_code"))
    assert rows == sorted(
        [(1, "pending", now + timedelta(seconds=2), 500)] * 2
        + [(5, "pending", now + timedelta(seconds=32), 500)] * 3
        + [(webhooks.MAX_ATTEMPTS, "failed", now + webhooks.backoff(webhooks.MAX_ATTEMPTS), 500)]
    )
    assert all(e.startswith("HTTP 500") for e in WebhookDelivery.objects.values_list("last_error", flat=True))


def _resolving(monkeypatch, name, answers):
    """`name` resolves to each of `answers` in turn (the last one from then on); other names as usual."""
    real, left = socket.getaddrinfo, list(answers)

    def getaddrinfo(host, port, *args, **kwargs):
        if host != name:
            return real(host, port, *args, **kwargs)
        address = left.pop(0) if len(left) > 1 else left[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_the_post_goes_to_the_checked_address_with_the_name_as_host(receiver, settings, moderator, alice,
                                                                     monkeypatch):
    """DNS rebinding: the name passes the check as 127.0.0.1 (allowed here) and re-resolves elsewhere later;
    the connection still goes to the checked address, and the receiver sees the name in the Host header."""
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = True
    port = receiver.server.server_address[1]
    _resolving(monkeypatch, "hooks.example", ["127.0.0.1", "192.0.2.1"])  # 192.0.2.1: TEST-NET, unreachable
    WebhookEndpoint.objects.create(url=f"http://hooks.example:{port}/hook")
    actions.ban_user(target=alice, actor=moderator)
    assert webhooks.relay() == 1
    got = receiver.wait_for(1)[0]
    assert got.valid_signature and got.headers["Host"] == f"hooks.example:{port}"


def test_https_pins_the_address_and_checks_the_certificate_against_the_name(settings, monkeypatch):
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = False
    _resolving(monkeypatch, "hooks.example", ["93.184.216.34"])
    pool, address = webhooks._open_pool("https://hooks.example/hook")
    assert (pool.host, pool.port, address) == ("93.184.216.34", 443, "93.184.216.34")
    assert pool.conn_kw["server_hostname"] == pool.assert_hostname == "hooks.example"
    assert pool.cert_reqs == "CERT_REQUIRED" and pool.headers["Host"] == "hooks.example"
    _resolving(monkeypatch, "hooks.example", ["10.0.0.7"])
    with pytest.raises(webhooks.UnsafeTarget):
        webhooks._open_pool("https://hooks.example/hook")
