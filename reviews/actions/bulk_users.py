"""Set-based deactivation and reactivation of many users at once (bulk tasks, the dashboard's bulk action).

One transaction per call: lock the users' rows, change only those not already in the target state, write one
log row and one event per changed user. The per-user `deactivate_user`/`reactivate_user` stay for single
requests; these exist because a transaction per user cannot do 100,000 users in seconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from reviews import events, payloads
from reviews.models import EndUser, ModerationLog

from ._common import Actor, actor_type_of


@dataclass(frozen=True)
class BulkOutcome:
    changed: int  # users whose state this call changed (logged and announced)
    missing: int  # ids with no such user


def _set_deactivated_sql(deactivate: bool) -> str:
    event_type = "user.deactivated" if deactivate else "user.reactivated"
    return f"""
WITH locked AS (
    SELECT id, deactivated_at FROM reviews_enduser WHERE id = ANY(%(ids)s) ORDER BY id FOR UPDATE),
changed AS (
    UPDATE reviews_enduser u SET deactivated_at = %(value)s, updated_at = %(now)s FROM locked
    WHERE u.id = locked.id AND locked.deactivated_at IS {"NULL" if deactivate else "NOT NULL"}
    RETURNING u.*),
logs AS (
    INSERT INTO reviews_moderationlog (action, actor_id, actor_type, target_user_id, item_id, reason, custom,
                                       created_at)
    SELECT %(action)s, %(actor)s, %(actor_type)s, c.id, NULL, '', %(custom)s::jsonb, %(now)s FROM changed c),
announced AS (
    INSERT INTO reviews_outboxevent (type, payload, created_at)
    SELECT '{event_type}', {events.body_sql(event_type, "jsonb_build_object('user', " + payloads.user_common_sql("c")
                                            + ", 'created_by', %(created_by)s::jsonb)")}, %(now)s
    FROM changed c ORDER BY c.id)
SELECT (SELECT count(*) FROM changed), (SELECT count(*) FROM locked)
"""


SQL = {True: _set_deactivated_sql(True), False: _set_deactivated_sql(False)}


def _set_deactivated(*, user_ids: list[str], actor: Actor, deactivate: bool, custom: dict) -> BulkOutcome:
    now = timezone.now()
    wanted = list(dict.fromkeys(user_ids))
    if connection.vendor == "postgresql":
        # One statement: lock (in id order, so overlapping calls wait rather than deadlock), update, log, announce.
        with connection.cursor() as cursor:
            cursor.execute(SQL[deactivate], {
                "ids": wanted, "value": now if deactivate else None, "now": now,
                "action": "deactivate_user" if deactivate else "reactivate_user", "actor": actor.pk if actor else None,
                "actor_type": actor_type_of(actor), "custom": json.dumps(custom),
                "created_by": json.dumps(payloads.user_common(actor)) if actor else None, "event_ns": events.now_ns(),
            })
            changed, found = cursor.fetchone()
        if changed:
            events.kick_after_commit()
        return BulkOutcome(changed=changed, missing=len(wanted) - found)
    # Rows locked in primary-key order, so two overlapping bulk calls wait for each other instead of deadlocking.
    users = list(EndUser.objects.select_for_update().filter(pk__in=wanted).order_by("pk"))
    todo = [u for u in users if (u.deactivated_at is None) == deactivate]
    if todo:
        EndUser.objects.filter(pk__in=[u.pk for u in todo]).update(
            deactivated_at=now if deactivate else None, updated_at=now
        )
        action, event_type = ("deactivate_user", "user.deactivated") if deactivate else \
            ("reactivate_user", "user.reactivated")
        kind = actor_type_of(actor)
        ModerationLog.objects.bulk_create([
            ModerationLog(action=action, actor=actor, actor_type=kind, target_user_id=u.pk, custom=custom,
                          created_at=now)
            for u in todo
        ], batch_size=2000)
        created_by = payloads.user_common(actor) if actor else None
        for u in todo:
            u.deactivated_at, u.updated_at = (now if deactivate else None), now
        events.record_many([(event_type, {"user": payloads.user_common(u), "created_by": created_by}) for u in todo])
    return BulkOutcome(changed=len(todo), missing=len(wanted) - len(users))


@transaction.atomic
def deactivate_users(*, user_ids: list[str], actor: Actor, mark_messages_deleted: bool = False) -> BulkOutcome:
    """Deactivate every listed user not already deactivated. Idempotent per user: a deactivated user is neither
    changed nor logged again, so a chunk re-run after a worker died does nobody twice. Unknown ids are counted
    as missing, not created. `user.deactivated` per changed user, delivered after commit."""
    return _set_deactivated(user_ids=user_ids, actor=actor, deactivate=True,
                            custom={"mark_messages_deleted": mark_messages_deleted, "bulk": True})


@transaction.atomic
def reactivate_users(*, user_ids: list[str], actor: Actor, restore_messages: bool = False) -> BulkOutcome:
    """Reactivate every listed user that is deactivated; idempotent per user like `deactivate_users`."""
    return _set_deactivated(user_ids=user_ids, actor=actor, deactivate=False,
                            custom={"restore_messages": restore_messages, "bulk": True})
