from __future__ import annotations

from django.conf import settings
from django.db import models


class EndUser(models.Model):
    """A user of the moderated app, keyed by the app's own string id (Stream's `user.id`).

    Dashboard moderators are Django auth users linked to one of these, so what they do is attributed with
    the same id the API would use.
    """

    class Role(models.TextChoices):
        USER = "user", "User"
        MODERATOR = "moderator", "Moderator"
        ADMIN = "admin", "Admin"

    id = models.CharField(primary_key=True, max_length=255)
    name = models.CharField(max_length=255, blank=True)
    image = models.CharField(max_length=1024, blank=True)
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.USER)
    language = models.CharField(max_length=16, blank=True)
    teams = models.JSONField(default=list, blank=True)
    custom = models.JSONField(default=dict, blank=True)
    invisible = models.BooleanField(default=False)
    last_ip = models.GenericIPAddressField(null=True, blank=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    dashboard_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="end_user",
        help_text="The dashboard login that acts as this identity.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["created_at", "id"], name="enduser_created_idx"),
            models.Index(fields=["last_ip"], name="enduser_last_ip_idx"),
            models.Index(fields=["role"], name="enduser_role_idx"),
            models.Index(
                fields=["deactivated_at"],
                name="enduser_deactivated_idx",
                condition=models.Q(deactivated_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})" if self.name else self.id

    @property
    def is_deactivated(self) -> bool:
        return self.deactivated_at is not None
