import pytest

from reviews import actions
from reviews.models import CallMember
from reviews.selectors import calls as sel

pytestmark = pytest.mark.django_db


def caps(call, user_id):
    member = CallMember.objects.get(call=call, user_id=user_id)
    return sel.capabilities(call=call, member=member)


def test_role_defaults_differ_between_hosts_and_users(call):
    assert {"send-audio", "send-video", "screenshare", "join-call"} <= set(caps(call, "sara"))
    assert "mute-users" not in caps(call, "sara")
    assert {"mute-users", "kick-user", "block-users", "update-call-permissions"} <= set(caps(call, "john"))


def test_granted_and_revoked_adjust_the_role_defaults(call, moderator, sara):
    actions.update_call_user_permissions(call=call, target=sara, actor=moderator, revoke=["send-audio"])
    assert "send-audio" not in caps(call, "sara")
    actions.update_call_user_permissions(call=call, target=sara, actor=moderator, grant=["send-audio"])
    assert "send-audio" in caps(call, "sara")


def test_audio_room_listeners_start_without_send_audio(john, alice):
    room, _, _ = actions.get_or_create_call(call_type="audio_room", call_id="r1", actor=None, created_by=john,
                                            members=[{"user_id": "alice"}])
    assert "send-audio" not in caps(room, "alice") and "join-call" in caps(room, "alice")


def test_screensharing_disabled_means_nobody_holds_screenshare(call, moderator, sara):
    actions.update_call_user_permissions(call=call, target=sara, actor=moderator, grant=["screenshare"])
    actions.update_call_settings(call=call, actor=moderator, settings_override={"screensharing": {"enabled": False}})
    call.refresh_from_db()
    assert "screenshare" not in caps(call, "sara") and "screenshare" not in caps(call, "john")
    assert "screenshare" not in sel.own_capabilities(call=call, user=None)
    actions.update_call_settings(call=call, actor=moderator, settings_override={"screensharing": {"enabled": True}})
    call.refresh_from_db()
    assert "screenshare" in caps(call, "sara")


def test_blocked_members_and_banned_users_hold_nothing(call, moderator, sara, alice):
    actions.block_call_user(call=call, target=sara, actor=moderator)
    assert caps(call, "sara") == []
    assert "join-call" not in sel.own_capabilities(call=call, user=sara)
    actions.ban_user(target=alice, actor=moderator)
    assert sel.own_capabilities(call=call, user=alice) == []


def test_own_capabilities_for_a_non_member_are_a_plain_users(call, bob):
    assert "join-call" in sel.own_capabilities(call=call, user=bob)
    assert "mute-users" not in sel.own_capabilities(call=call, user=bob)


def test_participant_rows_read_in_a_fixed_number_of_queries(call, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        rows = sel.participant_rows(call)
    assert [r["user"].id for r in rows] == ["john", "sara", "alice"]
    assert rows[1]["muted"] == {"audio": False, "video": False, "screenshare": False, "screenshare_audio": False}
