"""The most recent flags (with their reporters) and log entries of a page of review-queue items, as the API's item
objects show them: one query each, whatever the page size, capped per item so a mass-flagged item cannot load
every flag.

Both queries are compiled once per page size (reviews/prepared.py) and return light rows (named tuples with the
model's attribute names, which the wire builders read like model instances): Django's sliced prefetch compiled a
window-function query on every request, and building 200 model instances a page cost more than the queries.
"""

from __future__ import annotations

import uuid
from collections import namedtuple
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from reviews.models import Flag, ModerationLog
from reviews.prepared import PreparedQuery, bind_ids, id_sentinels

PER_ITEM = 25

USER_FIELDS = ("id", "name", "image", "role", "language", "created_at", "updated_at", "deactivated_at",
               "deleted_at", "teams", "custom", "invisible")
FLAG_FIELDS = ("item_id", "type", "entity_type", "entity_id", "entity_creator_id", "reporter_id", "reason", "custom",
               "labels", "created_at", "updated_at")
LOG_FIELDS = ("item_id", "pk", "action", "reason", "actor_type", "target_user_id", "actor_id", "created_at", "custom")

UserRow = namedtuple("UserRow", USER_FIELDS)
FlagRow = namedtuple("FlagRow", (*FLAG_FIELDS, "reporter"))
LogRow = namedtuple("LogRow", LOG_FIELDS)

_REPORTER_COLUMNS = tuple(f"reporter__{f}" for f in USER_FIELDS[1:])  # the id is the flag's reporter_id


def _latest(qs, per_item: int, columns: tuple[str, ...], ids: list[uuid.UUID]):
    """The `per_item` newest rows of each item in `ids` (the same window Django's sliced prefetch uses)."""
    newest = [F("created_at").desc(), F("id").desc()]
    return (qs.filter(item_id__in=ids)
            .annotate(rank=Window(RowNumber(), partition_by=F("item_id"), order_by=newest))
            .filter(rank__lte=per_item).order_by("item_id", "-created_at", "-id").values_list(*columns))


@lru_cache(maxsize=256)
def _flags_query(n: int, per_item: int) -> PreparedQuery:
    return PreparedQuery(lambda **ids: _latest(Flag.objects.all(), per_item, FLAG_FIELDS + _REPORTER_COLUMNS,
                                               list(ids.values())), id_sentinels(n))


@lru_cache(maxsize=256)
def _log_query(n: int, per_item: int) -> PreparedQuery:
    return PreparedQuery(lambda **ids: _latest(ModerationLog.objects.all(), per_item, LOG_FIELDS,
                                               list(ids.values())), id_sentinels(n))


def recent_flags(item_ids: Iterable[Any], per_item: int = PER_ITEM) -> dict[Any, list[FlagRow]]:
    """`{item id: [FlagRow, newest first]}` with at most `per_item` flags an item; one query."""
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        return {}
    n_flag = len(FLAG_FIELDS)
    reporter_at = FLAG_FIELDS.index("reporter_id")
    found: dict[Any, list[FlagRow]] = {}
    for row in _flags_query(len(ids), per_item).values(**bind_ids(ids)):
        reporter_id = row[reporter_at]
        reporter = UserRow(reporter_id, *row[n_flag:]) if reporter_id is not None else None
        found.setdefault(row[0], []).append(FlagRow(*row[:n_flag], reporter))
    return found


def recent_log_entries(item_ids: Iterable[Any], per_item: int = PER_ITEM) -> dict[Any, list[LogRow]]:
    """`{item id: [LogRow, newest first]}` with at most `per_item` entries an item; one query."""
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        return {}
    found: dict[Any, list[LogRow]] = {}
    for row in _log_query(len(ids), per_item).values(**bind_ids(ids)):
        found.setdefault(row[0], []).append(LogRow(*row))
    return found
