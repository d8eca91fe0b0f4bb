"""Moderation: ban/unban, mute/unmute, flag, the review queue, submit_action, logs and flags."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from ninja import Router
from pydantic import create_model

from reviews import actions
from reviews.actions import decisions, registry
from reviews.errors import ModerationError
from reviews.models import EndUser, Flag, ReviewQueueItem
from reviews.selectors import item_details
from reviews.selectors.logs import LOG_SORTS, flag_filter, log_filter
from reviews.selectors.pagination import keyset_page
from reviews.selectors.queue import SORTS, in_sort_order, queue_filter
from reviews.selectors.queue_stats import queue_stats
from reviews.selectors.users import user_states

from .. import queue_scope, ratelimit, wire
from ..filters import EQ, IN, RANGE, Field, filtered, in_csv, page_limit, parse_filter, range_data, sort_field
from ..schemas import Body, ListQuery, UserRequest

router = Router(tags=["moderation"])

ITEM_FLAGS_SHOWN = item_details.PER_ITEM  # per item in lists; a mass-flagged item must not load every flag
ITEM_ACTIONS_SHOWN = item_details.PER_ITEM


def _user_id_of(user_id: str | None, user: UserRequest | None) -> str | None:
    return user_id or (user.id if user else None)


# --- ban / unban -------------------------------------------------------------------------------------------

class BanBody(Body):
    target_user_id: str
    banned_by_id: str | None = None
    banned_by: UserRequest | None = None
    channel_cid: str | None = None
    # Stream Chat's SDKs name the channel with type + id (channel.ban_user); they change the ban's scope, so
    # they are honoured here too, never ignored.
    type: str | None = None
    id: str | None = None
    reason: str | None = None
    timeout: int | None = None
    shadow: bool | None = None
    ip_ban: bool | None = None
    delete_messages: str | None = None
    ban_from_future_channels: bool | None = None


def channel_of(channel_cid: str | None, channel_type: str | None, channel_id: str | None) -> str | None:
    """The ban's channel: `channel_cid`, or `type` + `id` (Stream Chat's form), which must agree when both given."""
    if channel_type is None and channel_id is None:
        return channel_cid or None
    if not channel_type or not str(channel_type).strip():
        raise ModerationError.invalid("type", "is required with id: type and id name the channel together")
    if not channel_id or not str(channel_id).strip():
        raise ModerationError.invalid("id", "is required with type: type and id name the channel together")
    cid = f"{channel_type}:{channel_id}"
    if channel_cid and channel_cid != cid:
        raise ModerationError.invalid("channel_cid", f"{channel_cid!r} disagrees with type:id {cid!r}")
    return cid


def _banner(request: HttpRequest, banned_by_id: str | None, field: str) -> EndUser:
    caller = request.auth
    if caller.is_server and not banned_by_id:
        raise ModerationError.invalid(field, "is required with a server-side token (who bans)")
    caller.require_moderator("banning")
    return caller.acting_user(banned_by_id, field)


def _user_scope(request: HttpRequest, channel_cid: str | None) -> None:
    """Seed 002: app-wide bans (and unbans) only with server-side auth."""
    if not request.auth.is_server and not channel_cid:
        raise ModerationError.not_allowed("channel_cid: banning from all channels needs a server-side token")


def ban_with_terms(request: HttpRequest, *, target_user_id: str, banned_by_id: str | None, banned_by_field: str,
                   channel_cid: str | None, reason: str | None, timeout: int | None, shadow: bool, ip_ban: bool,
                   delete_messages: str | None, delete_reactions: bool | None = None,
                   ban_from_future_channels: bool = False) -> None:
    """One ban request of either face (getstream's /api/v2/moderation/ban, Chat's /moderation/ban): checks,
    then the ban, the message deletion and the future-channel ban in one transaction."""
    if delete_messages is not None and delete_messages not in decisions.DELETE_MODES:
        raise ModerationError.invalid("delete_messages", "must be soft, pruning or hard")
    if delete_reactions and not delete_messages:
        raise ModerationError.invalid("delete_reactions", "needs delete_messages (soft, pruning or hard)")
    actor = _banner(request, banned_by_id, banned_by_field)
    _user_scope(request, channel_cid)
    params = {"target_user_id": target_user_id, "channel_cid": channel_cid, "reason": reason, "timeout": timeout,
              "shadow": shadow, "ip_ban": ip_ban, "delete_messages": delete_messages,
              "delete_reactions": delete_reactions}
    with transaction.atomic():
        applied = registry.apply("ban", actor=actor, params=params)
        if ban_from_future_channels:
            actions.ban_from_future_channels(target=applied.result.target, banned_by=actor, actor=actor,
                                             reason=reason or "", timeout_minutes=timeout, shadow=shadow)


@router.post("/moderation/ban", summary="ban (app-wide, or a channel by channel_cid or type + id; shadow; ip_ban)")
def ban(request: HttpRequest, data: BanBody) -> dict:
    ban_with_terms(
        request, target_user_id=data.target_user_id, banned_by_id=_user_id_of(data.banned_by_id, data.banned_by),
        banned_by_field="banned_by_id", channel_cid=channel_of(data.channel_cid, data.type, data.id),
        reason=data.reason, timeout=data.timeout, shadow=bool(data.shadow), ip_ban=bool(data.ip_ban),
        delete_messages=data.delete_messages, ban_from_future_channels=bool(data.ban_from_future_channels))
    return {}


class UnbanBody(Body):
    unbanned_by_id: str | None = None
    unbanned_by: UserRequest | None = None


def unban_with_terms(request: HttpRequest, *, target_user_id: str | None, channel_cid: str | None,
                     created_by: str | None, created_by_field: str = "created_by", shadow_only: bool = False,
                     remove_future_channels_ban: bool = False) -> None:
    """One unban request of either face: lift the ban in the scope (and the future-channel bans if asked)."""
    caller = request.auth
    caller.require_moderator("unbanning")
    _user_scope(request, channel_cid)
    actor = caller.acting_user(created_by, created_by_field)
    if not target_user_id or not target_user_id.strip():
        raise ModerationError.invalid("target_user_id", "is required and must not be empty")
    target = EndUser.objects.filter(pk=target_user_id).first()
    if target is None:
        raise ModerationError.not_found("user", target_user_id)
    with transaction.atomic():
        registry.apply("unban", actor=actor, params={"target_user_id": target.pk, "channel_cid": channel_cid or None,
                                                    "shadow_only": shadow_only})
        if remove_future_channels_ban:
            actions.lift_future_channel_bans(target=target, actor=actor,
                                             banned_by=actor if created_by else None)


@router.post("/moderation/unban", summary="unban (target_user_id, channel_cid, created_by in the query string)")
def unban(request: HttpRequest, target_user_id: str, channel_cid: str | None = None,
          created_by: str | None = None, data: UnbanBody | None = None) -> dict:
    data = data or UnbanBody()
    unban_with_terms(request, target_user_id=target_user_id, channel_cid=channel_cid or None,
                     created_by=created_by or _user_id_of(data.unbanned_by_id, data.unbanned_by))
    return {}


# --- mute / unmute ----------------------------------------------------------------------------------------

class MuteBody(Body):
    target_ids: list[str]
    user_id: str | None = None
    user: UserRequest | None = None
    timeout: int | None = None


def _muter_and_targets(request: HttpRequest, data) -> tuple[EndUser, list[EndUser], list[str]]:
    muter = request.auth.acting_user(_user_id_of(data.user_id, data.user), "user_id")
    if muter is None:
        raise ModerationError.invalid("user_id", "is required with a server-side token (who mutes)")
    if not data.target_ids:
        raise ModerationError.invalid("target_ids", "must not be empty")
    if len(data.target_ids) > 100:
        raise ModerationError.invalid("target_ids", "at most 100 users per call")
    if any(not t.strip() for t in data.target_ids):
        raise ModerationError.invalid("target_ids", "ids must not be empty")
    found = EndUser.objects.in_bulk(data.target_ids)
    missing = [t for t in dict.fromkeys(data.target_ids) if t not in found]
    return muter, [found[t] for t in dict.fromkeys(data.target_ids) if t in found], missing


@router.post("/moderation/mute", summary="mute (target_ids, timeout in minutes)")
def mute(request: HttpRequest, data: MuteBody) -> dict:
    muter, targets, missing = _muter_and_targets(request, data)
    with transaction.atomic():  # a user's own mutes, not a moderator's decision
        mutes = [registry.apply("mute", actor=muter, own=True,
                                params={"target_user_id": t.pk, "timeout": data.timeout}).result for t in targets]
    for m in mutes:
        m.user, m.target = muter, next(t for t in targets if t.pk == m.target_id)
    states = user_states([muter, *targets], with_mutes=False)
    return {"mutes": [wire.user_mute(m, states) for m in mutes], "non_existing_users": missing}


class UnmuteBody(Body):
    target_ids: list[str]
    user_id: str | None = None
    user: UserRequest | None = None


@router.post("/moderation/unmute", summary="unmute")
def unmute(request: HttpRequest, data: UnmuteBody) -> dict:
    muter, targets, missing = _muter_and_targets(request, data)
    with transaction.atomic():
        for target in targets:
            registry.apply("unmute", actor=muter, own=True, params={"target_user_id": target.pk})
    return {"non_existing_users": missing}


# --- flag -------------------------------------------------------------------------------------------------

class FlagBody(Body):
    entity_id: str
    entity_type: str
    entity_creator_id: str | None = None
    reason: str | None = None
    user_id: str | None = None
    user: UserRequest | None = None
    custom: dict[str, Any] | None = None
    moderation_payload: dict[str, Any] | None = None


def _flag(request: HttpRequest, data: FlagBody, actor_override: EndUser | None = None) -> ReviewQueueItem:
    """One flag of either face (getstream's and Chat's): the reporter's flag limit, then the flag verb."""
    reporter = actor_override or request.auth.acting_user(_user_id_of(data.user_id, data.user), "user_id")
    ratelimit.flag_hit(request, reporter)
    params = data.model_dump(include=set(registry.FlagParams.model_fields))
    return registry.apply("flag", actor=reporter, params=params).item


