"""Background-job figures: the expiry sweep (100k expired among 1M bans), bulk deactivation of 100k users (with
the progress-update interval a `get_task` poller sees), and webhook delivery through a real Celery worker (over a
throwaway redis-server, as production uses Redis) to a receiver on 127.0.0.1 (events/s, p99 from commit to
arrival).

`main(scale)` is what the harness calls with its data loaded (users `u1..uN`, bans 10 % expired). Standalone,
`uv run python -m bench.jobs --scale small|full` migrates the database DATABASE_URL points at and loads the same
shapes itself when they are missing (PostgreSQL: INSERT ... SELECT generate_series).

The sweep and bulk figures are the database work of the action layer, measured in this process; the webhook
kick a commit makes is switched off while they run (in production it only enqueues a message). Afterwards the
bans and users are put back as loaded and the rows the jobs added are removed, so a rerun measures the same.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from contextlib import contextmanager

SCALES = {
    # bans, expired share, users, paced events/s, paced seconds, burst events
    "full": {"bans": 1_000_000, "users": 100_000, "rate": 600, "seconds": 10, "burst": 10_000},
    "small": {"bans": 20_000, "users": 2_000, "rate": 200, "seconds": 2, "burst": 1_000},
}


def _row(figure: str, value: str, target: str = "", met: bool | None = None, notes: str = "") -> dict:
    from bench import row

    return row(figure, value, target, met, notes)


@contextmanager
def _no_kicks():
    """Commits normally enqueue a relay run; here only the database work is being timed."""
    from reviews.services import jobs, webhooks

    saved = webhooks.kick, jobs.enqueue
    webhooks.kick, jobs.enqueue = (lambda: None), (lambda task_id: None)
    try:
        yield
    finally:
        webhooks.kick, jobs.enqueue = saved


def _max_ids() -> tuple[int, int]:
    from django.db.models import Max

    from reviews.models import ModerationLog, OutboxEvent

    return (ModerationLog.objects.aggregate(m=Max("id"))["m"] or 0,
            OutboxEvent.objects.aggregate(m=Max("id"))["m"] or 0)


def _forget_since(marks: tuple[int, int]) -> None:
    from reviews.models import ModerationLog, OutboxEvent

    ModerationLog.objects.filter(id__gt=marks[0]).delete()
    OutboxEvent.objects.filter(id__gt=marks[1]).delete()


def ensure_data(scale: str) -> list[dict]:
    """Load users and bans (the harness's shapes) when the database does not have them yet."""
    from django.db import connection

    from bench import data
    from reviews.models import Ban, EndUser

    size = SCALES[scale]
    loaded = []
    if connection.vendor != "postgresql":
        raise SystemExit("bench.jobs loads its data with PostgreSQL's generate_series; set DATABASE_URL")
    if not EndUser.objects.filter(pk=f"u{size['users']}").exists():
        loaded.append(data.load_users("default", size["users"]))
    if Ban.objects.filter(reason="bench").count() < size["bans"]:
        Ban.objects.filter(reason="bench").delete()
        loaded.append(data.load_bans("default", size["bans"], size["users"]))
    return loaded


def bench_sweep(scale: str) -> list[dict]:
    from django.db import connection
    from django.utils import timezone

    from reviews.models import Ban
    from reviews.services.sweeps import sweep_expired

    now = timezone.now()
    total = Ban.objects.filter(reason="bench").count()
    expired = Ban.objects.filter(lifted_at__isnull=True, expires_at__lte=now).count()
    marks = _max_ids()
    with _no_kicks():
        started = time.perf_counter()
        result = sweep_expired(now=now)
        seconds = time.perf_counter() - started
        again_started = time.perf_counter()
        again = sweep_expired(now=now)
        again_seconds = time.perf_counter() - again_started
    # Put the bans back as loaded (open, expired), so the next run has the same work.
    with connection.cursor() as cur:
        cur.execute("UPDATE reviews_ban SET lifted_at = NULL WHERE reason = 'bench' AND lifted_at IS NOT NULL")
    _forget_since(marks)
    target_met = seconds <= 5.0 if expired >= 100_000 else None
    return [
        _row(f"expiry sweep: {result['bans']:,} expired of {total:,} bans", f"{seconds:.2f} s",
             "<= 5 s for 100k of 1M", target_met,
             f"{result['bans'] / seconds:,.0f} bans/s, each logged + user.unbanned in the outbox"),
        _row("expiry sweep run again (nothing left)", f"{again_seconds * 1000:.1f} ms", "", None,
             f"lifted {again['bans']}"),
    ]


def _watch_progress(task_id: str, stop: threading.Event, seen: list[tuple[float, int]]) -> None:
    """What a get_task poller sees: (time, done) whenever `done` moves, polled every 20 ms."""
    from django.db import connection

    from reviews.models import Task

    last = -1
    try:
        while not stop.is_set():
            done = Task.objects.filter(pk=task_id).values_list("done", flat=True).first()
            if done != last:
                seen.append((time.perf_counter(), done))
                last = done
            time.sleep(0.02)
    finally:
        connection.close()


def _bulk_run(kind: str, ids: list[str]) -> tuple[float, float, dict]:
    from reviews.models import Task
    from reviews.services import bulk, jobs

    task = bulk.start_user_task(kind=kind, user_ids=ids, actor=None)
    seen: list[tuple[float, int]] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_progress, args=(str(task.pk), stop, seen))
    started = time.perf_counter()
    seen.append((started, 0))
    watcher.start()
    jobs.run(str(task.pk))
    finished = time.perf_counter()
    stop.set()
    watcher.join()
    times = [t for t, _ in seen] + [finished]
    gap = max(b - a for a, b in zip(times, times[1:], strict=False))
    task = Task.objects.get(pk=task.pk)
    return finished - started, gap, {"status": task.status, **task.result}


