"""Against a real worker process and the configured broker (the embedded Redis locally, Redis in CI)."""

import signal
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from reviews import actions
from reviews.models import Ban, EndUser, ModerationLog, Task, WebhookEndpoint
from reviews.services import bulk
from reviews.tasks import sweep_expired_task
from tests.factories import EndUserFactory
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
        got = wait_until(lambda: receiver.received, 30, "user.banned at the receiver", log)
        assert got[0].valid_signature and got[0].event.type == "user.banned" and got[0].event.reason == "spam"

        Ban.objects.filter(target=alice).update(expires_at=timezone.now() - timedelta(seconds=1))
        sweep_expired_task.delay()  # what beat sends every minute
        wait_until(lambda: len(receiver.received) >= 2, 30, "user.unbanned at the receiver", log)
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
        wait_until(lambda: Task.objects.get(pk=task.pk).done >= 100, 60, "the task to get going", log)
        stop_worker(worker, signal.SIGKILL)
        time.sleep(1.2)  # past MODERATION_TASK_STALE_SECONDS, so the next worker's start-up check sees it stalled
        killed_at = Task.objects.get(pk=task.pk)
        assert killed_at.status == "running" and killed_at.done < len(ids), "killed too late to prove anything"

        worker = start_worker(broker, log, **env)
        done = wait_until(lambda: Task.objects.filter(pk=task.pk, status="completed").first(), 60,
                          "the resumed task to complete", log)
        assert done.done == done.total == len(ids) and done.result == {"changed": len(ids), "missing": 0}
        assert EndUser.objects.filter(pk__in=ids, deactivated_at__isnull=True).count() == 0
        per_user = ModerationLog.objects.filter(action="deactivate_user").values_list("target_user_id", flat=True)
        assert sorted(per_user) == sorted(ids)  # nobody skipped, nobody twice
    finally:
        stop_worker(worker)
