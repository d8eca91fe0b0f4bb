"""A user mutes or unmutes a channel (Stream Chat's channel mutes)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from reviews import events, payloads
from reviews.errors import ModerationError
from reviews.models import ChannelMute, EndUser

from ._common import Actor, lock_user, renew_mute, require_text, write_log

MAX_EXPIRATION_MS = 100 * 365 * 24 * 3600 * 1000


def _check_cid(channel_cid: str, field: str) -> str:
    cid = require_text(channel_cid, field)
    kind, _, ident = cid.partition(":")
    if not kind or not ident:
        raise ModerationError.invalid(field, f"{cid!r} is not a channel cid (type:id)")
    return cid


@transaction.atomic
def mute_channel(*, user: EndUser, channel_cid: str, actor: Actor, expiration_ms: int | None = None,
                 field: str = "channel_cid") -> ChannelMute:
    """`user` mutes `channel_cid`, for `expiration_ms` milliseconds or for good. Idempotent: the same mute in
    force is returned unchanged; a different expiry replaces the old one. `channel.muted` after commit."""
    channel_cid = _check_cid(channel_cid, field)
    if expiration_ms is not None:
        if isinstance(expiration_ms, bool) or not isinstance(expiration_ms, int):
            raise ModerationError.invalid("expiration", "must be a whole number of milliseconds")
        if not 0 < expiration_ms <= MAX_EXPIRATION_MS:
            raise ModerationError.invalid("expiration", f"must be between 1 ms and 100 years, got {expiration_ms}")
    now = timezone.now()
    expires_at = now + timedelta(milliseconds=expiration_ms) if expiration_ms is not None else None
    lock_user(user)
    mute, changed = renew_mute(ChannelMute, expires_at=expires_at, now=now, user=user, channel_cid=channel_cid)
    if not changed:  # the same mute is in force
        return mute
    write_log(action="mute_channel", actor=actor, target_user=user,
              custom={"channel_cid": channel_cid, "expires_at": expires_at.isoformat() if expires_at else None})
    events.record("channel.muted", user=payloads.user_common(user), cid=channel_cid,
                  expiration=payloads.ts(expires_at))
    return mute


@transaction.atomic
def unmute_channel(*, user: EndUser, channel_cid: str, actor: Actor, field: str = "channel_cid") -> bool:
    """Remove `user`'s mute of `channel_cid`. Returns False (and logs nothing) when no mute was in force."""
    channel_cid = _check_cid(channel_cid, field)
    now = timezone.now()
    lock_user(user)
    mute = ChannelMute.objects.select_for_update().filter(user=user, channel_cid=channel_cid).first()
    if mute is None:
        return False
    was_in_force = mute.is_in_force(now)
    mute.delete()
    if not was_in_force:
        return False
    write_log(action="unmute_channel", actor=actor, target_user=user, custom={"channel_cid": channel_cid})
    events.record("channel.unmuted", user=payloads.user_common(user), cid=channel_cid)
    return True
