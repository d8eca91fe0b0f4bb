"""Images, video, audio and the call-speech loop through the real getstream 7.0.0 SDK against live_server.

Celery runs eagerly in tests, so the check task that a media check becomes runs in the server's thread; the
web process would hand it to a worker. Positive image detections use detector output at the engine boundary (no
explicit image is kept here); harmless images and the speech clip go through the real models.
"""

from __future__ import annotations

import pytest
from getstream.exceptions import StreamApiException
from getstream.models import (
    ActionSequence,
    AIAudioConfigRequest,
    AIImageConfig,
    AIVideoConfigRequest,
    AWSRekognitionRule,
    BlockListConfig,
    BlockListRule,
    CallRequest,
    HarmConfig,
    MemberRequest,
    ModerationPayload,
    VideoCallRuleConfig,
)

from reviews import actions
from reviews.engines import images, store
from reviews.engines.images import Detection
from reviews.models import CallMember, Flag, ModerationLog, ReviewQueueItem, Task
from tests.factories import EndUserFactory
from tests.media.helpers import data_uri, image_uri, speech_wav, video_bytes

pytestmark = pytest.mark.django_db(transaction=True)

IMAGE_RULES = [AWSRekognitionRule(label="Explicit Nudity", action="remove", min_confidence=60),
               AWSRekognitionRule(label="Suggestive", action="flag", min_confidence=70)]


@pytest.fixture
def media_policy(stream_client):
    stream_client.create_block_list(name="insults", words=["idiot"])
    config = stream_client.moderation.upsert_config(
        key="media", ai_image_config=AIImageConfig(enabled=True, rules=IMAGE_RULES),
        ai_video_config=AIVideoConfigRequest(enabled=True, rules=IMAGE_RULES),
        ai_audio_config=AIAudioConfigRequest(rules=[]),
        block_list_config=BlockListConfig(enabled=True, rules=[BlockListRule(name="insults", action="remove")]),
    ).data.config
    yield config
    store.forget("media")


def check(client, *, entity_id="p1", creator="alice", entity_type="stream:chat:v1:message", **payload):
    return client.moderation.check(entity_type=entity_type, entity_id=entity_id, entity_creator_id=creator,
                                   config_key=payload.pop("config_key", "media"),
                                   options=payload.pop("options", None),
                                   moderation_payload=ModerationPayload(**payload)).data


def test_media_blocks_are_accepted_and_read_back(stream_client, media_policy):
    assert [r.label for r in media_policy.ai_image_config.rules] == ["Explicit Nudity", "Suggestive"]
    got = stream_client.moderation.get_config("media").data.config
    assert got.ai_video_config.rules[1].min_confidence == 70 and got.ai_audio_config.enabled is True
    assert {"Explicit Nudity", "Suggestive"} <= {d.key for d in got.ai_image_label_definitions}


def test_bad_media_rules_are_a_400_naming_the_field(stream_client):
    with pytest.raises(StreamApiException) as info:
        stream_client.moderation.upsert_config(key="bad", ai_image_config=AIImageConfig(rules=[
            AWSRekognitionRule(label="Violence", action="remove", min_confidence=50)]))
    assert info.value.status_code == 400 and "ai_image_config.rules[0].label" in info.value.api_error.message
    with pytest.raises(StreamApiException) as info:
        stream_client.moderation.upsert_config(key="bad", video_call_rule_config=VideoCallRuleConfig(rules=[
            HarmConfig(harm_types=["flag"], action_sequences=[ActionSequence(action="ban")])]))
    assert info.value.status_code == 400 and "action_sequences[0].action" in info.value.api_error.message


