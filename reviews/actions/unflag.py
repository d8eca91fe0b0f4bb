"""A reporter withdraws their flag (Stream Chat's unflag_message / unflag_user)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from reviews import events, payloads
from reviews.models import EndUser, Flag

from ._common import Actor, lock_item, require_text, write_log


@transaction.atomic
def unflag_content(*, reporter: EndUser, entity_type: str, entity_id: str, actor: Actor) -> Flag | None:
    """Remove `reporter`'s flag on the entity: the flag row goes, its queue item counts one flag less (the item
    and any decision on it stay). Returns the removed flag, or None (nothing logged) when there was none."""
    entity_type = require_text(entity_type, "entity_type", max_length=64)
    entity_id = require_text(entity_id, "entity_id")
    flag = (Flag.objects.select_for_update()
            .filter(reporter=reporter, entity_type=entity_type, entity_id=entity_id).first())
    if flag is None:
        return None
    item = lock_item(flag.item)
    flag.delete()
    item.flags_count = F("flags_count") - 1
    item.updated_at = timezone.now()
    item.save(update_fields=["flags_count", "updated_at"])
    item.refresh_from_db(fields=["flags_count"])
    write_log(action="unflag", actor=actor, target_user=item.entity_creator, item=item,
              custom={"entity_type": entity_type, "entity_id": entity_id, "reporter": reporter.pk})
    events.record("review_queue_item.updated", review_queue_item=payloads.review_queue_item(item), action="unflag")
    return flag
