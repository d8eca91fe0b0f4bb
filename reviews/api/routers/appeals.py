"""Appeals: appeal, get_appeal, query_appeals, bulk_action_appeals, and submit_action with an appeal_id."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router

from reviews.actions import appeals as appeal_actions
from reviews.actions.appeals import VerbOptions
from reviews.errors import ModerationError
from reviews.models import Appeal, ReviewQueueItem
from reviews.payloads import appeal as appeal_payload
from reviews.selectors.appeals import APPEAL_SORTS, appeal_filter, with_logs
from reviews.selectors.pagination import keyset_page
from reviews.selectors.users import user_states

from .. import wire
from ..filters import EQ, IN, RANGE, Field, filtered, in_csv, page_limit, parse_filter, range_data, sort_field, validate
from ..schemas import Body, ListQuery, UserRequest

router = Router(tags=["appeals"])
MAX_BULK = 100


def _uuid(value: Any, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        raise ModerationError.invalid(field, f"{value!r} is not an appeal id (a UUID)") from None


def appeal_items(appeals: list[Appeal], *, moderator: bool = True) -> list[dict[str, Any]]:
    """AppealItemResponse for a page of appeals: the appeal, the contested decision
    (`original_moderation_action`), how it was decided (`moderation_action`), the log of its item and the
    content (`entity_content`). A fixed number of queries, any page size. The appellant (`moderator=False`)
    sees only the decision and their appeal's entries in `actions`: the item's log names who reported them."""
    with_logs(appeals)
    states = user_states([a.user for a in appeals], with_mutes=False)
    out = []
    for appeal in appeals:
        data = appeal_payload(appeal)
        shown = appeal.log if moderator else [e for e in [appeal.decision_entry, *appeal.entries] if e is not None]
        data["actions"] = [wire.action_log(e) for e in shown]
        data["original_moderation_action"] = (wire.action_log(appeal.decision_entry)
                                              if appeal.decision_entry is not None else None)
        decided = [e for e in appeal.entries if e.action != "appeal"]
        data["moderation_action"] = wire.action_log(decided[-1]) if decided else None
        if appeal.item is not None:
            payload = dict(appeal.item.moderation_payload or {})
            data["entity_content"] = {k: payload[k] for k in ("texts", "images", "videos", "custom") if k in payload}
        data["user"] = wire.user_from_state(appeal.user, states.get(appeal.user_id))
        out.append(data)
    return out


def _load(appeal_id: str, field: str = "id") -> Appeal:
    appeal = Appeal.objects.select_related("user", "item", "ban", "decided_by").filter(
        pk=_uuid(appeal_id, field)).first()
    if appeal is None:
        raise ModerationError.not_found("appeal", appeal_id)
    return appeal


# --- appeal -------------------------------------------------------------------------------------------------

class AppealBody(Body):
    appeal_reason: str
    entity_id: str
    entity_type: str
    review_queue_item_id: str | None = None
    attachments: list[str] | None = None
    user_id: str | None = None
    user: UserRequest | None = None


@router.post("/moderation/appeal", summary="appeal: a user contests a ban of their account or a removal/block "
                                            "of their content")
def appeal(request: HttpRequest, data: AppealBody) -> dict:
    caller = request.auth
    appellant = caller.acting_user(data.user_id or (data.user.id if data.user else None), "user_id")
    if appellant is None:
        raise ModerationError.invalid("user_id", "is required with a server-side token (whose appeal it is)")
    context = None
    if data.review_queue_item_id:
        context = ReviewQueueItem.objects.filter(pk=_uuid(data.review_queue_item_id, "review_queue_item_id")).first()
        if context is None:
            raise ModerationError.invalid("review_queue_item_id",
                                          f"review queue item {data.review_queue_item_id!r} does not exist")
    filed, _ = appeal_actions.create_appeal(
        appellant=appellant, entity_type=data.entity_type, entity_id=data.entity_id, appeal_reason=data.appeal_reason,
        attachments=data.attachments, review_queue_item=context, actor=appellant)
    return {"appeal_id": str(filed.pk)}


def _visible(request: HttpRequest, appeal: Appeal) -> Appeal:
    caller = request.auth
    if not caller.is_moderator and appeal.user_id != caller.user.pk:
        raise ModerationError.not_allowed(f"appeal {str(appeal.pk)!r} is not user {caller.user.pk!r}'s; a user "
                                          "token reads only its own appeals")
    return appeal


@router.get("/moderation/appeal/{id}", summary="get_appeal (moderators; a user token: its own)")
def get_appeal(request: HttpRequest, id: str) -> dict:
    return {"item": appeal_items([_visible(request, _load(id))], moderator=request.auth.is_moderator)[0]}


# --- query_appeals ------------------------------------------------------------------------------------------

_IDS = frozenset({EQ, IN})
APPEAL_FIELDS = {
    "id": Field(_IDS), "status": Field(_IDS), "entity_type": Field(_IDS), "entity_id": Field(_IDS),
    "user_id": Field(_IDS), "decision": Field(_IDS), "review_queue_item_id": Field(_IDS),
    "decided_by_id": Field(_IDS), "created_at": Field(RANGE, datetime), "updated_at": Field(RANGE, datetime),
}


def appeal_filter_data(raw: Any) -> dict[str, str]:
    """Stream's filter object -> the AppealFilter's data (400 naming any unknown field, operator or value)."""
    conditions, _ = parse_filter(raw, APPEAL_FIELDS, prefix="filter")
    data: dict[str, str] = {}
    for name, ops in conditions.items():
        where = f"filter.{name}"
        if name in ("created_at", "updated_at"):
            data.update(range_data(name, ops))
            continue
        values = ops.get(IN, [ops.get(EQ)])
        if name in ("id", "review_queue_item_id"):
            values = [str(_uuid(v, where)) for v in values]
        if name == "status":
            bad = [v for v in values if v not in Appeal.Status.values]
            if bad:
                raise ModerationError.invalid(where,
                                              f"unknown status {bad[0]!r}; use {', '.join(Appeal.Status.values)}")
        if name == "decision":
            bad = [v for v in values if v not in Appeal.Decision.values]
            if bad:
                raise ModerationError.invalid(where,
                                              f"unknown decision {bad[0]!r}; use {', '.join(Appeal.Decision.values)}")
        data[name] = in_csv(values, where)
    return data


@router.post("/moderation/appeals", summary="query_appeals (filter, sort, cursor; a user token: its own)")
def query_appeals(request: HttpRequest, data: ListQuery) -> dict:
    caller = request.auth
    own = None if caller.is_moderator else caller.user.pk
    field, direction = sort_field(data.sort, {"created_at", "updated_at"}, default=("created_at", -1))
    qs = filtered(appeal_filter(appeal_filter_data(data.filter), user_id=own), "filter")
    page = keyset_page(qs, APPEAL_SORTS[(field, direction)], limit=page_limit(data.limit), next_cursor=data.next,
                       prev_cursor=data.prev)
    return {"items": appeal_items(page.rows, moderator=own is None), "next": page.next, "prev": page.prev}


# --- deciding: bulk_action_appeals and submit_action --------------------------------------------------------

class UnbanOptions(Body):
    channel_cid: str | None = None
    decision_reason: str | None = None
    remove_future_channels_ban: bool | None = None
    target_user_id: str | None = None


class ReasonOnly(Body):
    decision_reason: str | None = None


class MarkReviewedOptions(Body):
    content_to_mark_as_reviewed_limit: int | None = None
    decision_reason: str | None = None
    disable_marking_content_as_reviewed: bool | None = None


class RejectOptions(Body):
    decision_reason: str


OPTION_MODELS: dict[str, type[Body]] = {
    "unban": UnbanOptions, "restore": ReasonOnly, "unblock": ReasonOnly, "mark_reviewed": MarkReviewedOptions,
    "reject_appeal": RejectOptions,
}


def verb_options(verb: str, raw: dict[str, Any] | None) -> tuple[str, VerbOptions]:
    """(decision_reason, options) from the verb's sub-object, every field honoured or refused."""
    if verb not in OPTION_MODELS:
        raise ModerationError.invalid("action_type", f"{verb!r} does not decide an appeal; use one of "
                                                     f"{', '.join(appeal_actions.VERBS)}")
    if verb == "reject_appeal" and raw is None:
        raise ModerationError.invalid("reject_appeal", "is required: reject_appeal.decision_reason says why")
    parsed = validate(OPTION_MODELS[verb], raw or {}, verb)
    options = VerbOptions()
    if isinstance(parsed, UnbanOptions):
        options.channel_cid = parsed.channel_cid or None
        options.target_user_id = parsed.target_user_id or None
        options.remove_future_channels_ban = bool(parsed.remove_future_channels_ban)
    if isinstance(parsed, MarkReviewedOptions):
        limit = parsed.content_to_mark_as_reviewed_limit
        if limit is not None and limit < 0:
            raise ModerationError.invalid("mark_reviewed.content_to_mark_as_reviewed_limit", "must be 0 or more")
        # An appeal has at most one item: a limit of 0 or `disable_marking...` leaves it as it is.
        options.mark_item_reviewed = not parsed.disable_marking_content_as_reviewed and limit != 0
    return parsed.decision_reason or "", options


