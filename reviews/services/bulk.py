"""Bulk user jobs (deactivate / reactivate many users), run in chunks by the job runner (`jobs.py`: progress
committed with each chunk, resumed after a dead worker or a lost enqueue).

Each chunk runs the set-based action on the next slice of ids; the actions are idempotent per user besides.
Chunks (MODERATION_BULK_CHUNK_SIZE) are small enough that `done` advances well within a second.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from reviews import actions
from reviews.errors import ModerationError
from reviews.models import EndUser, Task

from . import jobs

MAX_USERS = 1_000_000


def start_user_task(*, kind: str, user_ids: list[str], actor: EndUser | None, options: dict | None = None) -> Task:
    """Create the Task and enqueue it after commit. Validates input before anything is written."""
    if kind not in JOBS:
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
    return jobs.start(kind=kind, params={"user_ids": unique_ids, "options": options or {}}, total=len(unique_ids),
                      actor=actor)


def _deactivate_chunk(task: Task, chunk: list[str], result: dict[str, Any]) -> None:
    options = task.params.get("options") or {}
    _count(result, actions.deactivate_users(
        user_ids=chunk, actor=task.created_by, mark_messages_deleted=bool(options.get("mark_messages_deleted"))))


def _reactivate_chunk(task: Task, chunk: list[str], result: dict[str, Any]) -> None:
    options = task.params.get("options") or {}
    _count(result, actions.reactivate_users(
        user_ids=chunk, actor=task.created_by, restore_messages=bool(options.get("restore_messages"))))


def _count(result: dict[str, Any], outcome) -> None:
    result["changed"] += outcome.changed
    result["missing"] += outcome.missing


def _chunk_size() -> int:
    return settings.MODERATION_BULK_CHUNK_SIZE


def _result() -> dict[str, Any]:
    return {"changed": 0, "missing": 0}


JOBS = {
    "deactivate_users": jobs.Job(ids="user_ids", chunk=_deactivate_chunk, result=_result, chunk_size=_chunk_size),
    "reactivate_users": jobs.Job(ids="user_ids", chunk=_reactivate_chunk, result=_result, chunk_size=_chunk_size),
}
