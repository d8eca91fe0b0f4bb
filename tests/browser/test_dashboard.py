"""The dashboard in the system Chromium: roles, filtering and paging, keyboard triage, the ban dialog, a bulk
decision with its progress bar and undo, and two moderators contending for one item. Screenshots of every page
at 1280 and 768 px land in var/screenshots/ (test artefacts, not committed)."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from reviews import actions
from reviews.models import Ban, EntityType, ModerationLog, ReviewQueueItem, Task
from tests.factories import DashboardUserFactory, EndUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WIDTHS = {"1280": {"width": 1280, "height": 860}, "768": {"width": 768, "height": 1000}}
SAMPLES = ["Buy 1000 followers now at cheap-followers dot com!!!", "You are an idiot and everyone hates you",
           "Click here to win an iPhone: bit.ly/totally-legit", "Meet me at the station at 5",
           "The moon landing was faked, wake up", "Go to hell, nobody wants you here"]


def flag(n, *, reason="spam", creator=None, channel="messaging:general", images=None):
    reporter = EndUserFactory(id=f"reporter-{n % 7}")
    creator = creator or EndUserFactory(id=f"creator-{n % 9}")
    _, item = actions.flag_content(
        reporter=reporter, entity_type=EntityType.MESSAGE, entity_id=f"msg-{n:03d}", entity_creator=creator,
        actor=reporter, reason=reason, channel_cid=channel, custom={"source": "app"},
        moderation_payload={"texts": [f"{SAMPLES[n % len(SAMPLES)]} (#{n})"], "images": images or []},
    )
    return item


def login(page, live_server, username, role, *, staff=False):
    user = DashboardUserFactory(username=username, role=role)
    if staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/queue/")
    return user


def shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in WIDTHS.items():
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(WIDTHS["1280"])


@pytest.mark.parametrize("role", ["Viewers", "Moderators", "Admins"])
def test_each_role_logs_in_and_sees_every_page(live_server, page, role):
    for i in range(8):
        flag(i, reason=["spam", "harassment"][i % 2], images=["/static/missing.png"] if i == 2 else None)
    target = EndUserFactory(id="creator-1")
    actions.ban_user(target=target, actor=None, reason="spam wave", timeout_minutes=60)
    actions.ban_user(target=EndUserFactory(id="creator-2"), actor=None, channel_cid="messaging:general", shadow=True)
    actions.mark_reviewed(item=ReviewQueueItem.objects.first(), actor=EndUserFactory(id="mod-x", role="moderator"))
    login(page, live_server, f"{role.lower()}-1", role, staff=role == "Admins")
    slug = role.lower()

    rows = page.locator("tr.queue-row")
    expect(rows.first).to_be_visible()
    can_act = role != "Viewers"
    # Decisions sit in each row's menu (closed until opened, so counted with the hidden elements).
    assert (page.get_by_role("button", name="Mark reviewed", include_hidden=True).count() > 0) is can_act
    assert (page.get_by_role("link", name="Admin").count() > 0) is (role == "Admins")
    shoot(page, f"queue-{slug}")

    rows.first.get_by_role("link", name=re.compile("^Open")).click()
    expect(page.locator("#drawer-inner")).to_be_visible()
    expect(page.locator("#drawer")).to_contain_text("Flags")
    if can_act:  # looking claims nothing; deciding does (tests/browser/test_sessions.py)
        expect(page.locator("#drawer")).to_contain_text("Nobody holds this item")
    else:
        expect(page.locator("#drawer")).to_contain_text("Read only")
    shoot(page, f"drawer-{slug}")

    for name, heading in [("Users", "Users"), ("Bans", "Bans in force"), ("Moderation log", "Moderation log"),
                          ("Overview", "Overview")]:
        page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        shoot(page, f"{name.split()[-1].lower()}-{slug}")
    page.goto(f"{live_server.url}/users/creator-1/")
    expect(page.get_by_role("heading", name="creator-1")).to_be_visible()
    assert (page.get_by_role("button", name="Deactivate").count() > 0) is can_act
    shoot(page, f"user-{slug}")


def test_filtering_and_paging(live_server, page):
    for i in range(62):
        flag(i, reason="harassment" if i % 3 == 0 else "spam")
    login(page, live_server, "mia", "Moderators")
    expect(page.locator("#queue-count")).to_contain_text("62 items match")
    assert page.locator("tr.queue-row").count() == 50
    page.get_by_role("link", name="Load more").click()
    expect(page.locator("tr.queue-row")).to_have_count(62)

    page.get_by_label("Flag reason").fill("harassment")
    page.get_by_label("Sort").select_option("oldest")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"reason=harassment"))
    assert "sort=oldest" in page.url  # the view lives in the URL: bookmark and share it
    expect(page.locator("#queue-count")).to_contain_text("21 items match")
    expect(page.locator("tr.queue-row").first).to_contain_text("(#0)")
    shoot(page, "queue-filtered")

    page.get_by_label("Search content").fill("followers")
    page.get_by_label("Search content").press("Enter")
    expect(page.locator("tr.queue-row")).to_have_count(11)  # every 6th item, all with reason harassment
    assert "reason=harassment" in page.url and "q=followers" in page.url
    page.goto(f"{live_server.url}/queue/?q=nothing-like-this")
    expect(page.locator("tr.empty")).to_contain_text("Nothing to review")


def test_triaging_ten_items_by_keyboard_only(live_server, page):
    items = [flag(i) for i in range(10)]
    login(page, live_server, "mia", "Moderators")
    page.keyboard.press("?")
    expect(page.locator("#help-dialog")).to_be_visible()
    shoot(page, "keyboard-help")
    page.keyboard.press("Escape")

    page.keyboard.press("j")
    keys = ["a", "d", "a", "e", "m", "a", "d", "a", "a", "b"]
    for n, key in enumerate(keys):
        current = page.locator("tr.queue-row.current")
        expect(current).to_have_count(1)
        row_id = current.get_attribute("id")
        if key == "e" or key == "m":
            # Escalating or muting leaves the item pending; the next key moves on.
            page.keyboard.press(key)
            expect(page.locator("#toasts .toast").last).to_contain_text("scalated" if key == "e" else "muted")
            page.keyboard.press("j") if n < 9 and page.locator("tr.queue-row.current").get_attribute("id") == row_id \
                else None
            continue
        if key == "b":
            page.keyboard.press("b")
            expect(page.locator("#decide-dialog")).to_be_visible()
            page.keyboard.type("spam run")
            page.keyboard.press("Enter")
        else:
            page.keyboard.press(key)
        expect(page.locator(f"#{row_id}")).to_have_class(re.compile("decided"))
    statuses = {str(i.pk): ReviewQueueItem.objects.get(pk=i.pk) for i in items}
    reviewed = [i for i in statuses.values() if i.status == "reviewed"]
    assert len(reviewed) == 8
    assert sum(i.content_state == "deleted" for i in reviewed) == 2
    assert sum(i.escalated for i in statuses.values()) == 1
    assert Ban.objects.in_force().filter(reason="spam run").count() == 1
    shoot(page, "queue-after-keyboard")

    page.keyboard.press("u")  # undo the last decision (the ban + mark reviewed)
    expect(page.locator("#toasts")).to_contain_text("Undone")
    assert not Ban.objects.in_force().filter(reason="spam run").exists()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "f-q"


def test_ban_from_the_queue_with_the_dialog(live_server, page):
    item = flag(1, creator=EndUserFactory(id="spammer", last_ip="198.51.100.9"))
    login(page, live_server, "mia", "Moderators")
    row = page.locator(f"#item-{item.pk}")
    row.locator("summary").click()  # the row's decision menu
    row.get_by_role("link", name="Ban creator").click()
    dialog = page.get_by_role("dialog", name="Ban creator")
    expect(dialog).to_be_visible()
    dialog.get_by_label("This channel only").check()
    dialog.get_by_label("Also ban their IP address").check()
    dialog.get_by_label("Delete content").check()
    dialog.get_by_label("Reason").fill("crypto spam")
    shoot(page, "ban-dialog")
    dialog.get_by_role("button", name="Apply decision").click()
    # An IP ban cannot be channel-scoped: the failure is shown and nothing is written.
    # The error names the field by its label in the dialog.
    expect(page.get_by_role("alert").filter(has_text="Also ban their IP address: an IP ban applies to the whole app"))\
        .to_be_visible()
    assert not Ban.objects.exists()
    assert ReviewQueueItem.objects.get(pk=item.pk).content_state == ""

    row.locator("summary").click()  # the row's decision menu
    row.get_by_role("link", name="Ban creator").click()
    dialog.get_by_label("App-wide").check()
    dialog.get_by_label("Ban duration").select_option(label="7 days") if dialog.get_by_label("Ban duration").count() \
        else dialog.get_by_label("Duration").select_option(label="7 days")
    dialog.get_by_label("Also ban their IP address").check()
    dialog.get_by_label("Delete content").check()
    dialog.get_by_label("Reason").fill("crypto spam")
    dialog.get_by_role("button", name="Apply decision").click()
    expect(row).to_have_class(re.compile("decided"))
    expect(page.locator("#toasts")).to_contain_text("creator banned")
    ban = Ban.objects.get(target_id="spammer")
    assert ban.ip_ban and ban.ip == "198.51.100.9" and ban.channel_cid is None and ban.reason == "crypto spam"
    assert ReviewQueueItem.objects.get(pk=item.pk).content_state == "deleted"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Bans").click()
    expect(page.locator("table.bans")).to_contain_text("spammer")
    page.get_by_role("link", name="IP", exact=True).click()
    expect(page.locator("table.bans")).to_contain_text("198.51.100.9")


def test_bulk_decision_with_progress_bar_and_undo(live_server, page):
    items = [flag(i, reason="spam") for i in range(12)] + [flag(20 + i, reason="harassment") for i in range(3)]
    login(page, live_server, "mia", "Moderators")
    page.goto(f"{live_server.url}/queue/?reason=spam")
    expect(page.locator("#queue-count")).to_contain_text("12 items match")
    # First a few ticked rows (x on the keyboard works too), then everything matching the filter.
    page.locator("tr.queue-row").nth(0).get_by_role("checkbox").check()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.locator("#selected-count")).to_have_text("2 selected")
    bulk = page.get_by_role("form", name="Bulk decision")
    bulk.get_by_label("Decision").select_option("escalate")
    bulk.get_by_role("button", name="Apply").click()
    expect(page.locator("#bulk-status .task")).to_have_attribute("data-status", "completed")
    assert ReviewQueueItem.objects.filter(escalated=True).count() == 2

    bulk.get_by_label("Decision").select_option("delete_message")
    bulk.get_by_label(re.compile("All 12 matching this filter")).check()
    bulk.get_by_role("button", name="Apply").click()
    progress = page.locator("#bulk-status progress")
    expect(progress).to_be_visible()
    expect(page.locator("#bulk-status .task")).to_have_attribute("data-status", "completed")
    expect(page.locator("#bulk-status .task-count")).to_have_text("12 / 12")
    assert progress.get_attribute("value") == "100"
    assert ReviewQueueItem.objects.filter(content_state="deleted").count() == 12
    # Decided rows leave the pending list within a poll or two.
    expect(page.locator("tr.queue-row")).to_have_count(0)
    shoot(page, "bulk-done")

    page.get_by_role("button", name="Undo this bulk decision").click()
    expect(page.locator("#bulk-status .task")).to_contain_text("Undo of a bulk decision")
    expect(page.locator("#bulk-status .task")).to_have_attribute("data-status", "completed")
    assert ReviewQueueItem.objects.filter(content_state="deleted").count() == 0
    assert ReviewQueueItem.objects.filter(status="pending", pk__in=[i.pk for i in items]).count() == 15
    assert Task.objects.get(kind="undo_queue_decision").done == 12
    page.goto(f"{live_server.url}/log/?action=bulk_decision")
    expect(page.locator("table.log")).to_contain_text("undone")
    shoot(page, "log-bulk-undone")


def test_two_moderators_contend_for_one_item(live_server, new_context):
    first, second = flag(1), flag(2)
    ctx_a, ctx_b = new_context(viewport=WIDTHS["1280"]), new_context(viewport=WIDTHS["1280"])
    a, b = ctx_a.new_page(), ctx_b.new_page()
    login(a, live_server, "mia", "Moderators")
    login(b, live_server, "otto", "Moderators")

    a.locator(f"#item-{first.pk}").get_by_role("link", name=re.compile("^Open")).click()
    expect(a.locator("#drawer")).to_contain_text("Nobody holds this item")
    a.locator("#drawer").get_by_label("Mark reviewed").check()  # starting to decide claims it
    expect(a.locator("#drawer")).to_contain_text("You hold this item")
    # B sees who holds it without reloading (the live poll runs every 3 s).
    expect(b.locator(f"#holder-{first.pk}")).to_contain_text("mia")
    shoot(b, "queue-contended")
    # B is not handed it: "next free item" gives the other one.
    b.get_by_role("button", name="Next free item").click()
    expect(b.locator("#drawer-inner")).to_have_attribute("data-item-id", str(second.pk))
    # Acting on A's item anyway is refused, visibly, and changes nothing.
    b.locator(f"#item-{first.pk} summary").click()
    b.locator(f"#item-{first.pk}").get_by_role("button", name="Mark reviewed").click()
    expect(b.get_by_role("alert").filter(has_text="mia is reviewing")).to_be_visible()
    assert ReviewQueueItem.objects.get(pk=first.pk).status == "pending"

    # A decides; the item leaves B's list without a reload, and a brand-new item appears there.
    a.locator("#drawer").get_by_role("button", name="Apply decision").click()
    expect(a.locator("#toasts")).to_contain_text("Reviewed")
    third = flag(3)
    expect(b.locator(f"#item-{first.pk}")).to_have_count(0)
    expect(b.locator(f"#item-{third.pk}")).to_have_count(1)
    assert ModerationLog.objects.filter(action="mark_reviewed", actor_id="mia").count() == 1
