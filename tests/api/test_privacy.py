"""What a user token sees about users, through the getstream SDK: never a shadow ban (not even its own), and
nobody else's blocks, mutes or invisibility; server and moderator tokens see all of it (reviews/api/privacy.py)."""

from __future__ import annotations

import pytest
from getstream.exceptions import StreamApiException
from getstream.models import QueryUsersPayload, UserRequest

from reviews import actions
from reviews.api.privacy import for_user
from tests.factories import EndUserFactory, ModeratorFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    shadow, alice, bob = EndUserFactory(id="shadow"), EndUserFactory(id="alice"), EndUserFactory(id="bob")
    EndUserFactory(id="ghost", invisible=True)
    mod = ModeratorFactory(id="mod")
    actions.ban_user(target=shadow, actor=mod, shadow=True, reason="spam")
    actions.block_user(blocker=alice, blocked=bob, actor=alice)
    actions.mute_user(user=alice, target=shadow, actor=alice)
    actions.mute_user(user=bob, target=alice, actor=bob)
    actions.block_user(blocker=shadow, blocked=bob, actor=shadow)
    return {"shadow": shadow, "alice": alice, "bob": bob}


EVERYONE = QueryUsersPayload(filter_conditions={"id": {"$in": ["shadow", "alice", "bob", "ghost"]}})


def _by_id(response):
    return {u.id: u for u in response.data.users}


def test_a_shadow_banned_user_cannot_tell(world, user_client):
    client = user_client("shadow")
    me = _by_id(client.query_users(EVERYONE))["shadow"]
    assert me.shadow_banned is False and me.banned is False
    assert me.blocked_user_ids == ["bob"]  # their own blocks they do see
    # Updating their own profile answers with their user too.
    updated = client.update_users(users={"shadow": UserRequest(id="shadow", name="S")}).data.users["shadow"]
    assert updated.shadow_banned is False
    # Nor can a filter tell them: shadow-ban filters are for administrators.
    with pytest.raises(StreamApiException) as info:
        client.query_users(QueryUsersPayload(filter_conditions={"id": "shadow", "shadow_banned": True}))
    assert info.value.status_code == 403 and "filter_conditions.shadow_banned" in info.value.api_error.message


def test_other_users_see_no_shadow_ban_and_none_of_anyones_blocks_or_mutes(world, user_client):
    users = _by_id(user_client("bob").query_users(EVERYONE))
    assert users["shadow"].shadow_banned is False
    assert users["alice"].blocked_user_ids == [] and users["alice"].mutes == []
    assert users["shadow"].blocked_user_ids == [] and users["ghost"].invisible is False
    mine = users["bob"]
    assert [m.target.id for m in mine.mutes] == ["alice"]
    # alice's own view: her mute of the shadow-banned user shows the target without the shadow ban.
    alice = _by_id(user_client("alice").query_users(EVERYONE))["alice"]
    assert alice.blocked_user_ids == ["bob"]
    assert [(m.target.id, m.target.shadow_banned, m.target.blocked_user_ids) for m in alice.mutes] == [
        ("shadow", False, [])]


def test_server_and_moderator_tokens_see_everything(world, stream_client, user_client):
    for client in (stream_client, user_client("mod")):
        users = _by_id(client.query_users(EVERYONE))
        assert users["shadow"].shadow_banned is True
        assert users["alice"].blocked_user_ids == ["bob"] and [m.target.id for m in users["alice"].mutes] == ["shadow"]
        assert users["ghost"].invisible is True
        shadow = client.query_users(QueryUsersPayload(filter_conditions={"shadow_banned": True}))
        assert [u.id for u in shadow.data.users] == ["shadow"]


def test_blocks_of_call_members_are_not_shown_to_other_members(world, user_client):
    from getstream.models import CallRequest, MemberRequest

    client = user_client("bob")
    call = client.video.call("default", "c1")
    response = call.get_or_create(data=CallRequest(created_by_id="bob", members=[
        MemberRequest(user_id="alice"), MemberRequest(user_id="shadow"), MemberRequest(user_id="bob")]))
    members = {m.user_id: m.user for m in response.data.members}
    assert members["alice"].blocked_user_ids == [] and members["shadow"].shadow_banned is False
    assert members["shadow"].blocked_user_ids == []


def test_free_form_data_is_never_rewritten():
    lookalike = {"id": "x", "role": "user", "shadow_banned": True, "blocked_user_ids": ["y"]}
    data = {"users": [{"id": "bob", "role": "user", "shadow_banned": True, "blocked_user_ids": ["a"],
                       "custom": {"me": lookalike}, "invisible": True, "mutes": [{"target": dict(lookalike)}]}]}
    seen = for_user(data, "alice")
    assert seen["users"][0]["custom"]["me"] == lookalike
    assert seen["users"][0]["shadow_banned"] is False and seen["users"][0]["mutes"] == []
    assert data["users"][0]["shadow_banned"] is True  # the original is untouched
