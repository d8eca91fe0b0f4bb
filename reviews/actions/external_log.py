"""`insert_action_log`: an action taken elsewhere (another tool, the app's own moderators) enters our log, so
the dashboard and `query_moderation_logs` show it beside ours. It changes no state here: its entry is marked
`custom.external` and is never undone from our log (undoing it would reverse something we did not do)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from reviews.errors import ModerationError
from reviews.models import EndUser, ModerationLog, ReviewQueueItem

from ._common import require_text, write_log
from .users import ensure_user

EXTERNAL = "external"


@transaction.atomic
def insert_action_log(
    *,
    action_type: str,
    entity_type: str,
    entity_id: str,
    entity_creator_id: str,
    reason: str = "",
    reporter_type: str | None = None,
    reporter_user_id: str | None = None,
    custom: dict[str, Any] | None = None,
) -> ModerationLog:
    """Record one action taken elsewhere. `reporter_user_id` is who took it (created bare if new);
    `reporter_type` one of the log's actor types (default: moderator when someone is named, else automod)."""
    action = require_text(action_type, "action_type", max_length=64)
    require_text(entity_type, "entity_type", max_length=64)
    require_text(entity_id, "entity_id")
    creator = ensure_user(entity_creator_id, field="entity_creator_id")
    if len(reason or "") > 2000:
        raise ModerationError.invalid("reason", "must be at most 2000 characters")
    if custom is not None and not isinstance(custom, dict):
        raise ModerationError.invalid("custom", "must be an object")
    types = ModerationLog.ActorType.values
    if reporter_type is not None and reporter_type not in types:
        raise ModerationError.invalid("reporter_type", f"unknown {reporter_type!r}; use one of {', '.join(types)}")
    actor: EndUser | None = ensure_user(reporter_user_id, field="reporter_user_id") if reporter_user_id else None
    actor_type = reporter_type or (ModerationLog.ActorType.MODERATOR if actor else ModerationLog.ActorType.AUTOMOD)
    item = ReviewQueueItem.objects.filter(entity_type=entity_type, entity_id=entity_id).first()
    return write_log(action=action, actor=actor, actor_type=actor_type, target_user=creator, item=item,
                     reason=reason or "",
                     custom={**(custom or {}), EXTERNAL: True, "entity_type": entity_type, "entity_id": entity_id})
