"""Moderation endpoints through the real SDK (seed examples unchanged), plus raw HTTP for bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from getstream.exceptions import StreamApiException
from getstream.models import SortParamRequest

from reviews.models import Ban, EndUser, Flag, ModerationLog, Mute, OutboxEvent, ReviewQueueItem
from tests.api.conftest import user_token
from tests.api.test_framework import assert_envelope
from tests.factories import EndUserFactory, ModeratorFactory, ReviewQueueItemFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_001_ban_examples(stream_client):
    """seed 001 'Banning users' (Python tab), unchanged; `client` is the SDK's moderation client."""
    client = stream_client.moderation
    bad_user = EndUserFactory(id="bad", last_ip="203.0.113.9")
    moderator = ModeratorFactory(id="mod")

    # ban a user
    client.ban(
        target_user_id=bad_user.id,
        banned_by_id=moderator.id,
        reason="banned reason here",
    )
    assert Ban.objects.in_force().get(target=bad_user).reason == "banned reason here"

    # remove the ban for a user
    client.unban(target_user_id=bad_user.id)
    assert not Ban.objects.in_force().filter(target=bad_user).exists()

    # ban a user for 30 minutes
    client.ban(
        target_user_id=bad_user.id,
        banned_by_id=moderator.id,
        timeout=30,
    )
    ban = Ban.objects.in_force().get(target=bad_user)
    assert timedelta(minutes=29) < ban.expires_at - timezone.now() <= timedelta(minutes=30)

    # ban a user and all users sharing the same IP
    client.ban(
        target_user_id=bad_user.id,
        banned_by_id=moderator.id,
        reason="Banned user and all users sharing the same IP for half hour",
        ip_ban=True,
    )
    ban = Ban.objects.in_force().get(target=bad_user)
    assert ban.ip_ban and ban.ip == "203.0.113.9"
    assert ban.banned_by_id == "mod"


def test_ban_needs_banned_by_server_side_and_shadow(stream_client):
    EndUserFactory(id="bob")
    with pytest.raises(StreamApiException) as info:
        stream_client.moderation.ban(target_user_id="bob")
    assert info.value.status_code == 400 and "banned_by_id" in info.value.api_error.message
    assert not Ban.objects.exists()
    stream_client.moderation.ban(target_user_id="bob", banned_by_id="mod", shadow=True, channel_cid="messaging:1")
    ban = Ban.objects.get()
    assert ban.shadow and ban.channel_cid == "messaging:1"
    stream_client.moderation.unban(target_user_id="bob", channel_cid="messaging:1")
    assert not Ban.objects.in_force().exists()


def test_user_token_ban_rules(user_client):
    ModeratorFactory(id="mod"), EndUserFactory(id="alice"), EndUserFactory(id="bob")
    with pytest.raises(StreamApiException) as info:
        user_client("alice").moderation.ban(target_user_id="bob", channel_cid="messaging:1")
    assert info.value.status_code == 403
    with pytest.raises(StreamApiException) as info:
        user_client("mod").moderation.ban(target_user_id="bob")  # app-wide needs server side (seed 002)
    assert info.value.status_code == 403
    user_client("mod").moderation.ban(target_user_id="bob", channel_cid="messaging:1", reason="spam")
    assert Ban.objects.get().banned_by_id == "mod"


def test_mute_unmute(stream_client, user_client):
    EndUserFactory(id="alice"), EndUserFactory(id="bob")
    response = stream_client.moderation.mute(target_ids=["bob", "ghost"], user_id="alice", timeout=60)
    assert response.data.non_existing_users == ["ghost"]
    assert response.data.mutes[0].target.id == "bob" and response.data.mutes[0].expires is not None
    assert Mute.objects.get().expires_at is not None
    user_client("alice").moderation.unmute(target_ids=["bob"])
    assert not Mute.objects.exists()
    with pytest.raises(StreamApiException) as info:
        user_client("alice").moderation.mute(target_ids=["bob"], user_id="bob")
    assert info.value.status_code == 403


