"""The stale-queue beat (every minute): each queue's oldest pending item against its threshold. Only a crossing
writes (reviews/actions/stale_queues.py), so running late, twice or concurrently raises one alert per crossing."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from reviews import actions
from reviews.models import CustomQueue
from reviews.selectors.custom_queues import oldest_pending, stale_after


def check_stale_queues(*, now: datetime | None = None) -> dict[str, int]:
    """{"raised": n, "cleared": n} over the default queue and every custom queue."""
    now = now or timezone.now()
    counts = {"raised": 0, "cleared": 0}
    for queue in [None, *CustomQueue.objects.all()]:
        threshold = stale_after(queue)
        oldest = oldest_pending(queue) if threshold is not None else None
        changed = actions.note_queue_age(queue=queue, oldest=oldest, threshold=threshold, now=now)
        if changed is not None:
            counts["raised" if changed else "cleared"] += 1
    return counts
