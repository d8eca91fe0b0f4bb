"""insert_action_log: an action taken elsewhere enters our moderation log (reviews/actions/external_log.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from reviews import actions

from ..schemas import Body

router = Router(tags=["moderation"])


# --- insert_action_log --------------------------------------------------------------------------------------

class InsertActionLogBody(Body):
    action_type: str
    entity_creator_id: str
    entity_id: str
    entity_type: str
    reason: str | None = None
    reporter_type: str | None = None
    reporter_user_id: str | None = None
    custom: dict[str, Any] | None = None


@router.post("/moderation/action_logs", summary="insert_action_log: an action taken elsewhere enters the log")
def insert_action_log(request: HttpRequest, data: InsertActionLogBody) -> dict:
    request.auth.require_moderator("insert_action_log")
    actions.insert_action_log(
        action_type=data.action_type, entity_type=data.entity_type, entity_id=data.entity_id,
        entity_creator_id=data.entity_creator_id, reason=data.reason or "", reporter_type=data.reporter_type,
        reporter_user_id=data.reporter_user_id, custom=data.custom)
    return {}