def test_flag_users_and_messages_one_item(stream_client, user_client):
    EndUserFactory(id="alice"), EndUserFactory(id="bob"), EndUserFactory(id="carol")
    first = stream_client.moderation.flag(
        entity_type="stream:chat:v1:message", entity_id="m1", entity_creator_id="bob", user_id="alice",
        reason="spammy_user", custom={"user_comment": "This user is spamming the homepage.", "page": "homepage"},
        moderation_payload={"texts": ["buy now"], "custom": {"page": "homepage"}})
    second = user_client("carol").moderation.flag(entity_type="stream:chat:v1:message", entity_id="m1",
                                                  entity_creator_id="bob")
    assert first.data.item_id == second.data.item_id
    item = ReviewQueueItem.objects.get()
    assert item.flags_count == 2 and item.entity_creator_id == "bob"
    user_item = stream_client.moderation.flag(entity_type="stream:user", entity_id="bob", user_id="alice")
    assert user_item.data.item_id != first.data.item_id
    assert Flag.objects.count() == 3


def test_query_review_queue_filters_sort_cursor(stream_client):
    items = [ReviewQueueItemFactory(severity=s, moderation_payload={"custom": {"page": p}})
             for s, p in ((10, "home"), (80, "home"), (50, "about"))]
    ReviewQueueItemFactory(entity_type="stream:user", entity_id="u9")
    moderation = stream_client.moderation
    page = moderation.query_review_queue(filter={"entity_type": "stream:chat:v1:message"},
                                         sort=[SortParamRequest(field="severity", direction=-1)], limit=2)
    assert [i.severity for i in page.data.items] == [80, 50]
    rest = moderation.query_review_queue(filter={"entity_type": "stream:chat:v1:message"},
                                         sort=[SortParamRequest(field="severity", direction=-1)], limit=2,
                                         next=page.data.next)
    assert [i.severity for i in rest.data.items] == [10] and rest.data.next is None
    back = moderation.query_review_queue(filter={"entity_type": "stream:chat:v1:message"},
                                         sort=[SortParamRequest(field="severity", direction=-1)], limit=2,
                                         prev=rest.data.prev)
    assert [i.severity for i in back.data.items] == [80, 50]
    custom = moderation.query_review_queue(filter={"page": "home", "severity": {"$gte": 50}})
    assert [i.id for i in custom.data.items] == [str(items[1].pk)]
    high = moderation.query_review_queue(filter={"severity": {"$gte": "high"}})
    assert [i.severity for i in high.data.items] == [80]
    by_id = moderation.query_review_queue(filter={"id": {"$in": [str(items[0].pk)]}, "reviewed": False})
    assert len(by_id.data.items) == 1
    got = moderation.get_review_queue_item(id=str(items[0].pk))
    assert got.data.item.id == str(items[0].pk)


def test_seed_002_query_flagged_messages(stream_client):
    """seed 002 'Query Flagged Messages': entity_type filter, created_at descending, next cursor."""
    ReviewQueueItemFactory(entity_id="m1")
    response = stream_client.moderation.query_review_queue(
        filter={"entity_type": "stream:chat:v1:message"}, sort=[SortParamRequest(field="created_at", direction=-1)])
    assert [i.entity_id for i in response.data.items] == ["m1"]


def test_lock_items_never_hands_out_the_same_item(stream_client):
    ModeratorFactory(id="m1"), ModeratorFactory(id="m2")
    for _ in range(3):
        ReviewQueueItemFactory()
    a = stream_client.moderation.query_review_queue(lock_items=True, lock_count=2, user_id="m1")
    b = stream_client.moderation.query_review_queue(lock_items=True, lock_count=2, user_id="m2")
    ids_a, ids_b = {i.id for i in a.data.items}, {i.id for i in b.data.items}
    assert len(ids_a) == 2 and len(ids_b) == 1 and not ids_a & ids_b
    assert a.data.items[0].assigned_to.id == "m1"


