"""Request bodies (Stream's request models). Unset optionals arrive absent; unknown keys are ignored, as the
SDK never sends any. Types are checked here (400 naming the field); rules are checked by the actions."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import ConfigDict, model_validator


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

    @model_validator(mode="before")
    @classmethod
    def _unknown_fields_into_custom(cls, data: Any) -> Any:
        """Unknown top-level fields are custom data (Stream Chat's SDKs send them so). ninja reads input through
        its attribute getter, which drops a model's extra fields, so they are moved into `custom` first."""
        data = getattr(data, "_obj", data) if isinstance(data, DjangoGetter) else data
        if not isinstance(data, dict):
            return data
        extra = {k: v for k, v in data.items() if k not in cls.model_fields}
        if not extra or not isinstance(data.get("custom", {}), (dict, type(None))):
            return data
        known = {k: v for k, v in data.items() if k in cls.model_fields}
        return {**known, "custom": {**extra, **(data.get("custom") or {})}}


class ListQuery(Body):
    """The shared shape of query_* bodies: filter, sort, cursor page."""

    filter: dict[str, Any] | None = None
    sort: list[SortParam] | None = None
    limit: int | None = None
    next: str | None = None
    prev: str | None = None
    user_id: str | None = None
    user: UserRequest | None = None
