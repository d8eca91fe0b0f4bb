"""Bulk user jobs (deactivate / reactivate many users) as `Task` rows run by Celery in chunks.

Each chunk is one transaction that locks the Task row, runs the set-based action on the next slice of ids and
advances `done` in the same commit. So progress is exactly what has committed: a run that dies mid-chunk
loses the whole chunk (rolled back) and the next run starts there, and two runs of one task (a redelivery
racing a resume) take turns on the Task lock instead of doing a chunk twice. The actions are idempotent per
user besides. Chunks are small enough that `done` advances well within a second.

A worker killed outright (SIGKILL, OOM, host loss) may never have its message redelivered: the embedded
filesystem broker has no unacked state, Redis only after its visibility timeout. `resume_stale_tasks`
(beat, and at every worker start) re-enqueues pending or running tasks whose progress has not moved for
MODERATION_TASK_STALE_SECONDS, which also covers a task whose enqueue failed because the broker was down.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from reviews import actions
from reviews.errors import ModerationError
from reviews.models import EndUser, Task

log = logging.getLogger(__name__)
KINDS = {"deactivate_users", "reactivate_users"}
MAX_USERS = 1_000_000


def start_user_task(*, kind: str, user_ids: list[str], actor: EndUser | None, options: dict | None = None) -> Task:
    """Create the Task and enqueue it after commit. Validates input before anything is written."""
    if kind not in KINDS:
        raise ModerationError.invalid("kind", f"unknown bulk task {kind!r}")
    if not isinstance(user_ids, list) or not user_ids:
        raise ModerationError.invalid("user_ids", "must be a non-empty list of user ids")
    if len(user_ids) > MAX_USERS:
        raise ModerationError.invalid("user_ids", f"at most {MAX_USERS} users per task")
    if not all(isinstance(u, str) and u.strip() for u in user_ids):
        raise ModerationError.invalid("user_ids", "every id must be a non-empty string")
    if options is not None and not isinstance(options, dict):
        raise ModerationError.invalid("options", "must be an object")
    unique_ids = list(dict.fromkeys(user_ids))
    with transaction.atomic():
        task = Task.objects.create(
            kind=kind, params={"user_ids": unique_ids, "options": options or {}}, total=len(unique_ids),
            created_by=actor,
        )
        transaction.on_commit(lambda: _enqueue(task.pk))
    return task


def _enqueue(task_id) -> None:
    from reviews.tasks import run_user_task

    try:
        run_user_task.delay(str(task_id))
    except Exception:  # noqa: BLE001 - a broker outage must not fail the committed request; resume picks it up.
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        log.warning("could not enqueue task %s; resume_stale_tasks will", task_id, exc_info=True)


def _run_chunk(task: Task, ids: list[str], chunk_size: int) -> bool:
    """Do the next chunk of `task`; returns False when there is nothing left to do."""
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if locked.status != Task.Status.RUNNING or locked.done >= len(ids):
            return False
        chunk = ids[locked.done:locked.done + chunk_size]
        options = locked.params.get("options") or {}
        if locked.kind == "deactivate_users":
            outcome = actions.deactivate_users(
                user_ids=chunk, actor=task.created_by,
                mark_messages_deleted=bool(options.get("mark_messages_deleted")),
            )
        else:
            outcome = actions.reactivate_users(
                user_ids=chunk, actor=task.created_by, restore_messages=bool(options.get("restore_messages")),
            )
        result = locked.result or {}
        locked.done += len(chunk)
        locked.result = {"changed": result.get("changed", 0) + outcome.changed,
                         "missing": result.get("missing", 0) + outcome.missing}
        locked.updated_at = timezone.now()
        locked.save(update_fields=["done", "result", "updated_at"])
        return True


def run_user_task(task_id: str) -> Task:
    """Run (or resume) a bulk user task to the end. Safe to call for a finished task, twice, or concurrently."""
    task = Task.objects.select_related("created_by").get(pk=task_id)
    if task.status in (Task.Status.COMPLETED, Task.Status.FAILED):
        return task
    Task.objects.filter(pk=task.pk, status=Task.Status.PENDING).update(
        status=Task.Status.RUNNING, updated_at=timezone.now()
    )
    ids = task.params["user_ids"]
    try:
        while _run_chunk(task, ids, settings.MODERATION_BULK_CHUNK_SIZE):
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
    now = timezone.now()
    Task.objects.filter(pk=task.pk, status=Task.Status.RUNNING, done__gte=len(ids)).update(
        status=Task.Status.COMPLETED, completed_at=now, updated_at=now
    )
    task.refresh_from_db()
    return task


def resume_stale_tasks(*, now=None) -> list[str]:
    """Re-enqueue bulk tasks that are pending or running but have not progressed for the stale period
    (their worker died, or their enqueue was lost). Touches `updated_at` so one stale period passes before the
    same task is enqueued again. A task that is in fact still running is harmless to enqueue: runs take turns."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.MODERATION_TASK_STALE_SECONDS)
    stale = Task.objects.filter(kind__in=KINDS, status__in=[Task.Status.PENDING, Task.Status.RUNNING],
                                updated_at__lt=cutoff)
    ids = [str(pk) for pk in stale.values_list("pk", flat=True)[:100]]
    if ids:
        Task.objects.filter(pk__in=ids, updated_at__lt=cutoff).update(updated_at=now)
        for task_id in ids:
            log.warning("resuming stalled task %s", task_id)
            _enqueue(task_id)
    return ids
