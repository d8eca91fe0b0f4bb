"""`analyze`: run a policy's engines on named text fields without a queue item (stateless), or, given the
entity (`entity_type`, `entity_id`, `entity_creator_id`), also as `check_content` would (stored when not `keep`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reviews.engines import store
from reviews.engines.policy import Decision
from reviews.errors import ModerationError

from ._common import Actor, require_text
from .policies import CheckResult, check_content

MAX_FIELDS = 50
MAX_TEXT = 10_000


@dataclass
class Analysis:
    fields: dict[str, Decision]  # per caller label
    check: CheckResult | None  # the stored check (stateful mode)


def analyze(*, config_key: str | None, texts: dict[str, Any] | None, entity: tuple[str, str, str] | None = None,
            custom: dict[str, Any] | None = None, actor: Actor) -> Analysis:
    """Each text field judged on its own (its verdict), with the policy `config_key`. With `entity`, the fields
    together also go through `check_content` (a decision other than keep is stored, with `custom`)."""
    key = require_text(config_key, "config_key", max_length=255)
    if not isinstance(texts, dict) or not texts:
        raise ModerationError.invalid("texts", "give at least one named text field")
    if len(texts) > MAX_FIELDS:
        raise ModerationError.invalid("texts", f"at most {MAX_FIELDS} fields")
    for label, text in texts.items():
        if not isinstance(text, str):
            raise ModerationError.invalid(f"texts.{label}", "must be a string")
        if len(text) > MAX_TEXT:
            raise ModerationError.invalid(f"texts.{label}", f"must be at most {MAX_TEXT} characters")
    policy = store.policy_for(key)
    fields = {label: policy.evaluate([text]) for label, text in texts.items()}
    check = None
    if entity is not None:
        entity_type, entity_id, creator = entity
        check = check_content(entity_type=entity_type, entity_id=entity_id, entity_creator_id=creator,
                              config_key=key, moderation_payload={"texts": list(texts.values()),
                                                                  **({"custom": custom} if custom else {})},
                              actor=actor)
    return Analysis(fields=fields, check=check)
