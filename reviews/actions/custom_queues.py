"""Custom review queues: create, update, delete and assign (each logged).

The filter and sort arrive validated by the caller with the parser `query_review_queue` uses (the API's
`reviews/api/routers/queues.py`), so a saved queue never holds a filter the queue could not run; the actions
check the rest and store the filter exactly as written."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from reviews.errors import ModerationError
from reviews.models import CustomQueue, EndUser

from ._common import Actor, require_text, write_log

MAX_DESCRIPTION = 2000


def _name(name: str | None) -> str:
    name = require_text(name, "name").strip()
    if not name:
        raise ModerationError.invalid("name", "is required and must not be empty")
    return name


def _type(value: str | None) -> str:
    return require_text(value, "type", max_length=64).strip()


def _description(value: str | None) -> str:
    value = value or ""
    if len(value) > MAX_DESCRIPTION:
        raise ModerationError.invalid("description", f"must be at most {MAX_DESCRIPTION} characters")
    return value


def _conflict(name: str) -> ModerationError:
    return ModerationError(f"a queue named {name!r} already exists", kind=ModerationError.CONFLICT, field="name")


def _locked(queue_id: Any) -> CustomQueue:
    queue = CustomQueue.objects.select_for_update().filter(pk=queue_id).first()
    if queue is None:
        raise ModerationError.not_found("queue", str(queue_id))
    return queue


@transaction.atomic
def create_queue(*, name: str, type: str, description: str | None = None, filters: dict | None = None,
                 sort: list | None = None, actor: Actor) -> CustomQueue:
    """Create a named queue. A second queue with the same name is a 409."""
    name, type, description = _name(name), _type(type), _description(description)
    if CustomQueue.objects.filter(name=name).exists():
        raise _conflict(name)
    now = timezone.now()
    try:
        with transaction.atomic():
            queue = CustomQueue.objects.create(name=name, type=type, description=description, filters=filters or {},
                                               sort=sort or [], created_by=actor.pk if actor else "",
                                               created_at=now, updated_at=now)
    except IntegrityError:  # a concurrent create with the same name won
        raise _conflict(name) from None
    write_log(action="create_queue", actor=actor, reason=name,
              custom={"queue_id": str(queue.pk), "name": name, "type": type})
    return queue


KEEP: Any = object()  # update_queue's stale_after_minutes: leave it as it is (None means "the default")
MAX_STALE_MINUTES = 366 * 24 * 60


def check_stale_minutes(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_STALE_MINUTES:
        raise ModerationError.invalid("stale_after_minutes", f"must be a whole number of minutes from 0 (never "
                                                             f"stale) to {MAX_STALE_MINUTES}, or empty (the default)")
    return value


@transaction.atomic
def update_queue(*, queue_id: Any, actor: Actor, name: str | None = None, description: str | None = None,
                 filters: dict | None = None, sort: list | None = None, stale_after_minutes: Any = KEEP) -> CustomQueue:
    """Change what is given (None leaves a field as it is; for `stale_after_minutes`, None is the default
    threshold and KEEP leaves it). Idempotent: nothing changed, nothing written."""
    queue = _locked(queue_id)
    changes: dict[str, Any] = {}
    if stale_after_minutes is not KEEP:
        changes["stale_after_minutes"] = check_stale_minutes(stale_after_minutes)
    if name is not None:
        changes["name"] = _name(name)
    if description is not None:
        changes["description"] = _description(description)
    if filters is not None:
        changes["filters"] = filters
    if sort is not None:
        changes["sort"] = sort
    changes = {k: v for k, v in changes.items() if getattr(queue, k) != v}
    if not changes:
        return queue
    if "name" in changes and CustomQueue.objects.filter(name=changes["name"]).exclude(pk=queue.pk).exists():
        raise _conflict(changes["name"])
    for k, v in changes.items():
        setattr(queue, k, v)
    queue.updated_at = timezone.now()
    try:
        with transaction.atomic():
            queue.save(update_fields=[*changes, "updated_at"])
    except IntegrityError:
        raise _conflict(changes["name"]) from None
    write_log(action="update_queue", actor=actor, reason=queue.name,
              custom={"queue_id": str(queue.pk), "changed": sorted(changes)})
    return queue


@transaction.atomic
def delete_queue(*, queue_id: Any, actor: Actor) -> CustomQueue:
    """Delete a queue (its items stay: a queue is only a saved view). Returns the deleted queue's data."""
    queue = _locked(queue_id)
    pk = queue.pk
    queue.delete()
    queue.pk = pk
    write_log(action="delete_queue", actor=actor, reason=queue.name, custom={"queue_id": str(pk), "name": queue.name})
    return queue


@transaction.atomic
def assign_queue(*, queue_id: Any, assignees: list[EndUser], actor: Actor) -> CustomQueue:
    """Set the moderators a queue is assigned to (they see it first on the dashboard). Only moderators and
    admins can be assigned. Idempotent."""
    queue = _locked(queue_id)
    not_moderators = [u.pk for u in assignees if u.role not in (EndUser.Role.MODERATOR, EndUser.Role.ADMIN)]
    if not_moderators:
        raise ModerationError.invalid("assignees", f"{not_moderators[0]!r} is not a moderator")
    wanted = {u.pk for u in assignees}
    current = set(queue.assignees.values_list("pk", flat=True))
    if wanted == current:
        return queue
    queue.assignees.set(assignees)
    queue.updated_at = timezone.now()
    queue.save(update_fields=["updated_at"])
    write_log(action="assign_queue", actor=actor, reason=queue.name,
              custom={"queue_id": str(queue.pk), "assignees": sorted(wanted)})
    return queue
