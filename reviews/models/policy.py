"""Moderation configs (policies) and blocklists. Shape only: the engines that read them live in reviews/engines/."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class ModerationConfig(models.Model):
    key = models.CharField(max_length=255, help_text="e.g. chat:messaging, chat:messaging:<channel>, custom:<name>")
    team = models.CharField(max_length=255, blank=True, default="")
    is_async = models.BooleanField(default=False, db_column="async")
    # Engine blocks keyed by their wire names: block_list_config, ai_text_config, automod_toxicity_config, ...
    blocks = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["key", "team"], name="config_unique_key_team")]

    def __str__(self) -> str:
        return f"{self.key} ({self.team})" if self.team else self.key


class Blocklist(models.Model):
    class Type(models.TextChoices):
        WORD = "word", "Word"
        REGEX = "regex", "Regex"
        DOMAIN = "domain", "Domain"
        EMAIL = "email", "E-mail"

    name = models.CharField(max_length=255)
    team = models.CharField(max_length=255, blank=True, default="")
    type = models.CharField(max_length=16, choices=Type.choices, default=Type.WORD)
    words = models.JSONField(default=list, blank=True)
    is_leet_check_enabled = models.BooleanField(default=True)
    is_plural_check_enabled = models.BooleanField(default=True)
    is_substring_matching_enabled = models.BooleanField(
        default=False, help_text="Match the words inside other words too (as the config's match_substring does)")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name", "team"], name="blocklist_unique_name_team")]

    def __str__(self) -> str:
        return self.name
