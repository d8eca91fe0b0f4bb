"""Every event the moderation actions record decodes with the SDK's own parser, strictly: a missing required
field (which the SDK only warns about) fails here, and timestamps must be integer nanoseconds."""

import json

import pytest
from django.db import transaction
from getstream.webhook import parse_webhook_event

from reviews import actions, events
from reviews.models import OutboxEvent
from tests.factories import EndUserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("error::RuntimeWarning")]

EXPECTED = {
    "user.banned": "UserBannedEvent", "user.unbanned": "UserUnbannedEvent", "user.muted": "UserMutedEvent",
    "user.unmuted": "UserUnmutedEvent", "user.deactivated": "UserDeactivatedEvent",
    "user.reactivated": "UserReactivatedEvent", "user.flagged": "UserFlaggedEvent",
    "message.flagged": "MessageFlaggedEvent", "review_queue_item.new": "ReviewQueueItemNewEvent",
    "review_queue_item.updated": "ReviewQueueItemUpdatedEvent",
    "moderation.mark_reviewed": "ModerationMarkReviewedEvent",
}


def test_every_moderation_event_decodes_with_the_sdk(moderator, alice, bob, time_machine):
    carol = EndUserFactory(id="carol")
    actions.ban_user(target=alice, actor=moderator, reason="spam", timeout_minutes=5, shadow=True)
    actions.unban_user(target=alice, actor=moderator)
    actions.ban_user(target=carol, actor=moderator, ip_ban=True)  # 30-day default, swept below
    actions.mute_user(user=alice, target=bob, actor=alice, timeout_minutes=1)
    actions.mute_user(user=carol, target=bob, actor=carol)
    actions.unmute_user(user=carol, target=bob, actor=carol)
    actions.deactivate_user(target=bob, actor=moderator)
    actions.reactivate_user(target=bob, actor=moderator)
    actions.deactivate_users(user_ids=["bob", "carol"], actor=None)
    actions.reactivate_users(user_ids=["bob", "carol"], actor=moderator)
    _, item = actions.flag_content(reporter=alice, entity_type="stream:user", entity_id="bob", entity_creator=bob,
                                   reason="spam", actor=alice)
    actions.flag_content(reporter=alice, entity_type="stream:chat:v1:message", entity_id="m1", entity_creator=bob,
                         reason="spam", moderation_payload={"texts": ["buy now"]}, channel_cid="messaging:x",
                         actor=alice)
    actions.flag_content(reporter=None, entity_type="stream:chat:v1:message", entity_id="m2", reason="automod",
                         moderation_payload={"texts": ["?"]}, actor=None)
    actions.flag_content(reporter=carol, entity_type="stream:user", entity_id="bob", entity_creator=bob,
                         reason="again", actor=carol)
    actions.mark_reviewed(item=item, actor=moderator)
    time_machine.move_to("2100-01-01")
    actions.expire_bans()
    actions.expire_mutes()

    seen = {}
    for event in OutboxEvent.objects.order_by("id"):
        assert isinstance(event.payload["created_at"], int) and event.payload["created_at"] > 10**18
        decoded = parse_webhook_event(event.payload)
        assert type(decoded).__name__ == EXPECTED[event.type], event.type
        seen.setdefault(event.type, decoded)
    assert set(seen) == set(EXPECTED)
    assert seen["user.banned"].shadow is True
    assert seen["message.flagged"].message.user.id == "bob"
    unbanned = [parse_webhook_event(e.payload) for e in OutboxEvent.objects.filter(type="user.unbanned")]
    assert [u.user.id for u in unbanned] == ["alice", "carol"]  # the manual unban, then the swept IP ban


def test_a_transaction_kicks_the_relay_once_however_many_events(django_capture_on_commit_callbacks, alice):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for _ in range(5):
            events.record("user.unbanned", user={"id": "alice"})
        events.record_many([("user.unbanned", {"user": {"id": "alice"}})] * 3)
    assert len(callbacks) == 1


def test_a_rolled_back_savepoint_does_not_swallow_the_kick(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                events.record("user.unbanned", user={"id": "a"})
                raise RuntimeError
        except RuntimeError:
            pass
        events.record("user.unbanned", user={"id": "b"})
    assert len(callbacks) == 1
    assert list(OutboxEvent.objects.values_list("payload__user__id", flat=True)) == ["b"]


def test_the_sql_built_user_equals_the_python_one(alice):
    """Set-based actions build event users in SQL on PostgreSQL; they must match payloads.user_common exactly."""
    from django.db import connection

    from reviews import payloads
    from reviews.models import EndUser

    if connection.vendor != "postgresql":
        pytest.skip("the SQL builder is PostgreSQL's")
    EndUser.objects.filter(pk="alice").update(teams=["t1"], custom={"k": [1, "x"]},
                                              deactivated_at="2030-01-02 03:04:05.123456Z")
    alice.refresh_from_db()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {payloads.user_common_sql('u')} FROM reviews_enduser u WHERE u.id = 'alice'")
        built = json.loads(cursor.fetchone()[0])
    assert built == payloads.user_common(alice)
