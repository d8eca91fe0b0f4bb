import pytest

from reviews import actions
from reviews.models import CallMember, PermissionRequest
from tests.factories import DashboardUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mod_client(client):
    client.force_login(DashboardUserFactory(username="mia", role="Moderators"))
    return client


@pytest.fixture
def room(john, alice):
    room, _, _ = actions.get_or_create_call(call_type="audio_room", call_id="r1", actor=None, created_by=john,
                                            members=[{"user_id": "john", "role": "host"}, {"user_id": "alice"}])
    return room


def test_page_lists_active_calls_participants_and_requests(mod_client, room, alice):
    actions.request_call_permission(call=room, user=alice, permissions=["send-audio"])
    actions.apply_call_verdict(call=room, speaker=alice, verdict="flag", transcript_excerpt="shut up idiot",
                               soft_mute=True)
    html = mod_client.get("/calls/").content.decode()
    assert "audio_room:r1" in html and 'id="participant-alice"' in html
    assert "<bdi>alice</bdi></strong> asks for" in html and "Accept alice&#x27;s request" in html
    assert "shut up idiot" in html and "Unmute alice&#x27;s audio" in html


def test_requests_region_is_served_alone_for_polling(mod_client, room, alice):
    actions.request_call_permission(call=room, user=alice, permissions=["send-audio"])
    response = mod_client.get("/calls/?call=audio_room:r1&part=requests", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="requests"') and "Participants" not in html


def test_accept_and_mute_all_in_one_post_each(mod_client, room, alice):
    request = actions.request_call_permission(call=room, user=alice, permissions=["send-audio"])
    response = mod_client.post("/calls/act", {"call": room.cid, "op": "accept", "request_id": request.pk},
                               HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Accepted alice" in response.content.decode()
    request.refresh_from_db()
    assert request.status == PermissionRequest.Status.ACCEPTED and request.decided_by_id == "mia"

    mod_client.post("/calls/act", {"call": room.cid, "op": "mute_all", "track": "audio"}, HTTP_HX_REQUEST="true")
    assert all(m.audio_muted for m in CallMember.objects.filter(call=room))


def test_failures_are_visible_and_viewers_cannot_act(client, mod_client, room):
    response = mod_client.post("/calls/act", {"call": room.cid, "op": "grant", "user_id": "alice",
                                              "capability": "end-call"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "end-call" in response.content.decode()
    assert response["HX-Retarget"] == "#toasts"
    client.force_login(DashboardUserFactory(username="vic", role="Viewers"))
    response = client.post("/calls/act", {"call": room.cid, "op": "mute_all", "track": "audio"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert not CallMember.objects.filter(audio_muted=True).exists()


def test_screensharing_toggle(mod_client, room, call):
    mod_client.post("/calls/act", {"call": call.cid, "op": "screensharing", "value": "off"}, HTTP_HX_REQUEST="true")
    call.refresh_from_db()
    assert call.settings_override["screensharing"]["enabled"] is False
