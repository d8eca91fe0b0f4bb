"""Set-based expiry: close many expired bans or mutes in one transaction per batch, as the system.

Enforcement never waited for these (bans and mutes are read with their expiry); they tidy up, log and announce
(`user.unbanned`, `user.unmuted`) a whole batch at a time. On PostgreSQL a batch is ONE statement (lock with
SKIP LOCKED, update or delete, insert the log rows and the outbox events, all in data-modifying CTEs), which is
what lets a sweep of 100,000 rows finish in seconds; elsewhere (SQLite) the same steps run through the ORM.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from reviews import events, payloads
from reviews.models import Ban, ModerationLog, Mute

DEFAULT_BATCH = 5000

_LOG = """INSERT INTO reviews_moderationlog (action, actor_id, actor_type, target_user_id, item_id, reason, custom,
                                             created_at)"""

# One pass each: `picked` locks the batch and builds the event's user JSON in the same index-ordered scan (a
# nested loop of primary-key lookups; joining the users again later let the planner hash all 100k users per
# batch), the UPDATE/DELETE returns everything the log and the outbox need, and both INSERTs read that.
EXPIRE_BANS_SQL = f"""
WITH picked AS (
    SELECT b.id, {payloads.user_common_sql("u")} AS target_json
    FROM reviews_ban b JOIN reviews_enduser u ON u.id = b.target_id
    WHERE b.lifted_at IS NULL AND b.expires_at <= %(now)s {{only}}
    ORDER BY b.expires_at LIMIT %(batch)s FOR UPDATE OF b SKIP LOCKED),
lifted AS (
    UPDATE reviews_ban b SET lifted_at = b.expires_at, updated_at = %(now)s FROM picked WHERE b.id = picked.id
    RETURNING b.id, b.target_id, b.channel_cid, b.ip_ban, b.shadow, picked.target_json),
logs AS (
    {_LOG}
    SELECT 'unban', NULL, 'automod', l.target_id, NULL, 'ban expired',
           jsonb_build_object('ban_id', l.id, 'channel_cid', l.channel_cid, 'expired', true, 'ip_ban', l.ip_ban,
                              'shadow', l.shadow), %(now)s
    FROM lifted l),
announced AS (
    INSERT INTO reviews_outboxevent (type, payload, created_at)
    SELECT 'user.unbanned',
           {events.body_sql("user.unbanned", "jsonb_build_object('user', l.target_json, 'shadow', l.shadow, "
                            "'cid', l.channel_cid)")},
           %(now)s
    FROM lifted l ORDER BY l.id)
SELECT count(*) FROM lifted
"""

EXPIRE_MUTES_SQL = f"""
WITH picked AS (
    SELECT m.id, {payloads.user_common_sql("u")} AS user_json, {payloads.user_common_sql("t")} AS target_json
    FROM reviews_mute m JOIN reviews_enduser u ON u.id = m.user_id JOIN reviews_enduser t ON t.id = m.target_id
    WHERE m.expires_at <= %(now)s {{only}}
    ORDER BY m.expires_at LIMIT %(batch)s FOR UPDATE OF m SKIP LOCKED),
removed AS (
    DELETE FROM reviews_mute m USING picked WHERE m.id = picked.id
    RETURNING m.id, m.user_id, m.target_id, picked.user_json, picked.target_json),
logs AS (
    {_LOG}
    SELECT 'unmute', NULL, 'automod', r.target_id, NULL, 'mute expired',
           jsonb_build_object('muted_by', r.user_id, 'expired', true), %(now)s
    FROM removed r),
announced AS (
    INSERT INTO reviews_outboxevent (type, payload, created_at)
    SELECT 'user.unmuted',
           {events.body_sql("user.unmuted", "jsonb_build_object('user', r.user_json, 'target_user', r.target_json)")},
           %(now)s
    FROM removed r ORDER BY r.id)
SELECT count(*) FROM removed
"""


def _run_sql(template: str, alias: str, *, now: datetime, batch: int, ids: list[int] | None) -> int:
    sql = template.replace("{only}", f"AND {alias}.id = ANY(%(ids)s)" if ids is not None else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, {"now": now, "batch": batch, "ids": ids, "event_ns": events.now_ns()})
        count = cursor.fetchone()[0]
    if count:
        events.kick_after_commit()
    return count


def _system_log(action: str, target_user_id: str, reason: str, custom: dict, now: datetime) -> ModerationLog:
    return ModerationLog(action=action, actor=None, actor_type=ModerationLog.ActorType.AUTOMOD,
                         target_user_id=target_user_id, reason=reason, custom=custom, created_at=now)


@transaction.atomic
def expire_bans(*, now: datetime | None = None, batch: int = DEFAULT_BATCH, ban_ids: list[int] | None = None) -> int:
    """Close up to `batch` open bans (IP bans included) whose expiry has passed; returns how many.

    Rows are taken with SELECT ... FOR UPDATE SKIP LOCKED: a ban that `ban_user`/`unban_user` (or a second
    sweep) holds right now is left to that transaction, which closes an expired ban itself. No user row is
    locked: the only rows written are the locked bans (the log's user reference has no foreign-key check,
    which would share-lock the user row), so this cannot deadlock with the per-user actions, and they
    re-read the ban after our commit (lifted, so no longer open). Idempotent: a closed ban is not selected.
    `lifted_at` is the expiry (when the ban really ended), `lifted_by` empty (the system).
    """
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        return _run_sql(EXPIRE_BANS_SQL, "b", now=now, batch=batch, ids=ban_ids)
    return _expire_bans_orm(now=now, batch=batch, ban_ids=ban_ids)


def _expire_bans_orm(*, now: datetime, batch: int, ban_ids: list[int] | None) -> int:
    """The portable path (SQLite); tests run it on PostgreSQL too and compare it row for row with the SQL."""
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
        ("user.unbanned", {"user": payloads.user_common(b.target), "shadow": b.shadow, "cid": b.channel_cid})
        for b in bans
    ])
    return len(bans)


@transaction.atomic
def expire_mutes(*, now: datetime | None = None, batch: int = DEFAULT_BATCH, mute_ids: list[int] | None = None) -> int:
    """Remove up to `batch` mutes whose expiry has passed; returns how many. Same locking and idempotence as
    `expire_bans` (a removed mute is simply gone; `mute_user` re-reads after our commit and creates anew)."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        return _run_sql(EXPIRE_MUTES_SQL, "m", now=now, batch=batch, ids=mute_ids)
    return _expire_mutes_orm(now=now, batch=batch, mute_ids=mute_ids)


def _expire_mutes_orm(*, now: datetime, batch: int, mute_ids: list[int] | None) -> int:
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
        ("user.unmuted", {"user": payloads.user_common(m.user), "target_user": payloads.user_common(m.target)})
        for m in mutes
    ])
    return len(mutes)
