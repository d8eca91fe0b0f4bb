"""Flags and review-queue decisions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from reviews import events, payloads
from reviews.errors import ModerationError
from reviews.models import EndUser, EntityType, Flag, ReviewQueueItem, Severity

from ._common import Actor, lock_item, lock_or_create, require_text, write_log

MAX_PAYLOAD_TEXTS = 100


def clean_payload(payload: dict[str, Any] | None, field: str = "moderation_payload") -> dict[str, Any]:
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise ModerationError.invalid(field, "must be an object")
    clean = {k: v for k, v in payload.items() if v is not None}
    for key in ("texts", "images", "videos", "audios"):
        value = clean.get(key)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ModerationError.invalid(f"{field}.{key}", "must be a list of strings")
        if len(value) > MAX_PAYLOAD_TEXTS:
            raise ModerationError.invalid(f"{field}.{key}", f"must have at most {MAX_PAYLOAD_TEXTS} entries")
    if "custom" in clean and not isinstance(clean["custom"], dict):
        raise ModerationError.invalid(f"{field}.custom", "must be an object")
    return clean


def _apply_payload(item: ReviewQueueItem, payload: dict[str, Any]) -> None:
    item.moderation_payload = payload
    texts = [t for t in payload.get("texts") or [] if t]
    item.content_text = "\n".join(texts)[:10000]
    item.has_text = bool(texts)
    item.has_image = bool(payload.get("images"))


@transaction.atomic
def flag_content(
    *,
    reporter: EndUser | None,
    entity_type: str,
    entity_id: str,
    entity_creator: EndUser | None = None,
    reason: str = "",
    custom: dict[str, Any] | None = None,
    moderation_payload: dict[str, Any] | None = None,
    channel_cid: str = "",
    actor: Actor,
) -> tuple[Flag, ReviewQueueItem]:
    """Record `reporter`'s flag on an entity and put it in the review queue.

    Repeated flags on one entity update one queue item (its flag count, payload and `updated_at`). A reporter
    flagging the same entity again updates their flag instead of counting twice. A new flag on an item that
    was already reviewed sends it back to pending. Events (`user.flagged` / `message.flagged` and
    `review_queue_item.new` / `.updated`) are recorded in the outbox.
    """
    entity_type = require_text(entity_type, "entity_type", max_length=64)
    entity_id = require_text(entity_id, "entity_id")
    if custom is not None and not isinstance(custom, dict):
        raise ModerationError.invalid("custom", "must be an object")
    if len(reason or "") > 255:
        raise ModerationError.invalid("reason", "must be at most 255 characters")
    payload = clean_payload(moderation_payload)
    if entity_type == EntityType.USER:
        entity_creator = EndUser.objects.filter(pk=entity_id).first() or entity_creator
    if reporter is not None and entity_creator is not None and reporter.pk == entity_creator.pk \
            and entity_type == EntityType.USER:
        raise ModerationError.invalid("entity_id", "a user cannot flag themselves")
    now = timezone.now()
    item, created = lock_or_create(
        ReviewQueueItem,
        lookup={"entity_type": entity_type, "entity_id": entity_id},
        defaults={"entity_creator": entity_creator, "channel_cid": channel_cid or "", "created_at": now,
                  "updated_at": now},
    )
    flag = None
    if reporter is not None:
        flag = Flag.objects.filter(reporter=reporter, entity_type=entity_type, entity_id=entity_id).first()
    new_flag = flag is None
    if flag is None:
        flag = Flag.objects.create(
            reporter=reporter, entity_type=entity_type, entity_id=entity_id, entity_creator=entity_creator,
            item=item, reason=reason or "", custom=custom or {}, created_at=now, updated_at=now,
            type=Flag.Type.USER_REPORT if reporter is not None else Flag.Type.AUTOMOD,
        )
    else:
        flag.reason, flag.custom, flag.updated_at = reason or flag.reason, custom or flag.custom, now
        flag.save(update_fields=["reason", "custom", "updated_at"])

    fields = ["updated_at"]
    item.updated_at = now
    if new_flag:
        item.flags_count = F("flags_count") + 1
        fields.append("flags_count")
    if payload or created:
        _apply_payload(item, payload)
        fields += ["moderation_payload", "content_text", "has_text", "has_image"]
    if entity_creator is not None and item.entity_creator_id is None:
        item.entity_creator = entity_creator
        fields.append("entity_creator")
    if channel_cid and not item.channel_cid:
        item.channel_cid = channel_cid
        fields.append("channel_cid")
    reopened = not created and new_flag and item.status == ReviewQueueItem.Status.REVIEWED
    if reopened:
        item.status = ReviewQueueItem.Status.PENDING
        fields.append("status")
    item.save(update_fields=sorted(set(fields)))
    item.refresh_from_db(fields=["flags_count"])

    if new_flag:
        write_log(
            action="flag", actor=actor, target_user=entity_creator, item=item, reason=reason,
            custom={"entity_type": entity_type, "entity_id": entity_id, "reopened": reopened, **(custom or {})},
        )
        if entity_type == EntityType.USER and entity_creator is not None:
            events.record(
                "user.flagged",
                user=payloads.user_common(reporter) if reporter else payloads.user_common(entity_creator),
                target_user=payloads.user_common(entity_creator), reason=reason or "",
                total_flags=item.flags_count, custom=custom or {},
            )
        elif entity_type == EntityType.MESSAGE:
            events.record(
                "message.flagged", message_id=entity_id,
                message=payloads.message_response(message_id=entity_id, text=item.content_text, cid=item.channel_cid,
                                              creator=item.entity_creator, at=item.created_at),
                user=payloads.user_common(reporter) if reporter else None, reason=reason or "",
                total_flags=item.flags_count, cid=item.channel_cid or None,
            )
        events.record(
            "review_queue_item.new" if created else "review_queue_item.updated",
            review_queue_item=payloads.review_queue_item(item),
        )
    return flag, item


@transaction.atomic
def mark_reviewed(*, item: ReviewQueueItem, actor: Actor, decision_reason: str = "") -> ReviewQueueItem:
    """Close an item as reviewed and release its claim. Idempotent: a reviewed item is returned unchanged."""
    item = lock_item(item)
    if item.status == ReviewQueueItem.Status.REVIEWED:
        return item
    now = timezone.now()
    item.status = ReviewQueueItem.Status.REVIEWED
    item.reviewed_by, item.reviewed_at, item.updated_at = actor, now, now
    item.latest_moderator_action = "mark_reviewed"
    item.locked_by, item.locked_until = None, None
    item.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at", "latest_moderator_action",
                             "locked_by", "locked_until"])
    write_log(action="mark_reviewed", actor=actor, target_user=item.entity_creator, item=item,
              reason=decision_reason)
    events.record("moderation.mark_reviewed", item=payloads.review_queue_item(item))
    return item


def _decide(item: ReviewQueueItem, actor: Actor, action: str, now) -> None:
    item.latest_moderator_action = action
    item.reviewed_by, item.reviewed_at, item.updated_at = actor, now, now
    item.status = ReviewQueueItem.Status.REVIEWED
    item.locked_by, item.locked_until = None, None


_DECISION_FIELDS = ["latest_moderator_action", "reviewed_by", "reviewed_at", "updated_at", "status",
                    "locked_by", "locked_until"]


@transaction.atomic
def set_content_state(
    *, item: ReviewQueueItem, actor: Actor, state: str, reason: str = "", hard: bool = False
) -> ReviewQueueItem:
    """Delete, block or shadow-block the item's content. We do not host the content, so the item records the
    decision and `review_queue_item.updated` tells the app to carry it out. Idempotent per state."""
    if state not in {ReviewQueueItem.ContentState.DELETED, ReviewQueueItem.ContentState.BLOCKED,
                     ReviewQueueItem.ContentState.SHADOW_BLOCKED}:
        raise ModerationError.invalid("action_type", f"unknown content state {state!r}")
    item = lock_item(item)
    if item.content_state == state and item.status == ReviewQueueItem.Status.REVIEWED:
        return item
    now = timezone.now()
    action = {"deleted": "delete_message", "blocked": "block", "shadow_blocked": "shadow_block"}[state]
    item.content_state = state
    _decide(item, actor, action, now)
    item.save(update_fields=["content_state", *_DECISION_FIELDS])
    write_log(action=action, actor=actor, target_user=item.entity_creator, item=item, reason=reason,
              custom={"previous_state": "", "hard_delete": hard})
    events.record("review_queue_item.updated", review_queue_item=payloads.review_queue_item(item), action=action)
    return item


@transaction.atomic
def restore_content(*, item: ReviewQueueItem, actor: Actor, decision_reason: str = "") -> ReviewQueueItem:
    """Undo whichever delete, block or shadow block applies. Idempotent: visible content is left alone."""
    item = lock_item(item)
    if item.content_state == ReviewQueueItem.ContentState.VISIBLE:
        return item
    previous = item.content_state
    now = timezone.now()
    item.content_state = ReviewQueueItem.ContentState.VISIBLE
    _decide(item, actor, "restore", now)
    item.save(update_fields=["content_state", *_DECISION_FIELDS])
    write_log(action="restore", actor=actor, target_user=item.entity_creator, item=item, reason=decision_reason,
              custom={"previous_state": previous})
    events.record("review_queue_item.updated", review_queue_item=payloads.review_queue_item(item), action="restore")
    return item


@transaction.atomic
def escalate_item(
    *, item: ReviewQueueItem, actor: Actor, reason: str = "", priority: str = "", notes: str = ""
) -> ReviewQueueItem:
    if priority and priority not in {"low", "medium", "high"}:
        raise ModerationError.invalid("escalate.priority", "must be one of low, medium, high")
    item = lock_item(item)
    if item.escalated and item.escalation_priority == (priority or item.escalation_priority):
        return item
    now = timezone.now()
    item.escalated, item.escalation_reason, item.escalation_priority = True, reason, priority
    item.escalated_at, item.updated_at, item.latest_moderator_action = now, now, "escalate"
    item.locked_by, item.locked_until = None, None
    item.save(update_fields=["escalated", "escalation_reason", "escalation_priority", "escalated_at",
                             "updated_at", "latest_moderator_action", "locked_by", "locked_until"])
    write_log(action="escalate", actor=actor, target_user=item.entity_creator, item=item, reason=reason,
              custom={"priority": priority, "notes": notes})
    events.record("review_queue_item.updated", review_queue_item=payloads.review_queue_item(item), action="escalate")
    return item


@transaction.atomic
def de_escalate_item(*, item: ReviewQueueItem, actor: Actor, reason: str = "") -> ReviewQueueItem:
    item = lock_item(item)
    if not item.escalated:
        return item
    now = timezone.now()
    item.escalated, item.updated_at, item.latest_moderator_action = False, now, "de_escalate"
    item.save(update_fields=["escalated", "updated_at", "latest_moderator_action"])
    write_log(action="de_escalate", actor=actor, target_user=item.entity_creator, item=item, reason=reason)
    events.record("review_queue_item.updated", review_queue_item=payloads.review_queue_item(item),
                  action="de_escalate")
    return item


@transaction.atomic
def claim_items(
    *, items_qs, holder: EndUser, count: int = 1, duration_seconds: int | None = None
) -> list[ReviewQueueItem]:
    """Lock up to `count` items from `items_qs` for `holder`, skipping items someone else holds, so two
    moderators are never handed the same item. `items_qs` must be ordered; rows are taken in that order.
    Claims expire on their own (read-time); not logged (a claim is not a decision)."""
    if not 1 <= count <= 25:
        raise ModerationError.invalid("lock_count", "must be between 1 and 25")
    duration = duration_seconds or settings.MODERATION_LOCK_SECONDS
    if not 1 <= duration <= 24 * 3600:
        raise ModerationError.invalid("lock_duration", "must be between 1 and 86400 seconds")
    now = timezone.now()
    free = Q(locked_until__isnull=True) | Q(locked_until__lte=now) | Q(locked_by=holder)
    qs = items_qs.filter(free)
    # skip_locked: a row another transaction is claiming right now is skipped, not waited for.
    candidates = list(qs.select_for_update(skip_locked=True, of=("self",))[:count])
    until = now + timedelta(seconds=duration)
    for item in candidates:
        item.locked_by, item.locked_until = holder, until
    ReviewQueueItem.objects.bulk_update(candidates, ["locked_by", "locked_until"])
    return candidates


@transaction.atomic
def claim_item(*, item: ReviewQueueItem, holder: EndUser, duration_seconds: int | None = None) -> bool:
    """Claim one item for `holder`. Returns False when someone else holds it (nothing changes)."""
    item = lock_item(item)
    now = timezone.now()
    current = item.lock_holder(now)
    if current is not None and current != holder.pk:
        return False
    item.locked_by = holder
    item.locked_until = now + timedelta(seconds=duration_seconds or settings.MODERATION_LOCK_SECONDS)
    item.save(update_fields=["locked_by", "locked_until"])
    return True


@transaction.atomic
def release_item(*, item: ReviewQueueItem, holder: EndUser) -> bool:
    item = lock_item(item)
    if item.locked_by_id != holder.pk:
        return False
    item.locked_by, item.locked_until = None, None
    item.save(update_fields=["locked_by", "locked_until"])
    return True


def release_stale_locks(*, now=None) -> int:
    """Clear claims whose time ran out. Tidying only: holders were already read as expired."""
    now = now or timezone.now()
    return ReviewQueueItem.objects.filter(locked_until__lte=now).update(locked_by=None, locked_until=None)


def severity_from_label(label: str, field: str = "severity") -> int:
    try:
        return Severity.from_label(label).value
    except KeyError:
        raise ModerationError.invalid(field, "must be one of low, medium, high, critical") from None
