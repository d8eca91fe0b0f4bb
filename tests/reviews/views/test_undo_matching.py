"""Admins undo everything a log filter matches (say, all one moderator did) as one background job."""

import pytest
from django.urls import reverse

from reviews import actions
from reviews.models import Ban, EntityType, ModerationLog, ReviewQueueItem, Task
from tests.factories import DashboardUserFactory, EndUserFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def flag(n):
    reporter, creator = EndUserFactory(id=f"rep-{n}"), EndUserFactory(id=f"creator-{n}")
    _, item = actions.flag_content(reporter=reporter, entity_type=EntityType.MESSAGE, entity_id=f"m-{n}",
                                   entity_creator=creator, actor=reporter, reason="spam",
                                   moderation_payload={"texts": [f"message {n}"]})
    return item


@pytest.fixture
def rogue_and_careful():
    """A rogue moderator reviewed four items and banned two creators; a careful one reviewed one item."""
    rogue, careful = EndUserFactory(id="rogue", role="moderator"), EndUserFactory(id="careful", role="moderator")
    items = [flag(i) for i in range(6)]
    for item in items[:4]:
        actions.mark_reviewed(item=item, actor=rogue)
    for item in items[:2]:
        actions.ban_user(target=item.entity_creator, actor=rogue, reason="rogue ban", timeout_minutes=60)
    actions.mark_reviewed(item=items[5], actor=careful)
    return items


def admin_client(client, role="Admins"):
    client.force_login(DashboardUserFactory(username=f"boss-{role}", role=role))
    return client


def test_an_admin_undoes_everything_one_moderator_did(client, rogue_and_careful, django_capture_on_commit_callbacks):
    items = rogue_and_careful
    client = admin_client(client)
    page = client.get(reverse("reviews:log"), {"moderator": "rogue"})
    assert b"Undo all matching" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:undo-matching"), {"f_moderator": "rogue"}, **HX)
    assert response.status_code == 200 and b"<progress" in response.content
    task = Task.objects.get(kind="undo_queue_decision")
    assert task.status == "completed" and task.total == 6 and task.result["changed"] == 6
    assert not Ban.objects.in_force().exists()
    assert {i.pk for i in ReviewQueueItem.objects.filter(status="reviewed")} == {items[5].pk}  # careful's stays
    summary = ModerationLog.objects.get(action="bulk_undo")
    assert summary.actor_id == "boss-Admins" and summary.custom["filters"] == {"user_id": ["rogue"]}
    assert summary.reason == "bulk undo of 6 entries matching user_id=rogue"
    # Nothing is left to undo: a second run is refused, and says why.
    again = client.post(reverse("reviews:undo-matching"), {"f_moderator": "rogue"}, **HX)
    assert again.status_code == 400 and b"nothing left to undo" in again.content
    assert Task.objects.filter(kind="undo_queue_decision").count() == 1


def test_undo_matching_needs_admins_and_a_filter(client, rogue_and_careful):
    moderator = admin_client(client, role="Moderators")
    assert b"Undo all matching" not in moderator.get(reverse("reviews:log"), {"moderator": "rogue"}).content
    refused = moderator.post(reverse("reviews:undo-matching"), {"f_moderator": "rogue"}, **HX)
    assert refused.status_code == 403 and not Task.objects.exists()
    admin = admin_client(client)
    assert b"Undo all matching" not in admin.get(reverse("reviews:log")).content
    unfiltered = admin.post(reverse("reviews:undo-matching"), {}, **HX)
    assert unfiltered.status_code == 400 and b"undoing the whole log is not offered" in unfiltered.content
    assert ReviewQueueItem.objects.filter(status="reviewed").count() == 5 and not Task.objects.exists()