def bench_bulk(scale: str) -> list[dict]:
    from django.conf import settings

    from reviews.models import EndUser

    users = SCALES[scale]["users"]
    ids = [f"u{i}" for i in range(1, users + 1)]
    EndUser.objects.filter(pk__in=ids).update(deactivated_at=None)
    marks = _max_ids()
    with _no_kicks():
        seconds, gap, result = _bulk_run("deactivate_users", ids)
        back_seconds, back_gap, back = _bulk_run("reactivate_users", ids)
    _forget_since(marks)
    full = users >= 100_000
    chunk = settings.MODERATION_BULK_CHUNK_SIZE
    return [
        _row(f"bulk deactivation: {users:,} users", f"{seconds:.2f} s", "<= 10 s for 100k",
             seconds <= 10.0 if full else None, f"{users / seconds:,.0f} users/s, chunks of {chunk}, {result}"),
        _row("bulk deactivation: longest wait between progress updates", f"{gap * 1000:.0f} ms", "<= 1 s",
             gap <= 1.0, "as seen by a poller reading Task.done every 20 ms"),
        _row(f"bulk reactivation: {users:,} users", f"{back_seconds:.2f} s", "", None,
             f"longest progress gap {back_gap * 1000:.0f} ms, {back}"),
    ]


def bench_webhooks(scale: str) -> list[dict]:
    """A real worker (-c 2) relays to a receiver in this process over Redis, as in production: a throwaway
    redis-server the bench starts and stops (the configured broker when redis-server is not installed)."""
    from bench.cluster import throwaway_redis
    from tests.jobs.worker import shared_broker

    size = SCALES[scale]
    var_dir = tempfile.mkdtemp(prefix="bench-jobs-")
    saved = os.environ.get("CELERY_BROKER_URL")
    with throwaway_redis() as redis_url:
        if redis_url:
            os.environ["CELERY_BROKER_URL"] = redis_url
        try:
            with shared_broker(var_dir) as env:
                return _bench_webhooks(size, env, os.path.join(var_dir, "worker.log"))
        finally:
            if saved is None:
                os.environ.pop("CELERY_BROKER_URL", None)
            else:
                os.environ["CELERY_BROKER_URL"] = saved


