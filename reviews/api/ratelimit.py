"""Per-caller request limits, counted in Django's cache so every web process shares them (Redis in
production; locmem only for a single local process and tests).

Fixed one-minute windows: simple, one atomic INCR per request, and the reset time the SDK reads from
`X-RateLimit-Reset` is exact. Two kinds of bucket:

- every request, per caller (api key + user, or api key + server): `MODERATION_API_RATE_LIMIT` for server-side
  tokens (the app's backend, default 30,000 a minute), `MODERATION_API_USER_RATE_LIMIT` for user tokens
  (default 600 a minute, 10 a second: more than a client app makes, far less than a script);
- every flag filed by an end user (role `user`), per app and reporter, whichever token carries it and whichever
  route files it: `flag_hit`, default `MODERATION_FLAG_RATE_LIMIT` 30 per `MODERATION_FLAG_RATE_WINDOW` 60 s.
  Every route that creates a flag for an end user calls it before `actions.flag_content`. Staff (moderator,
  admin) and flags without a reporter (automod, server-side) are not counted here.

Over a limit: 429, Stream's code 9, with `Retry-After` and the X-RateLimit-* headers of the limit that was hit.

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
from reviews.models import EndUser


@dataclass(frozen=True)
class Window:
    limit: int
    remaining: int
    reset: int  # unix seconds when the window ends


def _limits(*, server: bool) -> tuple[int, int]:
    name = "MODERATION_API_RATE_LIMIT" if server else "MODERATION_API_USER_RATE_LIMIT"
    return (int(getattr(settings, name, 30_000 if server else 600)),
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


def _count(request: HttpRequest, bucket: str, limit: int, window: int, who: str) -> Window:
    """Count one in `bucket`; over `limit`, raise 429 and leave this window (with Retry-After) for the headers."""
    now = time.time()
    start = int(now // window * window)
    reset = start + window
    count = _incr(f"api-rl:{bucket}:{start}", window + 5)
    state = Window(limit=limit, remaining=max(limit - count, 0), reset=reset)
    if count > limit:
        request._rate_window = state  # type: ignore[attr-defined]
        request._retry_after = max(math.ceil(reset - now), 1)  # type: ignore[attr-defined]
        raise ModerationError(
            f"too many requests: at most {limit} every {window} seconds for {who}; "
            f"retry in {request._retry_after} s",  # type: ignore[attr-defined]
            kind=ModerationError.RATE_LIMITED,
        )
    return state


def hit(request: HttpRequest, bucket: str, *, server: bool = True) -> Window:
    """Count one request for the caller `bucket` (a server-side or a user token); raise 429 over the limit."""
    limit, window = _limits(server=server)
    state = _count(request, bucket, limit, window, "this caller")
    request._rate_window = state  # type: ignore[attr-defined]
    return state


def flag_hit(request: HttpRequest, reporter: EndUser | None) -> None:
    """Count one flag by `reporter` against the per-reporter flag limit (see the module docstring); 429 over it.
    `request.auth` is the API caller (its api key names the app)."""
    if reporter is None or reporter.role != EndUser.Role.USER:
        return
    limit = int(getattr(settings, "MODERATION_FLAG_RATE_LIMIT", 30))
    window = int(getattr(settings, "MODERATION_FLAG_RATE_WINDOW", 60))
    _count(request, f"flag:{request.auth.api_key.key}:{reporter.pk}", limit, window, f"flags by {reporter.pk!r}")


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
