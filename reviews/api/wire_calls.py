"""Stream's call shapes: `CallResponse` and `MemberResponse`, every field the SDK requires, integer-ns times.

Kept apart from wire.py so the call work does not collide with the shared builders; it uses them for users.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from reviews.models import Call, CallMember, EndUser, UserBlock
from reviews.selectors import calls as call_selectors

from . import wire


def _ghost_user(user_id: str = "") -> dict[str, Any]:
    """A creator whose account was deleted: the SDK still needs a whole UserResponse."""
    return wire.user_response(EndUser(id=user_id, created_at=wire.EPOCH, updated_at=wire.EPOCH))


def call_response(call: Call, *, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    settings = settings if settings is not None else call_selectors.effective_settings(call)
    created_by = wire.user_with_state(call.created_by) if call.created_by_id else _ghost_user()
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
        "created_at": wire.ts(call.created_at),
        "updated_at": wire.ts(call.updated_at),
        "starts_at": wire.ts(call.starts_at),
        "ended_at": wire.ts(call.ended_at),
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
            "user": wire.user_response(m.user, banned=m.user_id in banned, blocked_user_ids=blocks[m.user_id]),
            "role": m.role,
            "custom": dict(m.custom or {}),
            "created_at": wire.ts(m.created_at),
            "updated_at": wire.ts(m.updated_at),
        }
        for m in members
    ]


def call_state(call: Call, *, caller: EndUser | None, members_limit: int | None = None) -> dict[str, Any]:
    """The body shared by get, get_or_create and update: the call, its first members, the caller's
    capabilities."""
    members = call.members.select_related("user").order_by("created_at", "id")
    limit = 100 if members_limit is None else max(0, min(members_limit, 100))
    return {
        "call": call_response(call),
        "members": member_responses(members[:limit]),
        "own_capabilities": call_selectors.own_capabilities(call=call, user=caller),
    }
