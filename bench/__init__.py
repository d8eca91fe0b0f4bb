"""Benchmarks at scale (`make bench`, `make bench SCALE=small`). See README.md "Benchmarks" and RESULTS.md.

Every benchmark module exposes `main(scale: str) -> list[dict]` and is called by `python -m bench` after
`django.setup()` (settings `bench.settings`), with the throwaway cluster loaded: database alias `default` holds
the largest tier (1M queue items at full scale), `USERS` users `u1`..`u<N>`, `BANS` bans (10 % expired) and the
accounts below; `os.environ["DATABASE_URL"]` points at it for modules that start their own processes.
A module returns rows shaped like `row(...)` below; the harness prints them and writes RESULTS.md.
"""

from __future__ import annotations

import gc
import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scale:
    tiers: list[tuple[str, int]]  # (database alias, queue items); the last is `default`, the largest
    users: int
    bans: int
    deep_pages: int  # how many 50-row pages deep the "deep" cursor is walked
    rounds: int  # interleaved measurement rounds for in-process figures
    admin_rounds: int  # rounds that also time the Django admin changelist (it is much slower)
    load_seconds: int  # duration of each HTTP load-generator run
    extra: dict = field(default_factory=dict)


SCALES: dict[str, Scale] = {
    "full": Scale(
        tiers=[("t10k", 10_000), ("t100k", 100_000), ("default", 1_000_000)],
        users=100_000, bans=1_000_000, deep_pages=1000, rounds=100, admin_rounds=15, load_seconds=15,
    ),
    # CI smoke test: the same code paths on small data with few iterations; no thresholds.
    "small": Scale(
        tiers=[("t1k", 1_000), ("default", 5_000)],
        users=2_000, bans=20_000, deep_pages=10, rounds=8, admin_rounds=2, load_seconds=2,
    ),
}

# Accounts present in every tier database.
VIEWER = "bench-moderator"
ADMIN = "bench-admin"
# Shared by the in-process settings and the gunicorn servers, so a session made in-process is valid over HTTP.
SECRET_KEY = "bench-secret-key-only-for-a-throwaway-cluster-0123456789"
API_KEY, API_SECRET = "bench-key", "bench-secret-only-for-a-throwaway-cluster"


def row(figure: str, value: str, target: str = "", met: bool | None = None, notes: str = "") -> dict:
    """One line of the results table. `met` is None when the figure has no target or was not measured."""
    return {"figure": figure, "value": value, "target": target, "met": met, "notes": notes}


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: the p95 is a latency some request really had)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def human(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else (
        f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n))


def settle_heap() -> None:
    """What a served process does once it has loaded (moderation_site/wsgi.py): collect, then freeze what exists,
    so the garbage collector does not walk the start-up heap (here: the data and probes set up for the run) on
    every collection. Call it after set-up and warm-up, before timing."""
    gc.collect()
    gc.freeze()