def test_submit_actions(stream_client):
    mod = ModeratorFactory(id="mod")
    item = ReviewQueueItemFactory(entity_creator=EndUserFactory(id="bob"), channel_cid="messaging:1")
    moderation = stream_client.moderation
    got = moderation.submit_action(action_type="ban", item_id=str(item.pk), user_id=mod.id,
                                   ban={"reason": "spam", "timeout": 60, "shadow": False})
    assert got.data.item.latest_moderator_action == "ban" and got.data.item.status == "reviewed"
    assert Ban.objects.in_force().get(target_id="bob").reason == "spam"
    moderation.submit_action(action_type="unban", item_id=str(item.pk), user_id=mod.id)
    assert not Ban.objects.in_force().exists()
    got = moderation.submit_action(action_type="delete_message", item_id=str(item.pk), user_id=mod.id,
                                   delete_message={"hard_delete": True})
    assert got.data.item.latest_moderator_action == "delete_message"
    moderation.submit_action(action_type="restore", item_id=str(item.pk), user_id=mod.id)
    assert ReviewQueueItem.objects.get().content_state == ""
    moderation.submit_action(action_type="escalate", item_id=str(item.pk), user_id=mod.id,
                             escalate={"reason": "legal", "priority": "high"})
    assert ReviewQueueItem.objects.get().escalated
    moderation.submit_action(action_type="de_escalate", item_id=str(item.pk), user_id=mod.id)
    moderation.submit_action(action_type="custom", item_id=str(item.pk), user_id=mod.id,
                             custom={"id": "warn_user", "options": {"level": 2}})
    assert OutboxEvent.objects.filter(type="moderation.custom_action").count() == 1
    moderation.submit_action(action_type="delete_user_messages", item_id=str(item.pk), user_id=mod.id,
                             delete_user_messages={"delete_messages": "soft"})
    moderation.submit_action(action_type="shadow_block", item_id=str(item.pk), user_id=mod.id)
    moderation.submit_action(action_type="mark_reviewed", item_id=str(item.pk), user_id=mod.id)
    moderation.submit_action(action_type="delete_user", item_id=str(item.pk), user_id=mod.id)
    assert EndUser.objects.get(pk="bob").deleted_at is not None
    with pytest.raises(StreamApiException) as info:
        moderation.submit_action(action_type="kick_user", item_id=str(item.pk), user_id=mod.id)
    assert info.value.status_code == 400 and "call" in info.value.api_error.message
    actions = set(ModerationLog.objects.filter(actor_id="mod").values_list("action", flat=True))
    assert {"ban", "unban", "delete_message", "restore", "escalate", "de_escalate", "custom",
            "delete_user_messages", "shadow_block", "delete_user"} <= actions

    logs = moderation.query_moderation_logs(filter={"type": {"$in": ["ban", "unban"]}, "target_user_id": "bob"},
                                            sort=[SortParamRequest(field="created_at", direction=1)], limit=1)
    assert [entry.type for entry in logs.data.logs] == ["ban"]
    more = moderation.query_moderation_logs(filter={"type": {"$in": ["ban", "unban"]}, "target_user_id": "bob"},
                                            sort=[SortParamRequest(field="created_at", direction=1)], limit=1,
                                            next=logs.data.next)
    assert [entry.type for entry in more.data.logs] == ["unban"]
    by_item = moderation.query_moderation_logs(filter={"item_id": str(item.pk), "user_id": "mod"})
    assert len(by_item.data.logs) >= 8


def test_flags_and_flag_count(stream_client):
    EndUserFactory(id="alice"), EndUserFactory(id="bob")
    stream_client.moderation.flag(entity_type="stream:chat:v1:message", entity_id="m1", entity_creator_id="bob",
                                  user_id="alice", reason="spam")
    stream_client.moderation.flag(entity_type="stream:user", entity_id="bob", user_id="alice", reason="abuse")
    flags = stream_client.moderation.query_moderation_flags(filter={"reason": "spam"})
    assert [f.entity_id for f in flags.data.flags] == ["m1"]
    assert stream_client.moderation.get_flag_count(entity_creator_id="bob").data.count == 2
    assert stream_client.moderation.get_flag_count(entity_creator_id="bob",
                                                   entity_type="stream:user").data.count == 1


