"""Keyset (cursor) pagination: no OFFSET, no COUNT(*). A cursor is the sort key of the last row seen,
encoded opaquely; a tampered or malformed cursor is a clear 400, never a silent first page."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, router
from django.db.models import DateTimeField, IntegerField, Q, QuerySet, UUIDField
from django.db.models.fields import AutoFieldMixin

from reviews.errors import ModerationError
from reviews.prepared import PreparedRows


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
    shape: Hashable | None = None,
) -> Page:
    """One page of `qs` in the order `keys`. `shape`, when given, names everything `qs` was built from (say, a
    FilterSet's class and cleaned data): pages of one shape differ only in their cursor values, so the rows'
    query is compiled once per shape and direction (reviews/prepared.py) and only those values are bound per
    page. Give it only for a plain model queryset whose SQL is a function of `shape` alone."""
    if next_cursor and prev_cursor:
        raise ModerationError.invalid("next", "give either next or prev, not both")
    going_back = False
    values: list[Any] | None = None
    if next_cursor or prev_cursor:
        field = "next" if next_cursor else "prev"
        direction, values = decode_cursor(next_cursor or prev_cursor, keys, field)
        going_back = direction == "prev"
    order = [(("-" if (k.descending != going_back) else "") + k.field) for k in keys]
    compiled = None
    if shape is not None and _plain(qs):
        kinds = [_kind(qs.model, k) for k in keys]
        if None not in kinds and (values is None or all(map(_bindable, values, kinds))):
            compiled = _page_query(qs, keys, kinds, order, limit + 1, going_back, values is not None, shape)
    if compiled is not None:
        rows = compiled.instances(**({f"k{i}": v for i, v in enumerate(values)} if values is not None else {}))
    else:
        if values is not None:
            qs = qs.filter(_after(keys, values, reverse=going_back))
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


# Cursor values stand in the compiled query as sentinels of their column's type. A filter value that happens to
# equal a sentinel is caught when the query is compiled (see _page_query) and that filter pages through the ORM.
_SENTINEL_TIME = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)
_SENTINEL_UUID = 0xFFFF_EEEE_0000_0000_0000_0000_0000_0000


def _sentinel(i: int, kind: type, field: Any) -> Any:
    if kind is datetime:
        return _SENTINEL_TIME + timedelta(microseconds=i)
    if kind is uuid.UUID:
        return uuid.UUID(int=_SENTINEL_UUID + i)
    # In the column's range: Django turns a comparison with an out-of-range integer into a constant.
    return connections[router.db_for_read(field.model)].ops.integer_field_range(field.get_internal_type())[1] - 7 - i


def _kind(model: Any, key: SortKey) -> type | None:
    """The Python type a sort column's cursor value has, for the columns a compiled page can bind."""
    try:
        field = model._meta.get_field(key.field)
    except FieldDoesNotExist:
        return None
    if isinstance(field, DateTimeField):
        return datetime
    if isinstance(field, UUIDField):
        return uuid.UUID
    if isinstance(field, IntegerField | AutoFieldMixin):
        return int
    return None


def _bindable(value: Any, kind: type) -> bool:
    """A cursor value the compiled query can take as it is; anything else (a tampered cursor's odd types) goes
    through the ORM, which validates it as before."""
    if kind is datetime:
        return isinstance(value, datetime) and value.tzinfo is not None
    if kind is int:
        return type(value) is int and abs(value) < 2**62
    return isinstance(value, kind)


def _plain(qs: QuerySet) -> bool:
    query = qs.query
    return (not query.annotations and not query.select_related and not query.extra
            and query.deferred_loading == (frozenset(), True) and not qs._prefetch_related_lookups
            and not query.is_sliced and not query.distinct)


_PAGES_MAX = 512
_pages: OrderedDict[Hashable, PreparedRows | None] = OrderedDict()
_pages_lock = threading.Lock()


def _page_query(qs: QuerySet, keys: list[SortKey], kinds: list[type], order: list[str], n: int, going_back: bool,
                has_cursor: bool, shape: Hashable) -> PreparedRows | None:
    """The compiled rows query for this shape and direction (None: page this shape through the ORM)."""
    key = (qs.model, shape, tuple(order), n, going_back, has_cursor, router.db_for_read(qs.model))
    with _pages_lock:
        if key in _pages:
            _pages.move_to_end(key)
            return _pages[key]
    fields = [qs.model._meta.get_field(k.field) for k in keys]
    sentinels = ({f"k{i}": _sentinel(i, kind, field) for i, (kind, field) in enumerate(zip(kinds, fields, strict=True))}
                 if has_cursor else {})

    def build(**cursor):
        page = qs.filter(_after(keys, list(cursor.values()), reverse=going_back)) if cursor else qs
        return page.order_by(*order)[:n]

    compiled: PreparedRows | None = PreparedRows(build, sentinels)
    # _after() binds the leading keys three times each and the last once; more bound slots than that means a
    # filter value equals a sentinel, and re-binding would overwrite it.
    if compiled.bound_slots() != (3 * (len(keys) - 1) + 1 if has_cursor else 0):
        compiled = None
    with _pages_lock:
        _pages[key] = compiled
        if len(_pages) > _PAGES_MAX:
            _pages.popitem(last=False)
    return compiled
