"""The review queue at 10k / 100k / 1M items: our HTMX rows partial, the Django admin changelist for the same
model with the same filters, `query_review_queue` through the API, and the partial over gunicorn.

In-process figures are server time through Django's test Client (full middleware stack, DEBUG off), measured in
rounds: each round times every (tier, filter, depth) once in shuffled order, so the 10k, 100k and 1M figures and
the admin comparison share the same moments of this shared machine's noise. Deep cursors are found by walking
the dashboard's own "load more" links page by page, so the benchmark follows whatever the view emits.
"""

from __future__ import annotations

import cProfile
import html
import io
import json
import pstats
import random
import re
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import jwt
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from bench import ADMIN, API_KEY, API_SECRET, SCALES, VIEWER, human, ms, percentile, row, settle_heap
from bench.load import run_load
from bench.router import using_tier
from bench.server import DOCUMENTED_THREADS, DOCUMENTED_WORKERS, gunicorn
from reviews.selectors.queue import queue_filter, queue_page

PAGE_TARGET_S = 0.015
FLATNESS_TARGET = 1.2
ADMIN_RATIO_TARGET = 40
GUNICORN_TARGET_RPS = 400

# The dashboard's GET parameters, and the admin changelist's equivalents for the same rows.
FILTERS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "status=pending": ({"status": "pending"}, {"status__exact": "pending"}),
    "pending + severity>=high": ({"status": "pending", "severity_min": "high"},
                                 {"status__exact": "pending", "severity__gte": "75"}),
    "pending + entity_type=user": ({"status": "pending", "entity_type": "stream:user"},
                                   {"status__exact": "pending", "entity_type__exact": "stream:user"}),
}
API_FILTERS: dict[str, dict] = {
    "status=pending": {"status": "pending"},
    "pending + entity_type=user": {"status": "pending", "entity_type": "stream:user"},
}
HX = {"HX-Request": "true"}
API_PATH = "/api/v2/moderation/review_queue"
_NEXT = re.compile(r"[?&;]next=([^\"&'\s]+)")


@dataclass
class Probe:
    kind: str  # page | admin | api
    alias: str
    filter: str
    depth: str
    call: Callable[[], object]
    samples: list[float] = field(default_factory=list)
    queries: int = 0
    sql_s: float = 0.0
    sql: list[str] = field(default_factory=list)

    def run(self) -> float:
        with using_tier(self.alias):
            started = time.perf_counter()
            response = self.call()
            elapsed = time.perf_counter() - started
        status = getattr(response, "status_code", 0)
        if status != 200:
            raise RuntimeError(f"{self.kind} {self.filter} {self.depth} on {self.alias}: HTTP {status}")
        return elapsed

    def inspect(self) -> object:
        """One request with its queries captured: how many, how long in SQL, and their text for EXPLAIN."""
        conn = connections[self.alias]
        with using_tier(self.alias), CaptureQueriesContext(conn) as ctx:
            response = self.call()
        self.queries = len(ctx.captured_queries)
        self.sql_s = sum(float(q["time"]) for q in ctx.captured_queries)
        self.sql = [q["sql"] for q in ctx.captured_queries]
        return response


def _next_cursor(body: str) -> str | None:
    match = _NEXT.search(html.unescape(body))
    return match.group(1) if match else None


def _page_url(params: dict[str, str], cursor: str | None) -> str:
    query = urlencode(params) + (f"&next={cursor}" if cursor else "")
    return f"/queue/?{query}"


def _walk_dashboard(client: Client, alias: str, params: dict[str, str], pages: int) -> list[tuple[int, str]]:
    """[(page number, cursor to request it)] for page 2 and the deepest page reached within `pages` pages.

    Page 2's cursor comes from the dashboard's own "load more" link; deeper cursors are walked page by page
    through the same selector the view uses (fast, no rendering), and the last one is checked against the view."""
    with using_tier(alias):
        body = client.get(_page_url(params, None)).content.decode()
        cursor = _next_cursor(body)
        if cursor is None:
            return []
        found = [(2, cursor)]
        page = 2
        filterset = queue_filter(params)
        filterset.is_valid()
        while page <= pages:
            following = queue_page(filterset=filterset, limit=50, next_cursor=cursor).next
            if following is None:
                break
            cursor, page = following, page + 1
        if page > 2:
            response = client.get(_page_url(params, cursor), headers=HX)
            if response.status_code != 200:
                raise RuntimeError(f"the view refused the selector's cursor: HTTP {response.status_code}")
            found.append((page, cursor))
    return found


