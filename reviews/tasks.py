"""Celery tasks: a thin interface over actions and services (IDs in, the same functions called)."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready

from reviews.services import sweeps, webhooks

log = logging.getLogger(__name__)


@shared_task(name="reviews.tasks.sweep_expired_task", acks_late=True, ignore_result=True)
def sweep_expired_task() -> dict[str, int]:
    """Lift expired bans and mutes (system actor, logged, announced) and clear stale claims."""
    result = sweeps.sweep_expired()
    if any(result.values()):
        log.info("expiry sweep: %s", result)
    resume_stale_tasks_task.delay()
    return result


@shared_task(name="reviews.tasks.resume_stale_tasks_task", acks_late=True, ignore_result=True)
def resume_stale_tasks_task() -> None:
    """Enqueue jobs whose worker died or whose enqueue was lost (see reviews.services.jobs.resume_stale_tasks)."""
    from reviews.services import jobs

    jobs.resume_stale_tasks()


@worker_ready.connect
def _resume_on_worker_start(sender=None, **kwargs) -> None:
    # A worker that starts is often the replacement for one that died mid-task: look for its work at once
    # rather than at the next beat tick.
    try:
        resume_stale_tasks_task.delay()
    except Exception:  # noqa: BLE001 - never stop a worker from starting; beat retries every minute.
        log.warning("could not enqueue resume_stale_tasks_task at worker start", exc_info=True)


@shared_task(name="reviews.tasks.relay_events_task", acks_late=True, ignore_result=True)
def relay_events_task() -> int:
    """Fan committed outbox events out to webhook endpoints and deliver what is due."""
    return webhooks.relay()


@shared_task(name="reviews.tasks.stale_queues_task", acks_late=True, ignore_result=True)
def stale_queues_task() -> dict[str, int]:
    """Announce queues whose oldest pending item passed their age threshold (once per crossing)."""
    from reviews.services.stale_queues import check_stale_queues

    result = check_stale_queues()
    if any(result.values()):
        log.info("stale queues: %s", result)
    return result


@shared_task(name="reviews.tasks.watch_reviews_task", acks_late=True, ignore_result=True)
def watch_reviews_task() -> int:
    """Put watched users whose review time has passed back in the queue (once per watch)."""
    from reviews import actions

    return actions.surface_due_reviews()


@shared_task(name="reviews.tasks.run_task", acks_late=True, ignore_result=True)
def run_task(task_id: str) -> None:
    """A bulk job (users, queue decisions, their undo) in chunks; resumable (see reviews.services.jobs)."""
    from reviews.services import jobs

    jobs.run(task_id)


@shared_task(name="reviews.tasks.run_check_task", acks_late=True, ignore_result=True, soft_time_limit=300,
             time_limit=360)
def run_check_task(task_id: str) -> None:
    """A check that analyses media or was asked to run async (see reviews.services.media_checks). A check still
    running after 5 minutes (a pathological file) is stopped and its task marked failed."""
    from reviews.services import media_checks

    media_checks.run(task_id)
