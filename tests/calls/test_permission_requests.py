import pytest

from reviews import actions
from reviews.errors import ModerationError
from reviews.models import ModerationLog, OutboxEvent, PermissionRequest
from reviews.selectors import calls as sel

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(john, alice):
    room, _, _ = actions.get_or_create_call(call_type="audio_room", call_id="r1", actor=None, created_by=john,
                                            members=[{"user_id": "john", "role": "host"}, {"user_id": "alice"}])
    return room


def test_request_records_a_pending_request_and_announces_it(room, alice):
    request = actions.request_call_permission(call=room, user=alice, permissions=["send-audio"])
    again = actions.request_call_permission(call=room, user=alice, permissions=["send-audio"])
    assert request.pk == again.pk and request.status == "pending"
    assert ModerationLog.objects.filter(action="call_permission_request").count() == 1
    event = OutboxEvent.objects.get(type="call.permission_request")
    assert event.payload == {**event.payload, "call_cid": "audio_room:r1", "permissions": ["send-audio"]}
    assert event.payload["user"]["id"] == "alice"


def test_requests_only_where_the_settings_allow_them(room, alice, call, sara, moderator):
    with pytest.raises(ModerationError) as err:
        actions.request_call_permission(call=room, user=alice, permissions=["screenshare"])
    assert err.value.status == 403 and "screensharing is disabled" in err.value.message
    with pytest.raises(ModerationError) as err:  # default calls do not take audio requests
        actions.update_call_user_permissions(call=call, target=sara, actor=moderator, revoke=["send-audio"])
        actions.request_call_permission(call=call, user=sara, permissions=["send-audio"])
    assert "settings.audio.access_request_enabled is off" in err.value.message
    actions.update_call_settings(call=call, actor=moderator,
                                 settings_override={"screensharing": {"access_request_enabled": True}})
    actions.update_call_user_permissions(call=call, target=sara, actor=moderator, revoke=["screenshare"])
    actions.request_call_permission(call=call, user=sara, permissions=["screenshare"])
    assert PermissionRequest.objects.filter(user=sara).count() == 1


def test_accepting_grants_and_denying_does_not(room, alice, bob, moderator):
    request = actions.request_call_permission(call=room, user=alice, permissions=["send-audio"])
    actions.decide_permission_request(request=request, actor=moderator, accept=True)
    actions.decide_permission_request(request=request, actor=moderator, accept=False)  # already decided
    request.refresh_from_db()
    assert request.status == "accepted" and request.decided_by == moderator
    assert "send-audio" in sel.own_capabilities(call=room, user=alice)

    denied = actions.request_call_permission(call=room, user=bob, permissions=["send-audio"])
    actions.decide_permission_request(request=denied, actor=moderator, accept=False)
    denied.refresh_from_db()
    assert denied.status == "rejected" and "send-audio" not in sel.own_capabilities(call=room, user=bob)
    assert ModerationLog.objects.filter(action="call_permission_rejected").count() == 1


def test_granting_through_the_api_accepts_the_pending_request(room, alice, john):
    request = actions.request_call_permission(call=room, user=alice, permissions=["send-audio"])
    actions.update_call_user_permissions(call=room, target=alice, actor=john, grant=["send-audio"])
    request.refresh_from_db()
    assert request.status == "accepted" and request.decided_by == john


def test_holding_it_already_or_asking_for_nonsense_is_refused(room, john, alice):
    with pytest.raises(ModerationError) as err:
        actions.request_call_permission(call=room, user=john, permissions=["send-audio"])
    assert err.value.field == "permissions"
    with pytest.raises(ModerationError) as err:
        actions.request_call_permission(call=room, user=alice, permissions=["end-call"])
    assert err.value.field == "permissions"
    assert not PermissionRequest.objects.exists()
