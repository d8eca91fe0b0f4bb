"""Honest about sessions and actions, in the system Chromium: a session that ends mid-triage is said, the
decision kept and applied exactly once after logging in again (in the same tab or another); looking at an item
does not claim it; a double click applies once without an error; a ban without a reason is refused, saying
why; a heavy action without an undo asks first."""

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from reviews import actions
from reviews.models import Ban, ModerationLog, ReviewQueueItem, Task
from tests.browser.test_dashboard import WIDTHS, flag, login
from tests.factories import EndUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/session")


def log_in_again(page, username="mia"):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()


def log_out_elsewhere(context, live_server):
    """Another tab of the same browser logs out: this page's cookie is gone with it."""
    other = context.new_page()
    other.goto(f"{live_server.url}/users/")
    other.get_by_role("button", name="Log out").click()
    other.wait_for_url("**/accounts/login/")
    return other


def eventually(check, timeout=30.0):
    """Wait for a condition the page cannot show (the database after a beacon), polling, no fixed sleep."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_session_ending_mid_triage_keeps_the_decision_and_applies_it_once_after_login_elsewhere(
        live_server, new_context):
    items = [flag(i) for i in range(3)]
    context = new_context(viewport=WIDTHS["1280"])
    page = context.new_page()
    login(page, live_server, "mia", "Moderators")
    page.keyboard.press("j")
    target = page.locator("tr.queue-row.current")
    target_id = target.get_attribute("id")
    other = log_out_elsewhere(context, live_server)

    page.keyboard.press("a")  # mark reviewed: the request finds no session (or the poll found out first)
    dialog = page.get_by_role("alertdialog", name="Your session ended")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Kept in this tab, not applied yet")
    expect(dialog).to_contain_text("Mark reviewed")
    expect(page.locator("#queue-rows")).not_to_contain_text("Log in")  # no login page dropped into the queue
    shot(page, "session-ended-dialog")
    assert not ModerationLog.objects.filter(action="mark_reviewed").exists()

    # Logging in again in the other tab: this one notices, takes the new token and applies the decision.
    other.goto(f"{live_server.url}/accounts/login/")
    log_in_again(other)
    other.wait_for_url("**/queue/")
    expect(dialog).to_be_hidden()
    expect(page.locator("#toasts")).to_contain_text("Re-applying what you decided before the session ended")
    expect(page.locator(f"#{target_id}")).to_have_class(re.compile("decided"))
    shot(page, "session-reapplied")
    decided = ReviewQueueItem.objects.filter(pk__in=[i.pk for i in items], status="reviewed")
    assert decided.count() == 1 and f"item-{decided.get().pk}" == target_id
    # Exactly once, also after a reload (the kept decision left this tab's storage when it was sent).
    page.reload()
    expect(page.locator("tr.queue-row").first).to_be_visible()
    assert ModerationLog.objects.filter(action="mark_reviewed", actor_id="mia").count() == 1
    # The poll runs again: a change made now reaches the page.
    newcomer = flag(9)
    expect(page.locator(f"#item-{newcomer.pk}")).to_have_count(1)


def test_session_ending_then_login_in_the_same_tab_applies_what_did_not_change(live_server, new_context):
    first, second = flag(1), flag(2)
    context = new_context(viewport=WIDTHS["1280"])
    page = context.new_page()
    login(page, live_server, "mia", "Moderators")
    log_out_elsewhere(context, live_server).close()

    # Two decisions pressed after the session ended: both kept, none sent.
    page.locator(f"#item-{second.pk}").focus()
    page.keyboard.press("a")
    dialog = page.get_by_role("alertdialog", name="Your session ended")
    expect(dialog).to_be_visible()
    page.locator(f"#item-{first.pk}").focus()
    page.keyboard.press("d")
    expect(dialog.locator("#session-pending-list li")).to_have_count(2)
    # Meanwhile another moderator decides the first item.
    actions.set_content_state(item=first, actor=EndUserFactory(id="otto", role="moderator"), state="deleted")

    dialog.get_by_role("link", name="Log in again").click()
    expect(page.locator("#pending-note")).to_contain_text("After you log in, this tab applies")
    shot(page, "login-with-kept-decision")
    log_in_again(page)
    page.wait_for_url("**/queue/**")
    expect(page.locator("#toasts")).to_contain_text("changed since you decided")
    expect(page.locator("#toasts")).to_contain_text("Reviewed")
    shot(page, "same-tab-reapplied")
    assert ModerationLog.objects.filter(actor_id="mia").count() == 1  # the second item, marked reviewed
    assert ReviewQueueItem.objects.get(pk=second.pk).status == "reviewed"
    assert not ModerationLog.objects.filter(actor_id="mia", item=first.pk).exists()


def test_viewing_an_item_does_not_claim_it_and_leaving_lets_go(live_server, new_context):
    item = flag(1)
    ctx_a, ctx_b = new_context(viewport=WIDTHS["1280"]), new_context(viewport=WIDTHS["1280"])
    a, b = ctx_a.new_page(), ctx_b.new_page()
    login(a, live_server, "mia", "Moderators")
    login(b, live_server, "otto", "Moderators")

    a.locator(f"#item-{item.pk}").get_by_role("link", name=re.compile("^Open")).click()
    expect(a.locator("#drawer")).to_contain_text("Nobody holds this item")
    a.goto(f"{live_server.url}/queue/{item.pk}/")  # its own page, as from the log or a user's page
    expect(a.locator("#drawer-inner")).to_contain_text("Nobody holds this item")
    assert ReviewQueueItem.objects.get(pk=item.pk).locked_by_id is None
    # B still sees it free after a poll, and is handed it.
    since = b.locator("#live").get_attribute("hx-get")
    expect(b.locator("#live")).not_to_have_attribute("hx-get", since)
    expect(b.locator(f"#holder-{item.pk}")).to_have_text("—")
    b.get_by_role("button", name="Next free item").click()
    expect(b.locator("#drawer-inner")).to_have_attribute("data-item-id", str(item.pk))
    expect(b.locator("#drawer")).to_contain_text("You hold this item")
    # A starting to decide it now is told who holds it.
    a.get_by_label("Mark reviewed").check()
    expect(a.get_by_role("alert").filter(has_text="otto is reviewing")).to_be_visible()

    # B leaves: closing the drawer lets go; so does leaving the page (a beacon).
    b.keyboard.press("Escape")
    eventually(lambda: ReviewQueueItem.objects.get(pk=item.pk).locked_by_id is None)
    b.locator(f"#item-{item.pk}").get_by_role("link", name=re.compile("^Open")).click()
    b.locator("#drawer").get_by_label("Escalate", exact=True).check()
    expect(b.locator("#drawer")).to_contain_text("You hold this item")
    assert ReviewQueueItem.objects.get(pk=item.pk).locked_by_id == "otto"
    b.get_by_role("navigation", name="Main").get_by_role("link", name="Moderation log").click()
    eventually(lambda: ReviewQueueItem.objects.get(pk=item.pk).locked_by_id is None)
    # The claim key takes it explicitly.
    b.goto(f"{live_server.url}/queue/")
    b.locator(f"#item-{item.pk}").focus()
    b.keyboard.press("c")
    expect(b.locator("#toasts")).to_contain_text("Claimed")
    assert ReviewQueueItem.objects.get(pk=item.pk).locked_by_id == "otto"


def test_double_click_applies_once_without_an_error(live_server, page):
    in_drawer, on_row = flag(1), flag(2)
    login(page, live_server, "mia", "Moderators")
    page.locator(f"#item-{in_drawer.pk}").get_by_role("link", name=re.compile("^Open")).click()
    drawer = page.locator("#drawer")
    apply = drawer.get_by_role("button", name="Apply decision")
    expect(apply).to_be_disabled()  # nothing ticked yet
    drawer.get_by_label("Mark reviewed").check()
    apply.dblclick()
    expect(page.locator("#toasts")).to_contain_text("Reviewed")
    page.locator(f"#item-{on_row.pk} summary").click()  # the row's decision menu
    page.locator(f"#item-{on_row.pk}").get_by_role("button", name="Mark reviewed").dblclick()
    expect(page.locator(f"#item-{on_row.pk}")).to_have_class(re.compile("decided"))
    page.wait_for_load_state("networkidle")
    expect(page.locator("#toasts .toast-error")).to_have_count(0)
    assert "This field is required" not in page.locator("#toasts").inner_text()
    assert ModerationLog.objects.filter(action="mark_reviewed", actor_id="mia").count() == 2
    assert ReviewQueueItem.objects.filter(status="reviewed").count() == 2


def test_a_ban_without_a_reason_is_refused_and_heavy_actions_ask_first(live_server, page):
    item = flag(1, creator=EndUserFactory(id="spammer"))
    login(page, live_server, "mia", "Moderators")
    row = page.locator(f"#item-{item.pk}")
    row.locator("summary").click()  # the row's decision menu
    row.get_by_role("link", name="Ban creator").click()
    dialog = page.get_by_role("dialog", name="Ban creator")
    dialog.get_by_role("button", name="Apply decision").click()
    expect(dialog.get_by_role("alert")).to_have_text(re.compile("A reason is required for ban creator"))
    expect(dialog).to_be_visible()
    assert dialog.locator("#d-reason").evaluate("el => document.activeElement === el")
    assert page.locator("#reason-presets option").count() >= 5
    shot(page, "ban-needs-reason")
    assert not Ban.objects.exists()
    dialog.get_by_role("button", name="Cancel").click()
    # The drawer's form is refused by the server with the same message.
    row.get_by_role("link", name=re.compile("^Open")).click()
    page.locator("#drawer").get_by_label("Ban creator").check()
    page.locator("#drawer").get_by_role("button", name="Apply decision").click()
    expect(page.get_by_role("alert").filter(has_text="reason: a reason is required for ban creator")).to_be_visible()
    assert not Ban.objects.exists()
    # A preset is enough.
    row.locator("summary").click()
    row.get_by_role("link", name="Ban creator").click()
    dialog.get_by_label(re.compile("^Reason")).fill("Spam or scam")
    dialog.get_by_role("button", name="Apply decision").click()
    expect(page.locator("#toasts")).to_contain_text(re.compile("creator banned", re.I))
    assert Ban.objects.get(target_id="spammer").reason == "Spam or scam"

    # Bulk deactivation has no Undo: it asks first; cancelling sends nothing.
    page.goto(f"{live_server.url}/users/")
    page.locator('input[name="ids"][value="spammer"]').check()
    page.get_by_role("button", name="Deactivate selected").click()
    confirm = page.get_by_role("dialog", name="Are you sure?")
    expect(confirm).to_contain_text("Deactivate the selected users?")
    shot(page, "confirm-bulk-deactivate")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    assert not Task.objects.exists()
    page.get_by_role("button", name="Deactivate selected").click()
    confirm.get_by_role("button", name="Yes, do it").click()
    expect(page.locator("#bulk-status .task")).to_be_visible()
    eventually(lambda: Task.objects.filter(kind="deactivate_users").exists())
