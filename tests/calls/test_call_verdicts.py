import pytest

from reviews import actions
from reviews.models import Ban, CallMember, EntityType, ModerationLog, ReviewQueueItem
from reviews.selectors import calls as sel

pytestmark = pytest.mark.django_db

SAID = "you are an idiot and I will find you"


def test_keep_does_nothing(call, sara):
    assert actions.apply_call_verdict(call=call, speaker=sara, verdict="keep", transcript_excerpt="hi") is None
    assert not ModerationLog.objects.filter(action="call_verdict").exists()


def test_flag_queues_the_speech_and_soft_mutes_as_the_system(call, sara):
    entry = actions.apply_call_verdict(call=call, speaker=sara, verdict="flag", transcript_excerpt=SAID,
                                       soft_mute=True)
    item = ReviewQueueItem.objects.get(entity_type=EntityType.CALL_SPEECH)
    assert item.entity_creator == sara and item.texts == [SAID]
    assert item.moderation_payload["custom"] == {"call_cid": "default:c1", "speaker_id": "sara"}
    assert CallMember.objects.get(call=call, user=sara).audio_muted
    assert entry.actor is None and entry.actor_type == "automod" and entry.item == item
    assert entry.custom["taken"] == ["queued", "soft_mute"] and entry.custom["transcript_excerpt"] == SAID
    mute_log = ModerationLog.objects.get(action="call_mute")
    assert mute_log.actor is None and mute_log.custom["transcript_excerpt"] == SAID


def test_flag_with_the_check_item_does_not_queue_twice(call, sara):
    _, item = actions.flag_content(reporter=None, entity_type=EntityType.CALL_SPEECH, entity_id="s-1",
                                   entity_creator=sara, actor=None)
    entry = actions.apply_call_verdict(call=call, speaker=sara, verdict="flag", transcript_excerpt=SAID, item=item)
    assert entry.custom["taken"] == [] and ReviewQueueItem.objects.count() == 1
    assert not CallMember.objects.get(call=call, user=sara).audio_muted


def test_remove_kicks_block_blocks_and_ban_bans(call, sara, alice, bob):
    actions.apply_call_verdict(call=call, speaker=sara, verdict="remove", transcript_excerpt=SAID)
    assert CallMember.objects.get(call=call, user=sara).kicked_at is not None
    assert sel.blocked_user_ids(call) == []
    actions.apply_call_verdict(call=call, speaker=alice, verdict="block", transcript_excerpt=SAID)
    assert sel.blocked_user_ids(call) == ["alice"]
    actions.get_or_create_call(call_type="default", call_id="c1", actor=None, created_by=bob,
                               members=[{"user_id": "bob"}])
    entry = actions.apply_call_verdict(call=call, speaker=bob, verdict="remove", transcript_excerpt=SAID, ban=True)
    assert entry.custom["taken"] == ["queued", "kick", "ban"]
    assert Ban.objects.in_force().filter(target=bob).exists()


def test_revert_undoes_the_automatic_actions_once(call, sara, alice, moderator):
    muted = actions.apply_call_verdict(call=call, speaker=sara, verdict="flag", transcript_excerpt=SAID,
                                       soft_mute=True)
    blocked = actions.apply_call_verdict(call=call, speaker=alice, verdict="block", transcript_excerpt=SAID,
                                         ban=True)
    assert actions.revert_call_verdict(entry=muted, actor=moderator) is True
    assert actions.revert_call_verdict(entry=muted, actor=moderator) is False
    assert actions.revert_call_verdict(entry=blocked, actor=moderator) is True
    assert not CallMember.objects.get(call=call, user=sara).audio_muted
    assert sel.blocked_user_ids(call) == []
    assert not Ban.objects.in_force().filter(target=alice).exists()
    assert ModerationLog.objects.filter(action="call_verdict_reverted").count() == 2
