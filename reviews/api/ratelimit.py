"""Per-caller request limits, counted in Django's cache so every web process shares them (Redis in
production; locmem only for a single local process and tests).

Fixed one-minute windows: simple, one atomic INCR per request, and the reset time the SDK reads from
`X-RateLimit-Reset` is exact.

With a Redis cache (production) the count goes to that Redis through one client per process, in one round trip
(SET NX EX + INCR in a MULTI). Through Django's cache API it took three round trips, each on a redis-py client
built for the call: ~0.5 ms of CPU a request, more than the whole `check` engine. Other caches (locmem: one local
process, tests) go through Django's cache API.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from reviews.errors import ModerationError


@dataclass(frozen=True)
class Window:
    limit: int
    remaining: int
    reset: int  # unix seconds when the window ends


def _limits() -> tuple[int, int]:
    return (int(getattr(settings, "MODERATION_API_RATE_LIMIT", 10_000)),
            int(getattr(settings, "MODERATION_API_RATE_WINDOW", 60)))


REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
_clients: dict[str, object] = {}
_clients_lock = threading.Lock()


def _redis_location() -> str | None:
    """The Redis that Django's default cache writes to, when it is a Redis cache."""
    config = settings.CACHES.get("default", {})
    if config.get("BACKEND") != REDIS_CACHE:
        return None
    location = config.get("LOCATION")
    servers = re.split("[;,]", location) if isinstance(location, str) else list(location or [])
    return servers[0] if servers else None


def _redis(location: str):
    client = _clients.get(location)
    if client is None:
        import redis

        with _clients_lock:
            client = _clients.get(location) or redis.Redis.from_url(location)
            _clients[location] = client
    return client


def _incr(key: str, ttl: int) -> int:
    location = _redis_location()
    if location:
        pipe = _redis(location).pipeline(transaction=True)
        pipe.set(key, 0, ex=ttl, nx=True)
        pipe.incr(key)
        return int(pipe.execute()[1])
    cache.add(key, 0, timeout=ttl)
    try:
        return cache.incr(key)
    except ValueError:
        # The key expired between add and incr: this request opens the next window.
        cache.set(key, 1, timeout=ttl)
        return 1


def hit(request: HttpRequest, bucket: str) -> Window:
    """Count one request for `bucket`; raise 429 (and remember Retry-After) when over the limit."""
    limit, window = _limits()
    now = time.time()
    start = int(now // window * window)
    reset = start + window
    count = _incr(f"api-rl:{bucket}:{start}", window + 5)
    state = Window(limit=limit, remaining=max(limit - count, 0), reset=reset)
    request._rate_window = state  # type: ignore[attr-defined]
    if count > limit:
        request._retry_after = max(math.ceil(reset - now), 1)  # type: ignore[attr-defined]
        raise ModerationError(
            f"too many requests: at most {limit} every {window} seconds for this caller; "
            f"retry in {request._retry_after} s",  # type: ignore[attr-defined]
            kind=ModerationError.RATE_LIMITED,
        )
    return state


def add_headers(request: HttpRequest, response: HttpResponse) -> None:
    state: Window | None = getattr(request, "_rate_window", None)
    if state is None:
        return
    response["X-RateLimit-Limit"] = str(state.limit)
    response["X-RateLimit-Remaining"] = str(state.remaining)
    response["X-RateLimit-Reset"] = str(state.reset)
    retry_after = getattr(request, "_retry_after", None)
    if response.status_code == 429 and retry_after is not None:
        response["Retry-After"] = str(retry_after)
