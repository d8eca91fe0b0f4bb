"""The moderation log in Chromium: an Admin undoes everything one moderator did, with its progress bar."""

import pytest
from playwright.sync_api import expect

from reviews import actions
from reviews.models import ReviewQueueItem
from tests.browser.test_dashboard import flag, login, shoot
from tests.factories import EndUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_undoes_all_a_rogue_moderator_did(live_server, page):
    rogue = EndUserFactory(id="rogue", role="moderator")
    items = [flag(i) for i in range(5)]
    for item in items:
        actions.mark_reviewed(item=item, actor=rogue)
    login(page, live_server, "ada", "Admins")
    page.goto(f"{live_server.url}/log/?moderator=rogue")
    expect(page.get_by_role("row").filter(has_text="mark_reviewed")).to_have_count(5)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Undo all matching").click()
    job = page.get_by_role("region", name="Background job progress")
    expect(job).to_have_attribute("data-status", "completed")
    expect(job).to_contain_text("5 / 5")
    expect(job).to_contain_text("5 changed")
    # The log below refreshes when the job ends: each entry now says it was undone, and offers no undo.
    expect(page.get_by_role("row").filter(has_text="mark_reviewed").filter(has_text="undone")).to_have_count(5)
    expect(page.get_by_role("button", name="Undo mark_reviewed", exact=False)).to_have_count(0)
    shoot(page, "log-undo-matching")
    assert not ReviewQueueItem.objects.filter(status="reviewed").exists()
