from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from reviews import actions
from reviews.errors import ModerationError
from reviews.models import Ban, ModerationLog, OutboxEvent

pytestmark = pytest.mark.django_db


def test_ban_creates_an_app_wide_ban_logs_it_and_records_the_event(alice, moderator):
    ban = actions.ban_user(target=alice, actor=moderator, reason="spam")

    assert ban.channel_cid is None and ban.expires_at is None and not ban.shadow
    assert Ban.objects.in_force().filter(target=alice).count() == 1
    log = ModerationLog.objects.get()
    assert (log.action, log.actor, log.target_user, log.reason) == ("ban", moderator, alice, "spam")
    assert log.actor_type == "moderator"
    event = OutboxEvent.objects.get(type="user.banned")
    assert event.payload["user"]["id"] == "alice" and event.payload["shadow"] is False
    assert isinstance(event.payload["created_at"], int) and event.payload["created_at"] > 10**18


def test_same_ban_twice_changes_nothing(alice, moderator):
    first = actions.ban_user(target=alice, actor=moderator, reason="spam", timeout_minutes=60)
    second = actions.ban_user(target=alice, actor=moderator, reason="spam", timeout_minutes=60)

    assert first.pk == second.pk
    assert Ban.objects.count() == 1
    assert ModerationLog.objects.count() == 1
    assert OutboxEvent.objects.filter(type="user.banned").count() == 1


def test_a_different_ban_in_the_same_scope_replaces_the_terms(alice, moderator):
    first = actions.ban_user(target=alice, actor=moderator, reason="spam")
    second = actions.ban_user(target=alice, actor=moderator, reason="worse", shadow=True)

    assert first.pk == second.pk
    second.refresh_from_db()
    assert second.shadow and second.reason == "worse"
    assert list(ModerationLog.objects.order_by("id").values_list("action", flat=True)) == ["ban", "shadow_ban"]


def test_timed_ban_stops_counting_at_expiry_without_any_sweep(alice, moderator):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        actions.ban_user(target=alice, actor=moderator, timeout_minutes=30)
        assert Ban.objects.in_force().filter(target=alice).exists()
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert Ban.objects.in_force().filter(target=alice).exists()
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        assert not Ban.objects.in_force().filter(target=alice).exists()
        # The row is still open (no sweep ran), yet a new ban starts cleanly.
        assert Ban.objects.filter(target=alice, lifted_at__isnull=True).count() == 1
        new = actions.ban_user(target=alice, actor=moderator, reason="again")
        assert Ban.objects.filter(target=alice).count() == 2
        assert list(Ban.objects.in_force().filter(target=alice)) == [new]


def test_channel_ban_and_app_ban_are_separate_scopes(alice, moderator):
    app = actions.ban_user(target=alice, actor=moderator)
    channel = actions.ban_user(target=alice, actor=moderator, channel_cid="messaging:general")

    assert app.pk != channel.pk
    assert Ban.objects.in_force().app_wide().filter(target=alice).count() == 1
    assert Ban.objects.in_force().filter(target=alice, channel_cid="messaging:general").count() == 1


def test_ip_ban_captures_the_ip_and_defaults_to_30_days(alice, moderator):
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        ban = actions.ban_user(target=alice, actor=moderator, ip_ban=True)
    assert ban.ip == "198.51.100.7"
    assert ban.expires_at == now + timedelta(days=30)
    explicit = actions.ban_user(target=alice, actor=moderator, ip_ban=True, timeout_minutes=60)
    assert explicit.expires_at < now + timedelta(hours=2)


def test_ip_ban_in_a_channel_is_refused_and_nothing_is_written(alice, moderator):
    with pytest.raises(ModerationError) as exc:
        actions.ban_user(target=alice, actor=moderator, ip_ban=True, channel_cid="messaging:general")
    assert exc.value.field == "ip_ban"
    assert not Ban.objects.exists() and not ModerationLog.objects.exists()


@pytest.mark.parametrize("timeout", [0, -5])
def test_non_positive_timeout_is_refused_naming_the_field(alice, moderator, timeout):
    with pytest.raises(ModerationError) as exc:
        actions.ban_user(target=alice, actor=moderator, timeout_minutes=timeout)
    assert exc.value.field == "timeout" and exc.value.status == 400
    assert not Ban.objects.exists()


def test_system_actor_is_logged_as_automod(alice):
    actions.ban_user(target=alice, actor=None, reason="automod")
    log = ModerationLog.objects.get()
    assert log.actor is None and log.actor_type == "automod"
