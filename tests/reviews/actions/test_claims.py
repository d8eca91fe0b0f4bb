from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from reviews import actions
from reviews.models import ReviewQueueItem
from tests.factories import ModeratorFactory, ReviewQueueItemFactory

pytestmark = pytest.mark.django_db


def test_two_moderators_are_never_handed_the_same_item():
    ReviewQueueItemFactory.create_batch(5)
    one, two = ModeratorFactory(), ModeratorFactory()
    qs = ReviewQueueItem.objects.filter(status="pending").order_by("-created_at", "-id")
    first = actions.claim_items(items_qs=qs, holder=one, count=3)
    second = actions.claim_items(items_qs=qs, holder=two, count=3)
    assert len(first) == 3 and len(second) == 2
    assert not {i.pk for i in first} & {i.pk for i in second}


def test_claims_expire_at_read_time():
    item = ReviewQueueItemFactory()
    one, two = ModeratorFactory(), ModeratorFactory()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert actions.claim_item(item=item, holder=one, duration_seconds=60)
        assert not actions.claim_item(item=item, holder=two)
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        item.refresh_from_db()
        assert item.lock_holder() is None
        assert actions.claim_item(item=item, holder=two)
