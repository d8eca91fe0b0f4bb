"""Every moderation call of the `stream-chat` Python SDK (4.33), unchanged, against the Chat face at the root."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from stream_chat.base.exceptions import StreamAPIException

from reviews.models import Ban, ChannelMute, EndUser, Flag, FutureChannelBan, ModerationLog, Mute, ReviewQueueItem
from tests.factories import EndUserFactory, ModeratorFactory

pytestmark = pytest.mark.django_db(transaction=True)

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def parse(value: str) -> datetime:
    assert RFC3339.match(value), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def error_of(call) -> StreamAPIException:
    with pytest.raises(StreamAPIException) as info:
        call()
    assert info.value.json_response, info.value.response_text  # Stream's envelope, never an HTML page
    return info.value


@pytest.fixture
def people(db):
    ModeratorFactory(id="mod-1")
    for name in ("alice", "bob", "carol"):
        EndUserFactory(id=name, last_ip=f"198.51.100.{len(name)}")


# --- users ----------------------------------------------------------------------------------------------------

def test_upsert_and_query_users_with_ban_filters(chat, people):
    answer = chat.upsert_users([{"id": "dave", "name": "Dave", "nickname": "d"}, {"id": "erin", "role": "moderator"}])
    assert set(answer["users"]) == {"dave", "erin"}
    assert answer["users"]["dave"]["nickname"] == "d" and "custom" not in answer["users"]["dave"]
    assert EndUser.objects.get(pk="dave").custom == {"nickname": "d"}
    parse(answer["users"]["dave"]["created_at"])
    chat.ban_user("dave", banned_by_id="mod-1", timeout=60)
    chat.shadow_ban("erin", user_id="mod-1")
    banned = chat.query_users({"banned": True})["users"]
    assert [u["id"] for u in banned] == ["dave"]
    assert parse(banned[0]["ban_expires"]) > datetime.now(UTC) + timedelta(minutes=59)
    assert [u["id"] for u in chat.query_users({"shadow_banned": True})["users"]] == ["erin"]
    listed = chat.query_users({"id": {"$in": ["alice", "dave"]}}, {"id": -1}, limit=1)["users"]
    assert [u["id"] for u in listed] == ["dave"]


def test_deactivate_reactivate_and_bulk_task(chat, people):
    user = chat.deactivate_user("alice", created_by_id="mod-1", mark_messages_deleted=True)["user"]
    assert parse(user["deactivated_at"]) and EndUser.objects.get(pk="alice").deactivated_at is not None
    assert chat.reactivate_user("alice", created_by_id="mod-1", name="Alice B")["user"]["deactivated_at"] is None
    assert EndUser.objects.get(pk="alice").name == "Alice B"
    task_id = chat.deactivate_users(["alice", "bob", "ghost"], created_by_id="mod-1")["task_id"]
    task = chat.get_task(task_id)
    assert task["task_id"] == task_id and task["status"] == "completed"  # Celery is eager in tests
    assert task["result"]["changed"] == 2 and task["result"]["missing"] == 1
    parse(task["created_at"]), parse(task["updated_at"])
    assert EndUser.objects.filter(deactivated_at__isnull=False).count() == 2


def test_user_blocks(chat, people):
    answer = chat.block_user("bob", "alice")
    assert answer["blocked_by_user_id"] == "alice" and answer["blocked_user_id"] == "bob"
    parse(answer["blocked_at"])
    blocks = chat.get_blocked_users("alice")["blocks"]
    assert [(b["user_id"], b["blocked_user_id"], b["blocked_user"]["id"]) for b in blocks] == [("alice", "bob", "bob")]
    chat.unblock_user("bob", "alice")
    assert chat.get_blocked_users("alice")["blocks"] == []


# --- bans -----------------------------------------------------------------------------------------------------

def test_app_wide_ban_with_timeout_reason_and_ip_ban(chat, people):
    chat.ban_user("alice", banned_by_id="mod-1", timeout=60, reason="Banned for one hour")
    ban = Ban.objects.get(target_id="alice")
    assert ban.channel_cid is None and ban.reason == "Banned for one hour" and not ban.ip_ban
    assert timedelta(minutes=59) < ban.expires_at - ban.created_at <= timedelta(minutes=61)
    chat.ban_user("bob", banned_by_id="mod-1", ip_ban=True, reason="IP")  # seed 002: 30 days by default
    ip_ban = Ban.objects.get(target_id="bob")
    assert ip_ban.ip_ban and ip_ban.ip == "198.51.100.3"
    assert timedelta(days=29, hours=23) < ip_ban.expires_at - ip_ban.created_at <= timedelta(days=30, minutes=1)
    chat.ban_user("carol", banned_by_id="mod-1", ip_ban=True, timeout=24 * 60)  # a timeout overrides it
    carol = Ban.objects.get(target_id="carol")
    assert timedelta(hours=23) < carol.expires_at - carol.created_at <= timedelta(hours=24, minutes=1)
    chat.unban_user("alice")
    assert Ban.objects.get(target_id="alice").lifted_at is not None


def test_channel_ban_and_unban_by_type_and_id(chat, people):
    channel = chat.channel("livestream", "fortnite")
    channel.ban_user("alice", banned_by_id="mod-1", reason="Banned for one hour", timeout=60)
    ban = Ban.objects.get(target_id="alice")
    assert ban.channel_cid == "livestream:fortnite"  # never silently app-wide
    assert not Ban.objects.in_force().app_wide().filter(target_id="alice").exists()
    chat.ban_user("alice", banned_by_id="mod-1")  # the app-wide ban is a separate scope
    channel.unban_user("alice")
    assert Ban.objects.in_force().filter(target_id="alice").get().channel_cid is None
    chat.unban_user("alice")
    assert not Ban.objects.in_force().filter(target_id="alice").exists()


def test_channel_ip_ban_is_refused(chat, people):
    err = error_of(lambda: chat.channel("livestream", "x").ban_user("alice", banned_by_id="mod-1", ip_ban=True))
    assert err.status_code == 400 and "ip_ban" in err.error_message
    assert not Ban.objects.exists()


def test_shadow_ban_and_removal_app_wide_and_per_channel(chat, people):
    chat.shadow_ban("alice", user_id="mod-1")
    channel = chat.channel("messaging", "general")
    channel.ban_user("bob", banned_by_id="mod-1", shadow=True)
    assert Ban.objects.get(target_id="alice", shadow=True).channel_cid is None
    assert Ban.objects.get(target_id="bob", shadow=True).channel_cid == "messaging:general"
    chat.ban_user("carol", banned_by_id="mod-1")
    chat.remove_shadow_ban("carol")  # a regular ban is not a shadow ban: it stays
    assert Ban.objects.in_force().filter(target_id="carol").exists()
    chat.remove_shadow_ban("alice", user_id="mod-1")
    channel.unban_user("bob", shadow=True)
    assert not Ban.objects.in_force().filter(target_id__in=["alice", "bob"]).exists()
    assert ModerationLog.objects.filter(action="unban", actor_id="mod-1", target_user_id="alice").exists()


def test_ban_from_future_channels_and_its_removal(chat, stream_client, people):
    chat.channel("messaging", "alices").ban_user("bob", banned_by_id="alice", ban_from_future_channels=True,
                                                   reason="spam")
    assert Ban.objects.get(target_id="bob").channel_cid == "messaging:alices"
    future = FutureChannelBan.objects.get(target_id="bob")
    assert future.banned_by_id == "alice" and future.reason == "spam"
    bans = chat.query_future_channel_bans(user_id="alice")["bans"]
    assert [(b["user"]["id"], b["banned_by"]["id"], b["reason"]) for b in bans] == [("bob", "alice", "spam")]
    parse(bans[0]["created_at"])
    assert chat.query_future_channel_bans(user_id="carol")["bans"] == []
    # getstream's face reads the same rows
    assert [b.user.id for b in stream_client.chat.query_future_channel_bans(
        payload={"user_id": "alice"}).data.bans] == ["bob"]
    chat.unban_user("bob", remove_future_channels_ban=True)
    assert chat.query_future_channel_bans(user_id="alice")["bans"] == []
    assert FutureChannelBan.objects.get(target_id="bob").lifted_at is not None


def test_bad_ban_input_names_the_field_and_writes_nothing(chat, people):
    for call, field in [
        (lambda: chat.ban_user("alice", banned_by_id="mod-1", timeout="soon"), "timeout"),
        (lambda: chat.ban_user("alice", banned_by_id="mod-1", type="livestream"), "id"),
        (lambda: chat.ban_user("alice", banned_by_id="mod-1", channel_cid="livestream:x"), "channel_cid"),
        (lambda: chat.ban_user("alice", banned_by_id="mod-1", timeout=-5), "timeout"),
        (lambda: chat.ban_user("alice"), "banned_by_id"),
        (lambda: chat.ban_user("alice", banned_by_id="mod-1", delete_messages="all"), "delete_messages"),
        (lambda: chat.unban_user("alice", type="x", id="y", sideways="true"), "sideways"),
    ]:
        err = error_of(call)
        assert err.status_code == 400 and field in err.error_message, (field, err.error_message)
    assert not Ban.objects.exists() and not ModerationLog.objects.exists()


def test_query_banned_users_filters_and_bounds(chat, people):
    chat.ban_user("alice", banned_by_id="mod-1", reason="a")
    chat.channel("livestream", "1").ban_user("bob", banned_by_id="mod-1")
    chat.channel("livestream", "2").ban_user("carol", banned_by_id="alice")
    chat.ban_user("bob", banned_by_id="alice", timeout=1)
    Ban.objects.filter(target_id="bob", channel_cid__isnull=True).update(
        expires_at=datetime.now(UTC) - timedelta(minutes=1))  # expired, not swept yet

    def users(filter_conditions, **options):
        return [(b["user"]["id"], (b.get("channel") or {}).get("cid"))
                for b in chat.query_banned_users({"filter_conditions": filter_conditions, **options})["bans"]]

    assert users({"channel_cid": "livestream:1"}) == [("bob", "livestream:1")]
    assert users({"channel_cid": {"$in": ["livestream:1", "livestream:2"]}}) == [
        ("bob", "livestream:1"), ("carol", "livestream:2")]
    assert [u for u, _ in users({"user_id": "alice"})] == ["alice"]
    assert [u for u, _ in users({"user_id": {"$in": ["alice", "carol"]}})] == ["alice", "carol"]
    assert [u for u, _ in users({"user_id": {"$neq": "bob"}})] == ["alice", "carol"]
    assert [u for u, _ in users({"user_id": {"$nin": ["bob", "carol"]}})] == ["alice"]
    assert [u for u, _ in users({"banned_by_id": "alice"})] == ["carol", "bob"]
    assert [u for u, _ in users({"banned_by_id": {"$in": ["alice"]}})] == ["carol", "bob"]
    assert [u for u, _ in users({"banned_by_id": {"$neq": "alice"}})] == ["alice", "bob"]
    assert [u for u, _ in users({"banned_by_id": {"$nin": ["mod-1"]}})] == ["carol", "bob"]
    assert [u for u, _ in users({}, exclude_expired_bans=True)] == ["alice", "bob", "carol"]
    everything = chat.query_banned_users({"filter_conditions": {}})["bans"]
    assert len(everything) == 4
    first, second = everything[0], everything[1]
    assert first["reason"] == "a" and first["banned_by"]["id"] == "mod-1" and "channel" not in first
    t1, t2 = first["created_at"], second["created_at"]
    assert [u for u, _ in users({"created_at": {"$eq": t1}})] == ["alice"]
    assert [u for u, _ in users({"created_at": {"$gt": t1}})] == ["bob", "carol", "bob"]
    assert [u for u, _ in users({"created_at": {"$gte": t2}})] == ["bob", "carol", "bob"]
    assert [u for u, _ in users({"created_at": {"$lt": t2}})] == ["alice"]
    assert [u for u, _ in users({"created_at": {"$lte": t2}})] == ["alice", "bob"]
    assert [u for u, _ in users({}, created_at_before=t2)] == ["alice"]
    assert [u for u, _ in users({}, created_at_before_or_equal=t2)] == ["alice", "bob"]
    assert [u for u, _ in users({}, created_at_after=t2)] == ["carol", "bob"]
    assert [u for u, _ in users({}, created_at_after_or_equal=t2)] == ["bob", "carol", "bob"]
    assert [u for u, _ in users({}, sort=[{"field": "created_at", "direction": -1}], limit=2, offset=1)] == [
        "carol", "bob"]
    err = error_of(lambda: chat.query_banned_users({"filter_conditions": {"reason": "a"}}))
    assert err.status_code == 400 and "filter_conditions.reason" in err.error_message
    err = error_of(lambda: chat.query_banned_users({"filter_conditions": {"created_at": {"$lt": "yesterday"}}}))
    assert err.status_code == 400 and "created_at" in err.error_message


def test_query_banned_users_seed_002_pagination_to_the_last_page(chat, people):
    for i in range(7):
        EndUserFactory(id=f"spammer-{i}")
        chat.channel("livestream", "123").ban_user(f"spammer-{i}", banned_by_id="mod-1")
    seen, conditions = [], {"channel_cid": "livestream:123"}
    while True:
        page = chat.query_banned_users({"filter_conditions": conditions, "limit": 3,
                                        "sort": [{"field": "created_at", "direction": -1}]})["bans"]
        if not page:
            break
        seen += [b["user"]["id"] for b in page]
        conditions = {"channel_cid": "livestream:123", "created_at": {"$lt": page[-1]["created_at"]}}
    assert seen == [f"spammer-{i}" for i in reversed(range(7))]


# --- flags ----------------------------------------------------------------------------------------------------

def test_flag_message_and_user_land_in_the_review_queue(chat, stream_client, people):
    answer = chat.flag_message("msg-1", user_id="alice", reason="spammy_user",
                               custom={"user_comment": "This user is spamming the homepage.", "page": "homepage"})
    flag = answer["flag"]
    assert flag["target_message_id"] == "msg-1" and flag["user"]["id"] == "alice"
    assert flag["created_by_automod"] is False and flag["reason"] == "spammy_user"
    assert flag["custom"]["page"] == "homepage"
    parse(flag["created_at"])
    item = ReviewQueueItem.objects.get(pk=answer["review_queue_item_id"])
    assert item.entity_type == "stream:chat:v1:message" and item.entity_id == "msg-1"
    chat.flag_message("msg-1", user_id="bob", custom={"page": "homepage"})  # only custom data
    user_flag = chat.flag_user("carol", user_id="alice", reason="spammer")["flag"]
    assert user_flag["target_user"]["id"] == "carol" and user_flag["user"]["id"] == "alice"
    # the getstream face sees the same queue
    items = stream_client.moderation.query_review_queue(filter={"entity_id": "msg-1"}).data.items
    assert [(i.entity_id, i.flags_count) for i in items] == [("msg-1", 2)]
    assert ReviewQueueItem.objects.get(entity_type="stream:user", entity_id="carol").flags_count == 1


def test_server_side_flag_naming_nobody_is_the_systems(chat, people):
    flag = chat.flag_message("m-9", reason="spammy_user")["flag"]
    assert flag["user"] is None and flag["created_by_automod"] is True
    assert Flag.objects.get(entity_id="m-9").type == "automod"


def test_unflag_message_and_user(chat, people):
    chat.flag_message("msg-1", user_id="alice")
    chat.flag_message("msg-1", user_id="bob")
    chat.flag_user("carol", user_id="alice")
    removed = chat.unflag_message("msg-1", user_id="alice")["flag"]
    assert removed["target_message_id"] == "msg-1" and removed["user"]["id"] == "alice"
    assert ReviewQueueItem.objects.get(entity_id="msg-1").flags_count == 1
    assert chat.unflag_message("msg-1", user_id="alice") is not None  # again: nothing to remove
    chat.unflag_user("carol", user_id="alice")
    assert not Flag.objects.filter(reporter_id="alice").exists()
    assert ModerationLog.objects.filter(action="unflag").count() == 2


def test_query_message_flags(chat, stream_client, people):
    stream_client.moderation.flag(entity_type="stream:chat:v1:message", entity_id="m-chan", user_id="bob",
                                  moderation_payload={"texts": ["buy now"]}, reason="spam")
    ReviewQueueItem.objects.filter(entity_id="m-chan").update(channel_cid="messaging:general")
    chat.flag_message("m-1", user_id="alice", reason="spammy_user")
    chat.flag_message("m-2", user_id="carol")
    chat.flag_user("bob", user_id="alice")  # a user flag is not a message flag
    flags = chat.query_message_flags({})["flags"]
    assert [f["message"]["id"] for f in flags] == ["m-2", "m-1", "m-chan"]
    assert flags[1]["user"]["id"] == "alice" and flags[1]["reason"] == "spammy_user"
    parse(flags[0]["created_at"]), parse(flags[0]["message"]["created_at"])
    assert [f["message"]["id"] for f in chat.query_message_flags({"user_id": "alice"})["flags"]] == ["m-1"]
    assert [f["message"]["id"] for f in chat.query_message_flags(
        {"user_id": {"$in": ["alice", "bob"]}})["flags"]] == ["m-1", "m-chan"]
    chan = chat.query_message_flags({"channel_cid": "messaging:general"})["flags"]
    assert [(f["message"]["id"], f["message"]["text"]) for f in chan] == [("m-chan", "buy now")]
    assert [f["message"]["id"] for f in chat.query_message_flags({}, limit=1, offset=1)["flags"]] == ["m-1"]
    item = ReviewQueueItem.objects.get(entity_id="m-1")
    stream_client.moderation.submit_action(action_type="mark_reviewed", item_id=str(item.pk), user_id="mod-1")
    reviewed = chat.query_message_flags({"is_reviewed": True})["flags"]
    assert [(f["message"]["id"], f["reviewed_by"]["id"]) for f in reviewed] == [("m-1", "mod-1")]
    parse(reviewed[0]["reviewed_at"])
    err = error_of(lambda: chat.query_message_flags({"team": "red"}))
    assert err.status_code == 400 and "filter_conditions.team" in err.error_message
    # getstream's face: the same flags
    got = stream_client.chat.query_message_flags(payload={"filter_conditions": {"user_id": "alice"}}).data.flags
    assert [f.message.id for f in got] == ["m-1"]


def test_bad_flag_input(chat, people):
    err = error_of(lambda: chat.unflag_message("m-1"))
    assert err.status_code == 400 and "user_id" in err.error_message
    err = error_of(lambda: chat.post("moderation/flag", data={"user_id": "alice"}))
    assert err.status_code == 400 and "target_message_id" in err.error_message
    err = error_of(lambda: chat.flag_message("m-1", user_id="alice", custom="loud"))
    assert err.status_code == 400 and "custom" in err.error_message
    err = error_of(lambda: chat.flag_message("m-1", user_id="alice", priority="high"))
    assert err.status_code == 400 and "priority" in err.error_message
    assert not Flag.objects.exists() and not ReviewQueueItem.objects.exists()


# --- mutes ----------------------------------------------------------------------------------------------------

def test_mute_user_with_timeout_and_mutes_come_back_with_the_user(chat, people):
    answer = chat.mute_user("bob", "alice", timeout=60)
    mute = answer["mute"]
    assert mute["user"]["id"] == "alice" and mute["target"]["id"] == "bob"
    assert parse(mute["expires"]) - parse(mute["created_at"]) == timedelta(minutes=60)
    assert [m["target"]["id"] for m in answer["own_user"]["mutes"]] == ["bob"]
    plural = chat.mute_users(["carol", "ghost"], "alice")
    assert [m["target"]["id"] for m in plural["mutes"]] == ["carol"] and plural["non_existing_users"] == ["ghost"]
    alice = chat.query_users({"id": "alice"})["users"][0]
    assert sorted(m["target"]["id"] for m in alice["mutes"]) == ["bob", "carol"]
    chat.unmute_user("bob", "alice")
    chat.unmute_users(["carol"], "alice")
    assert not Mute.objects.exists()
    assert chat.query_users({"id": "alice"})["users"][0]["mutes"] == []


def test_channel_mute_and_unmute(chat, stream_client, people):
    channel = chat.channel("messaging", "general")
    answer = channel.mute("alice", expiration=60_000)
    muted = answer["channel_mute"]
    assert muted["user"]["id"] == "alice" and muted["channel"]["cid"] == "messaging:general"
    assert parse(muted["expires"]) - parse(muted["created_at"]) == timedelta(seconds=60)
    assert [m["channel"]["cid"] for m in answer["own_user"]["channel_mutes"]] == ["messaging:general"]
    alice = chat.query_users({"id": "alice"})["users"][0]
    assert [m["channel"]["cid"] for m in alice["channel_mutes"]] == ["messaging:general"]
    channel.unmute("alice")
    assert not ChannelMute.objects.exists()
    # getstream's face: channel_cids, and the mute shows on the user there too
    got = stream_client.chat.mute_channel(user_id="bob", channel_cids=["messaging:a", "messaging:b"]).data
    assert [m.channel.cid for m in got.channel_mutes] == ["messaging:a", "messaging:b"]
    assert [m.channel.cid for m in got.own_user.channel_mutes] == ["messaging:a", "messaging:b"]
    stream_client.chat.unmute_channel(user_id="bob", channel_cids=["messaging:a"])
    assert list(ChannelMute.objects.values_list("channel_cid", flat=True)) == ["messaging:b"]
    assert ModerationLog.objects.filter(action="mute_channel").count() == 3


def test_bad_mute_input(chat, people):
    err = error_of(lambda: chat.mute_user("bob", "alice", timeout=0))
    assert err.status_code == 400 and "timeout" in err.error_message
    err = error_of(lambda: chat.channel("messaging", "general").mute("alice", expiration=-1))
    assert err.status_code == 400 and "expiration" in err.error_message
    err = error_of(lambda: chat.post("moderation/mute/channel", data={"user_id": "alice", "channel_cid": "nochannel"}))
    assert err.status_code == 400 and "channel_cids.0" in err.error_message
    assert not Mute.objects.exists() and not ChannelMute.objects.exists()


# --- the frame ------------------------------------------------------------------------------------------------

def test_unknown_chat_path_is_a_json_404_and_dashboard_pages_still_work(chat, client, people):
    err = error_of(lambda: chat.get("no/such/call"))
    assert err.status_code == 404 and "no Stream Chat route GET /no/such/call" in err.error_message
    assert client.get("/users/").status_code == 302  # the dashboard (login first), not the Chat face
    assert client.get(f"/tasks/{'0' * 8}-0000-0000-0000-{'0' * 12}/").status_code == 302
    missing_key = client.get("/users")
    assert missing_key.status_code == 401 and missing_key.json()["code"] == 2


def test_user_token_cannot_ban_app_wide(chat_as, people):
    err = error_of(lambda: chat_as("alice").ban_user("bob", banned_by_id="alice"))
    assert err.status_code == 403
    assert not Ban.objects.exists()