@router.post("/moderation/flag", summary="flag a user or a message; repeated flags update one queue item")
def flag(request: HttpRequest, data: FlagBody) -> dict:
    return {"item_id": str(_flag(request, data).pk)}



# --- review queue -----------------------------------------------------------------------------------------

_CHAR_IN = frozenset({EQ, IN})
QUEUE_FIELDS = {
    "id": Field(_CHAR_IN),
    "status": Field(_CHAR_IN),
    "entity_type": Field(_CHAR_IN),
    "entity_id": Field(_CHAR_IN),
    "entity_creator_id": Field(_CHAR_IN),
    "channel_cid": Field(_CHAR_IN),
    "recommended_action": Field(_CHAR_IN),
    "severity": Field(RANGE, object),
    "reviewed": Field(frozenset({EQ}), bool),
    "escalated": Field(frozenset({EQ}), bool),
    "has_text": Field(frozenset({EQ}), bool),
    "has_image": Field(frozenset({EQ}), bool),
    "created_at": Field(RANGE, datetime),
    "updated_at": Field(RANGE, datetime),
}
_FILTERSET_NAME = {"entity_creator_id": "creator"}
QUEUE_SORTS = {
    ("created_at", -1): "newest", ("created_at", 1): "oldest",
    ("updated_at", -1): "updated", ("updated_at", 1): "updated_asc",
    ("severity", -1): "severity", ("severity", 1): "severity_asc",
    ("flags_count", -1): "flags", ("flags_count", 1): "flags_asc",
}
_CUSTOM_KEY = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
_STRICT = {"$gt": "gt", "$lt": "lt", "$eq": "exact"}


