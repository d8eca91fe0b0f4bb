"""Routes every query to the data tier being measured (`using_tier`); `default` is the largest tier."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

_current: contextvars.ContextVar[str] = contextvars.ContextVar("bench_tier", default="default")


@contextlib.contextmanager
def using_tier(alias: str) -> Iterator[None]:
    token = _current.set(alias)
    try:
        yield
    finally:
        _current.reset(token)


class TierRouter:
    def db_for_read(self, model, **hints):
        return _current.get()

    def db_for_write(self, model, **hints):
        return _current.get()

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return True
