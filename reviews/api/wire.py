"""Stream's wire format: integer-nanosecond timestamps and the response objects the SDK decodes.

Only this package knows the wire format; actions and events call these builders.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

from reviews.models import Ban, EndUser, ModerationLog, ReviewQueueItem

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ts(dt: datetime | None) -> int | None:
    """Integer epoch nanoseconds (the only timestamp form the SDK decodes)."""
    if dt is None:
        return None
    return (dt - EPOCH) // timedelta(microseconds=1) * 1000


def user_common(user: EndUser) -> dict[str, Any]:
    """UserResponseCommonFields (webhook events): no ban state needed."""
    return {
        "id": user.id,
        "name": user.name,
        "image": user.image,
        "role": user.role,
        "language": user.language,
        "banned": False,
        "online": False,
        "created_at": ts(user.created_at),
        "updated_at": ts(user.updated_at),
        "deactivated_at": ts(user.deactivated_at),
        "deleted_at": ts(user.deleted_at),
        "blocked_user_ids": [],
        "teams": list(user.teams or []),
        "custom": dict(user.custom or {}),
    }


def user_response(
    user: EndUser,
    *,
    banned: bool = False,
    shadow_banned: bool = False,
    ban_expires: datetime | None = None,
    blocked_user_ids: list[str] | None = None,
) -> dict[str, Any]:
    data = user_common(user)
    data.update(
        banned=banned,
        shadow_banned=shadow_banned,
        invisible=user.invisible,
        ban_expires=ts(ban_expires),
        blocked_user_ids=blocked_user_ids or [],
    )
    return data


def user_with_state(user: EndUser, now: datetime | None = None) -> dict[str, Any]:
    """UserResponse with ban state read at call time (one query per user: for single users and events)."""
    now = now or timezone.now()
    bans = list(Ban.objects.in_force(now).app_wide().filter(target=user).only("shadow", "expires_at"))
    hard = [b for b in bans if not b.shadow]
    return user_response(
        user,
        banned=bool(hard),
        shadow_banned=any(b.shadow for b in bans),
        ban_expires=hard[0].expires_at if hard else None,
        blocked_user_ids=list(user.blocks.values_list("blocked_id", flat=True)),
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


def review_queue_item(item: ReviewQueueItem, *, flags: list | None = None, actions: list | None = None) -> dict:
    return {
        "id": str(item.id),
        "entity_type": item.entity_type,
        "entity_id": item.entity_id,
        "entity_creator_id": item.entity_creator_id,
        "status": item.status,
        "recommended_action": item.recommended_action,
        "latest_moderator_action": item.latest_moderator_action,
        "reviewed_by": item.reviewed_by_id or "",
        "reviewed_at": ts(item.reviewed_at),
        "ai_text_severity": item.severity_label if item.severity else "",
        "severity": item.severity,
        "escalated": item.escalated,
        "flags_count": item.flags_count,
        "config_key": item.config_key,
        "created_at": ts(item.created_at),
        "updated_at": ts(item.updated_at),
        "moderation_payload": dict(item.moderation_payload or {}),
        "actions": actions or [],
        "bans": [],
        "flags": flags or [],
        "languages": [],
        "teams": [],
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


def message_response(*, message_id: str, text: str, cid: str, creator: EndUser | None, at: datetime) -> dict:
    """MessageResponse for a message we know only as a flagged entity (message.flagged webhooks): every field
    the SDK requires, with the counters and lists we do not keep left empty."""
    author = user_response(creator) if creator is not None else {
        **user_response(EndUser(id="")), "created_at": ts(at), "updated_at": ts(at)}
    return {
        "id": message_id, "text": text, "html": "", "type": "regular", "cid": cid,
        "created_at": ts(at), "updated_at": ts(at), "user": author,
        "deleted_reply_count": 0, "reply_count": 0, "mentioned_channel": False, "mentioned_here": False,
        "pinned": False, "shadowed": False, "silent": False, "attachments": [], "latest_reactions": [],
        "mentioned_users": [], "own_reactions": [], "restricted_visibility": [], "custom": {},
        "reaction_counts": {}, "reaction_scores": {},
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


def _ts_sql(column: str) -> str:
    # PostgreSQL's extract() is exact numeric since 14, so this equals ts() to the microsecond.
    return f"((extract(epoch from {column}) * 1000000)::bigint * 1000)"


def user_common_sql(alias: str) -> str:
    """`user_common` as a PostgreSQL jsonb expression over the reviews_enduser row `alias`, for set-based
    actions that build thousands of events in one statement (tests keep the two equal)."""
    return (
        f"jsonb_build_object('id', {alias}.id, 'name', {alias}.name, 'image', {alias}.image, "
        f"'role', {alias}.role, 'language', {alias}.language, 'banned', false, 'online', false, "
        f"'created_at', {_ts_sql(f'{alias}.created_at')}, 'updated_at', {_ts_sql(f'{alias}.updated_at')}, "
        f"'deactivated_at', {_ts_sql(f'{alias}.deactivated_at')}, 'deleted_at', {_ts_sql(f'{alias}.deleted_at')}, "
        f"'blocked_user_ids', '[]'::jsonb, 'teams', {alias}.teams, 'custom', {alias}.custom)"
    )