def _bench_webhooks(size: dict, env: dict, log: str) -> list[dict]:
    from django.db import transaction
    from django.utils import timezone

    from bench import percentile
    from reviews import events, payloads
    from reviews.models import ApiKey, EndUser, OutboxEvent, WebhookDelivery, WebhookEndpoint
    from reviews.services import webhooks
    from tests.jobs.receiver import start_receiver
    from tests.jobs.worker import start_worker, stop_worker

    broker = env["CELERY_BROKER_URL"]
    key = webhooks.signing_key() or ApiKey.objects.create(key="bench-jobs-key", secret="bench-jobs-secret")
    receiver = start_receiver(key.secret)
    receiver.check_later = True  # verify and decode after the clock stops
    # Earlier figures left events in the outbox; mark them relayed so only this run's events are sent.
    OutboxEvent.objects.filter(relayed_at__isnull=True).update(relayed_at=timezone.now())
    endpoint = WebhookEndpoint.objects.create(url=receiver.url)
    marks = _max_ids()
    worker = start_worker(env, log, LOG_LEVEL="WARNING")
    rows = []
    try:
        # Warm-up: the worker is up and connected once one event has made the round trip.
        with transaction.atomic():
            events.record("user.unbanned", user={"id": "warm-up"}, custom={})
        receiver.wait_for(1, timeout=60)
        user = payloads.user_common(EndUser.objects.get_or_create(pk="u1")[0])

        # Paced: one event per commit at a steady rate, as busy moderation traffic produces them.
        count, interval = size["rate"] * size["seconds"], 1 / size["rate"]
        start = time.perf_counter()
        for i in range(count):
            delay = start + i * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            with transaction.atomic():
                events.record("user.unbanned", user=user, custom={"n": i})
        produced = time.perf_counter() - start
        got = receiver.wait_for(1 + count, timeout=120)[1:]
        latencies = [(r.at_ns - json.loads(r.body)["created_at"]) / 1e9 for r in got]
        p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
        ok = all(receiver.check(r).valid_signature and not r.error for r in got)
        rows.append(_row(f"webhooks paced: {count:,} events at {size['rate']}/s, one commit each",
                         f"p99 {p99 * 1000:.0f} ms", "p99 <= 1 s", p99 <= 1.0,
                         f"p50 {p50 * 1000:.0f} ms, produced in {produced:.1f} s, all signatures valid: {ok}"))

        # Burst: many events committed at once; how fast the relay drains them.
        burst = size["burst"]
        before = len(receiver.received)
        with transaction.atomic():
            events.record_many([("user.unbanned", {"user": user, "custom": {"n": i}}) for i in range(burst)])
        committed = time.perf_counter()
        got = receiver.wait_for(before + burst, timeout=300)[before:]
        drained = time.perf_counter() - committed
        ok = all(receiver.check(r).valid_signature and not r.error for r in got)
        rate = burst / drained
        rows.append(_row(f"webhooks burst: {burst:,} events in one commit", f"{rate:,.0f} events/s",
                         ">= 500 events/s", rate >= 500,
                         f"all delivered in {drained:.1f} s over {receiver.connections} connection(s); "
                         f"signatures valid: {ok}; broker {broker.split(':')[0]}, worker -c 2"))
    finally:
        stop_worker(worker)
        receiver.server.shutdown()
        receiver.server.server_close()
        WebhookDelivery.objects.filter(endpoint=endpoint).delete()
        endpoint.delete()
        _forget_since(marks)
    return rows


def main(scale: str) -> list[dict]:
    rows = [_row(f"data: {r['table']}", f"{r['rows']:,} rows in {r['seconds']:.1f} s") for r in ensure_data(scale)]
    return rows + bench_sweep(scale) + bench_bulk(scale) + bench_webhooks(scale)


def _cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moderation_site.settings.base")
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database (it is loaded and modified)")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    for r in main(args.scale):
        mark = {True: "met", False: "MISSED", None: ""}[r["met"]]
        print(f"{r['figure']:<62} {r['value']:>14}  {r['target']:<22} {mark:<6} {r['notes']}")


if __name__ == "__main__":
    _cli()
