"""Stream's response objects the SDK decodes (integer-nanosecond timestamps).

The shapes events carry too (users, queue items, messages) live in `reviews.payloads`, which actions use; this
module builds the API's responses from them and adds the ones only responses need.
"""

from __future__ import annotations

from typing import Any

from reviews.models import Ban, EndUser, ModerationLog
from reviews.payloads import (  # noqa: F401 - the shapes events share, re-exported for the routers
    review_queue_item,
    ts,
    user_response,
    user_with_state,
)


def ban_info(ban: Ban) -> dict[str, Any]:
    return {
        "created_at": ts(ban.created_at),
        "channel_cid": ban.channel_cid,
        "expires": ts(ban.expires_at),
        "reason": ban.reason,
        "shadow": ban.shadow,
    }


def action_log(entry: ModerationLog) -> dict[str, Any]:
    return {
        "id": str(entry.pk),
        "type": entry.action,
        "reason": entry.reason,
        "reporter_type": entry.actor_type,
        "target_user_id": entry.target_user_id or "",
        "user_id": entry.actor_id or "",
        "created_at": ts(entry.created_at),
        "ai_providers": [],
        "custom": dict(entry.custom or {}),
        "review_queue_item_id": str(entry.item_id) if entry.item_id else None,
    }


def task(task) -> dict[str, Any]:
    """GetTaskResponse: pending/running/completed/failed, progress (0-100) and counts in `result`."""
    data: dict[str, Any] = {
        "task_id": str(task.pk),
        "status": task.status,
        "created_at": ts(task.created_at),
        "updated_at": ts(task.updated_at),
        "result": {**(task.result or {}), "progress": task.progress, "done": task.done, "total": task.total},
    }
    if task.status == "failed":
        error = task.error or {}
        data["error"] = {"type": error.get("type", "error"), "description": error.get("description", "")}
    return data


def user_from_state(user: EndUser, state) -> dict[str, Any]:
    """UserResponse from a `reviews.selectors.users.UserState` (batch-loaded, no query here)."""
    if state is None:
        return user_response(user)
    return user_response(
        user, banned=state.banned, shadow_banned=state.shadow_banned, ban_expires=state.ban_expires,
        blocked_user_ids=list(state.blocked_user_ids),
    )


def user_mute(mute, states: dict) -> dict[str, Any]:
    """UserMuteResponse."""
    return {
        "user": user_from_state(mute.user, states.get(mute.user_id)),
        "target": user_from_state(mute.target, states.get(mute.target_id)),
        "created_at": ts(mute.created_at),
        "updated_at": ts(mute.updated_at),
        "expires": ts(mute.expires_at),
    }


def full_user(user: EndUser, states: dict) -> dict[str, Any]:
    """FullUserResponse: the user, their active mutes, and the unread counters we do not keep (always 0)."""
    state = states.get(user.pk)
    return {
        **user_from_state(user, state),
        "total_unread_count": 0,
        "unread_channels": 0,
        "unread_count": 0,
        "unread_threads": 0,
        "channel_mutes": [],
        "devices": [],
        "mutes": [user_mute(m, states) for m in (state.mutes if state else [])],
    }


def moderation_flag(flag) -> dict[str, Any]:
    """ModerationFlagResponse (reporter's UserResponse without ban state, to keep lists to fixed queries)."""
    return {
        "type": flag.type,
        "entity_type": flag.entity_type,
        "entity_id": flag.entity_id,
        "entity_creator_id": flag.entity_creator_id,
        "user_id": flag.reporter_id or "",
        "user": user_response(flag.reporter) if flag.reporter_id else None,
        "reason": flag.reason,
        "custom": dict(flag.custom or {}),
        "labels": list(flag.labels or []),
        "review_queue_item_id": str(flag.item_id),
        "created_at": ts(flag.created_at),
        "updated_at": ts(flag.updated_at),
        "result": [],
    }
