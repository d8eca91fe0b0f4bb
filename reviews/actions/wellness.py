"""A moderator's wellness preferences (reviews/models/wellness.py). Not moderation state, so nothing is logged
or announced; it is written here like everything else the dashboard changes."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from reviews.errors import ModerationError
from reviews.models import ModeratorPreferences
from reviews.models.wellness import FIELDS

from ._common import lock_or_create

MAX_BREAK_DECISIONS = 1000
MAX_BREAK_MINUTES = 600


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ModerationError.invalid(sorted(unknown)[0], "is not a preference")
    if "blur" in values and values["blur"] not in ModeratorPreferences.Blur.values:
        raise ModerationError.invalid("blur", f"must be one of {', '.join(ModeratorPreferences.Blur.values)}")
    for field, top in (("break_after_decisions", MAX_BREAK_DECISIONS), ("break_after_minutes", MAX_BREAK_MINUTES)):
        if field in values:
            value = values[field]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
                raise ModerationError.invalid(field, f"must be a whole number from 0 (never) to {top}")
    for field in ("greyscale", "video_autoplay", "audio_muted"):
        if field in values and not isinstance(values[field], bool):
            raise ModerationError.invalid(field, "must be true or false")
    return values


@transaction.atomic
def save_preferences(*, user, **values: Any) -> ModeratorPreferences:
    """Set the given preferences of dashboard login `user` (others keep their value). Idempotent: the same
    values again write nothing."""
    values = _checked(values)
    prefs, _ = lock_or_create(ModeratorPreferences, lookup={"user": user}, defaults={})
    changed = [f for f, v in values.items() if getattr(prefs, f) != v]
    if changed:
        for field in changed:
            setattr(prefs, field, values[field])
        prefs.updated_at = timezone.now()
        prefs.save(update_fields=[*changed, "updated_at"])
    return prefs
