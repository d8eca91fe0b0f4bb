import pytest

from reviews import actions
from reviews.errors import ModerationError
from reviews.models import Call, CallMember, ModerationLog, OutboxEvent
from tests.factories import EndUserFactory

pytestmark = pytest.mark.django_db


def test_get_or_create_creates_once_with_members_logs_and_announces(john):
    call, created, _ = actions.get_or_create_call(
        call_type="default", call_id="x", actor=None, created_by=john, members=[{"user_id": "new-user"}])
    again, created_again, _ = actions.get_or_create_call(
        call_type="default", call_id="x", actor=None, created_by=john, members=[{"user_id": "other"}])

    assert created and not created_again and call.pk == again.pk
    assert list(call.members.values_list("user_id", flat=True)) == ["new-user"]
    assert ModerationLog.objects.filter(action="call_created").count() == 1
    event = OutboxEvent.objects.get(type="call.created")
    assert event.payload["call_cid"] == "default:x" and event.payload["members"][0]["user_id"] == "new-user"


def test_server_side_creation_needs_a_creator():
    with pytest.raises(ModerationError) as err:
        actions.get_or_create_call(call_type="default", call_id="x", actor=None, created_by=None)
    assert err.value.field == "data.created_by_id"
    assert not Call.objects.exists()


def test_bad_input_names_the_field_and_writes_nothing(john):
    cases = [
        ({"call_type": "bad type!"}, "type"),
        ({"members": [{"role": "user"}]}, "data.members[0].user_id"),
        ({"settings_override": {"screensharing": {"enabled": "yes"}}}, "data.settings_override.screensharing.enabled"),
        ({"settings_override": {"warp_drive": {}}}, "data.settings_override.warp_drive"),
    ]
    for overrides, field in cases:
        kwargs = {"call_type": "default", "call_id": "x", "actor": None, "created_by": john, **overrides}
        with pytest.raises(ModerationError) as err:
            actions.get_or_create_call(**kwargs)
        assert err.value.field == field
    assert not Call.objects.exists()


def test_app_banned_users_cannot_create_join_or_ring(call, john, moderator, bob):
    actions.ban_user(target=bob, actor=moderator)
    with pytest.raises(ModerationError) as err:
        actions.get_or_create_call(call_type="default", call_id="new", actor=bob, created_by=bob, caller=bob)
    assert err.value.status == 403
    with pytest.raises(ModerationError):
        actions.get_or_create_call(call_type="default", call_id="c1", actor=bob, created_by=bob, caller=bob)
    actions.ban_user(target=john, actor=moderator)
    with pytest.raises(ModerationError):
        actions.get_or_create_call(call_type="default", call_id="c1", actor=None, created_by=john, ring=True)


def test_ringing_skips_members_who_blocked_the_caller(call, john, sara, alice):
    actions.block_user(blocker=sara, blocked=john, actor=sara)
    _, _, rung = actions.get_or_create_call(call_type="default", call_id="c1", actor=john, created_by=john,
                                            caller=john, ring=True)
    assert rung == ["alice"]
    event = OutboxEvent.objects.get(type="call.ring")
    assert [m["user_id"] for m in event.payload["members"]] == ["alice"]


def test_update_settings_merges_logs_once_and_is_idempotent(call, moderator):
    override = {"screensharing": {"enabled": True, "access_request_enabled": True}, "recording": {"quality": "1080p"}}
    actions.update_call_settings(call=call, actor=moderator, settings_override=override)
    actions.update_call_settings(call=call, actor=moderator, settings_override=override)
    actions.update_call_settings(call=call, actor=moderator, settings_override={"screensharing": {"enabled": False}})
    call.refresh_from_db()
    assert call.settings_override["screensharing"] == {"enabled": False, "access_request_enabled": True}
    assert call.settings_override["recording"] == {"quality": "1080p"}
    assert ModerationLog.objects.filter(action="call_settings_updated").count() == 2
    assert OutboxEvent.objects.filter(type="call.updated").count() == 2


def test_end_call_once(call, moderator):
    assert actions.end_call(call=call, actor=moderator) is True
    assert actions.end_call(call=call, actor=moderator) is False
    assert ModerationLog.objects.filter(action="call_ended").count() == 1
    assert OutboxEvent.objects.filter(type="call.ended").count() == 1


def test_a_kicked_member_may_rejoin_a_blocked_one_may_not(call, moderator, sara, alice):
    actions.kick_call_user(call=call, target=sara, actor=moderator)
    actions.get_or_create_call(call_type="default", call_id="c1", actor=sara, created_by=sara, caller=sara)
    assert CallMember.objects.get(call=call, user=sara).kicked_at is None
    actions.block_call_user(call=call, target=alice, actor=moderator)
    with pytest.raises(ModerationError) as err:
        actions.get_or_create_call(call_type="default", call_id="c1", actor=alice, created_by=alice, caller=alice)
    assert err.value.status == 403


def test_unknown_member_user_is_created_bare(john):
    actions.get_or_create_call(call_type="default", call_id="y", actor=None, created_by=john,
                               members=[{"user_id": "fresh"}])
    assert CallMember.objects.get(user_id="fresh").user.name == ""
    assert EndUserFactory._meta.model.objects.filter(pk="fresh").exists()
