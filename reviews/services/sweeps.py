"""Expiry sweeps (beat, every minute). Enforcement never depends on these (bans, mutes and claims are read with
their expiry); a sweep closes what has expired through the set-based actions so it is logged and announced.
Running twice, concurrently or late is harmless: each batch takes only still-open rows under SKIP LOCKED."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from reviews import actions

BATCH = 5000


def _drain(expire, now: datetime, limit: int | None) -> int:
    done = 0
    while limit is None or done < limit:
        size = BATCH if limit is None else min(BATCH, limit - done)
        lifted = expire(now=now, batch=size)
        done += lifted
        if lifted < size:
            break
    return done


def sweep_expired(*, now: datetime | None = None, limit: int | None = None) -> dict[str, int]:
    """Close expired bans (IP bans included) and mutes as the system, and clear stale claims.
    `now` is fixed for the whole sweep, so rows expiring while it runs wait for the next one. `limit` caps
    bans and mutes each (a backlog is then worked off over several runs)."""
    now = now or timezone.now()
    return {
        "bans": _drain(actions.expire_bans, now, limit),
        "mutes": _drain(actions.expire_mutes, now, limit),
        "locks": actions.release_stale_locks(now=now),
    }
