"""Custom review queues: a named, saved `query_review_queue` filter and sort, optionally assigned to moderators."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class CustomQueue(models.Model):
    """Stream's ModerationQueueResponse. `filters` and `sort` are stored as the caller wrote them (validated by
    the same parser as `query_review_queue`'s filter), so reads return exactly what was written."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=64)
    description = models.TextField(blank=True, default="")
    filters = models.JSONField(default=dict, blank=True)
    sort = models.JSONField(default=list, blank=True)
    created_by = models.CharField(max_length=255, blank=True, default="")
    assignees = models.ManyToManyField("reviews.EndUser", blank=True, related_name="assigned_queues")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Pending items older than this stand out and the queue raises `review_queue.stale` (None: the default,
    # MODERATION_STALE_AFTER_MINUTES; 0: never stale).
    stale_after_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaleQueueAlert(models.Model):
    """Whether a queue's oldest pending item was past the queue's age threshold when the beat last looked, so
    `review_queue.stale` goes out once per crossing. `queue_key` is the custom queue's id, or "default" for
    the queue of every pending item."""

    queue_key = models.CharField(max_length=64, unique=True)
    custom_queue = models.ForeignKey(CustomQueue, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="stale_alerts")
    stale = models.BooleanField(default=False)
    oldest_item_id = models.UUIDField(null=True, blank=True)
    alerted_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.queue_key}: {'stale' if self.stale else 'fresh'}"
