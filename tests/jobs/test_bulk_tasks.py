import pytest
from django.db import OperationalError
from django.utils import timezone

from reviews import actions
from reviews.models import EndUser, ModerationLog, OutboxEvent, ReviewQueueItem, Task
from reviews.services import bulk, jobs, queue_bulk
from tests.factories import EndUserFactory, ReviewQueueItemFactory

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
    jobs.run(str(task.pk))  # (the non-transactional test never commits, so run it by hand)
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
    jobs.run(str(task.pk))
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
    assert jobs.resume_stale_tasks() == []
    time_machine.move_to("2030-01-01 12:02Z", tick=False)
    fresh = bulk.start_user_task(kind="deactivate_users", user_ids=[users[0].pk], actor=None)
    assert jobs.resume_stale_tasks() == [str(stale.pk)]  # eager Celery ran it
    stale.refresh_from_db()
    assert stale.status == "completed" and stale.updated_at >= timezone.now()
    assert Task.objects.get(pk=fresh.pk).status == "pending"


def test_finished_tasks_are_not_rerun(moderator):
    task = Task.objects.create(kind="deactivate_users", status="completed", params={"user_ids": ["x"]}, total=1,
                               done=1)
    assert jobs.run(str(task.pk)).status == "completed"
    assert not ModerationLog.objects.exists()


def _queue_task(moderator, count):
    items = ReviewQueueItemFactory.create_batch(count)
    task = queue_bulk.start_queue_task(decision={"actions": ["mark_reviewed"]}, actor=moderator,
                                       item_ids=[str(i.pk) for i in items])
    return task, items


def test_a_queue_task_commits_progress_with_each_chunk_and_resumes_there(moderator, settings, monkeypatch):
    """A worker died after committing two chunks of a bulk decision: the rerun starts at `done`, decides every
    item once and writes the one bulk entry once."""
    settings.MODERATION_BULK_CHUNK_SIZE = 2
    task, items = _queue_task(moderator, 7)
    seen = []
    real = queue_bulk.apply_decision

    def dying(**kwargs):
        seen.append(Task.objects.get(pk=task.pk).done)
        if len(seen) == 5:
            raise OperationalError("the database went away")  # mid third chunk
        return real(**kwargs)

    monkeypatch.setattr(queue_bulk, "apply_decision", dying)
    with pytest.raises(OperationalError):
        jobs.run(str(task.pk))
    task.refresh_from_db()
    assert (task.status, task.done, task.result["changed"]) == ("running", 4, 4)  # the third chunk rolled back
    assert ModerationLog.objects.filter(action="mark_reviewed").count() == 4

    monkeypatch.setattr(queue_bulk, "apply_decision", real)
    jobs.run(str(task.pk))
    task.refresh_from_db()
    assert seen == [0, 0, 2, 2, 4]
    assert task.status == "completed" and (task.done, task.result["changed"]) == (7, 7)
    reviewed = ModerationLog.objects.filter(action="mark_reviewed").values_list("item_id", flat=True)
    assert sorted(reviewed) == sorted(i.pk for i in items)  # nobody skipped, nobody twice
    assert len(task.result["log_ids"]) == 7
    assert ModerationLog.objects.filter(action="bulk_decision").count() == 1
    jobs.run(str(task.pk))  # a late redelivery changes nothing
    assert ModerationLog.objects.filter(action="bulk_decision").count() == 1


def test_stale_queue_tasks_are_resumed_too(moderator, time_machine, settings):
    settings.MODERATION_TASK_STALE_SECONDS = 60
    time_machine.move_to("2030-01-01 12:00Z", tick=False)
    task, items = _queue_task(moderator, 3)
    Task.objects.filter(pk=task.pk).update(status="running")
    time_machine.move_to("2030-01-01 12:02Z", tick=False)
    assert jobs.resume_stale_tasks() == [str(task.pk)]  # eager Celery ran it
    task.refresh_from_db()
    assert task.status == "completed" and task.result["changed"] == 3


def test_a_job_enqueued_while_the_broker_is_down_completes_later(moderator, settings, time_machine, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    """The request that starts a job succeeds with the broker down; the committed Task waits for the sweep."""
    from kombu.exceptions import OperationalError as BrokerDown

    from reviews import tasks

    settings.MODERATION_TASK_STALE_SECONDS = 60
    time_machine.move_to("2030-01-01 12:00Z", tick=False)
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as in production: the message goes to a broker ...
    real_delay = tasks.run_task.delay

    def broker_down(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.run_task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        task, items = _queue_task(moderator, 3)
        user_task = bulk.start_user_task(kind="deactivate_users", user_ids=[moderator.pk], actor=None)
    assert Task.objects.get(pk=task.pk).status == Task.Status.PENDING  # ... which was down: nothing lost
    assert Task.objects.get(pk=user_task.pk).status == Task.Status.PENDING

    settings.CELERY_TASK_ALWAYS_EAGER = True  # the broker is back (eager: the resumed run happens here)
    monkeypatch.setattr(tasks.run_task, "delay", real_delay)
    assert jobs.resume_stale_tasks() == []  # not stale yet
    time_machine.move_to("2030-01-01 12:02Z", tick=False)
    assert sorted(jobs.resume_stale_tasks()) == sorted([str(task.pk), str(user_task.pk)])
    assert set(Task.objects.values_list("status", flat=True)) == {"completed"}
    assert ReviewQueueItem.objects.filter(status="reviewed").count() == 3
