"""`query_review_queue` asked for one custom queue: `filter.queue_id` names a saved queue whose filter is combined
with the rest of the request's filter, and whose sort applies when the request gives none. Kept apart from the
moderation router so that router needs one line to use it."""

from __future__ import annotations

import uuid
from typing import Any

from reviews.errors import ModerationError
from reviews.models import CustomQueue

QUEUE_KEY = "queue_id"


def queue_by_id(value: Any, field: str) -> CustomQueue:
    if not isinstance(value, str) or not value.strip():
        raise ModerationError.invalid(field, "must be a queue id (a non-empty string)")
    try:
        pk = uuid.UUID(value)
    except ValueError:
        raise ModerationError.not_found("queue", value) from None
    queue = CustomQueue.objects.filter(pk=pk).first()
    if queue is None:
        raise ModerationError.not_found("queue", value)
    return queue


def scoped(raw_filter: Any, sort: list | None, prefix: str = "filter") -> tuple[Any, list | None]:
    """(filter, sort) with the named queue's filter and sort folded in; unchanged without `queue_id`.
    A key both in the queue's filter and the request's is a 400 naming it (one condition per key)."""
    if not isinstance(raw_filter, dict) or QUEUE_KEY not in raw_filter:
        return raw_filter, sort
    raw = dict(raw_filter)
    value = raw.pop(QUEUE_KEY)
    if isinstance(value, dict):
        if set(value) != {"$eq"}:
            raise ModerationError.invalid(f"{prefix}.{QUEUE_KEY}", "supports only $eq (one queue at a time)")
        value = value["$eq"]
    queue = queue_by_id(value, f"{prefix}.{QUEUE_KEY}")
    for key in raw:
        if key in queue.filters:
            raise ModerationError.invalid(f"{prefix}.{key}", f"is already set by queue {queue.name!r}")
    return {**queue.filters, **raw}, (sort or queue.sort or None)
