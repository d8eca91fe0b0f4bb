"""Request bodies (Stream's request models) and the request parsing every body goes through.

Unset optionals arrive absent; unknown keys are ignored, as the SDK never sends any. Types are checked here (400
naming the field); rules are checked by the actions.

The rule for values: whatever a write accepts, every read can return. So the parser (`StreamParser`, also used
for the `payload` query parameter) refuses, with a 400 naming the field, the JSON values that cannot be stored
and returned faithfully: non-finite numbers (`NaN`, `Infinity`, `1e400`, which Python's json reads as floats no
database or client takes back), strings with a lone UTF-16 surrogate (`"\\ud800"`: not Unicode text, cannot
be encoded) or a NUL character (PostgreSQL text and jsonb cannot hold it), and nesting deeper than
`MAX_DEPTH`. Integers of any size are kept exactly (the renderer in app.py writes ones beyond 64 bits).
Date-times are `WireDatetime`: a time outside what Stream's 64-bit nanosecond timestamps can express
(1677-09-21 .. 2262-04-11) is refused, as it could never be read back.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Schema
from ninja.parser import Parser
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, ConfigDict, Strict, model_validator

from reviews.errors import ModerationError

from .wire import ts

MAX_DEPTH = 32
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
_INT64 = 2**63


def text_problem(text: str) -> str | None:
    found = _BAD_TEXT.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "must not contain NUL (\\u0000) characters"
    return f"is not valid Unicode text (lone UTF-16 surrogate \\u{ord(found.group()):04x})"


def check_json(value: Any, prefix: str = "") -> None:
    """Raise a 400 naming the first value (by its path, e.g. `custom.n`) that cannot be stored faithfully."""
    stack: list[tuple[Any, str, int]] = [(value, prefix, 0)]
    while stack:
        node, where, depth = stack.pop()
        if isinstance(node, str):
            problem = text_problem(node)
            if problem:
                raise ModerationError.invalid(where or "body", problem)
        elif isinstance(node, float):
            if not math.isfinite(node):
                raise ModerationError.invalid(where or "body", "must be a finite number (NaN, Infinity and numbers "
                                              "beyond 1.8e308 cannot be stored)")
        elif isinstance(node, (dict, list)):
            if depth >= MAX_DEPTH:
                raise ModerationError.invalid(where or "body", f"nested deeper than {MAX_DEPTH} levels")
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, child in items:
                path = f"{where}.{key}" if where else str(key)
                if isinstance(key, str):
                    problem = text_problem(key)
                    if problem:
                        raise ModerationError.invalid(path, f"key {problem}")
                stack.append((child, path, depth + 1))


def loads(raw: str | bytes, prefix: str = "") -> Any:
    """json.loads, then `check_json`; malformed JSON raises json.JSONDecodeError/ValueError as before."""
    data = json.loads(raw)
    check_json(data, prefix)
    return data


class StreamParser(Parser):
    """ninja's JSON body parser plus `check_json`, and the body must be an object (ninja would otherwise read `"x"`,
    `0` or `null` as an object with every field absent); an optional body is an object or left out. A
    ModerationError raised here reaches the caller as itself (errors.on_http_error), any other failure as
    `body: malformed JSON`."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = loads(request.body)
        if not isinstance(data, dict):  # every request body of Stream's API is an object
            raise ModerationError.invalid("body", f"must be a JSON object, not {type(data).__name__}")
        return data


def _in_wire_range(value: datetime) -> datetime:
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    if not -_INT64 <= ts(value) < _INT64:
        raise ValueError("must be between 1677-09-21T00:12:44Z and 2262-04-11T23:47:16Z "
                         "(timestamps are 64-bit nanoseconds)")
    return value


def wire_datetime(value: datetime, where: str) -> datetime:
    """`_in_wire_range` for values parsed outside pydantic (filters): a 400 naming `where`."""
    try:
        return _in_wire_range(value)
    except ValueError as exc:
        raise ModerationError.invalid(where, str(exc)) from None


# A date-time request field: RFC 3339, naive taken as UTC, within the range a Stream timestamp can express.
WireDatetime = Annotated[datetime, Strict(False), AfterValidator(_in_wire_range)]


class Body(Schema):
    """Every request body model. Strict types, as Stream's server decodes them: `0` is not `false`, `"5"` is not
    `5` and `1.0` is not `1` (a 400 naming the field rather than a silent guess); date-times are strings."""

    model_config = ConfigDict(extra="ignore", strict=True)


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
