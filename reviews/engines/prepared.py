"""ORM queries compiled once and re-bound per call, for the check hot path.

Compiling a queryset with Exists() subqueries costs Django ~1-2 ms of Python per call, several times the query
itself. The query is still written with the ORM (so `Ban.objects.in_force()` stays the one definition of "in
force"); it is compiled once with sentinel values, and each run swaps the real values in for the sentinels.
Rows come back raw (no field converters), so callers use them only for truthiness and equality.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import connection


class PreparedQuery:
    def __init__(self, build: Callable[..., Any], sentinels: dict[str, Any]) -> None:
        self._build, self._sentinels = build, sentinels
        self.sql: str | None = None

    def _compile(self) -> None:
        sentinels = self._sentinels
        queryset = self._build(**sentinels)
        sql, params = queryset.query.sql_with_params()
        by_value = {v: k for k, v in sentinels.items()}
        # Some backends (SQLite) adapt datetimes while compiling; match and bind them in the adapted form.
        self._adapt = {k for k, v in sentinels.items() if isinstance(v, datetime)}
        by_value.update({connection.ops.adapt_datetimefield_value(sentinels[k]): k for k in self._adapt})
        # Each parameter is either a sentinel (filled per call) or a literal the query always has.
        self.slots = [(by_value.get(p) if _hashable(p) else None, p) for p in params]
        missing = set(sentinels) - {name for name, _ in self.slots if name}
        if missing:
            raise ValueError(f"sentinels not found in the compiled query: {sorted(missing)}")
        self.sql = sql

    def rows(self, **values: Any) -> list[tuple]:
        if self.sql is None:
            self._compile()
        for name in self._adapt:
            values[name] = connection.ops.adapt_datetimefield_value(values[name])
        params = [values[name] if name else literal for name, literal in self.slots]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchall()


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return not isinstance(value, bool)  # True == 1 must never be taken for a sentinel
