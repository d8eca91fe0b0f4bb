import pytest

from reviews import actions
from reviews.errors import ModerationError
from reviews.models import CallMember, ModerationLog, OutboxEvent
from reviews.selectors import calls as sel

pytestmark = pytest.mark.django_db


def member(call, user_id):
    return CallMember.objects.get(call=call, user_id=user_id)


def test_block_and_unblock(call, moderator, sara):
    actions.block_call_user(call=call, target=sara, actor=moderator)
    actions.block_call_user(call=call, target=sara, actor=moderator)
    assert sel.blocked_user_ids(call) == ["sara"]
    log = ModerationLog.objects.get(action="call_block")
    assert (log.actor, log.target_user, log.custom["call_cid"]) == (moderator, sara, "default:c1")
    event = OutboxEvent.objects.get(type="call.blocked_user")
    assert event.payload["user"]["id"] == "sara" and event.payload["blocked_by_user"]["id"] == moderator.id

    assert actions.unblock_call_user(call=call, target=sara, actor=moderator) is True
    assert actions.unblock_call_user(call=call, target=sara, actor=moderator) is False
    assert sel.blocked_user_ids(call) == []
    assert OutboxEvent.objects.filter(type="call.unblocked_user").count() == 1


def test_blocking_a_non_member_adds_them_so_the_block_holds(call, moderator, bob):
    actions.block_call_user(call=call, target=bob, actor=moderator)
    assert sel.blocked_user_ids(call) == ["bob"]
    assert OutboxEvent.objects.filter(type="call.member_added").count() == 1


def test_kick_with_and_without_block(call, moderator, sara, alice):
    actions.kick_call_user(call=call, target=sara, actor=moderator)
    actions.kick_call_user(call=call, target=sara, actor=moderator)
    assert member(call, "sara").kicked_at is not None and member(call, "sara").blocked_at is None
    assert ModerationLog.objects.filter(action="call_kick").count() == 1
    actions.kick_call_user(call=call, target=sara, actor=moderator, block=True)  # the block is new
    assert member(call, "sara").blocked_at is not None
    assert OutboxEvent.objects.filter(type="call.kicked_user").count() == 1
    assert OutboxEvent.objects.filter(type="call.blocked_user").count() == 1
    with pytest.raises(ModerationError):
        actions.kick_call_user(call=call, target=moderator, actor=moderator)


def test_mute_named_users_per_track(call, john, sara, alice):
    changed = actions.mute_call_users(call=call, actor=john, user_ids=["sara", "alice"], audio=True, video=True)
    assert changed == ["sara", "alice"]
    assert (member(call, "sara").audio_muted, member(call, "sara").video_muted,
            member(call, "sara").screenshare_muted) == (True, True, False)
    assert actions.mute_call_users(call=call, actor=john, user_ids=["sara"], audio=True) == []
    assert ModerationLog.objects.filter(action="call_mute").count() == 2
    event = OutboxEvent.objects.get(type="call.user_muted")
    assert event.payload["from_user_id"] == "john" and event.payload["muted_user_ids"] == ["sara", "alice"]


def test_mute_all_spares_the_actor_and_blocked_members(call, john, sara, alice, moderator):
    actions.block_call_user(call=call, target=alice, actor=moderator)
    assert actions.mute_call_users(call=call, actor=john, mute_all_users=True, audio=True) == ["sara"]
    assert not member(call, "john").audio_muted and not member(call, "alice").audio_muted


def test_mute_input_errors_write_nothing(call, john):
    for kwargs, field in [
        ({"user_ids": ["sara"]}, "audio"),
        ({"audio": True}, "user_ids"),
        ({"audio": True, "user_ids": ["sara", "nobody"]}, "user_ids"),
        ({"audio": True, "user_ids": ["sara"], "mute_all_users": True}, "user_ids"),
    ]:
        with pytest.raises(ModerationError) as err:
            actions.mute_call_users(call=call, actor=john, **kwargs)
        assert err.value.field == field
    assert not member(call, "sara").audio_muted
    assert not ModerationLog.objects.filter(action="call_mute").exists()


def test_unmute_reverses_a_mute(call, john, sara, moderator):
    actions.mute_call_users(call=call, actor=john, user_ids=["sara"], audio=True)
    assert actions.unmute_call_user(call=call, target=sara, actor=moderator, tracks=["audio"]) is True
    assert actions.unmute_call_user(call=call, target=sara, actor=moderator, tracks=["audio"]) is False
    assert not member(call, "sara").audio_muted


def test_permissions_grant_and_revoke_are_logged_once(call, moderator, sara):
    actions.update_call_user_permissions(call=call, target=sara, actor=moderator, revoke=["send-audio"])
    actions.update_call_user_permissions(call=call, target=sara, actor=moderator, revoke=["send-audio"])
    assert ModerationLog.objects.filter(action="call_permissions_updated").count() == 1
    event = OutboxEvent.objects.get(type="call.permissions_updated")
    assert "send-audio" not in event.payload["own_capabilities"] and event.payload["user"]["id"] == "sara"
    with pytest.raises(ModerationError) as err:
        actions.update_call_user_permissions(call=call, target=sara, actor=moderator, grant=["end-call"])
    assert err.value.field == "grant_permissions"
    with pytest.raises(ModerationError):
        actions.update_call_user_permissions(call=call, target=sara, actor=moderator, grant=["send-audio"],
                                             revoke=["send-audio"])
