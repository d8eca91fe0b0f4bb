"""Flags and the review queue."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class EntityType(models.TextChoices):
    USER = "stream:user", "User"
    MESSAGE = "stream:chat:v1:message", "Chat message"
    CALL = "stream:v1:call", "Call"
    CALL_SPEECH = "stream:v1:call_speech", "Call speech (transcript)"


class Severity(models.IntegerChoices):
    """Stream reports severity as an integer (1-100); the named levels are bands of it."""

    NONE = 0, "none"
    LOW = 25, "low"
    MEDIUM = 50, "medium"
    HIGH = 75, "high"
    CRITICAL = 100, "critical"

    @classmethod
    def from_label(cls, label: str) -> Severity:
        return {s.label: s for s in cls}[label]

    @classmethod
    def label_for(cls, value: int) -> str:
        level = cls.NONE
        for s in cls:
            if value >= s.value:
                level = s
        return level.label


class ReviewQueueItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        REVIEWED = "reviewed", "Reviewed"

    class Action(models.TextChoices):
        KEEP = "keep", "Keep"
        FLAG = "flag", "Flag"
        REMOVE = "remove", "Remove"
        SHADOW_BLOCK = "shadow_block", "Shadow block"

    class ContentState(models.TextChoices):
        VISIBLE = "", "Visible"
        DELETED = "deleted", "Deleted"
        BLOCKED = "blocked", "Blocked"
        SHADOW_BLOCKED = "shadow_blocked", "Shadow blocked"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity_type = models.CharField(max_length=64)
    entity_id = models.CharField(max_length=255)
    entity_creator = models.ForeignKey(
        "reviews.EndUser", null=True, blank=True, on_delete=models.SET_NULL, related_name="queue_items"
    )
    channel_cid = models.CharField(max_length=255, blank=True, default="")
    moderation_payload = models.JSONField(default=dict, blank=True)
    # Denormalised from the payload when it is written, so the queue filters and searches without JSON ops.
    content_text = models.TextField(blank=True, default="")
    has_text = models.BooleanField(default=False)
    has_image = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    recommended_action = models.CharField(max_length=32, choices=Action.choices, default=Action.FLAG)
    latest_moderator_action = models.CharField(max_length=64, blank=True, default="")
    content_state = models.CharField(max_length=32, choices=ContentState.choices, blank=True, default="")
    severity = models.PositiveSmallIntegerField(default=0)
    labels = models.JSONField(default=list, blank=True)
    flags_count = models.PositiveIntegerField(default=0)
    escalated = models.BooleanField(default=False)
    escalation_reason = models.TextField(blank=True, default="")
    escalation_priority = models.CharField(max_length=16, blank=True, default="")
    escalated_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "reviews.EndUser", null=True, blank=True, on_delete=models.SET_NULL, related_name="reviewed_items"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        "reviews.EndUser", null=True, blank=True, on_delete=models.SET_NULL, related_name="locked_items"
    )
    locked_until = models.DateTimeField(null=True, blank=True)
    config_key = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["entity_type", "entity_id"], name="queue_item_unique_entity"),
        ]
        indexes = [
            # Keyset orders, one per common filter and sort: (filter, sort key, created_at, id).
            models.Index(fields=["status", "created_at", "id"], name="queue_status_created_idx"),
            models.Index(fields=["status", "severity", "created_at", "id"], name="queue_status_severity_idx"),
            models.Index(fields=["status", "flags_count", "created_at", "id"], name="queue_status_flags_idx"),
            models.Index(fields=["status", "entity_type", "created_at", "id"], name="queue_status_type_idx"),
            models.Index(fields=["created_at", "id"], name="queue_created_idx"),
            models.Index(fields=["updated_at", "id"], name="queue_updated_idx"),
            models.Index(fields=["entity_creator", "created_at"], name="queue_creator_idx"),
            models.Index(fields=["channel_cid", "created_at"], name="queue_channel_idx"),
            models.Index(
                fields=["status", "created_at", "id"], name="queue_escalated_idx", condition=Q(escalated=True)
            ),
            models.Index(fields=["locked_until"], name="queue_locked_idx", condition=Q(locked_until__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.entity_type}:{self.entity_id}"

    @property
    def severity_label(self) -> str:
        return Severity.label_for(self.severity)

    @property
    def texts(self) -> list[str]:
        return [t for t in (self.moderation_payload or {}).get("texts") or [] if isinstance(t, str)]

    @property
    def images(self) -> list[str]:
        return [t for t in (self.moderation_payload or {}).get("images") or [] if isinstance(t, str)]

    def lock_holder(self, now=None):
        """The EndUser holding this item, or None when no unexpired claim exists (read-time expiry)."""
        now = now or timezone.now()
        if self.locked_by_id and self.locked_until and self.locked_until > now:
            return self.locked_by_id
        return None


class Flag(models.Model):
    """One report of one entity by one reporter (or by automod when `reporter` is empty)."""

    class Type(models.TextChoices):
        USER_REPORT = "user_report", "User report"
        AUTOMOD = "automod", "Automod"

    type = models.CharField(max_length=32, choices=Type.choices, default=Type.USER_REPORT)
    reporter = models.ForeignKey(
        "reviews.EndUser", null=True, blank=True, on_delete=models.SET_NULL, related_name="flags_made"
    )
    entity_type = models.CharField(max_length=64)
    entity_id = models.CharField(max_length=255)
    entity_creator = models.ForeignKey(
        "reviews.EndUser", null=True, blank=True, on_delete=models.SET_NULL, related_name="flags_received"
    )
    item = models.ForeignKey(ReviewQueueItem, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(max_length=255, blank=True, default="")
    custom = models.JSONField(default=dict, blank=True)
    labels = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "entity_type", "entity_id"],
                condition=Q(reporter__isnull=False),
                name="flag_one_per_reporter",
            ),
        ]
        indexes = [
            models.Index(fields=["item", "created_at"], name="flag_item_idx"),
            models.Index(fields=["created_at", "id"], name="flag_created_idx"),
            models.Index(fields=["entity_creator", "created_at"], name="flag_creator_idx"),
            models.Index(fields=["reporter", "created_at"], name="flag_reporter_idx"),
            models.Index(fields=["reason", "created_at"], name="flag_reason_idx"),
        ]

    def __str__(self) -> str:
        return f"flag of {self.entity_type}:{self.entity_id} by {self.reporter_id or 'automod'}"