def test_a_harmless_image_keeps_and_a_bad_url_is_reported_per_image(stream_client, media_policy, api_call):
    assert check(stream_client, images=[image_uri("shapes")]).recommended_action == "keep"
    body = api_call("post", "/moderation/check", {
        "entity_type": "stream:chat:v1:message", "entity_id": "p2", "entity_creator_id": "alice",
        "config_key": "media", "moderation_payload": {"images": [
            image_uri("text"), "http://127.0.0.1:1/x.png", "file:///etc/passwd", "data:image/png;base64,AAAA"]},
    }).json()
    assert body["recommended_action"] == "keep" and body["status"] == "completed"
    reports = body["media"]["images"]
    assert reports[0]["width"] == 640 and reports[0]["hits"] == [] and "error" not in reports[0]
    assert "private, loopback" in reports[1]["error"] and "only http" in reports[2]["error"]
    assert "not an image" in reports[3]["error"]
    assert ReviewQueueItem.objects.count() == 0


def test_detections_apply_the_rules_and_are_stored_with_boxes(stream_client, media_policy, monkeypatch):
    monkeypatch.setattr(images, "detect_pixels", lambda pixels: [
        Detection("FEMALE_BREAST_EXPOSED", 0.83, (100, 50, 80, 60)), Detection("FACE_FEMALE", 0.9, (1, 1, 5, 5))])
    result = check(stream_client, images=[image_uri("shapes")])
    assert result.recommended_action == "remove"
    assert [r.rule_name for r in result.triggered_rules] == ["Explicit Nudity"]
    item = ReviewQueueItem.objects.get(entity_id="p1")
    assert item.labels == ["Explicit Nudity"] and item.has_image
    hit = Flag.objects.get(item=item).custom["media"]["images"][0]["hits"][0]
    assert hit == {"engine": "ai_image_config", "label": "Explicit Nudity", "confidence": 83.0, "action": "remove",
                   "box": [100, 50, 80, 60], "class": "FEMALE_BREAST_EXPOSED"}


def test_video_hits_carry_their_frame_time(stream_client, media_policy, monkeypatch):
    frames = iter(range(100))
    monkeypatch.setattr(images, "detect_pixels", lambda pixels: [Detection("MALE_BREAST_EXPOSED", 0.8, (0, 0, 9, 9))]
                        if next(frames) == 1 else [])
    result = check(stream_client, videos=[data_uri(video_bytes(seconds=3), "video/mp4")])
    assert result.recommended_action == "flag" and result.triggered_rules[0].rule_id == "ai_video_config/Suggestive"
    flag = Flag.objects.get(item__entity_id="p1")
    assert "video 1 at 1 s" in flag.custom["triggered_rules"][0]["why"]
    report = flag.custom["media"]["videos"][0]
    assert report["frames"] == 3 and report["hits"][0]["time"] == 1.0 and report["hits"][0]["label"] == "Suggestive"


def test_a_spoken_insult_is_transcribed_and_triggers_the_blocklist(stream_client, media_policy):
    result = check(stream_client, audios=[data_uri(speech_wav(), "audio/wav")])
    assert result.recommended_action == "remove" and result.triggered_rules[0].rule_id == "block_list_config/insults"
    item = ReviewQueueItem.objects.get(entity_id="p1")
    assert "idiot" in item.content_text.lower() and item.has_text
    report = Flag.objects.get(item=item).custom["media"]["audios"][0]
    assert "stupid idiot" in report["transcript"].lower() and report["fired_words"] == ["idiot"]
    assert result.task_id  # ran as a task (in a worker outside tests)


def test_async_check_returns_a_task_and_the_verdict_lands_on_the_item(stream_client, media_policy):
    pending = check(stream_client, audios=[data_uri(speech_wav(), "audio/wav")], options={"async": True})
    assert pending.status == "pending" and pending.task_id
    task = stream_client.get_task(pending.task_id).data
    assert task.status == "completed" and task.result["recommended_action"] == "remove"
    assert ReviewQueueItem.objects.get(entity_id="p1").recommended_action == "remove"
    assert Task.objects.get(pk=pending.task_id).kind == "check"


@pytest.fixture
def call(stream_client):
    for uid in ("host", "sara"):
        EndUserFactory(id=uid)
    call = stream_client.video.call("default", "standup")
    call.get_or_create(data=CallRequest(created_by_id="host", members=[
        MemberRequest(user_id="host", role="host"), MemberRequest(user_id="sara")]))
    return call


