"""/api/v2/moderation/ban: a body field that changes a ban's scope (`type` + `id`, as the Chat SDKs send it) is
honoured as the channel, or refused with 400 — never silently an app-wide ban."""

from __future__ import annotations

import pytest

from reviews.models import Ban, FutureChannelBan
from tests.factories import EndUserFactory, ModeratorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    ModeratorFactory(id="mod-1")
    EndUserFactory(id="alice")


def test_type_and_id_make_a_channel_ban(api_call, people):
    response = api_call("post", "/moderation/ban", {"target_user_id": "alice", "banned_by_id": "mod-1",
                                                   "type": "livestream", "id": "fortnite"})
    assert response.status_code == 200, response.content
    assert Ban.objects.get(target_id="alice").channel_cid == "livestream:fortnite"


@pytest.mark.parametrize("extra, field", [
    ({"type": "livestream"}, "id"),
    ({"id": "fortnite"}, "type"),
    ({"type": "livestream", "id": "fortnite", "channel_cid": "livestream:other"}, "channel_cid"),
])
def test_half_a_channel_or_a_disagreeing_cid_is_refused(api_call, people, extra, field):
    response = api_call("post", "/moderation/ban", {"target_user_id": "alice", "banned_by_id": "mod-1", **extra})
    assert response.status_code == 400
    assert response.json()["exception_fields"] == {field: response.json()["message"]}
    assert not Ban.objects.exists()


def test_ban_from_future_channels_is_honoured(api_call, people):
    api_call("post", "/moderation/ban", {"target_user_id": "alice", "banned_by_id": "mod-1",
                                         "channel_cid": "messaging:x", "ban_from_future_channels": True})
    assert FutureChannelBan.objects.get(target_id="alice").banned_by_id == "mod-1"
