"""The dashboard's layout in Chromium, whatever users send and however narrow the screen (issue 19):

- hostile content (long unbroken ids, names, reasons, texts and channel ids; a right-to-left override in a
  name) never makes a page wider than the viewport, at 1280 and 768 px, on every page;
- the override is isolated (<bdi>) and shown as a visible marker instead of reversing the text after it;
- at 1280x900 ten or more queue rows fit on the screen, and the drawer opens beside them without hiding the
  recommended action, severity and age;
- at 768 px every column's information is still on screen (queue and log rows stack);
- Overview chart text is readable and moderator names do not overlap; viewers get no row checkboxes.

Screenshots of every page at both widths go to /tmp/dense/ (test artefacts, looked at by hand)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reviews import actions
from reviews.models import EntityType, ReviewQueueItem
from tests.browser.test_dashboard import SAMPLES, login
from tests.factories import EndUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("LAYOUT_SHOTS", "/tmp/dense"))
DESKTOP, NARROW = {"width": 1280, "height": 900}, {"width": 768, "height": 1000}
RLO = "\u202e"
LONG = "W" * 250  # a 250-character word: thousands of pixels if nothing wraps it


def shoot(page, name: str, size: dict) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{size['width']}.png"), full_page=True)


def page_width(page) -> tuple[int, int]:
    return tuple(page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]"))


def flag(n, *, creator, reporter=None, reason="spam", channel="messaging:general", text=None, custom=None):
    reporter = reporter or EndUserFactory(id=f"reporter-{n % 5}")
    _, item = actions.flag_content(
        reporter=reporter, entity_type=EntityType.MESSAGE, entity_id=f"msg-{n:03d}", entity_creator=creator,
        actor=reporter, reason=reason, channel_cid=channel, custom=custom or {"source": "app"},
        moderation_payload={"texts": [text or f"{SAMPLES[n % len(SAMPLES)]} (#{n})"]},
    )
    return item


def hostile_world() -> dict:
    """Everything a page lists, with the longest unbroken values the models take and a spoofing name."""
    mod = EndUserFactory(id="mod-" + "M" * 120, role="moderator")
    spoof = EndUserFactory(id=f"role user{RLO}nwonknu", name=f"unknown{RLO}last IP", last_ip="198.51.100.9",
                           custom={"note": LONG, f"k{RLO}": [1, 2, {"deep": True}]})
    longest = EndUserFactory(id="U" * 255, name="N" * 255, last_ip="198.51.100.10")
    long_item = flag(1, creator=longest, reason="R" * 255, channel="messaging:" + "C" * 240, text="T" * 2000,
                     custom={"blob": LONG})
    spoof_item = flag(2, creator=spoof, reason=f"spam{RLO}gge", text=f"hello {RLO}dlrow")
    for n in range(3, 8):
        flag(n, creator=EndUserFactory(id=f"creator-{n}"))
    actions.add_note(item=long_item, actor=mod, text=LONG)
    actions.ban_user(target=longest, actor=mod, reason="B" * 500, channel_cid="messaging:" + "C" * 240)
    actions.ban_user(target=spoof, actor=mod, reason=f"spoof{RLO}ing", timeout_minutes=60)
    actions.mark_reviewed(item=flag(8, creator=longest), actor=mod, decision_reason="D" * 400)
    actions.set_content_state(item=flag(9, creator=spoof), actor=mod, state=ReviewQueueItem.ContentState.DELETED,
                              reason="E" * 300)
    actions.create_appeal(appellant=spoof, entity_type=EntityType.USER, entity_id=spoof.pk,
                          appeal_reason=LONG * 4, actor=spoof)
    for i in range(6):
        actions.mark_reviewed(item=flag(20 + i, creator=longest),
                              actor=EndUserFactory(id=f"moderator-with-a-long-name-{i}-" + "X" * 60, role="moderator"))
    call, _, _ = actions.get_or_create_call(
        call_type="audio_room", call_id="room-" + "Q" * 150, actor=None, created_by=longest,
        members=[{"user_id": longest.pk, "role": "host"}, {"user_id": spoof.pk}])
    actions.apply_call_verdict(call=call, speaker=spoof, verdict="flag", soft_mute=True,
                               transcript_excerpt=LONG)
    return {"long_item": long_item, "spoof_item": spoof_item, "spoof": spoof, "longest": longest, "call": call}


def test_hostile_content_never_widens_a_page_and_an_override_is_shown_not_obeyed(live_server, page):
    world = hostile_world()
    login(page, live_server, "mia", "Moderators")
    pages = {
        "queue": reverse("reviews:queue"),
        "queue-reviewed": reverse("reviews:queue") + "?status=reviewed",
        "item": reverse("reviews:item", args=[world["long_item"].pk]),
        "log": reverse("reviews:log"),
        "users": reverse("reviews:users"),
        "user": reverse("reviews:user", args=[world["longest"].pk]),
        "user-spoof": reverse("reviews:user", args=[world["spoof"].pk]),
        "bans": reverse("reviews:bans"),
        "appeals": reverse("reviews:appeals") + "?status=all",
        "calls": reverse("reviews:calls") + f"?call={world['call'].cid}",
        "overview": reverse("reviews:overview"),
    }
    too_wide = []
    for size in (DESKTOP, NARROW):
        page.set_viewport_size(size)
        for name, url in pages.items():
            page.goto(live_server.url + url)
            expect(page.locator("main h1, main h2").first).to_be_visible()
            scroll, client = page_width(page)
            if scroll > client:
                too_wide.append(f"{name} at {size['width']}: {scroll} px in a {client} px viewport")
            shoot(page, name, size)
        # The queue with the drawer open on the longest item (beside the list at 1280, over it at 768).
        page.goto(live_server.url + pages["queue"])
        page.locator(f"#item-{world['long_item'].pk}").get_by_role("link", name="Open").click()
        expect(page.locator("#drawer-inner")).to_be_visible()
        scroll, client = page_width(page)
        if scroll > client:
            too_wide.append(f"queue with the drawer at {size['width']}: {scroll} px in a {client} px viewport")
        shoot(page, "queue-drawer", size)
    assert not too_wide, "\n".join(too_wide)

    # The full value of a clipped cell is on hover.
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + pages["queue"])
    row = page.locator(f"#item-{world['long_item'].pk}")
    assert row.locator("td.creator a").get_attribute("title") == "U" * 255
    assert row.locator(".reasons").get_attribute("title") == "R" * 255

    # The override: shown as a marker inside an isolated <bdi>, absent from the rendered text.
    spoofed = {pages["queue"]: "role user⟨U+202E⟩nwonknu", pages["user-spoof"]: "unknown⟨U+202E⟩last IP",
               reverse("reviews:item", args=[world["spoof_item"].pk]): "unknown⟨U+202E⟩last IP"}
    for url, shown in spoofed.items():
        page.goto(live_server.url + url)
        name = page.locator("bdi", has_text=shown).first
        expect(name).to_be_visible()
        expect(name.locator(".ctl")).to_have_text("⟨U+202E⟩")
        assert name.evaluate("(e) => getComputedStyle(e).unicodeBidi") == "isolate"
        assert page.evaluate(f"!document.body.innerText.includes('{RLO}')")
    # On the item page, "unknown⟨U+202E⟩last IP · role user": the words after the name still read forwards.
    header = page.locator("#h-creator + p")
    expect(header).to_contain_text("unknown⟨U+202E⟩last IP · role user")
    lefts = header.evaluate("""(p) => {
      const range = document.createRange(), found = {};
      const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
      for (let node; (node = walker.nextNode());) {
        for (const word of ["unknown", "last IP", "role"]) {
          const i = node.textContent.indexOf(word);
          if (i >= 0 && !(word in found)) {
            range.setStart(node, i); range.setEnd(node, i + word.length);
            found[word] = range.getBoundingClientRect().left;
          }
        }
      }
      return found;
    }""")
    assert lefts["unknown"] < lefts["last IP"] < lefts["role"], lefts


def test_ten_rows_fit_at_1280_and_the_drawer_keeps_the_deciding_columns(live_server, page):
    for n in range(16):
        creator = EndUserFactory(id=f"creator-{n % 6}") if n % 4 else EndUserFactory(id=f"someone-{n}")
        item = flag(n, creator=creator, reason=["spam", "harassment", "scam"][n % 3],
                    text=(SAMPLES[n % len(SAMPLES)] + " ") * (1 + n % 3))
        if n % 5 == 0:
            actions.flag_content(reporter=EndUserFactory(id=f"second-{n}"), entity_type=EntityType.MESSAGE,
                                 entity_id=item.entity_id, entity_creator=item.entity_creator, actor=None,
                                 reason="hate")
    page.set_viewport_size(DESKTOP)
    login(page, live_server, "mia", "Moderators")
    expect(page.locator("tr.queue-row")).to_have_count(16)
    inside = """() => Array.from(document.querySelectorAll('tr.queue-row')).filter((r) => {
        const b = r.getBoundingClientRect(); return b.top >= 0 && b.bottom <= window.innerHeight; }).length"""
    assert page.evaluate(inside) >= 10
    shoot(page, "queue-dense", DESKTOP)

    page.locator("tr.queue-row").first.get_by_role("link", name="Open").click()
    expect(page.locator("#drawer-inner")).to_be_visible()
    drawer_left = page.locator("#drawer").bounding_box()["x"]
    for cell in ("td.rec", "td.sev", "td.age", "td.row-actions"):
        box = page.locator(f"tr.queue-row >> nth=1 >> {cell}").bounding_box()
        assert box and box["width"] > 0 and box["x"] + box["width"] <= drawer_left, (cell, box, drawer_left)
    assert page.evaluate(inside) >= 10
    shoot(page, "queue-dense-drawer", DESKTOP)

    # Narrow: each row stacks; every column's information is on screen, nothing is cut off on the right.
    page.set_viewport_size(NARROW)
    page.keyboard.press("Escape")
    expect(page.locator("#drawer-inner")).to_have_count(0)
    row = page.locator("tr.queue-row").nth(2)
    for cell in ("td.content", "td.creator", "td.flags", "td.rec", "td.sev", "td.age", "td.holder",
                 "td.row-actions .open-btn", "td.row-actions summary"):
        target = row.locator(cell)
        expect(target).to_be_visible()
        box = target.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"], (cell, box)
    # Each value says which column it is (the header row is hidden when rows stack).
    for cell, name in (("td.rec", "Recommended"), ("td.sev", "Severity"), ("td.age", "Age"), ("td.holder", "Held by")):
        assert row.locator(cell).evaluate("(e) => getComputedStyle(e, '::before').content") == f'"{name} "'
    expect(row.locator("td.sev")).to_have_accessible_name(re.compile("^Severity "))
    assert page_width(page)[0] <= NARROW["width"]
    shoot(page, "queue-dense", NARROW)


def test_the_decision_menu_by_mouse_and_by_key(live_server, page):
    first, second = flag(1, creator=EndUserFactory(id="c1")), flag(2, creator=EndUserFactory(id="c2"))
    page.set_viewport_size(DESKTOP)
    login(page, live_server, "mia", "Moderators")
    row = page.locator(f"#item-{first.pk}")
    menu = row.locator("details.decide-menu")
    row.locator("summary").click()
    expect(menu.get_by_role("button", name="Mark reviewed")).to_be_visible()
    expect(menu).to_contain_text("Delete content")
    shoot(page, "queue-menu", DESKTOP)
    page.keyboard.press("Escape")  # closes the menu, nothing else
    expect(menu.get_by_role("button", name="Mark reviewed")).to_be_hidden()
    row.locator("summary").click()
    page.locator("h1").click()  # a click elsewhere closes it too
    expect(menu.get_by_role("button", name="Mark reviewed")).to_be_hidden()

    row.locator("summary").click()
    menu.get_by_role("button", name="Mark reviewed").click()
    expect(row).to_have_class(re.compile("decided"))
    assert ReviewQueueItem.objects.get(pk=first.pk).status == "reviewed"
    # Keys click the closed menu's entries: the keyboard flow is unchanged.
    page.locator(f"#item-{second.pk}").focus()
    page.keyboard.press("d")
    expect(page.locator(f"#item-{second.pk}")).to_have_class(re.compile("decided"))
    assert ReviewQueueItem.objects.get(pk=second.pk).content_state == "deleted"


def test_the_log_keeps_reason_and_undo_at_768(live_server, page):
    mod = EndUserFactory(id="mod-a", role="moderator")
    login(page, live_server, "mia", "Moderators")
    for n in range(4):
        actions.mark_reviewed(item=flag(n, creator=EndUserFactory(id=f"c{n}")), actor=mod,
                              decision_reason=f"looked fine, case {n} " + "and a long explanation " * 3)
    page.set_viewport_size(NARROW)
    page.goto(live_server.url + reverse("reviews:log") + "?moderator=mod-a")  # not the reporters' flags
    rows = page.locator("table.log tbody tr")
    expect(rows).to_have_count(4)
    for i in range(4):
        for cell in ("td.log-reason", "td.log-undo button", "td.log-action", "td.log-target"):
            target = rows.nth(i).locator(cell)
            expect(target).to_be_visible()
            box = target.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"], (cell, box)
    expect(rows.first.locator("td.log-reason")).to_contain_text("looked fine")
    expect(rows.first.locator("td.log-action")).to_contain_text("Mark reviewed")
    assert page_width(page)[0] <= NARROW["width"]
    shoot(page, "log-narrow", NARROW)


def test_overview_text_is_readable_and_names_do_not_overlap(live_server, page):
    for i in range(8):
        actions.mark_reviewed(item=flag(i, creator=EndUserFactory(id=f"c{i}")),
                              actor=EndUserFactory(id=f"moderator-{i}-" + "long" * (i + 1), role="moderator"))
    login(page, live_server, "mia", "Moderators")
    for size in (DESKTOP, NARROW):
        page.set_viewport_size(size)
        page.goto(live_server.url + reverse("reviews:overview"))
        sizes = page.evaluate("""() => Array.from(document.querySelectorAll('svg.bar-chart text.tick'))
            .map((t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)""")
        assert sizes and min(sizes) >= 11, sizes
        names = page.locator("table.mod-bars th")
        expect(names).to_have_count(8)
        boxes = [names.nth(i).bounding_box() for i in range(8)]
        for a, b in zip(boxes, boxes[1:], strict=False):
            assert a["y"] + a["height"] <= b["y"] + 0.5, (a, b)  # one name per line, in order
        assert min(float(page.evaluate("(e) => parseFloat(getComputedStyle(e).fontSize)", names.nth(i)
                                       .element_handle())) for i in range(8)) >= 11
        shoot(page, "overview-names", size)


def test_viewers_get_no_row_checkboxes(live_server, page):
    item = flag(1, creator=EndUserFactory(id="c1"))
    actions.ban_user(target=item.entity_creator, actor=None, reason="spam")
    page.set_viewport_size(DESKTOP)
    login(page, live_server, "vic", "Viewers")
    expect(page.locator(f"#item-{item.pk}").get_by_role("link", name="Open")).to_be_visible()
    expect(page.locator("details.decide-menu")).to_have_count(0)
    shoot(page, "queue-viewer", DESKTOP)
    for name in ("queue", "users", "bans"):
        page.goto(live_server.url + reverse(f"reviews:{name}"))
        expect(page.locator("main table tbody tr").first).to_be_visible()
        assert page.locator("input[type=checkbox]").count() == 0, name
        assert page.locator("form.bulkbar").count() == 0, name
