"""The watchlist: put a user on watch with no action on them, end the watch, and bring a watched user back for
review when the watch's review time passes. Each is logged and announced; none decides anything about the user
(the decision table's rows are RECORD, and the system's surfacing is SYSTEM)."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from reviews import events, payloads
from reviews.errors import ModerationError
from reviews.models import EndUser, EntityType, ReviewQueueItem, Watch

from ._common import Actor, lock_user, same_expiry, write_log

MAX_REASON = 2000
REVIEW_REASON = "watch review"  # the flag reason of the item the beat puts in the queue


def open_watch(user: EndUser | str) -> Watch | None:
    user_id = user.pk if isinstance(user, EndUser) else user
    return Watch.objects.filter(user_id=user_id, ended_at__isnull=True).first()


def _event(kind: str, watch: Watch, target: EndUser, actor: Actor, **extra) -> None:
    events.record(f"user.{kind}", user=payloads.user_common(target), watch=_watch_payload(watch),
                  **({"created_by": payloads.user_common(actor)} if actor is not None else {}), **extra)


def _watch_payload(watch: Watch) -> dict:
    return {"id": watch.pk, "reason": watch.reason, "review_after": payloads.ts(watch.review_after),
            "created_at": payloads.ts(watch.created_at), "ended_at": payloads.ts(watch.ended_at)}


@transaction.atomic
def watch_user(*, target: EndUser, actor: Actor, reason: str = "",
               review_after: datetime | None = None) -> Watch | None:
    """Put `target` on watch. Idempotent: watching a watched user with the same terms changes nothing and returns
    None; with a new reason or review time it updates the open watch (logged with `updated`, which undo refuses,
    as for a ban whose terms changed). Locks the user row, as every write about one user does."""
    if len(reason or "") > MAX_REASON:
        raise ModerationError.invalid("reason", f"must be at most {MAX_REASON} characters")
    if actor is not None and actor.pk == target.pk:
        raise ModerationError.invalid("target_user_id", "a moderator cannot watch themselves")
    target = lock_user(target)
    now = timezone.now()
    if review_after is not None and review_after <= now:
        raise ModerationError.invalid("review_after", "must be in the future")
    watch = open_watch(target)
    updated = watch is not None
    if watch is not None:
        if (reason or "") in ("", watch.reason) and same_expiry(review_after, watch.review_after):
            return None
        watch.reason = reason or watch.reason
        if not same_expiry(review_after, watch.review_after):
            watch.review_after, watch.review_surfaced_at, watch.review_item = review_after, None, None
        watch.save(update_fields=["reason", "review_after", "review_surfaced_at", "review_item"])
    else:
        try:
            with transaction.atomic():
                watch = Watch.objects.create(user=target, watched_by=actor, reason=reason or "",
                                             review_after=review_after, created_at=now)
        except IntegrityError:  # cannot happen under the user lock; said plainly if a row was written around it
            raise ModerationError("this user is already on watch", kind=ModerationError.CONFLICT,
                                  field="target_user_id") from None
    write_log(action="watch", actor=actor, target_user=target, reason=reason or "",
              custom={"watch_id": watch.pk, "review_after": watch.review_after.isoformat()
                      if watch.review_after else None, **({"updated": True} if updated else {})})
    _event("watched", watch, target, actor)
    return watch


@transaction.atomic
def unwatch_user(*, target: EndUser, actor: Actor, reason: str = "") -> Watch | None:
    """End `target`'s open watch. Idempotent: a user not on watch is left as is (returns None)."""
    target = lock_user(target)
    watch = open_watch(target)
    if watch is None:
        return None
    watch.ended_at, watch.ended_by = timezone.now(), actor
    watch.save(update_fields=["ended_at", "ended_by"])
    write_log(action="unwatch", actor=actor, target_user=target, reason=reason or "",
              custom={"watch_id": watch.pk, "watch_reason": watch.reason,
                      "review_after": watch.review_after.isoformat() if watch.review_after else None})
    _event("unwatched", watch, target, actor)
    return watch


def surface_due_reviews(*, now: datetime | None = None, limit: int = 500) -> int:
    """Bring back for review every open watch whose review time has passed: a pending "watch review" item for
    the user in the queue (made or re-opened by `flag_content`, as the system), once per watch. Each watch is
    its own transaction under SKIP LOCKED, so two beats never surface one watch twice. Returns how many."""
    now = now or timezone.now()
    due = list(Watch.objects.filter(ended_at__isnull=True, review_surfaced_at__isnull=True,
                                    review_after__lte=now).order_by("review_after").values_list("pk", flat=True)
               [:limit])
    return sum(1 for pk in due if _surface(pk, now) is not None)


@transaction.atomic
def _surface(watch_id: int, now: datetime) -> ReviewQueueItem | None:
    from .queue import flag_content

    watch = (Watch.objects.select_for_update(skip_locked=True).select_related("user")
             .filter(pk=watch_id, ended_at__isnull=True, review_surfaced_at__isnull=True, review_after__lte=now)
             .first())
    if watch is None:  # ended, surfaced or being surfaced meanwhile
        return None
    target = watch.user
    _, item = flag_content(reporter=None, entity_type=EntityType.USER, entity_id=target.pk, entity_creator=target,
                           reason=REVIEW_REASON, actor=None,
                           custom={"watch_id": watch.pk, "watch_reason": watch.reason[:500]})
    watch.review_surfaced_at, watch.review_item = now, item
    watch.save(update_fields=["review_surfaced_at", "review_item"])
    write_log(action="watch_review", actor=None, target_user=target, item=item, reason=watch.reason,
              custom={"watch_id": watch.pk})
    _event("watch_review_due", watch, target, None, review_queue_item_id=str(item.pk))
    return item
