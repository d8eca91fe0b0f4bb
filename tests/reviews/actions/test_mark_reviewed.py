import pytest

from reviews import actions
from reviews.models import ModerationLog, OutboxEvent
from tests.factories import ReviewQueueItemFactory

pytestmark = pytest.mark.django_db


def test_mark_reviewed_closes_releases_logs_and_is_idempotent(moderator, alice):
    item = ReviewQueueItemFactory()
    assert actions.claim_item(item=item, holder=moderator)
    item = actions.mark_reviewed(item=item, actor=moderator, decision_reason="fine")
    assert item.status == "reviewed" and item.reviewed_by == moderator and item.reviewed_at
    assert item.locked_by is None
    actions.mark_reviewed(item=item, actor=alice)
    item.refresh_from_db()
    assert item.reviewed_by == moderator
    assert ModerationLog.objects.filter(action="mark_reviewed").count() == 1
    assert OutboxEvent.objects.filter(type="moderation.mark_reviewed").count() == 1
