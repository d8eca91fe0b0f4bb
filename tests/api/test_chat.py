"""query_banned_users through the SDK (seed 002's fields, operators, sort and bounds) and bad input."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone
from getstream.exceptions import StreamApiException
from getstream.models import QueryBannedUsersPayload, SortParamRequest

from reviews.models import Ban
from tests.api.test_framework import assert_envelope
from tests.factories import EndUserFactory, ModeratorFactory


def _bans() -> list[Ban]:
    now = timezone.now()
    mod, mod2 = ModeratorFactory(id="mod"), ModeratorFactory(id="mod2")
    users = [EndUserFactory(id=f"u{i}") for i in range(4)]
    return [
        Ban.objects.create(target=users[0], banned_by=mod, created_at=now - timedelta(hours=4), reason="spam"),
        Ban.objects.create(target=users[1], banned_by=mod2, channel_cid="livestream:123",
                           created_at=now - timedelta(hours=3)),
        Ban.objects.create(target=users[2], banned_by=mod, channel_cid="livestream:456",
                           created_at=now - timedelta(hours=2), expires_at=now - timedelta(minutes=1)),
        Ban.objects.create(target=users[3], banned_by=None, created_at=now - timedelta(hours=1)),
    ]


@pytest.mark.django_db(transaction=True)
def test_query_banned_users_through_sdk(stream_client):
    bans = _bans()
    chat = stream_client.chat

    def ids(**kwargs) -> list[str]:
        payload = QueryBannedUsersPayload(**kwargs)
        return [b.user.id for b in chat.query_banned_users(payload=payload).data.bans]

    assert ids(filter_conditions={}) == ["u0", "u1", "u2", "u3"]  # app-wide and channel, ascending
    assert ids(filter_conditions={"channel_cid": "livestream:123"}) == ["u1"]
    # seed 002: limit 1, created_at descending
    assert ids(filter_conditions={"channel_cid": {"$in": ["livestream:123", "livestream:456"]}}, limit=1,
               sort=[SortParamRequest(field="created_at", direction=-1)]) == ["u2"]
    assert ids(filter_conditions={"user_id": {"$nin": ["u0", "u1"]}}) == ["u2", "u3"]
    assert ids(filter_conditions={"user_id": {"$ne": "u0"}}) == ["u1", "u2", "u3"]
    assert ids(filter_conditions={"banned_by_id": {"$neq": "mod"}}) == ["u1", "u3"]
    assert ids(filter_conditions={"banned_by_id": {"$in": ["mod"]}}) == ["u0", "u2"]
    assert ids(filter_conditions={"created_at": {"$gt": bans[1].created_at.isoformat()}}) == ["u2", "u3"]
    assert ids(filter_conditions={"created_at": {"$lte": bans[1].created_at.isoformat()}}) == ["u0", "u1"]
    assert ids(filter_conditions={}, created_at_after_or_equal=bans[1].created_at,
               created_at_before=bans[3].created_at) == ["u1", "u2"]
    assert ids(filter_conditions={}, exclude_expired_bans=True) == ["u0", "u1", "u3"]
    assert ids(filter_conditions={}, limit=2, offset=1) == ["u1", "u2"]
    first = chat.query_banned_users(payload=QueryBannedUsersPayload(filter_conditions={"user_id": "u0"}))
    ban = first.data.bans[0]
    assert ban.banned_by.id == "mod" and ban.reason == "spam" and ban.user.banned is True


@pytest.mark.django_db(transaction=True)
def test_user_tokens_see_channel_bans_only(user_client):
    _bans()
    bans = user_client("mod").chat.query_banned_users(payload=QueryBannedUsersPayload(filter_conditions={}))
    assert [b.user.id for b in bans.data.bans] == ["u1", "u2"]
    EndUserFactory(id="pleb")
    with pytest.raises(StreamApiException) as info:
        user_client("pleb").chat.query_banned_users(payload=QueryBannedUsersPayload(filter_conditions={}))
    assert info.value.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ('{"filter_conditions": {"channel_cid": {"$neq": "a"}}}',
         "payload.filter_conditions.channel_cid: unsupported operator $neq"),
        ('{"filter_conditions": {"user_id": {"$regex": "a"}}}',
         "payload.filter_conditions.user_id: unsupported operator $regex"),
        ('{"filter_conditions": {"reason": "spam"}}', "payload.filter_conditions.reason: unknown field"),
        ('{"filter_conditions": {"created_at": {"$in": ["x"]}}}', "payload.filter_conditions.created_at"),
        ('{"filter_conditions": {"created_at": {"$gt": "nope"}}}', "payload.filter_conditions.created_at.$gt"),
        ('{"filter_conditions": {}, "created_at_before": "nope"}', "payload.created_at_before"),
        ('{"filter_conditions": {}, "limit": 0}', "payload.limit"),
        ('{"filter_conditions": {}, "sort": [{"field": "reason", "direction": 1}]}', "payload.sort.field"),
        ('{"filter_conditions": {}, "sort": [{"field": "created_at", "direction": 2}]}', "payload.sort.direction"),
        ('{"filter_conditions": [1]}', "payload.filter_conditions"),
    ],
)
def test_query_banned_users_bad_input(api_call, payload, needle):
    assert_envelope(api_call("get", "/chat/query_banned_users", query={"payload": quote(payload)}), 400, 4, needle)


@pytest.mark.django_db
def test_query_banned_users_constant_queries(api_call, django_assert_max_num_queries):
    mod = ModeratorFactory(id="m")
    for n in (2, 30):
        for i in range(n):
            Ban.objects.create(target=EndUserFactory(id=f"b{n}-{i}"), banned_by=mod)
        with django_assert_max_num_queries(5):
            response = api_call("get", "/chat/query_banned_users",
                                query={"payload": quote('{"filter_conditions": {}, "limit": 100}')})
            assert response.status_code == 200
