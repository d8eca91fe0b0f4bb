"""getstream's chat calls: query_banned_users (seed 002's fields and operators), query_message_flags,
mute_channel/unmute_channel and query_future_channel_bans. The parsing and the reads here are shared with the
Stream Chat face at the root (reviews/api/chat_routes.py), which renders them in Chat's wire format."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.http import HttpRequest
from ninja import Router

from reviews import actions
from reviews.errors import ModerationError
from reviews.models import Ban, ChannelMute, EndUser, EntityType, Flag, FutureChannelBan
from reviews.selectors.bans import BAN_ORDER, BanFilter, ban_filter, future_ban_filter
from reviews.selectors.logs import flag_filter
from reviews.selectors.users import user_states

from .. import wire
from ..filters import (
    EQ,
    IN,
    NEQ,
    NIN,
    RANGE,
    Field,
    filtered,
    in_csv,
    parse_datetime,
    parse_filter,
    payload_param,
    range_data,
    sort_field,
)
from ..schemas import Body, SortParam, UserRequest

router = Router(tags=["chat"])

MAX_OFFSET = 1000
BAN_FIELDS = {
    "channel_cid": Field(frozenset({EQ, IN})),
    "user_id": Field(frozenset({EQ, IN, NEQ, NIN})),
    "banned_by_id": Field(frozenset({EQ, IN, NEQ, NIN})),
    "created_at": Field(RANGE, datetime),
}
_BOUNDS = {"created_at_before": "created_before", "created_at_before_or_equal": "created_until",
           "created_at_after": "created_after", "created_at_after_or_equal": "created_from"}


class QueryBannedUsersPayload(Body):
    filter_conditions: dict
    sort: list[SortParam] | None = None
    limit: int | None = None
    offset: int | None = None
    exclude_expired_bans: bool | None = None
    created_at_before: str | None = None
    created_at_before_or_equal: str | None = None
    created_at_after: str | None = None
    created_at_after_or_equal: str | None = None
    user_id: str | None = None
    user: UserRequest | None = None


def banned_users(request: HttpRequest, payload: QueryBannedUsersPayload) -> list[Ban]:
    """The bans a query_banned_users payload asks for (both faces)."""
    caller = request.auth
    caller.require_moderator("query_banned_users")
    prefix = "payload.filter_conditions"
    conditions, _ = parse_filter(payload.filter_conditions, BAN_FIELDS, prefix=prefix)
    data: dict[str, str] = {}
    for name, ops in conditions.items():
        if name == "created_at":
            data.update(range_data(name, ops))
            continue
        if EQ in ops or IN in ops:
            data[name] = in_csv(ops.get(IN, [ops.get(EQ)]), f"{prefix}.{name}")
        if NEQ in ops or NIN in ops:
            data[f"{name}_not"] = in_csv(ops.get(NIN, [ops.get(NEQ)]), f"{prefix}.{name}")
    filterset = ban_filter(data)
    qs = filtered(filterset, prefix)
    bounds = {}
    for field, filter_name in _BOUNDS.items():
        value = getattr(payload, field)
        if value is not None:
            bounds[filter_name] = parse_datetime(value, f"payload.{field}").isoformat()
    if payload.exclude_expired_bans:
        bounds["in_force"] = "true"
    if not caller.is_server:
        bounds["app_wide"] = "false"  # seed 002: globally banned users only with server-side auth
    if bounds:  # a second pass: these may repeat a filter_conditions bound on created_at
        qs = BanFilter(data=bounds, queryset=qs).qs
    limit = payload.limit if payload.limit is not None else 25
    if not 1 <= limit <= 100:
        raise ModerationError.invalid("payload.limit", f"must be between 1 and 100, got {limit}")
    offset = payload.offset or 0
    if not 0 <= offset <= MAX_OFFSET:
        raise ModerationError.invalid("payload.offset",
                                      f"must be between 0 and {MAX_OFFSET}; page further with created_at")
    _, direction = sort_field(payload.sort, {"created_at"}, default=("created_at", 1), prefix="payload.sort")
    return list(qs.order_by(*BAN_ORDER["created_at" if direction == 1 else "-created_at"])[offset:offset + limit])


@router.get("/chat/query_banned_users", summary="query_banned_users: app-wide and channel bans")
def query_banned_users(request: HttpRequest) -> dict:
    bans = banned_users(request, payload_param(request, QueryBannedUsersPayload))
    people = [b.target for b in bans] + [b.banned_by for b in bans if b.banned_by is not None]
    states = user_states(people, with_mutes=False)
    return {"bans": [
        {"created_at": wire.ts(b.created_at), "expires": wire.ts(b.expires_at), "reason": b.reason,
         "shadow": b.shadow, "channel_cid": b.channel_cid,
         "user": wire.user_from_state(b.target, states.get(b.target_id)),
         "banned_by": wire.user_from_state(b.banned_by, states.get(b.banned_by_id)) if b.banned_by else None}
        for b in bans
    ]}


# --- query_message_flags -------------------------------------------------------------------------------------

MESSAGE_FLAG_FIELDS = {
    "channel_cid": Field(frozenset({EQ, IN})),
    "user_id": Field(frozenset({EQ, IN})),
    "is_reviewed": Field(frozenset({EQ}), bool),
    "created_at": Field(RANGE, datetime),
}


class QueryMessageFlagsPayload(Body):
    filter_conditions: dict | None = None
    sort: list[SortParam] | None = None
    limit: int | None = None
    offset: int | None = None
    user_id: str | None = None
    user: UserRequest | None = None
    show_deleted_messages: bool | None = None


def message_flags(request: HttpRequest, payload: QueryMessageFlagsPayload) -> list[Flag]:
    """Flags on chat messages, newest first unless `sort` says created_at ascending; limit/offset paging as
    Stream documents it (offset capped like query_banned_users)."""
    request.auth.require_moderator("query_message_flags")
    if payload.show_deleted_messages is False:
        raise ModerationError.invalid("payload.show_deleted_messages",
                                      "we keep no messages, so none are hidden as deleted; leave it unset or true")
    prefix = "payload.filter_conditions"
    conditions, _ = parse_filter(payload.filter_conditions or {}, MESSAGE_FLAG_FIELDS, prefix=prefix)
    data: dict[str, str] = {"entity_type": EntityType.MESSAGE}
    for name, ops in conditions.items():
        if name == "created_at":
            data.update(range_data(name, ops))
        elif name == "is_reviewed":
            data[name] = "true" if ops[EQ] else "false"
        else:
            data[name] = in_csv(ops.get(IN, [ops.get(EQ)]), f"{prefix}.{name}")
    qs = filtered(flag_filter(data), prefix).select_related(
        "item", "item__entity_creator", "item__reviewed_by")
    limit = payload.limit if payload.limit is not None else 25
    if not 1 <= limit <= 100:
        raise ModerationError.invalid("payload.limit", f"must be between 1 and 100, got {limit}")
    offset = payload.offset or 0
    if not 0 <= offset <= MAX_OFFSET:
        raise ModerationError.invalid("payload.offset", f"must be between 0 and {MAX_OFFSET}")
    _, direction = sort_field(payload.sort, {"created_at"}, default=("created_at", -1), prefix="payload.sort")
    order = ["created_at", "id"] if direction == 1 else ["-created_at", "-id"]
    return list(qs.order_by(*order)[offset:offset + limit])


@router.get("/chat/moderation/flags/message", summary="query_message_flags: flags on chat messages")
def query_message_flags(request: HttpRequest) -> dict:
    flags = message_flags(request, payload_param(request, QueryMessageFlagsPayload))
    return {"flags": [wire.message_flag(f) for f in flags]}


# --- channel mutes -------------------------------------------------------------------------------------------

MAX_CHANNELS_PER_CALL = 100


def channel_cids_of(channel_cid: str | None, channel_cids: list[str] | None) -> list[str]:
    """`channel_cid` (Stream Chat's SDKs) or `channel_cids` (getstream's): one list, duplicates dropped."""
    cids = ([channel_cid] if channel_cid is not None else []) + list(channel_cids or [])
    if not cids:
        raise ModerationError.invalid("channel_cids", "name at least one channel (channel_cid or channel_cids)")
    if len(cids) > MAX_CHANNELS_PER_CALL:
        raise ModerationError.invalid("channel_cids", f"at most {MAX_CHANNELS_PER_CALL} channels per call")
    return list(dict.fromkeys(cids))


def channel_muter(request: HttpRequest, user_id: str | None, user: UserRequest | None) -> EndUser:
    muter = request.auth.acting_user(user_id or (user.id if user else None), "user_id")
    if muter is None:
        raise ModerationError.invalid("user_id", "is required with a server-side token (who mutes)")
    return muter


def mute_channels(request: HttpRequest, *, user_id: str | None, user: UserRequest | None, cids: list[str],
                  expiration: int | None) -> tuple[EndUser, list[ChannelMute]]:
    muter = channel_muter(request, user_id, user)
    with transaction.atomic():  # all channels or none
        mutes = [actions.mute_channel(user=muter, channel_cid=cid, actor=muter, expiration_ms=expiration,
                                      field=f"channel_cids.{i}") for i, cid in enumerate(cids)]
    return muter, mutes


def unmute_channels(request: HttpRequest, *, user_id: str | None, user: UserRequest | None,
                    cids: list[str]) -> None:
    muter = channel_muter(request, user_id, user)
    with transaction.atomic():
        for i, cid in enumerate(cids):
            actions.unmute_channel(user=muter, channel_cid=cid, actor=muter, field=f"channel_cids.{i}")


class MuteChannelBody(Body):
    channel_cids: list[str] | None = None
    channel_cid: str | None = None
    expiration: int | None = None
    user_id: str | None = None
    user: UserRequest | None = None


@router.post("/chat/moderation/mute/channel", summary="mute_channel (expiration in milliseconds)")
def mute_channel(request: HttpRequest, data: MuteChannelBody) -> dict:
    muter, mutes = mute_channels(request, user_id=data.user_id, user=data.user,
                                 cids=channel_cids_of(data.channel_cid, data.channel_cids), expiration=data.expiration)
    states = user_states([muter])
    own = wire.full_user(muter, states)
    rendered = [wire.channel_mute(m, user_data=wire.user_from_state(muter, states.get(muter.pk))) for m in mutes]
    return {"channel_mute": rendered[0] if len(rendered) == 1 else None, "channel_mutes": rendered, "own_user": own}


class UnmuteChannelBody(Body):
    channel_cids: list[str] | None = None
    channel_cid: str | None = None
    expiration: int | None = None
    user_id: str | None = None
    user: UserRequest | None = None


@router.post("/chat/moderation/unmute/channel", summary="unmute_channel")
def unmute_channel(request: HttpRequest, data: UnmuteChannelBody) -> dict:
    if data.expiration is not None:
        raise ModerationError.invalid("expiration", "an unmute takes no expiration; leave it unset")
    unmute_channels(request, user_id=data.user_id, user=data.user,
                    cids=channel_cids_of(data.channel_cid, data.channel_cids))
    return {"non_existing_users": []}


# --- query_future_channel_bans -------------------------------------------------------------------------------

class QueryFutureChannelBansPayload(Body):
    user_id: str | None = None
    target_user_id: str | None = None
    exclude_expired_bans: bool | None = None
    limit: int | None = None
    offset: int | None = None
    created_at_before: str | None = None
    created_at_before_or_equal: str | None = None
    created_at_after: str | None = None
    created_at_after_or_equal: str | None = None
    include_total: bool | None = None
    user: UserRequest | None = None


def future_bans(request: HttpRequest, payload: QueryFutureChannelBansPayload) -> list[FutureChannelBan]:
    """Future-channel bans made by `user_id` (a user token: by the caller), optionally against `target_user_id`;
    oldest first, limit/offset paging."""
    caller = request.auth
    if payload.include_total:
        raise ModerationError.invalid("payload.include_total", "totals are not counted here; leave it unset")
    banner_id = payload.user_id or (payload.user.id if payload.user else None)
    if not caller.is_server:
        banner_id = caller.acting_user(banner_id, "payload.user_id").pk
    data: dict[str, str] = {}
    if banner_id:
        data["user_id"] = in_csv([banner_id], "payload.user_id")
    if payload.target_user_id:
        data["target_user_id"] = in_csv([payload.target_user_id], "payload.target_user_id")
    for field, filter_name in _BOUNDS.items():
        value = getattr(payload, field)
        if value is not None:
            data[filter_name] = parse_datetime(value, f"payload.{field}").isoformat()
    if payload.exclude_expired_bans:
        data["in_force"] = "true"
    qs = filtered(future_ban_filter(data), "payload")
    limit = payload.limit if payload.limit is not None else 25
    if not 1 <= limit <= 100:
        raise ModerationError.invalid("payload.limit", f"must be between 1 and 100, got {limit}")
    offset = payload.offset or 0
    if not 0 <= offset <= MAX_OFFSET:
        raise ModerationError.invalid("payload.offset", f"must be between 0 and {MAX_OFFSET}")
    return list(qs.order_by("created_at", "id")[offset:offset + limit])


def future_ban_states(bans: list[FutureChannelBan]) -> dict:
    return user_states([p for b in bans for p in (b.target, b.banned_by)], with_mutes=False)


@router.get("/chat/query_future_channel_bans", summary="query_future_channel_bans (GET with ?payload=<json>)")
def query_future_channel_bans(request: HttpRequest) -> dict:
    bans = future_bans(request, payload_param(request, QueryFutureChannelBansPayload))
    states = future_ban_states(bans)
    return {"bans": [wire.future_channel_ban(b, states) for b in bans]}
