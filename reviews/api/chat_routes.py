"""The Stream Chat face: Chat's moderation REST calls at the root paths (no /api/v2/), as the `stream-chat` SDKs
send them (Python 4.33: `StreamChat(key, secret, base_url=...)`; JavaScript 9.53: `setBaseURL(...)`).

Parsing is Chat's; the work is the same as the getstream face's: the same actions, selectors and, where the
request means the same thing, the same view functions of reviews/api/routers/, whose answers are re-rendered
in Chat's wire format (reviews/api/chat_wire.py). Bodies are strict: a field we do not honour is a 400 naming it.
Mounted by reviews/api/chat_app.py; docs/api.md ("Stream Chat") lists every call.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router
from pydantic import ConfigDict

from reviews import actions
from reviews.actions import registry
from reviews.errors import ModerationError
from reviews.models import EndUser, EntityType, Flag, UserBlock
from reviews.selectors.users import user_states

from . import chat_wire
from .filters import payload_param
from .routers import chat, moderation, users
from .schemas import Body, UserRequest

router = Router(tags=["stream chat"])


class Strict(Body):
    model_config = ConfigDict(extra="forbid")


def _one_of(a: str | None, b: str | None, name_a: str, name_b: str) -> str | None:
    if a and b and a != b:
        raise ModerationError.invalid(name_b, f"{b!r} disagrees with {name_a} {a!r}; give one of them")
    return a or b


def _query_flag(request: HttpRequest, name: str) -> bool | None:
    raw = request.GET.get(name)
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise ModerationError.invalid(name, f"must be true or false, got {raw!r}")
    return raw == "true"


# --- users ---------------------------------------------------------------------------------------------------

class UpsertUsersBody(users.UpdateUsersBody, Strict):
    pass


@router.post("/users", summary="upsert_users / upsertUsers")
def upsert_users(request: HttpRequest, data: UpsertUsersBody) -> dict:
    answer = users.update_users(request, data)
    return {**answer, "users": {k: chat_wire.user_from_wire(u) for k, u in answer["users"].items()}}


@router.get("/users", summary="query_users / queryUsers (GET with ?payload=<json>)")
def query_users(request: HttpRequest) -> dict:
    answer = users.query_users(request)
    return {**answer, "users": [chat_wire.user_from_wire(u) for u in answer["users"]]}


class DeactivateUserBody(users.DeactivateUserBody, Strict):
    pass


class ReactivateUserBody(users.ReactivateUserBody, Strict):
    pass


class BulkUsersBody(users.BulkUsersBody, Strict):
    pass


@router.post("/users/deactivate", summary="deactivate_users / deactivateUsers (returns task_id)")
def deactivate_users(request: HttpRequest, data: BulkUsersBody) -> dict:
    return users.deactivate_users(request, data)


@router.post("/users/reactivate", summary="reactivateUsers (returns task_id)")
def reactivate_users(request: HttpRequest, data: BulkUsersBody) -> dict:
    return users.reactivate_users(request, data)


@router.post("/users/{user_id}/deactivate", summary="deactivate_user / deactivateUser")
def deactivate_user(request: HttpRequest, user_id: str, data: DeactivateUserBody | None = None) -> dict:
    return {"user": chat_wire.user_from_wire(users.deactivate_user(request, user_id, data)["user"])}


@router.post("/users/{user_id}/reactivate", summary="reactivate_user / reactivateUser")
def reactivate_user(request: HttpRequest, user_id: str, data: ReactivateUserBody | None = None) -> dict:
    return {"user": chat_wire.user_from_wire(users.reactivate_user(request, user_id, data)["user"])}


@router.get("/tasks/{task_id}", summary="get_task / getTask")
def get_task(request: HttpRequest, task_id: str) -> dict:
    return chat_wire.task(users.get_task(request, task_id))


class BlockBody(users.BlockBody, Strict):
    pass


@router.post("/users/block", summary="block_user / blockUser")
def block_user(request: HttpRequest, data: BlockBody) -> dict:
    answer = users.block_users(request, data)
    at = chat_wire.ts(answer["created_at"])
    return {**answer, "created_at": at, "blocked_at": at}


@router.post("/users/unblock", summary="unblock_user / unBlockUser")
def unblock_user(request: HttpRequest, data: BlockBody) -> dict:
    return users.unblock_users(request, data)


@router.get("/users/block", summary="get_blocked_users / getBlockedUsers")
def get_blocked_users(request: HttpRequest, user_id: str | None = None) -> dict:
    blocker = users._blocker(request, user_id)
    blocks = list(UserBlock.objects.filter(blocker=blocker).select_related("blocker", "blocked")
                  .order_by("-created_at", "-id")[:1000])
    states = user_states([blocker, *[b.blocked for b in blocks]], with_mutes=False)
    return {"blocks": [chat_wire.block(b, states) for b in blocks]}


# --- bans ----------------------------------------------------------------------------------------------------

class BanBody(Strict):
    target_user_id: str
    banned_by_id: str | None = None
    user_id: str | None = None  # seed 002's shadowBan names the banning user so
    banned_by: UserRequest | None = None
    type: str | None = None
    id: str | None = None
    timeout: int | None = None
    reason: str | None = None
    ip_ban: bool | None = None
    shadow: bool | None = None
    ban_from_future_channels: bool | None = None
    delete_messages: str | None = None
    delete_reactions: bool | None = None


@router.post("/moderation/ban", summary="ban_user / shadow_ban / channel.ban_user (type + id)")
def ban(request: HttpRequest, data: BanBody) -> dict:
    banner = _one_of(data.banned_by_id, data.user_id, "banned_by_id", "user_id")
    banner = _one_of(banner, data.banned_by.id if data.banned_by else None, "banned_by_id", "banned_by.id")
    moderation.ban_with_terms(
        request, target_user_id=data.target_user_id, banned_by_id=banner, banned_by_field="banned_by_id",
        channel_cid=moderation.channel_of(None, data.type, data.id), reason=data.reason, timeout=data.timeout,
        shadow=bool(data.shadow), ip_ban=bool(data.ip_ban), delete_messages=data.delete_messages,
        delete_reactions=data.delete_reactions, ban_from_future_channels=bool(data.ban_from_future_channels))
    return {}


UNBAN_PARAMS = {"api_key", "target_user_id", "type", "id", "shadow", "remove_future_channels_ban", "created_by",
                "user_id"}


@router.delete("/moderation/ban", summary="unban_user / remove_shadow_ban / channel.unban_user (query string)")
def unban(request: HttpRequest) -> dict:
    unknown = sorted(set(request.GET) - UNBAN_PARAMS)
    if unknown:
        known = ", ".join(sorted(UNBAN_PARAMS - {"api_key"}))
        raise ModerationError.invalid(unknown[0], f"unknown parameter; use {known}")
    q = request.GET
    actor_id = _one_of(q.get("created_by"), q.get("user_id"), "created_by", "user_id")
    moderation.unban_with_terms(
        request, target_user_id=q.get("target_user_id"), channel_cid=moderation.channel_of(None, q.get("type"),
                                                                                          q.get("id")),
        created_by=actor_id, shadow_only=bool(_query_flag(request, "shadow")),
        remove_future_channels_ban=bool(_query_flag(request, "remove_future_channels_ban")))
    return {}


@router.get("/query_banned_users", summary="query_banned_users / queryBannedUsers (GET with ?payload=<json>)")
def query_banned_users(request: HttpRequest) -> dict:
    bans = chat.banned_users(request, payload_param(request, chat.QueryBannedUsersPayload))
    people = [b.target for b in bans] + [b.banned_by for b in bans if b.banned_by is not None]
    states = user_states(people, with_mutes=False)
    return {"bans": [chat_wire.ban(b, states) for b in bans]}


class FutureBansPayload(chat.QueryFutureChannelBansPayload, Strict):
    pass


@router.get("/query_future_channel_bans", summary="query_future_channel_bans / queryFutureChannelBans")
def query_future_channel_bans(request: HttpRequest) -> dict:
    bans = chat.future_bans(request, payload_param(request, FutureBansPayload))
    states = chat.future_ban_states(bans)
    return {"bans": [chat_wire.future_ban(b, states) for b in bans]}


# --- flags ---------------------------------------------------------------------------------------------------

class FlagBody(Strict):
    target_message_id: str | None = None
    target_user_id: str | None = None
    user_id: str | None = None
    user: UserRequest | None = None
    reason: str | None = None
    custom: dict[str, Any] | None = None


def _flag_target(data: FlagBody) -> tuple[str, str]:
    if data.target_message_id is not None and data.target_user_id is not None:
        raise ModerationError.invalid("target_user_id", "give target_message_id or target_user_id, not both")
    if data.target_message_id is not None:
        return EntityType.MESSAGE, data.target_message_id
    if data.target_user_id is not None:
        return EntityType.USER, data.target_user_id
    raise ModerationError.invalid("target_message_id", "is required (or target_user_id to flag a user)")


def _reporter(request: HttpRequest, data: FlagBody, what: str) -> EndUser:
    reporter = request.auth.acting_user(data.user_id or (data.user.id if data.user else None), "user_id")
    if reporter is None:
        raise ModerationError.invalid("user_id", f"is required with a server-side token (who {what})")
    return reporter


@router.post("/moderation/flag", summary="flag_message / flag_user (reason, custom)")
def flag(request: HttpRequest, data: FlagBody) -> dict:
    entity_type, entity_id = _flag_target(data)
    # A server-side token naming nobody flags as the system (an automod flag), as getstream's flag does.
    reporter = request.auth.acting_user(data.user_id or (data.user.id if data.user else None), "user_id")
    # The same function as getstream's flag, so both faces land in one review queue under the same rules.
    item = moderation._flag(request, moderation.FlagBody(
        entity_type=entity_type, entity_id=entity_id, reason=data.reason, custom=data.custom,
        entity_creator_id=entity_id if entity_type == EntityType.USER else None,
        user_id=reporter.pk if reporter else None))
    made = (Flag.objects.select_related("reporter").filter(item=item, reporter=reporter).order_by("-updated_at")
            .first())
    target = item.entity_creator if entity_type == EntityType.USER else None
    states = user_states([p for p in (reporter, target) if p is not None], with_mutes=False)
    return {"flag": chat_wire.flag(made, item, states.get(reporter.pk) if reporter else None, target,
                                   states.get(target.pk) if target else None),
            "review_queue_item_id": str(item.pk)}


@router.post("/moderation/unflag", summary="unflag_message / unflag_user")
def unflag(request: HttpRequest, data: FlagBody) -> dict:
    if data.reason is not None or data.custom is not None:
        raise ModerationError.invalid("reason" if data.reason is not None else "custom",
                                      "an unflag takes no reason or custom data")
    entity_type, entity_id = _flag_target(data)
    reporter = _reporter(request, data, "unflags")
    removed = actions.unflag_content(reporter=reporter, entity_type=entity_type, entity_id=entity_id,
                                     actor=reporter)
    if removed is None:
        return {}
    target = EndUser.objects.filter(pk=entity_id).first() if entity_type == EntityType.USER else None
    states = user_states([reporter, *([target] if target else [])], with_mutes=False)
    return {"flag": chat_wire.flag(removed, removed.item, states.get(reporter.pk), target,
                                   states.get(target.pk) if target else None)}


class MessageFlagsPayload(chat.QueryMessageFlagsPayload, Strict):
    pass


@router.get("/moderation/flags/message", summary="query_message_flags / queryMessageFlags")
def query_message_flags(request: HttpRequest) -> dict:
    flags = chat.message_flags(request, payload_param(request, MessageFlagsPayload))
    return {"flags": [chat_wire.message_flag(f) for f in flags]}


# --- mutes ---------------------------------------------------------------------------------------------------

class MuteBody(Strict):
    target_id: str | None = None
    target_ids: list[str] | None = None
    user_id: str | None = None
    user: UserRequest | None = None
    timeout: int | None = None


def _targets(data: MuteBody) -> list[str]:
    ids = ([data.target_id] if data.target_id is not None else []) + list(data.target_ids or [])
    if not ids:
        raise ModerationError.invalid("target_id", "is required (or target_ids)")
    return ids


@router.post("/moderation/mute", summary="mute_user / mute_users / muteUser (target_id or target_ids, timeout)")
def mute(request: HttpRequest, data: MuteBody) -> dict:
    muter, targets, missing = moderation._muter_and_targets(request, moderation.MuteBody(
        target_ids=_targets(data), user_id=data.user_id, user=data.user))
    with transaction.atomic():
        mutes = [registry.apply("mute", actor=muter, own=True,
                                params={"target_user_id": t.pk, "timeout": data.timeout}).result for t in targets]
    states = user_states([muter, *targets])
    by_id = {t.pk: t for t in targets}
    for m in mutes:
        m.user, m.target = muter, by_id[m.target_id]
    rendered = [chat_wire.mute(m, states) for m in mutes]
    answer: dict[str, Any] = {"mutes": rendered, "own_user": chat_wire.full_user(muter, states),
                              "non_existing_users": missing}
    if len(rendered) == 1:
        answer["mute"] = rendered[0]
    return answer


class UnmuteBody(Strict):
    target_id: str | None = None
    target_ids: list[str] | None = None
    user_id: str | None = None
    user: UserRequest | None = None


@router.post("/moderation/unmute", summary="unmute_user / unmute_users / unmuteUser")
def unmute(request: HttpRequest, data: UnmuteBody) -> dict:
    return moderation.unmute(request, moderation.UnmuteBody(
        target_ids=_targets(MuteBody(target_id=data.target_id, target_ids=data.target_ids)),
        user_id=data.user_id, user=data.user))


class MuteChannelBody(Strict):
    channel_cid: str | None = None
    channel_cids: list[str] | None = None
    user_id: str | None = None
    user: UserRequest | None = None
    expiration: int | None = None  # milliseconds, as Stream documents


@router.post("/moderation/mute/channel", summary="channel.mute / mute_channel (expiration in milliseconds)")
def mute_channel(request: HttpRequest, data: MuteChannelBody) -> dict:
    muter, mutes = chat.mute_channels(request, user_id=data.user_id, user=data.user,
                                      cids=chat.channel_cids_of(data.channel_cid, data.channel_cids),
                                      expiration=data.expiration)
    states = user_states([muter])
    rendered = [chat_wire.channel_mute(m, muter, states) for m in mutes]
    answer: dict[str, Any] = {"channel_mutes": rendered, "own_user": chat_wire.full_user(muter, states)}
    if len(rendered) == 1:
        answer["channel_mute"] = rendered[0]
    return answer


class UnmuteChannelBody(Strict):
    channel_cid: str | None = None
    channel_cids: list[str] | None = None
    user_id: str | None = None
    user: UserRequest | None = None


@router.post("/moderation/unmute/channel", summary="channel.unmute / unmute_channel")
def unmute_channel(request: HttpRequest, data: UnmuteChannelBody) -> dict:
    chat.unmute_channels(request, user_id=data.user_id, user=data.user,
                         cids=chat.channel_cids_of(data.channel_cid, data.channel_cids))
    return {}