def _uuids(values: list[str], where: str) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(v) for v in values]
    except ValueError:
        raise ModerationError.invalid(where, "must be review-queue item ids") from None


def _severity(value: int | str, where: str) -> int:
    if isinstance(value, int):
        return value
    try:
        return actions.queue.severity_from_label(value, where) if not value.isdigit() else int(value)
    except ModerationError:
        raise ModerationError.invalid(where, "must be 0-100 or one of low, medium, high, critical") from None


def translate_queue_filter(raw: Any, prefix: str = "filter") -> tuple[dict[str, str], Q]:
    """Stream's review-queue filter -> (data for reviews.selectors.queue.ReviewQueueFilter, extra Q).
    Unknown keys match `moderation_payload.custom`, as Stream documents."""
    conditions, custom = parse_filter(raw, QUEUE_FIELDS, prefix=prefix, unknown_ok=True)
    data: dict[str, str] = {}
    extra = Q()
    for name, ops in conditions.items():
        where = f"{prefix}.{name}"
        if name == "id":
            extra &= Q(id__in=_uuids(ops.get(IN, [ops.get(EQ)]), where))
        elif QUEUE_FIELDS[name].kind is bool:
            data[name] = "true" if ops[EQ] else "false"
        elif name == "severity":
            for op, value in ops.items():
                level = _severity(value, f"{where}.{op}")
                if op in ("$eq", "$gte"):
                    data["severity_min"] = str(max(level, int(data.get("severity_min", 0))))
                if op in ("$eq", "$lte"):
                    data["severity_max"] = str(level)
                if op == "$gt":
                    extra &= Q(severity__gt=level)
                if op == "$lt":
                    extra &= Q(severity__lt=level)
        elif name in ("created_at", "updated_at"):
            stem = name.removesuffix("_at")
            for op, value in ops.items():
                if op == "$gte":
                    data[f"{stem}_after"] = value.isoformat()
                elif op == "$lte":
                    data[f"{stem}_before"] = value.isoformat()
                else:
                    extra &= Q(**{f"{name}__{_STRICT[op]}": value})
        else:
            values = ops.get(IN, [ops.get(EQ)])
            if name == "status":
                bad = [v for v in values if v not in ReviewQueueItem.Status.values]
                if bad:
                    raise ModerationError.invalid(
                        where, f"unknown status {bad[0]!r}; use {', '.join(ReviewQueueItem.Status.values)}")
            data[_FILTERSET_NAME.get(name, name)] = in_csv(values, where)
    for key, value in custom.items():
        where = f"{prefix}.{key}"
        if not _CUSTOM_KEY.match(key) or "__" in key:
            raise ModerationError.invalid(where, "custom filter keys are letters, digits, '_' and '-'")
        ops = value if isinstance(value, dict) else {EQ: value}
        for op, operand in ops.items():
            if op == EQ:
                extra &= Q(**{f"moderation_payload__custom__{key}": operand})
            elif op == IN and isinstance(operand, list) and operand:
                extra &= Q(**{f"moderation_payload__custom__{key}__in": operand})
            else:
                raise ModerationError.invalid(where, f"unsupported operator {op} on custom data; use $eq or $in")
    return data, extra


