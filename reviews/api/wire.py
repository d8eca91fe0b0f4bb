"""Stream's response objects the SDK decodes (integer-nanosecond timestamps).

The shapes events carry too (users, queue items, messages) live in `reviews.payloads`, which actions use; this
module builds the API's responses from them and adds the ones only responses need.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reviews.models import Ban, EndUser, ModerationLog, ReviewQueueItem
from reviews.payloads import (  # noqa: F401 - the shapes events share, re-exported for the routers
    EPOCH,
    message_response,
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
        "channel_mutes": [channel_mute(m, user) for m in (state.channel_mutes if state else [])],
        "devices": [],
        "mutes": [user_mute(m, states) for m in (state.mutes if state else [])],
    }


def channel_ref(cid: str, at: datetime) -> dict[str, Any]:
    """ChannelResponse for a channel we know only by its cid (we keep no channels): cid, type and id, with the
    creation and update times of the record that names it."""
    channel_type, _, channel_id = cid.partition(":")
    return {"cid": cid, "type": channel_type, "id": channel_id, "created_at": ts(at), "updated_at": ts(at),
            "disabled": False, "frozen": False, "custom": {}}


def channel_mute(mute, user: EndUser | None = None, user_data: dict | None = None) -> dict[str, Any]:
    """ChannelMute: who muted which channel, until when."""
    return {
        "user": user_data if user_data is not None else user_response(user or mute.user),
        "channel": channel_ref(mute.channel_cid, mute.created_at),
        "created_at": ts(mute.created_at),
        "updated_at": ts(mute.updated_at),
        "expires": ts(mute.expires_at),
    }


def future_channel_ban(ban, states: dict) -> dict[str, Any]:
    """FutureChannelBanResponse."""
    return {
        "user": user_from_state(ban.target, states.get(ban.target_id)),
        "banned_by": user_from_state(ban.banned_by, states.get(ban.banned_by_id)),
        "created_at": ts(ban.created_at),
        "expires": ts(ban.expires_at),
        "reason": ban.reason,
        "shadow": ban.shadow,
    }


def message_flag(flag) -> dict[str, Any]:
    """MessageFlagResponse (query_message_flags): the flag, its reporter and the message as far as we know it
    (the flagged entity's id, text and channel from its review-queue item)."""
    item = flag.item
    reviewed = item.status == ReviewQueueItem.Status.REVIEWED
    return {
        "created_at": ts(flag.created_at),
        "updated_at": ts(flag.updated_at),
        "created_by_automod": flag.reporter_id is None,
        "reason": flag.reason,
        "custom": dict(flag.custom or {}),
        "user": user_response(flag.reporter) if flag.reporter_id else None,
        "message": message_response(message_id=flag.entity_id, text=item.content_text, cid=item.channel_cid,
                                    creator=item.entity_creator, at=item.created_at),
        "reviewed_at": ts(item.reviewed_at) if reviewed else None,
        "reviewed_by": user_response(item.reviewed_by) if reviewed and item.reviewed_by_id else None,
        "approved_at": None,
        "rejected_at": None,
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
