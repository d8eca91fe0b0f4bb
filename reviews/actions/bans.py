from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reviews import events, payloads
from reviews.errors import ModerationError
from reviews.models import Ban, EndUser, ReviewQueueItem

from ._common import Actor, expiry_from_timeout, lock_user, same_expiry, write_log
from .expiry import expire_bans


def _open_ban(target: EndUser, channel_cid: str | None) -> Ban | None:
    qs = Ban.objects.select_for_update().filter(target=target, lifted_at__isnull=True)
    qs = qs.filter(channel_cid=channel_cid) if channel_cid else qs.filter(channel_cid__isnull=True)
    return qs.first()


@transaction.atomic
def ban_user(
    *,
    target: EndUser,
    actor: Actor,
    channel_cid: str | None = None,
    reason: str = "",
    timeout_minutes: int | None = None,
    shadow: bool = False,
    ip_ban: bool = False,
    item: ReviewQueueItem | None = None,
) -> Ban:
    """Ban `target` app-wide (channel_cid None) or in one channel, optionally timed, shadow or by IP.

    Idempotent: the same ban already in force (same kind, reason and expiry within a minute) is returned
    unchanged and nothing is logged. A different ban in the same scope replaces the open one's terms.
    An IP ban is app-wide only, captures the target's last known IP, and without a timeout lasts 30 days.
    `user.banned` is recorded in the outbox and delivered after commit.
    """
    channel_cid = channel_cid or None
    if ip_ban and channel_cid:
        raise ModerationError.invalid("ip_ban", "an IP ban applies to the whole app; leave channel_cid empty")
    if ip_ban and timeout_minutes is None:
        timeout_minutes = settings.MODERATION_IP_BAN_DEFAULT_MINUTES
    now = timezone.now()
    expires_at = expiry_from_timeout(timeout_minutes, now=now)
    if len(reason or "") > 2000:
        raise ModerationError.invalid("reason", "must be at most 2000 characters")

    target = lock_user(target)
    ip = target.last_ip if ip_ban else None
    ban = _open_ban(target, channel_cid)
    if ban is not None and not ban.is_in_force(now):
        # Expired but never swept: it ended at its expiry; close it so the new ban starts a fresh row.
        ban.lifted_at = ban.expires_at
        ban.save(update_fields=["lifted_at", "updated_at"])
        ban = None

    if ban is not None:
        unchanged = (
            ban.shadow == shadow
            and ban.ip_ban == ip_ban
            and ban.reason == (reason or "")
            and same_expiry(ban.expires_at, expires_at)
        )
        if unchanged:
            return ban
        ban.shadow, ban.ip_ban, ban.ip, ban.reason = shadow, ip_ban, ip, reason or ""
        ban.expires_at, ban.banned_by = expires_at, actor
        ban.save(update_fields=["shadow", "ip_ban", "ip", "reason", "expires_at", "banned_by", "updated_at"])
        updated = True
    else:
        ban = Ban.objects.create(
            target=target,
            banned_by=actor,
            channel_cid=channel_cid,
            reason=reason or "",
            expires_at=expires_at,
            shadow=shadow,
            ip_ban=ip_ban,
            ip=ip,
            created_at=now,
        )
        updated = False

    write_log(
        action="shadow_ban" if shadow else "ban",
        actor=actor,
        target_user=target,
        item=item,
        reason=reason,
        custom={
            "ban_id": ban.pk,
            "channel_cid": channel_cid,
            "expires_at": expires_at.isoformat() if expires_at else None,
            "ip_ban": ip_ban,
            "ip": ip,
            "shadow": shadow,
            "updated": updated,
        },
    )
    events.record(
        "user.banned",
        user=payloads.user_common(target),
        created_by=payloads.user_common(actor) if actor else None,
        reason=reason or "",
        expiration=payloads.ts(expires_at),
        shadow=shadow,
        cid=channel_cid,
        review_queue_item_id=str(item.pk) if item else None,
    )
    return ban


@transaction.atomic
def unban_user(
    *,
    target: EndUser,
    actor: Actor,
    channel_cid: str | None = None,
    reason: str = "",
    item: ReviewQueueItem | None = None,
    shadow_only: bool = False,
) -> Ban | None:
    """Lift the ban in force in this scope (app-wide when channel_cid is None). Returns the lifted ban, or None
    when nothing was in force (idempotent: nothing logged). An expired-but-unswept ban is closed silently.
    `shadow_only` (Stream Chat's remove_shadow_ban) lifts only a shadow ban: a regular ban stays."""
    channel_cid = channel_cid or None
    now = timezone.now()
    target = lock_user(target)
    ban = _open_ban(target, channel_cid)
    if ban is None:
        return None
    if not ban.is_in_force(now):
        ban.lifted_at = ban.expires_at
        ban.save(update_fields=["lifted_at", "updated_at"])
        return None
    if shadow_only and not ban.shadow:
        return None
    ban.lifted_at, ban.lifted_by = now, actor
    ban.save(update_fields=["lifted_at", "lifted_by", "updated_at"])
    write_log(
        action="unban",
        actor=actor,
        target_user=target,
        item=item,
        reason=reason,
        custom={"ban_id": ban.pk, "channel_cid": channel_cid, "shadow": ban.shadow},
    )
    events.record(
        "user.unbanned",
        user=payloads.user_common(target),
        created_by=payloads.user_common(actor) if actor else None,
        shadow=ban.shadow,
        cid=channel_cid,
    )
    return ban


def expire_ban(*, ban: Ban, now: datetime | None = None) -> bool:
    """Close one ban whose time ran out, with the system as actor (see `expire_bans`, which does the work for
    a whole batch). Returns False when it was not expired, already closed, or being changed right now."""
    return expire_bans(now=now, ban_ids=[ban.pk]) == 1
