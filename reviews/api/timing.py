"""Per-request timing for the `duration` field every response carries (Stream's SDK requires it)."""

from __future__ import annotations

import time

from django.http import HttpRequest


def start(request: HttpRequest) -> None:
    request._api_t0 = time.perf_counter()  # type: ignore[attr-defined]


def duration_of(request: HttpRequest | None) -> str:
    t0 = getattr(request, "_api_t0", None)
    elapsed = (time.perf_counter() - t0) * 1000 if t0 is not None else 0.0
    return f"{elapsed:.2f}ms"
