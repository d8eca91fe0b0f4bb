"""Undo a logged moderator decision by applying its opposite through the same action functions. Which verbs
can be undone, and by which function below, is the decision table's (registry.py) to say.

The log is append-only: an undo never edits or deletes the entry it reverses. It writes its own `undo` entry
(`custom.undoes` = the reversed entry's id), which is also how a second undo of the same entry is recognised
and turned into a no-op.
"""

from __future__ import annotations

import math

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from reviews import events, payloads
from reviews.errors import ModerationError
from reviews.models import Ban, EndUser, ModerationLog, ReviewQueueItem

from . import bans, mutes, queue, users
from ._common import Actor, acting_as, lock_item, write_log


@transaction.atomic
def reopen_item(*, item: ReviewQueueItem, actor: Actor, reason: str = "") -> ReviewQueueItem:
    """Send a reviewed item back to the pending queue. Idempotent: a pending item is returned unchanged."""
    item = lock_item(item)
    if item.status == ReviewQueueItem.Status.PENDING:
        return item
    now = timezone.now()
    item.status, item.updated_at, item.latest_moderator_action = ReviewQueueItem.Status.PENDING, now, "reopen"
    item.save(update_fields=["status", "updated_at", "latest_moderator_action"])
    write_log(action="reopen", actor=actor, target_user=item.entity_creator, item=item, reason=reason)
    events.record("review_queue_item.updated", review_queue_item=payloads.review_queue_item(item), action="reopen")
    return item


def undone_ids(entry_ids) -> set[int]:
    """Of these log entries, the ids that already have an undo (one query)."""
    ids = [int(i) for i in entry_ids]
    if not ids:
        return set()
    found = ModerationLog.objects.filter(action="undo", custom__undoes__in=ids).values_list("custom", flat=True)
    return {c.get("undoes") for c in found}


def _require(value, what: str, entry: ModerationLog):
    if value is None:
        raise ModerationError.invalid("entry", f"log entry {entry.pk} ({entry.action}) has no {what} to undo")
    return value


def _reban(entry: ModerationLog, actor: Actor) -> None:
    ban = Ban.objects.filter(pk=entry.custom.get("ban_id")).first()
    target = _require(entry.target_user, "user", entry)
    if ban is None or (ban.expires_at is not None and ban.expires_at <= timezone.now()):
        return  # the ban would have ended by now: lifting it early is what remains, nothing to restore
    timeout = None
    if ban.expires_at is not None:
        timeout = max(1, math.ceil((ban.expires_at - timezone.now()).total_seconds() / 60))
    bans.ban_user(target=target, actor=actor, channel_cid=ban.channel_cid, reason=ban.reason,
                  timeout_minutes=None if ban.ip_ban and timeout is None else timeout, shadow=ban.shadow,
                  ip_ban=ban.ip_ban, item=entry.item)


def _reopen_if_closed_by(entry: ModerationLog, actor: Actor, *actions: str) -> None:
    """The verb closed the entry's item (a ban from the queue marks it reviewed as `ban`): undoing the verb
    sends the item back to the queue, unless a later decision has closed it since."""
    item = entry.item
    if item is not None and item.status == ReviewQueueItem.Status.REVIEWED and item.latest_moderator_action in actions:
        reopen_item(item=item, actor=actor, reason="undo")


# How each undoable verb is reversed; the decision table (registry.py) names these in its rows.

def undo_mark_reviewed(entry: ModerationLog, actor: Actor) -> None:
    reopen_item(item=_require(entry.item, "queue item", entry), actor=actor, reason="undo")


def undo_content(entry: ModerationLog, actor: Actor) -> None:
    item = _require(entry.item, "queue item", entry)
    queue.restore_content(item=item, actor=actor, decision_reason="undo")
    reopen_item(item=item, actor=actor, reason="undo")


def undo_restore(entry: ModerationLog, actor: Actor) -> None:
    item = _require(entry.item, "queue item", entry)
    if (entry.custom or {}).get("previous_state"):
        queue.set_content_state(item=item, actor=actor, state=entry.custom["previous_state"], reason="undo")


def undo_reopen(entry: ModerationLog, actor: Actor) -> None:
    queue.mark_reviewed(item=_require(entry.item, "queue item", entry), actor=actor, decision_reason="undo")


def undo_ban(entry: ModerationLog, actor: Actor) -> None:
    custom = entry.custom or {}
    if custom.get("updated"):
        raise ModerationError.invalid(
            "entry", "this ban changed the terms of a ban already in force; lift it from the Bans page instead"
        )
    bans.unban_user(target=_require(entry.target_user, "user", entry), actor=actor,
                    channel_cid=custom.get("channel_cid"), reason="undo", item=entry.item)
    _reopen_if_closed_by(entry, actor, "ban", "shadow_ban")


