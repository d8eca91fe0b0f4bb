"""A moderator's decision on one queue item: several verbs (e.g. delete + ban) applied in one transaction.

The dashboard row, the item drawer and the bulk job all call `apply_decision`, so a decision means the same
thing whether it is made on one item or ten thousand. Which verbs there are, their order and labels are the
decision table's (reviews/actions/registry.py); each verb is one `registry.apply`, as the API's is.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.db.models import Max, Q

from reviews.actions import registry
from reviews.errors import ModerationError
from reviews.models import EndUser, ModerationLog, ReviewQueueItem

# The decision form's option fields, per verb, and the parameter of that verb's schema each one sets. A verb
# with no options here takes only the decision's reason.
FORM_PARAMS: dict[str, dict[str, str]] = {
    "ban": {"ban_timeout": "timeout", "ban_ip": "ip_ban", "ban_shadow": "shadow", "ban_scope": "channel_ban_only"},
    "mute": {"mute_timeout": "timeout"},
    "escalate": {"priority": "priority"},
    "note": {"note": "text"},
}


def clean_decision(decision: dict[str, Any]) -> dict[str, Any]:
    """Check a decision before anything is written; every problem names its field. Verbs come back by their
    canonical names, in the order the decision table applies them."""
    chosen = {registry.get(a, face=registry.Face.FORM, field="actions").name for a in decision.get("actions") or []
              if a}
    if not chosen:
        raise ModerationError.invalid("actions", "choose at least one action")
    for name in sorted(chosen):
        opposite = registry.BY_NAME[name].opposite
        if opposite in chosen and name < opposite:
            raise ModerationError.invalid("actions", f"{name} and {opposite} cannot be combined")
    if decision.get("ban_scope", "app") not in ("app", "channel", None, ""):
        raise ModerationError.invalid("ban_scope", "must be app or channel")
    for field in ("ban_timeout", "mute_timeout"):
        value = decision.get(field)
        if value not in (None, "") and not (isinstance(value, int) and value > 0):
            raise ModerationError.invalid(field, "must be a positive number of minutes")
    return {**decision, "actions": [v.name for v in registry.VERBS if v.name in chosen]}


def params_for(verb: registry.Verb, decision: dict[str, Any]) -> dict[str, Any]:
    reason = (decision.get("reason") or "").strip()
    params: dict[str, Any] = {"reason": reason, "decision_reason": reason}
    for field, param in FORM_PARAMS.get(verb.name, {}).items():
        value = decision.get(field)
        params[param] = value == "channel" if field == "ban_scope" else value
    return params


def _as_form_error(verb: registry.Verb, exc: ModerationError) -> ModerationError:
    """An error about one of the verb's parameters (`ban.channel_ban_only`) names the form field that set it
    (`ban_scope`), so the toast points at what the moderator can change."""
    fields = {param: field for field, param in FORM_PARAMS.get(verb.name, {}).items()}
    prefix = f"{verb.name}."
    name = (exc.field or "").removeprefix(prefix)
    if not (exc.field or "").startswith(prefix) or name not in fields:
        return exc
    problem = exc.message.split(": ", 1)[-1]
    renamed = ModerationError.invalid(fields[name], problem)
    renamed.code, renamed.status = exc.code, exc.status
    return renamed


def apply_decision(*, item: ReviewQueueItem, decision: dict[str, Any], actor: EndUser) -> list[int]:
    """Apply every verb of `decision` to `item` in one transaction (all or nothing), each through the decision
    table's `apply`, and return the ids of the log entries written, newest last, so it can be undone as one.
    An item someone else holds is refused (the table's claim policy)."""
    decision = clean_decision(decision)
    creator = item.entity_creator
    mine = Q(item=item) | Q(target_user=creator) if creator is not None else Q(item=item)
    with transaction.atomic(), collect_log_ids(actor=actor, scope=mine) as log_ids:
        for name in decision["actions"]:
            verb = registry.BY_NAME[name]
            try:
                registry.apply(verb, item=item, actor=actor, params=params_for(verb, decision))
            except ModerationError as exc:
                raise _as_form_error(verb, exc) from None
    return log_ids


def describe(decision: dict[str, Any]) -> str:
    chosen = {registry.get(a).name for a in decision.get("actions") or [] if a}
    return ", ".join(v.done for v in registry.VERBS if v.name in chosen)


@contextmanager
def collect_log_ids(*, actor: EndUser, scope: Q):
    """Collect the ids of the log entries `actor` writes within `scope` inside the block (for an Undo button)."""
    ids: list[int] = []
    before = ModerationLog.objects.aggregate(m=Max("id"))["m"] or 0
    yield ids
    written = ModerationLog.objects.filter(scope, id__gt=before, actor=actor).order_by("id")
    ids.extend(written.values_list("id", flat=True))
