from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from reviews import actions
from reviews.models import Ban, ModerationLog, OutboxEvent

pytestmark = pytest.mark.django_db


def test_unban_lifts_the_ban_logs_and_announces(alice, moderator):
    actions.ban_user(target=alice, actor=moderator)
    lifted = actions.unban_user(target=alice, actor=moderator, reason="appeal accepted")

    assert lifted is not None and lifted.lifted_at is not None and lifted.lifted_by == moderator
    assert not Ban.objects.in_force().filter(target=alice).exists()
    assert ModerationLog.objects.filter(action="unban", target_user=alice).count() == 1
    assert OutboxEvent.objects.filter(type="user.unbanned").count() == 1


def test_unban_twice_changes_nothing(alice, moderator):
    actions.ban_user(target=alice, actor=moderator)
    actions.unban_user(target=alice, actor=moderator)
    assert actions.unban_user(target=alice, actor=moderator) is None
    assert ModerationLog.objects.filter(action="unban").count() == 1


def test_unban_app_wide_leaves_channel_bans(alice, moderator):
    actions.ban_user(target=alice, actor=moderator)
    actions.ban_user(target=alice, actor=moderator, channel_cid="messaging:general")
    actions.unban_user(target=alice, actor=moderator)
    assert list(Ban.objects.in_force().filter(target=alice).values_list("channel_cid", flat=True)) == [
        "messaging:general"
    ]


def test_unban_of_an_expired_ban_is_a_no_op(alice, moderator):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        actions.ban_user(target=alice, actor=moderator, timeout_minutes=5)
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        assert actions.unban_user(target=alice, actor=moderator) is None
    assert not ModerationLog.objects.filter(action="unban").exists()


def test_expire_ban_lifts_with_the_system_actor_and_is_safe_to_repeat(alice, moderator):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ban = actions.ban_user(target=alice, actor=moderator, timeout_minutes=5)
        assert actions.expire_ban(ban=ban) is False  # not expired yet
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        assert actions.expire_ban(ban=ban) is True
        assert actions.expire_ban(ban=ban) is False
    ban.refresh_from_db()
    assert ban.lifted_at == ban.expires_at
    log = ModerationLog.objects.get(action="unban")
    assert log.actor is None and log.custom["expired"] is True
