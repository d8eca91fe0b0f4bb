"""Events announce moderation writes to the outside (webhooks).

`record()` writes an outbox row in the caller's transaction, so an event exists if and only if its write
committed; delivery is kicked after commit and retried by the relay, so nothing is lost while the broker
or a receiver is down. A transaction that records many events (a sweep, a bulk task) kicks the relay once.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import connection, transaction

from reviews.models import OutboxEvent


def _body(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    # created_at in integer nanoseconds: the only timestamp form the SDK's event classes decode.
    return {"type": event_type, "created_at": time.time_ns(), "custom": {}, **payload}


def record(event_type: str, **payload: Any) -> OutboxEvent:
    event = OutboxEvent.objects.create(type=event_type, payload=_body(event_type, payload))
    _kick_after_commit()
    return event


def record_many(events: list[tuple[str, dict[str, Any]]], *, batch_size: int = 2000) -> int:
    """Record (type, payload) pairs with one multi-row INSERT per batch; for set-based actions."""
    rows = [OutboxEvent(type=event_type, payload=_body(event_type, payload)) for event_type, payload in events]
    OutboxEvent.objects.bulk_create(rows, batch_size=batch_size)
    if rows:
        _kick_after_commit()
    return len(rows)


def body_sql(event_type: str, payload_sql: str) -> str:
    """What `record(event_type, **payload)` stores, as a PostgreSQL jsonb expression for set-based actions that
    insert thousands of events in one statement; `payload_sql` is a jsonb object expression. The statement
    passes the creation time as the parameter `event_ns` (see `now_ns`) and calls `kick_after_commit()`."""
    assert event_type.replace(".", "").replace("_", "").isalnum()  # it is spliced into SQL
    return (f"(jsonb_build_object('type', '{event_type}', 'created_at', %(event_ns)s::bigint, "
            f"'custom', '{{}}'::jsonb) || {payload_sql})")


now_ns = time.time_ns


def kick_after_commit() -> None:
    """Deliver this transaction's events after it commits (for set-based actions that insert them in SQL)."""
    _kick_after_commit()


def _kick_after_commit() -> None:
    # One kick per transaction, however many events it records. Entries of a rolled-back savepoint are
    # discarded by Django, so a kick registered there does not suppress the one needed here.
    if connection.in_atomic_block and any(entry[1] is _kick_relay for entry in connection.run_on_commit):
        return
    transaction.on_commit(_kick_relay)


def _kick_relay() -> None:
    from reviews.services.webhooks import kick

    kick()
