"""Review-queue decisions that `submit_action` needs beyond the queue actions: deleting a user, deleting a
user's messages, custom actions, and recording on an item which enforcement decided it.

We host users but not messages, so `delete_user` marks the user deleted here, while message deletions are
recorded on the item and announced (`review_queue_item.updated`) for the app to carry out.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from reviews import events, payloads
from reviews.errors import ModerationError
from reviews.models import EndUser, ReviewQueueItem

from ._common import Actor, lock_item, lock_user, write_log
from .queue import _DECISION_FIELDS, _decide

DELETE_MODES = ("soft", "pruning", "hard")


def _close(item: ReviewQueueItem, actor: Actor, action: str) -> None:
    """Mark a locked item decided by `action` and release its claim (no log: the caller logs the decision)."""
    _decide(item, actor, action, timezone.now())
    item.save(update_fields=_DECISION_FIELDS)


@transaction.atomic
def record_item_decision(*, item: ReviewQueueItem, actor: Actor, action: str) -> ReviewQueueItem:
    """Close `item` as decided by an enforcement action (ban, unban, kick...) that already wrote its own log row
    pointing at the item, in the same transaction. Idempotent: an item already closed by `action` is unchanged."""
    item = lock_item(item)
    if item.status == ReviewQueueItem.Status.REVIEWED and item.latest_moderator_action == action:
        return item
    _close(item, actor, action)
    events.record("review_queue_item.updated", review_queue_item=payloads.review_queue_item(item), action=action)
    return item


@transaction.atomic
def delete_user(
    *, target: EndUser, actor: Actor, item: ReviewQueueItem | None = None, hard: bool = False,
    mark_messages_deleted: bool = False, reason: str = "", delete_conversation_channels: bool = False,
    delete_feeds_content: bool = False,
) -> bool:
    """Mark the user deleted (their tokens keep working only for reads we do not gate; the app removes the
    account on `user.deleted`). Idempotent: returns False, logging nothing, if already deleted. We host no
    channels or feeds: `delete_conversation_channels` and `delete_feeds_content` are logged and announced in
    `user.deleted` for the app to carry out, as `mark_messages_deleted` is."""
    target = lock_user(target)
    if target.deleted_at is not None:
        if item is not None:
            record_item_decision(item=item, actor=actor, action="delete_user")
        return False
    target.deleted_at = timezone.now()
    target.save(update_fields=["deleted_at", "updated_at"])
    write_log(action="delete_user", actor=actor, target_user=target, item=item, reason=reason,
              custom={"hard_delete": hard, "mark_messages_deleted": mark_messages_deleted,
                      "delete_conversation_channels": delete_conversation_channels,
                      "delete_feeds_content": delete_feeds_content})
    events.record("user.deleted", user=payloads.user_common(target), hard_delete=hard,
                  mark_messages_deleted=mark_messages_deleted,
                  delete_conversation_channels=delete_conversation_channels,
                  delete_feeds_content=delete_feeds_content)
    if item is not None:
        item = lock_item(item)
        _close(item, actor, "delete_user")
    return True


@transaction.atomic
def delete_user_messages(
    *, target: EndUser, actor: Actor, mode: str, item: ReviewQueueItem | None = None,
    channel_cid: str | None = None, delete_reactions: bool = False, reason: str = "",
) -> ReviewQueueItem | None:
    """Ask the app to delete the user's messages (we do not host them): logged and announced with the mode.
    Not idempotent by nature (new messages may have arrived), so every call is recorded."""
    if mode not in DELETE_MODES:
        raise ModerationError.invalid("delete_user_messages.delete_messages", "must be soft, pruning or hard")
    lock_user(target)
    write_log(action="delete_user_messages", actor=actor, target_user=target, item=item, reason=reason,
              custom={"delete_messages": mode, "channel_cid": channel_cid, "delete_reactions": delete_reactions})
    if item is not None:
        item = lock_item(item)
        _close(item, actor, "delete_user_messages")
    events.record(
        "review_queue_item.updated", action="delete_user_messages",
        review_queue_item=payloads.review_queue_item(item) if item else None,
        user=payloads.user_common(target), delete_messages=mode, channel_cid=channel_cid,
    )
    return item


@transaction.atomic
def custom_action(
    *, item: ReviewQueueItem, actor: Actor, action_id: str, options: dict[str, Any] | None = None,
) -> ReviewQueueItem:
    """An app-defined action: recorded and announced as `moderation.custom_action` for the app to carry out.
    The item stays open (the app decides what the action means)."""
    if not action_id or not str(action_id).strip():
        raise ModerationError.invalid("custom.id", "is required and must not be empty")
    if options is not None and not isinstance(options, dict):
        raise ModerationError.invalid("custom.options", "must be an object")
    item = lock_item(item)
    item.latest_moderator_action, item.updated_at = "custom", timezone.now()
    item.save(update_fields=["latest_moderator_action", "updated_at"])
    write_log(action="custom", actor=actor, target_user=item.entity_creator, item=item,
              custom={"action_id": action_id, "options": options or {}})
    events.record("moderation.custom_action", action_id=action_id, options=options or {},
                  review_queue_item=payloads.review_queue_item(item))
    return item
