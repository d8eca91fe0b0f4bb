"""Custom queues: their items, depth and oldest waiting item, each bounded (no COUNT(*) over the queue table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Value, When

from reviews.models import CustomQueue, EndUser, ReviewQueueItem

from .queue import bounded_count, queue_filter

DEPTH_BOUND = 1000


def queue_items(queue: CustomQueue) -> QuerySet[ReviewQueueItem]:
    """The items a queue's saved filter selects (every status, as `query_review_queue` would list them).
    The saved filter is Stream's filter object; it is translated by the same code as `query_review_queue`'s
    (validated when the queue was saved). That parser lives with the API's request parsing, hence the import
    here rather than at module level."""
    from reviews.api.routers.moderation import translate_queue_filter

    data, extra = translate_queue_filter(queue.filters)
    filterset = queue_filter(data, with_people=False)
    if not filterset.is_valid():  # saved before a filter changed meaning: show nothing rather than everything
        return ReviewQueueItem.objects.none()
    return filterset.qs.filter(extra)


def item_count(queue: CustomQueue, bound: int = DEPTH_BOUND) -> tuple[int, bool]:
    """Items the queue's filter selects, counted to at most `bound` (exact=False beyond)."""
    return bounded_count(queue_items(queue), bound)


@dataclass(frozen=True)
class QueueSummary:
    queue: CustomQueue
    depth: int  # pending items, at most DEPTH_BOUND
    depth_exact: bool
    oldest: datetime | None  # when the oldest pending item was created
    assigned: bool  # assigned to the viewer


def summaries(viewer: EndUser | None) -> list[QueueSummary]:
    """Every queue with its depth (pending items, bounded) and oldest pending item; the viewer's assigned queues
    first, then by name. Two indexed reads per queue (a bounded count and a first row by created_at)."""
    queues = CustomQueue.objects.all()
    if viewer is not None:
        mine = CustomQueue.assignees.through.objects.filter(enduser_id=viewer.pk, customqueue_id=OuterRef("pk"))
        queues = queues.annotate(mine=Case(When(Exists(mine), then=Value(0)), default=Value(1),
                                           output_field=IntegerField()))
        queues = queues.order_by("mine", "name")
    result = []
    for queue in queues:
        pending = queue_items(queue).filter(status=ReviewQueueItem.Status.PENDING)
        depth, exact = bounded_count(pending, DEPTH_BOUND)
        oldest = pending.order_by("created_at", "id").values_list("created_at", flat=True).first()
        result.append(QueueSummary(queue=queue, depth=depth, depth_exact=exact, oldest=oldest,
                                   assigned=getattr(queue, "mine", 1) == 0))
    return result
