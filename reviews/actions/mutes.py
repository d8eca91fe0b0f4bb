from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from reviews import events, payloads
from reviews.errors import ModerationError
from reviews.models import EndUser, Mute

from ._common import Actor, expiry_from_timeout, lock_user, renew_mute, write_log
from .expiry import expire_mutes


@transaction.atomic
def mute_user(*, user: EndUser, target: EndUser, actor: Actor, timeout_minutes: int | None = None) -> Mute:
    """`user` mutes `target`, optionally for `timeout_minutes`. Idempotent: the same mute in force is returned
    unchanged; a different expiry replaces the old one. `actor` is who asked (the user, or a moderator)."""
    if user.pk == target.pk:
        raise ModerationError.invalid("target_ids", "a user cannot mute themselves")
    now = timezone.now()
    expires_at = expiry_from_timeout(timeout_minutes, now=now)
    lock_user(user)
    mute, changed = renew_mute(Mute, expires_at=expires_at, now=now, user=user, target=target)
    if not changed:  # the same mute is in force
        return mute
    write_log(
        action="mute",
        actor=actor,
        target_user=target,
        custom={"muted_by": user.pk, "expires_at": expires_at.isoformat() if expires_at else None},
    )
    events.record("user.muted", user=payloads.user_common(user), target_user=payloads.user_common(target))
    return mute


@transaction.atomic
def unmute_user(*, user: EndUser, target: EndUser, actor: Actor) -> bool:
    """Remove `user`'s mute of `target`. Returns False (and logs nothing) when no mute was in force."""
    now = timezone.now()
    lock_user(user)
    mute = Mute.objects.select_for_update().filter(user=user, target=target).first()
    if mute is None:
        return False
    was_in_force = mute.is_in_force(now)
    mute.delete()
    if not was_in_force:
        return False
    write_log(action="unmute", actor=actor, target_user=target, custom={"muted_by": user.pk})
    events.record("user.unmuted", user=payloads.user_common(user), target_user=payloads.user_common(target))
    return True


def expire_mute(*, mute: Mute, now: datetime | None = None) -> bool:
    """Remove one mute whose time ran out, with the system as actor (see `expire_mutes`). Safe to repeat."""
    return expire_mutes(now=now, mute_ids=[mute.pk]) == 1
