"""`analyze`: the engines on named text fields, without a queue item (reviews/actions/analysis.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from reviews.actions.analysis import analyze as run_analysis
from reviews.engines.policy import Decision
from reviews.errors import ModerationError
from reviews.models import Severity

from ..schemas import Body, UserRequest

router = Router(tags=["analysis"])


class ClassificationOut(Schema):
    name: str
    severity: str | None = None


class AnalyzeTextFieldOut(Schema):
    action: str
    severity: str | None = None
    id: str | None = None
    classifications: list[ClassificationOut]


class AnalyzeOut(Schema):
    status: str
    texts: dict[str, AnalyzeTextFieldOut]
    recommended_action: str | None = None  # stateful mode: the stored check's action
    item_id: str | None = None  # stateful mode: the queue item, when one was stored


class AnalyzeBody(Body):
    async_response: bool | None = None
    config_key: str | None = None
    content_published_at: datetime | None = None
    entity_creator_id: str | None = None
    entity_id: str | None = None
    entity_type: str | None = None
    user_id: str | None = None
    content_ids: dict[str, str] | None = None
    custom: dict[str, Any] | None = None
    texts: dict[str, Any] | None = None
    user: UserRequest | None = None


def _field(decision: Decision, content_id: str | None) -> dict[str, Any]:
    return {
        "action": decision.action,
        "severity": Severity.label_for(decision.severity).upper() if decision.severity else None,
        "id": content_id,
        "classifications": [{"name": r.label, "severity": r.severity.upper()} for r in decision.fired
                            if r.action != "keep"],
    }


@router.post("/moderation/analyze", response=AnalyzeOut,
             summary="analyze: per-field verdicts of a policy on named texts (stored only with the entity)")
def analyze(request: HttpRequest, data: AnalyzeBody) -> dict:
    request.auth.require_moderator("analyze")
    if data.async_response:
        raise ModerationError.invalid("async_response", "is not supported: verdicts are always in the response")
    if data.content_published_at is not None:
        raise ModerationError.invalid("content_published_at", "is not supported (no aggregation rules here)")
    parts = (data.entity_type, data.entity_id, data.entity_creator_id)
    if any(parts) and not all(parts):
        raise ModerationError.invalid("entity_type", "entity_type, entity_id and entity_creator_id go together "
                                                     "(all three to store the result, none for stateless mode)")
    if data.custom and not all(parts):
        raise ModerationError.invalid("custom", "is stored with the entity; stateless mode stores nothing")
    content_ids = data.content_ids or {}
    for label in content_ids:
        if label not in (data.texts or {}):
            raise ModerationError.invalid(f"content_ids.{label}", "names no field of texts (images are not supported)")
    actor = request.auth.acting_user(data.user_id or (data.user.id if data.user else None))
    result = run_analysis(config_key=data.config_key, texts=data.texts, entity=parts if all(parts) else None,
                          custom=data.custom, actor=actor)
    response: dict[str, Any] = {
        "status": "complete",
        "texts": {label: _field(d, content_ids.get(label)) for label, d in result.fields.items()},
    }
    if result.check is not None:
        response["recommended_action"] = result.check.decision.action
        response["item_id"] = str(result.check.item.pk) if result.check.item else None
    return response
