"""submit_action sub-options that used to be accepted and dropped: each is now honoured or refused with a 400
naming it (getstream 7.0.0 SDK against live_server)."""

from __future__ import annotations

import pytest
from getstream.exceptions import StreamApiException
from getstream.models import (
    BanActionRequestPayload,
    DeleteUserRequestPayload,
    MarkReviewedRequestPayload,
    UnbanActionRequestPayload,
)

from reviews.models import Ban, EntityType, FutureChannelBan, ModerationLog, OutboxEvent, ReviewQueueItem
from tests.factories import EndUserFactory, ModeratorFactory, ReviewQueueItemFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_ban_from_future_channels_and_its_removal_on_unban(stream_client):
    ModeratorFactory(id="mod")
    item = ReviewQueueItemFactory(entity_creator=EndUserFactory(id="bob"))
    moderation = stream_client.moderation
    with pytest.raises(StreamApiException) as exc:  # nobody named: whose future channels?
        moderation.submit_action(action_type="ban", item_id=str(item.pk),
                                 ban=BanActionRequestPayload(ban_from_future_channels=True))
    assert exc.value.status_code == 400 and "ban.ban_from_future_channels" in str(exc.value)
    assert not FutureChannelBan.objects.exists() and not Ban.objects.exists()  # the ban was rolled back too
    moderation.submit_action(action_type="ban", item_id=str(item.pk), user_id="mod",
                             ban=BanActionRequestPayload(ban_from_future_channels=True, reason="spam"))
    future = FutureChannelBan.objects.in_force().get(target_id="bob")
    assert (future.banned_by_id, future.reason) == ("mod", "spam")
    moderation.submit_action(action_type="unban", item_id=str(item.pk), user_id="mod",
                             unban=UnbanActionRequestPayload())
    assert FutureChannelBan.objects.in_force().filter(target_id="bob").exists()  # not asked: kept
    moderation.submit_action(action_type="unban", item_id=str(item.pk), user_id="mod",
                             unban=UnbanActionRequestPayload(remove_future_channels_ban=True))
    assert not FutureChannelBan.objects.in_force().filter(target_id="bob").exists()


def test_delete_user_channel_and_feed_options_are_logged_and_announced(stream_client):
    ModeratorFactory(id="mod")
    item = ReviewQueueItemFactory(entity_creator=EndUserFactory(id="bob"))
    stream_client.moderation.submit_action(
        action_type="delete_user", item_id=str(item.pk), user_id="mod",
        delete_user=DeleteUserRequestPayload(delete_conversation_channels=True, delete_feeds_content=True))
    entry = ModerationLog.objects.get(action="delete_user")
    assert entry.custom["delete_conversation_channels"] is True and entry.custom["delete_feeds_content"] is True
    event = OutboxEvent.objects.get(type="user.deleted").payload
    assert event["delete_conversation_channels"] is True and event["delete_feeds_content"] is True


def test_mark_reviewed_content_limit_and_disable(stream_client):
    ModeratorFactory(id="mod")
    bob = EndUserFactory(id="bob")
    user_item = ReviewQueueItemFactory(entity_type=EntityType.USER, entity_id="bob", entity_creator=None)
    content = [ReviewQueueItemFactory(entity_id=f"m{i}", entity_creator=bob) for i in range(3)]
    moderation = stream_client.moderation
    for payload, needle in [
        (MarkReviewedRequestPayload(content_to_mark_as_reviewed_limit=2, disable_marking_content_as_reviewed=True),
         "contradicts"),
        (MarkReviewedRequestPayload(content_to_mark_as_reviewed_limit=-1), "between 0 and 1000"),
    ]:
        with pytest.raises(StreamApiException) as exc:
            moderation.submit_action(action_type="mark_reviewed", item_id=str(user_item.pk), user_id="mod",
                                     mark_reviewed=payload)
        assert exc.value.status_code == 400 and "content_to_mark_as_reviewed_limit" in str(exc.value)
        assert needle in str(exc.value)
    with pytest.raises(StreamApiException) as exc:  # a message item has no content of its own to mark
        moderation.submit_action(action_type="mark_reviewed", item_id=str(content[0].pk), user_id="mod",
                                 mark_reviewed=MarkReviewedRequestPayload(content_to_mark_as_reviewed_limit=1))
    assert exc.value.status_code == 400 and "applies to a user's items" in str(exc.value)

    moderation.submit_action(action_type="mark_reviewed", item_id=str(user_item.pk), user_id="mod",
                             mark_reviewed=MarkReviewedRequestPayload(content_to_mark_as_reviewed_limit=2))
    statuses = [ReviewQueueItem.objects.get(pk=i.pk).status for i in [user_item, *content]]
    assert statuses == ["reviewed", "reviewed", "reviewed", "pending"]

    user_item2 = ReviewQueueItemFactory(entity_type=EntityType.USER, entity_id="carol",
                                        entity_creator=EndUserFactory(id="carol"))
    other = ReviewQueueItemFactory(entity_id="c1", entity_creator=EndUserFactory(id="carol"))
    moderation.submit_action(action_type="mark_reviewed", item_id=str(user_item2.pk), user_id="mod",
                             mark_reviewed=MarkReviewedRequestPayload(disable_marking_content_as_reviewed=True))
    assert ReviewQueueItem.objects.get(pk=user_item2.pk).status == "reviewed"
    assert ReviewQueueItem.objects.get(pk=other.pk).status == "pending"


@pytest.mark.parametrize("verb, payload, field", [
    ("ban", {"reason": "spam", "duration": 60}, "ban.duration"),  # not Stream's name: `timeout`
    ("delete_message", {"hard_delete": True, "purge": True}, "delete_message.purge"),
    ("mark_reviewed", {"limit": 3}, "mark_reviewed.limit"),
])
def test_an_option_a_verb_does_not_take_is_refused_by_name_and_nothing_changes(api_call, verb, payload, field):
    ModeratorFactory(id="mod")
    item = ReviewQueueItemFactory(entity_creator=EndUserFactory(id="bob"))
    got = api_call("post", "/moderation/submit_action",
                   {"action_type": verb, "item_id": str(item.pk), "user_id": "mod", verb: payload})
    assert got.status_code == 400, got.content
    assert field in got.json()["exception_fields"], got.json()
    item.refresh_from_db()
    assert item.status == "pending" and not Ban.objects.exists()
    assert not ModerationLog.objects.filter(action=verb).exists()
