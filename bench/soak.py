"""Soak `make run` (SQLite + the embedded broker, `manage.py serve`) and count what falls over (issue 13, section 1).

    .venv/bin/python -m bench.soak [--port 8101] [--decisions 10000] [--fuzz-seconds 600] [--threads 4]

On a fresh VAR_DIR: migrate, seed the demo, start `manage.py serve`, register a webhook receiver on loopback (so
every commit makes the worker relay), then
1. create one queue item per decision through the API (the SDK's `moderation.flag`, from several threads);
2. decide every item once, as fast as it goes: half from the dashboard (logged in as moderator/moderator, POSTing
   the row and dialog forms with the headers htmx sends, with queue-page reads in between), half through the API
   (getstream 7.0.0 `moderation.submit_action`: mark_reviewed, delete_message, escalate, ban, custom);
3. fuzz the API for --fuzz-seconds with schemathesis from /api/v2/openapi.json with server-side auth;
4. stop serve, then check every decision in the database and count the webhook deliveries.
Prints decisions, failures (non-2xx, or not applied per the database), worker crashes and restarts (serve's log),
durations and the machine's load. Loopback only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
MODERATOR = "moderator"
DASHBOARD_KINDS = ["mark_reviewed", "delete", "escalate", "mute", "ban"]
API_KINDS = ["mark_reviewed", "delete_message", "escalate", "ban", "custom"]
RESTART_LINE = re.compile(r"^(\w+) (exited with -?\d+|was killed by \w+); restarting in ")


def load() -> str:
    a, b, c = os.getloadavg()
    return f"{a:.2f} {b:.2f} {c:.2f}"


def _env(var: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "REDIS_URL", "CELERY_QUEUE"}}
    env.update(VAR_DIR=var, DJANGO_SETTINGS_MODULE="moderation_site.settings.local", PYTHONUNBUFFERED="1",
               MODERATION_API_RATE_LIMIT="100000000")  # the soak is one caller going as fast as it can
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True).stdout


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.ok: list[tuple[str, str, str]] = []  # (face, kind, item id)
        self.failed: collections.Counter = collections.Counter()
        self.examples: list[str] = []

    def good(self, face: str, kind: str, item: str) -> None:
        with self.lock:
            self.ok.append((face, kind, item))

    def bad(self, what: str, detail: str) -> None:
        with self.lock:
            self.failed[what] += 1
            if len(self.examples) < 10:
                self.examples.append(f"{what}: {detail[:300]}")


# --- the two faces ------------------------------------------------------------------------------------------------


def _sdk(base: str, key: str, secret: str):
    from getstream import Stream

    return Stream(api_key=key, api_secret=secret, base_url=base, timeout=60)


def flag_items(base: str, key: str, secret: str, ids: list[int], tally: Tally) -> None:
    client = _sdk(base, key, secret)
    try:
        for i in ids:
            try:
                client.moderation.flag(entity_type="stream:chat:v1:message", entity_id=f"soak-{i}",
                                       entity_creator_id=f"soak-u{i % 997}", reason="soak", user_id=f"soak-r{i % 7}",
                                       moderation_payload={"texts": [f"soak message {i}"]})
            except Exception as exc:  # noqa: BLE001 - counted, and the soak goes on
                tally.bad("flag", repr(exc))
    finally:
        client.close()


def api_decide(base: str, key: str, secret: str, work: list[tuple[str, str]], tally: Tally) -> None:
    client = _sdk(base, key, secret)
    options = {
        "escalate": {"escalate": {"reason": "soak", "priority": "high"}},
        "ban": {"ban": {"reason": "soak", "timeout": 60}},
        "delete_message": {"delete_message": {"hard_delete": False}},
        "custom": {"custom": {"id": "soak_warn", "options": {"n": 1}}},
    }
    try:
        for n, (item, kind) in enumerate(work):
            try:
                client.moderation.submit_action(action_type=kind, item_id=item, user_id=MODERATOR,
                                                **options.get(kind, {}))
                tally.good("api", kind, item)
            except Exception as exc:  # noqa: BLE001
                tally.bad(f"api {kind}", repr(exc))
            if n % 25 == 0:  # a moderator's tool also reads
                try:
                    client.moderation.query_review_queue(filter={"status": "pending"}, limit=25)
                except Exception as exc:  # noqa: BLE001
                    tally.bad("api read", repr(exc))
    finally:
        client.close()


def dashboard_decide(base: str, work: list[tuple[str, str]], tally: Tally) -> None:
    import httpx

    with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as http:
        page = http.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        done = http.post("/accounts/login/", data={"username": MODERATOR, "password": MODERATOR,
                                                   "csrfmiddlewaretoken": token})
        if done.status_code != 302:
            tally.bad("dashboard login", f"{done.status_code} {done.text[:200]}")
            return
        csrf = http.cookies.get("csrftoken")
        headers = {"HX-Request": "true", "X-CSRFToken": csrf, "HX-Current-URL": f"{base}/queue/"}
        for n, (item, kind) in enumerate(work):
            if kind == "ban":  # the ban dialog's form
                data = {"actions": "ban", "ban_scope": "app", "ban_timeout": "60", "reason": "soak", "note": ""}
            elif kind == "escalate":  # the row button (escalation priority from the drawer's default)
                data = {"actions": "escalate"}
            else:  # a row button: a, d, m
                data = {"actions": kind}
            try:
                r = http.post(f"/queue/{item}/decide", data={**data, "csrfmiddlewaretoken": csrf}, headers=headers)
                if 200 <= r.status_code < 300:
                    tally.good("dashboard", kind, item)
                else:
                    tally.bad(f"dashboard {kind}", f"{r.status_code} {r.text[:200]}")
            except Exception as exc:  # noqa: BLE001
                tally.bad(f"dashboard {kind}", repr(exc))
            if n % 25 == 0:  # the queue page as the moderator sees it, and its live-update poll
                for path in ("/queue/", "/queue/changes"):
                    try:
                        r = http.get(path, headers=headers if path != "/queue/" else {})
                        if r.status_code >= 400:
                            tally.bad("dashboard read", f"{path} {r.status_code}")
                    except Exception as exc:  # noqa: BLE001
                        tally.bad("dashboard read", repr(exc))


# --- fuzzing ------------------------------------------------------------------------------------------------------


HOOKS = '''
import os
import jwt
import schemathesis

TOKEN = jwt.encode({}, os.environ["SOAK_API_SECRET"], algorithm="HS256")


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    # Server-side auth on every call, whatever the generator made of the security parameters.
    case.query = {**(case.query or {}), "api_key": os.environ["SOAK_API_KEY"]}
    case.headers = {**(case.headers or {}), "Authorization": TOKEN, "stream-auth-type": "jwt"}
'''


def fuzz(base: str, key: str, secret: str, seconds: float, folder: str) -> dict:
    """schemathesis runs back to back (new seeds) until `seconds` have passed; returns what they reported."""
    Path(folder, "soak_hooks.py").write_text(HOOKS)
    env = {**os.environ, "SOAK_API_KEY": key, "SOAK_API_SECRET": secret, "SCHEMATHESIS_HOOKS": "soak_hooks",
           "PYTHONPATH": folder + os.pathsep + os.environ.get("PYTHONPATH", "")}
    st = os.path.join(os.path.dirname(PY), "st")
    deadline = time.monotonic() + seconds
    runs, server_errors, requests_made, outputs = 0, 0, 0, []
    while time.monotonic() < deadline - 5:
        runs += 1
        ndjson = os.path.join(folder, f"fuzz-{runs}.ndjson")
        cmd = [st, "run", f"{base}/api/v2/openapi.json", "--checks", "not_a_server_error", "--continue-on-failure",
               "--max-examples", "200", "--request-timeout", "30", "--seed", str(runs),
               "--report", "ndjson", "--report-ndjson-path", ndjson]
        out = os.path.join(folder, f"fuzz-{runs}.txt")
        with open(out, "wb") as f:
            proc = subprocess.Popen(cmd, cwd=folder, env=env, stdout=f, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            try:
                proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGINT)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        outputs.append(out)
        requests_made += _count_ndjson(ndjson)
        text = Path(out).read_text(errors="replace")
        server_errors += len(re.findall(r"Server error", text))
    return {"runs": runs, "requests": requests_made, "server-error findings": server_errors, "outputs": outputs}


def _count_ndjson(path: str) -> int:
    """Requests a schemathesis run made, from its NDJSON event stream (one interaction per recorded call)."""
    if not os.path.exists(path):
        return 0
    count = 0
    with open(path, errors="replace") as f:
        for line in f:
            count += line.count('"request":')
    return count


# --- the run ------------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--decisions", type=int, default=10_000)
    parser.add_argument("--fuzz-seconds", type=float, default=600)
    parser.add_argument("--threads", type=int, default=4, help="per face (dashboard, API)")
    parser.add_argument("--keep", action="store_true", help="keep the VAR_DIR (printed) afterwards")
    args = parser.parse_args()

    var = tempfile.mkdtemp(prefix="soak-")
    env = _env(var)
    os.environ.update(env)  # this process reads the same database afterwards
    base = f"http://127.0.0.1:{args.port}"
    if _healthy(base):
        sys.exit(f"something already answers on {base}; pick another --port")
    figures: dict[str, object] = {"load average at start": load(), "var": var}
    t_all = time.monotonic()
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "seed_demo")
    created = _manage(env, "create_api_key", "--key", "soak-key", "--secret", "soak-secret-" + os.urandom(8).hex())
    key = re.search(r"API key:\s+(\S+)", created).group(1)
    secret = re.search(r"API secret:\s+(\S+)", created).group(1)

    log_path = os.path.join(var, "serve.log")
    log = open(log_path, "wb")  # noqa: SIM115 - closed in the finally below, after serve stops
    serve = subprocess.Popen([PY, "manage.py", "serve", "--port", str(args.port)], cwd=ROOT, env=env, stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True)
    receiver = None
    tally = Tally()
    try:
        deadline = time.monotonic() + 120
        while not _healthy(base):
            if time.monotonic() > deadline or serve.poll() is not None:
                raise SystemExit(f"serve did not come up; see {log_path}")
            time.sleep(0.3)

        sys.path.insert(0, str(ROOT))
        from tests.jobs.receiver import start_receiver

        receiver = start_receiver(secret)
        receiver.check_later = True
        _sdk(base, key, secret).update_app(webhook_url=receiver.url)

        n = args.decisions
        ids = list(range(n))
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(args.threads * 2) as pool:
            chunks = [ids[k::args.threads * 2] for k in range(args.threads * 2)]
            list(pool.map(lambda c: flag_items(base, key, secret, c, tally), chunks))
        figures["flags (items made through the API)"] = n - sum(tally.failed.values())
        figures["flag phase s"] = round(time.monotonic() - t0, 1)

        import logging

        import django

        django.setup()
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line a request otherwise
        from reviews.models import ReviewQueueItem

        items = dict(ReviewQueueItem.objects.filter(entity_id__startswith="soak-")
                     .values_list("entity_id", "id"))
        rng = random.Random(13)
        order = [str(items[f"soak-{i}"]) for i in ids if f"soak-{i}" in items]
        rng.shuffle(order)
        half = len(order) // 2
        dash_work = [(item, rng.choice(DASHBOARD_KINDS)) for item in order[:half]]
        api_work = [(item, rng.choice(API_KINDS)) for item in order[half:]]
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(args.threads * 2) as pool:
            futures = [pool.submit(dashboard_decide, base, dash_work[k::args.threads], tally)
                       for k in range(args.threads)]
            futures += [pool.submit(api_decide, base, key, secret, api_work[k::args.threads], tally)
                        for k in range(args.threads)]
            for f in futures:
                f.result()
        decide_s = time.monotonic() - t0
        figures["decisions sent"] = len(dash_work) + len(api_work)
        figures["decision phase s"] = round(decide_s, 1)
        figures["decisions/s"] = round((len(dash_work) + len(api_work)) / decide_s, 1)
        figures["load average after decisions"] = load()
        figures.update(verify(tally))

        if args.fuzz_seconds > 0:
            t0 = time.monotonic()
            got = fuzz(base, key, secret, args.fuzz_seconds, var)
            figures["fuzz s"] = round(time.monotonic() - t0, 1)
            figures["fuzz runs"] = got["runs"]
            figures["fuzz requests"] = got["requests"]
            figures["fuzz server-error findings (schemathesis)"] = got["server-error findings"]
            figures["fuzz outputs"] = got["outputs"][-1] if got["outputs"] else ""
            figures["load average after fuzzing"] = load()

        # Let the relay drain what the run left (bounded), while serve still runs.
        from reviews.models import OutboxEvent, WebhookDelivery

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (
                WebhookDelivery.objects.filter(status="pending").exists()
                or OutboxEvent.objects.filter(relayed_at__isnull=True).exists()):
            time.sleep(1)
    finally:
        if serve.poll() is None:
            serve.send_signal(signal.SIGTERM)
            try:
                serve.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(serve.pid, signal.SIGKILL)
        log.close()
        if receiver is not None:
            receiver.server.shutdown()
            receiver.server.server_close()

    figures.update(relay_figures())
    text = Path(log_path).read_text(errors="replace")
    restarts = [line for line in text.splitlines() if RESTART_LINE.match(line)]
    figures["worker crashes (Unrecoverable error / worker exits)"] = (
        text.count("Unrecoverable error") + sum(1 for line in restarts if line.startswith("worker ")))
    figures["restarts (any child)"] = len(restarts)
    figures["restart lines"] = restarts[:10]
    figures["server errors (HTTP 5xx in gunicorn's access log)"] = len(re.findall(r'" 5\d\d ', text))
    figures["webhook deliveries received"] = len(receiver.received) if receiver is not None else 0
    figures["total s"] = round(time.monotonic() - t_all, 1)
    figures["load average at end"] = load()
    figures["failures by kind"] = dict(tally.failed)
    figures["failure examples"] = tally.examples
    for name, value in figures.items():
        print(f"{name}: {json.dumps(value) if isinstance(value, (list, dict)) else value}")
    if not args.keep:
        shutil.rmtree(var, ignore_errors=True)


def _applied(item, kind: str, banned: set[str], muted: set[str]) -> bool:
    if kind == "mute":
        return item.entity_creator_id in muted
    if kind == "mark_reviewed":
        return item.status == "reviewed"
    if kind in ("delete", "delete_message"):
        return item.content_state == "deleted"
    if kind == "escalate":
        return item.escalated
    if kind == "ban":
        return item.entity_creator_id in banned
    return True  # custom: the log row on the item is the evidence


def verify(tally: Tally) -> dict:
    """Every decision answered 2xx must show in the database: a log row by the moderator on that item (a mute's
    row names the creator instead), and the state its kind implies."""
    from reviews.models import Ban, ModerationLog, ReviewQueueItem

    items = {str(i.pk): i for i in ReviewQueueItem.objects.filter(entity_id__startswith="soak-")}
    logged = set(map(str, ModerationLog.objects.filter(actor_id=MODERATOR, item__isnull=False)
                     .values_list("item_id", flat=True)))
    banned = set(Ban.objects.in_force().values_list("target_id", flat=True))
    muted = set(ModerationLog.objects.filter(actor_id=MODERATOR, action="mute").values_list("target_user_id",
                                                                                             flat=True))
    not_applied = collections.Counter()
    for face, kind, pk in tally.ok:
        item = items.get(pk)
        # A ban or mute of a creator already banned/muted is a no-op (no new log row); its state is the evidence.
        logged_ok = pk in logged or kind in ("ban", "mute")
        if item is None or not logged_ok or not _applied(item, kind, banned, muted):
            not_applied[f"{face} {kind}"] += 1
    failed_http = sum(tally.failed.values())
    return {
        "decisions answered 2xx": len(tally.ok),
        "decisions failed (non-2xx or error)": sum(v for k, v in tally.failed.items()
                                                   if k.startswith(("api ", "dashboard ")) and "read" not in k),
        "decisions not applied per the database": sum(not_applied.values()),
        "not applied by kind": dict(not_applied),
        "requests failed (all, incl. flags and reads)": failed_http,
    }


def relay_figures() -> dict:
    """What the worker did with the run's events (at the end, after a bounded wait for the relay to drain)."""
    from django.db.models import Count

    from reviews.models import OutboxEvent, WebhookDelivery

    return {
        "outbox events": OutboxEvent.objects.count(),
        "outbox events not relayed": OutboxEvent.objects.filter(relayed_at__isnull=True).count(),
        "webhook deliveries by status": dict(WebhookDelivery.objects.values_list("status").annotate(n=Count("id"))),
    }


if __name__ == "__main__":
    main()
