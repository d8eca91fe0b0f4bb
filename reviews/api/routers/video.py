"""Video calls: get_or_create, get, update, end, members, and call moderation (block, unblock, kick, mute,
user permissions, permission requests). Every write is a reviews.actions.calls function.

Who may moderate: a server token, a user with role moderator/admin, or a user whose own capabilities in the
call include the one the endpoint needs (a call's host holds `mute-users`, `kick-user`, ...).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from reviews import actions
from reviews.errors import ModerationError
from reviews.models import Call, EndUser
from reviews.selectors import calls as sel
from reviews.selectors.pagination import SortKey

from .. import wire_calls
from ..auth import Caller
from ..schemas import Body, SortParam, UserRequest, WireDatetime

router = Router(tags=["video"])


class MemberIn(Body):
    user_id: str
    role: str | None = None
    custom: dict[str, Any] | None = None


class CallDataIn(Body):
    created_by_id: str | None = None
    created_by: UserRequest | None = None
    members: list[MemberIn] | None = None
    custom: dict[str, Any] | None = None
    settings_override: dict[str, Any] | None = None
    starts_at: WireDatetime | None = None
    team: str | None = None
    video: bool | None = None
    channel_cid: str | None = None


class GetOrCreateIn(Body):
    data: CallDataIn | None = None
    members_limit: int | None = None
    ring: bool | None = None
    notify: bool | None = None
    video: bool | None = None


class UpdateCallIn(Body):
    custom: dict[str, Any] | None = None
    settings_override: dict[str, Any] | None = None
    starts_at: WireDatetime | None = None


class UserIdIn(Body):
    user_id: str


class KickIn(Body):
    user_id: str
    block: bool | None = None
    kicked_by_id: str | None = None
    kicked_by: UserRequest | None = None


class MuteUsersIn(Body):
    user_ids: list[str] | None = None
    mute_all_users: bool | None = None
    audio: bool | None = None
    video: bool | None = None
    screenshare: bool | None = None
    screenshare_audio: bool | None = None
    muted_by_id: str | None = None
    muted_by: UserRequest | None = None


class UserPermissionsIn(Body):
    user_id: str
    grant_permissions: list[str] | None = None
    revoke_permissions: list[str] | None = None


class RequestPermissionIn(Body):
    permissions: list[str]


class QueryMembersIn(Body):
    id: str
    type: str
    filter_conditions: dict[str, Any] | None = None
    sort: list[SortParam] | None = None
    limit: int | None = None
    next: str | None = None
    prev: str | None = None


# --- helpers ----------------------------------------------------------------------------------------------

def _call(call_type: str, call_id: str) -> Call:
    call = Call.objects.select_related("created_by").filter(type=call_type, call_id=call_id).first()
    if call is None:
        raise ModerationError.not_found("call", f"{call_type}:{call_id}")
    return call


def _user(user_id: str, field: str = "user_id") -> EndUser:
    user = EndUser.objects.filter(pk=user_id).first()
    if user is None:
        raise ModerationError.invalid(field, f"user {user_id!r} does not exist")
    return user


def _require(caller: Caller, call: Call, capability: str) -> None:
    if caller.is_moderator:
        return
    if capability not in sel.own_capabilities(call=call, user=caller.user):
        raise ModerationError.not_allowed(
            f"user {caller.user.pk!r} lacks the {capability!r} capability in call {call.cid}"
        )


def _acting(caller: Caller, by_id: str | None, by: UserRequest | None, field: str) -> EndUser | None:
    return caller.acting_user(by_id or (by.id if by else None), field)


def _state(request: HttpRequest, call: Call, members_limit: int | None = None) -> dict[str, Any]:
    call.refresh_from_db()
    return wire_calls.call_state(call, caller=request.auth.user, members_limit=members_limit)


# --- calls ------------------------------------------------------------------------------------------------

@router.post("/video/call/{type}/{id}", summary="get_or_create_call")
def get_or_create_call(request: HttpRequest, type: str, id: str, payload: GetOrCreateIn) -> dict:
    caller: Caller = request.auth
    data = payload.data or CallDataIn()
    creator_id = data.created_by_id or (data.created_by.id if data.created_by else None)
    created_by = caller.acting_user(creator_id, "data.created_by_id")
    call, created, _ = actions.get_or_create_call(
        call_type=type, call_id=id, actor=created_by, created_by=created_by, caller=caller.user,
        members=[m.dict() for m in data.members] if data.members is not None else None,
        custom=data.custom, settings_override=data.settings_override, starts_at=data.starts_at,
        ring=bool(payload.ring), notify=bool(payload.notify), video=bool(payload.video or data.video),
    )
    return {"created": created, **_state(request, call, payload.members_limit)}


@router.get("/video/call/{type}/{id}", summary="get_call")
def get_call(request: HttpRequest, type: str, id: str, members_limit: int | None = None,
             ring: bool | None = None, notify: bool | None = None, video: bool | None = None) -> dict:
    call = _call(type, id)
    _require(request.auth, call, "read-call")
    return _state(request, call, members_limit)


@router.patch("/video/call/{type}/{id}", summary="update_call")
def update_call(request: HttpRequest, type: str, id: str, payload: UpdateCallIn) -> dict:
    call = _call(type, id)
    _require(request.auth, call, "update-call-settings")
    actions.update_call_settings(call=call, actor=request.auth.user, settings_override=payload.settings_override,
                                 custom=payload.custom, starts_at=payload.starts_at)
    return _state(request, call)


@router.post("/video/call/{type}/{id}/mark_ended", summary="end_call")
def end_call(request: HttpRequest, type: str, id: str) -> dict:
    call = _call(type, id)
    _require(request.auth, call, "end-call")
    actions.end_call(call=call, actor=request.auth.user)
    return {}


@router.post("/video/call/members", summary="query_call_members")
def query_call_members(request: HttpRequest, payload: QueryMembersIn) -> dict:
    call = _call(payload.type, payload.id)
    _require(request.auth, call, "read-call")
    data = _member_filter_data(payload.filter_conditions or {})
    keys = _member_sort(payload.sort or [])
    limit = payload.limit if payload.limit is not None else 25
    if not 1 <= limit <= 100:
        raise ModerationError.invalid("limit", "must be between 1 and 100")
    page = sel.member_page(call=call, data=data, limit=limit, next_cursor=payload.next, prev_cursor=payload.prev,
                           keys=keys)
    return {"members": wire_calls.member_responses(page.rows), "next": page.next, "prev": page.prev}


_MEMBER_FILTERS = ("user_id", "role", "blocked", "kicked", "name")


def _member_filter_data(conditions: dict[str, Any]) -> dict[str, str]:
    """Stream's filter object (`{"user_id": "a"}`, `{"role": {"$in": [..]}}`, `{"$eq": v}`) -> FilterSet data."""
    data: dict[str, str] = {}
    for key, value in conditions.items():
        if key not in _MEMBER_FILTERS:
            raise ModerationError.invalid(f"filter_conditions.{key}",
                                          f"unknown filter; use {', '.join(_MEMBER_FILTERS)}")
        if isinstance(value, dict):
            if set(value) == {"$eq"}:
                value = value["$eq"]
            elif set(value) == {"$in"} and isinstance(value["$in"], list):
                value = ",".join(str(v) for v in value["$in"])
            else:
                raise ModerationError.invalid(f"filter_conditions.{key}", "supported operators are $eq and $in")
        data[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return data


def _member_sort(sort: list[SortParam]) -> list[SortKey]:
    if not sort:
        return sel.MEMBER_SORT
    if len(sort) > 1 or (sort[0].field or "created_at") != "created_at":
        raise ModerationError.invalid("sort", "members sort by created_at only")
    descending = (sort[0].direction or 1) < 0
    return [SortKey("created_at", descending), SortKey("id", descending)]


# --- moderation -------------------------------------------------------------------------------------------

@router.post("/video/call/{type}/{id}/block", summary="block_user")
def block_user(request: HttpRequest, type: str, id: str, payload: UserIdIn) -> dict:
    call = _call(type, id)
    _require(request.auth, call, "block-users")
    actions.block_call_user(call=call, target=_user(payload.user_id), actor=request.auth.user)
    return {}


@router.post("/video/call/{type}/{id}/unblock", summary="unblock_user")
def unblock_user(request: HttpRequest, type: str, id: str, payload: UserIdIn) -> dict:
    call = _call(type, id)
    _require(request.auth, call, "block-users")
    actions.unblock_call_user(call=call, target=_user(payload.user_id), actor=request.auth.user)
    return {}


@router.post("/video/call/{type}/{id}/kick", summary="kick_user")
def kick_user(request: HttpRequest, type: str, id: str, payload: KickIn) -> dict:
    call = _call(type, id)
    _require(request.auth, call, "kick-user")
    actor = _acting(request.auth, payload.kicked_by_id, payload.kicked_by, "kicked_by_id")
    actions.kick_call_user(call=call, target=_user(payload.user_id), actor=actor, block=bool(payload.block))
    return {}


@router.post("/video/call/{type}/{id}/mute_users", summary="mute_users")
def mute_users(request: HttpRequest, type: str, id: str, payload: MuteUsersIn) -> dict:
    call = _call(type, id)
    _require(request.auth, call, "mute-users")
    actor = _acting(request.auth, payload.muted_by_id, payload.muted_by, "muted_by_id")
    actions.mute_call_users(
        call=call, actor=actor, user_ids=payload.user_ids, mute_all_users=bool(payload.mute_all_users),
        audio=bool(payload.audio), video=bool(payload.video), screenshare=bool(payload.screenshare),
        screenshare_audio=bool(payload.screenshare_audio),
    )
    return {}


@router.post("/video/call/{type}/{id}/user_permissions", summary="update_user_permissions")
def update_user_permissions(request: HttpRequest, type: str, id: str, payload: UserPermissionsIn) -> dict:
    call = _call(type, id)
    _require(request.auth, call, "update-call-permissions")
    actions.update_call_user_permissions(
        call=call, target=_user(payload.user_id), actor=request.auth.user,
        grant=payload.grant_permissions, revoke=payload.revoke_permissions,
    )
    return {}


@router.post("/video/call/{type}/{id}/request_permission", summary="request_permission (user token)")
def request_permission(request: HttpRequest, type: str, id: str, payload: RequestPermissionIn) -> dict:
    caller: Caller = request.auth
    if caller.user is None:
        raise ModerationError.invalid("Authorization", "request_permission is made with the asking user's token")
    call = _call(type, id)
    actions.request_call_permission(call=call, user=caller.user, permissions=payload.permissions)
    return {}