class BulkActionAppealsBody(Body):
    action_type: str
    appeal_ids: list[str]
    user_id: str | None = None
    user: UserRequest | None = None
    mark_reviewed: dict[str, Any] | None = None
    reject_appeal: dict[str, Any] | None = None
    restore: dict[str, Any] | None = None
    unban: dict[str, Any] | None = None
    unblock: dict[str, Any] | None = None


@router.post("/moderation/appeals/bulk_action", summary="bulk_action_appeals: unban, restore, unblock, "
                                                         "mark_reviewed or reject_appeal on several appeals")
def bulk_action_appeals(request: HttpRequest, data: BulkActionAppealsBody) -> dict:
    caller = request.auth
    caller.require_moderator("bulk_action_appeals")
    verb = data.action_type
    reason, options = verb_options(verb, getattr(data, verb, None) if verb in OPTION_MODELS else None)
    if not data.appeal_ids:
        raise ModerationError.invalid("appeal_ids", "must name at least one appeal")
    if len(data.appeal_ids) > MAX_BULK:
        raise ModerationError.invalid("appeal_ids", f"at most {MAX_BULK} appeals at once")
    actor = caller.acting_user(data.user_id or (data.user.id if data.user else None), "user_id")
    results, errors, done = [], [], []
    for i, appeal_id in enumerate(dict.fromkeys(data.appeal_ids)):
        try:
            appeal = _load(appeal_id, f"appeal_ids.{i}")
            with transaction.atomic():  # one appeal's decision lands whole or not at all
                decided = appeal_actions.decide_appeal(appeal=appeal, actor=actor, verb=verb,
                                                       decision_reason=reason, options=options)
            done.append(decided.appeal)
        except ModerationError as exc:
            errors.append({"appeal_id": str(appeal_id), "error": exc.message})
    items = {a["id"]: a for a in appeal_items(list(Appeal.objects.select_related("user", "item", "ban")
                                                   .filter(pk__in=[a.pk for a in done])))}
    results = [{"appeal_id": str(a.pk), "appeal_item": items.get(str(a.pk))} for a in done]
    return {"results": results, "errors": errors}


def submit_appeal_action(request: HttpRequest, data: Any) -> dict:
    """submit_action with an `appeal_id` (or `reject_appeal`): decide that appeal with the named verb."""
    if not data.appeal_id:
        raise ModerationError.invalid("appeal_id", "is required for reject_appeal")
    verb = data.action_type
    reason, options = verb_options(verb, getattr(data, verb, None))
    appeal = _load(data.appeal_id, "appeal_id")
    if data.item_id and str(appeal.item_id) != str(data.item_id):
        raise ModerationError.invalid("item_id", f"appeal {data.appeal_id!r} is not about item {data.item_id!r}")
    actor = request.auth.acting_user(data.user_id or (data.user.id if data.user else None), "user_id")
    decided = appeal_actions.decide_appeal(appeal=appeal, actor=actor, verb=verb, decision_reason=reason,
                                           options=options)
    out: dict[str, Any] = {"appeal_item": appeal_items([_load(str(decided.appeal.pk))])[0]}
    if decided.warning:
        out["auto_restore_warning"] = decided.warning
    return out