def test_role_user_cannot_moderate(user_client):
    EndUserFactory(id="alice")
    item = ReviewQueueItemFactory()
    alice = user_client("alice").moderation
    for call in (lambda: alice.query_review_queue(), lambda: alice.query_moderation_logs(),
                 lambda: alice.submit_action(action_type="mark_reviewed", item_id=str(item.pk))):
        with pytest.raises(StreamApiException) as info:
            call()
        assert info.value.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "needle"),
    [
        ("/moderation/review_queue", {"filter": {"status": {"$regex": "p"}}},
         "filter.status: unsupported operator $regex"),
        ("/moderation/review_queue", {"filter": {"status": "nope"}}, "filter.status: unknown status"),
        ("/moderation/review_queue", {"filter": {"severity": {"$gte": True}}}, "filter.severity.$gte"),
        ("/moderation/review_queue", {"filter": {"created_at": {"$gt": "yesterday"}}}, "filter.created_at.$gt"),
        ("/moderation/review_queue", {"filter": {"reviewed": "yes"}}, "filter.reviewed.$eq"),
        ("/moderation/review_queue", {"filter": {"a__b": 1}}, "filter.a__b"),
        ("/moderation/review_queue", {"limit": 101}, "limit: must be between 1 and 100"),
        ("/moderation/review_queue", {"limit": "x"}, "limit"),
        ("/moderation/review_queue", {"next": "garbage"}, "next: malformed"),
        ("/moderation/review_queue", {"sort": [{"field": "entity_id"}]}, "sort.field"),
        ("/moderation/review_queue", {"filter": {"id": "not-a-uuid"}}, "filter.id"),
        ("/moderation/logs", {"filter": {"user_id": {"$regex": "x"}}}, "filter.user_id: unsupported operator $regex"),
        ("/moderation/logs", {"filter": {"actor": "x"}}, "filter.actor: unknown field"),
        ("/moderation/flags", {"filter": {"reason": {"$in": []}}}, "filter.reason"),
        ("/moderation/ban", {"target_user_id": "bob", "banned_by_id": "mod", "timeout": -5}, "timeout"),
        ("/moderation/ban", {"target_user_id": "", "banned_by_id": "mod"}, "target_user_id"),
        ("/moderation/ban", {"banned_by_id": "mod"}, "target_user_id: is required"),
        ("/moderation/ban", {"target_user_id": "bob", "banned_by_id": "mod", "timeout": "soon"}, "timeout"),
        ("/moderation/mute", {"target_ids": [], "user_id": "a"}, "target_ids"),
        ("/moderation/mute", {"target_ids": ["b"], "user_id": "a", "timeout": 0}, "timeout"),
        ("/moderation/flag", {"entity_type": "stream:user", "entity_id": ""}, "entity_id"),
        ("/moderation/submit_action", {"action_type": "explode", "item_id": "x"}, "action_type: unknown action"),
        ("/moderation/submit_action", {"action_type": "mark_reviewed"}, "item_id: is required"),
        ("/moderation/submit_action", {"action_type": "ban", "ban": {"timeout": "x"}}, "ban.timeout"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(api_call, path, body, needle):
    EndUserFactory(id="bob"), EndUserFactory(id="a"), EndUserFactory(id="b"), ModeratorFactory(id="mod")
    before = (ModerationLog.objects.count(), Ban.objects.count(), Mute.objects.count(), Flag.objects.count())
    assert_envelope(api_call("post", path, body), 400, 4, needle)
    assert (ModerationLog.objects.count(), Ban.objects.count(), Mute.objects.count(),
            Flag.objects.count()) == before


@pytest.mark.django_db
def test_unban_params_in_query_string(api_call):
    ModeratorFactory(id="mod")
    bob = EndUserFactory(id="bob")
    Ban.objects.create(target=bob)
    assert_envelope(api_call("post", "/moderation/unban", {}), 400, 4, "target_user_id")
    assert api_call("post", "/moderation/unban", {}, query={"target_user_id": "bob",
                                                            "created_by": "mod"}).status_code == 200
    assert ModerationLog.objects.get(action="unban").actor_id == "mod"


@pytest.mark.django_db
def test_query_review_queue_constant_queries(api_call, django_assert_max_num_queries):
    def run(n: int) -> None:
        for i in range(n):
            item = ReviewQueueItemFactory()
            Flag.objects.create(item=item, entity_type=item.entity_type, entity_id=item.entity_id,
                                reporter=EndUserFactory(id=f"r{n}-{i}"), reason="spam")
            ModerationLog.objects.create(action="flag", item=item)
        with django_assert_max_num_queries(6):
            response = api_call("post", "/moderation/review_queue", {"limit": 100})
            assert response.status_code == 200

    run(2)
    run(40)


@pytest.mark.django_db
def test_moderator_user_token_may_query_and_act(api_call, api_key):
    ModeratorFactory(id="mod")
    item = ReviewQueueItemFactory()
    token = user_token(api_key, "mod")
    assert api_call("post", "/moderation/review_queue", {}, token=token).status_code == 200
    response = api_call("post", "/moderation/submit_action", {"action_type": "mark_reviewed",
                                                              "item_id": str(item.pk)}, token=token)
    assert response.status_code == 200 and response.json()["item"]["reviewed_by"] == "mod"
