"""The decision table: every moderation verb is one row here, and `apply` is the one way a face applies one.

A row says what the verb is called (Stream's action name, which is also what `ModerationLog.action` records),
how it is labelled, which action function does it, what it does to the queue item, whether it needs one, how
it is undone, whether it is a moderator's decision (or an end user's own act, or the system's), its key and
the typed parameters it takes. The API's `submit_action`, the dashboard (decision form, queue rows, keyboard,
bulk job, users page), undo, the log, the Overview and Django admin all read these rows and call `apply`;
none of them keeps a list of verbs of its own.

One claim policy for every face: a decision on an item someone else holds (`locked_by`, unexpired) is refused
with a CONFLICT `ModerationError` naming the holder. Only a server-side API token whose JWT carries
`"override_claims": true` may pass `override_claim=True` (reviews/api decides that; docs/api.md).

Rows that no face offers (`faces` empty) are still here: they are the rest of the log's vocabulary (a shadow
ban, an undo, a call verdict, a configuration change), so the log can name and classify every entry.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, ValidationError

from reviews.errors import ModerationError
from reviews.models import EndUser, EntityType, ModerationLog, Mute, ReviewQueueItem

from . import bans, decisions, mutes, notes, queue, undo, users, watchlist
from ._common import Actor, acting_as, expiry_from_timeout


class Kind(enum.StrEnum):
    DECISION = "decision"  # a moderator's decision: counted in the Overview, offered for undo when it has one
    OWN = "own"  # an end user's own act: a report, blocking someone
    SYSTEM = "system"  # automod checks
    RECORD = "record"  # a moderator's act that decides nothing: notes, undo entries, configuration changes


class ItemOutcome(enum.StrEnum):
    REVIEWED = "reviewed"  # the item ends reviewed with this verb as its latest moderator action, claim released
    UNCHANGED = "unchanged"  # the item's status is left as it was (the verb may still note itself on it)
    PENDING = "pending"  # the item is (back) in the pending queue: a flag


class Face(enum.StrEnum):
    API = "api"  # submit_action
    FORM = "form"  # the decision form (dialog and item drawer)
    ROW = "row"  # a button (and key) on the queue row
    BULK = "bulk"  # the queue's bulk decision
    USER = "user"  # the Users page's verbs on one user
    ADMIN = "admin"  # Django admin actions


# --- parameters: one typed schema per verb, validated the same for the API, the forms and admin -------------

class Params(BaseModel):
    """Types are checked here, rules are the actions'. Keys a verb does not take are refused by name where a
    caller sends them from outside (`parse(..., strict=True)`: the API's sub-objects); the dashboard's forms
    share one set of fields across verbs (reason / decision_reason), so their extra keys are dropped here."""

    model_config = ConfigDict(extra="ignore")

    def why(self) -> str:
        return getattr(self, "decision_reason", None) or getattr(self, "reason", None) or ""


class DecisionParams(Params):
    decision_reason: str | None = None
    reason: str | None = None


class BanParams(Params):
    timeout: int | None = None
    reason: str | None = None
    shadow: bool | None = None
    ip_ban: bool | None = None
    channel_ban_only: bool | None = None
    channel_cid: str | None = None
    delete_messages: str | None = None
    delete_reactions: bool | None = None
    target_user_id: str | None = None
    ban_from_future_channels: bool | None = None


class UnbanParams(Params):
    target_user_id: str | None = None
    channel_cid: str | None = None
    remove_future_channels_ban: bool | None = None
    shadow_only: bool | None = None  # Stream Chat's remove_shadow_ban: a regular ban stays
    decision_reason: str | None = None


class DeleteParams(Params):
    entity_id: str | None = None
    entity_type: str | None = None
    hard_delete: bool | None = None
    reason: str | None = None
    mark_messages_deleted: bool | None = None
    delete_conversation_channels: bool | None = None
    delete_feeds_content: bool | None = None


class DeleteUserMessagesParams(Params):
    delete_messages: str
    channel_cid: str | None = None
    delete_reactions: bool | None = None
    entity_id: str | None = None
    entity_type: str | None = None
    reason: str | None = None


class MarkReviewedParams(DecisionParams):
    content_to_mark_as_reviewed_limit: int | None = None
    disable_marking_content_as_reviewed: bool | None = None


class EscalateParams(Params):
    reason: str | None = None
    priority: str | None = None
    notes: str | None = None


class CustomParams(Params):
    id: str
    options: dict[str, Any] | None = None


class FlagParams(Params):
    entity_id: str
    entity_type: str
    entity_creator_id: str | None = None
    reason: str | None = None
    custom: dict[str, Any] | None = None
    moderation_payload: dict[str, Any] | None = None


class MuteParams(Params):
    target_user_id: str | None = None
    timeout: int | None = None


class UnmuteParams(Params):
    target_user_id: str | None = None
    muted_by: str | None = None  # whose mute to lift; none named: every mute moderators made of the target


class NoteParams(Params):
    text: str


class CallUserParams(Params):
    call_cid: str
    target_user_id: str
    reason: str | None = None


class PermissionRequestParams(Params):
    request_id: int


class UserParams(Params):
    target_user_id: str | None = None
    reason: str | None = None


class WatchParams(Params):
    target_user_id: str | None = None
    reason: str | None = None
    timeout: int | None = None  # minutes until the watched user comes back for review (none: no timer)


# --- how each verb runs -----------------------------------------------------------------------------------

@dataclass
class Ctx:
    verb: Verb
    item: ReviewQueueItem | None
    actor: Actor
    params: Any
    own: bool = False


def _target(c: Ctx, explicit: str | None, field: str = "target_user_id") -> EndUser:
    """Whom a verb acts on: the named user, else the item's user (a user item) or its content's creator."""
    if explicit:
        # An existing user by its exact id (ids from elsewhere may be awkward, e.g. " "), else a new one, checked.
        return EndUser.objects.filter(pk=explicit).first() or users.ensure_user(explicit, field=field)
    item = c.item
    if item is not None:
        if item.entity_type == EntityType.USER:
            return users.ensure_user(item.entity_id, field="item_id")
        if item.entity_creator is not None:
            return item.entity_creator
    raise ModerationError.invalid(field, "is required: the item names no user to act on")


def _call_of(item: ReviewQueueItem, action: str):
    from reviews.models import Call

    # Call speech names its call in the payload (custom.call_cid); a call item's entity id is the cid itself.
    cid = ((item.moderation_payload or {}).get("custom") or {}).get("call_cid") or item.entity_id
    call_type, _, call_id = str(cid).partition(":")
    call = None
    if item.entity_type in (EntityType.CALL, EntityType.CALL_SPEECH) and call_id:
        call = Call.objects.filter(type=call_type, call_id=call_id).first()
    if call is None:
        raise ModerationError.invalid("action_type", f"{action} needs an item about a call we know; this item is "
                                                     f"{item.entity_type} {item.entity_id!r}")
    return call


def _ban(c: Ctx):
    p: BanParams = c.params
    target = _target(c, p.target_user_id)
    if c.actor is not None and target.pk == c.actor.pk:
        raise ModerationError.invalid("target_user_id", "a user cannot ban themselves")
    channel = p.channel_cid or None
    if p.channel_ban_only and not channel:
        channel = c.item.channel_cid if c.item is not None else None
        if not channel:
            raise ModerationError.invalid(f"{c.verb.name}.channel_ban_only",
                                          "this item has no channel; ban app-wide instead")
    ban = bans.ban_user(target=target, actor=c.actor, channel_cid=channel, reason=p.reason or "",
                        timeout_minutes=p.timeout, shadow=bool(p.shadow) or c.verb.name == "shadow_ban",
                        ip_ban=bool(p.ip_ban), item=c.item)
    if p.ban_from_future_channels:
        if c.actor is None:
            raise ModerationError.invalid(f"{c.verb.name}.ban_from_future_channels",
                                          "needs user_id: the user whose future channels the ban covers")
        from .future_bans import ban_from_future_channels

        ban_from_future_channels(target=target, banned_by=c.actor, actor=c.actor, reason=p.reason or "",
                                 timeout_minutes=p.timeout, shadow=bool(p.shadow) or c.verb.name == "shadow_ban")
    if p.delete_messages:
        decisions.delete_user_messages(target=target, actor=c.actor, mode=p.delete_messages, channel_cid=channel,
                                       delete_reactions=bool(p.delete_reactions), reason=p.reason or "")
    return ban


def _unban(c: Ctx):
    p: UnbanParams = c.params
    target = _target(c, p.target_user_id)
    lifted = bans.unban_user(target=target, actor=c.actor, channel_cid=p.channel_cid or None,
                             reason=p.decision_reason or "", item=c.item, shadow_only=bool(p.shadow_only))
    if p.remove_future_channels_ban:
        from .future_bans import lift_future_channel_bans

        lift_future_channel_bans(target=target, actor=c.actor)
    return lifted


def _content(state: str) -> Callable[[Ctx], Any]:
    def run(c: Ctx):
        return queue.set_content_state(item=c.item, actor=c.actor, state=state, reason=c.params.why(),
                                       hard=bool(getattr(c.params, "hard_delete", False)))
    return run


def _user_named_by_entity(c: Ctx):
    p = c.params
    return _target(c, p.entity_id if p.entity_type == EntityType.USER else None, "entity_id")


def _delete_user(c: Ctx):
    p: DeleteParams = c.params
    return decisions.delete_user(target=_user_named_by_entity(c), actor=c.actor, item=c.item,
                                 hard=bool(p.hard_delete), mark_messages_deleted=bool(p.mark_messages_deleted),
                                 reason=p.reason or "",
                                 delete_conversation_channels=bool(p.delete_conversation_channels),
                                 delete_feeds_content=bool(p.delete_feeds_content))


def _delete_user_messages(c: Ctx):
    p: DeleteUserMessagesParams = c.params
    return decisions.delete_user_messages(target=_user_named_by_entity(c), actor=c.actor, mode=p.delete_messages,
                                          item=c.item, channel_cid=p.channel_cid,
                                          delete_reactions=bool(p.delete_reactions), reason=p.reason or "")


MARK_CONTENT_MAX = 1000


def _mark_reviewed(c: Ctx):
    """Mark the item reviewed; for a user item, `content_to_mark_as_reviewed_limit` also marks up to that many of
    the user's pending content items (oldest first). Without it (or with `disable_marking_content_as_reviewed`)
    only the item is marked."""
    p: MarkReviewedParams = c.params
    item, limit = c.item, p.content_to_mark_as_reviewed_limit
    where = f"{c.verb.name}.content_to_mark_as_reviewed_limit"
    if limit is not None:
        if p.disable_marking_content_as_reviewed and limit:
            raise ModerationError.invalid(where, "contradicts disable_marking_content_as_reviewed; send one of them")
        if not 0 <= limit <= MARK_CONTENT_MAX:
            raise ModerationError.invalid(where, f"must be between 0 and {MARK_CONTENT_MAX}, got {limit}")
        if limit and item.entity_type != EntityType.USER:
            raise ModerationError.invalid(where, f"applies to a user's items ({EntityType.USER}); this item is "
                                                 f"{item.entity_type}")
    done = queue.mark_reviewed(item=item, actor=c.actor, decision_reason=p.why())
    if limit and not p.disable_marking_content_as_reviewed:
        content = (ReviewQueueItem.objects.filter(entity_creator_id=item.entity_id,
                                                  status=ReviewQueueItem.Status.PENDING)
                   .exclude(entity_type=EntityType.USER).order_by("created_at", "id")[:limit])
        for other in content:
            queue.mark_reviewed(item=other, actor=c.actor, decision_reason=p.why())
    return done


def _kick(c: Ctx):
    from .calls import kick_call_user

    call = _call_of(c.item, "kick_user")
    return kick_call_user(call=call, target=_target(c, None, "item_id"), actor=c.actor, reason=c.params.why())


def _end_call(c: Ctx):
    from .calls import end_call

    return end_call(call=_call_of(c.item, "end_call"), actor=c.actor)


def _flag(c: Ctx):
    p: FlagParams = c.params
    creator = users.ensure_user(p.entity_creator_id, field="entity_creator_id") if p.entity_creator_id else None
    _, item = queue.flag_content(reporter=c.actor, entity_type=p.entity_type, entity_id=p.entity_id,
                                 entity_creator=creator, reason=p.reason or "", custom=p.custom,
                                 moderation_payload=p.moderation_payload, actor=c.actor)
    c.item = item
    return item


def _muter(c: Ctx) -> EndUser:
    if c.actor is None:
        raise ModerationError.invalid("user_id", "is required: a mute is made by someone")
    return c.actor


def _mute(c: Ctx):
    p: MuteParams = c.params
    return mutes.mute_user(user=_muter(c), target=_target(c, p.target_user_id), actor=c.actor,
                           timeout_minutes=p.timeout)


def _unmute(c: Ctx):
    p: UnmuteParams = c.params
    target = _target(c, p.target_user_id)
    if c.own:
        return mutes.unmute_user(user=_muter(c), target=target, actor=c.actor)
    if p.muted_by:
        by = Mute.objects.filter(target=target, user_id=p.muted_by)
    else:  # a moderator lifts the mutes moderators made; a user's own mutes of someone are their business
        by = Mute.objects.filter(target=target, user__role__in=[EndUser.Role.MODERATOR, EndUser.Role.ADMIN])
    return sum(mutes.unmute_user(user=m.user, target=target, actor=c.actor) for m in by.select_related("user"))


def _note(c: Ctx):
    return notes.add_note(item=c.item, actor=c.actor, text=c.params.text)


def _deactivate(c: Ctx):
    return users.deactivate_user(target=_target(c, c.params.target_user_id), actor=c.actor)


def _reactivate(c: Ctx):
    return users.reactivate_user(target=_target(c, c.params.target_user_id), actor=c.actor)


def _watch(c: Ctx):
    p: WatchParams = c.params
    review_after = expiry_from_timeout(p.timeout, field=f"{c.verb.name}.timeout")
    return watchlist.watch_user(target=_target(c, p.target_user_id), actor=c.actor, reason=p.reason or "",
                                review_after=review_after)


def _unwatch(c: Ctx):
    return watchlist.unwatch_user(target=_target(c, c.params.target_user_id), actor=c.actor, reason=c.params.why())


def _call(cid: str):
    from reviews.models import Call

    call_type, _, call_id = cid.partition(":")
    call = Call.objects.filter(type=call_type, call_id=call_id).first()
    if call is None:
        raise ModerationError.not_found("call", cid)
    return call


def _call_block(c: Ctx):
    from .calls import block_call_user

    p: CallUserParams = c.params
    return block_call_user(call=_call(p.call_cid), target=_target(c, p.target_user_id), actor=c.actor,
                           reason=p.reason or "")


def _call_unblock(c: Ctx):
    from .calls import unblock_call_user

    p: CallUserParams = c.params
    return unblock_call_user(call=_call(p.call_cid), target=_target(c, p.target_user_id), actor=c.actor,
                             reason=p.reason or "")


def _permission(accept: bool) -> Callable[[Ctx], Any]:
    def run(c: Ctx):
        from reviews.models import PermissionRequest

        from .calls import decide_permission_request

        request = PermissionRequest.objects.filter(pk=c.params.request_id).first()
        if request is None:
            raise ModerationError.not_found("permission request", str(c.params.request_id))
        return decide_permission_request(request=request, actor=c.actor, accept=accept)
    return run


# --- the table --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verb:
    name: str  # Stream's action name; the ModerationLog.action it writes unless `logs_as` says otherwise
    label: str  # what a control offering it says ("Ban creator")
    kind: Kind = Kind.DECISION
    run: Callable[[Ctx], Any] | None = None  # None: only ever written by other actions (no face applies it)
    params: type[Params] = DecisionParams
    item: ItemOutcome = ItemOutcome.UNCHANGED
    needs_item: bool = False
    undo: Callable[[ModerationLog, Actor], None] | None = None  # reverses one of its log entries
    opposite: str = ""  # the verb `undo` amounts to (for people: "undo ban = unban")
    key: str = ""  # the queue row's keyboard key
    short: str = ""  # the row button's text (default: label)
    done: str = ""  # the toast's past tense ("creator banned")
    heavy: bool = False  # the row asks first: it opens the decision dialog with this verb ticked
    # The dashboard refuses it without a reason (presets: MODERATION_REASON_PRESETS). Not the API: Stream's SDKs
    # send bans without one.
    needs_reason: bool = False
    faces: frozenset[Face] = frozenset()
    logs_as: str = ""  # its log rows carry another verb's name (delete_comment is logged as delete_message)
    aliases: tuple[str, ...] = ()  # older names the dashboard posted (kept so a page open during a deploy works)
    offered: Callable[[ItemState], bool] | None = None  # shown on an item in this state (default: always)

    @property
    def undoable(self) -> bool:
        return self.undo is not None

    @property
    def confirms(self) -> bool:
        """A heavy verb that cannot be undone from its toast is confirmed before it is sent; a heavy verb with an
        undo is applied at once and its toast offers Undo (the opposite) for 10 s."""
        return self.heavy and not self.undoable


@dataclass(frozen=True)
class ItemState:
    """The parts of an item that decide which row controls it offers (8 combinations, precomputed by rows.py)."""

    reviewed: bool
    content_removed: bool
    escalated: bool

    @classmethod
    def of(cls, item: ReviewQueueItem) -> ItemState:
        return cls(item.status == ReviewQueueItem.Status.REVIEWED, bool(item.content_state), item.escalated)


API, FORM, ROW, BULK, USER, ADMIN = Face.API, Face.FORM, Face.ROW, Face.BULK, Face.USER, Face.ADMIN
DASHBOARD = frozenset({FORM, ROW, BULK})
REVIEWED, PENDING = ItemOutcome.REVIEWED, ItemOutcome.PENDING
_CONTENT = ReviewQueueItem.ContentState

# Declared in the order a decision of several verbs applies them (and the queue row shows them): the content
# decision before the ban (the ban, closing the item last, is its latest action), mark_reviewed last (a no-op
# after any other verb closed the item).
VERBS: tuple[Verb, ...] = (
    Verb("de_escalate", "De-escalate", run=lambda c: queue.de_escalate_item(item=c.item, actor=c.actor,
                                                                            reason=c.params.why()),
         needs_item=True, undo=undo.undo_de_escalate, opposite="escalate", key="e", short="De-esc.",
         done="de-escalated", faces=DASHBOARD | {API, ADMIN}, offered=lambda s: s.escalated),
    Verb("escalate", "Escalate", run=lambda c: queue.escalate_item(
        item=c.item, actor=c.actor, reason=c.params.reason or "", priority=c.params.priority or "",
        notes=c.params.notes or ""), params=EscalateParams, needs_item=True, undo=undo.undo_escalate,
         opposite="de_escalate", key="e", done="escalated", faces=DASHBOARD | {API, ADMIN},
         offered=lambda s: not s.escalated),
    Verb("delete_message", "Delete content", run=_content(_CONTENT.DELETED), params=DeleteParams, item=REVIEWED,
         needs_item=True, undo=undo.undo_content, opposite="restore", key="d", short="Delete",
         done="content deleted", faces=DASHBOARD | {API, ADMIN}, aliases=("delete",),
         offered=lambda s: not s.content_removed),
    Verb("delete_activity", "Delete activity", run=_content(_CONTENT.DELETED), params=DeleteParams,
         item=REVIEWED, needs_item=True, faces=frozenset({API}), logs_as="delete_message"),
    Verb("delete_comment", "Delete comment", run=_content(_CONTENT.DELETED), params=DeleteParams, item=REVIEWED,
         needs_item=True, faces=frozenset({API}), logs_as="delete_message"),
    Verb("delete_reaction", "Delete reaction", run=_content(_CONTENT.DELETED), params=DeleteParams,
         item=REVIEWED, needs_item=True, faces=frozenset({API}), logs_as="delete_message"),
    Verb("block", "Block content", run=_content(_CONTENT.BLOCKED), item=REVIEWED, needs_item=True,
         undo=undo.undo_content, opposite="restore", done="content blocked", faces=frozenset({API})),
    Verb("shadow_block", "Shadow-block content", run=_content(_CONTENT.SHADOW_BLOCKED), item=REVIEWED,
         needs_item=True, undo=undo.undo_content, opposite="restore", done="content shadow-blocked",
         faces=frozenset({API})),
    Verb("restore", "Restore content", run=lambda c: queue.restore_content(item=c.item, actor=c.actor,
                                                                           decision_reason=c.params.why()),
         item=REVIEWED, needs_item=True, undo=undo.undo_restore, opposite="delete_message", key="r",
         short="Restore", done="content restored", faces=DASHBOARD | {API, ADMIN},
         offered=lambda s: s.content_removed),
    Verb("unblock", "Unblock content", run=lambda c: queue.restore_content(item=c.item, actor=c.actor,
                                                                           decision_reason=c.params.why()),
         item=REVIEWED, needs_item=True, faces=frozenset({API}), logs_as="restore"),
    Verb("ban", "Ban creator", run=_ban, params=BanParams, item=REVIEWED, undo=undo.undo_ban, opposite="unban",
         key="b", short="Ban", done="creator banned", heavy=True, needs_reason=True,
         faces=DASHBOARD | {API, USER, ADMIN}),
    Verb("shadow_ban", "Shadow ban", run=_ban, params=BanParams, item=REVIEWED, undo=undo.undo_ban,
         opposite="unban", done="creator shadow banned", heavy=True, needs_reason=True, faces=frozenset({USER})),
    Verb("unban", "Unban", run=_unban, params=UnbanParams, item=REVIEWED, undo=undo.undo_unban, opposite="ban",
         done="unbanned", faces=frozenset({API, USER, ADMIN})),
    Verb("mute", "Mute creator", run=_mute, params=MuteParams, undo=undo.undo_mute, opposite="unmute", key="m",
         short="Mute", done="creator muted", faces=DASHBOARD | {USER}),
    Verb("note", "Add a note", kind=Kind.RECORD, run=_note, params=NoteParams, needs_item=True, key="n", short="Note",
         done="note added", heavy=True, faces=frozenset({FORM, ROW})),
    Verb("unmute", "Unmute", run=_unmute, params=UnmuteParams, undo=undo.undo_unmute, opposite="mute",
         done="unmuted", faces=frozenset({USER, ADMIN})),
    Verb("delete_user", "Delete user", run=_delete_user, params=DeleteParams, item=REVIEWED, needs_item=True,
         done="user deleted", heavy=True, faces=frozenset({API})),
    Verb("delete_user_messages", "Delete the user's messages", run=_delete_user_messages,
         params=DeleteUserMessagesParams, item=REVIEWED, done="messages deleted", heavy=True,
         faces=frozenset({API})),
    Verb("kick_user", "Kick from the call", run=_kick, item=REVIEWED, needs_item=True, done="kicked", heavy=True,
         faces=frozenset({API}), logs_as="call_kick"),
    Verb("end_call", "End the call", run=_end_call, item=REVIEWED, needs_item=True, done="call ended", heavy=True,
         faces=frozenset({API}), logs_as="call_ended"),
    Verb("custom", "Custom action", run=lambda c: decisions.custom_action(
        item=c.item, actor=c.actor, action_id=c.params.id, options=c.params.options),
         params=CustomParams, needs_item=True, done="custom action sent", faces=frozenset({API})),
    Verb("deactivate_user", "Deactivate", run=_deactivate, params=UserParams, undo=undo.undo_deactivate,
         opposite="reactivate_user", done="deactivated", heavy=True, faces=frozenset({USER, ADMIN}),
         aliases=("deactivate",)),
    Verb("reactivate_user", "Reactivate", run=_reactivate, params=UserParams, undo=undo.undo_reactivate,
         opposite="deactivate_user", done="reactivated", faces=frozenset({USER, ADMIN}), aliases=("reactivate",)),
    # The watchlist (reviews/actions/watchlist.py): a moderator's act that decides nothing about the user.
    Verb("watch", "Watch user", kind=Kind.RECORD, run=_watch, params=WatchParams, undo=undo.undo_watch,
         opposite="unwatch", done="on watch", faces=frozenset({USER})),
    Verb("unwatch", "Stop watching", kind=Kind.RECORD, run=_unwatch, params=UserParams, undo=undo.undo_unwatch,
         opposite="watch", done="no longer watched", faces=frozenset({USER})),
    Verb("mark_reviewed", "Mark reviewed", run=_mark_reviewed, params=MarkReviewedParams,
         item=REVIEWED, needs_item=True, undo=undo.undo_mark_reviewed, opposite="reopen", key="a",
         short="Reviewed", done="reviewed", faces=DASHBOARD | {API, ADMIN}, offered=lambda s: not s.reviewed),
    Verb("flag", "Flag", kind=Kind.OWN, run=_flag, params=FlagParams, item=PENDING, faces=frozenset({API})),
    # Written by other actions (undo, bulk jobs, sweeps, calls, policies); no face applies them directly.
    Verb("reopen", "Reopen", undo=undo.undo_reopen, opposite="mark_reviewed", done="reopened"),
    Verb("bulk_decision", "Bulk decision"),
    Verb("undo", "Undo", kind=Kind.RECORD),
    Verb("bulk_undo", "Bulk undo", kind=Kind.RECORD),
    Verb("block_user", "Block a user", kind=Kind.OWN),
    Verb("unblock_user", "Unblock a user", kind=Kind.OWN),
    Verb("check", "Automod check", kind=Kind.SYSTEM),
    Verb("upsert_config", "Save a moderation config", kind=Kind.RECORD),
    Verb("delete_config", "Delete a moderation config", kind=Kind.RECORD),
    Verb("create_blocklist", "Create a blocklist", kind=Kind.RECORD),
    Verb("update_blocklist", "Update a blocklist", kind=Kind.RECORD),
    Verb("delete_blocklist", "Delete a blocklist", kind=Kind.RECORD),
    Verb("update_app", "Update app settings", kind=Kind.RECORD),
    Verb("call_created", "Call created", kind=Kind.RECORD),
    Verb("call_settings_updated", "Call settings updated", kind=Kind.RECORD),
    Verb("call_ended", "Call ended"),
    Verb("call_block", "Block from the call", run=_call_block, params=CallUserParams, done="blocked from the call",
         heavy=True, faces=frozenset({ADMIN})),
    Verb("call_unblock", "Unblock from the call", run=_call_unblock, params=CallUserParams,
         done="unblocked from the call", faces=frozenset({ADMIN})),
    Verb("call_kick", "Kick from a call"),
    Verb("call_mute", "Mute in a call"),
    Verb("call_unmute", "Unmute in a call"),
    Verb("call_permissions_updated", "Call permissions updated"),
    Verb("call_permission_request", "Call permission requested", kind=Kind.OWN),
    Verb("call_permission_accepted", "Accept the permission request", run=_permission(True),
         params=PermissionRequestParams, done="accepted", faces=frozenset({ADMIN})),
    Verb("call_permission_rejected", "Reject the permission request", run=_permission(False),
         params=PermissionRequestParams, done="rejected", faces=frozenset({ADMIN})),
    Verb("call_verdict", "Call verdict", kind=Kind.SYSTEM, undo=undo.undo_call_verdict,
         opposite="call_verdict_reverted"),
    Verb("call_verdict_reverted", "Call verdict reverted"),
    # Appeals (reviews/actions/appeals.py): a user's own appeal, and the moderator's answer to it (whose reversal
    # is logged by the verb it applied).
    Verb("appeal", "Appeal", kind=Kind.OWN),
    Verb("appeal_accepted", "Accept the appeal", kind=Kind.RECORD),
    Verb("appeal_rejected", "Reject the appeal", kind=Kind.RECORD),
    Verb("appeal_reviewed", "Appeal reviewed", kind=Kind.RECORD),
    # Stream Chat's scopes (reviews/actions/future_bans.py, channel_mutes.py, unflag.py).
    Verb("ban_from_future_channels", "Ban from future channels"),
    Verb("unban_from_future_channels", "Lift a future-channel ban"),
    Verb("mute_channel", "Mute a channel", kind=Kind.OWN),
    Verb("unmute_channel", "Unmute a channel", kind=Kind.OWN),
    Verb("unflag", "Withdraw a flag", kind=Kind.OWN),
    # Custom queues and blocklist imports (reviews/actions/custom_queues.py, policies.py).
    Verb("create_queue", "Create a queue", kind=Kind.RECORD),
    Verb("update_queue", "Update a queue", kind=Kind.RECORD),
    Verb("delete_queue", "Delete a queue", kind=Kind.RECORD),
    Verb("assign_queue", "Assign a queue", kind=Kind.RECORD),
    Verb("import_block_list", "Import words into a blocklist", kind=Kind.RECORD),
    # Written by the beat: a watched user's review time passed; a queue's oldest item passed its age threshold.
    Verb("watch_review", "Watch review due", kind=Kind.SYSTEM),
    Verb("queue_stale", "Queue past its age threshold", kind=Kind.SYSTEM),
)
BY_NAME: dict[str, Verb] = {v.name: v for v in VERBS}
_ALIASES: dict[str, Verb] = {a: v for v in VERBS for a in v.aliases}
assert len(BY_NAME) == len(VERBS), "two rows with one name"


def find(name: str) -> Verb | None:
    """The row named `name`, or by one of its aliases."""
    return BY_NAME.get(name) or _ALIASES.get(name)


def get(name: str, *, face: Face | None = None, field: str = "action_type") -> Verb:
    """The row named `name` (or by an alias), refused with a clear error when unknown or not offered on `face`."""
    verb = find(name)
    if verb is None or (face is not None and face not in verb.faces):
        known = ", ".join(v.name for v in offered_on(face)) if face else ", ".join(BY_NAME)
        raise ModerationError.invalid(field, f"unknown action {name!r}; use one of {known}")
    return verb


def offered_on(face: Face) -> list[Verb]:
    return [v for v in VERBS if face in v.faces]


def log_choices() -> list[tuple[str, str]]:
    """`ModerationLog.action`'s choices: every verb a log row can name (the aliases are logged as their verb)."""
    return [(v.name, v.label) for v in VERBS if not v.logs_as]


def is_moderator_decision(action: str, actor_type: str) -> bool:
    """A log row is a moderator's decision when its verb is one and it was made in that capacity (an end user
    muting someone for themselves writes `mute` too, as a `user`; an expired ban's `unban` is the system's)."""
    verb = BY_NAME.get(action)
    return verb is not None and verb.kind == Kind.DECISION and actor_type in DECIDING


def can_undo(action: str, actor_type: str) -> bool:
    """A log row can be undone when its verb has an undo and a moderator (or server token) made it in that
    capacity: a decision, or a record that can be reversed (a watch). Others' acts are not undone here."""
    verb = BY_NAME.get(action)
    return (verb is not None and verb.undo is not None and verb.kind in (Kind.DECISION, Kind.RECORD)
            and actor_type in DECIDING)


def made_by(action: str, actor_type: str) -> str:
    """Whose act a log row records, for the log's and the Overview's readers: `moderator` (a moderator or a
    server token, deciding or noting), `user` (an end user's own: a report, a block, a mute of their own), or
    `system` (automod, expiry sweeps)."""
    verb = BY_NAME.get(action)
    if actor_type == ModerationLog.ActorType.USER or (verb is not None and verb.kind == Kind.OWN):
        return "user"
    if actor_type == ModerationLog.ActorType.AUTOMOD or (verb is not None and verb.kind == Kind.SYSTEM):
        return "system"
    return "moderator"


DECIDING = (ModerationLog.ActorType.MODERATOR, ModerationLog.ActorType.API)
DECISION_ACTIONS = tuple(v.name for v in VERBS if v.kind == Kind.DECISION and not v.logs_as)
UNDOABLE = frozenset(v.name for v in VERBS if v.undoable)


def parse(verb: Verb, params: Params | dict[str, Any] | None, *, prefix: str | None = None,
          strict: bool = False) -> Params:
    """Validate raw parameters against the verb's schema; the error names the field (`ban.timeout: ...`).
    `strict`: a key the verb does not take is an error naming it (no option is silently ignored)."""
    if isinstance(params, verb.params):
        return params
    where = prefix if prefix is not None else verb.name
    if strict:
        unknown = sorted(set(params or {}) - set(verb.params.model_fields))
        if unknown:
            raise ModerationError.invalid(f"{where}.{unknown[0]}", f"is not an option of {verb.name}")
    try:
        return verb.params.model_validate({k: v for k, v in (params or {}).items() if v is not None})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err.get("loc", ()))
        field = f"{where}.{loc}" if loc else where
        raise ModerationError.invalid(field, "is required" if err.get("type") == "missing"
                                      else err.get("msg", "is invalid")) from None


