"""Video-call moderation: creating calls, their settings, blocking, kicking, muting, permissions and
permission requests, and turning an audio-moderation verdict into call actions.

Every write about a call locks the call row first, so writes to one call (and its members) are serialised.
Each function returns early when the state already holds, logs in the same transaction (every log row carries
`custom.call_cid`, which is how the Calls page finds a call's history) and records Stream's event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from reviews import events, payloads
from reviews.errors import ModerationError
from reviews.models import Call, CallMember, EndUser, EntityType, ModerationLog, PermissionRequest, ReviewQueueItem
from reviews.selectors import calls as sel

from ._common import Actor, lock_or_create, require_text, write_log
from .bans import ban_user, unban_user
from .queue import flag_content
from .users import ensure_user

MAX_MEMBERS_PER_REQUEST = 100


# --- helpers ----------------------------------------------------------------------------------------------

def _lock_call(call: Call) -> Call:
    return Call.objects.select_for_update(of=("self",)).select_related("created_by").get(pk=call.pk)


def _user_payload(user: EndUser | None) -> dict[str, Any] | None:
    return payloads.user_with_state(user) if user is not None else None


def _log(action: str, *, call: Call, actor: Actor, target: EndUser | None = None, reason: str = "",
         item: ReviewQueueItem | None = None, **custom: Any) -> ModerationLog:
    return write_log(action=action, actor=actor, target_user=target, item=item, reason=reason,
                     custom={"call_cid": call.cid, **custom})


def _member(call: Call, user: EndUser, *, role: str = "user") -> CallMember:
    """The user's locked member row, added (and announced) if they were not a member yet: moderating someone
    who joined without being invited makes them known to the call."""
    member, created = lock_or_create(CallMember, lookup={"call": call, "user": user}, defaults={"role": role})
    if created:
        events.record("call.member_added", call_cid=call.cid, call=payloads.call_response(call),
                      members=payloads.member_responses([member]))
    return member


def _touch(member: CallMember, *fields: str) -> None:
    member.updated_at = timezone.now()
    member.save(update_fields=[*fields, "updated_at"])


def _refuse_if_banned(user: EndUser | None, field: str) -> None:
    if user is not None and sel.is_app_banned(user):
        raise ModerationError(f"{field}: user {user.pk!r} is banned and cannot create, join or ring calls",
                              kind=ModerationError.NOT_ALLOWED, field=field)


def _clean_call_type(call_type: str) -> str:
    call_type = require_text(call_type, "type", max_length=64)
    if not all(c.isalnum() or c in "_-" for c in call_type):
        raise ModerationError.invalid("type", "may contain only letters, digits, '_' and '-'")
    return call_type


def _clean_members(members: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    if members is None:
        return []
    if not isinstance(members, list):
        raise ModerationError.invalid("data.members", "must be a list of {user_id, role?, custom?}")
    if len(members) > MAX_MEMBERS_PER_REQUEST:
        raise ModerationError.invalid("data.members", f"at most {MAX_MEMBERS_PER_REQUEST} members per request")
    clean: dict[str, dict[str, Any]] = {}
    for i, member in enumerate(members):
        field = f"data.members[{i}]"
        if not isinstance(member, dict):
            raise ModerationError.invalid(field, "must be an object with user_id")
        user_id = require_text(member.get("user_id"), f"{field}.user_id")
        role = member.get("role") or "user"
        if not isinstance(role, str) or len(role) > 64:
            raise ModerationError.invalid(f"{field}.role", "must be a string of at most 64 characters")
        custom = member.get("custom") or {}
        if not isinstance(custom, dict):
            raise ModerationError.invalid(f"{field}.custom", "must be an object")
        clean[user_id] = {"user_id": user_id, "role": role, "custom": custom}
    return list(clean.values())


def _check_leaves(value: dict[str, Any], shape: dict[str, Any], path: str) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, v in value.items():
        if v is None:
            continue
        ref, where = shape.get(key), f"{path}.{key}"
        if isinstance(ref, bool):
            ok, problem = isinstance(v, bool), "must be true or false"
        elif isinstance(ref, int):
            ok, problem = isinstance(v, int) and not isinstance(v, bool) and v >= 0, "must be a whole number >= 0"
        elif isinstance(ref, str):
            ok, problem = isinstance(v, str), "must be a string"
        elif isinstance(ref, list):
            ok, problem = isinstance(v, list), "must be a list"
        elif isinstance(ref, dict):
            if not isinstance(v, dict):
                raise ModerationError.invalid(where, "must be an object")
            clean[key] = _check_leaves(v, ref, where)
            continue
        else:
            ok, problem = True, ""  # not in the defaults: stored and returned as given
        if not ok:
            raise ModerationError.invalid(where, problem)
        clean[key] = v
    return clean


def clean_settings_override(override: dict[str, Any] | None, field: str = "settings_override") -> dict[str, Any]:
    """Check a settings override against the shape of the defaults, so what we store decodes in the SDK."""
    if override is None:
        return {}
    if not isinstance(override, dict):
        raise ModerationError.invalid(field, "must be an object")
    clean: dict[str, Any] = {}
    for key, block in override.items():
        if block is None:
            continue
        if key not in sel.DEFAULT_SETTINGS:
            known = ", ".join(sorted(sel.DEFAULT_SETTINGS))
            raise ModerationError.invalid(f"{field}.{key}", f"is not a call setting; known settings: {known}")
        if not isinstance(block, dict):
            raise ModerationError.invalid(f"{field}.{key}", "must be an object")
        clean[key] = _check_leaves(block, sel.DEFAULT_SETTINGS[key], f"{field}.{key}")
    return clean


def _clean_capabilities(values: Iterable[str] | None, field: str) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str) or not all(isinstance(v, str) for v in values):
        raise ModerationError.invalid(field, "must be a list of capability names")
    for value in values:
        if value not in sel.REQUESTABLE:
            raise ModerationError.invalid(
                field, f"{value!r} cannot be granted, revoked or requested; use {', '.join(sel.REQUESTABLE)}"
            )
    return sorted(set(values))


def _ring(call: Call, *, ringer: EndUser, event_type: str, video: bool) -> list[str]:
    """Ring (or notify) the members, leaving out anyone who blocked the ringer. Returns who was rung."""
    recipients = sel.ring_recipients(call=call, caller=ringer)
    payload: dict[str, Any] = {
        "call_cid": call.cid, "session_id": "", "call": payloads.call_response(call),
        "members": payloads.member_responses(recipients), "user": payloads.user_with_state(ringer),
    }
    if event_type == "call.ring":
        payload["video"] = video
    events.record(event_type, **payload)
    return [m.user_id for m in recipients]


# --- calls --------------------------------------------------------------------------------------------------

@transaction.atomic
def get_or_create_call(
    *,
    call_type: str,
    call_id: str,
    actor: Actor,
    created_by: EndUser | None,
    caller: EndUser | None = None,
    members: list[dict[str, Any]] | None = None,
    custom: dict[str, Any] | None = None,
    settings_override: dict[str, Any] | None = None,
    starts_at: datetime | None = None,
    ring: bool = False,
    notify: bool = False,
    video: bool = False,
) -> tuple[Call, bool, list[str]]:
    """Return `(call, created, rung_user_ids)`.

    `caller` is the user whose token asked (None for a server token); for them this is joining, so an
    app-banned caller or one blocked from the call is refused, and a kicked member's kick is over. Creating needs
    a `created_by` who is not app-banned. Data for an existing call is ignored, as Stream does; asking again
    changes nothing. Ringing skips members who blocked the ringer.
    """
    call_type = _clean_call_type(call_type)
    call_id = require_text(call_id, "id", max_length=255)
    if ":" in call_id:
        raise ModerationError.invalid("id", "must not contain ':'")
    _refuse_if_banned(caller, "user_id")
    clean_members = _clean_members(members)
    override = clean_settings_override(settings_override, "data.settings_override")
    if custom is not None and not isinstance(custom, dict):
        raise ModerationError.invalid("data.custom", "must be an object")

    call = Call.objects.filter(type=call_type, call_id=call_id).first()
    created = False
    if call is None:
        if created_by is None:
            raise ModerationError.invalid("data.created_by_id", "is required when a server token creates a call")
        _refuse_if_banned(created_by, "data.created_by_id")
        now = timezone.now()
        call, created = lock_or_create(
            Call, lookup={"type": call_type, "call_id": call_id},
            defaults={"created_by": created_by, "custom": custom or {}, "settings_override": override,
                      "starts_at": starts_at, "created_at": now, "updated_at": now},
        )
    call = _lock_call(call)
    if created:
        users = {m["user_id"]: ensure_user(m["user_id"]) for m in clean_members}
        CallMember.objects.bulk_create([
            CallMember(call=call, user=users[m["user_id"]], role=m["role"], custom=m["custom"])
            for m in clean_members
        ])
        _log("call_created", call=call, actor=actor, target=created_by,
             members=[m["user_id"] for m in clean_members])
        events.record("call.created", call_cid=call.cid, call=payloads.call_response(call),
                      members=payloads.member_responses(call.members.select_related("user")))

    if caller is not None:
        member = CallMember.objects.select_for_update().filter(call=call, user=caller).first()
        if member is not None and member.blocked_at is not None:
            raise ModerationError("user_id: you are blocked from this call", kind=ModerationError.NOT_ALLOWED,
                                  field="user_id")
        if member is not None and member.kicked_at is not None:
            member.kicked_at = None
            _touch(member, "kicked_at")

    rung: list[str] = []
    if ring or notify:
        ringer = caller or created_by or call.created_by
        if ringer is None:
            raise ModerationError.invalid("data.created_by_id", "is required to ring or notify members")
        _refuse_if_banned(ringer, "data.created_by_id")
        rung = _ring(call, ringer=ringer, event_type="call.ring" if ring else "call.notification", video=video)
    return call, created, rung


@transaction.atomic
def update_call_settings(
    *,
    call: Call,
    actor: Actor,
    settings_override: dict[str, Any] | None = None,
    custom: dict[str, Any] | None = None,
    starts_at: datetime | None = None,
) -> Call:
    """Merge `settings_override` into the call's (screensharing and access requests take effect on the next
    read of capabilities; other settings are stored and returned). Idempotent: nothing logged when nothing
    changes."""
    override = clean_settings_override(settings_override)
    if custom is not None and not isinstance(custom, dict):
        raise ModerationError.invalid("custom", "must be an object")
    call = _lock_call(call)
    merged = sel.deep_merge(call.settings_override or {}, override)
    changes: dict[str, Any] = {}
    if merged != (call.settings_override or {}):
        changes["settings_override"] = override
        call.settings_override = merged
    if custom is not None and custom != call.custom:
        changes["custom"] = custom
        call.custom = custom
    if starts_at is not None and starts_at != call.starts_at:
        changes["starts_at"] = starts_at.isoformat()
        call.starts_at = starts_at
    if not changes:
        return call
    call.updated_at = timezone.now()
    call.save(update_fields=["settings_override", "custom", "starts_at", "updated_at"])
    _log("call_settings_updated", call=call, actor=actor, changes=changes)
    roles = sel.ROLE_CAPABILITIES.get(call.type, sel.ROLE_CAPABILITIES["default"])
    settings = sel.effective_settings(call)
    events.record(
        "call.updated", call_cid=call.cid, call=payloads.call_response(call, settings=settings),
        capabilities_by_role={
            role: sel.capabilities(call=call, member=None, role=role, settings=settings) for role in roles
        },
    )
    return call


@transaction.atomic
def end_call(*, call: Call, actor: Actor) -> bool:
    """Mark the call ended. Returns False (nothing logged) when it already was."""
    call = _lock_call(call)
    if call.ended_at is not None:
        return False
    call.ended_at = call.updated_at = timezone.now()
    call.save(update_fields=["ended_at", "updated_at"])
    _log("call_ended", call=call, actor=actor)
    events.record("call.ended", call_cid=call.cid, call=payloads.call_response(call), user=_user_payload(actor))
    return True


# --- blocking and kicking -----------------------------------------------------------------------------------

def _block(call: Call, member: CallMember, *, actor: Actor) -> None:
    # A block also removes them now; after an unblock they count as kicked (out, free to join again).
    member.blocked_at = timezone.now()
    member.kicked_at = member.kicked_at or member.blocked_at
    _touch(member, "blocked_at", "kicked_at")
    events.record("call.blocked_user", call_cid=call.cid, user=payloads.user_with_state(member.user),
                  blocked_by_user=_user_payload(actor))


@transaction.atomic
def block_call_user(
    *, call: Call, target: EndUser, actor: Actor, reason: str = "", item: ReviewQueueItem | None = None,
    context: dict[str, Any] | None = None,
) -> CallMember:
    """Block `target` from the call: listed in `blocked_user_ids`, holds no capabilities and cannot join
    again until unblocked. Idempotent."""
    if actor is not None and actor.pk == target.pk:
        raise ModerationError.invalid("user_id", "you cannot block yourself from a call")
    call = _lock_call(call)
    member = _member(call, target)
    if member.blocked_at is not None:
        return member
    _block(call, member, actor=actor)
    _log("call_block", call=call, actor=actor, target=target, reason=reason, item=item, **(context or {}))
    return member


@transaction.atomic
def unblock_call_user(*, call: Call, target: EndUser, actor: Actor, reason: str = "") -> bool:
    """Let `target` join again. Returns False (nothing logged) when they were not blocked."""
    call = _lock_call(call)
    member = CallMember.objects.select_for_update().filter(call=call, user=target).first()
    if member is None or member.blocked_at is None:
        return False
    member.blocked_at = None
    _touch(member, "blocked_at")
    _log("call_unblock", call=call, actor=actor, target=target, reason=reason)
    events.record("call.unblocked_user", call_cid=call.cid, user=payloads.user_with_state(target))
    return True


@transaction.atomic
def kick_call_user(
    *, call: Call, target: EndUser, actor: Actor, block: bool = False, reason: str = "",
    item: ReviewQueueItem | None = None, context: dict[str, Any] | None = None,
) -> CallMember:
    """Remove `target` from the call now. Without `block` they may join again (joining ends the kick, as in
    Stream); with it they are also blocked. Idempotent: kicking a kicked member again changes nothing unless
    the block is new."""
    if actor is not None and actor.pk == target.pk:
        raise ModerationError.invalid("user_id", "you cannot kick yourself from a call")
    call = _lock_call(call)
    member = _member(call, target)
    new_kick = member.kicked_at is None and member.blocked_at is None
    new_block = block and member.blocked_at is None
    if not new_kick and not new_block:
        return member
    if new_kick:
        member.kicked_at = timezone.now()
        _touch(member, "kicked_at")
        events.record("call.kicked_user", call_cid=call.cid, user=payloads.user_with_state(target),
                      kicked_by_user=_user_payload(actor))
    if new_block:
        _block(call, member, actor=actor)
    _log("call_kick", call=call, actor=actor, target=target, reason=reason, item=item, block=block,
         **(context or {}))
    return member


# --- muting -------------------------------------------------------------------------------------------------

def _tracks(audio: bool, video: bool, screenshare: bool, screenshare_audio: bool) -> list[str]:
    chosen = dict(zip(sel.TRACKS, (audio, video, screenshare, screenshare_audio), strict=True))
    for track, value in chosen.items():
        if not isinstance(value, bool):
            raise ModerationError.invalid(track, "must be true or false")
    tracks = [t for t, on in chosen.items() if on]
    if not tracks:
        raise ModerationError.invalid("audio", "name at least one track: audio, video, screenshare or "
                                               "screenshare_audio")
    return tracks


@transaction.atomic
def mute_call_users(
    *,
    call: Call,
    actor: Actor,
    user_ids: list[str] | None = None,
    mute_all_users: bool = False,
    audio: bool = False,
    video: bool = False,
    screenshare: bool = False,
    screenshare_audio: bool = False,
    reason: str = "",
    item: ReviewQueueItem | None = None,
    context: dict[str, Any] | None = None,
) -> list[str]:
    """Mute the named members' tracks, or every other participant's (`mute_all_users`: everyone in the call
    except the actor, not blocked or kicked members). Returns the ids whose state changed; muting what is
    already muted changes nothing and logs nothing. One log row per muted member, one `call.user_muted`."""
    tracks = _tracks(audio, video, screenshare, screenshare_audio)
    if bool(user_ids) == bool(mute_all_users):
        raise ModerationError.invalid("user_ids", "give either user_ids or mute_all_users=true")
    if user_ids is not None and (isinstance(user_ids, str) or not all(isinstance(u, str) for u in user_ids)):
        raise ModerationError.invalid("user_ids", "must be a list of user ids")
    call = _lock_call(call)
    qs = CallMember.objects.select_for_update().filter(call=call).select_related("user").order_by("id")
    if mute_all_users:
        targets = list(qs.filter(blocked_at__isnull=True, kicked_at__isnull=True).exclude(
            user_id=actor.pk if actor else None))
    else:
        targets = list(qs.filter(user_id__in=user_ids))
        missing = sorted(set(user_ids) - {m.user_id for m in targets})
        if missing:
            raise ModerationError.invalid("user_ids", f"not members of {call.cid}: {', '.join(missing)}")
    changed = []
    for member in targets:
        fields = [f"{t}_muted" for t in tracks if not getattr(member, f"{t}_muted")]
        if not fields:
            continue
        for field in fields:
            setattr(member, field, True)
        _touch(member, *fields)
        _log("call_mute", call=call, actor=actor, target=member.user, reason=reason, item=item,
             tracks=[f.removesuffix("_muted") for f in fields], mute_all=bool(mute_all_users), **(context or {}))
        changed.append(member.user_id)
    if changed:
        events.record("call.user_muted", call_cid=call.cid, from_user_id=actor.pk if actor else "",
                      muted_user_ids=changed, reason=reason or "")
    return changed


@transaction.atomic
def unmute_call_user(*, call: Call, target: EndUser, actor: Actor, tracks: Iterable[str] = sel.TRACKS) -> bool:
    """Lift a moderator's (or automod's) mute on these tracks. Stream has no server unmute, so this is ours:
    it exists to make automatic soft-mutes reversible. Returns False when nothing was muted."""
    tracks = list(tracks)
    for track in tracks:
        if track not in sel.TRACKS:
            raise ModerationError.invalid("tracks", f"unknown track {track!r}; use {', '.join(sel.TRACKS)}")
    call = _lock_call(call)
    member = CallMember.objects.select_for_update().filter(call=call, user=target).first()
    fields = [f"{t}_muted" for t in tracks if member is not None and getattr(member, f"{t}_muted")]
    if not fields:
        return False
    for field in fields:
        setattr(member, field, False)
    _touch(member, *fields)
    _log("call_unmute", call=call, actor=actor, target=target, tracks=[f.removesuffix("_muted") for f in fields])
    events.record("call.member_updated", call_cid=call.cid, call=payloads.call_response(call),
                  members=payloads.member_responses([member]))
    return True


# --- permissions --------------------------------------------------------------------------------------------

@transaction.atomic
def update_call_user_permissions(
    *,
    call: Call,
    target: EndUser,
    actor: Actor,
    grant: Iterable[str] | None = None,
    revoke: Iterable[str] | None = None,
) -> CallMember:
    """Grant or revoke send-audio, send-video and screenshare for one user in this call. Pending requests the
    user now holds everything for are accepted (Stream accepts a request by granting it). Idempotent."""
    grant = _clean_capabilities(grant, "grant_permissions")
    revoke = _clean_capabilities(revoke, "revoke_permissions")
    if not grant and not revoke:
        raise ModerationError.invalid("grant_permissions", "give grant_permissions or revoke_permissions")
    both = sorted(set(grant) & set(revoke))
    if both:
        raise ModerationError.invalid("revoke_permissions", f"{', '.join(both)} is both granted and revoked")
    call = _lock_call(call)
    member = _member(call, target)
    granted = sorted((set(member.granted_capabilities or []) | set(grant)) - set(revoke))
    revoked = sorted((set(member.revoked_capabilities or []) | set(revoke)) - set(grant))
    changed = granted != sorted(member.granted_capabilities or []) or revoked != sorted(
        member.revoked_capabilities or [])
    if changed:
        member.granted_capabilities, member.revoked_capabilities = granted, revoked
        _touch(member, "granted_capabilities", "revoked_capabilities")
    held = set(sel.capabilities(call=call, member=member, banned=sel.is_app_banned(target)))
    accepted = []
    for request in PermissionRequest.objects.select_for_update().filter(
        call=call, user=target, status=PermissionRequest.Status.PENDING
    ):
        if set(request.permissions) <= held:
            _decide(request, actor=actor, status=PermissionRequest.Status.ACCEPTED)
            accepted.append(request.pk)
    if not changed and not accepted:
        return member
    _log("call_permissions_updated", call=call, actor=actor, target=target, grant=grant, revoke=revoke,
         accepted_requests=accepted)
    events.record("call.permissions_updated", call_cid=call.cid, own_capabilities=sorted(held),
                  user=payloads.user_with_state(target))
    return member


def _decide(request: PermissionRequest, *, actor: Actor, status: str) -> None:
    request.status, request.decided_by, request.decided_at = status, actor, timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])


@transaction.atomic
def request_call_permission(*, call: Call, user: EndUser, permissions: Iterable[str]) -> PermissionRequest:
    """`user` asks for capabilities in this call; moderators see it and accept or deny. Allowed only where the
    call's settings accept requests for every capability asked (`<block>.access_request_enabled`; screenshare
    also needs screensharing enabled). Asking again while the same request is pending returns it."""
    permissions = _clean_capabilities(permissions, "permissions")
    if not permissions:
        raise ModerationError.invalid("permissions", "name at least one of " + ", ".join(sel.REQUESTABLE))
    _refuse_if_banned(user, "user_id")
    call = _lock_call(call)
    if call.ended_at is not None:
        raise ModerationError.not_allowed(f"call {call.cid} has ended")
    settings = sel.effective_settings(call)
    for permission in permissions:
        if not sel.access_request_allowed(settings, permission):
            block = sel.REQUEST_SETTING[permission]
            why = ("screensharing is disabled" if permission == "screenshare" and not sel.screensharing_enabled(
                settings) else f"settings.{block}.access_request_enabled is off")
            raise ModerationError(f"permissions: this call does not accept requests for {permission} ({why})",
                                  kind=ModerationError.NOT_ALLOWED, field="permissions")
    member = CallMember.objects.filter(call=call, user=user).first()
    if member is not None and member.blocked_at is not None:
        raise ModerationError.not_allowed("you are blocked from this call")
    held = set(sel.capabilities(call=call, member=member, role=user.role, settings=settings))
    if set(permissions) <= held:
        raise ModerationError.invalid("permissions", f"you already have {', '.join(permissions)}")
    existing = PermissionRequest.objects.filter(
        call=call, user=user, status=PermissionRequest.Status.PENDING, permissions=permissions
    ).first()
    if existing is not None:
        return existing
    request = PermissionRequest.objects.create(call=call, user=user, permissions=permissions)
    _log("call_permission_request", call=call, actor=user, target=user, permissions=permissions,
         request_id=request.pk)
    events.record("call.permission_request", call_cid=call.cid, permissions=permissions,
                  user=payloads.user_with_state(user))
    return request


@transaction.atomic
def decide_permission_request(*, request: PermissionRequest, actor: Actor, accept: bool) -> PermissionRequest:
    """Accept (grant what was asked) or deny a pending request. Deciding a decided request changes nothing."""
    call = _lock_call(request.call)
    request = PermissionRequest.objects.select_for_update().select_related("user").get(pk=request.pk)
    if request.status != PermissionRequest.Status.PENDING:
        return request
    if accept:
        _decide(request, actor=actor, status=PermissionRequest.Status.ACCEPTED)
        _log("call_permission_accepted", call=call, actor=actor, target=request.user,
             permissions=request.permissions, request_id=request.pk)
        update_call_user_permissions(call=call, target=request.user, actor=actor, grant=request.permissions)
    else:
        _decide(request, actor=actor, status=PermissionRequest.Status.REJECTED)
        _log("call_permission_rejected", call=call, actor=actor, target=request.user,
             permissions=request.permissions, request_id=request.pk)
        # Stream has no event for a denied request; the member's view is unchanged, so announce nothing.
    return request


# --- audio moderation loop (seed 004) -------------------------------------------------------------------------

VERDICT_ACTIONS = ("keep", "flag", "remove", "block", "shadow_block")


def speech_entity_id(call: Call, speaker: EndUser, transcript: str) -> str:
    digest = hashlib.sha256(transcript.encode()).hexdigest()[:16]
    return f"{call.cid}:{speaker.pk}:{digest}"


@transaction.atomic
def apply_call_verdict(
    *,
    call: Call,
    speaker: EndUser,
    verdict: str,
    transcript_excerpt: str,
    item: ReviewQueueItem | None = None,
    soft_mute: bool = False,
    ban: bool = False,
) -> ModerationLog | None:
    """Turn a moderation verdict on something said in a call into call actions, as automod (actor None).

    keep: nothing. flag: queue it (the `check` item, or a new `stream:v1:call_speech` item with the call cid and
    speaker in the payload) and, with `soft_mute`, mute the speaker's audio. remove / block / shadow_block: kick
    the speaker (block: also block them from the call), and with `ban` ban them app-wide.
    Each action logs itself; one `call_verdict` log row summarises what was done with the transcript excerpt
    (the Calls page shows it, and `revert_call_verdict` undoes it). Returns that row, or None for keep.
    """
    if verdict not in VERDICT_ACTIONS:
        raise ModerationError.invalid("verdict", f"unknown verdict {verdict!r}; use {', '.join(VERDICT_ACTIONS)}")
    if verdict == "keep":
        return None
    excerpt = (transcript_excerpt or "")[:500]
    reason = f"automod: {verdict} on call speech"
    context = {"transcript_excerpt": excerpt, "verdict": verdict, "automatic": True}
    taken: list[str] = []
    if item is None:
        _, item = flag_content(
            reporter=None, entity_type=EntityType.CALL_SPEECH, entity_id=speech_entity_id(call, speaker, excerpt),
            entity_creator=speaker, reason=reason, actor=None,
            moderation_payload={"texts": [excerpt], "custom": {"call_cid": call.cid, "speaker_id": speaker.pk}},
        )
        taken.append("queued")
    if verdict == "flag":
        if soft_mute and mute_call_users(call=call, actor=None, user_ids=[speaker.pk], audio=True, reason=reason,
                                         item=item, context=context):
            taken.append("soft_mute")
    else:
        if not CallMember.objects.filter(call=call, user=speaker, blocked_at__isnull=False).exists():
            kick_call_user(call=call, target=speaker, actor=None, block=verdict == "block", reason=reason,
                           item=item, context=context)
            taken.append("kick_block" if verdict == "block" else "kick")
        if ban:
            ban_user(target=speaker, actor=None, reason=reason, item=item)
            taken.append("ban")
    return _log("call_verdict", call=call, actor=None, target=speaker, reason=reason, item=item,
                taken=taken, **context)


@transaction.atomic
def revert_call_verdict(*, entry: ModerationLog, actor: Actor) -> bool:
    """Undo what an automatic verdict did (unmute, unblock, unban; a kick needs no undo: the speaker may join
    again). Returns False when it was already reverted. The log stays append-only: a new row records it."""
    entry = ModerationLog.objects.select_for_update(of=("self",)).select_related("target_user").get(pk=entry.pk)
    if entry.action != "call_verdict":
        raise ModerationError.invalid("entry", "only automatic call verdicts can be reverted here")
    if sel.verdict_reverted([entry.pk]):
        return False
    call = Call.objects.filter(
        type=entry.custom["call_cid"].split(":", 1)[0], call_id=entry.custom["call_cid"].split(":", 1)[1]
    ).first()
    if call is None:
        raise ModerationError.not_found("call", entry.custom["call_cid"])
    target, taken = entry.target_user, entry.custom.get("taken", [])
    if target is None:
        raise ModerationError.invalid("entry", "the speaker no longer exists")
    if "soft_mute" in taken:
        unmute_call_user(call=call, target=target, actor=actor, tracks=["audio"])
    if "kick_block" in taken:
        unblock_call_user(call=call, target=target, actor=actor, reason="automatic block reverted")
    if "ban" in taken:
        unban_user(target=target, actor=actor, reason="automatic ban reverted")
    _log("call_verdict_reverted", call=call, actor=actor, target=target, reverts=entry.pk, taken=taken)
    return True
