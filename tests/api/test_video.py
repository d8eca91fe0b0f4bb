"""Video calls through the real getstream 7.0.0 SDK: the seeds' call-moderation examples, unchanged, and what
`call.get()` returns after them. RuntimeWarning is an error here: a missing required field in a CallResponse
would otherwise decode silently as None."""

from __future__ import annotations

import pytest
from getstream.exceptions import StreamApiException
from getstream.models import (
    CallRequest,
    CallSettingsRequest,
    MemberRequest,
    OwnCapability,
    Response,
    ScreensharingSettingsRequest,
)

from reviews import actions
from reviews.models import Call, CallMember, ModerationLog, OutboxEvent, PermissionRequest
from tests.factories import EndUserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.filterwarnings("error::RuntimeWarning")]


@pytest.fixture
def users(db):
    return {uid: EndUserFactory(id=uid) for uid in ("john", "sara", "alice", "bob")}


@pytest.fixture
def call(stream_client, users):
    call = stream_client.video.call("default", "seed-call")
    call.get_or_create(data=CallRequest(
        created_by_id="john",
        members=[MemberRequest(user_id="john", role="host"), MemberRequest(user_id="sara"),
                 MemberRequest(user_id="alice"), MemberRequest(user_id="bob")],
    ))
    return call


def member(user_id: str) -> CallMember:
    return CallMember.objects.get(call__call_id="seed-call", user_id=user_id)


def test_get_or_create_decodes_the_whole_call_response(stream_client, users):
    call = stream_client.video.call("default", "c-new")
    response = call.get_or_create(data=CallRequest(created_by_id="john", members=[MemberRequest(user_id="sara")],
                                                   custom={"topic": "standup"}))
    data = response.data
    assert data.created is True and data.duration.endswith("ms")
    assert data.call.cid == "default:c-new" and data.call.created_by.id == "john"
    assert data.call.created_at.year >= 2024 and data.call.custom == {"topic": "standup"}
    assert data.call.settings.screensharing.enabled is True
    assert [m.user_id for m in data.members] == ["sara"] and data.members[0].user.id == "sara"
    assert "screenshare" in data.own_capabilities  # a server token holds everything
    assert call.get_or_create(data=CallRequest(created_by_id="john")).data.created is False
    assert ModerationLog.objects.filter(action="call_created").count() == 1


def test_seed_block_kick_unblock(call):
    # Seed 001, Python tab, unchanged:
    # Block user
    call.block_user(user_id='sara')

    # Kick user
    call.kick_user(user_id='sara')

    assert call.get().data.call.blocked_user_ids == ["sara"]

    # Unblock user
    call.unblock_user(user_id='sara')

    assert call.get().data.call.blocked_user_ids == []
    assert member("sara").kicked_at is not None
    assert [e.type for e in OutboxEvent.objects.filter(type__startswith="call.").exclude(type="call.created")] == [
        "call.blocked_user", "call.unblocked_user"]  # kicking a blocked member changes nothing


def test_a_blocked_user_cannot_join_until_unblocked(call, user_client):
    call.block_user(user_id="sara")
    as_sara = user_client("sara").video.call("default", "seed-call")
    with pytest.raises(StreamApiException) as err:
        as_sara.get_or_create()
    assert err.value.status_code == 403 and "blocked" in err.value.api_error.message
    call.unblock_user(user_id="sara")
    assert as_sara.get_or_create().data.created is False


def test_kick_with_block(call):
    call.kick_user(user_id="alice", block=True, kicked_by_id="john")
    assert call.get().data.call.blocked_user_ids == ["alice"]
    log = ModerationLog.objects.get(action="call_kick")
    assert log.actor_id == "john" and log.custom["block"] is True


def test_seed_screensharing_settings(call, user_client):
    # Seed 001, Python tab (ScreensharingSettingsRequest imported above; the seed assumes it):
    call.update(
        settings_override=CallSettingsRequest(
            screensharing=ScreensharingSettingsRequest(
                enabled=True, access_request_enabled=True
            ),
        ),
    )
    settings = call.get().data.call.settings.screensharing
    assert (settings.enabled, settings.access_request_enabled) == (True, True)

    call.update(settings_override=CallSettingsRequest(
        screensharing=ScreensharingSettingsRequest(enabled=False)))
    assert call.get().data.call.settings.screensharing.enabled is False
    assert "screenshare" not in user_client("sara").video.call("default", "seed-call").get().data.own_capabilities


def test_other_settings_are_stored_and_returned(call):
    from getstream.models import RecordSettingsRequest

    call.update(settings_override=CallSettingsRequest(recording=RecordSettingsRequest(mode="auto-on",
                                                                                       quality="1080p")))
    recording = call.get().data.call.settings.recording
    assert (recording.mode, recording.quality) == ("auto-on", "1080p")


def test_seed_mute_everyone_and_one_participant(call):
    # Seed 001, Python tab, unchanged:
    # You can specify which kind of stream(s) to mute
    call.mute_users(
        mute_all_users=True,
        audio=True,
    )
    assert all(member(u).audio_muted for u in ("john", "sara", "alice", "bob"))
    assert not member("sara").video_muted

    alice, bob, user_id = member("alice").user, member("bob").user, "john"
    call.mute_users(
        muted_by_id=user_id,
        user_ids=[alice.id, bob.id],
        audio=True,
        video=True,
        screenshare=True,
        screenshare_audio=True,
    )
    for uid in ("alice", "bob"):
        m = member(uid)
        assert (m.audio_muted, m.video_muted, m.screenshare_muted, m.screenshare_audio_muted) == (True,) * 4
    event = OutboxEvent.objects.filter(type="call.user_muted").last()
    assert event.payload["from_user_id"] == "john" and event.payload["muted_user_ids"] == ["alice", "bob"]