def _held_by_someone_else(held: ReviewQueueItem, actor: Actor) -> ModerationError | None:
    holder = held.lock_holder()
    if holder is None or (actor is not None and holder == actor.pk):
        return None
    until = timezone.localtime(held.locked_until).strftime("%H:%M:%S")
    return ModerationError(f"{holder} is reviewing this item (held until {until} UTC); pick another one.",
                           kind=ModerationError.CONFLICT, field="item_id")


def check_claim(item: ReviewQueueItem, actor: Actor) -> None:
    """Refuse a decision on an item someone else holds. Reads the claim under a row lock (the caller's
    transaction), so it cannot change between this check and the decision."""
    held = ReviewQueueItem.objects.select_for_update().only("locked_by", "locked_until").get(pk=item.pk)
    refused = _held_by_someone_else(held, actor)
    if refused is not None:
        raise refused


# When an item is claimed, for every face: a claim says "I am deciding this one", so it starts when someone
# starts deciding (the dashboard: the first touch of an item's decision form, the claim key, "Next free item";
# the API: `lock_items`), never when an item is only looked at (its page, its drawer, a link from the log or a
# user's page), and it ends when they decide (the verbs that close the item release it), leave the item, or
# after MODERATION_LOCK_SECONDS. A claim is not a decision: it is not logged.

