"""Call reads: effective settings, capabilities, members and the dashboard's lists.

Capabilities are computed when read, never stored: the member's role defaults for the call type, plus what was
granted, minus what was revoked, then the call-wide rules (screensharing disabled means nobody holds
`screenshare`; a blocked member or an app-banned user holds nothing). So a settings change or a lifted ban
takes effect on the next read, with nothing to recompute.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import django_filters
from django.db.models import Q

from reviews.errors import ModerationError
from reviews.models import Ban, Call, CallMember, EndUser, ModerationLog, PermissionRequest, UserBlock

from .filtersets import FilterSet
from .pagination import Page, SortKey, keyset_page

# The capabilities a moderator may grant or revoke, and which a user may ask for.
REQUESTABLE = ("send-audio", "send-video", "screenshare")
TRACKS = ("audio", "video", "screenshare", "screenshare_audio")

# Which settings block decides whether a capability may be asked for.
REQUEST_SETTING = {"send-audio": "audio", "send-video": "video", "screenshare": "screensharing"}

_USER = frozenset({
    "create-call", "create-reaction", "enable-noise-cancellation", "join-call", "join-ended-call", "read-call",
    "screenshare", "send-audio", "send-video",
})
_MODERATION = frozenset({
    "block-users", "end-call", "kick-user", "mute-users", "pin-for-everyone", "remove-call-member",
    "update-call", "update-call-member", "update-call-permissions", "update-call-settings", "join-backstage",
    "change-max-duration", "send-closed-captions-call",
    "start-record-call", "stop-record-call", "start-transcription-call", "stop-transcription-call",
    "start-closed-captions-call", "stop-closed-captions-call", "start-broadcast-call", "stop-broadcast-call",
})
# Audio rooms and livestreams: plain users listen; speaking or sharing is asked for (Stream's defaults).
_LISTENER = _USER - {"send-audio", "send-video", "screenshare"}

_DEFAULT_ROLES = {"user": _USER, "call_member": _USER, "host": _USER | _MODERATION, "admin": _USER | _MODERATION,
                  "moderator": _USER | _MODERATION}
ROLE_CAPABILITIES: dict[str, dict[str, frozenset[str]]] = {
    "default": _DEFAULT_ROLES,
    "development": _DEFAULT_ROLES,
    "audio_room": {**_DEFAULT_ROLES, "user": _LISTENER, "call_member": _LISTENER},
    "livestream": {**_DEFAULT_ROLES, "user": _LISTENER, "call_member": _LISTENER},
}
SERVER_CAPABILITIES = _USER | _MODERATION

_LAYOUT = {"name": "", "external_app_url": "", "external_css_url": ""}
DEFAULT_SETTINGS: dict[str, Any] = {
    "audio": {"access_request_enabled": False, "default_device": "speaker", "hifi_audio_enabled": False,
              "mic_default_on": True, "opus_dtx_enabled": True, "redundant_coding_enabled": True,
              "speaker_default_on": True},
    "backstage": {"enabled": False},
    "broadcasting": {"enabled": False,
                     "hls": {"auto_on": False, "enabled": False, "quality_tracks": [], "layout": _LAYOUT},
                     "rtmp": {"enabled": False, "quality": "", "layout": _LAYOUT}},
    "encryption": {"mode": "disabled"},
    "frame_recording": {"capture_interval_in_seconds": 0, "mode": "disabled"},
    "geofencing": {"names": []},
    "individual_recording": {"mode": "disabled"},
    "ingress": {"enabled": False},
    "limits": {"max_participants_exclude_roles": []},
    "raw_recording": {"mode": "disabled"},
    "recording": {"audio_only": False, "mode": "available", "quality": "720p", "layout": _LAYOUT},
    "ring": {"auto_cancel_timeout_ms": 30000, "incoming_call_timeout_ms": 30000, "missed_call_timeout_ms": 30000},
    "screensharing": {"access_request_enabled": False, "enabled": True},
    "session": {"inactivity_timeout_seconds": 30},
    "thumbnails": {"enabled": False},
    "transcription": {"closed_caption_mode": "available", "language": "auto", "mode": "available"},
    "video": {"access_request_enabled": False, "camera_default_on": True, "camera_facing": "front", "enabled": True,
              "target_resolution": {"width": 1280, "height": 720}},
}
_TYPE_SETTINGS: dict[str, dict[str, Any]] = {
    "audio_room": {"audio": {"access_request_enabled": True, "default_device": "speaker"},
                   "video": {"enabled": False, "camera_default_on": False, "access_request_enabled": False},
                   "screensharing": {"enabled": False}, "backstage": {"enabled": True}},
    "livestream": {"audio": {"access_request_enabled": True}, "video": {"access_request_enabled": True},
                   "screensharing": {"access_request_enabled": True}, "backstage": {"enabled": True}},
}


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def type_settings(call_type: str) -> dict[str, Any]:
    return deep_merge(DEFAULT_SETTINGS, _TYPE_SETTINGS.get(call_type, {}))


def effective_settings(call: Call) -> dict[str, Any]:
    """The call type's defaults with the call's `settings_override` laid over them."""
    return deep_merge(type_settings(call.type), call.settings_override or {})


def screensharing_enabled(settings: dict[str, Any]) -> bool:
    return bool(settings["screensharing"].get("enabled"))


def access_request_allowed(settings: dict[str, Any], capability: str) -> bool:
    block = settings[REQUEST_SETTING[capability]]
    if capability == "screenshare" and not screensharing_enabled(settings):
        return False
    return bool(block.get("access_request_enabled"))


def role_capabilities(call_type: str, role: str) -> frozenset[str]:
    roles = ROLE_CAPABILITIES.get(call_type, _DEFAULT_ROLES)
    return roles.get(role, roles["user"])


def banned_user_ids(user_ids: Iterable[str], now=None) -> set[str]:
    """Of these users, those under an app-wide hard ban in force (one query)."""
    ids = list(user_ids)
    if not ids:
        return set()
    bans = Ban.objects.in_force(now).app_wide().filter(target_id__in=ids, shadow=False)
    return set(bans.values_list("target_id", flat=True))


def is_app_banned(user: EndUser) -> bool:
    return bool(banned_user_ids([user.pk]))


def capabilities(
    *, call: Call, member: CallMember | None, role: str = "user", banned: bool = False,
    settings: dict[str, Any] | None = None,
) -> list[str]:
    """What this member (or a non-member with `role`) may do in the call, sorted."""
    if banned or (member is not None and member.blocked_at is not None):
        return []
    settings = settings if settings is not None else effective_settings(call)
    held = set(role_capabilities(call.type, member.role if member else role))
    if member is not None:
        held |= set(member.granted_capabilities or [])
        held -= set(member.revoked_capabilities or [])
    if not screensharing_enabled(settings):
        held.discard("screenshare")
    return sorted(held)


def own_capabilities(*, call: Call, user: EndUser | None) -> list[str]:
    """`own_capabilities` for the caller: a server token holds everything (screenshare still follows the
    settings); a user holds their member capabilities, or a plain user's when not a member."""
    settings = effective_settings(call)
    if user is None:
        held = set(SERVER_CAPABILITIES)
        if not screensharing_enabled(settings):
            held.discard("screenshare")
        return sorted(held)
    member = CallMember.objects.filter(call=call, user=user).first()
    return capabilities(call=call, member=member, role=user.role, banned=is_app_banned(user), settings=settings)


