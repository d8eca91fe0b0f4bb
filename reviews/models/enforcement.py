"""Bans, mutes and blocks.

Whether a ban or mute is in force is decided when it is read (`expires_at`), never by a sweep having run:
see `Ban.objects.in_force()`. Sweeps only tidy up and announce.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone


class BanQuerySet(models.QuerySet):
    def in_force(self, now=None):
        now = now or timezone.now()
        return self.filter(lifted_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))

    def app_wide(self):
        return self.filter(channel_cid__isnull=True)


class Ban(models.Model):
    # Indexes on the references are declared in Meta: Django's own would add a second (LIKE) index per
    # varchar key, and lifting a ban (not a HOT update) writes an entry into every index of the table.
    target = models.ForeignKey("reviews.EndUser", on_delete=models.CASCADE, related_name="bans", db_index=False)
    banned_by = models.ForeignKey(
        "reviews.EndUser", null=True, blank=True, on_delete=models.SET_NULL, related_name="bans_given",
        db_index=False,
    )
    channel_cid = models.CharField(
        max_length=255, null=True, blank=True, help_text="Empty for an app-wide ban; else the channel's cid."
    )
    reason = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: no time limit.")
    shadow = models.BooleanField(default=False)
    ip_ban = models.BooleanField(default=False)
    ip = models.GenericIPAddressField(null=True, blank=True, help_text="The target's IP when the ban was made.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        "reviews.EndUser", null=True, blank=True, on_delete=models.SET_NULL, related_name="bans_lifted",
        db_index=False,
    )

    objects = BanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one unlifted ban per user and scope (app-wide counts as the scope '').
            models.UniqueConstraint(
                "target",
                Coalesce("channel_cid", models.Value("")),
                condition=Q(lifted_at__isnull=True),
                name="ban_one_open_per_scope",
            ),
        ]
        indexes = [
            models.Index(fields=["created_at", "id"], name="ban_created_idx"),
            models.Index(fields=["channel_cid", "created_at"], name="ban_channel_created_idx"),
            models.Index(fields=["banned_by", "created_at"], name="ban_banned_by_idx"),
            models.Index(fields=["target"], name="ban_target_idx"),
            # Only moderators' lifts have a lifter; the sweep's (the bulk of them) add no entry here.
            models.Index(fields=["lifted_by"], name="ban_lifted_by_idx", condition=Q(lifted_by__isnull=False)),
            # Open bans are what enforcement reads; the sweep scans open bans with an expiry.
            models.Index(
                fields=["target", "channel_cid"], name="ban_open_target_idx", condition=Q(lifted_at__isnull=True)
            ),
            models.Index(
                fields=["expires_at"],
                name="ban_open_expiry_idx",
                condition=Q(lifted_at__isnull=True, expires_at__isnull=False),
            ),
            models.Index(fields=["ip"], name="ban_open_ip_idx", condition=Q(lifted_at__isnull=True, ip_ban=True)),
        ]

    def __str__(self) -> str:
        scope = self.channel_cid or "app"
        kind = "shadow ban" if self.shadow else "ban"
        return f"{kind} of {self.target_id} ({scope})"

    def is_in_force(self, now=None) -> bool:
        now = now or timezone.now()
        return self.lifted_at is None and (self.expires_at is None or self.expires_at > now)


class MuteQuerySet(models.QuerySet):
    def in_force(self, now=None):
        now = now or timezone.now()
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class Mute(models.Model):
    """`user` mutes `target` (Stream keeps mutes at the user level). Unmuting deletes the row; the log keeps history."""

    user = models.ForeignKey("reviews.EndUser", on_delete=models.CASCADE, related_name="mutes")
    target = models.ForeignKey("reviews.EndUser", on_delete=models.CASCADE, related_name="muted_by")
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MuteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "target"], name="mute_unique_pair")]
        indexes = [
            models.Index(fields=["target", "created_at"], name="mute_target_idx"),
            models.Index(fields=["expires_at"], name="mute_expiry_idx", condition=Q(expires_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} mutes {self.target_id}"

    def is_in_force(self, now=None) -> bool:
        now = now or timezone.now()
        return self.expires_at is None or self.expires_at > now


class UserBlock(models.Model):
    """`blocker` blocks `blocked`: no rings or notifications from them."""

    blocker = models.ForeignKey("reviews.EndUser", on_delete=models.CASCADE, related_name="blocks")
    blocked = models.ForeignKey("reviews.EndUser", on_delete=models.CASCADE, related_name="blocked_by")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique_pair")]
        indexes = [models.Index(fields=["blocked", "created_at"], name="block_blocked_idx")]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class ChannelMute(models.Model):
    """`user` mutes the channel `channel_cid` (Stream Chat's channel mutes; kept with the user like user mutes).
    Unmuting deletes the row; the log keeps history. In force while `expires_at` is empty or in the future."""

    user = models.ForeignKey("reviews.EndUser", on_delete=models.CASCADE, related_name="channel_mutes")
    channel_cid = models.CharField(max_length=255)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MuteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "channel_cid"], name="channel_mute_unique")]
        indexes = [
            models.Index(fields=["channel_cid"], name="channel_mute_cid_idx"),
            models.Index(fields=["expires_at"], name="channel_mute_expiry_idx", condition=Q(expires_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} mutes {self.channel_cid}"

    def is_in_force(self, now=None) -> bool:
        now = now or timezone.now()
        return self.expires_at is None or self.expires_at > now


class FutureChannelBan(models.Model):
    """Stream Chat's `ban_from_future_channels`: `target` is banned from every channel `banned_by` creates from
    now on. One open row per (target, banner); lifting sets `lifted_at` (read with `in_force()` like bans)."""

    target = models.ForeignKey("reviews.EndUser", on_delete=models.CASCADE, related_name="future_channel_bans",
                               db_index=False)
    banned_by = models.ForeignKey("reviews.EndUser", on_delete=models.CASCADE, related_name="future_channel_bans_given",
                                  db_index=False)
    reason = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: no time limit.")
    shadow = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        "reviews.EndUser", null=True, blank=True, on_delete=models.SET_NULL, related_name="future_channel_bans_lifted",
        db_index=False,
    )

    objects = BanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["target", "banned_by"], condition=Q(lifted_at__isnull=True),
                                    name="future_ban_one_open"),
        ]
        indexes = [
            models.Index(fields=["banned_by", "created_at"], name="future_ban_banner_idx"),
            models.Index(fields=["target", "created_at"], name="future_ban_target_idx"),
            models.Index(fields=["lifted_by"], name="future_ban_lifted_by_idx", condition=Q(lifted_by__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"future-channel ban of {self.target_id} by {self.banned_by_id}"

    def is_in_force(self, now=None) -> bool:
        now = now or timezone.now()
        return self.lifted_at is None and (self.expires_at is None or self.expires_at > now)
