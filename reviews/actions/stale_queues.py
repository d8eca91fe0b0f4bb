"""Stale-queue alerts: when a queue's oldest pending item passes the queue's age threshold, announce it once
(`review_queue.stale` to webhooks, a log row), and re-arm when the queue is back under it. The beat
(reviews/services/stale_queues.py) calls `note_queue_age` for every queue on each run; only a crossing writes."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from reviews import events, payloads
from reviews.models import CustomQueue, ReviewQueueItem, StaleQueueAlert

from ._common import lock_or_create, write_log

DEFAULT_KEY = "default"


@transaction.atomic
def note_queue_age(*, queue: CustomQueue | None, oldest: ReviewQueueItem | None, threshold: timedelta | None,
                   now: datetime | None = None) -> bool | None:
    """Record what the queue's oldest pending item (`oldest`, None when the queue is empty) says against its
    `threshold` (None: the queue has none). Returns True when this call raised the alert, False when it cleared
    it, None when nothing changed. The alert row is locked, so concurrent beats raise one alert per crossing."""
    now = now or timezone.now()
    key = str(queue.pk) if queue is not None else DEFAULT_KEY
    alert, _ = lock_or_create(StaleQueueAlert, lookup={"queue_key": key},
                              defaults={"custom_queue": queue, "checked_at": now})
    age = (now - oldest.created_at) if oldest is not None else None
    stale = threshold is not None and age is not None and age > threshold
    if stale == alert.stale:
        return None
    alert.stale, alert.checked_at = stale, now
    if not stale:
        alert.cleared_at = now
        alert.save(update_fields=["stale", "checked_at", "cleared_at"])
        return False
    alert.oldest_item_id, alert.alerted_at = oldest.pk, now
    alert.save(update_fields=["stale", "checked_at", "oldest_item_id", "alerted_at"])
    described = {"id": key, "name": queue.name if queue is not None else "All pending items"}
    age_s, threshold_s = int(age.total_seconds()), int(threshold.total_seconds())
    write_log(action="queue_stale", actor=None, item=oldest,
              reason=f"{described['name']}: oldest pending item waited {age_s // 60} min "
                     f"(threshold {threshold_s // 60} min)",
              custom={"queue": described, "age_seconds": age_s, "threshold_seconds": threshold_s})
    events.record("review_queue.stale", queue=described, oldest_item_id=str(oldest.pk),
                  oldest_item_created_at=payloads.ts(oldest.created_at), age_seconds=age_s,
                  threshold_seconds=threshold_s)
    return True
