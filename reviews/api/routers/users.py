"""Users: upsert, partial update, query, (de/re)activation, bulk tasks, blocks."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router

from reviews import actions
from reviews.actions.users import USER_FIELDS
from reviews.errors import ModerationError
from reviews.models import EndUser, Task, UserBlock
from reviews.selectors.users import UserFilter, user_states
from reviews.services.bulk import start_user_task

from .. import wire
from ..filters import EQ, IN, Field, filtered, in_csv, parse_filter, payload_param, sort_field
from ..schemas import Body, SortParam, UserRequest

router = Router(tags=["users"])

MAX_USERS_PER_CALL = 100
MAX_QUERY_OFFSET = 1000
USER_FILTERS = {
    "id": Field(frozenset({EQ, IN})),
    "role": Field(frozenset({EQ, IN})),
    "banned": Field(frozenset({EQ}), bool),
    "shadow_banned": Field(frozenset({EQ}), bool),
    "deactivated": Field(frozenset({EQ}), bool),
}
USER_SORTS = {"id": "id", "created_at": "created_at", "updated_at": "updated_at"}


def _users_response(users: list[EndUser]) -> dict[str, Any]:
    states = user_states(users)
    return {"membership_deletion_task_id": "", "users": {u.pk: wire.full_user(u, states) for u in users}}


def _may_edit(request: HttpRequest, user_id: str, fields: dict[str, Any], where: str) -> None:
    """User tokens may edit only their own profile, and never their role."""
    caller = request.auth
    if caller.is_server:
        return
    if user_id != caller.user.pk:
        raise ModerationError.not_allowed(f"{where}: a user token may only update its own user")
    if "role" in fields and fields["role"] != caller.user.role:
        raise ModerationError.not_allowed(f"{where}.role: only a server-side token may change a role")


def _check_count(n: int, field: str) -> None:
    if n == 0:
        raise ModerationError.invalid(field, "must not be empty")
    if n > MAX_USERS_PER_CALL:
        raise ModerationError.invalid(field, f"at most {MAX_USERS_PER_CALL} users per call, got {n}")


class UpdateUsersBody(Body):
    users: dict[str, UserRequest]


@router.post("/users", summary="update_users / create_user / upsert_users")
def update_users(request: HttpRequest, data: UpdateUsersBody) -> dict:
    _check_count(len(data.users), "users")
    plan = []
    for key, user in data.users.items():
        if user.id != key:
            raise ModerationError.invalid(f"users.{key}.id", f"must equal its key {key!r}, got {user.id!r}")
        fields = user.model_dump(exclude_none=True, exclude={"id", "teams_role", "privacy_settings"})
        extra = {k: v for k, v in fields.items() if k not in USER_FIELDS}
        known = {k: v for k, v in fields.items() if k in USER_FIELDS}
        _may_edit(request, key, known, f"users.{key}")
        plan.append((key, known, extra))
    with transaction.atomic():  # one bad user leaves the others unwritten too
        users = [actions.upsert_user(user_id=k, fields=f, extra_custom=x or None, actor=request.auth.user)
                 for k, f, x in plan]
    return _users_response(users)


class PartialUpdate(Body):
    id: str
    set: dict[str, Any] | None = None
    unset: list[str] | None = None


class UpdateUsersPartialBody(Body):
    users: list[PartialUpdate]


@router.patch("/users", summary="update_users_partial")
def update_users_partial(request: HttpRequest, data: UpdateUsersPartialBody) -> dict:
    _check_count(len(data.users), "users")
    for i, change in enumerate(data.users):
        if not change.id.strip():
            raise ModerationError.invalid(f"users.{i}.id", "is required and must not be empty")
        _may_edit(request, change.id, change.set or {}, f"users.{i}")
    with transaction.atomic():
        users = [actions.partial_update_user(user_id=c.id, set_fields=c.set or {}, unset=c.unset or [],
                                             actor=request.auth.user) for c in data.users]
    return _users_response(users)


class QueryUsersPayload(Body):
    filter_conditions: dict[str, Any]
    sort: list[SortParam] | None = None
    limit: int | None = None
    offset: int | None = None
    id_gt: str | None = None
    id_gte: str | None = None
    id_lt: str | None = None
    id_lte: str | None = None
    include_deactivated_users: bool | None = None
    presence: bool | None = None
    user_id: str | None = None


@router.get("/users", summary="query_users (GET with ?payload=<json>)")
def query_users(request: HttpRequest) -> dict:
    payload = payload_param(request, QueryUsersPayload)
    conditions, _ = parse_filter(payload.filter_conditions, USER_FILTERS, prefix="payload.filter_conditions")
    if "shadow_banned" in conditions and not request.auth.is_moderator:
        # Shadow-ban state is for administrators only (reviews/api/privacy.py): a filter would tell it too.
        raise ModerationError.not_allowed("payload.filter_conditions.shadow_banned: only server-side tokens and "
                                          "moderators may filter on shadow bans")
    limit = payload.limit if payload.limit is not None else 30
    if not 1 <= limit <= 100:
        raise ModerationError.invalid("payload.limit", f"must be between 1 and 100, got {limit}")
    offset = payload.offset or 0
    if not 0 <= offset <= MAX_QUERY_OFFSET:
        raise ModerationError.invalid(
            "payload.offset", f"must be between 0 and {MAX_QUERY_OFFSET}; page further with id_gt"
        )
    field, direction = sort_field(payload.sort, set(USER_SORTS), default=("id", 1), prefix="payload.sort")

    data: dict[str, Any] = {}
    for name, ops in conditions.items():
        value = ops.get(IN, [ops.get(EQ)])
        if name in ("id", "role"):
            data[name] = in_csv([str(v) for v in value], f"payload.filter_conditions.{name}")
        else:
            data[name] = ops[EQ]
    for bound in ("id_gt", "id_gte", "id_lt", "id_lte"):
        if getattr(payload, bound) is not None:
            data[bound] = getattr(payload, bound)
    if "deactivated" not in data and not payload.include_deactivated_users:
        data["deactivated"] = False
    filterset = UserFilter(data=data, queryset=EndUser.objects.all())
    qs = filtered(filterset, "payload.filter_conditions")
    order = USER_SORTS[field]
    ordering = [order, "id"] if order != "id" else ["id"]
    if direction == -1:
        ordering = [f"-{o}" for o in ordering]
    users = list(qs.order_by(*ordering)[offset:offset + limit])
    states = user_states(users)
    return {"users": [wire.full_user(u, states) for u in users]}


def _target(user_id: str, field: str = "user_id") -> EndUser:
    if not user_id or not user_id.strip():
        raise ModerationError.invalid(field, "is required and must not be empty")
    user = EndUser.objects.filter(pk=user_id).first()
    if user is None:
        raise ModerationError.not_found("user", user_id)
    return user


class DeactivateUserBody(Body):
    created_by_id: str | None = None
    mark_messages_deleted: bool | None = None


def _moderate_one(request: HttpRequest, what: str, user_id: str, created_by_id: str | None) -> tuple:
    request.auth.require_moderator(what)
    return request.auth.acting_user(created_by_id, "created_by_id"), _target(user_id)


@router.post("/users/{user_id}/deactivate", summary="deactivate_user")
def deactivate_user(request: HttpRequest, user_id: str, data: DeactivateUserBody | None = None) -> dict:
    data = data or DeactivateUserBody()
    actor, target = _moderate_one(request, "deactivate_user", user_id, data.created_by_id)
    actions.deactivate_user(target=target, actor=actor, mark_messages_deleted=bool(data.mark_messages_deleted))
    target.refresh_from_db()
    return {"user": wire.user_with_state(target)}


class ReactivateUserBody(Body):
    created_by_id: str | None = None
    name: str | None = None
    restore_messages: bool | None = None


@router.post("/users/{user_id}/reactivate", summary="reactivate_user")
def reactivate_user(request: HttpRequest, user_id: str, data: ReactivateUserBody | None = None) -> dict:
    data = data or ReactivateUserBody()
    actor, target = _moderate_one(request, "reactivate_user", user_id, data.created_by_id)
    with transaction.atomic():
        actions.reactivate_user(target=target, actor=actor, restore_messages=bool(data.restore_messages))
        if data.name:
            actions.partial_update_user(user_id=target.pk, set_fields={"name": data.name}, unset=[], actor=actor)
    target.refresh_from_db()
    return {"user": wire.user_with_state(target)}


class BulkUsersBody(Body):
    user_ids: list[str]
    created_by_id: str | None = None
    mark_messages_deleted: bool | None = None
    mark_channels_deleted: bool | None = None
    restore_messages: bool | None = None
    restore_channels: bool | None = None


def _start_bulk(request: HttpRequest, kind: str, data: BulkUsersBody, option_names: tuple[str, ...]) -> dict:
    request.auth.require_moderator(kind)
    actor = request.auth.acting_user(data.created_by_id, "created_by_id")
    options = {name: bool(getattr(data, name)) for name in option_names if getattr(data, name) is not None}
    task = start_user_task(kind=kind, user_ids=data.user_ids, actor=actor, options=options)
    return {"task_id": str(task.pk)}


@router.post("/users/deactivate", summary="deactivate_users (bulk; returns task_id)")
def deactivate_users(request: HttpRequest, data: BulkUsersBody) -> dict:
    return _start_bulk(request, "deactivate_users", data, ("mark_messages_deleted", "mark_channels_deleted"))


@router.post("/users/reactivate", summary="reactivate_users (bulk; returns task_id)")
def reactivate_users(request: HttpRequest, data: BulkUsersBody) -> dict:
    return _start_bulk(request, "reactivate_users", data, ("restore_messages", "restore_channels"))


@router.get("/tasks/{task_id}", summary="get_task: status and progress of a bulk task")
def get_task(request: HttpRequest, task_id: str) -> dict:
    try:
        pk = uuid.UUID(task_id)
    except ValueError:
        raise ModerationError.invalid("id", f"{task_id!r} is not a task id") from None
    task = Task.objects.filter(pk=pk).first()
    caller = request.auth
    if task is None or not (caller.is_moderator or task.created_by_id == caller.user.pk):
        raise ModerationError.not_found("task", task_id)
    return wire.task(task)


class BlockBody(Body):
    blocked_user_id: str
    user_id: str | None = None


def _blocker(request: HttpRequest, user_id: str | None) -> EndUser:
    blocker = request.auth.acting_user(user_id, "user_id")
    if blocker is None:
        raise ModerationError.invalid("user_id", "is required with a server-side token (who blocks)")
    return blocker


@router.post("/users/block", summary="block_users")
def block_users(request: HttpRequest, data: BlockBody) -> dict:
    blocker = _blocker(request, data.user_id)
    blocked = actions.ensure_user(data.blocked_user_id, field="blocked_user_id")
    block = actions.block_user(blocker=blocker, blocked=blocked, actor=blocker)
    return {"blocked_by_user_id": blocker.pk, "blocked_user_id": blocked.pk, "created_at": wire.ts(block.created_at)}


@router.post("/users/unblock", summary="unblock_users")
def unblock_users(request: HttpRequest, data: BlockBody) -> dict:
    blocker = _blocker(request, data.user_id)
    blocked = _target(data.blocked_user_id, "blocked_user_id")
    actions.unblock_user(blocker=blocker, blocked=blocked, actor=blocker)
    return {}


@router.get("/users/block", summary="get_blocked_users")
def get_blocked_users(request: HttpRequest, user_id: str | None = None) -> dict:
    blocker = _blocker(request, user_id)
    blocks = list(UserBlock.objects.filter(blocker=blocker).select_related("blocker", "blocked")
                  .order_by("-created_at", "-id")[:1000])
    states = user_states([blocker, *[b.blocked for b in blocks]], with_mutes=False)
    return {"blocks": [
        {"user_id": b.blocker_id, "blocked_user_id": b.blocked_id, "created_at": wire.ts(b.created_at),
         "user": wire.user_from_state(b.blocker, states.get(b.blocker_id)),
         "blocked_user": wire.user_from_state(b.blocked, states.get(b.blocked_id))}
        for b in blocks
    ]}