def call_policy(stream_client, *rules: HarmConfig) -> None:
    stream_client.create_block_list(name="call_words", words=["idiot", "darn"])
    stream_client.moderation.upsert_config(
        key="calls", ai_audio_config=AIAudioConfigRequest(rules=[]),
        block_list_config=BlockListConfig(rules=[BlockListRule(name="call_words", action="remove")]),
        video_call_rule_config=VideoCallRuleConfig(rules=list(rules)),
    )


def speech_check(client, **payload):
    return client.moderation.check(
        entity_type="stream:v1:call_speech", entity_id=payload.pop("entity_id", "utterance-1"),
        entity_creator_id="sara", config_key="calls",
        moderation_payload=ModerationPayload(**{"custom": {"call_cid": "default:standup"}, **payload})).data


def test_call_speech_text_kicks_and_blocks_the_speaker_reversibly(stream_client, call):
    call_policy(stream_client, HarmConfig(harm_types=["remove"], action_sequences=[ActionSequence(action="block")]))
    result = speech_check(stream_client, texts=["you absolute idiot"])
    assert result.recommended_action == "remove"
    member = CallMember.objects.get(call__call_id="standup", user_id="sara")
    assert member.kicked_at is not None and member.blocked_at is not None
    entry = ModerationLog.objects.get(action="call_verdict")
    assert entry.actor_id is None and entry.custom["transcript_excerpt"] == "you absolute idiot"
    assert entry.custom["taken"] == ["kick_block"] and entry.item_id == ReviewQueueItem.objects.get().pk
    speech_check(stream_client, texts=["you absolute idiot"])  # the same check again acts once
    assert ModerationLog.objects.filter(action="call_verdict").count() == 1
    assert actions.revert_call_verdict(entry=entry, actor=None)
    assert CallMember.objects.get(pk=member.pk).blocked_at is None
    store.forget("calls")


def test_call_speech_audio_is_transcribed_and_kicks_the_speaker(stream_client, call):
    call_policy(stream_client)
    result = speech_check(stream_client, audios=[data_uri(speech_wav(), "audio/wav")])
    assert result.recommended_action == "remove"
    assert CallMember.objects.get(call__call_id="standup", user_id="sara").kicked_at is not None
    entry = ModerationLog.objects.get(action="call_verdict")
    assert entry.custom["taken"] == ["kick"] and "idiot" in entry.custom["transcript_excerpt"].lower()
    store.forget("calls")


def test_a_flagged_utterance_soft_mutes_when_the_policy_says(stream_client, call):
    stream_client.create_block_list(name="mild", words=["darn"])
    stream_client.moderation.upsert_config(
        key="calls", block_list_config=BlockListConfig(rules=[BlockListRule(name="mild", action="flag")]),
        video_call_rule_config=VideoCallRuleConfig(rules=[
            HarmConfig(harm_types=["flag"], action_sequences=[ActionSequence(action="mute_audio")])]))
    assert speech_check(stream_client, texts=["darn it"]).recommended_action == "flag"
    member = CallMember.objects.get(call__call_id="standup", user_id="sara")
    assert member.audio_muted and member.kicked_at is None
    assert ModerationLog.objects.get(action="call_verdict").custom["taken"] == ["soft_mute"]
    store.forget("calls")


def test_call_speech_must_name_a_known_call(stream_client, call):
    call_policy(stream_client)
    with pytest.raises(StreamApiException) as info:
        stream_client.moderation.check(entity_type="stream:v1:call_speech", entity_id="u", entity_creator_id="sara",
                                       config_key="calls", moderation_payload=ModerationPayload(texts=["hi"]))
    assert info.value.status_code == 400 and "moderation_payload.custom.call_cid" in info.value.api_error.message
    with pytest.raises(StreamApiException) as info:
        speech_check(stream_client, texts=["hi"], custom={"call_cid": "default:nope"})
    assert info.value.status_code == 404
    store.forget("calls")
