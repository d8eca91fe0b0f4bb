from pathlib import Path

import pytest

from reviews import actions
from reviews.models import EntityType
from tests.factories import DashboardUserFactory, EndUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_moderator_logs_in_and_sees_the_queue(live_server, page):
    DashboardUserFactory(username="mia", role="Moderators")
    alice, bob = EndUserFactory(id="alice"), EndUserFactory(id="bob")
    actions.flag_content(reporter=alice, entity_type=EntityType.MESSAGE, entity_id="m-1", entity_creator=bob,
                         actor=alice, reason="spam", moderation_payload={"texts": ["Buy followers now"]})

    page.goto(f"{live_server.url}/queue/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()

    page.wait_for_url("**/queue/")
    assert page.get_by_role("heading", name="Review queue").is_visible()
    row = page.locator("tr.queue-row").first
    assert "Buy followers now" in row.inner_text()
    assert page.evaluate("typeof window.htmx") == "object"  # htmx loaded from static/, not a CDN
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "queue-after-login.png"), full_page=True)
