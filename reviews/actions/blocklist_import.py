"""Adding many words to a blocklist at once (`import_block_list`, run a chunk at a time by
reviews/services/blocklist_import.py)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from reviews.errors import ModerationError
from reviews.models import Blocklist

from ._common import Actor, write_log
from .policies import clean_words


def blocklist_by_id(blocklist_id: Any) -> Blocklist:
    """The blocklist with this id (the `id` list_block_lists returns); 404 otherwise."""
    try:
        pk = int(str(blocklist_id))
    except ValueError:
        raise ModerationError.not_found("blocklist", str(blocklist_id)) from None
    blocklist = Blocklist.objects.filter(pk=pk).first()
    if blocklist is None:
        raise ModerationError.not_found("blocklist", str(blocklist_id))
    return blocklist


@transaction.atomic
def add_blocklist_words(*, blocklist_id: Any, words: list[str], actor: Actor) -> tuple[int, int]:
    """Append `words` (validated for the list's type) to the blocklist, skipping those already in it (case-
    insensitively). -> (added, already listed). Moves `updated_at` (every process recompiles the list) and logs,
    only when something was added."""
    blocklist = Blocklist.objects.select_for_update().filter(pk=blocklist_id).first()
    if blocklist is None:
        raise ModerationError.not_found("blocklist", str(blocklist_id))
    words = clean_words(words, type=blocklist.type, field="items")
    have = {w.casefold() for w in blocklist.words or []}
    new = [w for w in words if w.casefold() not in have]
    if not new:
        return 0, len(words)
    blocklist.words = clean_words([*(blocklist.words or []), *new], type=blocklist.type, field="items")
    blocklist.updated_at = timezone.now()
    blocklist.save(update_fields=["words", "updated_at"])
    write_log(action="import_block_list", actor=actor, reason=blocklist.name,
              custom={"name": blocklist.name, "team": blocklist.team, "added": len(new)})
    return len(new), len(words) - len(new)
