"""A full shift in the system Chromium: wellness preferences persist across a reload and apply (greyscale,
blur, the break reminder), a stale queue stands out and announces itself, and a user watched from their page
has their new items marked in the queue. Screenshots land in var/screenshots/ (test artefacts)."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reviews import actions
from reviews.management.commands.seed_demo import IMAGES
from reviews.models import EntityType, ModeratorPreferences, OutboxEvent, ReviewQueueItem, Watch
from reviews.tasks import stale_queues_task
from tests.factories import DashboardUserFactory, EndUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def flag(n, *, creator="creator", images=None):
    creator = EndUserFactory(id=creator) if isinstance(creator, str) else creator
    _, item = actions.flag_content(
        reporter=None, entity_type=EntityType.MESSAGE, entity_id=f"msg-{n}", entity_creator=creator, actor=None,
        reason="spam", channel_cid="messaging:general",
        moderation_payload={"texts": [f"message number {n}"], "images": images or []})
    return item


def login(page, live_server, username="mia"):
    DashboardUserFactory(username=username, role="Moderators")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/queue/")


def shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_wellness_preferences_persist_across_a_reload_and_apply(live_server, page):
    graphic = flag(1, creator="EndUser-1", images=[IMAGES[0]])
    flag(2, creator="EndUser-2")
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server)
    image = page.locator(f"#item-{graphic.pk} img").first
    expect(image).to_be_visible()
    assert "grayscale" not in image.evaluate("el => getComputedStyle(el).filter")

    page.get_by_role("link", name="Preferences").click()
    page.wait_for_url("**/preferences/")
    page.get_by_label("Show images in greyscale").check()
    page.locator("#p-blur-light").check()
    page.get_by_label("Suggest a break after this many decisions on graphic content").fill("1")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator("#toasts")).to_contain_text("Preferences saved")
    page.reload()
    expect(page.get_by_label("Show images in greyscale")).to_be_checked()
    expect(page.locator("#p-blur-light")).to_be_checked()
    expect(page.locator("body")).to_have_class(re.compile(r"\bwellness-greyscale\b.*\bblur-light\b"))
    prefs = ModeratorPreferences.objects.get()
    assert (prefs.greyscale, prefs.blur, prefs.break_after_decisions) == (True, "light", 1)
    shoot(page, "shift-preferences-1280")

    page.get_by_role("link", name="Review queue").click()
    expect(page.locator("body")).to_have_class(re.compile(r"\bwellness-greyscale\b"))
    image = page.locator(f"#item-{graphic.pk} img").first
    expect(image).to_be_visible()
    style = image.evaluate("el => getComputedStyle(el).filter")
    assert "grayscale(1)" in style and "blur(6px)" in style, style

    # One decision on graphic content reaches this moderator's threshold: a gentle notice, not a wall.
    row = page.locator(f"#item-{graphic.pk}")
    row.locator("summary").click()  # the row's decision menu
    row.get_by_role("button", name="Mark reviewed").click()
    reminder = page.locator("#break-reminder")
    expect(reminder).to_be_visible()
    expect(reminder).to_contain_text("1 decisions on graphic content")
    shoot(page, "shift-break-reminder-1280")
    # Non-blocking: the queue still answers underneath.
    page.get_by_role("link", name="Preferences").hover()
    reminder.get_by_role("button", name="Dismiss").click()
    expect(reminder).to_have_count(0)
    page.reload()
    expect(page.locator("#break-reminder")).to_have_count(0)  # dismissed counts start again


def test_the_stale_alert_fires_and_the_old_item_stands_out(live_server, page):
    old = flag(1)
    fresh = flag(2)
    ReviewQueueItem.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=3))
    assert stale_queues_task() == {"raised": 1, "cleared": 0}
    [event] = OutboxEvent.objects.filter(type="review_queue.stale")
    assert event.payload["oldest_item_id"] == str(old.pk) and event.payload["threshold_seconds"] == 3600
    assert stale_queues_task() == {"raised": 0, "cleared": 0}  # once per crossing

    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server)
    row = page.locator(f"#item-{old.pk}")
    expect(row).to_have_class(re.compile(r"\bstale\b"))
    expect(row.locator(".badge-stale")).to_have_text("Stale")
    expect(page.locator(f"#item-{fresh.pk}")).not_to_have_class(re.compile(r"\bstale\b"))
    alert = page.locator("#stale-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("All pending items")
    expect(alert).to_contain_text("threshold 60 min")
    shoot(page, "shift-stale-1280")
    page.set_viewport_size({"width": 768, "height": 1000})
    expect(row.locator(".badge-stale")).to_be_visible()
    shoot(page, "shift-stale-768")


def test_watch_a_user_from_their_page_and_see_their_new_items_marked(live_server, page):
    bob = EndUserFactory(id="bob")
    earlier = flag(1, creator=bob)
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server)
    page.goto(f"{live_server.url}/users/bob/")
    form = page.locator("#watch-form-user")
    form.get_by_label("Why").fill("borderline spam, look again")
    form.get_by_label("Review again in").select_option(label="7 days")
    form.get_by_role("button", name="Watch user").click()
    expect(page.locator("#watch-state")).to_contain_text("On watch since")
    expect(page.locator("#toasts")).to_contain_text("bob: on watch")
    watch = Watch.objects.get()
    assert watch.reason == "borderline spam, look again" and watch.review_after is not None
    shoot(page, "shift-user-watched-1280")

    later = flag(2, creator=bob)
    page.get_by_role("link", name="Review queue").click()
    row = page.locator(f"#item-{later.pk}")
    expect(row).to_have_class(re.compile(r"\bwatched\b"))
    expect(row.locator(".badge-watched")).to_have_text("Watched user")
    expect(page.locator(f"#item-{earlier.pk} .badge-watched")).to_have_count(0)  # only items since the watch
    shoot(page, "shift-queue-watched-1280")

    # The drawer of bob's item says he is on watch; stopping the watch from his page clears the mark.
    row.get_by_role("link", name=re.compile("^Open")).click()
    expect(page.locator("#drawer")).to_contain_text("On watch")
    page.goto(f"{live_server.url}/users/bob/")
    page.get_by_role("button", name="Stop watching").click()
    expect(page.locator("#toasts")).to_contain_text("no longer watched")
    page.goto(f"{live_server.url}/queue/")
    expect(page.locator(f"#item-{later.pk}")).to_be_visible()
    expect(page.locator(f"#item-{later.pk} .badge-watched")).to_have_count(0)


def test_watch_from_the_item_drawer(live_server, page):
    item = flag(1, creator="carol")
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server)
    page.locator(f"#item-{item.pk}").get_by_role("link", name=re.compile("^Open")).click()
    drawer = page.locator("#drawer")
    drawer.get_by_text("Watch carol").click()
    drawer.locator("#w-reason-drawer").fill("new account, many links")
    drawer.get_by_role("button", name="Watch user").click()
    expect(page.locator("#toasts")).to_contain_text("carol: on watch")
    assert Watch.objects.get(user_id="carol").reason == "new account, many links"
