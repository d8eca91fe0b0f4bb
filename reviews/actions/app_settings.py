"""App settings set through `update_app`: the app's own webhook endpoint (`WebhookEndpoint.from_app`).
Delivery is the webhook relay's job (reviews/services/webhooks.py); this only records where and what."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from reviews.errors import ModerationError
from reviews.models import WebhookEndpoint
from reviews.services.webhooks import check_webhook_url

from ._common import Actor, write_log


def app_webhook() -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(from_app=True).order_by("id").first()


@transaction.atomic
def set_app_webhook(
    *, actor: Actor, url: str | None = None, events: list[str] | None = None
) -> WebhookEndpoint | None:
    """Set the app's webhook URL and/or event types (None leaves a value as it is; an empty URL removes the
    endpoint). Idempotent: unchanged settings write nothing. Logged as `update_app`."""
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ModerationError.invalid("webhook_url", f"{url!r} is not an http(s) URL") from None
        url = check_webhook_url(url)  # no private or loopback target (SSRF), unless the settings allow it
    if events is not None and not all(isinstance(e, str) and e.strip() for e in events):
        raise ModerationError.invalid("webhook_events", "must be a list of event type names")
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
