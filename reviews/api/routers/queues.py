"""Custom review queues: list_queues, create_queue, get_queue, update_queue, delete_queue (getstream 7.0.0).

A queue is a named, saved `query_review_queue` filter and sort; `query_review_queue` with
`filter: {"queue_id": id}` lists one (reviews/api/queue_scope.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from reviews.actions import custom_queues as queue_actions
from reviews.errors import ModerationError
from reviews.models import CustomQueue
from reviews.selectors.custom_queues import item_count
from reviews.selectors.queue import queue_filter

from .. import wire
from ..filters import filtered, sort_field
from ..queue_scope import QUEUE_KEY, queue_by_id
from ..schemas import Body, UserRequest
from .moderation import QUEUE_SORTS, translate_queue_filter

router = Router(tags=["queues"])


# --- wire shapes ----------------------------------------------------------------------------------------------


class ModerationQueueOut(Schema):
    """Stream's ModerationQueueResponse. `item_count` counts the items the filter selects up to 1,000."""

    id: str
    name: str
    type: str
    description: str
    created_by: str
    created_at: int
    updated_at: int
    item_count: int
    sort: list[dict[str, Any]]
    filters: dict[str, Any]


class QueueOut(Schema):
    queue: ModerationQueueOut | None = None


class ListQueuesOut(Schema):
    queues: list[ModerationQueueOut]


def queue_response(queue: CustomQueue, *, count: bool = True) -> dict[str, Any]:
    return {
        "id": str(queue.pk), "name": queue.name, "type": queue.type, "description": queue.description,
        "created_by": queue.created_by,
        "created_at": wire.ts(queue.created_at), "updated_at": wire.ts(queue.updated_at),
        "item_count": item_count(queue)[0] if count else 0,
        "sort": list(queue.sort or []), "filters": dict(queue.filters or {}),
    }


# --- validation: the same parser as query_review_queue -------------------------------------------------------


def clean_filters(filters: dict[str, Any] | None) -> dict[str, Any] | None:
    if filters is None:
        return None
    if QUEUE_KEY in filters:
        raise ModerationError.invalid(f"filters.{QUEUE_KEY}", "a queue's filter cannot name another queue")
    data, _ = translate_queue_filter(filters, prefix="filters")
    filtered(queue_filter(data, with_people=False), "filters")
    return filters


def clean_sort(sort: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    if sort is None:
        return None
    if sort:
        sort_field(sort, {f for f, _ in QUEUE_SORTS}, default=("created_at", -1), prefix="sort")
        unknown = set(sort[0]) - {"field", "direction", "type"}
        if unknown:
            raise ModerationError.invalid(f"sort.{sorted(unknown)[0]}", "unknown sort key; use field and direction")
    return sort


# --- routes ---------------------------------------------------------------------------------------------------


@router.get("/moderation/queues", response=ListQueuesOut,
            summary="list_queues: every custom queue (user_id's assigned queues first)")
def list_queues(request: HttpRequest, user_id: str | None = None) -> dict:
    request.auth.require_moderator("list_queues")
    viewer = request.auth.acting_user(user_id) if user_id or not request.auth.is_server else None
    queues = CustomQueue.objects.order_by("name")
    if viewer is not None:
        mine = set(viewer.assigned_queues.values_list("pk", flat=True))
        queues = sorted(queues, key=lambda q: (q.pk not in mine, q.name))
    return {"queues": [queue_response(q) for q in queues]}


class CreateQueueBody(Body):
    name: str
    type: str
    description: str | None = None
    user_id: str | None = None
    sort: list[dict[str, Any]] | None = None
    filters: dict[str, Any] | None = None
    user: UserRequest | None = None


def _actor(request: HttpRequest, user_id: str | None, user: UserRequest | None):
    return request.auth.acting_user(user_id or (user.id if user else None))


@router.post("/moderation/queues", response=QueueOut, summary="create_queue: a named, saved filter and sort")
def create_queue(request: HttpRequest, data: CreateQueueBody) -> dict:
    request.auth.require_moderator("create_queue")
    queue = queue_actions.create_queue(
        name=data.name, type=data.type, description=data.description, filters=clean_filters(data.filters),
        sort=clean_sort(data.sort), actor=_actor(request, data.user_id, data.user))
    return {"queue": queue_response(queue)}


@router.get("/moderation/queues/{id}", response=QueueOut, summary="get_queue")
def get_queue(request: HttpRequest, id: str, user_id: str | None = None) -> dict:
    request.auth.require_moderator("get_queue")
    request.auth.acting_user(user_id)
    return {"queue": queue_response(queue_by_id(id, "id"))}


class UpdateQueueBody(Body):
    name: str | None = None
    description: str | None = None
    user_id: str | None = None
    sort: list[dict[str, Any]] | None = None
    filters: dict[str, Any] | None = None
    user: UserRequest | None = None


@router.patch("/moderation/queues/{id}", response=QueueOut,
              summary="update_queue: name, description, filters, sort (absent fields are kept)")
def update_queue(request: HttpRequest, id: str, data: UpdateQueueBody) -> dict:
    request.auth.require_moderator("update_queue")
    queue = queue_by_id(id, "id")
    queue = queue_actions.update_queue(
        queue_id=queue.pk, name=data.name, description=data.description, filters=clean_filters(data.filters),
        sort=clean_sort(data.sort), actor=_actor(request, data.user_id, data.user))
    return {"queue": queue_response(queue)}


class DeleteQueueBody(Body):
    user_id: str | None = None
    user: UserRequest | None = None


@router.post("/moderation/queues/{id}/delete", response=QueueOut,
             summary="delete_queue: the queue goes, its items stay")
def delete_queue(request: HttpRequest, id: str, data: DeleteQueueBody) -> dict:
    request.auth.require_moderator("delete_queue")
    queue = queue_by_id(id, "id")
    deleted = queue_actions.delete_queue(queue_id=queue.pk, actor=_actor(request, data.user_id, data.user))
    return {"queue": queue_response(deleted, count=False)}
