from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from reviews import actions
from reviews.errors import ModerationError
from reviews.models import ModerationLog, Mute, OutboxEvent

pytestmark = pytest.mark.django_db


def test_mute_creates_the_mute_logs_and_announces(alice, bob):
    mute = actions.mute_user(user=alice, target=bob, actor=alice, timeout_minutes=60)
    assert mute.expires_at is not None
    log = ModerationLog.objects.get()
    assert (log.action, log.actor, log.target_user, log.actor_type) == ("mute", alice, bob, "user")
    assert OutboxEvent.objects.filter(type="user.muted").count() == 1


def test_same_mute_twice_changes_nothing(alice, bob):
    actions.mute_user(user=alice, target=bob, actor=alice)
    actions.mute_user(user=alice, target=bob, actor=alice)
    assert Mute.objects.count() == 1 and ModerationLog.objects.count() == 1


def test_mute_expires_at_read_time(alice, bob):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        actions.mute_user(user=alice, target=bob, actor=alice, timeout_minutes=10)
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        assert not Mute.objects.in_force().filter(user=alice, target=bob).exists()
        # Muting again renews the expired row in place.
        actions.mute_user(user=alice, target=bob, actor=alice)
        assert Mute.objects.in_force().filter(user=alice, target=bob).count() == 1


def test_cannot_mute_yourself(alice):
    with pytest.raises(ModerationError) as exc:
        actions.mute_user(user=alice, target=alice, actor=alice)
    assert exc.value.field == "target_ids"
    assert not Mute.objects.exists()


def test_unmute_removes_logs_and_is_idempotent(alice, bob):
    actions.mute_user(user=alice, target=bob, actor=alice)
    assert actions.unmute_user(user=alice, target=bob, actor=alice) is True
    assert actions.unmute_user(user=alice, target=bob, actor=alice) is False
    assert not Mute.objects.exists()
    assert ModerationLog.objects.filter(action="unmute").count() == 1
    assert OutboxEvent.objects.filter(type="user.unmuted").count() == 1


def test_expire_mute_is_system_and_safe_to_repeat(alice, bob):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        mute = actions.mute_user(user=alice, target=bob, actor=alice, timeout_minutes=1)
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        assert actions.expire_mute(mute=mute) is True
        assert actions.expire_mute(mute=mute) is False
    assert ModerationLog.objects.get(action="unmute").actor is None