def _api_available(alias: str) -> bool:
    """The route exists and answers (the API is built by another issue; until it lands the row says so)."""
    try:
        resolve(API_PATH)
    except Resolver404:
        return False
    with using_tier(alias):
        response = _api_call(Client(), {"filter": {"status": "pending"}, "limit": 1})()
    return response.status_code == 200


def _api_call(client: Client, body: dict) -> Callable[[], object]:
    token = jwt.encode({}, API_SECRET, algorithm="HS256")
    payload = json.dumps(body)

    def call():
        return client.post(f"{API_PATH}?api_key={API_KEY}", data=payload, content_type="application/json",
                           headers={"Authorization": token, "stream-auth-type": "jwt"})

    return call


def _walk_api(client: Client, alias: str, flt: dict, pages: int) -> list[tuple[int, str | None]]:
    found: list[tuple[int, str | None]] = [(1, None)]
    cursor, page = None, 1
    with using_tier(alias):
        while page <= pages:
            body = {"filter": flt, "sort": [{"field": "created_at", "direction": -1}], "limit": 50}
            if cursor:
                body["next"] = cursor
            data = json.loads(_api_call(client, body)().content)
            following = data.get("next")
            if not following:
                break
            cursor, page = following, page + 1
    if page > 1:
        found.append((page, cursor))
    return found


def build_probes(scale_name: str) -> tuple[list[Probe], list[str]]:
    scale = SCALES[scale_name]
    probes: list[Probe] = []
    notes: list[str] = []
    api = _api_available(scale.tiers[0][0])
    if not api:
        notes.append("API route missing")
    for alias, _items in scale.tiers:
        viewer, admin, api_client = Client(), Client(), Client()
        with using_tier(alias):
            from django.contrib.auth.models import User

            viewer.force_login(User.objects.get(username=VIEWER))
            admin.force_login(User.objects.get(username=ADMIN))
        for name, (params, admin_params) in FILTERS.items():
            for page, cursor in _walk_dashboard(viewer, alias, params, scale.deep_pages):
                depth = f"page {page}"
                url = _page_url(params, cursor)
                probes.append(Probe("page", alias, name, depth,
                                    lambda c=viewer, u=url: c.get(u, headers=HX)))
                admin_url = "/admin/reviews/reviewqueueitem/?" + urlencode({**admin_params, "p": page})
                probes.append(Probe("admin", alias, name, depth, lambda c=admin, u=admin_url: c.get(u)))
        if api:
            for name, flt in API_FILTERS.items():
                for page, cursor in _walk_api(api_client, alias, flt, scale.deep_pages):
                    body = {"filter": flt, "sort": [{"field": "created_at", "direction": -1}], "limit": 50}
                    if cursor:
                        body["next"] = cursor
                    probes.append(Probe("api", alias, name, f"page {page}", _api_call(api_client, body)))
    return probes, notes


