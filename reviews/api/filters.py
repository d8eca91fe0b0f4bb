"""Stream's Mongo-style filter objects and `payload` query parameters, validated strictly.

Every field and operator is checked against a table; anything else is a 400 that names it
(`filter_conditions.user_id: unsupported operator $regex`), so a typo never silently widens a query.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import pydantic
from django.http import HttpRequest

from reviews.errors import ModerationError

from .schemas import loads, wire_datetime

EQ, IN, NEQ, NIN = "$eq", "$in", "$neq", "$nin"
RANGE = frozenset({"$eq", "$gt", "$gte", "$lt", "$lte"})
SYNONYMS = {"$ne": NEQ}  # Stream's other SDKs send $ne


@dataclass(frozen=True)
class Field:
    ops: frozenset[str]
    kind: type = str  # str, bool, int or datetime


def _check_value(value: Any, kind: type, where: str) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
        raise ModerationError.invalid(where, "must be true or false")
    if kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ModerationError.invalid(where, "must be an integer")
    if kind is datetime:
        return parse_datetime(value, where)
    if kind is object:  # a number or a named level (severity)
        if isinstance(value, (int, str)) and not isinstance(value, bool) and value != "":
            return value
        raise ModerationError.invalid(where, "must be a number or a level name")
    if isinstance(value, str) and value != "":
        return value
    raise ModerationError.invalid(where, "must be a non-empty string")


def parse_datetime(value: Any, where: str) -> datetime:
    """RFC 3339 / ISO-8601 string (what the SDK sends for datetimes); a naive time is taken as UTC."""
    if not isinstance(value, str):
        raise ModerationError.invalid(where, "must be an RFC 3339 date-time string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ModerationError.invalid(where, f"{value!r} is not an RFC 3339 date-time") from None
    return wire_datetime(parsed, where)


def parse_filter(
    obj: Any, fields: dict[str, Field], *, prefix: str, unknown_ok: bool = False
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """-> ({field: {op: value}}, {unknown key: raw value}). `{"f": v}` means `{"f": {"$eq": v}}`; `$ne` is `$neq`.
    Unknown keys are a 400 unless `unknown_ok` (the review queue matches them against custom data)."""
    if obj is None:
        return {}, {}
    if not isinstance(obj, dict):
        raise ModerationError.invalid(prefix, "must be an object")
    known: dict[str, dict[str, Any]] = {}
    unknown: dict[str, Any] = {}
    for name, raw in obj.items():
        where = f"{prefix}.{name}"
        spec = fields.get(name)
        if spec is None:
            if unknown_ok and not name.startswith("$"):
                unknown[name] = raw
                continue
            raise ModerationError.invalid(where, f"unknown field; use one of {', '.join(sorted(fields))}")
        conditions = raw if isinstance(raw, dict) else {EQ: raw}
        if not conditions:
            raise ModerationError.invalid(where, "empty condition")
        parsed: dict[str, Any] = {}
        for op, value in conditions.items():
            op = SYNONYMS.get(op, op)
            if op not in spec.ops:
                raise ModerationError.invalid(where, f"unsupported operator {op}; use {', '.join(sorted(spec.ops))}")
            if op in (IN, NIN):
                if not isinstance(value, list) or not value:
                    raise ModerationError.invalid(where, f"{op} needs a non-empty list")
                if len(value) > 1000:
                    raise ModerationError.invalid(where, f"{op} takes at most 1000 values")
                parsed[op] = [_check_value(v, spec.kind, f"{where}.{op}") for v in value]
            else:
                parsed[op] = _check_value(value, spec.kind, f"{where}.{op}")
        known[name] = parsed
    return known, unknown


# Stream's range operators -> the suffix of the FilterSet filter that implements each (see selectors).
RANGE_SUFFIX = {"$eq": "", "$gt": "_after", "$gte": "_from", "$lt": "_before", "$lte": "_until"}


def range_data(name: str, ops: dict[str, Any]) -> dict[str, str]:
    """`created_at: {$gte: t}` -> `{"created_from": iso}` for the FilterSets in reviews/selectors."""
    stem = name.removesuffix("_at")
    return {f"{stem}_at" if op == EQ else f"{stem}{RANGE_SUFFIX[op]}": value.isoformat() for op, value in ops.items()}


def filtered(filterset: Any, prefix: str) -> Any:
    """The FilterSet's queryset, or a 400 naming the first field it rejected."""
    if not filterset.is_valid():
        name, problems = next(iter(filterset.errors.items()))
        raise ModerationError.invalid(f"{prefix}.{name}", "; ".join(problems))
    return filterset.qs


def in_csv(values: list[str], where: str) -> str:
    """django-filter's `$in` filters take comma-joined values, so a comma inside one value cannot be expressed."""
    if any("," in v for v in values):
        raise ModerationError.invalid(where, "values must not contain commas")
    return ",".join(values)


M = TypeVar("M", bound=pydantic.BaseModel)


def validate(model: type[M], data: Any, prefix: str) -> M:
    """Pydantic validation with Stream-style errors (`payload.limit: Input should be a valid integer`)."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err.get("loc", ()))
        field = f"{prefix}.{loc}" if loc else prefix
        message = "is required" if err.get("type") == "missing" else err.get("msg", "is invalid")
        raise ModerationError.invalid(field, message) from None


def strip_nulls(data: dict[str, Any]) -> dict[str, Any]:
    """The SDK's `payload` JSON keeps `null` for every unset field; null means absent."""
    return {k: v for k, v in data.items() if v is not None}


def payload_param(request: HttpRequest, model: type[M]) -> M:
    """Parse the `payload` query parameter of GET query endpoints (query_users, query_banned_users)."""
    raw = request.GET.get("payload")
    if raw is None or raw == "":
        raise ModerationError.invalid("payload", "is required (a JSON object in the query string)")
    try:
        data = loads(raw, "payload")
    except json.JSONDecodeError as exc:
        raise ModerationError.invalid("payload", f"malformed JSON ({exc.msg} at position {exc.pos})") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ModerationError.invalid("payload", f"malformed JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ModerationError.invalid("payload", "must be a JSON object")
    return validate(model, strip_nulls(data), "payload")


def sort_field(sort: list[Any] | None, allowed: set[str], *, default: tuple[str, int], prefix: str = "sort"):
    """Stream's `[{field, direction}]` -> (field, direction), one sort key only."""
    if not sort:
        return default
    if len(sort) > 1:
        raise ModerationError.invalid(prefix, "only one sort field is supported")
    item = sort[0]
    field = getattr(item, "field", None) if not isinstance(item, dict) else item.get("field")
    direction = (getattr(item, "direction", None) if not isinstance(item, dict) else item.get("direction"))
    direction = 1 if direction is None else direction
    if field not in allowed:
        choices = ", ".join(sorted(allowed))
        raise ModerationError.invalid(f"{prefix}.field", f"cannot sort on {field!r}; use one of {choices}")
    if direction not in (1, -1):
        raise ModerationError.invalid(f"{prefix}.direction", "must be 1 or -1")
    return field, direction


def page_limit(limit: int | None, *, default: int = 25, maximum: int = 100, field: str = "limit") -> int:
    if limit is None:
        return default
    if limit < 1 or limit > maximum:
        raise ModerationError.invalid(field, f"must be between 1 and {maximum}, got {limit}")
    return limit
