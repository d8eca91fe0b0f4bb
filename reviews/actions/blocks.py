from __future__ import annotations

from django.db import transaction

from reviews.errors import ModerationError
from reviews.models import EndUser, UserBlock

from ._common import Actor, lock_user, write_log


@transaction.atomic
def block_user(*, blocker: EndUser, blocked: EndUser, actor: Actor) -> UserBlock:
    """`blocker` blocks `blocked` (no rings or notifications from them). Idempotent."""
    if blocker.pk == blocked.pk:
        raise ModerationError.invalid("blocked_user_id", "a user cannot block themselves")
    lock_user(blocker)
    block = UserBlock.objects.filter(blocker=blocker, blocked=blocked).first()
    if block is not None:
        return block
    block = UserBlock.objects.create(blocker=blocker, blocked=blocked)
    write_log(action="block_user", actor=actor, target_user=blocked, custom={"blocked_by": blocker.pk})
    return block


@transaction.atomic
def unblock_user(*, blocker: EndUser, blocked: EndUser, actor: Actor) -> bool:
    """Remove the block; returns False (nothing logged) when there was none."""
    lock_user(blocker)
    deleted, _ = UserBlock.objects.filter(blocker=blocker, blocked=blocked).delete()
    if not deleted:
        return False
    write_log(action="unblock_user", actor=actor, target_user=blocked, custom={"blocked_by": blocker.pk})
    return True
