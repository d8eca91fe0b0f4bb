"""Stream Chat's `ban_from_future_channels`: ban a user from every channel the banning user creates from now on."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from reviews import events, payloads
from reviews.errors import ModerationError
from reviews.models import EndUser, FutureChannelBan

from ._common import Actor, expiry_from_timeout, lock_user, same_expiry, write_log


@transaction.atomic
def ban_from_future_channels(*, target: EndUser, banned_by: EndUser, actor: Actor, reason: str = "",
                             timeout_minutes: int | None = None, shadow: bool = False) -> FutureChannelBan:
    """Open (or update) the future-channel ban of `target` by `banned_by`. Idempotent like `ban_user`: the same
    terms in force change nothing and log nothing. `user.banned` (with `ban_from_future_channels`) after commit."""
    if target.pk == banned_by.pk:
        raise ModerationError.invalid("target_user_id", "a user cannot ban themselves")
    if len(reason or "") > 2000:
        raise ModerationError.invalid("reason", "must be at most 2000 characters")
    now = timezone.now()
    expires_at = expiry_from_timeout(timeout_minutes, now=now)
    target = lock_user(target)
    ban = FutureChannelBan.objects.select_for_update().filter(target=target, banned_by=banned_by,
                                                               lifted_at__isnull=True).first()
    if ban is not None and not ban.is_in_force(now):
        ban.lifted_at = ban.expires_at
        ban.save(update_fields=["lifted_at", "updated_at"])
        ban = None
    if ban is not None:
        if ban.shadow == shadow and ban.reason == (reason or "") and same_expiry(ban.expires_at, expires_at):
            return ban
        ban.shadow, ban.reason, ban.expires_at = shadow, reason or "", expires_at
        ban.save(update_fields=["shadow", "reason", "expires_at", "updated_at"])
        updated = True
    else:
        ban = FutureChannelBan.objects.create(target=target, banned_by=banned_by, reason=reason or "",
                                              expires_at=expires_at, shadow=shadow, created_at=now)
        updated = False
    write_log(action="ban_from_future_channels", actor=actor, target_user=target, reason=reason,
              custom={"future_ban_id": ban.pk, "banned_by": banned_by.pk, "shadow": shadow, "updated": updated,
                      "expires_at": expires_at.isoformat() if expires_at else None})
    events.record("user.banned", user=payloads.user_common(target), created_by=payloads.user_common(banned_by),
                  reason=reason or "", expiration=payloads.ts(expires_at), shadow=shadow, cid=None,
                  ban_from_future_channels=True)
    return ban


@transaction.atomic
def lift_future_channel_bans(*, target: EndUser, actor: Actor, banned_by: EndUser | None = None) -> int:
    """Lift `target`'s future-channel bans in force (only the one by `banned_by` when given). Returns how many
    were lifted; 0 logs nothing. Expired, never-lifted rows are closed at their expiry silently."""
    now = timezone.now()
    target = lock_user(target)
    qs = FutureChannelBan.objects.select_for_update().filter(target=target, lifted_at__isnull=True)
    if banned_by is not None:
        qs = qs.filter(banned_by=banned_by)
    lifted = 0
    for ban in qs.order_by("pk"):
        if not ban.is_in_force(now):
            ban.lifted_at = ban.expires_at
            ban.save(update_fields=["lifted_at", "updated_at"])
            continue
        ban.lifted_at, ban.lifted_by = now, actor
        ban.save(update_fields=["lifted_at", "lifted_by", "updated_at"])
        write_log(action="unban_from_future_channels", actor=actor, target_user=target,
                  custom={"future_ban_id": ban.pk, "banned_by": ban.banned_by_id})
        events.record("user.unbanned", user=payloads.user_common(target),
                      created_by=payloads.user_common(actor) if actor else None, shadow=ban.shadow, cid=None,
                      ban_from_future_channels=True)
        lifted += 1
    return lifted
