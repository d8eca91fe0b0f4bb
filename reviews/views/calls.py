"""Calls: active calls, one call's participants (capabilities, mute state per track), pending permission
requests (polled), automatic actions from audio moderation, and every call moderation verb in one click."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from reviews import actions
from reviews.actions import registry
from reviews.errors import ModerationError
from reviews.models import Call, EndUser, ModerationLog, PermissionRequest
from reviews.selectors import calls as sel

from ._common import action_view, can_act, done, me, page_view, role_of

TRACK_LABELS = {"audio": "audio", "video": "video", "screenshare": "screen share",
                "screenshare_audio": "screen-share audio"}
# The operations that are rows of the decision table: a heavy row without an undo is confirmed before it is sent
# (`Verb.confirms`); the rest apply at once.
OP_VERBS = {"kick": "kick_user", "block": "call_block", "end": "end_call"}
CONFIRMED_OPS = frozenset(op for op, name in OP_VERBS.items() if registry.BY_NAME[name].confirms)


def _find_call(cid: str) -> Call:
    call_type, _, call_id = (cid or "").partition(":")
    call = Call.objects.select_related("created_by").filter(type=call_type, call_id=call_id).first()
    if call is None:
        raise ModerationError.not_found("call", cid)
    return call


def _detail_context(request: HttpRequest, call: Call) -> dict[str, Any]:
    settings = sel.effective_settings(call)
    return {
        "call": call,
        "settings": settings,
        "screensharing": sel.screensharing_enabled(settings),
        "screenshare_requests": bool(settings["screensharing"].get("access_request_enabled")),
        "rows": sel.participant_rows(call),
        "requests": sel.pending_requests(call),
        "verdicts": sel.call_verdicts(call),
        "history": sel.call_log(call, limit=15),
        "requestable": sel.REQUESTABLE,
        "can_act": can_act(request),
        "confirmed_ops": CONFIRMED_OPS,
    }


@page_view()
def calls(request: HttpRequest) -> HttpResponse:
    """The page, or one region of it for HTMX: `part=requests` (polled) or `part=detail`."""
    page = sel.active_calls_page(limit=30, next_cursor=request.GET.get("next") or None)
    cid = request.GET.get("call") or (page.rows[0].cid if page.rows else "")
    context: dict[str, Any] = {"page": page, "calls": page.rows, "selected": cid, "role": role_of(request),
                               "can_act": can_act(request)}
    error = ""
    if cid:
        try:
            context.update(_detail_context(request, _find_call(cid)))
        except ModerationError as exc:
            error = exc.message
    context["error"] = error
    part = request.GET.get("part") if request.htmx else None
    if part in {"requests", "detail"} and "call" in context:
        return render(request, f"reviews/calls.html#{part}", context)
    return render(request, "reviews/calls.html", context)


def _user(user_id: str) -> EndUser:
    user = EndUser.objects.filter(pk=user_id).first()
    if user is None:
        raise ModerationError.invalid("user_id", f"user {user_id!r} does not exist")
    return user


def _request(call: Call, request_id: str) -> PermissionRequest:
    found = PermissionRequest.objects.filter(call=call, pk=request_id).select_related("user", "call").first() \
        if request_id.isdigit() else None
    if found is None:
        raise ModerationError.not_found("permission request", request_id)
    return found


def _track(value: str) -> str:
    if value not in sel.TRACKS:
        raise ModerationError.invalid("track", f"unknown track {value!r}")
    return value


def _capability(value: str) -> str:
    if value not in sel.REQUESTABLE:
        raise ModerationError.invalid("capability", f"{value!r} cannot be granted or revoked here")
    return value


def _mute_all(call, actor, post):
    track = _track(post.get("track", "audio"))
    changed = actions.mute_call_users(call=call, actor=actor, mute_all_users=True, **{track: True})
    return f"Muted {TRACK_LABELS[track]} for {len(changed)} participant{'s' if len(changed) != 1 else ''}" \
        if changed else f"Everyone's {TRACK_LABELS[track]} was already muted"


def _mute(call, actor, post):
    track, user_id = _track(post.get("track", "")), post.get("user_id", "")
    actions.mute_call_users(call=call, actor=actor, user_ids=[user_id], **{track: True})
    return f"Muted {user_id}'s {TRACK_LABELS[track]}"


def _unmute(call, actor, post):
    track, user = _track(post.get("track", "")), _user(post.get("user_id", ""))
    actions.unmute_call_user(call=call, target=user, actor=actor, tracks=[track])
    return f"Lifted the mute on {user.pk}'s {TRACK_LABELS[track]}"


def _kick(call, actor, post):
    user = _user(post.get("user_id", ""))
    actions.kick_call_user(call=call, target=user, actor=actor)
    return f"Kicked {user.pk} from the call (they may join again)"


def _block(call, actor, post):
    user = _user(post.get("user_id", ""))
    actions.block_call_user(call=call, target=user, actor=actor)
    return f"Blocked {user.pk}: removed, and cannot join again until unblocked"


def _unblock(call, actor, post):
    user = _user(post.get("user_id", ""))
    actions.unblock_call_user(call=call, target=user, actor=actor)
    return f"Unblocked {user.pk}: they may join again"


def _grant(call, actor, post):
    user, capability = _user(post.get("user_id", "")), _capability(post.get("capability", ""))
    actions.update_call_user_permissions(call=call, target=user, actor=actor, grant=[capability])
    return f"Granted {capability} to {user.pk}"


def _revoke(call, actor, post):
    user, capability = _user(post.get("user_id", "")), _capability(post.get("capability", ""))
    actions.update_call_user_permissions(call=call, target=user, actor=actor, revoke=[capability])
    return f"Revoked {capability} from {user.pk}"


def _decide(accept: bool) -> Callable:
    def decide(call, actor, post):
        found = _request(call, post.get("request_id", ""))
        decided = actions.decide_permission_request(request=found, actor=actor, accept=accept)
        verb = "Accepted" if decided.status == PermissionRequest.Status.ACCEPTED else "Denied"
        return f"{verb} {found.user_id}'s request for {', '.join(found.permissions)}"

    return decide


def _screensharing(field: str, label: str) -> Callable:
    def toggle(call, actor, post):
        on = post.get("value") == "on"
        actions.update_call_settings(call=call, actor=actor, settings_override={"screensharing": {field: on}})
        return f"{label} {'on' if on else 'off'} for {call.cid}"

    return toggle


def _revert(call, actor, post):
    entry_id = post.get("entry_id", "")
    entry = ModerationLog.objects.filter(pk=entry_id if entry_id.isdigit() else None, action="call_verdict",
                                         custom__call_cid=call.cid).first()
    if entry is None:
        raise ModerationError.not_found("automatic action", entry_id)
    undone = actions.revert_call_verdict(entry=entry, actor=actor)
    return f"Reverted the automatic action on {entry.target_user_id}" if undone else "That was already reverted"


def _end(call, actor, post):
    actions.end_call(call=call, actor=actor)
    return f"Ended {call.cid}"


OPERATIONS: dict[str, Callable[[Call, EndUser, Any], str]] = {
    "mute_all": _mute_all, "mute": _mute, "unmute": _unmute, "kick": _kick, "block": _block, "unblock": _unblock,
    "grant": _grant, "revoke": _revoke, "accept": _decide(True), "deny": _decide(False),
    "screensharing": _screensharing("enabled", "Screen sharing"),
    "screenshare_requests": _screensharing("access_request_enabled", "Screen-share requests"),
    "revert": _revert, "end": _end,
}


@action_view(fallback="/calls/")
def act(request: HttpRequest) -> HttpResponse:
    """One POST per verb (`op`); answers with the refreshed call panel and a toast."""
    op = request.POST.get("op", "")
    operation = OPERATIONS.get(op)
    if operation is None:
        raise ModerationError.invalid("op", f"unknown operation {op!r}")
    call = _find_call(request.POST.get("call", ""))
    message = operation(call, me(request), request.POST)
    call.refresh_from_db()
    html = render_to_string("reviews/calls.html#detail", {**_detail_context(request, call), "selected": call.cid},
                            request=request)
    return done(request, message, fallback=f"/calls/?call={call.cid}", html=html)
