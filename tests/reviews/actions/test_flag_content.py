import pytest

from reviews import actions
from reviews.errors import ModerationError
from reviews.models import EntityType, Flag, ModerationLog, OutboxEvent, ReviewQueueItem

pytestmark = pytest.mark.django_db


def _flag(reporter, creator, entity_id="m1", **kw):
    return actions.flag_content(
        reporter=reporter, entity_type=EntityType.MESSAGE, entity_id=entity_id, entity_creator=creator,
        actor=reporter, **kw,
    )


def test_flag_creates_queue_item_flag_log_and_events(alice, bob):
    flag, item = _flag(alice, bob, reason="spam", custom={"page": "home"},
                       moderation_payload={"texts": ["buy now"], "images": ["https://x/a.png"]})
    assert item.status == "pending" and item.flags_count == 1
    assert item.has_text and item.has_image and item.content_text == "buy now"
    assert flag.reason == "spam" and flag.custom == {"page": "home"} and flag.item == item
    log = ModerationLog.objects.get()
    assert (log.action, log.target_user, log.item) == ("flag", bob, item)
    types = set(OutboxEvent.objects.values_list("type", flat=True))
    assert types == {"message.flagged", "review_queue_item.new"}


def test_repeated_flags_update_one_item(alice, bob, moderator):
    _flag(alice, bob)
    _, item = _flag(moderator, bob)
    assert ReviewQueueItem.objects.count() == 1
    assert item.flags_count == 2
    assert OutboxEvent.objects.filter(type="review_queue_item.updated").count() == 1


def test_same_reporter_flagging_twice_counts_once(alice, bob):
    _flag(alice, bob, reason="spam")
    flag, item = _flag(alice, bob, reason="harassment")
    assert item.flags_count == 1 and Flag.objects.count() == 1
    assert flag.reason == "harassment"
    assert ModerationLog.objects.count() == 1


def test_new_flag_reopens_a_reviewed_item(alice, bob, moderator):
    _, item = _flag(alice, bob)
    actions.mark_reviewed(item=item, actor=moderator)
    _, item = _flag(moderator, bob)
    assert item.status == "pending"


def test_flagging_a_user_sets_the_creator_and_emits_user_flagged(alice, bob):
    _, item = actions.flag_content(reporter=alice, entity_type=EntityType.USER, entity_id="bob", actor=alice,
                                   reason="spammy_user")
    assert item.entity_creator == bob
    assert OutboxEvent.objects.filter(type="user.flagged").exists()


def test_bad_payload_is_refused_and_nothing_written(alice, bob):
    with pytest.raises(ModerationError) as exc:
        _flag(alice, bob, moderation_payload={"texts": "not a list"})
    assert exc.value.field == "moderation_payload.texts"
    assert not ReviewQueueItem.objects.exists() and not Flag.objects.exists()


def test_empty_entity_id_is_refused(alice):
    with pytest.raises(ModerationError) as exc:
        actions.flag_content(reporter=alice, entity_type=EntityType.MESSAGE, entity_id=" ", actor=alice)
    assert exc.value.field == "entity_id"
