import pytest
from django.urls import reverse

from reviews import actions
from reviews.models import EndUser, EntityType
from tests.factories import DashboardUserFactory

pytestmark = pytest.mark.django_db


def test_healthz_answers_once_the_database_is_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_queue_requires_login(client):
    response = client.get(reverse("reviews:queue"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_login_without_a_role_is_forbidden(client):
    user = DashboardUserFactory()
    client.force_login(user)
    assert client.get(reverse("reviews:queue")).status_code == 403


@pytest.mark.parametrize("role", ["Viewers", "Moderators", "Admins"])
def test_each_role_sees_the_queue(client, role, alice, bob):
    actions.flag_content(reporter=alice, entity_type=EntityType.MESSAGE, entity_id="m-1", entity_creator=bob,
                         actor=alice, reason="spam", moderation_payload={"texts": ["buy followers"]})
    client.force_login(DashboardUserFactory(role=role))
    response = client.get(reverse("reviews:queue"))
    assert response.status_code == 200
    assert b"buy followers" in response.content and b"htmx.min.js" in response.content


def test_queue_pages_with_a_cursor_and_htmx_partial(client, alice, bob):
    for i in range(55):
        actions.flag_content(reporter=alice, entity_type=EntityType.MESSAGE, entity_id=f"m-{i}",
                             entity_creator=bob, actor=alice, moderation_payload={"texts": [f"text {i:02d}"]})
    client.force_login(DashboardUserFactory(role="Moderators"))
    first = client.get(reverse("reviews:queue"))
    assert first.content.count(b'class="queue-row"') == 50
    assert first.context["page"].next
    second = client.get(reverse("reviews:queue"), {"next": first.context["page"].next}, HTTP_HX_REQUEST="true")
    assert second.content.count(b'class="queue-row"') == 5
    assert b"<html" not in second.content  # only the rows partial
    assert b"text 00" in second.content


def test_dashboard_login_gets_an_end_user_identity(client):
    from reviews.permissions import identity_for

    user = DashboardUserFactory(username="carol", role="Moderators")
    identity = identity_for(user)
    assert identity.pk == "carol" and identity.role == EndUser.Role.MODERATOR
    assert identity_for(user) == identity
