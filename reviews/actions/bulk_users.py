"""Set-based deactivation and reactivation of many users at once (bulk tasks, the dashboard's bulk action).

One transaction per call: lock the users' rows, change only those not already in the target state, write one
log row and one event per changed user. The per-user `deactivate_user`/`reactivate_user` stay for single
requests; these exist because a transaction per user cannot do 100,000 users in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from reviews import events
from reviews.api import wire
from reviews.models import EndUser, ModerationLog

from ._common import Actor, actor_type_of


@dataclass(frozen=True)
class BulkOutcome:
    changed: int  # users whose state this call changed (logged and announced)
    missing: int  # ids with no such user


def _set_deactivated(*, user_ids: list[str], actor: Actor, deactivate: bool, custom: dict) -> BulkOutcome:
    now = timezone.now()
    wanted = list(dict.fromkeys(user_ids))
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
        created_by = wire.user_common(actor) if actor else None
        for u in todo:
            u.deactivated_at, u.updated_at = (now if deactivate else None), now
        events.record_many([(event_type, {"user": wire.user_common(u), "created_by": created_by}) for u in todo])
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
