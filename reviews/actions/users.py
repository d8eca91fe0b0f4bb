from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from reviews import events, payloads
from reviews.errors import ModerationError
from reviews.models import EndUser

from ._common import Actor, lock_user, require_text, write_log

USER_FIELDS = {"name", "image", "role", "language", "teams", "custom", "invisible"}


_FIELD_CHECKS = {
    "teams": (lambda v: isinstance(v, list) and all(isinstance(t, str) for t in v), "must be a list of strings"),
    "custom": (lambda v: isinstance(v, dict), "must be an object"),
    "invisible": (lambda v: isinstance(v, bool), "must be true or false"),
    "name": (lambda v: isinstance(v, str), "must be a string"),
    "image": (lambda v: isinstance(v, str), "must be a string"),
    "language": (lambda v: isinstance(v, str), "must be a string"),
    "role": (lambda v: v in EndUser.Role.values, f"must be one of {', '.join(EndUser.Role.values)}"),
}


def _validate_user_fields(fields: dict[str, Any], prefix: str) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in fields.items():
        if value is None:
            continue
        check, problem = _FIELD_CHECKS[key]
        if not check(value):
            raise ModerationError.invalid(f"{prefix}.{key}", problem)
        clean[key] = value
    return clean


@transaction.atomic
def upsert_user(*, user_id: str, fields: dict[str, Any], actor: Actor, extra_custom: dict | None = None) -> EndUser:
    """Create or replace a user's profile fields (Stream's upsert). Unknown top-level fields go into `custom`,
    as Stream does. Not a moderation verb, so nothing is logged; it is here because it writes users."""
    user_id = require_text(user_id, "id")
    known = {k: v for k, v in fields.items() if k in USER_FIELDS}
    clean = _validate_user_fields(known, f"users.{user_id}")
    if extra_custom:
        clean["custom"] = {**clean.get("custom", {}), **extra_custom}
    user = EndUser.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        return EndUser.objects.create(id=user_id, **clean)
    for key, value in clean.items():
        setattr(user, key, value)
    user.save(update_fields=[*clean.keys(), "updated_at"])
    return user


@transaction.atomic
def partial_update_user(*, user_id: str, set_fields: dict[str, Any], unset: list[str], actor: Actor) -> EndUser:
    user = EndUser.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise ModerationError.not_found("user", user_id)
    clean = _validate_user_fields({k: v for k, v in set_fields.items() if k in USER_FIELDS}, f"users.{user_id}.set")
    custom = dict(user.custom or {})
    custom.update({k: v for k, v in set_fields.items() if k not in USER_FIELDS and k != "id"})
    changed = set(clean)
    for key in unset:
        if key in USER_FIELDS and key not in {"role", "custom"}:
            clean[key] = [] if key == "teams" else (False if key == "invisible" else "")
            changed.add(key)
        elif key in custom:
            custom.pop(key)
    for key, value in clean.items():
        setattr(user, key, value)
    if custom != user.custom:
        user.custom = custom
        changed.add("custom")
    if changed:
        user.save(update_fields=[*changed, "updated_at"])
    return user


def ensure_user(user_id: str, *, field: str = "user_id") -> EndUser:
    """The user with this id, created bare if this is the first time we hear of it (apps flag and ban users
    they never upserted; refusing would lose the report)."""
    user_id = require_text(user_id, field)
    user, _ = EndUser.objects.get_or_create(pk=user_id)
    return user


@transaction.atomic
def deactivate_user(*, target: EndUser, actor: Actor, mark_messages_deleted: bool = False) -> bool:
    """Deactivate: the user's token is refused on every call from now on. Idempotent (returns False, logs
    nothing, when already deactivated)."""
    target = lock_user(target)
    if target.deactivated_at is not None:
        return False
    target.deactivated_at = timezone.now()
    target.save(update_fields=["deactivated_at", "updated_at"])
    write_log(
        action="deactivate_user", actor=actor, target_user=target,
        custom={"mark_messages_deleted": mark_messages_deleted},
    )
    events.record(
        "user.deactivated", user=payloads.user_common(target),
        created_by=payloads.user_common(actor) if actor else None,
    )
    return True


@transaction.atomic
def reactivate_user(*, target: EndUser, actor: Actor, restore_messages: bool = False) -> bool:
    target = lock_user(target)
    if target.deactivated_at is None:
        return False
    target.deactivated_at = None
    target.save(update_fields=["deactivated_at", "updated_at"])
    write_log(
        action="reactivate_user", actor=actor, target_user=target, custom={"restore_messages": restore_messages}
    )
    events.record(
        "user.reactivated", user=payloads.user_common(target),
        created_by=payloads.user_common(actor) if actor else None,
    )
    return True


def record_last_ip(*, user: EndUser, ip: str) -> bool:
    """Remember the address a user's token was last used from, which is what an IP ban captures. Profile
    state, not a moderation decision: not logged; one conditional UPDATE, and only when the address changed."""
    if not ip or user.last_ip == ip:
        return False
    EndUser.objects.filter(pk=user.pk).update(last_ip=ip)
    user.last_ip = ip
    return True