def blocked_user_ids(call: Call) -> list[str]:
    return sorted(call.members.filter(blocked_at__isnull=False).values_list("user_id", flat=True))


def ring_recipients(*, call: Call, caller: EndUser, member_ids: Iterable[str] | None = None) -> list[CallMember]:
    """Members to ring: not the caller, not blocked from the call, and not anyone who blocked the caller."""
    qs = call.members.select_related("user").exclude(user=caller).filter(blocked_at__isnull=True)
    if member_ids is not None:
        qs = qs.filter(user_id__in=list(member_ids))
    blockers = UserBlock.objects.filter(blocked=caller).values("blocker_id")
    return list(qs.exclude(user_id__in=blockers))


# --- lists -------------------------------------------------------------------------------------------------

MEMBER_SORT = [SortKey("created_at", False), SortKey("id", False)]


class CharInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    pass


class CallMemberFilter(FilterSet):
    """`query_call_members` filter_conditions and the dashboard's participant list mean the same thing."""

    user_id = CharInFilter(field_name="user_id", lookup_expr="in")
    role = CharInFilter(field_name="role", lookup_expr="in")
    blocked = django_filters.BooleanFilter(field_name="blocked_at", lookup_expr="isnull", exclude=True)
    kicked = django_filters.BooleanFilter(field_name="kicked_at", lookup_expr="isnull", exclude=True)
    name = django_filters.CharFilter(field_name="user__name", lookup_expr="icontains")

    class Meta:
        model = CallMember
        fields: list[str] = []


