"""Appeal actions: what can be appealed, one open appeal per decision, and how deciding reverses (or keeps) it."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from reviews import actions
from reviews.actions.appeals import VerbOptions
from reviews.errors import ModerationError
from reviews.models import Appeal, Ban, EntityType, FutureChannelBan, ModerationLog, OutboxEvent
from tests.factories import EndUserFactory, ModeratorFactory

pytestmark = pytest.mark.django_db


def _appeal(user, reason="please"):
    return actions.create_appeal(appellant=user, entity_type=EntityType.USER, entity_id=user.pk,
                                 appeal_reason=reason, actor=user)[0]


def test_the_app_wide_ban_is_the_one_appealed_and_shadow_or_expired_bans_are_not_appealable():
    alice, mod = EndUserFactory(id="alice"), ModeratorFactory(id="mod")
    actions.ban_user(target=alice, actor=mod, channel_cid="messaging:a", reason="channel")
    wide = actions.ban_user(target=alice, actor=mod, reason="wide")
    assert _appeal(alice).ban_id == wide.pk

    bob = EndUserFactory(id="bob")
    actions.ban_user(target=bob, actor=mod, shadow=True)
    with pytest.raises(ModerationError, match="no ban in force"):
        _appeal(bob)
    carol = EndUserFactory(id="carol")
    actions.ban_user(target=carol, actor=mod, timeout_minutes=5)
    # Expired, never swept: not in force, so nothing to appeal.
    with time_machine.travel(timezone.now() + timedelta(minutes=6)), pytest.raises(ModerationError,
                                                                                   match="no ban in force"):
        _appeal(carol)


def test_one_open_appeal_per_decision_and_nothing_logged_twice():
    alice = EndUserFactory(id="alice")
    actions.ban_user(target=alice, actor=ModeratorFactory(id="mod"))
    first = _appeal(alice)
    assert _appeal(alice).pk == first.pk
    with pytest.raises(ModerationError, match="already open"):
        _appeal(alice, reason="something else")
    assert ModerationLog.objects.filter(action="appeal").count() == 1
    assert OutboxEvent.objects.filter(type="appeal.created").count() == 1
    assert Appeal.objects.count() == 1


def test_accepting_when_the_ban_already_ended_warns_and_future_channel_bans_are_lifted_on_request():
    alice, mod = EndUserFactory(id="alice"), ModeratorFactory(id="mod")
    ban = actions.ban_user(target=alice, actor=mod)
    actions.ban_from_future_channels(target=alice, banned_by=mod, actor=mod)
    appeal = _appeal(alice)
    actions.unban_user(target=alice, actor=mod)  # lifted meanwhile
    with pytest.raises(ModerationError, match="unban.channel_cid"):
        actions.decide_appeal(appeal=appeal, actor=mod, verb="unban", options=VerbOptions(channel_cid="x:y"))
    with pytest.raises(ModerationError, match="unban.target_user_id"):
        actions.decide_appeal(appeal=appeal, actor=mod, verb="unban", options=VerbOptions(target_user_id="bob"))
    decided = actions.decide_appeal(appeal=appeal, actor=mod, verb="unban",
                                    options=VerbOptions(remove_future_channels_ban=True))
    assert decided.changed and "already ended or been lifted" in decided.warning
    assert not FutureChannelBan.objects.in_force().filter(target=alice).exists()
    entry = ModerationLog.objects.get(action="appeal_accepted")
    assert entry.custom["reversal_log_ids"] == list(
        ModerationLog.objects.filter(action="unban_from_future_channels").values_list("pk", flat=True))
    assert Ban.objects.get(pk=ban.pk).lifted_by_id == "mod"  # by the earlier unban, not twice


def test_unknown_verb_and_missing_reject_reason_are_refused_and_nothing_changes():
    alice = EndUserFactory(id="alice")
    actions.ban_user(target=alice, actor=None)
    appeal = _appeal(alice)
    with pytest.raises(ModerationError, match="unknown appeal action 'ban'"):
        actions.decide_appeal(appeal=appeal, actor=None, verb="ban")
    with pytest.raises(ModerationError, match="decision_reason"):
        actions.decide_appeal(appeal=appeal, actor=None, verb="reject_appeal", decision_reason="  ")
    assert Appeal.objects.get(pk=appeal.pk).status == "submitted"
    assert Ban.objects.in_force().filter(target=alice).exists()
