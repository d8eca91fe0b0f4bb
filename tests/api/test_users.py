"""Users endpoints through the real SDK, plus raw HTTP for bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from getstream.exceptions import StreamApiException
from getstream.models import QueryUsersPayload, SortParamRequest, UpdateUserPartialRequest, UserRequest

from reviews.models import Ban, EndUser, ModerationLog, Mute, UserBlock
from tests.api.conftest import user_token
from tests.api.test_framework import assert_envelope
from tests.factories import EndUserFactory, ModeratorFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_user_and_upsert_keyed_by_id(stream_client):
    user = stream_client.create_user(name="Alice", id="alice", image="http://img/a.png")
    assert user.id == "alice" and user.name == "Alice" and user.mutes == []
    response = stream_client.upsert_users(UserRequest(id="alice", role="moderator", custom={"team": "red"}),
                                          UserRequest(id="bob"))
    assert set(response.data.users) == {"alice", "bob"}
    alice = EndUser.objects.get(pk="alice")
    assert alice.role == "moderator" and alice.custom == {"team": "red"} and alice.name == "Alice"
    assert response.data.users["alice"].created_at.year == timezone.now().year


def test_update_users_partial(stream_client):
    EndUserFactory(id="carol", name="Carol", custom={"a": 1, "b": 2})
    response = stream_client.update_users_partial(
        users=[UpdateUserPartialRequest(id="carol", set={"name": "Caro", "c": 3}, unset=["a"])]
    )
    assert response.data.users["carol"].name == "Caro"
    assert EndUser.objects.get(pk="carol").custom == {"b": 2, "c": 3}


def test_query_users_filters_and_mutes(stream_client):
    alice, bob, carol = (EndUserFactory(id=i) for i in ("alice", "bob", "carol"))
    ModeratorFactory(id="mod-a")
    Mute.objects.create(user=alice, target=bob)
    Mute.objects.create(user=alice, target=carol, expires_at=timezone.now() - timedelta(minutes=1))  # expired
    Ban.objects.create(target=carol, reason="spam")
    Ban.objects.create(target=bob, shadow=True)

    got = stream_client.query_users(QueryUsersPayload(filter_conditions={"id": {"$in": ["alice", "bob"]}}))
    users = {u.id: u for u in got.data.users}
    assert set(users) == {"alice", "bob"}
    assert [m.target.id for m in users["alice"].mutes] == ["bob"]
    assert users["bob"].shadow_banned is True and users["bob"].banned is False

    banned = stream_client.query_users(QueryUsersPayload(filter_conditions={"banned": True}))
    assert [u.id for u in banned.data.users] == ["carol"]
    shadow = stream_client.query_users(QueryUsersPayload(filter_conditions={"shadow_banned": {"$eq": True}}))
    assert [u.id for u in shadow.data.users] == ["bob"]
    mods = stream_client.query_users(QueryUsersPayload(filter_conditions={"role": "moderator"}))
    assert [u.id for u in mods.data.users] == ["mod-a"]
    page = stream_client.query_users(QueryUsersPayload(
        filter_conditions={}, sort=[SortParamRequest(field="id", direction=-1)], limit=2, offset=1))
    assert [u.id for u in page.data.users] == ["carol", "bob"]


def test_query_users_deactivated(stream_client):
    EndUserFactory(id="gone", deactivated_at=timezone.now())
    EndUserFactory(id="here")
    default = stream_client.query_users(QueryUsersPayload(filter_conditions={}))
    assert [u.id for u in default.data.users] == ["here"]
    gone = stream_client.query_users(QueryUsersPayload(filter_conditions={"deactivated": True}))
    assert [u.id for u in gone.data.users] == ["gone"]
    assert gone.data.users[0].deactivated_at is not None
    every = stream_client.query_users(QueryUsersPayload(filter_conditions={}, include_deactivated_users=True))
    assert {u.id for u in every.data.users} == {"gone", "here"}


def test_deactivate_reactivate_user(stream_client):
    EndUserFactory(id="alice")
    ModeratorFactory(id="mod-1")
    response = stream_client.deactivate_user(user_id="alice", created_by_id="mod-1")
    assert response.data.user.deactivated_at is not None
    log = ModerationLog.objects.get(action="deactivate_user")
    assert log.actor_id == "mod-1" and log.target_user_id == "alice"
    stream_client.reactivate_user(user_id="alice")
    assert EndUser.objects.get(pk="alice").deactivated_at is None


def test_bulk_deactivate_and_task(stream_client):
    for i in range(3):
        EndUserFactory(id=f"u{i}")
    task_id = stream_client.deactivate_users(user_ids=["u0", "u1", "u2", "ghost"]).data.task_id
    task = stream_client.get_task(id=task_id).data
    assert task.status == "completed"  # Celery is eager in tests
    assert task.result["progress"] == 100 and task.result["changed"] == 3 and task.result["missing"] == 1
    assert EndUser.objects.filter(deactivated_at__isnull=False).count() == 3
    task_id = stream_client.reactivate_users(user_ids=["u0"]).data.task_id
    assert stream_client.get_task(id=task_id).data.status == "completed"
    assert EndUser.objects.filter(deactivated_at__isnull=False).count() == 2


def test_seed_001_blocking_example(stream_client):
    """seed 001 'User blocking' (Python tab), unchanged."""
    client = stream_client
    alice, bob = EndUserFactory(id="alice"), EndUserFactory(id="bob")
    # alice blocks bob
    client.block_users(blocked_user_id=bob.id, user_id=alice.id)

    # list blocked users by alice
    response = client.get_blocked_users(user_id=alice.id)

    # alice unblocks bob
    client.unblock_users(blocked_user_id=bob.id, user_id=alice.id)

    assert [(b.user_id, b.blocked_user_id) for b in response.data.blocks] == [("alice", "bob")]
    assert response.data.blocks[0].blocked_user.id == "bob"
    assert not UserBlock.objects.exists()
    assert list(ModerationLog.objects.order_by("id").values_list("action", flat=True)) == ["block_user", "unblock_user"]


def test_user_token_blocks_for_itself_only(user_client):
    EndUserFactory(id="alice"), EndUserFactory(id="bob")
    alice = user_client("alice")
    response = alice.block_users(blocked_user_id="bob")
    assert response.data.blocked_by_user_id == "alice"
    with pytest.raises(StreamApiException) as info:
        alice.block_users(blocked_user_id="alice-friend", user_id="bob")
    assert info.value.status_code == 403
    with pytest.raises(StreamApiException) as info:
        alice.deactivate_user(user_id="bob")
    assert info.value.status_code == 403
    assert UserBlock.objects.count() == 1


@pytest.mark.django_db
def test_user_token_cannot_change_role_or_others(api_call, api_key):
    EndUserFactory(id="alice")
    token = user_token(api_key, "alice")
    assert_envelope(api_call("post", "/users", {"users": {"alice": {"id": "alice", "role": "admin"}}},
                             token=token), 403, 17, "role")
    assert_envelope(api_call("post", "/users", {"users": {"bob": {"id": "bob"}}}, token=token), 403, 17)
    assert not EndUser.objects.filter(pk="bob").exists()
    ok = api_call("post", "/users", {"users": {"alice": {"id": "alice", "name": "Al"}}}, token=token)
    assert ok.status_code == 200 and ok.json()["users"]["alice"]["name"] == "Al"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"users": {"a": {"id": "b"}}}, "users.a.id"),
        ({"users": {"a": {"id": "a", "role": "king"}}}, "users.a.role"),
        ({"users": {"a": {"id": "a", "teams": "x"}}}, "users.a.teams"),
        ({"users": {}}, "users: must not be empty"),
        ({"users": {"": {"id": ""}}}, "id"),
        ({}, "users: is required"),
    ],
)
def test_update_users_bad_input(api_call, body, needle):
    assert_envelope(api_call("post", "/users", body), 400, 4, needle)
    assert not EndUser.objects.exists()


@pytest.mark.django_db
def test_update_users_is_all_or_nothing(api_call):
    body = {"users": {"ok": {"id": "ok"}, "bad": {"id": "bad", "role": "king"}}}
    assert_envelope(api_call("post", "/users", body), 400, 4, "users.bad.role")
    assert not EndUser.objects.exists()


@pytest.mark.django_db
def test_malformed_json_body(api_call):
    assert_envelope(api_call("post", "/users", raw="{not json"), 400, 4, "body: malformed JSON")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        (None, "payload: is required"),
        ("{bad", "payload: malformed JSON"),
        ('{"filter_conditions": {"name": "x"}}', "payload.filter_conditions.name: unknown field"),
        ('{"filter_conditions": {"id": {"$regex": "a"}}}',
         "payload.filter_conditions.id: unsupported operator $regex"),
        ('{"filter_conditions": {"banned": "yes"}}', "payload.filter_conditions.banned.$eq: must be true or false"),
        ('{"filter_conditions": {}, "limit": 1000}', "payload.limit"),
        ('{"filter_conditions": {}, "limit": "ten"}', "payload.limit"),
        ('{"filter_conditions": {}, "offset": 5000}', "payload.offset"),
        ('{"filter_conditions": {}, "sort": [{"field": "name"}]}', "payload.sort.field"),
        ('{"limit": 3}', "payload.filter_conditions: is required"),
    ],
)
def test_query_users_bad_input(api_call, payload, needle):
    from urllib.parse import quote

    query = {"payload": quote(payload)} if payload is not None else None
    assert_envelope(api_call("get", "/users", query=query), 400, 4, needle)


@pytest.mark.django_db
def test_query_users_constant_queries(api_call, django_assert_max_num_queries):
    from urllib.parse import quote

    def run(n: int) -> None:
        for i in range(n):
            user = EndUserFactory(id=f"q{n}-{i}")
            Mute.objects.create(user=user, target=EndUserFactory(id=f"t{n}-{i}"))
            Ban.objects.create(target=user)
            UserBlock.objects.create(blocker=user, blocked=EndUserFactory(id=f"b{n}-{i}"))
        payload = quote('{"filter_conditions": {}, "limit": 100}')
        with django_assert_max_num_queries(7):
            assert api_call("get", "/users", query={"payload": payload}).status_code == 200

    run(2)
    run(40)


@pytest.mark.django_db
def test_bulk_and_task_bad_input(api_call):
    assert_envelope(api_call("post", "/users/deactivate", {"user_ids": []}), 400, 4, "user_ids")
    assert_envelope(api_call("post", "/users/deactivate", {"user_ids": "abc"}), 400, 4, "user_ids")
    assert_envelope(api_call("get", "/tasks/not-a-uuid"), 400, 4, "id")
    assert_envelope(api_call("post", "/users/nobody/deactivate", {}), 404, 16, "nobody")