def undo_unban(entry: ModerationLog, actor: Actor) -> None:
    _reban(entry, actor)
    _reopen_if_closed_by(entry, actor, "unban")


def _muter(entry: ModerationLog) -> EndUser:
    return _require(EndUser.objects.filter(pk=(entry.custom or {}).get("muted_by")).first(), "muting user", entry)


def undo_mute(entry: ModerationLog, actor: Actor) -> None:
    mutes.unmute_user(user=_muter(entry), target=_require(entry.target_user, "user", entry), actor=actor)


def undo_unmute(entry: ModerationLog, actor: Actor) -> None:
    mutes.mute_user(user=_muter(entry), target=_require(entry.target_user, "user", entry), actor=actor)


def undo_escalate(entry: ModerationLog, actor: Actor) -> None:
    queue.de_escalate_item(item=_require(entry.item, "queue item", entry), actor=actor, reason="undo")


def undo_de_escalate(entry: ModerationLog, actor: Actor) -> None:
    queue.escalate_item(item=_require(entry.item, "queue item", entry), actor=actor, reason="undo")


def undo_deactivate(entry: ModerationLog, actor: Actor) -> None:
    users.reactivate_user(target=_require(entry.target_user, "user", entry), actor=actor)


def undo_reactivate(entry: ModerationLog, actor: Actor) -> None:
    users.deactivate_user(target=_require(entry.target_user, "user", entry), actor=actor)


def undo_watch(entry: ModerationLog, actor: Actor) -> None:
    from .watchlist import unwatch_user

    if (entry.custom or {}).get("updated"):
        raise ModerationError.invalid("entry", "this entry changed the terms of a watch already open; stop "
                                               "watching from the user's page instead")
    unwatch_user(target=_require(entry.target_user, "user", entry), actor=actor, reason="undo")


def undo_unwatch(entry: ModerationLog, actor: Actor) -> None:
    """Watch again with the ended watch's reason, and its review time when that is still ahead."""
    from .watchlist import watch_user

    custom = entry.custom or {}
    review_after = parse_datetime(custom.get("review_after") or "")
    if review_after is not None and review_after <= timezone.now():
        review_after = None
    watch_user(target=_require(entry.target_user, "user", entry), actor=actor,
               reason=custom.get("watch_reason") or "", review_after=review_after)


def undo_call_verdict(entry: ModerationLog, actor: Actor) -> None:
    """An automatic call-speech verdict: unmute, unblock or unban the speaker."""
    from .calls import revert_call_verdict

    revert_call_verdict(entry=entry, actor=actor)


@transaction.atomic
def undo_entry(*, entry: ModerationLog, actor: Actor) -> ModerationLog | None:
    """Reverse one logged decision. Returns the new `undo` entry, or None when it was already undone.

    The entry row is locked so two moderators undoing the same decision at once reverse it only once.
    Anything the opposite action raises rolls the whole undo back.
    """
    from .registry import BY_NAME, can_undo

    entry = ModerationLog.objects.select_for_update(of=("self",)).select_related("item", "target_user").get(pk=entry.pk)
    verb = BY_NAME.get(entry.action)
    if verb is None or verb.undo is None:
        raise ModerationError.invalid("entry", f"a {entry.action!r} entry cannot be undone")
    if (entry.custom or {}).get("external"):
        raise ModerationError.invalid("entry", "this entry records an action taken elsewhere (insert_action_log); "
                                               "undo it where it was taken")
    if not can_undo(entry.action, entry.actor_type):
        raise ModerationError.invalid("entry", f"entry {entry.pk} is not a moderator's decision "
                                               f"({entry.get_actor_type_display()}): only those are undone here")
    if entry.pk in undone_ids([entry.pk]):
        return None
    with acting_as(ModerationLog.ActorType.MODERATOR if actor is not None else ModerationLog.ActorType.API):
        verb.undo(entry, actor)
        return write_log(action="undo", actor=actor, target_user=entry.target_user, item=entry.item,
                         reason=f"undo {entry.action}", custom={"undoes": entry.pk, "undone_action": entry.action})


@transaction.atomic
def log_bulk_decision(*, task_id: str, actor: Actor, kind: str, summary: dict) -> ModerationLog:
    """The one log entry a finished bulk job leaves behind; undoing the bulk decision starts from it.
    Idempotent per task (a re-run of a finished job does not log twice)."""
    existing = ModerationLog.objects.filter(action=kind, custom__task_id=task_id).first()
    if existing is not None:
        return existing
    return write_log(action=kind, actor=actor, reason=summary.get("description", ""),
                     custom={"task_id": task_id, **summary})