def _with_details(items: list[ReviewQueueItem]) -> list[ReviewQueueItem]:
    """Recent flags (with reporters) and log entries for a page of items: two queries, any page size."""
    pks = [i.pk for i in items]
    flags = item_details.recent_flags(pks, ITEM_FLAGS_SHOWN)
    entries = item_details.recent_log_entries(pks, ITEM_ACTIONS_SHOWN)
    for item in items:
        item.recent_flags = flags.get(item.pk, [])
        item.recent_actions = entries.get(item.pk, [])
    return items


def _item(item: ReviewQueueItem) -> dict[str, Any]:
    data = wire.review_queue_item(
        item,
        flags=[wire.moderation_flag(f) for f in getattr(item, "recent_flags", [])],
        actions=[wire.action_log(e) for e in getattr(item, "recent_actions", [])],
    )
    data["content_state"] = item.content_state
    if item.lock_holder() and item.locked_by is not None:
        data["assigned_to"] = wire.user_response(item.locked_by)
    return data


class QueryReviewQueueBody(ListQuery):
    lock_items: bool | None = None
    lock_count: int | None = None
    lock_duration: int | None = None
    stats_only: bool | None = None
    exclude_default_action_config: bool | None = None


@router.post("/moderation/review_queue", summary="query_review_queue (filter, sort, cursor pages, lock_items)")
def query_review_queue(request: HttpRequest, data: QueryReviewQueueBody) -> dict:
    caller = request.auth
    caller.require_moderator("query_review_queue")
    limit = page_limit(data.limit)
    raw_filter, raw_sort = queue_scope.scoped(data.filter, data.sort)  # filter.queue_id: one custom queue
    field, direction = sort_field(raw_sort, {f for f, _ in QUEUE_SORTS}, default=("created_at", -1))
    keys = SORTS[QUEUE_SORTS[(field, direction)]]
    fs_data, extra = translate_queue_filter(raw_filter)
    filterset = queue_filter(fs_data)
    # The wire item names its creator by id only: join just the claim holder (shown as `assigned_to`).
    qs = filtered(filterset, "filter").filter(extra).select_related(None).select_related("locked_by")
    response: dict[str, Any] = {"action_config": {}, "stats": {}}
    if data.stats_only:  # bounded counts (reviews/selectors/queue_stats.py); a page of items carries none
        return {**response, "items": [], "stats": queue_stats(qs)}
    if data.lock_items:
        holder = caller.acting_user(_user_id_of(data.user_id, data.user), "user_id")
        if holder is None:
            raise ModerationError.invalid("user_id", "is required to lock items with a server-side token")
        sort = QUEUE_SORTS[(field, direction)]
        items = actions.claim_items(items_qs=in_sort_order(qs, sort), holder=holder,
                                    count=data.lock_count or min(limit, 25), duration_seconds=data.lock_duration)
        items = list(in_sort_order(ReviewQueueItem.objects.select_related("locked_by")
                                   .filter(pk__in=[i.pk for i in items]), sort))
        return {**response, "items": [_item(i) for i in _with_details(items)]}
    page = keyset_page(qs, keys, limit=limit, next_cursor=data.next, prev_cursor=data.prev)
    return {**response, "items": [_item(i) for i in _with_details(page.rows)], "next": page.next, "prev": page.prev}


