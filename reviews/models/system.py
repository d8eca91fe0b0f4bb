"""Async tasks, API keys, the moderation log and the event outbox."""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.utils import timezone


class Task(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    params = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        "reviews.EndUser", null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="task_status_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.status})"

    @property
    def progress(self) -> int:
        """Percent done, 0-100."""
        if self.status == self.Status.COMPLETED:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


def _new_key() -> str:
    return secrets.token_hex(8)


def _new_secret() -> str:
    return secrets.token_urlsafe(48)


class ApiKey(models.Model):
    """An API key pair. Several may be active at once, so secrets can be rotated without downtime."""

    key = models.CharField(max_length=64, unique=True, default=_new_key)
    secret = models.CharField(max_length=255, default=_new_secret)
    name = models.CharField(max_length=255, blank=True, default="")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.key} ({'active' if self.active else 'inactive'})"


def log_actions() -> list[tuple[str, str]]:
    """`ModerationLog.action`'s choices: the decision table's verbs (reviews/actions/registry.py). A callable, so
    a new verb needs no migration of its own."""
    from reviews.actions.registry import log_choices

    return log_choices()


class ModerationLog(models.Model):
    """One row for every moderation write, written in the same transaction as the write.

    An append-only record: its references to users and items are ids without database constraints
    (`db_constraint=False`, `DO_NOTHING`). A foreign-key check would take a share lock on the user row for
    every log row written, which deadlocked the expiry sweep (locks bans, then logs about their users)
    against `ban_user` (locks the user, then the ban). Deleting a user or item is neither blocked by the
    log nor cascades into it: its entries keep the id, and reads join with LEFT JOIN (`select_related`),
    so a deleted user reads as None beside the id that is still recorded. The indexes below lead with each
    reference, so the references need none of their own (each would be two: plain and LIKE)."""

    class ActorType(models.TextChoices):
        MODERATOR = "moderator", "Moderator"
        USER = "user", "User"
        AUTOMOD = "automod", "Automod / system"
        API = "api_integration", "API integration"

    action = models.CharField(max_length=64, choices=log_actions)
    actor = models.ForeignKey(
        "reviews.EndUser", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="actions_taken",
        db_constraint=False, db_index=False,
    )
    actor_type = models.CharField(max_length=32, choices=ActorType.choices, default=ActorType.MODERATOR)
    target_user = models.ForeignKey(
        "reviews.EndUser", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="actions_received",
        db_constraint=False, db_index=False,
    )
    item = models.ForeignKey(
        "reviews.ReviewQueueItem", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="log_entries",
        db_constraint=False, db_index=False,
    )
    reason = models.TextField(blank=True, default="")
    custom = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at", "id"], name="log_created_idx"),
            models.Index(fields=["target_user", "created_at"], name="log_target_idx"),
            models.Index(fields=["actor", "created_at"], name="log_actor_idx"),
            models.Index(fields=["item", "created_at"], name="log_item_idx"),
            models.Index(fields=["action", "created_at"], name="log_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id or 'system'} on {self.target_user_id or self.item_id}"


class OutboxEvent(models.Model):
    """An event recorded in the same transaction as the write it announces; a relay delivers it later,
    so nothing is lost when the broker or a receiver is down."""

    type = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    relayed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], name="outbox_pending_idx", condition=models.Q(relayed_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class WebhookEndpoint(models.Model):
    """A receiver of signed event POSTs. The one set with `update_app(webhook_url=...)` has `from_app=True`;
    admins may add more."""

    url = models.URLField(max_length=2048)
    # Event types to send; empty means every type.
    events = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)
    from_app = models.BooleanField(default=False, help_text="Managed by update_app(webhook_url=...).")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up)"

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True, default="")
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [models.UniqueConstraint(fields=["event", "endpoint"], name="delivery_unique")]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="delivery_due_idx", condition=models.Q(status="pending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.endpoint} ({self.status})"


class ItemNote(models.Model):
    """A moderator's note on a queue item (internal, never sent to the app)."""

    item = models.ForeignKey("reviews.ReviewQueueItem", on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        "reviews.EndUser", null=True, blank=True, on_delete=models.SET_NULL, related_name="notes_written"
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["item", "created_at"], name="note_item_idx")]

    def __str__(self) -> str:
        return f"note on {self.item_id}"
