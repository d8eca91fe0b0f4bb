from __future__ import annotations

from django.conf import settings
from django.db import transaction

from reviews.models import ApiKey


@transaction.atomic
def ensure_api_key(key: str, secret: str, name: str = "") -> tuple[ApiKey, bool]:
    """Make this key pair exist and be active (created, or its secret updated). Returns (key, created)."""
    if not key or not secret:
        raise ValueError("both key and secret are required")
    api_key = ApiKey.objects.select_for_update().filter(key=key).first()
    if api_key is None:
        return ApiKey.objects.create(key=key, secret=secret, name=name or "created from settings"), True
    if api_key.secret != secret or not api_key.active:
        api_key.secret, api_key.active = secret, True
        api_key.save(update_fields=["secret", "active"])
    return api_key, False


def ensure_env_api_key() -> ApiKey | None:
    """The MODERATION_API_KEY / MODERATION_API_SECRET pair, when both are set."""
    if settings.MODERATION_API_KEY and settings.MODERATION_API_SECRET:
        return ensure_api_key(settings.MODERATION_API_KEY, settings.MODERATION_API_SECRET, "from environment")[0]
    return None
