"""The watchlist verbs (`watch`, `unwatch`) and the beat that brings a watched user back for review."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from reviews import actions
from reviews.actions import registry, watchlist
from reviews.errors import ModerationError
from reviews.models import EntityType, ModerationLog, OutboxEvent, ReviewQueueItem, Watch
from reviews.tasks import watch_reviews_task

pytestmark = pytest.mark.django_db


def test_watch_opens_one_watch_logs_it_and_announces_it(moderator, bob):
    applied = registry.apply("watch", actor=moderator, params={"target_user_id": "bob", "reason": "borderline",
                                                               "timeout": 60})
    watch = applied.result
    assert (watch.user, watch.watched_by, watch.reason, watch.ended_at) == (bob, moderator, "borderline", None)
    assert timedelta(minutes=59) < watch.review_after - watch.created_at <= timedelta(minutes=60)
    log = ModerationLog.objects.get()
    assert (log.action, log.actor, log.target_user, log.actor_type, log.reason) == (
        "watch", moderator, bob, "moderator", "borderline")
    assert log.custom["watch_id"] == watch.pk and "updated" not in log.custom
    event = OutboxEvent.objects.get(type="user.watched")
    assert event.payload["user"]["id"] == "bob" and event.payload["watch"]["reason"] == "borderline"
    assert event.payload["created_by"]["id"] == moderator.pk
    # A watch decides nothing: the Overview does not count it, and it is not the user's own act.
    assert not registry.is_moderator_decision("watch", log.actor_type)
    assert registry.made_by("watch", log.actor_type) == "moderator"


def test_watching_again_with_the_same_terms_changes_nothing(moderator, bob):
    assert actions.watch_user(target=bob, actor=moderator, reason="spam?") is not None
    assert actions.watch_user(target=bob, actor=moderator, reason="spam?") is None
    assert actions.watch_user(target=bob, actor=moderator) is None  # no new terms either
    assert Watch.objects.count() == 1 and ModerationLog.objects.count() == 1
    assert OutboxEvent.objects.filter(type="user.watched").count() == 1


def test_new_terms_update_the_open_watch_and_that_entry_is_not_undone(moderator, bob):
    first = actions.watch_user(target=bob, actor=moderator, reason="spam?")
    second = actions.watch_user(target=bob, actor=moderator, reason="now abusive")
    assert second.pk == first.pk and Watch.objects.get().reason == "now abusive"
    entry = ModerationLog.objects.filter(action="watch").latest("id")
    assert entry.custom["updated"] is True
    with pytest.raises(ModerationError) as exc:
        actions.undo_entry(entry=entry, actor=moderator)
    assert exc.value.field == "entry"


def test_one_open_watch_per_user_is_a_database_rule(moderator, bob):
    Watch.objects.create(user=bob, watched_by=moderator)
    with pytest.raises(IntegrityError), transaction.atomic():
        Watch.objects.create(user=bob, watched_by=moderator)


def test_bad_input_names_the_field(moderator, bob):
    with pytest.raises(ModerationError) as exc:
        registry.apply("watch", actor=moderator, params={"target_user_id": "bob", "timeout": -5})
    assert exc.value.field == "watch.timeout"
    with pytest.raises(ModerationError) as exc:
        actions.watch_user(target=moderator, actor=moderator)
    assert exc.value.field == "target_user_id"
    with pytest.raises(ModerationError) as exc:
        actions.watch_user(target=bob, actor=moderator, reason="x" * 2001)
    assert exc.value.field == "reason"
    assert not Watch.objects.exists() and not ModerationLog.objects.exists()


def test_unwatch_ends_the_watch_once_and_is_idempotent(moderator, bob):
    actions.watch_user(target=bob, actor=moderator, reason="spam?")
    assert registry.apply("unwatch", actor=moderator, params={"target_user_id": "bob"}).result is not None
    assert registry.apply("unwatch", actor=moderator, params={"target_user_id": "bob"}).result is None
    watch = Watch.objects.get()
    assert watch.ended_at is not None and watch.ended_by == moderator
    assert ModerationLog.objects.filter(action="unwatch").count() == 1
    assert OutboxEvent.objects.filter(type="user.unwatched").count() == 1
    assert watchlist.open_watch(bob) is None


def test_undo_of_a_watch_is_unwatch_and_undo_of_unwatch_watches_again(moderator, bob, time_machine):
    time_machine.move_to("2030-01-01 12:00Z", tick=False)
    actions.watch_user(target=bob, actor=moderator, reason="spam?",
                       review_after=watchlist.timezone.now() + timedelta(days=1))
    watched = ModerationLog.objects.get(action="watch")
    undo = actions.undo_entry(entry=watched, actor=moderator)
    assert undo.custom == {"undoes": watched.pk, "undone_action": "watch"}
    assert watchlist.open_watch(bob) is None
    assert actions.undo_entry(entry=watched, actor=moderator) is None  # a second undo is a no-op
    # Stopping a watch and undoing that brings the same reason and review time back.
    actions.watch_user(target=bob, actor=moderator, reason="again", review_after=watchlist.timezone.now()
                       + timedelta(hours=5))
    actions.unwatch_user(target=bob, actor=moderator)
    actions.undo_entry(entry=ModerationLog.objects.get(action="unwatch", custom__watch_reason="again"),
                       actor=moderator)
    reopened = watchlist.open_watch(bob)
    assert reopened.reason == "again" and reopened.review_after.isoformat() == "2030-01-01T17:00:00+00:00"


def test_the_beat_brings_a_watched_user_back_once_when_the_review_time_passes(moderator, bob, time_machine):
    time_machine.move_to("2030-01-01 12:00Z", tick=False)
    registry.apply("watch", actor=moderator, params={"target_user_id": "bob", "reason": "check in a day",
                                                     "timeout": 1440})
    time_machine.move_to("2030-01-02 11:59Z", tick=False)
    assert watch_reviews_task() == 0
    assert not ReviewQueueItem.objects.filter(entity_type=EntityType.USER).exists()
    time_machine.move_to("2030-01-02 12:01Z", tick=False)
    assert watch_reviews_task() == 1
    item = ReviewQueueItem.objects.get(entity_type=EntityType.USER, entity_id="bob")
    assert item.status == ReviewQueueItem.Status.PENDING and item.entity_creator == bob
    flag = item.flags.get()
    assert flag.reason == watchlist.REVIEW_REASON and flag.reporter is None
    assert flag.custom["watch_reason"] == "check in a day"
    watch = Watch.objects.get()
    assert watch.review_item == item and watch.review_surfaced_at is not None and watch.ended_at is None
    entry = ModerationLog.objects.get(action="watch_review")
    assert (entry.actor, entry.actor_type, entry.target_user, entry.item) == (None, "automod", bob, item)
    assert OutboxEvent.objects.filter(type="user.watch_review_due").count() == 1
    # Later runs (or a second beat) surface nothing more.
    time_machine.move_to("2030-01-03 12:00Z", tick=False)
    assert watch_reviews_task() == 0 and ModerationLog.objects.filter(action="watch_review").count() == 1


def test_an_ended_watch_is_not_brought_back(moderator, bob, time_machine):
    time_machine.move_to("2030-01-01 12:00Z", tick=False)
    actions.watch_user(target=bob, actor=moderator, review_after=watchlist.timezone.now() + timedelta(hours=1))
    actions.unwatch_user(target=bob, actor=moderator)
    time_machine.move_to("2030-01-01 14:00Z", tick=False)
    assert actions.surface_due_reviews() == 0
    assert not ReviewQueueItem.objects.exists()


def test_a_reviewed_watch_item_comes_back_pending(moderator, bob, time_machine):
    time_machine.move_to("2030-01-01 12:00Z", tick=False)
    _, item = actions.flag_content(reporter=None, entity_type=EntityType.USER, entity_id="bob", actor=None,
                                   reason="spam")
    actions.mark_reviewed(item=item, actor=moderator)
    actions.watch_user(target=bob, actor=moderator, review_after=watchlist.timezone.now() + timedelta(hours=1))
    time_machine.move_to("2030-01-01 13:01Z", tick=False)
    assert actions.surface_due_reviews() == 1
    item.refresh_from_db()
    assert item.status == ReviewQueueItem.Status.PENDING
