"""Checks as tasks: asynchronous checks, and every check that analyses media, run in a Celery worker.

The models (NudeNet ~70 MB, Whisper tiny.en ~170 MB resident) load only in the worker process that first needs
them, never in a web process. The web process validates the check (`prepare_check`: a bad request is still a 400
at once), records a `Task` (kind `check`, the request in `params`) and enqueues it:

- async (`options.async`, the config's or a media block's `async`): the answer is `status: pending` with the
  `task_id`; the verdict lands on the queue item, and `GET /api/v2/tasks/{task_id}` returns the full check
  response in `result` once done.
- otherwise the web process waits for the task (polling its row) up to MODERATION_MEDIA_SYNC_WAIT_SECONDS and
  answers with its result; a worker slower than that gets the pending answer instead of a timeout.

MODERATION_MEDIA_IN_WORKER=false runs synchronous media checks in the web process (a single-process deployment).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reviews import actions, payloads
from reviews.errors import ModerationError
from reviews.models import EndUser, Task

log = logging.getLogger(__name__)
KIND = "check"
POLL_SECONDS = 0.05


def start(*, request: dict[str, Any], actor: EndUser | None) -> Task:
    """Record the check (already validated) as a task and enqueue it after commit."""
    with transaction.atomic():
        task = Task.objects.create(kind=KIND, params={"request": request, "actor_id": actor.pk if actor else None},
                                   total=1, created_by=actor)
        transaction.on_commit(lambda: _enqueue(task.pk))
    return task


def _enqueue(task_id) -> None:
    from reviews.tasks import run_check_task

    try:
        run_check_task.delay(str(task_id))
    except Exception:  # noqa: BLE001 - the broker being down must not fail the committed request.
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        log.warning("could not enqueue check task %s", task_id, exc_info=True)
        Task.objects.filter(pk=task_id, status=Task.Status.PENDING).update(
            status=Task.Status.FAILED, updated_at=timezone.now(),
            error={"type": "unavailable", "description": "the task queue is unavailable; check again"})


def wait(task: Task, seconds: float | None = None) -> Task:
    """The task once completed or failed, or as it is after `seconds`."""
    deadline = time.monotonic() + (settings.MODERATION_MEDIA_SYNC_WAIT_SECONDS if seconds is None else seconds)
    while True:
        task = Task.objects.get(pk=task.pk)
        if task.status in (Task.Status.COMPLETED, Task.Status.FAILED) or time.monotonic() >= deadline:
            return task
        time.sleep(POLL_SECONDS)


def response(result: actions.CheckResult) -> dict[str, Any]:
    """The CheckResponse body of a finished check (also a check task's `result`)."""
    return payloads.check_response(result)


def run(task_id: str) -> None:
    """Run a check task (in a worker). Runs once: a task already finished is left alone."""
    with transaction.atomic():
        task = Task.objects.select_for_update().filter(pk=task_id).first()
        if task is None or task.status in (Task.Status.COMPLETED, Task.Status.FAILED):
            return
        task.status, task.updated_at = Task.Status.RUNNING, timezone.now()
        task.save(update_fields=["status", "updated_at"])
    params = task.params or {}
    actor = EndUser.objects.filter(pk=params.get("actor_id")).first() if params.get("actor_id") else None
    try:
        result = actions.check_content(**params["request"], actor=actor)
        outcome = {"status": Task.Status.COMPLETED, "result": response(result), "done": 1}
    except ModerationError as exc:  # e.g. the config was deleted between request and run
        outcome = {"status": Task.Status.FAILED, "error": {"type": "input", "description": exc.message}}
    except Exception as exc:  # noqa: BLE001 - recorded on the task; the worker goes on.
        log.exception("check task %s failed", task_id)
        outcome = {"status": Task.Status.FAILED, "error": {"type": "error", "description": exc.__class__.__name__}}
    now = timezone.now()
    Task.objects.filter(pk=task_id).update(
        updated_at=now, completed_at=now if outcome["status"] == Task.Status.COMPLETED else None, **outcome)
