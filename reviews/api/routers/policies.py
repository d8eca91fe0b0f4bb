"""Moderation configs (policies), blocklists and `check`."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Router
from pydantic import Field

from reviews import actions
from reviews.engines import images
from reviews.errors import ModerationError
from reviews.models import Blocklist, ModerationConfig
from reviews.selectors.policies import CONFIG_SORTS, blocklist_page, config_page, get_blocklist
from reviews.services import media_checks

from .. import wire
from ..filters import EQ, IN, in_csv, page_limit, parse_filter, sort_field
from ..filters import Field as FilterField
from ..schemas import Body, ListQuery, UserRequest

router = Router(tags=["policies"])

# --- wire shapes --------------------------------------------------------------------------------------------


def config_response(config: ModerationConfig) -> dict[str, Any]:
    """ConfigResponse: the required fields plus each stored engine block as written (validated)."""
    return {
        "key": config.key, "team": config.team, "async": config.is_async,
        "created_at": wire.ts(config.created_at), "updated_at": wire.ts(config.updated_at),
        "supported_video_call_harm_types": [],
        "ai_image_label_definitions": images.label_definitions(),  # what image rules can name
        **(config.blocks or {}),
    }


def blocklist_response(blocklist: Blocklist) -> dict[str, Any]:
    return {
        "id": str(blocklist.pk), "name": blocklist.name, "team": blocklist.team, "type": blocklist.type,
        "words": list(blocklist.words or []),
        "is_leet_check_enabled": blocklist.is_leet_check_enabled,
        "is_plural_check_enabled": blocklist.is_plural_check_enabled,
        "is_substring_matching_enabled": blocklist.is_substring_matching_enabled,
        "is_confusable_folding_enabled": True,  # always
        "created_at": wire.ts(blocklist.created_at), "updated_at": wire.ts(blocklist.updated_at),
    }


# --- configs ------------------------------------------------------------------------------------------------

CONFIG_FIELDS = {"key", "async", "team", "user_id", "user"}


class UpsertConfigBody(Body):
    """The engine blocks are every other top-level key (read from the raw body, so validate_blocks can name an
    unknown one instead of it being dropped)."""

    key: str
    is_async: bool | None = Field(default=None, alias="async")
    team: str | None = None
    user_id: str | None = None
    user: UserRequest | None = None


@router.post("/moderation/config", summary="upsert_config")
def upsert_config(request: HttpRequest, data: UpsertConfigBody) -> dict:
    request.auth.require_moderator("upsert_config")
    actor = request.auth.acting_user(data.user_id)
    raw = json.loads(request.body)
    blocks = {k: v for k, v in raw.items() if k not in CONFIG_FIELDS}
    config = actions.upsert_config(key=data.key, team=data.team or "", is_async=data.is_async, blocks=blocks,
                                   actor=actor)
    return {"config": config_response(config)}


@router.get("/moderation/config/{key}", summary="get_config")
def get_config(request: HttpRequest, key: str, team: str = "") -> dict:
    request.auth.require_moderator("get_config")
    config = ModerationConfig.objects.filter(key=key, team=team).first()
    if config is None:
        raise ModerationError.not_found("moderation config", key)
    return {"config": config_response(config)}


@router.delete("/moderation/config/{key}", summary="delete_config")
def delete_config(request: HttpRequest, key: str, team: str = "", user_id: str | None = None) -> dict:
    request.auth.require_moderator("delete_config")
    actions.delete_config(key=key, team=team, actor=request.auth.acting_user(user_id))
    return {}


CONFIG_FILTERS = {"key": FilterField(frozenset({EQ, IN})), "team": FilterField(frozenset({EQ, IN}))}


@router.post("/moderation/configs", summary="query_moderation_configs")
def query_moderation_configs(request: HttpRequest, data: ListQuery) -> dict:
    request.auth.require_moderator("query_moderation_configs")
    conditions, _ = parse_filter(data.filter, CONFIG_FILTERS, prefix="filter")
    filters = {name: in_csv(ops[IN], f"filter.{name}.$in") if IN in ops else ops[EQ]
               for name, ops in conditions.items()}
    field, direction = sort_field(data.sort, set(CONFIG_SORTS), default=("key", 1))
    page = config_page(data=filters, sort=field, descending=direction == -1, limit=page_limit(data.limit),
                       next_cursor=data.next, prev_cursor=data.prev)
    return {"configs": [config_response(c) for c in page.rows], "next": page.next, "prev": page.prev}


# --- blocklists ---------------------------------------------------------------------------------------------


class BlocklistFlags(Body):
    is_leet_check_enabled: bool | None = None
    is_plural_check_enabled: bool | None = None
    is_substring_matching_enabled: bool | None = None
    is_confusable_folding_enabled: bool | None = None
    team: str | None = None
    user_id: str | None = None
    user: UserRequest | None = None

    def flags(self) -> dict[str, bool | None]:
        return self.model_dump(include={"is_leet_check_enabled", "is_plural_check_enabled",
                                        "is_substring_matching_enabled", "is_confusable_folding_enabled"})


class CreateBlocklistBody(BlocklistFlags):
    name: str
    words: list[str]
    type: str | None = None


class UpdateBlocklistBody(BlocklistFlags):
    words: list[str] | None = None


@router.get("/blocklists", summary="list_block_lists")
def list_block_lists(request: HttpRequest, team: str | None = None, cursor: str | None = None,
                     limit: int | None = None) -> dict:
    request.auth.require_moderator("list_block_lists")
    page = blocklist_page(team=team, limit=page_limit(limit, default=100, maximum=100), next_cursor=cursor)
    return {"blocklists": [blocklist_response(b) for b in page.rows], "next_cursor": page.next}


@router.post("/blocklists", summary="create_block_list")
def create_block_list(request: HttpRequest, data: CreateBlocklistBody) -> dict:
    request.auth.require_moderator("create_block_list")
    blocklist = actions.create_blocklist(name=data.name, words=data.words, team=data.team or "", type=data.type,
                                         actor=request.auth.acting_user(data.user_id), **data.flags())
    return {"blocklist": blocklist_response(blocklist)}


@router.get("/blocklists/{name}", summary="get_block_list")
def get_block_list(request: HttpRequest, name: str, team: str = "") -> dict:
    request.auth.require_moderator("get_block_list")
    return {"blocklist": blocklist_response(get_blocklist(name, team))}


@router.put("/blocklists/{name}", summary="update_block_list")
def update_block_list(request: HttpRequest, name: str, data: UpdateBlocklistBody) -> dict:
    request.auth.require_moderator("update_block_list")
    blocklist = actions.update_blocklist(name=name, team=data.team or "", words=data.words,
                                         actor=request.auth.acting_user(data.user_id), **data.flags())
    return {"blocklist": blocklist_response(blocklist)}


@router.delete("/blocklists/{name}", summary="delete_block_list")
def delete_block_list(request: HttpRequest, name: str, team: str = "", user_id: str | None = None) -> dict:
    request.auth.require_moderator("delete_block_list")
    actions.delete_blocklist(name=name, team=team, actor=request.auth.acting_user(user_id))
    return {}


# --- check --------------------------------------------------------------------------------------------------


class CheckBody(Body):
    entity_type: str
    entity_id: str
    entity_creator_id: str
    config_key: str | None = None
    config_team: str | None = None
    config: dict[str, Any] | None = None
    moderation_payload: dict[str, Any] | None = None
    options: dict[str, Any] | None = None
    test_mode: bool | None = None
    content_published_at: str | None = None
    user_id: str | None = None
    user: UserRequest | None = None


@router.post("/moderation/check", summary="check: recommended action for content, in real time")
def check(request: HttpRequest, data: CheckBody) -> dict:
    request.auth.require_moderator("check")
    config, config_async = data.config, None
    if config is not None:
        # The SDK's ModerationConfig wraps the same engine blocks with key/async/team; `async` is honoured.
        config_async = config.get("async")
        config = {k: v for k, v in config.items() if k not in {*CONFIG_FIELDS, "created_at", "updated_at"}}
    request_args = {
        "entity_type": data.entity_type, "entity_id": data.entity_id, "entity_creator_id": data.entity_creator_id,
        "config_key": data.config_key, "config_team": data.config_team or "", "config": config,
        "config_async": config_async, "moderation_payload": data.moderation_payload, "options": data.options,
        "test_mode": bool(data.test_mode),
    }
    actor = request.auth.acting_user(data.user_id)
    prepared = actions.prepare_check(**{k: v for k, v in request_args.items() if k != "test_mode"})
    if prepared.is_async or (prepared.needs_media and settings.MODERATION_MEDIA_IN_WORKER):
        # Media models run in workers, never here; async checks answer at once (reviews/services/media_checks.py).
        task = media_checks.start(request=request_args, actor=actor)
        if not prepared.is_async:
            task = media_checks.wait(task)
            if task.status == task.Status.COMPLETED:
                return {**task.result, "task_id": str(task.pk)}
            if task.status == task.Status.FAILED:
                error = task.error or {}
                if error.get("type") == "input":
                    raise ModerationError(error.get("description", "check failed"))
                return {"recommended_action": "keep", "status": "failed", "task_id": str(task.pk),
                        "triggered_rules": [], "error": error}
        return {"recommended_action": "keep", "status": "pending", "task_id": str(task.pk), "triggered_rules": []}
    result = actions.check_content(**request_args, actor=actor, prepared=prepared)
    return media_checks.response(result)
