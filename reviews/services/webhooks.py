"""Webhook relay: outbox events -> one delivery per interested endpoint -> signed POSTs with retries.

Each POST body is the event JSON; `X-Signature` is the lowercase hex HMAC-SHA256 of the raw body keyed with
the API secret, exactly what the SDK's `verify_webhook` checks.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from reviews.models import ApiKey, OutboxEvent, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12
TIMEOUT_SECONDS = 5


def sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signing_secret() -> str | None:
    key = ApiKey.objects.filter(active=True).order_by("created_at").first()
    return key.secret if key else None


def fan_out(batch_size: int = 500) -> int:
    """Create deliveries for events not yet relayed. Returns how many events were relayed."""
    endpoints = list(WebhookEndpoint.objects.filter(active=True))
    relayed = 0
    while True:
        with transaction.atomic():
            events = list(
                OutboxEvent.objects.select_for_update(skip_locked=True)
                .filter(relayed_at__isnull=True)
                .order_by("id")[:batch_size]
            )
            if not events:
                return relayed
            deliveries = [
                WebhookDelivery(event=e, endpoint=ep) for e in events for ep in endpoints if ep.wants(e.type)
            ]
            WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
            OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(relayed_at=timezone.now())
            relayed += len(events)


def deliver(delivery: WebhookDelivery, secret: str) -> bool:
    body = json.dumps(delivery.event.payload, separators=(",", ":")).encode()
    request = urllib.request.Request(
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Signature": sign(body, secret),
                 "X-Webhook-Id": str(delivery.pk), "User-Agent": "moderation-service-webhooks"},
    )
    now = timezone.now()
    delivery.attempts += 1
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - http(s) only
            delivery.last_status_code = response.status
        delivery.status, delivery.delivered_at, delivery.last_error = WebhookDelivery.Status.DELIVERED, now, ""
        ok = True
    except (urllib.error.URLError, OSError, ValueError) as exc:
        delivery.last_status_code = getattr(exc, "code", None)
        delivery.last_error = str(exc)[:2000]
        # Exponential backoff: 2 s, 4 s, 8 s ... capped at one hour.
        delivery.next_attempt_at = now + timedelta(seconds=min(2**delivery.attempts, 3600))
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.FAILED
        ok = False
    delivery.save(update_fields=["attempts", "status", "delivered_at", "last_error", "last_status_code",
                                 "next_attempt_at"])
    return ok


def deliver_due(limit: int = 500) -> int:
    secret = signing_secret()
    if secret is None:
        return 0
    due = list(
        WebhookDelivery.objects.select_related("event", "endpoint")
        .filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")[:limit]
    )
    return sum(deliver(d, secret) for d in due)


def relay() -> int:
    fan_out()
    return deliver_due()
