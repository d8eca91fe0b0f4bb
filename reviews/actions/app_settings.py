"""App settings set through `update_app`: the app's own webhook endpoint (`WebhookEndpoint.from_app`).
Delivery is the webhook relay's job (reviews/services/webhooks.py); this only records where and what."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from reviews import net
from reviews.errors import ModerationError
from reviews.models import WebhookEndpoint

from ._common import Actor, write_log


def app_webhook() -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(from_app=True).order_by("id").first()


def set_app_webhook(
    *, actor: Actor, url: str | None = None, events: list[str] | None = None
) -> WebhookEndpoint | None:
    """Set the app's webhook URL and/or event types (None leaves a value as it is; an empty URL removes the
    endpoint). A URL whose host resolves to a private, loopback or link-local address is refused (SSRF,
    `reviews/net.py`) unless MODERATION_WEBHOOK_ALLOW_PRIVATE is on. Idempotent: unchanged settings write
    nothing. Logged as `update_app`."""
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ModerationError.invalid("webhook_url", f"{url!r} is not an http(s) URL") from None
        # Before the transaction: resolving a name must not hold SQLite's write lock.
        net.check_url(url, field="webhook_url")
    if events is not None and not all(isinstance(e, str) and e.strip() for e in events):
        raise ModerationError.invalid("webhook_events", "must be a list of event type names")
    with transaction.atomic():
        return _set_app_webhook(actor=actor, url=url, events=events)


def _set_app_webhook(*, actor: Actor, url: str | None, events: list[str] | None) -> WebhookEndpoint | None:
    endpoint = WebhookEndpoint.objects.select_for_update().filter(from_app=True).order_by("id").first()
    if url == "" and endpoint is not None:
        endpoint.delete()
        write_log(action="update_app", actor=actor, custom={"webhook_url": "", "removed": True})
        return None
    if endpoint is None:
        if not url:
            if events is not None:
                raise ModerationError.invalid("webhook_events", "set webhook_url first")
            return None
        endpoint = WebhookEndpoint.objects.create(url=url, events=events or [], from_app=True)
        write_log(action="update_app", actor=actor, custom={"webhook_url": url, "webhook_events": events or []})
        return endpoint
    changed = []
    if url and url != endpoint.url:
        endpoint.url = url
        changed.append("url")
    if events is not None and list(events) != list(endpoint.events):
        endpoint.events = list(events)
        changed.append("events")
    if changed:
        endpoint.save(update_fields=changed)
        write_log(action="update_app", actor=actor,
                  custom={"webhook_url": endpoint.url, "webhook_events": endpoint.events})
    return endpoint
