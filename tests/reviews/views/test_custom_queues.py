"""The dashboard's queue switcher: each custom queue's depth and oldest age, assigned queues first, and a queue's
view, claims and bulk decisions staying inside the queue."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.actions import custom_queues as queue_actions
from reviews.models import ReviewQueueItem
from reviews.permissions import identity_for
from reviews.selectors.custom_queues import summaries
from tests.factories import DashboardUserFactory, ReviewQueueItemFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def mod_client(client):
    user = DashboardUserFactory(username="mia", role="Moderators")
    client.force_login(user)
    client.identity = identity_for(user)
    return client


@pytest.fixture
def queues():
    now = timezone.now()
    old = ReviewQueueItemFactory(channel_cid="messaging:a", severity=90, created_at=now - timedelta(days=3))
    new = ReviewQueueItemFactory(channel_cid="messaging:a", severity=10, created_at=now - timedelta(hours=1))
    ReviewQueueItemFactory(channel_cid="messaging:a", status=ReviewQueueItem.Status.REVIEWED)
    other = ReviewQueueItemFactory(channel_cid="messaging:b")
    a = queue_actions.create_queue(name="Channel A", type="custom", filters={"channel_cid": "messaging:a"},
                                   sort=[{"field": "severity", "direction": 1}], actor=None)
    b = queue_actions.create_queue(name="Aardvark", type="custom", filters={"channel_cid": "messaging:b"},
                                   actor=None)
    return {"a": a, "b": b, "old": old, "new": new, "other": other}


def test_switcher_shows_depth_and_oldest_age_assigned_first(mod_client, queues):
    assert [s.queue.name for s in summaries(mod_client.identity)] == ["Aardvark", "Channel A"]
    queue_actions.assign_queue(queue_id=queues["a"].pk, assignees=[mod_client.identity], actor=None)
    first, second = summaries(mod_client.identity)
    assert (first.queue.name, first.depth, first.depth_exact, first.assigned) == ("Channel A", 2, True, True)
    assert first.oldest == queues["old"].created_at and (second.depth, second.assigned) == (1, False)
    page = mod_client.get(reverse("reviews:queue")).content.decode()
    assert 'hx-get="/queue/switcher"' in page  # loaded after the page, which costs what it did
    switcher = mod_client.get(reverse("reviews:queue-switcher"), **HX).content.decode()
    assert switcher.index('data-queue="Channel A"') < switcher.index('data-queue="Aardvark"')
    assert "2 pending" in switcher and "oldest 3" in switcher


def test_a_queues_view_lists_only_its_items_in_its_sort(mod_client, queues):
    response = mod_client.get(reverse("reviews:queue"), {"cq": str(queues["a"].pk)})
    html = response.content.decode()
    assert "Review queue: Channel A" in html
    assert str(queues["other"].pk) not in html
    assert html.index(str(queues["new"].pk)) < html.index(str(queues["old"].pk))  # severity ascending
    assert f'name="cq" value="{queues["a"].pk}"' in html and f'name="f_cq" value="{queues["a"].pk}"' in html
    missing = mod_client.get(reverse("reviews:queue"), {"cq": "00000000-0000-0000-0000-000000000000"})
    assert missing.status_code == 200
    assert "queue &#x27;00000000-0000-0000-0000-000000000000&#x27; does not exist" in missing.content.decode()


def test_next_free_item_stays_inside_the_queue(mod_client, queues):
    response = mod_client.post(reverse("reviews:queue-next"), {"f_status": "pending", "f_cq": str(queues["b"].pk)},
                               **HX)
    assert response.status_code == 200
    assert ReviewQueueItem.objects.get(pk=queues["other"].pk).locked_by_id == mod_client.identity.pk
    again = mod_client.post(reverse("reviews:queue-next"),
                            {"f_status": "pending", "f_cq": str(queues["b"].pk), "current": str(queues["other"].pk)},
                            **HX)
    assert again.status_code != 200 or "Nothing left" in again.content.decode()
    assert ReviewQueueItem.objects.filter(locked_by=mod_client.identity).count() == 1  # nothing outside queue b
