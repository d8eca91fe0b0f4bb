"""The call-speech loop (seed 004): a `check` on something said in a call acts on the speaker automatically.

The check's entity is `stream:v1:call_speech`, the call is named by `moderation_payload.custom.call_cid`
("type:id") and the speaker is the entity creator. Its verdict goes to `apply_call_verdict` (system actor,
transcript excerpt logged; reversible with `revert_call_verdict` from the log or the Calls page):

- flag: the check's queue item holds it; with `video_call_rule_config` "mute_audio" for flag, the speaker's
  audio is soft-muted as well.
- remove / shadow_block: the speaker is kicked from the call; with "block" also blocked from it, with "ban"
  banned app-wide.

`VERBS` is the one place these call actions are reached from (a verb registry can take it over).
"""

from __future__ import annotations

from typing import Any

from reviews.engines import media
from reviews.errors import ModerationError
from reviews.models import Call, EndUser, EntityType, ModerationLog, ReviewQueueItem
from reviews.selectors import calls as sel

from . import calls

CALL_FIELD = "moderation_payload.custom.call_cid"
VERBS = {"apply_call_verdict": calls.apply_call_verdict}


def _act(verb: str, **kwargs: Any):
    return VERBS[verb](**kwargs)


def is_call_speech(entity_type: str) -> bool:
    return entity_type == EntityType.CALL_SPEECH


def call_of(payload: dict[str, Any]) -> Call:
    """The call a call-speech check names, or ModerationError naming the field."""
    cid = (payload.get("custom") or {}).get("call_cid")
    if not isinstance(cid, str) or not cid.strip():
        raise ModerationError.invalid(CALL_FIELD, "is required for call speech: the call's cid, 'type:id'")
    call_type, _, call_id = cid.strip().partition(":")
    if not call_type or not call_id:
        raise ModerationError.invalid(CALL_FIELD, f"{cid!r} is not a call cid ('type:id')")
    call = Call.objects.filter(type=call_type, call_id=call_id).first()
    if call is None:
        raise ModerationError.not_found("call", cid)
    return call


def excerpt_of(texts: list[str]) -> str:
    return " / ".join(t.strip() for t in texts if t and t.strip())[:500]


def act_on_verdict(
    *, call: Call, speaker: EndUser, verdict: str, blocks: dict[str, Any], excerpt: str, item: ReviewQueueItem,
) -> ModerationLog | None:
    """Apply the policy's call verdict to the speaker (system actor). Inside the check's transaction. A verdict
    already applied for this item (and not reverted) is not applied again, so a repeated check acts once."""
    if verdict == "keep":
        return None
    applied = list(ModerationLog.objects.filter(action="call_verdict", item_id=item.pk).values_list("pk", flat=True))
    reverted = sel.verdict_reverted(applied)
    if any(pk not in reverted for pk in applied):
        return None
    extra = media.call_actions(blocks, verdict)
    if verdict == "flag":
        return _act("apply_call_verdict", call=call, speaker=speaker, verdict="flag", transcript_excerpt=excerpt,
                    item=item, soft_mute="mute_audio" in extra)
    return _act("apply_call_verdict", call=call, speaker=speaker, verdict="block" if "block" in extra else verdict,
                transcript_excerpt=excerpt, item=item, ban="ban" in extra)