def take(item: ReviewQueueItem, actor: EndUser) -> ReviewQueueItem:
    """Claim `item` for `actor`, who is starting to decide it (or renewing their own claim). Refused with the
    same CONFLICT a decision would get when someone else holds it."""
    with transaction.atomic():
        if not queue.claim_item(item=item, holder=actor):
            raise _held_by_someone_else(ReviewQueueItem.objects.get(pk=item.pk), actor) or ModerationError(
                "Someone else took this item a moment ago; pick another one.", kind=ModerationError.CONFLICT,
                field="item_id")
    return item


def let_go(item: ReviewQueueItem, actor: EndUser) -> bool:
    """`actor` left the item undecided: their claim (if they hold it) ends now. Someone else's is untouched."""
    return queue.release_item(item=item, holder=actor)


@dataclass
class Applied:
    verb: Verb
    item: ReviewQueueItem | None  # the item decided (for `flag`, the one it made or updated)
    result: Any  # what the action function returned (a Ban, a Mute, whether anything changed...)


def apply(
    verb: Verb | str, *, item: ReviewQueueItem | None = None, actor: Actor,
    params: Params | dict[str, Any] | None = None, override_claim: bool = False, own: bool = False,
) -> Applied:
    """Apply one verb: check its parameters and the claim, run its action, and leave the item as the row says,
    all in one transaction. Every face calls this; none calls the verb's action itself.

    `own=True` records an end user's act for themselves (a user muting someone from their app) instead of a
    moderator's decision: no claim applies and the log says `user`. `override_claim` is for a server-side token
    that said so (see the module docstring); a dashboard never passes it.
    """
    verb = get(verb) if isinstance(verb, str) else verb
    if verb.run is None:
        raise ModerationError.invalid("action_type", f"{verb.name} is recorded by other actions, not applied")
    if verb.needs_item and item is None:
        raise ModerationError.invalid("item_id", f"is required for {verb.name}")
    parsed = parse(verb, params)
    if own or verb.kind == Kind.OWN:  # a report or a block without a reporter is the system's
        capacity = ModerationLog.ActorType.USER if actor is not None else None
    elif verb.kind == Kind.SYSTEM:
        capacity = None
    else:  # a decision, or a note about one: the moderator's (or a server token's) act, held items refused
        capacity = ModerationLog.ActorType.MODERATOR if actor is not None else ModerationLog.ActorType.API
    deciding = capacity in DECIDING
    ctx = Ctx(verb=verb, item=item, actor=actor, params=parsed, own=own)
    with transaction.atomic(), acting_as(capacity):
        if deciding and item is not None and not override_claim:
            check_claim(item, actor)
        result = verb.run(ctx)
        if verb.item == ItemOutcome.REVIEWED and ctx.item is not None:
            ctx.item = decisions.record_item_decision(item=ctx.item, actor=actor, action=_closed_as(verb))
    return Applied(verb=verb, item=ctx.item, result=result)


def _closed_as(verb: Verb) -> str:
    # The item's `latest_moderator_action` is the verb as asked (kick_user, ban even when shadow), except that
    # Stream's aliases of one content decision record that decision (delete_comment -> delete_message).
    return verb.logs_as if verb.logs_as and not verb.logs_as.startswith("call_") else verb.name
