"""`python -m bench.browser_triage [--warmup 4] [--decisions 30] [--changes 16] [--port 8812] [--verbose]`:
the dashboard's two felt latencies, measured in the system Chromium against gunicorn as production runs it
(bench/server.py), on a throwaway SQLite database. Prints p50/p95 and the load average; a measurement, not a timed test.

- **Decision latency**: a moderator triages by keyboard (`a`, mark reviewed); from the key press (a capture-phase
  keydown listener) to the frame in which the row shows the decision (a MutationObserver sees the row's
  `decided` class, then the next requestAnimationFrame: the frame that paints it).
- **Freshness**: another moderator decides an item this moderator's queue shows (through the decision table,
  as that moderator's dashboard POST does); from the commit to the frame in which the row has left this page
  (the 3 s live poll brings it).

Targets (issue 19): decision p95 <= 150 ms, freshness p95 <= 5 s.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WATCH = """
(() => {
  window.__decided = []; window.__gone = {}; window.__pressed = null;
  document.addEventListener("keydown", (e) => {
    const row = document.querySelector("#queue-rows tr.queue-row.current");
    if (e.key === "a" && row) window.__pressed = { id: row.id, t: performance.now() };
  }, true);
  const rows = document.getElementById("queue-rows");
  new MutationObserver(() => {
    const p = window.__pressed;
    if (p) {
      const row = document.getElementById(p.id);
      if (row && row.classList.contains("decided")) {
        window.__pressed = null;
        requestAnimationFrame(() => window.__decided.push(performance.now() - p.t));
      }
    }
    for (const id of window.__watch || []) {
      if (!(id in window.__gone) && !document.getElementById(id)) {
        window.__gone[id] = null;
        requestAnimationFrame(() => { window.__gone[id] = Date.now(); });
      }
    }
  }).observe(rows, { subtree: true, childList: true, attributes: true, attributeFilter: ["class"] });
})();
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summary(name: str, values: list[float], unit: str = "ms") -> str:
    return (f"{name}: n={len(values)} p50 {statistics.median(values):.0f} {unit}, p95 {percentile(values, 0.95):.0f} "
            f"{unit}, max {max(values):.0f} {unit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decisions", type=int, default=30)
    parser.add_argument("--changes", type=int, default=16)
    parser.add_argument("--port", type=int, default=8812)
    parser.add_argument("--warmup", type=int, default=4, help="decisions made first and not counted")
    parser.add_argument("--verbose", action="store_true", help="print every sample")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="browser-triage-")
    from bench import SECRET_KEY

    db_url = f"sqlite:///{tmp}/db.sqlite3"
    os.environ.update({"DATABASE_URL": db_url, "DJANGO_SETTINGS_MODULE": "moderation_site.settings.production",
                       "SECRET_KEY": SECRET_KEY, "SECURE_COOKIES": "0", "VAR_DIR": tmp,
                       "ALLOWED_HOSTS": "127.0.0.1,localhost",
                       # Playwright's sync API runs an event loop in this thread; the ORM calls between its calls
                       # are plain synchronous code (as in tests/conftest.py).
                       "DJANGO_ALLOW_ASYNC_UNSAFE": "true"})
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from reviews import actions
    from reviews.actions import registry
    from reviews.models import EndUser, EntityType
    from reviews.permissions import identity_for

    call_command("migrate", verbosity=0)
    for name in ("mia", "otto"):
        user = User.objects.create_user(name, password="pw")
        user.groups.add(Group.objects.get_or_create(name="Moderators")[0])
    otto = identity_for(User.objects.get(username="otto"))
    total = args.warmup + args.decisions + args.changes
    if total > 50:
        parser.error("warmup + decisions + changes must fit on one queue page (50 rows)")
    items = []
    for n in range(total):
        reporter = EndUser.objects.get_or_create(id=f"reporter-{n % 7}")[0]
        creator = EndUser.objects.get_or_create(id=f"creator-{n % 11}")[0]
        items.append(actions.flag_content(
            reporter=reporter, entity_type=EntityType.MESSAGE, entity_id=f"msg-{n}", entity_creator=creator,
            actor=reporter, reason="spam", channel_cid="messaging:general",
            moderation_payload={"texts": [f"benchmark message {n}"]})[1])
    # Newest first on the page: the keyboard walks the newest `decisions`; the other moderator decides the oldest.
    others = items[:args.changes]

    from playwright.sync_api import sync_playwright

    from bench.server import gunicorn

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    load_before = os.getloadavg()
    with gunicorn(port=args.port, env={"DATABASE_URL": db_url}) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.goto(f"{server.base}/accounts/login/")
        page.get_by_label("Username").fill("mia")
        page.get_by_label("Password").fill("pw")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/queue/")
        page.evaluate(WATCH)

        page.keyboard.press("j")
        for _ in range(args.warmup + args.decisions):
            current = page.locator("#queue-rows tr.queue-row.current").get_attribute("id")
            page.keyboard.press("a")
            page.wait_for_function("() => window.__pressed === null", timeout=30_000)
            # The decision moves the keyboard to the next row; wait for it before the next key.
            page.wait_for_function(f"() => {{ const r = document.querySelector('#queue-rows tr.queue-row.current');"
                                   f" return r && r.id !== '{current}'; }}", timeout=30_000)
        page.wait_for_function(f"() => window.__decided.length >= {args.warmup + args.decisions}", timeout=30_000)
        # The first requests each gunicorn worker serves are cold (lazy imports, template loading): not counted.
        decided = page.evaluate("window.__decided")[args.warmup:]

        fresh = []
        for item in others:
            row_id = f"item-{item.pk}"
            page.evaluate(f"window.__watch = ['{row_id}']")
            page.wait_for_timeout(random.uniform(0, 3000))  # changes land anywhere in the poll's 3 s cycle
            registry.apply("mark_reviewed", item=item, actor=otto)
            committed = time.time() * 1000
            page.wait_for_function(f"() => window.__gone['{row_id}']", timeout=30_000)
            fresh.append(page.evaluate(f"window.__gone['{row_id}']") - committed)
        browser.close()
    load_after = os.getloadavg()
    shutil.rmtree(tmp, ignore_errors=True)

    if args.verbose:
        print("decisions (ms):", " ".join(f"{v:.0f}" for v in decided))
        print("freshness (ms):", " ".join(f"{v:.0f}" for v in fresh))
    print(summary("decision latency (key press -> row shows the decision)", decided))
    print(summary("freshness (another moderator's decision -> gone from this page)", fresh))
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
