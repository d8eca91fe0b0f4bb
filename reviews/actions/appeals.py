"""Appeals: a user contests a ban of their account or a removal/block of their content; a moderator decides.

`create_appeal` files one (one open appeal per decision); `decide_appeal` accepts it (the opposite verb:
unban, restore, unblock), rejects it, or marks its item reviewed. Every verb an appeal applies goes through
`_apply_verb`, which applies it from the decision table (`reviews/actions/registry.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from reviews import events, payloads
from reviews.errors import ModerationError
from reviews.models import Appeal, Ban, EndUser, EntityType, ModerationLog, ReviewQueueItem

from ._common import Actor, lock_user, write_log

ACCEPT_VERBS = {Appeal.Decision.BAN: ("unban",), Appeal.Decision.REMOVAL: ("restore", "unblock"),
                Appeal.Decision.BLOCK: ("restore", "unblock")}
VERBS = ("unban", "restore", "unblock", "mark_reviewed", "reject_appeal")
OUTCOME = {"unban": Appeal.Status.ACCEPTED, "restore": Appeal.Status.ACCEPTED, "unblock": Appeal.Status.ACCEPTED,
           "mark_reviewed": Appeal.Status.REVIEWED, "reject_appeal": Appeal.Status.REJECTED}
CONTENT_DECISIONS = {ReviewQueueItem.ContentState.DELETED: Appeal.Decision.REMOVAL,
                     ReviewQueueItem.ContentState.BLOCKED: Appeal.Decision.BLOCK}
MAX_REASON, MAX_ATTACHMENTS, MAX_URL = 2000, 10, 2000


@dataclass
class VerbOptions:
    """The sub-options of the verb deciding an appeal (bulk_action_appeals / submit_action payloads)."""

    channel_cid: str | None = None  # unban: must name the appealed ban's scope when given
    target_user_id: str | None = None  # unban: must be the appellant when given
    remove_future_channels_ban: bool = False  # unban: also lift the appellant's future-channel bans
    mark_item_reviewed: bool = True  # mark_reviewed: false when disabled or limited to 0 items
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Decided:
    appeal: Appeal
    changed: bool
    warning: str | None = None


# --- filing -------------------------------------------------------------------------------------------------

def _clean_attachments(attachments: list[str] | None) -> list[str]:
    if attachments is None:
        return []
    if not isinstance(attachments, list):
        raise ModerationError.invalid("attachments", "must be a list of URLs")
    if len(attachments) > MAX_ATTACHMENTS:
        raise ModerationError.invalid("attachments", f"at most {MAX_ATTACHMENTS} attachments")
    for i, url in enumerate(attachments):
        if not isinstance(url, str) or not url.strip():
            raise ModerationError.invalid(f"attachments.{i}", "must be a non-empty URL")
        if len(url) > MAX_URL:
            raise ModerationError.invalid(f"attachments.{i}", f"must be at most {MAX_URL} characters")
        if not url.startswith(("https://", "http://")):
            raise ModerationError.invalid(f"attachments.{i}", f"{url[:80]!r} is not an http(s) URL")
    return list(attachments)


def _ban_decision(appellant: EndUser, entity_id: str, context: ReviewQueueItem | None):
    if entity_id != appellant.pk:
        raise ModerationError.not_allowed(
            f"entity_id: user {appellant.pk!r} may only appeal decisions about their own account, not {entity_id!r}")
    # A shadow ban is never revealed to its target, so it is not something they can appeal.
    in_force = Ban.objects.in_force().filter(target=appellant, shadow=False)
    ban = in_force.order_by(F("channel_cid").asc(nulls_first=True), "-created_at").first()  # app-wide first
    if ban is None:
        raise ModerationError.invalid("entity_id", f"user {entity_id!r} has no ban in force to appeal")
    if context is not None and context.entity_creator_id != appellant.pk and not (
            context.entity_type == EntityType.USER and context.entity_id == appellant.pk):
        raise ModerationError.invalid("review_queue_item_id",
                                      f"item {str(context.pk)!r} is not about user {appellant.pk!r}")
    entry = (ModerationLog.objects.filter(action__in=("ban", "shadow_ban"), target_user=appellant,
                                          custom__ban_id=ban.pk).order_by("-id").values_list("pk", flat=True).first())
    return Appeal.Decision.BAN, ban, context, entry, f"ban:{ban.pk}"


def _content_decision(appellant: EndUser, entity_type: str, entity_id: str, context: ReviewQueueItem | None):
    item = ReviewQueueItem.objects.filter(entity_type=entity_type, entity_id=entity_id).first()
    if item is None:
        raise ModerationError.invalid("entity_id", f"no moderation decision was ever made about {entity_type} "
                                                   f"{entity_id!r}")
    if context is not None and context.pk != item.pk:
        raise ModerationError.invalid("review_queue_item_id",
                                      f"item {str(context.pk)!r} is not the item of {entity_type} {entity_id!r}")
    if item.entity_creator_id != appellant.pk:
        raise ModerationError.not_allowed(
            f"entity_id: user {appellant.pk!r} may only appeal decisions about their own content; "
            f"{entity_type} {entity_id!r} is not theirs")
    decision = CONTENT_DECISIONS.get(item.content_state)  # shadow blocks stay unseen by their author
    if decision is None:
        raise ModerationError.invalid("entity_id", f"{entity_type} {entity_id!r} was not removed or blocked; "
                                                   "there is no decision to appeal")
    action = {Appeal.Decision.REMOVAL: "delete_message", Appeal.Decision.BLOCK: "block"}[decision]
    entry = (ModerationLog.objects.filter(action=action, item=item).order_by("-id")
             .values_list("pk", flat=True).first())
    return decision, None, item, entry, f"item:{item.pk}"


@transaction.atomic
def create_appeal(
    *,
    appellant: EndUser,
    entity_type: str,
    entity_id: str,
    appeal_reason: str,
    attachments: list[str] | None = None,
    review_queue_item: ReviewQueueItem | None = None,
    actor: Actor,
) -> tuple[Appeal, bool]:
    """File `appellant`'s appeal of a decision about their account (`stream:user`: the ban in force) or their
    content (its removal or block). Returns (appeal, created). One open appeal per decision: the same appeal
    again is returned unchanged (a retried request); a different one while it is open is a 400."""
    reason = (appeal_reason or "").strip()
    if not reason:
        raise ModerationError.invalid("appeal_reason", "is required and must not be empty")
    if len(appeal_reason) > MAX_REASON:
        raise ModerationError.invalid("appeal_reason", f"must be at most {MAX_REASON} characters")
    if not entity_type or not entity_type.strip():
        raise ModerationError.invalid("entity_type", "is required and must not be empty")
    if not entity_id or not entity_id.strip():
        raise ModerationError.invalid("entity_id", "is required and must not be empty")
    urls = _clean_attachments(attachments)
    appellant = lock_user(appellant)  # an appellant's appeals are filed one at a time
    if entity_type == EntityType.USER:
        decision, ban, item, entry, key = _ban_decision(appellant, entity_id, review_queue_item)
    else:
        decision, ban, item, entry, key = _content_decision(appellant, entity_type, entity_id, review_queue_item)

    open_appeal = Appeal.objects.filter(decision_key=key, status=Appeal.Status.SUBMITTED).first()
    if open_appeal is not None:
        if open_appeal.appeal_reason == appeal_reason and open_appeal.attachments == urls:
            return open_appeal, False
        raise ModerationError.invalid(
            "entity_id", f"an appeal of this {decision} is already open ({open_appeal.pk}); one open appeal per "
                         "decision")
    now = timezone.now()
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                user=appellant, entity_type=entity_type, entity_id=entity_id, decision=decision, decision_key=key,
                ban=ban, item=item, decision_log_id=entry, appeal_reason=appeal_reason, attachments=urls,
                created_at=now, updated_at=now)
    except IntegrityError:  # unreachable while the appellant's row is locked; kept as the named error
        raise ModerationError.invalid("entity_id", f"an appeal of this {decision} is already open") from None
    write_log(action="appeal", actor=actor, target_user=appellant, item=item, reason=appeal_reason,
              custom={"appeal_id": str(appeal.pk), "decision": decision, "decision_log_id": entry,
                      "ban_id": ban.pk if ban else None})
    events.record("appeal.created", appeal=payloads.appeal(appeal), user=payloads.user_common(appellant))
    return appeal, True


# --- deciding -----------------------------------------------------------------------------------------------

def _apply_verb(verb: str, appeal: Appeal, actor: Actor, reason: str, options: VerbOptions) -> str | None:
    """The one place an appeal applies a moderation verb, through the decision table (`registry.apply`), so an
    unban or restore from the appeals inbox is the same act as from the queue or the API: the same item outcome,
    claim rule, log row and events. Returns a warning when nothing could be reversed."""
    from .registry import apply  # the table imports every action module, this one included

    if verb == "unban":
        if appeal.ban is None:
            return "the appealed ban no longer exists; nothing to lift"
        lifted = apply("unban", item=appeal.item, actor=actor, params={
            "target_user_id": appeal.user_id, "channel_cid": appeal.ban.channel_cid or None, "decision_reason": reason,
            "remove_future_channels_ban": options.remove_future_channels_ban}).result
        return None if lifted is not None else "the appealed ban had already ended or been lifted"
    if verb in ("restore", "unblock"):
        if appeal.item is None:
            return "the appealed content's queue item no longer exists; restore it by hand"
        before = appeal.item.content_state
        apply(verb, item=appeal.item, actor=actor, params={"decision_reason": reason})
        return None if before else "the appealed content was already visible"
    if verb == "mark_reviewed":
        if appeal.item is not None and options.mark_item_reviewed:
            apply("mark_reviewed", item=appeal.item, actor=actor, params={"decision_reason": reason})
        return None
    if verb == "reject_appeal":
        return None
    raise ModerationError.invalid("action_type", f"unknown appeal action {verb!r}; use one of {', '.join(VERBS)}")


def _check_options(verb: str, appeal: Appeal, options: VerbOptions) -> None:
    if verb != "unban":
        return
    if options.target_user_id and options.target_user_id != appeal.user_id:
        raise ModerationError.invalid("unban.target_user_id", f"appeal {str(appeal.pk)!r} is by user "
                                                              f"{appeal.user_id!r}, not {options.target_user_id!r}")
    scope = appeal.ban.channel_cid if appeal.ban else None
    if options.channel_cid and options.channel_cid != scope:
        where = f"in {scope}" if scope else "app-wide"
        raise ModerationError.invalid("unban.channel_cid", f"the appealed ban is {where}, not in "
                                                           f"{options.channel_cid!r}")


@transaction.atomic
def decide_appeal(*, appeal: Appeal, actor: Actor, verb: str, decision_reason: str = "",
                  options: VerbOptions | None = None) -> Decided:
    """Accept (`unban` for a ban, `restore`/`unblock` for a removal or block), reject (`reject_appeal`, with a
    reason) or mark reviewed (`mark_reviewed`: the decision stands, its item is marked reviewed) an open appeal.
    Idempotent: deciding a closed appeal the same way again changes nothing; deciding it another way is a 400.
    The reversal is logged by its own action; the appeal's entry names those entries (`reversal_log_ids`)."""
    options = options or VerbOptions()
    if verb not in VERBS:
        raise ModerationError.invalid("action_type", f"unknown appeal action {verb!r}; use one of {', '.join(VERBS)}")
    if verb == "reject_appeal" and not (decision_reason or "").strip():
        raise ModerationError.invalid("reject_appeal.decision_reason", "is required to reject an appeal")
    if len(decision_reason or "") > MAX_REASON:
        raise ModerationError.invalid("decision_reason", f"must be at most {MAX_REASON} characters")
    lock_user(appeal.user)  # the order every write about a user takes: the user, then what changes
    appeal = Appeal.objects.select_for_update(of=("self",)).select_related("user", "ban", "item").get(pk=appeal.pk)
    outcome = OUTCOME[verb]
    if not appeal.is_open:
        if appeal.status == outcome and (outcome != Appeal.Status.ACCEPTED or appeal.decided_with == verb
                                         or {appeal.decided_with, verb} <= {"restore", "unblock"}):
            return Decided(appeal, changed=False)
        raise ModerationError.invalid("appeal_id", f"appeal {str(appeal.pk)!r} was already {appeal.status}")
    if outcome == Appeal.Status.ACCEPTED and verb not in ACCEPT_VERBS[appeal.decision]:
        raise ModerationError.invalid(
            "action_type", f"appeal {str(appeal.pk)!r} contests a {appeal.decision}: "
                           f"{' or '.join(ACCEPT_VERBS[appeal.decision])} accepts it, not {verb}")
    _check_options(verb, appeal, options)
    last = ModerationLog.objects.order_by("-id").values_list("pk", flat=True).first() or 0
    warning = _apply_verb(verb, appeal, actor, decision_reason or "", options)
    reversal = list(ModerationLog.objects.filter(pk__gt=last, target_user=appeal.user)
                    .order_by("id").values_list("pk", flat=True))
    now = timezone.now()
    appeal.status, appeal.decision_reason, appeal.decided_with = outcome, decision_reason or "", verb
    appeal.decided_by, appeal.decided_at, appeal.updated_at = actor, now, now
    appeal.save(update_fields=["status", "decision_reason", "decided_with", "decided_by", "decided_at", "updated_at"])
    write_log(action=f"appeal_{outcome}", actor=actor, target_user=appeal.user, item=appeal.item,
              reason=decision_reason or "",
              custom={"appeal_id": str(appeal.pk), "verb": verb, "decision": appeal.decision,
                      "decision_log_id": appeal.decision_log_id, "reversal_log_ids": reversal, "warning": warning})
    event = {Appeal.Status.ACCEPTED: "appeal.accepted", Appeal.Status.REJECTED: "appeal.rejected",
             Appeal.Status.REVIEWED: "appeal.reviewed"}[outcome]
    events.record(event, appeal=payloads.appeal(appeal), user=payloads.user_common(appeal.user),
                  created_by=payloads.user_common(actor) if actor else None, action=verb)
    return Decided(appeal, changed=True, warning=warning)
