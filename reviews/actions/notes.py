"""Moderators' internal notes on queue items (never sent to the app)."""

from __future__ import annotations

from django.db import transaction

from reviews.models import ItemNote, ReviewQueueItem

from ._common import Actor, lock_item, require_text, write_log

MAX_NOTE = 5000


@transaction.atomic
def add_note(*, item: ReviewQueueItem, actor: Actor, text: str) -> ItemNote:
    """Add a note to `item`. Idempotent against double submits: the same author adding the same text as their
    latest note on this item gets that note back and nothing is logged twice."""
    text = require_text(text, "note", max_length=MAX_NOTE).strip()
    item = lock_item(item)
    latest = ItemNote.objects.filter(item=item, author=actor).order_by("-created_at", "-id").first()
    if latest is not None and latest.text == text:
        return latest
    note = ItemNote.objects.create(item=item, author=actor, text=text)
    write_log(action="note", actor=actor, target_user=item.entity_creator, item=item, reason=text[:500],
              custom={"note_id": note.pk})
    return note