def test_seed_grant_and_revoke_show_in_own_capabilities(call, user_client):
    alice = member("alice").user
    as_alice = user_client("alice").video.call("default", "seed-call")
    # Seed 001, Python tab, unchanged:
    call.update_user_permissions(
        user_id=alice.id,
        revoke_permissions=[OwnCapability.SEND_AUDIO],
    )
    assert OwnCapability.SEND_AUDIO not in as_alice.get().data.own_capabilities

    call.update_user_permissions(
        user_id=alice.id,
        grant_permissions=[OwnCapability.SEND_AUDIO],
    )
    assert OwnCapability.SEND_AUDIO in as_alice.get().data.own_capabilities


def test_request_permission_with_a_user_token(stream_client, users, user_client):
    room = stream_client.video.call("audio_room", "r1")
    room.get_or_create(data=CallRequest(created_by_id="john", members=[MemberRequest(user_id="alice")]))
    alice = user_client("alice")
    assert "send-audio" not in alice.video.call("audio_room", "r1").get().data.own_capabilities

    # SDK 7.0.0 has no request_permission method; the raw endpoint, through the SDK's own HTTP client.
    response = alice.video.post("/api/v2/video/call/{type}/{id}/request_permission", Response,
                                path_params={"type": "audio_room", "id": "r1"},
                                json={"permissions": ["send-audio"]})
    assert response.data.duration.endswith("ms")
    request = PermissionRequest.objects.get()
    assert (request.user_id, request.permissions, request.status) == ("alice", ["send-audio"], "pending")
    assert OutboxEvent.objects.filter(type="call.permission_request").count() == 1

    with pytest.raises(StreamApiException) as err:  # audio rooms take no screenshare requests
        alice.video.post("/api/v2/video/call/{type}/{id}/request_permission", Response,
                         path_params={"type": "audio_room", "id": "r1"}, json={"permissions": ["screenshare"]})
    assert err.value.status_code == 403

    # Accepting is granting (seed 001).
    room.update_user_permissions(user_id="alice", grant_permissions=[OwnCapability.SEND_AUDIO])
    request.refresh_from_db()
    assert request.status == "accepted"
    assert "send-audio" in alice.video.call("audio_room", "r1").get().data.own_capabilities


def test_app_banned_users_cannot_create_or_join(call, stream_client, user_client):
    actions.ban_user(target=member("bob").user, actor=None)
    with pytest.raises(StreamApiException) as err:
        user_client("bob").video.call("default", "seed-call").get_or_create()
    assert err.value.status_code == 403 and "banned" in err.value.api_error.message
    with pytest.raises(StreamApiException):
        stream_client.video.call("default", "bobs").get_or_create(data=CallRequest(created_by_id="bob"))
    assert call.get().data.members[3].user.banned is True


def test_end_and_query_members(call, stream_client):
    call.block_user(user_id="bob")
    response = stream_client.video.query_call_members(id="seed-call", type="default", limit=2)
    assert [m.user_id for m in response.data.members] == ["john", "sara"] and response.data.next
    rest = stream_client.video.query_call_members(id="seed-call", type="default", limit=2, next=response.data.next)
    assert [m.user_id for m in rest.data.members] == ["alice", "bob"]
    hosts = stream_client.video.query_call_members(id="seed-call", type="default",
                                                   filter_conditions={"role": {"$eq": "host"}})
    assert [m.user_id for m in hosts.data.members] == ["john"]
    blocked = stream_client.video.query_call_members(id="seed-call", type="default",
                                                     filter_conditions={"blocked": True})
    assert [m.user_id for m in blocked.data.members] == ["bob"]

    call.end()
    assert call.get().data.call.ended_at is not None


def test_bad_input_is_a_clear_400(call):
    with pytest.raises(StreamApiException) as err:
        call.mute_users(user_ids=["sara"])
    assert err.value.status_code == 400 and "track" in err.value.api_error.message
    with pytest.raises(StreamApiException) as err:
        call.update_user_permissions(user_id="sara", grant_permissions=["end-call"])
    assert err.value.status_code == 400 and "grant_permissions" in err.value.api_error.message
    with pytest.raises(StreamApiException) as err:
        call.block_user(user_id="nobody")
    assert err.value.status_code == 400 and "nobody" in err.value.api_error.message
    with pytest.raises(StreamApiException) as err:
        call.client.get_call(type="default", id="missing")
    assert err.value.status_code == 404


def test_plain_users_cannot_moderate_but_a_host_can(call, user_client):
    as_sara = user_client("sara").video.call("default", "seed-call")
    with pytest.raises(StreamApiException) as err:
        as_sara.mute_users(user_ids=["alice"], audio=True)
    assert err.value.status_code == 403 and "mute-users" in err.value.api_error.message
    user_client("john").video.call("default", "seed-call").mute_users(user_ids=["alice"], audio=True)
    assert member("alice").audio_muted


def test_submit_action_kicks_the_speaker_of_a_call_speech_item(call, stream_client):
    # The audio loop's queue item (seed 004): entity id chosen by us, call cid and speaker in the payload.
    entry = actions.apply_call_verdict(call=Call.objects.get(call_id="seed-call"), speaker=member("sara").user,
                                       verdict="flag", transcript_excerpt="you idiot")
    stream_client.moderation.submit_action(action_type="kick_user", item_id=str(entry.item_id), user_id="john")
    assert member("sara").kicked_at is not None
    assert ModerationLog.objects.filter(action="call_kick", actor_id="john", target_user_id="sara").exists()
