"""The Overview page's reads: queue depth and age, items in and decisions out per hour, decisions per moderator."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count
from django.db.models.functions import TruncHour

from reviews.models import ModerationLog, ReviewQueueItem

from .queue import bounded_count


def queue_health(*, bound: int = 10_000) -> dict:
    """Pending and escalated counts (exact up to `bound`) and when the oldest pending item came in."""
    pending = ReviewQueueItem.objects.filter(status=ReviewQueueItem.Status.PENDING)
    depth, depth_exact = bounded_count(pending, bound=bound)
    escalated, escalated_exact = bounded_count(pending.filter(escalated=True), bound=bound)
    oldest = pending.order_by("created_at", "id").values_list("created_at", flat=True).first()
    return {"depth": depth, "depth_exact": depth_exact, "escalated": escalated, "escalated_exact": escalated_exact,
            "oldest": oldest}


def throughput(*, since: datetime, decisions: list[str], moderators: int = 12) -> dict:
    """(hour, count) rows of items in and of `decisions` made by moderators (not end users acting on their own
    behalf, not the system) since `since`, and the `moderators` busiest deciders as (actor id, count)."""
    items_in = (ReviewQueueItem.objects.filter(created_at__gte=since).annotate(h=TruncHour("created_at"))
                .values_list("h").annotate(n=Count("id")).order_by("h"))
    made = ModerationLog.objects.filter(created_at__gte=since, action__in=decisions,
                                       actor_type=ModerationLog.ActorType.MODERATOR, actor__isnull=False)
    out = made.annotate(h=TruncHour("created_at")).values_list("h").annotate(n=Count("id")).order_by("h")
    per_mod = list(made.values_list("actor_id").annotate(n=Count("id")).order_by("-n", "actor_id")[:moderators])
    return {"items_in": list(items_in), "decisions_out": list(out), "per_mod": per_mod}
