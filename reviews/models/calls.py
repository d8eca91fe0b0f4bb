"""Video calls, their members and permission requests."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Call(models.Model):
    type = models.CharField(max_length=64)
    call_id = models.CharField(max_length=255)
    created_by = models.ForeignKey(
        "reviews.EndUser", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls_created"
    )
    settings_override = models.JSONField(default=dict, blank=True)
    custom = models.JSONField(default=dict, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["type", "call_id"], name="call_unique_cid")]
        indexes = [models.Index(fields=["ended_at", "created_at"], name="call_active_idx")]

    def __str__(self) -> str:
        return self.cid

    @property
    def cid(self) -> str:
        return f"{self.type}:{self.call_id}"


class CallMember(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey("reviews.EndUser", on_delete=models.CASCADE, related_name="call_memberships")
    role = models.CharField(max_length=64, default="user")
    custom = models.JSONField(default=dict, blank=True)
    granted_capabilities = models.JSONField(default=list, blank=True)
    revoked_capabilities = models.JSONField(default=list, blank=True)
    audio_muted = models.BooleanField(default=False)
    video_muted = models.BooleanField(default=False)
    screenshare_muted = models.BooleanField(default=False)
    screenshare_audio_muted = models.BooleanField(default=False)
    blocked_at = models.DateTimeField(null=True, blank=True)
    kicked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["call", "user"], name="call_member_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.call}"


class PermissionRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="permission_requests")
    user = models.ForeignKey("reviews.EndUser", on_delete=models.CASCADE, related_name="permission_requests")
    permissions = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        "reviews.EndUser", null=True, blank=True, on_delete=models.SET_NULL, related_name="permission_decisions"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["call", "status", "created_at"], name="permreq_call_status_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} asks {','.join(self.permissions)} in {self.call}"
