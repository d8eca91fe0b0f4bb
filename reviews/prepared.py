"""ORM queries compiled once per process and re-bound per call, for hot paths (`check`, the API's item details).

Compiling a queryset costs Django 0.3-5 ms of Python per call (Exists() subqueries and window functions are the
dear ones), often several times the query itself. The query is still written with the ORM (so
`Ban.objects.in_force()` stays the one definition of "in force"); it is compiled once per database alias with
sentinel values, and each run swaps the real values in for the sentinels.

`rows()` returns what the driver returns, without field converters (use those only for truthiness and equality);
`values()` applies Django's converters, so its rows equal the queryset's `values_list()`. Queries go to the
database the routers pick for reading the queryset's model.

On PostgreSQL these cursors read `timestamptz` with psycopg's C loader: Django installs a Python subclass of it
(to pin the tzinfo), about 3.5 µs a value instead of 0.3 µs (Django ticket #36960), and an API page reads hundreds.
With the connection in UTC (USE_TZ without a DATABASES TIME_ZONE, as here) both return the same aware datetimes in
`datetime.timezone.utc`; with any other zone Django's loader stays.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from django.conf import settings
from django.db import connections, router
from django.db.models import JSONField


@dataclass(frozen=True)
class _Compiled:
    sql: str
    slots: list[tuple[str | None, Any, Callable[[Any], Any] | None]]  # (sentinel name, literal, encoder)
    columns: list[Any]  # the selected expressions, for their converters


class PreparedQuery:
    def __init__(self, build: Callable[..., Any], sentinels: dict[str, Any]) -> None:
        self._build, self._sentinels = build, sentinels
        self._model: Any = None
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _encodings(self, connection, value: Any) -> list[tuple[Any, Callable[[Any], Any] | None]]:
        """The forms a sentinel may take in the compiled parameters, each with the encoder that turns a real value
        into the same form (backends adapt datetimes, and store UUIDs as hex where they have no uuid type)."""
        forms: list[tuple[Any, Callable[[Any], Any] | None]] = [(value, None)]
        if isinstance(value, datetime):
            forms.append((connection.ops.adapt_datetimefield_value(value), connection.ops.adapt_datetimefield_value))
        if isinstance(value, uuid.UUID):
            forms.append((value.hex, _uuid_hex))
        return forms

    def _compile(self, alias: str) -> _Compiled:
        connection = connections[alias]
        queryset = self._build(**self._sentinels)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        by_form: dict[Any, tuple[str, Callable[[Any], Any] | None]] = {}
        for name, value in self._sentinels.items():
            for form, encoder in self._encodings(connection, value):
                by_form.setdefault(form, (name, encoder))
        # Each parameter is either a sentinel (filled per call) or a literal the query always has.
        slots = []
        for p in params:
            name, encoder = by_form.get(p, (None, None)) if _hashable(p) else (None, None)
            slots.append((name, p, encoder))
        missing = set(self._sentinels) - {name for name, _, _ in slots if name}
        if missing:
            raise ValueError(f"sentinels not found in the compiled query: {sorted(missing)}")
        columns = [col for col, _sql, _alias in compiler.select[: compiler.col_count]]
        return _Compiled(sql=sql, slots=slots, columns=columns)

    def _ready(self) -> tuple[_Compiled, Any]:
        if self._model is None:
            self._model = self._build(**self._sentinels).model
        alias = router.db_for_read(self._model)
        compiled = self._compiled.get(alias)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(alias) or self._compile(alias)
                self._compiled[alias] = compiled
        return compiled, connections[alias]

    def bound_slots(self) -> int:
        """How many of the compiled query's parameters are re-bound per call (sentinel occurrences)."""
        return sum(1 for name, _literal, _encoder in self._ready()[0].slots if name)

    @property
    def sql(self) -> str:
        return self._ready()[0].sql

    def _execute(self, compiled: _Compiled, connection, values: dict[str, Any]) -> list[tuple]:
        params = [
            (encoder(values[name]) if encoder else values[name]) if name else literal
            for name, literal, encoder in compiled.slots
        ]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and settings.USE_TZ and connection.timezone_name == "UTC":
                from psycopg.types.datetime import TimestamptzLoader

                # Registering psycopg's public class installs its C implementation (when psycopg[binary] is there).
                cursor.cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
            cursor.execute(compiled.sql, params)
            return cursor.fetchall()

    def rows(self, **values: Any) -> list[tuple]:
        """Raw rows, as the driver returns them."""
        compiled, connection = self._ready()
        return self._execute(compiled, connection, values)

    def values(self, **values: Any) -> list[tuple]:
        """Rows with Django's converters applied (datetimes, JSON, UUIDs): what `values_list()` would return."""
        compiled, connection = self._ready()
        rows = self._execute(compiled, connection, values)
        converters = []
        for i, column in enumerate(compiled.columns):
            functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            functions = [_FAST.get(_unbound(f), f) if _plain_json(column) else f for f in functions]
            if functions:
                converters.append((i, functions, column))
        if not converters:
            return rows
        out = []
        for row in rows:
            row = list(row)
            for i, functions, column in converters:
                value = row[i]
                for convert in functions:
                    value = convert(value, column, connection)
                row[i] = value
            out.append(tuple(row))
        return out


class PreparedRows(PreparedQuery):
    """A plain model queryset (every concrete column, no annotations or joins) compiled once; `instances()`
    returns the model instances that iterating the queryset would, built from the converted rows."""

    def instances(self, **values: Any) -> list[Any]:
        compiled, connection = self._ready()
        fields = self._model._meta.concrete_fields
        if [getattr(column, "target", None) for column in compiled.columns] != list(fields):
            raise ValueError("PreparedRows needs a queryset that selects exactly the model's concrete columns")
        names = [f.attname for f in fields]
        return [self._model.from_db(connection.alias, names, row) for row in self.values(**values)]


_ID_SENTINEL_BASE = 0xFFFF_0000_0000_0000_0000_0000_0000_0000  # UUIDs no real row has


def id_sentinels(n: int) -> dict[str, uuid.UUID]:
    """Sentinels `i0`..`i<n-1>` for a query over a list of n UUID primary keys (compile one query per n)."""
    return {f"i{k}": uuid.UUID(int=_ID_SENTINEL_BASE + k) for k in range(n)}


def bind_ids(ids: list[Any]) -> dict[str, Any]:
    """The values for `id_sentinels(len(ids))`."""
    return {f"i{k}": pk for k, pk in enumerate(ids)}


def _json_value(value: Any, expression: Any, connection: Any) -> Any:
    """JSONField.from_db_value with orjson (~5x faster on the small objects a page reads by the hundred). orjson
    reads an integer beyond 64 bits as a float, and jsonb keeps such integers exactly: text with a run of 19 or
    more digits goes through the json module as before."""
    if value is None or not isinstance(value, str):
        return value
    try:
        return json.loads(value) if _LONG_DIGITS.search(value) else orjson.loads(value)
    except (json.JSONDecodeError, orjson.JSONDecodeError):
        return value


_LONG_DIGITS = re.compile(r"\d{19}")
_FAST = {JSONField.from_db_value: _json_value}


def _unbound(function: Callable[..., Any]) -> Any:
    return getattr(function, "__func__", function)


def _plain_json(column: Any) -> bool:
    field = getattr(column, "output_field", None)
    return isinstance(field, JSONField) and field.decoder is None


def _uuid_hex(value: uuid.UUID | str) -> str:
    return (value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))).hex


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return not isinstance(value, bool)  # True == 1 must never be taken for a sentinel
