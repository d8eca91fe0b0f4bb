"""What every action shares: locking helpers, the log writer and input checks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from reviews.errors import ModerationError
from reviews.models import EndUser, ModerationLog, ReviewQueueItem

Actor = EndUser | None  # None is the system (sweeps, automod)

# In what capacity the actions below run, when a caller said so: `registry.apply` runs a moderator's decision
# (its log rows say `moderator`, or `api_integration` for a server token acting without a named user) or an end
# user's own act (`user`), whatever the actor's role. Without it the actor's role decides (`actor_type_of`).
_capacity: ContextVar[str | None] = ContextVar("moderation_capacity", default=None)


@contextmanager
def acting_as(capacity: str | None) -> Iterator[None]:
    token = _capacity.set(capacity)
    try:
        yield
    finally:
        _capacity.reset(token)


def actor_type_of(actor: Actor) -> str:
    capacity = _capacity.get()
    if capacity is not None:
        return capacity
    if actor is None:
        return ModerationLog.ActorType.AUTOMOD
    if actor.role in (EndUser.Role.MODERATOR, EndUser.Role.ADMIN):
        return ModerationLog.ActorType.MODERATOR
    return ModerationLog.ActorType.USER


def write_log(
    *,
    action: str,
    actor: Actor,
    target_user: EndUser | None = None,
    item: ReviewQueueItem | None = None,
    reason: str = "",
    custom: dict[str, Any] | None = None,
    actor_type: str | None = None,
) -> ModerationLog:
    return ModerationLog.objects.create(
        action=action,
        actor=actor,
        actor_type=actor_type or actor_type_of(actor),
        target_user=target_user,
        item=item,
        reason=reason or "",
        custom=custom or {},
    )


def lock_user(user: EndUser) -> EndUser:
    """Lock the user row: every write about one user is serialised on it (bans, mutes, deactivation)."""
    return EndUser.objects.select_for_update().get(pk=user.pk)


def lock_item(item: ReviewQueueItem) -> ReviewQueueItem:
    return ReviewQueueItem.objects.select_for_update().get(pk=item.pk)


def lock_or_create(model, *, lookup: dict[str, Any], defaults: dict[str, Any]):
    """Return (locked row, created). Safe under concurrency: a losing insert re-reads the winner's row."""
    try:
        return model.objects.select_for_update().get(**lookup), False
    except model.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return model.objects.create(**lookup, **defaults), True
    except IntegrityError:
        return model.objects.select_for_update().get(**lookup), False


def expiry_from_timeout(timeout_minutes: int | None, *, field: str = "timeout", now: datetime | None = None):
    if timeout_minutes is None:
        return None
    if isinstance(timeout_minutes, bool) or not isinstance(timeout_minutes, int):
        raise ModerationError.invalid(field, "must be a whole number of minutes")
    if timeout_minutes <= 0:
        raise ModerationError.invalid(field, f"must be a positive number of minutes, got {timeout_minutes}")
    if timeout_minutes > 100 * 365 * 24 * 60:
        raise ModerationError.invalid(field, "must be at most 100 years")
    return (now or timezone.now()) + timedelta(minutes=timeout_minutes)


def same_expiry(a: datetime | None, b: datetime | None, *, tolerance_seconds: int = 60) -> bool:
    """A retried request lands a few seconds later; treat expiries that close as the same state."""
    if a is None or b is None:
        return a is b
    return abs((a - b).total_seconds()) <= tolerance_seconds


def renew_mute(model, *, expires_at: datetime | None, now: datetime, **pair):
    """(the mute of `pair` (a user and what they mute) with this expiry, whether it changed): unchanged when the
    same one is already in force (an idempotent retry: nothing to log). A mute that ended is renewed in place
    (the pair is unique) and its creation time restarts; one in force keeps it. The caller holds the muting
    user's lock."""
    mute = model.objects.select_for_update().filter(**pair).first()
    if mute is not None and mute.is_in_force(now) and same_expiry(mute.expires_at, expires_at):
        return mute, False
    if mute is None:
        return model.objects.create(**pair, expires_at=expires_at, created_at=now), True
    mute.expires_at, mute.created_at = expires_at, (mute.created_at if mute.is_in_force(now) else now)
    mute.save(update_fields=["expires_at", "created_at", "updated_at"])
    return mute, True


def require_text(value: str | None, field: str, *, max_length: int = 255) -> str:
    if value is None or not str(value).strip():
        raise ModerationError.invalid(field, "is required and must not be empty")
    value = str(value)
    if len(value) > max_length:
        raise ModerationError.invalid(field, f"must be at most {max_length} characters")
    return value
