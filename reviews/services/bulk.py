"""Bulk user jobs (deactivate / reactivate many users) as `Task` rows run by Celery in chunks.

Progress is the Task's `done`/`total`, written after every chunk. Each chunk calls the idempotent action per
user, so a chunk re-run after a worker died neither skips nor repeats anyone (the action returns early and
logs nothing for users already done); with `acks_late` the broker redelivers the task and it resumes at `done`.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from reviews import actions
from reviews.errors import ModerationError
from reviews.models import EndUser, Task

CHUNK = 500
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

    run_user_task.delay(str(task_id))


def run_user_task(task_id: str) -> Task:
    task = Task.objects.get(pk=task_id)
    if task.status in (Task.Status.COMPLETED, Task.Status.FAILED):
        return task
    Task.objects.filter(pk=task.pk).update(status=Task.Status.RUNNING, updated_at=timezone.now())
    actor = task.created_by
    options = task.params.get("options") or {}
    ids = task.params["user_ids"]
    changed = task.result.get("changed", 0)
    missing = task.result.get("missing", 0)
    try:
        for start in range(task.done, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            users = EndUser.objects.in_bulk(chunk)
            for user_id in chunk:
                user = users.get(user_id)
                if user is None:
                    missing += 1
                elif task.kind == "deactivate_users":
                    changed += actions.deactivate_user(
                        target=user, actor=actor, mark_messages_deleted=bool(options.get("mark_messages_deleted"))
                    )
                else:
                    changed += actions.reactivate_user(
                        target=user, actor=actor, restore_messages=bool(options.get("restore_messages"))
                    )
            task.done = start + len(chunk)
            task.result = {"changed": changed, "missing": missing}
            task.updated_at = timezone.now()
            task.save(update_fields=["done", "result", "updated_at"])
    except Exception as exc:
        task.status, task.error = Task.Status.FAILED, {"type": type(exc).__name__, "description": str(exc)[:2000]}
        task.updated_at = task.completed_at = timezone.now()
        task.save(update_fields=["status", "error", "updated_at", "completed_at"])
        raise
    task.status, task.completed_at, task.updated_at = Task.Status.COMPLETED, timezone.now(), timezone.now()
    task.save(update_fields=["status", "completed_at", "updated_at"])
    return task
