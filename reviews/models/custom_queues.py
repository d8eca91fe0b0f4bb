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

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
