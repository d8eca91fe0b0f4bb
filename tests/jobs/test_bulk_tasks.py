import pytest
from django.utils import timezone

from reviews import actions
from reviews.models import EndUser, ModerationLog, OutboxEvent, Task
from reviews.services import bulk
from tests.factories import EndUserFactory

pytestmark = pytest.mark.django_db


def test_deactivate_users_changes_logs_and_announces_each_user_once(moderator):
    users = EndUserFactory.create_batch(4)
    ids = [u.pk for u in users]
    actions.deactivate_user(target=users[0], actor=moderator)
    outcome = actions.deactivate_users(user_ids=[*ids, "ghost", ids[1]], actor=moderator)
    assert (outcome.changed, outcome.missing) == (3, 1)
    assert EndUser.objects.filter(pk__in=ids, deactivated_at__isnull=True).count() == 0
    assert ModerationLog.objects.filter(action="deactivate_user").count() == 4
    assert OutboxEvent.objects.filter(type="user.deactivated").count() == 4
    again = actions.deactivate_users(user_ids=ids, actor=moderator)
    assert again.changed == 0 and ModerationLog.objects.filter(action="deactivate_user").count() == 4
    back = actions.reactivate_users(user_ids=ids, actor=None)
    assert back.changed == 4
    entry = ModerationLog.objects.filter(action="reactivate_user").first()
    assert entry.actor is None and entry.actor_type == "automod"


def test_a_task_reports_progress_per_chunk_and_completes(moderator, settings, monkeypatch):
    settings.MODERATION_BULK_CHUNK_SIZE = 3
    users = EndUserFactory.create_batch(8)
    seen = []
    real = actions.deactivate_users

    def spy(**kwargs):
        seen.append(Task.objects.get().done)  # what get_task shows while this chunk runs
        return real(**kwargs)

    monkeypatch.setattr(actions, "deactivate_users", spy)
    task = bulk.start_user_task(kind="deactivate_users", user_ids=[u.pk for u in users], actor=moderator,
                                options={"mark_messages_deleted": True})
    bulk.run_user_task(str(task.pk))  # (the non-transactional test never commits, so run it by hand)
    task.refresh_from_db()
    assert seen == [0, 3, 6]
    assert (task.status, task.done, task.total, task.result) == ("completed", 8, 8, {"changed": 8, "missing": 0})
    assert ModerationLog.objects.filter(action="deactivate_user", custom__mark_messages_deleted=True).count() == 8


def test_a_resumed_task_skips_nobody_and_repeats_nobody(moderator, settings):
    """A worker died after committing two chunks: the rerun starts at `done`."""
    settings.MODERATION_BULK_CHUNK_SIZE = 2
    users = EndUserFactory.create_batch(7)
    ids = [u.pk for u in users]
    task = bulk.start_user_task(kind="deactivate_users", user_ids=ids, actor=moderator)
    actions.deactivate_users(user_ids=ids[:4], actor=moderator)  # what the dead run committed ...
    Task.objects.filter(pk=task.pk).update(status="running", done=4, result={"changed": 4, "missing": 0})
    bulk.run_user_task(str(task.pk))
    task.refresh_from_db()
    assert task.status == "completed" and task.result == {"changed": 7, "missing": 0}
    per_user = ModerationLog.objects.filter(action="deactivate_user").values_list("target_user_id", flat=True)
    assert sorted(per_user) == sorted(ids)


def test_stale_tasks_are_resumed_and_fresh_ones_left_alone(moderator, time_machine, settings):
    settings.MODERATION_TASK_STALE_SECONDS = 60
    time_machine.move_to("2030-01-01 12:00Z", tick=False)
    users = EndUserFactory.create_batch(3)
    stale = bulk.start_user_task(kind="reactivate_users", user_ids=[u.pk for u in users], actor=None)
    Task.objects.filter(pk=stale.pk).update(status="running")
    time_machine.move_to("2030-01-01 12:00:30Z", tick=False)
    assert bulk.resume_stale_tasks() == []
    time_machine.move_to("2030-01-01 12:02Z", tick=False)
    fresh = bulk.start_user_task(kind="deactivate_users", user_ids=[users[0].pk], actor=None)
    assert bulk.resume_stale_tasks() == [str(stale.pk)]  # eager Celery ran it
    stale.refresh_from_db()
    assert stale.status == "completed" and stale.updated_at >= timezone.now()
    assert Task.objects.get(pk=fresh.pk).status == "pending"


def test_finished_tasks_are_not_rerun(moderator):
    task = Task.objects.create(kind="deactivate_users", status="completed", params={"user_ids": ["x"]}, total=1,
                               done=1)
    assert bulk.run_user_task(str(task.pk)).status == "completed"
    assert not ModerationLog.objects.exists()
