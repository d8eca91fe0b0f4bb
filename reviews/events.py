"""Events announce moderation writes to the outside (webhooks).

`record()` writes an outbox row in the caller's transaction, so an event exists if and only if its write
committed; delivery is kicked after commit and retried by the relay, so nothing is lost while the broker
or a receiver is down.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import transaction

from reviews.models import OutboxEvent


def record(event_type: str, **payload: Any) -> OutboxEvent:
    body = {"type": event_type, "created_at": time.time_ns(), "custom": {}, **payload}
    event = OutboxEvent.objects.create(type=event_type, payload=body)
    transaction.on_commit(_kick_relay)
    return event


def _kick_relay() -> None:
    from reviews.tasks import relay_events_task

    try:
        relay_events_task.delay()
    except Exception:  # noqa: BLE001 - the broker being down must not fail a committed write; beat retries.
        import logging

        logging.getLogger(__name__).warning("could not enqueue the event relay; beat will pick the events up")
