"""Keyset (cursor) pagination: no OFFSET, no COUNT(*). A cursor is the sort key of the last row seen,
encoded opaquely; a tampered or malformed cursor is a clear 400, never a silent first page."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from reviews.errors import ModerationError


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool


@dataclass
class Page:
    rows: list
    next: str | None
    prev: str | None


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "t" in value:
            return datetime.fromisoformat(value["t"])
        if "u" in value:
            return uuid.UUID(value["u"])
        raise ValueError("unknown cursor value")
    return value


def encode_cursor(row: Any, keys: list[SortKey], direction: str) -> str:
    values = [_encode_value(getattr(row, k.field.replace("__", "_"))) for k in keys]
    raw = json.dumps({"d": direction, "v": values, "k": [k.field for k in keys]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, keys: list[SortKey], field: str) -> tuple[str, list[Any]]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if data["k"] != [k.field for k in keys] or data["d"] not in ("next", "prev"):
            raise ValueError("cursor belongs to another sort")
        values = [_decode_value(v) for v in data["v"]]
        if len(values) != len(keys):
            raise ValueError("wrong length")
        return data["d"], values
    except (ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ModerationError.invalid(field, "malformed or stale cursor; start again without it") from exc


def _after(keys: list[SortKey], values: list[Any], reverse: bool) -> Q:
    """Rows strictly after `values` in the order `keys` (or before, when `reverse`). The leading column gets a
    plain range bound so the index range scan does the work."""
    key, value = keys[0], values[0]
    desc = key.descending != reverse
    strict = f"{key.field}__lt" if desc else f"{key.field}__gt"
    loose = f"{key.field}__lte" if desc else f"{key.field}__gte"
    if len(keys) == 1:
        return Q(**{strict: value})
    tie = Q(**{key.field: value}) & _after(keys[1:], values[1:], reverse)
    return Q(**{loose: value}) & (Q(**{strict: value}) | tie)


def keyset_page(
    qs: QuerySet,
    keys: list[SortKey],
    *,
    limit: int,
    next_cursor: str | None = None,
    prev_cursor: str | None = None,
) -> Page:
    if next_cursor and prev_cursor:
        raise ModerationError.invalid("next", "give either next or prev, not both")
    going_back = False
    if next_cursor or prev_cursor:
        field = "next" if next_cursor else "prev"
        direction, values = decode_cursor(next_cursor or prev_cursor, keys, field)
        going_back = direction == "prev"
        qs = qs.filter(_after(keys, values, reverse=going_back))
    order = [(("-" if (k.descending != going_back) else "") + k.field) for k in keys]
    rows = list(qs.order_by(*order)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if going_back:
        rows.reverse()
    has_next = more if not going_back else True
    has_prev = (bool(next_cursor) or (going_back and more)) if rows else False
    return Page(
        rows=rows,
        next=encode_cursor(rows[-1], keys, "next") if rows and has_next else None,
        prev=encode_cursor(rows[0], keys, "prev") if rows and has_prev else None,
    )