def _get_item(item_id: str | None, field: str = "item_id") -> ReviewQueueItem:
    if not item_id or not item_id.strip():
        raise ModerationError.invalid(field, "is required and must not be empty")
    pk = _uuids([item_id], field)[0]
    item = ReviewQueueItem.objects.select_related("entity_creator", "locked_by").filter(pk=pk).first()
    if item is None:
        raise ModerationError.not_found("review queue item", item_id)
    return item


@router.get("/moderation/review_queue/{item_id}", summary="get_review_queue_item")
def get_review_queue_item(request: HttpRequest, item_id: str) -> dict:
    request.auth.require_moderator("get_review_queue_item")
    return {"item": _item(_with_details([_get_item(item_id, "id")])[0])}


# --- submit_action ----------------------------------------------------------------------------------------

# The body names the verb and carries its parameters in a sub-object named after it, one per verb the decision
# table offers the API (each validated against that verb's own schema in submit_action).
SubmitActionBody = create_model(
    "SubmitActionBody", __base__=Body, action_type=(str, ...), item_id=(str | None, None),
    appeal_id=(str | None, None), user_id=(str | None, None), user=(UserRequest | None, None),
    reject_appeal=(dict[str, Any] | None, None),  # deciding an appeal (routers/appeals.py)
    **{v.name: (dict[str, Any] | None, None) for v in registry.offered_on(registry.Face.API)},
)
UNSUPPORTED = {"unmask": "we keep no masked content", "bypass": "there is no bypass list here"}


def overrides_claims(request: HttpRequest) -> bool:
    """The claim policy's one exception: a server-side token whose JWT says `"override_claims": true` may decide
    an item a moderator holds (an app's own automation, a supervisor tool). Everyone else is refused."""
    caller = request.auth
    return caller.is_server and caller.claims.get("override_claims") is True


