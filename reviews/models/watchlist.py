"""The watchlist: a moderator puts a user on watch without acting on them (Mastodon #33013)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Watch(models.Model):
    """One watch of one user: open while `ended_at` is null (one open watch per user). While it is open the
    user's items created since `created_at` are marked in the queue; when `review_after` passes, the beat puts
    a "watch review" item for the user in the queue once (`review_item`, `review_surfaced_at`)."""

    user = models.ForeignKey("reviews.EndUser", on_delete=models.CASCADE, related_name="watches")
    watched_by = models.ForeignKey("reviews.EndUser", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="watches_made")
    reason = models.TextField(blank=True, default="")
    review_after = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey("reviews.EndUser", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="watches_ended")
    review_surfaced_at = models.DateTimeField(null=True, blank=True)
    review_item = models.ForeignKey("reviews.ReviewQueueItem", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(ended_at__isnull=True),
                                    name="watch_one_open_per_user"),
        ]
        indexes = [
            models.Index(fields=["review_after"], name="watch_review_due_idx",
                         condition=Q(ended_at__isnull=True, review_surfaced_at__isnull=True,
                                     review_after__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"watch of {self.user_id}" + (" (ended)" if self.ended_at else "")

    @property
    def is_open(self) -> bool:
        return self.ended_at is None
