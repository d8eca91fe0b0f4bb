"""The Appeals inbox in Chromium: a moderator accepts one appeal and rejects another with the keyboard alone."""

import pytest
from playwright.sync_api import expect

from reviews import actions
from reviews.models import Appeal, Ban, EntityType, ReviewQueueItem
from tests.browser.test_dashboard import flag, login, shoot
from tests.factories import EndUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_keyboard_accept_and_reject_with_a_reason(live_server, page):
    mod = EndUserFactory(id="mod-x", role="moderator")
    alice = EndUserFactory(id="alice")
    item = flag(1, creator=EndUserFactory(id="bob"))
    actions.set_content_state(item=item, actor=mod, state=ReviewQueueItem.ContentState.DELETED, reason="insult")
    actions.ban_user(target=alice, actor=mod, reason="spam wave")
    first, _ = actions.create_appeal(appellant=alice, entity_type=EntityType.USER, entity_id="alice",
                                     appeal_reason="I never spammed", actor=alice)
    second, _ = actions.create_appeal(appellant=item.entity_creator, entity_type=item.entity_type,
                                      entity_id=item.entity_id, appeal_reason="It was a quote", actor=None)
    login(page, live_server, "maria", "Moderators")
    page.goto(f"{live_server.url}/appeals/")
    cards = page.locator("article[data-appeal]")
    expect(cards).to_have_count(2)
    # Side by side: the appeal, the decision it contests with its log, and the content.
    expect(cards.nth(0)).to_contain_text("I never spammed")
    expect(cards.nth(0)).to_contain_text("spam wave")
    expect(cards.nth(1)).to_contain_text("insult")
    expect(cards.nth(1)).to_contain_text("(#1)")
    shoot(page, "appeals-inbox")

    page.keyboard.press("j")
    expect(cards.nth(0)).to_have_class("panel appeal current")
    page.keyboard.press("a")
    expect(page.get_by_label("Reason").first).to_be_focused()
    page.keyboard.type("fair point")
    page.keyboard.press("Enter")
    expect(cards.nth(0)).to_contain_text("Accepted with unban by")
    expect(page.locator("#toasts")).to_contain_text("Accepted the appeal of alice")
    assert not Ban.objects.in_force().filter(target=alice).exists()

    # The keyboard moved on to the next open appeal: reject it, a reason being required.
    expect(cards.nth(1)).to_have_class("panel appeal current")
    page.keyboard.press("r")
    page.keyboard.press("Enter")
    expect(page.locator("#toasts")).to_contain_text("reject_appeal.decision_reason")
    assert Appeal.objects.get(pk=second.pk).status == "submitted"
    page.keyboard.type("the insult stands")
    page.keyboard.press("Enter")
    expect(cards.nth(1)).to_contain_text("Rejected with reject_appeal")
    expect(cards.nth(1)).to_contain_text("the insult stands")
    got = Appeal.objects.get(pk=second.pk)
    assert (got.status, got.decision_reason) == ("rejected", "the insult stands")
    assert Appeal.objects.get(pk=first.pk).decision_reason == "fair point"
    assert ReviewQueueItem.objects.get(pk=item.pk).content_state == ReviewQueueItem.ContentState.DELETED

    # The appeal shows on the user page and the item page.
    page.goto(f"{live_server.url}/users/alice/")
    expect(page.get_by_role("region", name="Appeals")).to_contain_text("Accepted")
    page.goto(f"{live_server.url}/queue/{item.pk}/")
    expect(page.get_by_role("region", name="Appeals")).to_contain_text("the insult stands")