def measure(probes: list[Probe], rounds: int, admin_rounds: int) -> None:
    for probe in probes:  # warm caches and check every request answers 200
        for _ in range(2):
            probe.run()
        probe.inspect()
    settle_heap()
    admin_every = max(1, rounds // max(1, admin_rounds))
    for r in range(rounds):
        order = [p for p in probes if p.kind != "admin" or r % admin_every == 0]
        random.Random(r).shuffle(order)
        for probe in order:
            probe.samples.append(probe.run())


def _stat(samples: list[float]) -> str:
    return f"p50 {ms(percentile(samples, 50))} / p95 {ms(percentile(samples, 95))}"


def _depth_kind(depth: str) -> str:
    return "page 2" if depth == "page 2" or depth == "page 1" else "deep"


def summarise(probes: list[Probe], scale_name: str) -> list[dict]:
    scale = SCALES[scale_name]
    aliases = [a for a, _ in scale.tiers]
    label = {a: human(n) for a, n in scale.tiers}
    top, bottom = aliases[-1], aliases[0]
    rows: list[dict] = []
    index = {(p.kind, p.alias, p.filter, _depth_kind(p.depth)): p for p in probes}

    for kind, title in (("page", "queue partial (HTMX rows)"), ("api", "query_review_queue (API)")):
        filters = FILTERS if kind == "page" else API_FILTERS
        for name in filters:
            for depth in ("page 2", "deep"):
                present = [index.get((kind, a, name, depth)) for a in aliases]
                if not any(present):
                    continue
                parts = [f"{label[p.alias]} ({p.depth}): {_stat(p.samples)}" for p in present if p]
                topp, botp = index.get((kind, top, name, depth)), index.get((kind, bottom, name, depth))
                met, notes = None, []
                if topp:
                    p95 = percentile(topp.samples, 95)
                    flat = percentile(topp.samples, 50) / percentile(botp.samples, 50) if botp else float("nan")
                    notes.append(f"{label[top]}÷{label[bottom]} p50 {flat:.2f}x, p95 "
                                 f"{p95 / percentile(botp.samples, 95):.2f}x" if botp else "")
                    notes.append(f"{topp.queries} queries, {ms(topp.sql_s)} in SQL at {label[top]}")
                    met = p95 <= PAGE_TARGET_S and (flat <= FLATNESS_TARGET or kind == "api")
                target = (f"p95 <= 15 ms at 1M; 1M÷10k <= {FLATNESS_TARGET}" if kind == "page"
                          else "p95 <= 15 ms at 1M, flat")
                rows.append(row(f"{title}, {name}, {depth}", "; ".join(parts), target,
                                met if scale_name == "full" else None, "; ".join(n for n in notes if n)))

    for name in FILTERS:
        for depth in ("page 2", "deep"):
            ours = [index.get(("page", a, name, depth)) for a in aliases]
            theirs = [index.get(("admin", a, name, depth)) for a in aliases]
            if not any(theirs):
                continue
            parts, ratios = [], {}
            for o, t in zip(ours, theirs, strict=True):
                if o and t and t.samples:
                    ratios[o.alias] = percentile(t.samples, 50) / percentile(o.samples, 50)
                    parts.append(f"{label[t.alias]}: {_stat(t.samples)} ({ratios[o.alias]:.0f}x ours)")
            ratio = ratios.get(top)
            topt = index.get(("admin", top, name, depth))
            rows.append(row(
                f"Django admin changelist, {name}, {depth}", "; ".join(parts), ">= 40x slower than ours at 1M",
                (ratio is not None and ratio >= ADMIN_RATIO_TARGET) if scale_name == "full" else None,
                f"ratio of medians, interleaved; {len(topt.samples)} admin samples, {topt.queries} queries, "
                f"{ms(topt.sql_s)} in SQL at {label[top]}" if topt else ""))
    return rows


def explain(probes: list[Probe], scale_name: str) -> str:
    """EXPLAIN ANALYZE of the keyset query (and the admin's costliest query) for the deep pages at the top tier."""
    top = SCALES[scale_name].tiers[-1][0]
    out = []
    for probe in probes:
        if probe.alias != top or _depth_kind(probe.depth) != "deep" or probe.kind == "api":
            continue
        candidates = [s for s in probe.sql if "reviews_reviewqueueitem" in s and s.lstrip().startswith("SELECT")]
        if not candidates:
            continue
        sql = candidates[0] if probe.kind == "page" else max(candidates, key=len)
        with using_tier(top), connections[top].cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(r[0] for r in cur.fetchall())
        out.append(f"-- {probe.kind}: {probe.filter}, {probe.depth}\n{sql}\n\n{plan}\n")
    return "\n".join(out)


def profile(probes: list[Probe], scale_name: str, requests: int = 100) -> str:
    """Where the time of the deep status=pending partial goes at the top tier (cProfile, cumulative)."""
    top = SCALES[scale_name].tiers[-1][0]
    probe = next((p for p in probes if p.kind == "page" and p.alias == top and p.filter == "status=pending"
                  and _depth_kind(p.depth) == "deep"), None)
    if probe is None:
        return ""
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(requests):
        probe.run()
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(30)
    return f"{requests} requests of the {probe.filter} partial, {probe.depth}:\n" + buf.getvalue().split(
        "\n", 4)[-1]


def gunicorn_rows(scale_name: str) -> list[dict]:
    """The partial over gunicorn (production settings, documented worker flags) with a load generator."""
    scale = SCALES[scale_name]
    from django.contrib.auth.models import User

    client = Client()
    with using_tier("default"):
        client.force_login(User.objects.get(username=VIEWER))
        params = FILTERS["status=pending"][0]
        walked = _walk_dashboard(client, "default", params, scale.deep_pages)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    headers = {"Cookie": cookie, "HX-Request": "true", "Connection": "keep-alive"}
    top = human(scale.tiers[-1][1])
    rows = []
    as_documented = (DOCUMENTED_WORKERS, DOCUMENTED_THREADS, True)  # README: one worker per core
    configs = [as_documented, (4, 4, False)] if scale_name == "full" else [as_documented]
    for workers, threads, documented in configs:
        with gunicorn(workers=workers, threads=threads) as server:
            # Unmeasured: every worker's first requests open its pooled connections and fill its caches; a
            # served dashboard is warm, and a cold start would count as the figure's tail.
            run_load(server.base + _page_url(params, walked[0][1]), headers=headers, seconds=1, connections=16)
            for page, cursor in walked:
                url = server.base + _page_url(params, cursor)
                size = _check_served(url, headers)
                result = run_load(url, headers=headers, seconds=scale.load_seconds, connections=16)
                # Every response must be the full rows partial, not an error page or a redirect.
                whole = not result.bytes_per_response or result.bytes_per_response >= 0.95 * size
                met = result.rps >= GUNICORN_TARGET_RPS and result.bad == 0 and whole
                rows.append(row(
                    f"queue partial over gunicorn at {top}, status=pending, page {page}, "
                    f"--workers {workers} --threads {threads}" + (" (as documented)" if documented else ""),
                    result.summary(), ">= 400 req/s", met if scale_name == "full" else None,
                    f"load generator on the same 2 cores; the partial is {size / 1024:.1f} KiB"
                    + ("" if whole else "; RESPONSES SHORTER THAN THE PARTIAL: figure not valid")))
    return rows


def _check_served(url: str, headers: dict[str, str]) -> int:
    """A login redirect would be fast and wrong: the load test only counts if this URL really serves rows."""
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        resp = opener.open(request, timeout=10)
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"{url} answered HTTP {exc.code} (Location: {exc.headers.get('Location')})") from exc
    with resp:
        body = resp.read().decode()
        if resp.status != 200 or "<html" in body.lower():
            raise RuntimeError(f"{url} did not serve the rows partial (HTTP {resp.status})")
        return len(body.encode())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main(scale: str) -> list[dict]:
    spec = SCALES[scale]
    probes, notes = build_probes(scale)
    measure(probes, spec.rounds, spec.admin_rounds)
    rows = summarise(probes, scale)
    if "API route missing" in notes:
        rows.append(row("query_review_queue (API)", "not yet measured (module missing: reviews/api routes)",
                        "p95 <= 15 ms at 1M, flat"))
    rows.append({"appendix": "EXPLAIN ANALYZE, deep pages at the largest tier", "text": explain(probes, scale)})
    rows.append({"appendix": "Profile of the deep partial at the largest tier", "text": profile(probes, scale)})
    try:
        rows.extend(gunicorn_rows(scale))
    except Exception as exc:  # noqa: BLE001 - keep the in-process figures when the HTTP run cannot start
        traceback.print_exc()
        rows.append(row("queue partial over gunicorn", f"FAILED: {type(exc).__name__}: {str(exc)[:300]}",
                        ">= 400 req/s", False))
    return rows
