"""Appeals: a user contests a decision about their own account (a ban) or content (a removal or block).

An appeal names the decision it contests (`decision_key`: the ban row or the queue item), so there is at most
one open (`submitted`) appeal per decision. Deciding it (accept, reject, mark reviewed) closes it; accepting
reverses the decision through the existing actions (see `reviews/actions/appeals.py`).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Appeal(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        REVIEWED = "reviewed", "Reviewed (decision kept, item marked reviewed)"

    class Decision(models.TextChoices):
        BAN = "ban", "Ban"
        REMOVAL = "removal", "Removal"
        BLOCK = "block", "Block"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey("reviews.EndUser", on_delete=models.CASCADE, related_name="appeals", db_index=False)
    entity_type = models.CharField(max_length=64)
    entity_id = models.CharField(max_length=255)
    decision = models.CharField(max_length=16, choices=Decision.choices)
    decision_key = models.CharField(max_length=64, help_text="ban:<id> or item:<uuid>: the contested decision.")
    ban = models.ForeignKey("reviews.Ban", null=True, blank=True, on_delete=models.SET_NULL, related_name="appeals",
                            db_index=False)
    item = models.ForeignKey("reviews.ReviewQueueItem", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="appeals", db_index=False)
    decision_log_id = models.BigIntegerField(null=True, blank=True, help_text="The log entry of the decision.")
    appeal_reason = models.TextField()
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    decision_reason = models.TextField(blank=True, default="")
    decided_by = models.ForeignKey("reviews.EndUser", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="appeals_decided", db_index=False)
    decided_with = models.CharField(max_length=32, blank=True, default="", help_text="The verb that decided it.")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["decision_key"], condition=Q(status="submitted"),
                                    name="appeal_one_open_per_decision"),
        ]
        indexes = [
            models.Index(fields=["created_at", "id"], name="appeal_created_idx"),
            models.Index(fields=["updated_at", "id"], name="appeal_updated_idx"),
            models.Index(fields=["status", "created_at", "id"], name="appeal_status_created_idx"),
            models.Index(fields=["user", "created_at"], name="appeal_user_idx"),
            models.Index(fields=["item"], name="appeal_item_idx", condition=Q(item__isnull=False)),
            models.Index(fields=["ban"], name="appeal_ban_idx", condition=Q(ban__isnull=False)),
            models.Index(fields=["decided_by"], name="appeal_decided_by_idx", condition=Q(decided_by__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"appeal of {self.decision} {self.entity_type}:{self.entity_id} by {self.user_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.SUBMITTED
