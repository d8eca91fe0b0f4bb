"""Per-moderator wellness preferences: how media is shown and when to suggest a break."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ModeratorPreferences(models.Model):
    """Keyed to the dashboard login. A login without a row has the defaults (`DEFAULTS`), so nothing is written
    until a moderator changes something. Applied on every page as body classes and data attributes (base.html,
    static/reviews/shift.css and wellness.js); loaded with the login in its one query (reviews/backends.py)."""

    class Blur(models.TextChoices):
        NONE = "none", "None"
        LIGHT = "light", "Light"
        STRONG = "strong", "Strong"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="moderator_preferences")
    greyscale = models.BooleanField(default=False, help_text="Show images in greyscale.")
    blur = models.CharField(max_length=8, choices=Blur.choices, default=Blur.STRONG,
                            help_text="How strongly images are blurred until revealed.")
    video_autoplay = models.BooleanField(default=False, help_text="Let videos start on their own.")
    audio_muted = models.BooleanField(default=True, help_text="Start audio and video muted.")
    break_after_decisions = models.PositiveSmallIntegerField(
        default=40, help_text="Suggest a break after this many decisions on graphic content (0: never).")
    break_after_minutes = models.PositiveSmallIntegerField(
        default=20, help_text="Suggest a break after this many minutes on graphic content (0: never).")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "moderator preferences"

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"

    def body_classes(self) -> str:
        """What base.html puts on <body> (CSS in static/reviews/shift.css)."""
        return " ".join(c for c in ("wellness-greyscale" if self.greyscale else "", f"blur-{self.blur}") if c)


FIELDS = ("greyscale", "blur", "video_autoplay", "audio_muted", "break_after_decisions", "break_after_minutes")
