"""Custom queues: their items, depth and oldest waiting item, each bounded (no COUNT(*) over the queue table)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Value, When
from django.utils import timezone

from reviews.errors import ModerationError
from reviews.models import CustomQueue, EndUser, ReviewQueueItem

from .queue import ReviewQueueFilter, base_queryset, bounded_count, queue_filter

DEPTH_BOUND = 1000


def queue_items(queue: CustomQueue) -> QuerySet[ReviewQueueItem]:
    """The items a queue's saved filter selects (every status, as `query_review_queue` would list them)."""
    data, extra, _ = _parse(queue)
    filterset = queue_filter(data, with_people=False)
    if not filterset.is_valid():  # saved before a filter changed meaning: show nothing rather than everything
        return ReviewQueueItem.objects.none()
    return filterset.qs.filter(extra)


def _parse(queue: CustomQueue):
    """The saved filter is Stream's filter object, translated by the same code as `query_review_queue`'s (it was
    validated when the queue was saved). That parser lives with the API's request parsing, hence this one
    import of reviews.api outside it, inside the function (moving the parser out is a follow-up)."""
    from reviews.api.routers.moderation import QUEUE_SORTS, translate_queue_filter

    data, extra = translate_queue_filter(queue.filters)
    sort = None
    if queue.sort:
        first = queue.sort[0]
        sort = QUEUE_SORTS.get((first.get("field"), first.get("direction", 1)))
    return data, extra, sort


def scoped_filterset(data, *, with_people: bool = True) -> tuple[ReviewQueueFilter, CustomQueue | None, str | None]:
    """The dashboard's filterset for GET/POST `data`; with `cq=<queue id>` it is narrowed to that custom queue
    (the queue's conditions replace the form's for the fields it sets) -> (filterset, queue, queue's sort).
    The narrowing is in the filterset's base queryset, so claims and bulk decisions over "every item matching"
    stay inside the queue too. An unknown queue is a ModerationError."""
    queue_id = data.get("cq") if data else None
    if not queue_id:
        return queue_filter(data, with_people=with_people), None, None
    try:
        queue = CustomQueue.objects.filter(pk=uuid.UUID(str(queue_id))).first()
    except ValueError:
        queue = None
    if queue is None:
        raise ModerationError.not_found("queue", str(queue_id))
    queue_data, extra, sort = _parse(queue)
    merged = data.copy()
    for key, value in queue_data.items():
        merged[key] = value
    qs = (base_queryset() if with_people else ReviewQueueItem.objects.all()).filter(extra)
    return ReviewQueueFilter(data=merged, queryset=qs), queue, sort


def stale_after(queue: CustomQueue | None) -> timedelta | None:
    """How old a pending item of `queue` (None: the queue of every pending item) may get before it is stale: the
    queue's own threshold, else MODERATION_STALE_AFTER_MINUTES; None when the queue has none (0 minutes)."""
    minutes = queue.stale_after_minutes if queue is not None else None
    if minutes is None:
        minutes = settings.MODERATION_STALE_AFTER_MINUTES
    return timedelta(minutes=minutes) if minutes else None


def pending_items(queue: CustomQueue | None) -> QuerySet[ReviewQueueItem]:
    items = queue_items(queue) if queue is not None else ReviewQueueItem.objects.all()
    return items.filter(status=ReviewQueueItem.Status.PENDING)


def oldest_pending(queue: CustomQueue | None) -> ReviewQueueItem | None:
    """The queue's longest-waiting pending item (one indexed read: status, created_at, id)."""
    return pending_items(queue).order_by("created_at", "id").first()


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
    stale_after: timedelta | None = None  # the queue's age threshold
    stale: bool = False  # its oldest pending item is past the threshold


def _is_stale(oldest: datetime | None, threshold: timedelta | None, now: datetime) -> bool:
    return oldest is not None and threshold is not None and now - oldest > threshold


@dataclass(frozen=True)
class StaleAlert:
    name: str  # the queue's name ("All pending items" for the default queue)
    queue: CustomQueue | None
    oldest: datetime
    stale_after: timedelta

    @property
    def stale_after_minutes(self) -> int:
        return int(self.stale_after.total_seconds() // 60)


def stale_alerts(summaries_: list[QueueSummary], *, now: datetime) -> list[StaleAlert]:
    """The queues whose oldest pending item is past their threshold: the default queue (one indexed read) and
    the custom queues of `summaries_` (already read)."""
    alerts = []
    threshold = stale_after(None)
    if threshold is not None:
        oldest = pending_items(None).order_by("created_at", "id").values_list("created_at", flat=True).first()
        if _is_stale(oldest, threshold, now):
            alerts.append(StaleAlert("All pending items", None, oldest, threshold))
    alerts += [StaleAlert(s.queue.name, s.queue, s.oldest, s.stale_after) for s in summaries_ if s.stale]
    return alerts


def summaries(viewer: EndUser | None, *, now: datetime | None = None) -> list[QueueSummary]:
    """Every queue with its depth (pending items, bounded) and oldest pending item; the viewer's assigned queues
    first, then by name. Two indexed reads per queue (a bounded count and a first row by created_at)."""
    queues = CustomQueue.objects.all()
    if viewer is not None:
        mine = CustomQueue.assignees.through.objects.filter(enduser_id=viewer.pk, customqueue_id=OuterRef("pk"))
        queues = queues.annotate(mine=Case(When(Exists(mine), then=Value(0)), default=Value(1),
                                           output_field=IntegerField()))
        queues = queues.order_by("mine", "name")
    result = []
    now = now or timezone.now()
    for queue in queues:
        pending = pending_items(queue)
        depth, exact = bounded_count(pending, DEPTH_BOUND)
        oldest = pending.order_by("created_at", "id").values_list("created_at", flat=True).first()
        threshold = stale_after(queue)
        result.append(QueueSummary(queue=queue, depth=depth, depth_exact=exact, oldest=oldest,
                                   assigned=getattr(queue, "mine", 1) == 0, stale_after=threshold,
                                   stale=_is_stale(oldest, threshold, now)))
    return result
