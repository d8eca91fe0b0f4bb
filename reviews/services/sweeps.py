"""Expiry sweeps (beat, every minute). Enforcement never depends on these (bans, mutes and claims are read with
their expiry); a sweep closes what has expired through the set-based actions so it is logged and announced.
Running twice, concurrently or late is harmless: each batch takes only still-open rows under SKIP LOCKED.

A backlog (the first batch came back full) is drained over MODERATION_SWEEP_CONNECTIONS database connections
at once on PostgreSQL: a batch's time is CPU in PostgreSQL (index entries, log rows, event JSON), so a second
connection uses a second core. SKIP LOCKED splits the rows between them; each batch is still its own
transaction. Inside a caller's transaction (tests) or on SQLite the sweep stays on the caller's connection,
since other connections could not see its uncommitted rows, and SQLite serialises writers anyway."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from reviews import actions

BATCH = 5000


class _Budget:
    """How many rows the sweep may still take (`limit`), shared by the connections draining one table."""

    def __init__(self, limit: int | None) -> None:
        self.left = limit
        self.lock = threading.Lock()

    def take(self) -> int:
        with self.lock:
            if self.left is None:
                return BATCH
            size = min(BATCH, self.left)
            self.left -= size
            return size

    def give_back(self, unused: int) -> None:
        with self.lock:
            if self.left is not None:
                self.left += unused


def _drain_here(expire: Callable[..., int], now: datetime, budget: _Budget) -> int:
    """Batches on this thread's connection until one comes back short or the budget is spent."""
    done = 0
    while size := budget.take():
        lifted = expire(now=now, batch=size)
        done += lifted
        if lifted < size:
            budget.give_back(size - lifted)
            break
    return done


def _parallel() -> bool:
    return (settings.MODERATION_SWEEP_CONNECTIONS > 1 and connection.vendor == "postgresql"
            and not connection.in_atomic_block)


def _drain(expire: Callable[..., int], now: datetime, limit: int | None) -> int:
    budget = _Budget(limit)
    size = budget.take()
    if not size:
        return 0
    first = expire(now=now, batch=size)
    if first < size:
        return first
    if not _parallel():
        return first + _drain_here(expire, now, budget)
    # A backlog: the other connections join this one until every one of them sees a short batch.
    counts: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            counts.append(_drain_here(expire, now, budget))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread below
            errors.append(exc)
        finally:
            connection.close()

    helpers = [threading.Thread(target=worker, name=f"sweep-{i}")
               for i in range(1, settings.MODERATION_SWEEP_CONNECTIONS)]
    for thread in helpers:
        thread.start()
    try:
        here = _drain_here(expire, now, budget)
    finally:
        for thread in helpers:
            thread.join()
    if errors:
        raise errors[0]
    return first + here + sum(counts)


def sweep_expired(*, now: datetime | None = None, limit: int | None = None) -> dict[str, int]:
    """Close expired bans (IP bans included) and mutes as the system, and clear stale claims.
    `now` is fixed for the whole sweep, so rows expiring while it runs wait for the next one. `limit` caps
    bans and mutes each (a backlog is then worked off over several runs)."""
    now = now or timezone.now()
    return {
        "bans": _drain(actions.expire_bans, now, limit),
        "mutes": _drain(actions.expire_mutes, now, limit),
        "locks": actions.release_stale_locks(now=now),
    }
