"""Keeps the benchmark scripts from rotting between `make bench` runs (CI also runs `make bench SCALE=small`).
No timings here: figures belong in bench/RESULTS.md, never in assertions."""

from __future__ import annotations

import http.server
import shutil
import threading

import pytest
from django.db import connection

from bench import SCALES, human, percentile, row
from bench.__main__ import render
from bench.load import run_wrk
from bench.queue import FILTERS, _next_cursor, _page_url, _walk_dashboard

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the generators are PostgreSQL SQL")


def test_percentile_is_nearest_rank():
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 50) == 50.0
    assert percentile(samples, 95) == 95.0
    assert percentile([3.0], 99) == 3.0


def test_human_sizes():
    assert [human(n) for n in (1_000, 10_000, 100_000, 1_000_000, 1234)] == ["1k", "10k", "100k", "1M", "1234"]


def test_every_scale_ends_with_the_default_tier():
    for scale in SCALES.values():
        assert scale.tiers[-1][0] == "default"
        assert [n for _, n in scale.tiers] == sorted(n for _, n in scale.tiers)


def test_render_writes_rows_and_appendices():
    info = {"date": "today", "nproc": "2"}
    loads = [{"tier": "1k", "table": "queue items", "rows": 1000, "seconds": 0.5}]
    rows = [row("queue partial", "p50 1 ms", "p95 <= 15 ms", True), {"appendix": "Plan", "text": "Seq Scan"},
            row("check", "not yet measured (module missing: bench/check.py)")]
    text = render("small", info, loads, rows, 12.0)
    assert "| queue partial | p50 1 ms | p95 <= 15 ms | met |" in text
    assert "not yet measured" in text
    assert "## Appendix: Plan" in text and "Seq Scan" in text


def test_next_cursor_is_read_from_the_load_more_link():
    html = '<a hx-get="?status=pending&amp;next=abc123" href="?status=pending&amp;next=abc123">Load more</a>'
    assert _next_cursor(html) == "abc123"
    assert _next_cursor("<tr class='empty'></tr>") is None
    assert _page_url({"status": "pending"}, "abc") == "/queue/?status=pending&next=abc"


@postgres_only
@pytest.mark.django_db
def test_generators_load_consistent_data_and_keep_every_index():
    from bench import data

    def index_names() -> set[str]:
        with connection.cursor() as cur:
            cur.execute("SELECT indexname FROM pg_indexes WHERE tablename IN "
                        "('reviews_reviewqueueitem', 'reviews_flag', 'reviews_ban', 'reviews_enduser')")
            return {r[0] for r in cur.fetchall()}

    before = index_names()
    data.load_users("default", 60_000)  # large enough to take the drop-and-rebuild-indexes path
    data.load_items("default", 300, 60_000)
    data.load_bans("default", 60_000, 60_000)
    assert index_names() == before

    from reviews.models import Ban, EndUser, Flag, ReviewQueueItem

    assert EndUser.objects.count() == 60_000
    assert ReviewQueueItem.objects.count() == 300
    assert ReviewQueueItem.objects.filter(status="pending").count() == 180
    assert Flag.objects.count() == sum(ReviewQueueItem.objects.values_list("flags_count", flat=True))
    assert Ban.objects.in_force().count() == 54_000  # 10 % expired


@postgres_only
@pytest.mark.django_db
def test_walking_the_dashboard_reaches_deep_pages(client):
    from django.contrib.auth.models import Group, User

    from bench import data

    data.load_users("default", 500)
    data.load_items("default", 600, 500)  # 360 pending: pages of 50 -> 8 pages
    user = User.objects.create_user("bench-t", password="x")
    user.groups.add(Group.objects.get_or_create(name="Moderators")[0])
    client.force_login(user)
    walked = _walk_dashboard(client, "default", FILTERS["status=pending"][0], pages=100)
    assert [page for page, _ in walked] == [2, 8]
    response = client.get(_page_url({"status": "pending"}, walked[-1][1]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<html" not in response.content  # the rows partial, not the whole page
    assert b"message 1 you are" in response.content  # the oldest pending item is on the last page


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk not installed (make bench installs it)")
def test_wrk_sends_the_headers_and_counts_every_non_200():
    """A request script wrk cannot parse is dropped quietly; requests then go out without the session cookie and
    a fast login redirect would pass for throughput."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            ok = self.headers.get("Cookie") == "sessionid=abc" and self.headers.get("HX-Request") == "true"
            body = b"rows" * 100
            self.send_response(200 if ok else 302)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/queue/"
        good = run_wrk(url, headers={"Cookie": "sessionid=abc", "HX-Request": "true"}, seconds=1, connections=2,
                       threads=1)
        bad = run_wrk(url, headers={"Cookie": "sessionid=wrong"}, seconds=1, connections=2, threads=1)
    finally:
        server.shutdown()
    assert good.requests > 0 and good.bad == 0 and good.bytes_per_response >= 400
    assert bad.requests > 0 and bad.bad == bad.requests
    # The results say what the failures were, not only how many.
    assert good.why_bad == "" and bad.why_bad == f"HTTP 302 x{bad.requests}"
    assert f"{bad.bad} not 200: HTTP 302 x{bad.requests})" in bad.summary()


@pytest.mark.django_db
def test_rss_bench_check_runs_the_classifier(client):
    """bench/rss.py measured a worker that had never loaded the classifier when its check answered 404 (no such
    config); its request must be a 200 whose decision comes from the toxicity engine."""
    import json

    import jwt

    from bench import API_KEY, API_SECRET, rss
    from reviews.models import ApiKey

    ApiKey.objects.create(key=API_KEY, secret=API_SECRET, name="bench")
    rss._ensure_policy()
    rss._ensure_policy()  # idempotent: the harness may run it on a database that has the config
    response = client.post(f"/api/v2/moderation/check?api_key={API_KEY}", data=json.dumps(rss.CHECK_BODY),
                           content_type="application/json",
                           headers={"Authorization": jwt.encode({}, API_SECRET, algorithm="HS256")})
    assert response.status_code == 200, response.content
    assert [r["engine"] for r in response.json()["triggered_rules"]] == ["automod_toxicity_config"]


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server installed")
def test_the_jobs_bench_runs_its_own_redis_and_stops_it():
    import socket

    import redis

    from bench.cluster import _port_in_use, throwaway_redis

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with throwaway_redis(port) as url:
        assert url == f"redis://127.0.0.1:{port}/0"
        assert redis.Redis.from_url(url).ping()
    assert not _port_in_use(port)
