"""Chat: query_banned_users (GET with ?payload=<json>), with exactly seed 002's fields and operators."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router

from reviews.errors import ModerationError
from reviews.selectors.bans import BAN_ORDER, BanFilter, ban_filter
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


@router.get("/chat/query_banned_users", summary="query_banned_users: app-wide and channel bans")
def query_banned_users(request: HttpRequest) -> dict:
    caller = request.auth
    caller.require_moderator("query_banned_users")
    payload = payload_param(request, QueryBannedUsersPayload)
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
    bans = list(qs.order_by(*BAN_ORDER["created_at" if direction == 1 else "-created_at"])[offset:offset + limit])
    people = [b.target for b in bans] + [b.banned_by for b in bans if b.banned_by is not None]
    states = user_states(people, with_mutes=False)
    return {"bans": [
        {"created_at": wire.ts(b.created_at), "expires": wire.ts(b.expires_at), "reason": b.reason,
         "shadow": b.shadow, "channel_cid": b.channel_cid,
         "user": wire.user_from_state(b.target, states.get(b.target_id)),
         "banned_by": wire.user_from_state(b.banned_by, states.get(b.banned_by_id)) if b.banned_by else None}
        for b in bans
    ]}
