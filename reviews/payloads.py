"""What events carry: Stream's shapes for the objects in webhook payloads (users, queue items, messages, calls),
with integer-nanosecond timestamps, the only form the SDK decodes.

Actions build their events from these; the API's responses (`reviews/api/wire.py`) use the same builders, so a
user in an event and a user in a response are one shape. Request parsing and HTTP stay under `reviews/api/`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

from reviews.models import Ban, Call, CallMember, EndUser, ReviewQueueItem, UserBlock
from reviews.selectors import calls as call_selectors

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


# --- calls ---------------------------------------------------------------------------------------------------


def _ghost_user(user_id: str = "") -> dict[str, Any]:
    """A creator whose account was deleted: the SDK still needs a whole UserResponse."""
    return user_response(EndUser(id=user_id, created_at=EPOCH, updated_at=EPOCH))

def call_response(call: Call, *, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    settings = settings if settings is not None else call_selectors.effective_settings(call)
    created_by = user_with_state(call.created_by) if call.created_by_id else _ghost_user()
    return {
        "id": call.call_id,
        "type": call.type,
        "cid": call.cid,
        "current_session_id": "",
        "backstage": bool(settings["backstage"].get("enabled")),
        "captioning": False,
        "recording": False,
        "transcribing": False,
        "translating": False,
        "created_at": ts(call.created_at),
        "updated_at": ts(call.updated_at),
        "starts_at": ts(call.starts_at),
        "ended_at": ts(call.ended_at),
        "blocked_user_ids": call_selectors.blocked_user_ids(call),
        "created_by": created_by,
        "custom": dict(call.custom or {}),
        "egress": {"broadcasting": False, "rtmps": []},
        "ingress": {"rtmp": {"address": ""}, "srt": {"address": ""}, "whip": {"address": ""}},
        "settings": settings,
    }


def member_responses(members: Iterable[CallMember]) -> list[dict[str, Any]]:
    """MemberResponse for each member; ban state and each user's own blocks read in one query each."""
    members = list(members)
    user_ids = [m.user_id for m in members]
    banned = call_selectors.banned_user_ids(user_ids)
    blocks: dict[str, list[str]] = defaultdict(list)
    for blocker_id, blocked_id in UserBlock.objects.filter(blocker_id__in=user_ids).values_list(
        "blocker_id", "blocked_id"
    ):
        blocks[blocker_id].append(blocked_id)
    return [
        {
            "user_id": m.user_id,
            "user": user_response(m.user, banned=m.user_id in banned, blocked_user_ids=blocks[m.user_id]),
            "role": m.role,
            "custom": dict(m.custom or {}),
            "created_at": ts(m.created_at),
            "updated_at": ts(m.updated_at),
        }
        for m in members
    ]


def appeal(appeal) -> dict[str, Any]:
    """AppealItemResponse's own fields (events carry these; the API adds the decision, its log and the content)."""
    item = appeal.item if appeal.item_id else None
    return {
        "id": str(appeal.id),
        "appeal_reason": appeal.appeal_reason,
        "attachments": list(appeal.attachments or []),
        "entity_type": appeal.entity_type,
        "entity_id": appeal.entity_id,
        "status": appeal.status,
        "decision_reason": appeal.decision_reason or None,
        "review_queue_item_id": str(appeal.item_id) if appeal.item_id else None,
        "channel_cid": (item.channel_cid or None) if item else None,
        "config_key": (item.config_key or None) if item else None,
        "recommended_action": item.recommended_action if item else None,
        "severity": item.severity if item else None,
        "ai_text_severity": (item.severity_label if item.severity else None) if item else None,
        "flag_labels": list(item.labels or []) if item else [],
        "created_at": ts(appeal.created_at),
        "updated_at": ts(appeal.updated_at),
    }


def triggered_rules(decision) -> list[dict[str, Any]]:
    """TriggeredRuleResponse, plus `engine`, `label`, `severity` and `why` (unknown fields the SDK ignores)."""
    return [{"rule_id": r.rule_id, "rule_name": r.label, "actions": [r.action], "type": "content",
             "engine": r.engine, "label": r.label, "severity": r.severity, "why": r.why} for r in decision.fired]


def check_response(result) -> dict[str, Any]:
    """The CheckResponse body of a finished check (the API's answer, and a check task's stored `result`)."""
    rules = triggered_rules(result.decision)
    body: dict[str, Any] = {"recommended_action": result.action, "status": "completed", "triggered_rules": rules}
    if rules:
        body["triggered_rule"] = rules[0]
    if result.item is not None:
        body["item"] = review_queue_item(result.item)
    if result.media is not None:
        body["media"] = result.media
    if result.call_verdict is not None:
        body["call_actions"] = {"log_id": result.call_verdict.pk, "taken": result.call_verdict.custom.get("taken", [])}
    return body
