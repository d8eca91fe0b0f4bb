"""Expiry sweeps. Enforcement never depends on these (bans and mutes are read with their expiry); a sweep
lifts what has expired through the action functions so it is logged and announced. Running twice or late is
harmless: each lift re-checks under a row lock."""

from __future__ import annotations

from django.utils import timezone

from reviews import actions
from reviews.models import Ban, Mute

BATCH = 1000


def sweep_expired(*, now=None, limit: int | None = None) -> dict[str, int]:
    now = now or timezone.now()
    lifted_bans = lifted_mutes = 0
    while True:
        batch = list(
            Ban.objects.filter(lifted_at__isnull=True, expires_at__lte=now).order_by("expires_at")[:BATCH]
        )
        for ban in batch:
            lifted_bans += actions.expire_ban(ban=ban, now=now)
        if len(batch) < BATCH or (limit and lifted_bans >= limit):
            break
    while True:
        batch = list(Mute.objects.filter(expires_at__lte=now).order_by("expires_at")[:BATCH])
        for mute in batch:
            lifted_mutes += actions.expire_mute(mute=mute, now=now)
        if len(batch) < BATCH or (limit and lifted_mutes >= limit):
            break
    released = actions.release_stale_locks(now=now)
    return {"bans": lifted_bans, "mutes": lifted_mutes, "locks": released}
