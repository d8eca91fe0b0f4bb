"""Stale-queue alerts: `review_queue.stale` once per crossing of a queue's age threshold, from the beat."""

from datetime import timedelta

import pytest
from django.test import override_settings

from reviews import actions
from reviews.actions.custom_queues import create_queue, update_queue
from reviews.actions.stale_queues import note_queue_age
from reviews.errors import ModerationError
from reviews.models import EntityType, ModerationLog, OutboxEvent, StaleQueueAlert
from reviews.tasks import stale_queues_task

pytestmark = pytest.mark.django_db


def _flag(n: int, *, channel: str = "messaging:general"):
    _, item = actions.flag_content(reporter=None, entity_type=EntityType.MESSAGE, entity_id=f"m-{n}", actor=None,
                                   reason="spam", channel_cid=channel, moderation_payload={"texts": [f"text {n}"]})
    return item


def _stale_events():
    return list(OutboxEvent.objects.filter(type="review_queue.stale").order_by("id"))


@override_settings(MODERATION_STALE_AFTER_MINUTES=30)
def test_the_default_queue_alerts_once_when_its_oldest_item_passes_the_threshold(moderator, time_machine):
    time_machine.move_to("2030-01-01 12:00Z", tick=False)
    old = _flag(1)
    time_machine.move_to("2030-01-01 12:10Z", tick=False)
    _flag(2)
    time_machine.move_to("2030-01-01 12:29Z", tick=False)
    assert stale_queues_task() == {"raised": 0, "cleared": 0}
    assert not _stale_events()
    time_machine.move_to("2030-01-01 12:31Z", tick=False)
    assert stale_queues_task() == {"raised": 1, "cleared": 0}
    [event] = _stale_events()
    assert event.payload["queue"] == {"id": "default", "name": "All pending items"}
    assert event.payload["oldest_item_id"] == str(old.pk)
    assert (event.payload["age_seconds"], event.payload["threshold_seconds"]) == (31 * 60, 30 * 60)
    entry = ModerationLog.objects.get(action="queue_stale")
    assert (entry.actor, entry.actor_type, entry.item_id) == (None, "automod", old.pk)
    # Every later run while it stays stale: nothing new.
    for minute in (32, 40, 59):
        time_machine.move_to(f"2030-01-01 12:{minute}Z", tick=False)
        assert stale_queues_task() == {"raised": 0, "cleared": 0}
    assert len(_stale_events()) == 1
    # Deciding the old item brings the queue back under the threshold (the other item is 30 min old at 12:40):
    # the alert re-arms, and the next crossing alerts again, about the item that is oldest then.
    time_machine.move_to("2030-01-01 12:39Z", tick=False)
    actions.mark_reviewed(item=old, actor=moderator)
    assert stale_queues_task() == {"raised": 0, "cleared": 1}
    time_machine.move_to("2030-01-01 12:41Z", tick=False)
    assert stale_queues_task() == {"raised": 1, "cleared": 0}
    events = _stale_events()
    assert len(events) == 2 and events[1].payload["oldest_item_id"] != str(old.pk)


def test_a_custom_queue_uses_its_own_threshold(moderator, time_machine):
    time_machine.move_to("2030-01-01 12:00Z", tick=False)
    queue = create_queue(name="Urgent", type="review", filters={"channel_cid": "messaging:urgent"}, actor=moderator)
    update_queue(queue_id=queue.pk, actor=moderator, stale_after_minutes=5)
    _flag(1, channel="messaging:urgent")
    time_machine.move_to("2030-01-01 12:06Z", tick=False)
    assert stale_queues_task() == {"raised": 1, "cleared": 0}  # the default queue (60 min) is not stale yet
    [event] = _stale_events()
    assert event.payload["queue"] == {"id": str(queue.pk), "name": "Urgent"}
    assert event.payload["threshold_seconds"] == 300
    assert StaleQueueAlert.objects.get(queue_key=str(queue.pk)).stale
    assert not StaleQueueAlert.objects.get(queue_key="default").stale


def test_a_threshold_of_zero_never_alerts(moderator, time_machine):
    time_machine.move_to("2030-01-01 12:00Z", tick=False)
    queue = create_queue(name="Slow", type="review", filters={}, actor=moderator)
    update_queue(queue_id=queue.pk, actor=moderator, stale_after_minutes=0)
    _flag(1)
    time_machine.move_to("2030-01-09 12:00Z", tick=False)
    with override_settings(MODERATION_STALE_AFTER_MINUTES=0):
        assert stale_queues_task() == {"raised": 0, "cleared": 0}
    assert not _stale_events()


def test_note_queue_age_is_idempotent_and_an_empty_queue_is_not_stale(time_machine):
    time_machine.move_to("2030-01-01 12:00Z", tick=False)
    item = _flag(1)
    later = item.created_at + timedelta(hours=2)
    assert note_queue_age(queue=None, oldest=item, threshold=timedelta(hours=1), now=later) is True
    assert note_queue_age(queue=None, oldest=item, threshold=timedelta(hours=1), now=later) is None
    assert note_queue_age(queue=None, oldest=None, threshold=timedelta(hours=1), now=later) is False
    assert note_queue_age(queue=None, oldest=None, threshold=timedelta(hours=1), now=later) is None
    assert len(_stale_events()) == 1 and ModerationLog.objects.filter(action="queue_stale").count() == 1


def test_a_bad_threshold_names_the_field(moderator):
    queue = create_queue(name="Q", type="review", filters={}, actor=moderator)
    for bad in (-1, 10**9, "soon", True):
        with pytest.raises(ModerationError) as exc:
            update_queue(queue_id=queue.pk, actor=moderator, stale_after_minutes=bad)
        assert exc.value.field == "stale_after_minutes"
    # Setting it is logged like any queue change; setting it again changes nothing.
    update_queue(queue_id=queue.pk, actor=moderator, stale_after_minutes=15)
    update_queue(queue_id=queue.pk, actor=moderator, stale_after_minutes=15)
    assert ModerationLog.objects.filter(action="update_queue").count() == 1
