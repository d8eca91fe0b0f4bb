"""Stream Chat's wire format (the Chat face at the root paths): RFC 3339 timestamp strings and Chat's response
shapes, as the `stream-chat` SDKs (Python 4.33, JavaScript 9.53) hand them to their users unconverted.

The objects are the getstream ones (`reviews/api/wire.py`), with a user's custom fields at the top level of the
user (as Chat stores and returns them) and every timestamp written as an RFC 3339 string in UTC with
microseconds (`2026-12-03T15:27:20.123456Z`); that string read back as a filter value (seed 002's `created_at`
`$lt` pagination) names the same instant exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from reviews.models import Ban, ChannelMute, EndUser, Flag, FutureChannelBan, Mute, UserBlock

from . import wire

USER_TIMES = ("created_at", "updated_at", "deactivated_at", "deleted_at", "ban_expires", "last_active")


def ts(value: datetime | int | None) -> str | None:
    """RFC 3339 in UTC with microseconds; accepts a datetime or getstream's integer nanoseconds."""
    if value is None:
        return None
    if isinstance(value, int):
        value = wire.EPOCH + timedelta(microseconds=value // 1000)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _retimed(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    out = dict(data)
    for key in keys:
        if key in out:
            out[key] = ts(out[key])
    return out


def user_from_wire(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """A getstream UserResponse / FullUserResponse dict in Chat's form (its mutes and channel mutes too)."""
    if data is None:
        return None
    out = _retimed(data, USER_TIMES)
    for key, value in (out.pop("custom", None) or {}).items():  # Chat keeps custom fields at the top level
        out.setdefault(key, value)
    if "mutes" in out:
        out["mutes"] = [mute_from_wire(m) for m in out["mutes"]]
    if "channel_mutes" in out:
        out["channel_mutes"] = [channel_mute_from_wire(m) for m in out["channel_mutes"]]
    return out


def mute_from_wire(data: dict[str, Any]) -> dict[str, Any]:
    out = _retimed(data, ("created_at", "updated_at", "expires"))
    out["user"], out["target"] = user_from_wire(out.get("user")), user_from_wire(out.get("target"))
    return out


def channel_mute_from_wire(data: dict[str, Any]) -> dict[str, Any]:
    out = _retimed(data, ("created_at", "updated_at", "expires"))
    out["user"] = user_from_wire(out.get("user"))
    if out.get("channel"):
        out["channel"] = _retimed(out["channel"], ("created_at", "updated_at"))
    return out


def user(u: EndUser, state=None) -> dict[str, Any]:
    return user_from_wire(wire.user_from_state(u, state))


def full_user(u: EndUser, states: dict) -> dict[str, Any]:
    """OwnUserResponse: the user with their mutes and channel mutes (seed 003: mutes come back with the user)."""
    return user_from_wire(wire.full_user(u, states))


def mute(m: Mute, states: dict) -> dict[str, Any]:
    return mute_from_wire(wire.user_mute(m, states))


def channel_mute(m: ChannelMute, u: EndUser, states: dict) -> dict[str, Any]:
    return channel_mute_from_wire(wire.channel_mute(m, user_data=wire.user_from_state(u, states.get(u.pk))))


def channel(cid: str, at: datetime) -> dict[str, Any]:
    return _retimed(wire.channel_ref(cid, at), ("created_at", "updated_at"))


def ban(b: Ban, states: dict) -> dict[str, Any]:
    """One entry of query_banned_users: the banned user, who banned, the channel (absent when app-wide)."""
    data = {
        "user": user(b.target, states.get(b.target_id)),
        "banned_by": user(b.banned_by, states.get(b.banned_by_id)) if b.banned_by else None,
        "created_at": ts(b.created_at),
        "expires": ts(b.expires_at),
        "reason": b.reason,
        "shadow": b.shadow,
        "ip_ban": b.ip_ban,
    }
    if b.channel_cid:
        data["channel"] = channel(b.channel_cid, b.created_at)
    return data


def future_ban(b: FutureChannelBan, states: dict) -> dict[str, Any]:
    return {**_retimed(wire.future_channel_ban(b, states), ("created_at", "expires")),
            "user": user(b.target, states.get(b.target_id)), "banned_by": user(b.banned_by, states.get(b.banned_by_id))}


def flag(f: Flag, item, reporter_state=None, target: EndUser | None = None, target_state=None) -> dict[str, Any]:
    """The `flag` of flag_message / flag_user (and unflag): who flagged what, when, why."""
    data: dict[str, Any] = {
        "user": user(f.reporter, reporter_state) if f.reporter_id else None,
        "created_at": ts(f.created_at),
        "updated_at": ts(f.updated_at),
        "created_by_automod": f.reporter_id is None,
        "reason": f.reason,
        "custom": dict(f.custom or {}),
        "details": {},
    }
    if f.entity_type == "stream:user":
        data["target_user"] = user(target, target_state) if target is not None else None
    else:
        data["target_message_id"] = f.entity_id
        if item.channel_cid:
            data["channel_cid"] = item.channel_cid
        if item.entity_creator_id:
            data["message_user_id"] = item.entity_creator_id
    return data


def message_flag(f: Flag) -> dict[str, Any]:
    """One entry of query_message_flags."""
    data = _retimed(wire.message_flag(f), ("created_at", "updated_at", "reviewed_at", "approved_at", "rejected_at"))
    data["user"] = user_from_wire(data["user"])
    data["reviewed_by"] = user_from_wire(data["reviewed_by"])
    data["message"] = {**_retimed(data["message"], ("created_at", "updated_at")),
                       "user": user_from_wire(data["message"]["user"])}
    return data


def block(b: UserBlock, states: dict) -> dict[str, Any]:
    return {"user_id": b.blocker_id, "blocked_user_id": b.blocked_id, "created_at": ts(b.created_at),
            "user": user(b.blocker, states.get(b.blocker_id)),
            "blocked_user": user(b.blocked, states.get(b.blocked_id))}


def task(data: dict[str, Any]) -> dict[str, Any]:
    """get_task from getstream's task dict."""
    return _retimed(data, ("created_at", "updated_at"))
