"""Set-based expiry: close many expired bans or mutes in one transaction per batch, as the system.

Enforcement never waited for these (bans and mutes are read with their expiry); they tidy up, log and announce
(`user.unbanned`, `user.unmuted`) a whole batch at a time, so a sweep of 100,000 rows is a few statements per
thousand rows rather than a transaction per row.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from reviews import events
from reviews.api import wire
from reviews.models import Ban, ModerationLog, Mute

DEFAULT_BATCH = 5000


def _system_log(action: str, target_user_id: str, reason: str, custom: dict, now: datetime) -> ModerationLog:
    return ModerationLog(action=action, actor=None, actor_type=ModerationLog.ActorType.AUTOMOD,
                         target_user_id=target_user_id, reason=reason, custom=custom, created_at=now)


@transaction.atomic
def expire_bans(*, now: datetime | None = None, batch: int = DEFAULT_BATCH, ban_ids: list[int] | None = None) -> int:
    """Close up to `batch` open bans (IP bans included) whose expiry has passed; returns how many.

    Rows are taken with SELECT ... FOR UPDATE SKIP LOCKED: a ban that `ban_user`/`unban_user` (or a second
    sweep) holds right now is left to that transaction, which closes an expired ban itself. No user row is
    locked: the only rows written are the locked bans, so this cannot deadlock with the per-user actions, and
    they re-read the ban after our commit (lifted, so no longer open). Idempotent: a closed ban is not selected.
    `lifted_at` is the expiry (when the ban really ended), `lifted_by` empty (the system).
    """
    now = now or timezone.now()
    qs = Ban.objects.filter(lifted_at__isnull=True, expires_at__lte=now)
    if ban_ids is not None:
        qs = qs.filter(pk__in=ban_ids)
    bans = list(qs.select_for_update(skip_locked=True, of=("self",)).select_related("target")
                .order_by("expires_at")[:batch])
    if not bans:
        return 0
    Ban.objects.filter(pk__in=[b.pk for b in bans]).update(lifted_at=F("expires_at"), updated_at=now)
    ModerationLog.objects.bulk_create([
        _system_log("unban", b.target_id, "ban expired", {
            "ban_id": b.pk, "channel_cid": b.channel_cid, "expired": True, "ip_ban": b.ip_ban, "shadow": b.shadow,
        }, now)
        for b in bans
    ], batch_size=2000)
    events.record_many([
        ("user.unbanned", {"user": wire.user_common(b.target), "shadow": b.shadow, "cid": b.channel_cid})
        for b in bans
    ])
    return len(bans)


@transaction.atomic
def expire_mutes(*, now: datetime | None = None, batch: int = DEFAULT_BATCH, mute_ids: list[int] | None = None) -> int:
    """Remove up to `batch` mutes whose expiry has passed; returns how many. Same locking and idempotence as
    `expire_bans` (a removed mute is simply gone; `mute_user` re-reads after our commit and creates anew)."""
    now = now or timezone.now()
    qs = Mute.objects.filter(expires_at__lte=now)
    if mute_ids is not None:
        qs = qs.filter(pk__in=mute_ids)
    mutes = list(qs.select_for_update(skip_locked=True, of=("self",)).select_related("user", "target")
                 .order_by("expires_at")[:batch])
    if not mutes:
        return 0
    Mute.objects.filter(pk__in=[m.pk for m in mutes]).delete()
    ModerationLog.objects.bulk_create([
        _system_log("unmute", m.target_id, "mute expired", {"muted_by": m.user_id, "expired": True}, now)
        for m in mutes
    ], batch_size=2000)
    events.record_many([
        ("user.unmuted", {"user": wire.user_common(m.user), "target_user": wire.user_common(m.target)})
        for m in mutes
    ])
    return len(mutes)
