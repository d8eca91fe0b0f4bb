"""A moderator's decision on one queue item: several verbs (e.g. delete + ban) applied in one transaction.

The dashboard row, the item drawer and the bulk job all call `apply_decision`, so a decision means the same
thing whether it is made on one item or ten thousand. Every verb is still one call into `reviews.actions`.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.db.models import Max, Q

from reviews import actions
from reviews.errors import ModerationError
from reviews.models import EndUser, ModerationLog, ReviewQueueItem

# Applied in this order, whatever order they were ticked in: the content decision comes before the ban so
# the ban's log entry can point at an already-decided item, and mark_reviewed last (a no-op after delete).
ORDER = ("note", "de_escalate", "escalate", "delete", "restore", "ban", "mute", "mark_reviewed")
LABELS = {
    "note": "note added", "de_escalate": "de-escalated", "escalate": "escalated", "delete": "content deleted",
    "restore": "content restored", "ban": "creator banned", "mute": "creator muted", "mark_reviewed": "reviewed",
}
EXCLUSIVE = (("delete", "restore"), ("escalate", "de_escalate"))


def clean_decision(decision: dict[str, Any]) -> dict[str, Any]:
    """Check a decision before anything is written; every problem names its field."""
    chosen = [a for a in decision.get("actions") or [] if a]
    unknown = sorted(set(chosen) - set(ORDER))
    if unknown:
        raise ModerationError.invalid("actions", f"unknown action {unknown[0]!r}")
    if not chosen:
        raise ModerationError.invalid("actions", "choose at least one action")
    for a, b in EXCLUSIVE:
        if a in chosen and b in chosen:
            raise ModerationError.invalid("actions", f"{a} and {b} cannot be combined")
    if "note" in chosen and not (decision.get("note") or "").strip():
        raise ModerationError.invalid("note", "write the note's text")
    if decision.get("ban_scope", "app") not in ("app", "channel"):
        raise ModerationError.invalid("ban_scope", "must be app or channel")
    for field in ("ban_timeout", "mute_timeout"):
        value = decision.get(field)
        if value not in (None, "") and not (isinstance(value, int) and value > 0):
            raise ModerationError.invalid(field, "must be a positive number of minutes")
    return {**decision, "actions": [a for a in ORDER if a in chosen]}


def apply_decision(*, item: ReviewQueueItem, decision: dict[str, Any], actor: EndUser) -> list[int]:
    """Apply every verb of `decision` to `item` in one transaction (all or nothing) and return the ids of the
    log entries written, newest last, so the decision can be undone as one."""
    decision = clean_decision(decision)
    chosen = decision["actions"]
    reason = (decision.get("reason") or "").strip()
    creator = item.entity_creator
    if ("ban" in chosen or "mute" in chosen) and creator is None:
        raise ModerationError.invalid("actions", "this item has no known creator to ban or mute")
    channel = item.channel_cid if decision.get("ban_scope") == "channel" else None
    if decision.get("ban_scope") == "channel" and not channel:
        raise ModerationError.invalid("ban_scope", "this item has no channel; ban app-wide instead")
    mine = Q(item=item) | Q(target_user=creator) if creator is not None else Q(item=item)
    with transaction.atomic(), collect_log_ids(actor=actor, scope=mine) as log_ids:
        for verb in chosen:
            if verb == "note":
                actions.add_note(item=item, actor=actor, text=decision["note"])
            elif verb == "de_escalate":
                actions.de_escalate_item(item=item, actor=actor, reason=reason)
            elif verb == "escalate":
                actions.escalate_item(item=item, actor=actor, reason=reason, priority=decision.get("priority") or "")
            elif verb == "delete":
                actions.set_content_state(item=item, actor=actor, state=ReviewQueueItem.ContentState.DELETED,
                                          reason=reason)
            elif verb == "restore":
                actions.restore_content(item=item, actor=actor, decision_reason=reason)
            elif verb == "ban":
                actions.ban_user(target=creator, actor=actor, channel_cid=channel, reason=reason,
                                 timeout_minutes=decision.get("ban_timeout") or None,
                                 shadow=bool(decision.get("ban_shadow")), ip_ban=bool(decision.get("ban_ip")),
                                 item=item)
            elif verb == "mute":
                actions.mute_user(user=actor, target=creator, actor=actor,
                                  timeout_minutes=decision.get("mute_timeout") or None)
            elif verb == "mark_reviewed":
                actions.mark_reviewed(item=item, actor=actor, decision_reason=reason)
    return log_ids


def describe(decision: dict[str, Any]) -> str:
    return ", ".join(LABELS[a] for a in ORDER if a in (decision.get("actions") or []))


@contextmanager
def collect_log_ids(*, actor: EndUser, scope: Q):
    """Collect the ids of the log entries `actor` writes within `scope` inside the block (for an Undo button)."""
    ids: list[int] = []
    before = ModerationLog.objects.aggregate(m=Max("id"))["m"] or 0
    yield ids
    written = ModerationLog.objects.filter(scope, id__gt=before, actor=actor).order_by("id")
    ids.extend(written.values_list("id", flat=True))