def member_page(
    *, call: Call, data: dict[str, Any] | None = None, limit: int = 25, next_cursor: str | None = None,
    prev_cursor: str | None = None, keys: list[SortKey] | None = None,
) -> Page:
    filterset = CallMemberFilter(data=data or {}, queryset=call.members.select_related("user"))
    if not filterset.is_valid():
        field, errors = next(iter(filterset.errors.items()))
        raise ModerationError.invalid(f"filter_conditions.{field}", "; ".join(errors))
    return keyset_page(filterset.qs, keys or MEMBER_SORT, limit=limit, next_cursor=next_cursor, prev_cursor=prev_cursor)


ACTIVE_SORT = [SortKey("created_at", True), SortKey("id", True)]


def active_calls_page(*, limit: int = 20, next_cursor: str | None = None) -> Page:
    """Calls not ended, newest first (keyset over the `(ended_at, created_at)` index)."""
    qs = Call.objects.filter(ended_at__isnull=True).select_related("created_by")
    return keyset_page(qs, ACTIVE_SORT, limit=limit, next_cursor=next_cursor)


def pending_requests(call: Call) -> list[PermissionRequest]:
    return list(
        call.permission_requests.filter(status=PermissionRequest.Status.PENDING).select_related("user")
        .order_by("created_at", "id")
    )


CALL_LOG_ACTIONS = ("call_block", "call_unblock", "call_kick", "call_mute", "call_unmute",
                    "call_permissions_updated", "call_permission_request", "call_permission_rejected",
                    "call_settings_updated", "call_ended", "call_created", "ban", "flag")


def call_log(call: Call, *, limit: int = 20, automatic_only: bool = False) -> list[ModerationLog]:
    """Recent moderation on this call, newest first (the `call_cid` every call action writes into the log)."""
    qs = ModerationLog.objects.filter(custom__call_cid=call.cid).select_related("actor", "target_user")
    if automatic_only:
        qs = qs.filter(actor__isnull=True)
    return list(qs.order_by("-created_at", "-id")[:limit])


def verdict_reverted(entry_ids: list[int]) -> set[int]:
    """Of these `call_verdict` entries, the ids reverted already (from the Calls page or as a log undo)."""
    if not entry_ids:
        return set()
    rows = ModerationLog.objects.filter(
        Q(action="call_verdict_reverted", custom__reverts__in=entry_ids)
        | Q(action="undo", custom__undoes__in=entry_ids)
    ).values_list("custom", flat=True)
    return {c.get("reverts", c.get("undoes")) for c in rows}


def call_verdicts(call: Call) -> list[dict[str, Any]]:
    """The automatic verdicts on this call (audio moderation), newest first, each marked when reverted."""
    entries = list(ModerationLog.objects.filter(action="call_verdict", custom__call_cid=call.cid)
                   .select_related("target_user").order_by("-created_at", "-id")[:20])
    reverted = verdict_reverted([e.pk for e in entries])
    return [{"entry": e, "reverted": e.pk in reverted, "taken": e.custom.get("taken", [])} for e in entries]


def participant_rows(call: Call) -> list[dict[str, Any]]:
    """Every member with capabilities and mute state, for the dashboard (three queries, whatever the size)."""
    members = list(call.members.select_related("user").order_by("created_at", "id"))
    settings = effective_settings(call)
    banned = banned_user_ids(m.user_id for m in members)
    return [
        {
            "member": m,
            "user": m.user,
            "banned": m.user_id in banned,
            "capabilities": capabilities(call=call, member=m, banned=m.user_id in banned, settings=settings),
            "muted": {t: getattr(m, f"{t}_muted") for t in TRACKS},
            "state": "blocked" if m.blocked_at else ("kicked" if m.kicked_at else "in call"),
        }
        for m in members
    ]
