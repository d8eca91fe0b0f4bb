"""Request bodies (Stream's request models). Unset optionals arrive absent; unknown keys are ignored, as the
SDK never sends any. Types are checked here (400 naming the field); rules are checked by the actions."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import ConfigDict


class Body(Schema):
    model_config = ConfigDict(extra="ignore")


class SortParam(Body):
    field: str | None = None
    direction: int | None = None
    type: str | None = None


class UserRequest(Body):
    model_config = ConfigDict(extra="allow")  # Stream stores unknown top-level user fields in custom

    id: str
    name: str | None = None
    image: str | None = None
    role: str | None = None
    language: str | None = None
    invisible: bool | None = None
    teams: list[str] | None = None
    teams_role: dict[str, str] | None = None
    custom: dict[str, Any] | None = None
    privacy_settings: dict[str, Any] | None = None


class ListQuery(Body):
    """The shared shape of query_* bodies: filter, sort, cursor page."""

    filter: dict[str, Any] | None = None
    sort: list[SortParam] | None = None
    limit: int | None = None
    next: str | None = None
    prev: str | None = None
    user_id: str | None = None
    user: UserRequest | None = None
