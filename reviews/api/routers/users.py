"""Users: upsert, partial update, query, (de/re)activation, bulk tasks, blocks."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Router

from reviews.errors import ModerationError
from reviews.models import Task

from .. import wire

router = Router(tags=["users"])


@router.get("/tasks/{task_id}", summary="get_task: status and progress of a bulk task")
def get_task(request: HttpRequest, task_id: str) -> dict:
    try:
        pk = uuid.UUID(task_id)
    except ValueError:
        raise ModerationError.invalid("id", f"{task_id!r} is not a task id") from None
    task = Task.objects.filter(pk=pk).first()
    if task is None:
        raise ModerationError.not_found("task", task_id)
    return wire.task(task)