@router.post("/moderation/submit_action", summary="submit_action: one moderation decision on a queue item")
def submit_action(request: HttpRequest, data: SubmitActionBody) -> dict:
    caller = request.auth
    caller.require_moderator("submit_action")
    action = data.action_type
    if data.appeal_id or action == "reject_appeal":  # deciding an appeal: its own module
        from .appeals import submit_appeal_action

        return submit_appeal_action(request, data)
    if action in UNSUPPORTED:
        raise ModerationError.invalid("action_type", f"{action} is not supported: {UNSUPPORTED[action]}")
    verb = registry.get(action, face=registry.Face.API)
    params = registry.parse(verb, getattr(data, verb.name, None), strict=True)
    item = _get_item(data.item_id) if data.item_id or verb.needs_item else None
    actor = caller.acting_user(_user_id_of(data.user_id, data.user), "user_id")
    applied = registry.apply(verb, item=item, actor=actor, params=params, override_claim=overrides_claims(request))
    if applied.item is None:
        return {}
    return {"item": _item(_with_details([_get_item(str(applied.item.pk))])[0])}


# --- logs, flags, flag count ------------------------------------------------------------------------------

LOG_FIELDS = {
    "target_user_id": Field(_CHAR_IN), "user_id": Field(_CHAR_IN), "type": Field(_CHAR_IN),
    "item_id": Field(_CHAR_IN), "created_at": Field(RANGE, datetime),
}
FLAG_FIELDS = {
    "entity_type": Field(_CHAR_IN), "entity_id": Field(_CHAR_IN), "entity_creator_id": Field(_CHAR_IN),
    "user_id": Field(_CHAR_IN), "reason": Field(_CHAR_IN), "review_queue_item_id": Field(_CHAR_IN),
    "type": Field(_CHAR_IN), "created_at": Field(RANGE, datetime),
}


def _list_data(raw: Any, fields: dict[str, Field], id_fields: set[str]) -> dict[str, str]:
    conditions, _ = parse_filter(raw, fields, prefix="filter")
    data: dict[str, str] = {}
    for name, ops in conditions.items():
        if name == "created_at":
            data.update(range_data(name, ops))
            continue
        values = ops.get(IN, [ops.get(EQ)])
        if name in id_fields:
            values = [str(u) for u in _uuids(values, f"filter.{name}")]
        data[name] = in_csv(values, f"filter.{name}")
    return data


def _list_page(data: ListQuery, filterset, sorts) -> Any:
    qs = filtered(filterset, "filter")
    _, direction = sort_field(data.sort, {"created_at"}, default=("created_at", -1))
    keys = sorts["newest" if direction == -1 else "oldest"]
    return keyset_page(qs, keys, limit=page_limit(data.limit), next_cursor=data.next,
                       prev_cursor=data.prev)


@router.post("/moderation/logs", summary="query_moderation_logs")
def query_moderation_logs(request: HttpRequest, data: ListQuery) -> dict:
    request.auth.require_moderator("query_moderation_logs")
    page = _list_page(data, log_filter(_list_data(data.filter, LOG_FIELDS, {"item_id"})), LOG_SORTS)
    return {"logs": [wire.action_log(e) for e in page.rows], "next": page.next, "prev": page.prev}


@router.post("/moderation/flags", summary="query_moderation_flags")
def query_moderation_flags(request: HttpRequest, data: ListQuery) -> dict:
    request.auth.require_moderator("query_moderation_flags")
    fs = flag_filter(_list_data(data.filter, FLAG_FIELDS, {"review_queue_item_id"}))
    page = _list_page(data, fs, LOG_SORTS)
    return {"flags": [wire.moderation_flag(f) for f in page.rows], "next": page.next, "prev": page.prev}


class FlagCountBody(Body):
    entity_creator_id: str
    entity_type: str | None = None


@router.post("/moderation/flag_count", summary="get_flag_count: flags against one user's content")
def get_flag_count(request: HttpRequest, data: FlagCountBody) -> dict:
    request.auth.require_moderator("get_flag_count")
    if not data.entity_creator_id.strip():
        raise ModerationError.invalid("entity_creator_id", "is required and must not be empty")
    qs = Flag.objects.filter(entity_creator_id=data.entity_creator_id)
    if data.entity_type:
        qs = qs.filter(entity_type=data.entity_type)
    return {"count": qs.count()}

