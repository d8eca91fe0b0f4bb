"""The Appeals inbox without a browser: roles, filters, no-JavaScript decisions and errors."""

import pytest
from django.urls import reverse

from reviews import actions
from reviews.models import Appeal, Ban, EntityType
from tests.factories import DashboardUserFactory, EndUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeal():
    alice = EndUserFactory(id="alice")
    actions.ban_user(target=alice, actor=None, reason="spam wave")
    return actions.create_appeal(appellant=alice, entity_type=EntityType.USER, entity_id="alice",
                                 appeal_reason="I never spammed", actor=alice)[0]


def test_viewers_see_the_inbox_but_cannot_decide(client, appeal):
    client.force_login(DashboardUserFactory(username="vic", role="Viewers"))
    page = client.get(reverse("reviews:appeals")).content.decode()
    assert "I never spammed" in page and "spam wave" in page and "Accept (unban)" not in page
    url = reverse("reviews:appeal-decide", args=[appeal.pk])
    response = client.post(url, {"outcome": "accept"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert Appeal.objects.get(pk=appeal.pk).status == "submitted"


def test_a_plain_form_post_decides_and_errors_are_shown(client, appeal):
    client.force_login(DashboardUserFactory(username="mia", role="Moderators"))
    url = reverse("reviews:appeal-decide", args=[appeal.pk])
    response = client.post(url, {"outcome": "maybe"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "outcome: must be accept or reject" in response.content.decode()
    response = client.post(url, {"outcome": "accept", "reason": "ok"})
    assert response.status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).status == "accepted"
    assert not Ban.objects.in_force().filter(target_id="alice").exists()
    assert "I never spammed" not in client.get(reverse("reviews:appeals")).content.decode()  # not open any more
    decided = client.get(reverse("reviews:appeals") + "?status=accepted&user=alice").content.decode()
    assert "Accepted with <strong>unban</strong> by" in decided
    assert "I never spammed" in client.get(reverse("reviews:user", args=["alice"])).content.decode()
