"""Against a real worker process and the configured broker (the embedded Redis locally, Redis in CI)."""

import signal
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from reviews import actions
from reviews.models import Ban, EndUser, ModerationLog, ReviewQueueItem, Task, WebhookEndpoint
from reviews.services import bulk, queue_bulk
from reviews.tasks import sweep_expired_task
from tests.factories import EndUserFactory, ReviewQueueItemFactory
from tests.jobs.worker import shared_broker, start_worker, stop_worker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker(tmp_path):
    with shared_broker(str(tmp_path)) as env:
        yield env


def test_a_worker_delivers_signed_events_and_sweeps_expiry(broker, receiver, tmp_path):
    WebhookEndpoint.objects.create(url=receiver.url)
    moderator, alice = EndUserFactory(id="mod", role="moderator"), EndUserFactory(id="alice")
    log = str(tmp_path / "worker.log")
    worker = start_worker(broker, log)
    try:
        actions.ban_user(target=alice, actor=moderator, reason="spam", timeout_minutes=5)  # kicks the relay
        got = wait_until(lambda: receiver.received, 120, "user.banned at the receiver", log)
        assert got[0].valid_signature and got[0].event.type == "user.banned" and got[0].event.reason == "spam"

        Ban.objects.filter(target=alice).update(expires_at=timezone.now() - timedelta(seconds=1))
        sweep_expired_task.delay()  # what beat sends every minute
        wait_until(lambda: len(receiver.received) >= 2, 120, "user.unbanned at the receiver", log)
        unbanned = receiver.received[1]
        assert unbanned.valid_signature and unbanned.event.type == "user.unbanned"
        assert unbanned.event.user.id == "alice"
        assert ModerationLog.objects.get(action="unban").actor_id is None
    finally:
        stop_worker(worker)


def test_a_bulk_task_survives_its_worker_being_killed(broker, tmp_path):
    """SIGKILL the worker mid-task; a new worker resumes it and every user is done exactly once."""
    ids = [f"k{i}" for i in range(1000)]
    EndUser.objects.bulk_create([EndUser(id=i) for i in ids])
    log = str(tmp_path / "worker.log")
    env = {"MODERATION_BULK_CHUNK_SIZE": "10", "MODERATION_TASK_STALE_SECONDS": "1"}
    worker = start_worker(broker, log, **env)
    try:
        task = bulk.start_user_task(kind="deactivate_users", user_ids=ids, actor=None)
        wait_until(lambda: Task.objects.get(pk=task.pk).done >= 100, 120, "the task to get going", log)
        stop_worker(worker, signal.SIGKILL)
        time.sleep(1.2)  # past MODERATION_TASK_STALE_SECONDS, so the next worker's start-up check sees it stalled
        killed_at = Task.objects.get(pk=task.pk)
        assert killed_at.status == "running" and killed_at.done < len(ids), "killed too late to prove anything"

        worker = start_worker(broker, log, **env)
        done = wait_until(lambda: Task.objects.filter(pk=task.pk, status="completed").first(), 120,
                          "the resumed task to complete", log)
        assert done.done == done.total == len(ids) and done.result == {"changed": len(ids), "missing": 0}
        assert EndUser.objects.filter(pk__in=ids, deactivated_at__isnull=True).count() == 0
        per_user = ModerationLog.objects.filter(action="deactivate_user").values_list("target_user_id", flat=True)
        assert sorted(per_user) == sorted(ids)  # nobody skipped, nobody twice
    finally:
        stop_worker(worker)


def test_a_bulk_queue_decision_survives_its_worker_being_killed(broker, tmp_path):
    """The same for the queue kind: SIGKILL mid-job, a new worker resumes, every item is decided once and the
    job's one bulk log entry is written once."""
    moderator = EndUserFactory(id="mod", role="moderator")
    items = ReviewQueueItemFactory.create_batch(600)
    log = str(tmp_path / "worker.log")
    env = {"MODERATION_BULK_CHUNK_SIZE": "5", "MODERATION_TASK_STALE_SECONDS": "1"}
    worker = start_worker(broker, log, **env)
    try:
        task = queue_bulk.start_queue_task(decision={"actions": ["mark_reviewed"]}, actor=moderator,
                                           item_ids=[str(i.pk) for i in items])
        wait_until(lambda: Task.objects.get(pk=task.pk).done >= 20, 60, "the job to get going", log)
        stop_worker(worker, signal.SIGKILL)
        time.sleep(1.2)  # past MODERATION_TASK_STALE_SECONDS, so the next worker's start-up check sees it stalled
        killed_at = Task.objects.get(pk=task.pk)
        assert killed_at.status == "running" and killed_at.done < len(items), "killed too late to prove anything"
        assert len(killed_at.result["log_ids"]) == killed_at.done  # progress is what committed, nothing more

        worker = start_worker(broker, log, **env)
        done = wait_until(lambda: Task.objects.filter(pk=task.pk, status="completed").first(), 120,
                          "the resumed job to complete", log)
        assert done.done == done.total == len(items) and done.result["changed"] == len(items)
        assert not ReviewQueueItem.objects.exclude(status="reviewed").exists()
        per_item = ModerationLog.objects.filter(action="mark_reviewed").values_list("item_id", flat=True)
        assert sorted(per_item) == sorted(i.pk for i in items)  # nobody skipped, nobody twice
        assert ModerationLog.objects.filter(action="bulk_decision").count() == 1
    finally:
        stop_worker(worker)


def test_a_job_started_while_the_broker_is_down_completes_once_a_worker_runs(broker, tmp_path):
    """Starting a job must not fail, nor lose the job, when the broker cannot be reached: the Task row is
    committed and the next worker start (or beat) enqueues it."""
    from moderation_site.celery import app
    from tests.jobs.worker import _drop_pools

    moderator = EndUserFactory(id="mod", role="moderator")
    items = ReviewQueueItemFactory.create_batch(5)
    working = {"broker_url": app.conf.broker_url, "broker_transport_options": app.conf.broker_transport_options}
    app.conf.update(broker_url="redis://127.0.0.1:1/0", broker_transport_options={}, task_publish_retry=False)
    _drop_pools(app)
    try:
        task = queue_bulk.start_queue_task(decision={"actions": ["mark_reviewed"]}, actor=moderator,
                                           item_ids=[str(i.pk) for i in items])  # commits; the enqueue fails
    finally:
        app.conf.update(task_publish_retry=True, **working)
        _drop_pools(app)
    assert Task.objects.get(pk=task.pk).status == "pending"

    log = str(tmp_path / "worker.log")
    time.sleep(1.2)  # past MODERATION_TASK_STALE_SECONDS below
    worker = start_worker(broker, log, MODERATION_TASK_STALE_SECONDS="1")
    try:
        done = wait_until(lambda: Task.objects.filter(pk=task.pk, status="completed").first(), 60,
                          "the job to complete", log)
        assert done.result["changed"] == 5 and ReviewQueueItem.objects.filter(status="reviewed").count() == 5
    finally:
        stop_worker(worker)
