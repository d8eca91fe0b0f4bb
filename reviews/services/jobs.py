"""The one runner for background jobs kept as `Task` rows (bulk user tasks, bulk queue decisions and their undo).

A job kind says which list in `params` it works through, what one chunk does and what its result starts as
(`Job`); the runner gives every kind the same guarantees:

- **Enqueue survives a broker outage.** The Task row is committed first and the Celery message is sent after
  commit; if the broker is down the request still succeeds and the row waits, `pending`, for
  `resume_stale_tasks` (beat every minute, and every worker start) to enqueue it.
- **Progress is exactly what has committed.** Each chunk is one transaction that locks the Task row, does the
  chunk and advances `done` and `result` in the same commit. A run that dies mid-chunk loses that chunk
  (rolled back) and the next run starts there; two runs of one task (a redelivery racing a resume) take turns
  on the Task lock instead of doing a chunk twice. The last step (`finish`, e.g. the bulk log entry) commits
  with the status `completed`, so it happens once.
- **A dead worker's task resumes.** A worker killed outright (SIGKILL, OOM, host loss) may never have its
  message redelivered (Redis redelivers an unacked message only after its visibility timeout):
  `resume_stale_tasks` re-enqueues pending or running tasks of every kind whose progress has not moved for
  MODERATION_TASK_STALE_SECONDS. Enqueueing a task that is in fact still running is harmless: runs take turns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from reviews.models import EndUser, Task

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    ids: str  # the key in Task.params of the list the job works through, in order
    chunk: Callable[[Task, list, dict[str, Any]], None]  # does one slice; updates the result in place
    result: Callable[[], dict[str, Any]]  # the result before the first chunk
    chunk_size: Callable[[], int]
    finish: Callable[[Task, dict[str, Any]], None] | None = None  # commits with the status `completed`


def kinds() -> dict[str, Job]:
    from . import blocklist_import, bulk, queue_bulk

    return {**bulk.JOBS, **queue_bulk.JOBS, **blocklist_import.JOBS}


def start(*, kind: str, params: dict[str, Any], total: int, actor: EndUser | None) -> Task:
    """Create the Task and enqueue it once the caller's transaction commits. Validate before calling this."""
    assert kind in kinds(), kind
    with transaction.atomic():
        task = Task.objects.create(kind=kind, params=params, total=total, created_by=actor)
        transaction.on_commit(lambda: enqueue(task.pk))
    return task


def enqueue(task_id) -> None:
    from reviews.tasks import run_task

    try:
        run_task.delay(str(task_id))
    except Exception:  # noqa: BLE001 - a broker outage must not fail the committed request; resume picks it up.
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        log.warning("could not enqueue task %s; resume_stale_tasks will", task_id, exc_info=True)


def run(task_id: str) -> Task:
    """Run (or resume) a task to the end. Safe to call for a finished task, twice, or concurrently."""
    task = Task.objects.select_related("created_by").get(pk=task_id)
    if task.status in (Task.Status.COMPLETED, Task.Status.FAILED):
        return task
    job = kinds()[task.kind]
    Task.objects.filter(pk=task.pk, status=Task.Status.PENDING).update(
        status=Task.Status.RUNNING, updated_at=timezone.now()
    )
    try:
        while _step(task, job):
            pass
    except (OperationalError, InterfaceError):
        # The database went away: leave the task running; committed chunks stand and a resume continues.
        raise
    except Exception as exc:
        now = timezone.now()
        Task.objects.filter(pk=task.pk, status=Task.Status.RUNNING).update(
            status=Task.Status.FAILED, updated_at=now, completed_at=now,
            error={"type": type(exc).__name__, "description": str(exc)[:2000]},
        )
        raise
    task.refresh_from_db()
    return task


def _step(task: Task, job: Job) -> bool:
    """Do the next chunk of `task`, or finish it; returns False once there is nothing left to do."""
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if locked.status != Task.Status.RUNNING:
            return False
        locked.created_by = task.created_by  # loaded once per run, not per chunk
        ids = locked.params[job.ids]
        result = {**job.result(), **(locked.result or {})}
        now = timezone.now()
        if locked.done < len(ids):
            chunk = ids[locked.done:locked.done + job.chunk_size()]
            job.chunk(locked, chunk, result)
            locked.done += len(chunk)
            fields = ["done", "result", "updated_at"]
        else:
            if job.finish is not None:
                job.finish(locked, result)
            locked.status, locked.completed_at = Task.Status.COMPLETED, now
            fields = ["status", "result", "updated_at", "completed_at"]
        locked.result, locked.updated_at = result, now
        locked.save(update_fields=fields)
        return locked.status == Task.Status.RUNNING


def resume_stale_tasks(*, now=None) -> list[str]:
    """Enqueue tasks of every kind that are pending or running but have not progressed for the stale period
    (their worker died, or their enqueue was lost to a broker outage). Touches `updated_at` so one stale period
    passes before the same task is enqueued again."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.MODERATION_TASK_STALE_SECONDS)
    stale = Task.objects.filter(kind__in=list(kinds()), status__in=[Task.Status.PENDING, Task.Status.RUNNING],
                                updated_at__lt=cutoff)
    ids = [str(pk) for pk in stale.values_list("pk", flat=True)[:100]]
    if ids:
        Task.objects.filter(pk__in=ids, updated_at__lt=cutoff).update(updated_at=now)
        for task_id in ids:
            log.warning("resuming stalled task %s", task_id)
            enqueue(task_id)
    return ids
