"""Webhook relay: outbox events -> one delivery per interested endpoint -> signed POSTs with retries.

Each POST body is the event JSON; `X-Signature` is the lowercase hex HMAC-SHA256 of the raw body keyed with
the API secret, exactly what the SDK's `verify_webhook_signature` checks. Which secret, when several API keys
are active: the MODERATION_API_KEY's if that key is active, else the oldest active key (docs/api.md).

Delivery is at least once. A relay run claims due deliveries under SKIP LOCKED with a lease (so concurrent
runs never POST the same delivery, and a run that dies mid-POST is retried when the lease ends), POSTs them
over a few keep-alive connections per endpoint, and records the outcome; failures back off exponentially
(2 s, 4 s, ... capped at an hour) for MAX_ATTEMPTS tries, about a day, then the delivery is `failed` and can
be redelivered from admin. Events wait in the outbox while the broker is down (beat relays every few
seconds once it is back) and deliveries wait while a receiver is down.

Commits kick a relay run (`kick`), deduplicated by a gate: at most one run is queued at a time, and a run
opens the gate as it starts, so an event committed during a run either is seen by it or queues the next.

Targets on private, loopback, link-local or otherwise non-global addresses are refused (SSRF) unless
MODERATION_WEBHOOK_ALLOW_PRIVATE is set (on under DEBUG, so `make run` reaches a receiver on 127.0.0.1).
The address is checked after resolution and the connection goes to that checked address, so a name that
re-resolves elsewhere between check and connect (DNS rebinding) does not get through.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import cache
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from reviews import net
from reviews.models import ApiKey, OutboxEvent, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 30
BACKOFF_CAP_SECONDS = 3600
TIMEOUT_SECONDS = 5
LEASE_SECONDS = 60
CLAIM_BATCH = 200
LANES = 4  # parallel keep-alive connections per endpoint in one relay run
# A kept connection unused this long is closed before the next run (receivers drop idle ones anyway; a POST on
# one they dropped is retried once on a fresh connection without counting an attempt).
KEEPALIVE_SECONDS = 30
FAN_OUT_BATCH = 500
# A run hands over to a fresh one after this long, so one busy endpoint cannot hold a worker slot for ever.
RUN_SECONDS = 50
USER_AGENT = "moderation-service-webhooks"


# --- signing -------------------------------------------------------------------------------------------


def sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signing_key() -> ApiKey | None:
    """The key whose secret signs webhooks: MODERATION_API_KEY's when it is active (the app the operator
    configured), else the oldest active key, so adding a key for rotation does not change the signature
    until the old key is deactivated."""
    active = ApiKey.objects.filter(active=True)
    if settings.MODERATION_API_KEY:
        configured = active.filter(key=settings.MODERATION_API_KEY).first()
        if configured is not None:
            return configured
    return active.order_by("created_at", "id").first()


def signing_secret() -> str | None:
    key = signing_key()
    return key.secret if key else None


# --- SSRF guard: reviews/net.py (shared with update_app and the image proxy) ------------------------------

UnsafeTarget = net.UnsafeTarget
_allowed_address = net.address_allowed


def resolve_target(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, checked address) for `url`; raises UnsafeTarget (see reviews/net.py)."""
    target = net.resolve(url)
    return target.scheme, target.host, target.port, target.address


# --- HTTP (urllib3) -----------------------------------------------------------------------------------

Pool = urllib3.HTTPConnectionPool
# (endpoint url, lane) -> (pool, checked address, last used): the keep-alive connections a worker process keeps
# between relay runs, one per lane, so a steady trickle of events does not open new connections for every run.
Kept = dict[tuple[str, int], tuple[Pool, str, float]]
_kept: Kept = {}
_kept_pid = os.getpid()
_kept_lock = threading.Lock()


def _open_pool(url: str) -> tuple[Pool, str]:
    """A one-connection pool to the address `url`'s host passed the SSRF check at (never re-resolved), with
    the name in the Host header and, for https, in SNI and the certificate check."""
    scheme, host, port, address = resolve_target(url)
    name = f"[{host}]" if ":" in host else host
    options = {"port": port, "maxsize": 1, "retries": False, "timeout": urllib3.Timeout(TIMEOUT_SECONDS),
               "headers": {"Host": name if port == (443 if scheme == "https" else 80) else f"{name}:{port}"}}
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(address, cert_reqs="CERT_REQUIRED", server_hostname=host,
                                           assert_hostname=host, **options), address
    return urllib3.HTTPConnectionPool(address, **options), address


def _post(pool: Pool, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    headers = {**pool.headers, **headers}
    for attempt in (1, 2):
        opened = pool.num_connections
        try:
            response = pool.urlopen("POST", path, body=body, headers=headers, redirect=False)
            return response.status, response.data
        except urllib3.exceptions.ProtocolError:
            # The receiver closed a kept connection as it was used: one fresh try, not a failed delivery.
            if pool.num_connections != opened or attempt == 2:
                raise
    raise AssertionError("unreachable")


def _error_text(exc: BaseException) -> str:
    """The underlying error (ConnectionRefusedError, RemoteDisconnected, ...) rather than urllib3's wrapper."""
    while isinstance(exc, urllib3.exceptions.HTTPError):
        inner = exc.__cause__ or next((a for a in exc.args if isinstance(a, BaseException)), None)
        if inner is None:
            break
        exc = inner
    return f"{type(exc).__name__}: {exc}"


@contextlib.contextmanager
def _connections() -> Iterator[Kept]:
    """The pools for one run: the process's kept ones, minus those idle longer than KEEPALIVE_SECONDS or whose
    address the SSRF check no longer allows. A second run in the same process at the same time (a threaded
    worker) gets its own, closed when it ends."""
    global _kept, _kept_pid
    if not _kept_lock.acquire(blocking=False):
        own: Kept = {}
        try:
            yield own
        finally:
            for pool, _, _ in own.values():
                pool.close()
        return
    try:
        if _kept_pid != os.getpid():  # a forked child: its parent's sockets are not its own
            _kept, _kept_pid = {}, os.getpid()
        now = time.monotonic()
        for key, (pool, address, used) in list(_kept.items()):
            if now - used > KEEPALIVE_SECONDS or not _allowed_address(address):
                pool.close()
                del _kept[key]
        yield _kept
    finally:
        _kept_lock.release()


# --- relay ---------------------------------------------------------------------------------------------


def _insert_deliveries(endpoint: WebhookEndpoint, event_ids: list[int], now) -> None:
    """One INSERT ... SELECT: the delivery rows are made by the database, not built as model instances."""
    marks = ", ".join(["%s"] * len(event_ids))
    now = connection.ops.adapt_datetimefield_value(now)  # as the ORM stores it (SQLite compares text)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {WebhookDelivery._meta.db_table} (event_id, endpoint_id, status, attempts, "
            f"next_attempt_at, last_error, created_at) SELECT id, %s, %s, 0, %s, '', %s "
            f"FROM {OutboxEvent._meta.db_table} WHERE id IN ({marks}) ON CONFLICT (event_id, endpoint_id) DO NOTHING",
            [endpoint.pk, WebhookDelivery.Status.PENDING, now, now, *event_ids],
        )


def fan_out(batch_size: int = FAN_OUT_BATCH) -> int:
    """Create deliveries for committed events not yet relayed; returns how many events were relayed.
    Events are taken under SKIP LOCKED, so concurrent runs split them; an endpoint added later receives
    only events recorded after its first relay. A batch is three statements plus one per endpoint."""
    relayed = 0
    while True:
        with transaction.atomic():
            events = list(
                OutboxEvent.objects.select_for_update(skip_locked=True)
                .filter(relayed_at__isnull=True)
                .order_by("id")
                .values_list("id", "type")[:batch_size]
            )
            if not events:
                return relayed
            now = timezone.now()
            for endpoint in WebhookEndpoint.objects.filter(active=True):
                wanted = [pk for pk, event_type in events if endpoint.wants(event_type)]
                if wanted:
                    _insert_deliveries(endpoint, wanted, now)
            OutboxEvent.objects.filter(pk__in=[pk for pk, _ in events]).update(relayed_at=now)
            relayed += len(events)
            if len(events) < batch_size:
                return relayed


def claim_due(limit: int = CLAIM_BATCH) -> list[WebhookDelivery]:
    """Take up to `limit` due deliveries to active endpoints, pushing their next attempt a lease ahead, so no
    other run takes them meanwhile and a run that dies leaves them to be retried. Two statements: the locking
    read (values, not model rows) and the lease; the deliveries come back with their event and endpoint."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now, endpoint__active=True)
            .order_by("next_attempt_at", "id")
            .values_list("id", "attempts", "endpoint_id", "event_id", "event__payload")[:limit]
        )
        if not rows:
            return []
        WebhookDelivery.objects.filter(pk__in=[r[0] for r in rows]).update(
            next_attempt_at=now + timedelta(seconds=LEASE_SECONDS)
        )
    endpoints = WebhookEndpoint.objects.in_bulk({r[2] for r in rows})
    due = []
    for pk, attempts, endpoint_id, event_id, payload in rows:
        d = WebhookDelivery(id=pk, attempts=attempts, endpoint_id=endpoint_id, event_id=event_id)
        d.endpoint = endpoints[endpoint_id]
        d.event = OutboxEvent(id=event_id, payload=payload)
        due.append(d)
    return due


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, BACKOFF_CAP_SECONDS))


def _path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _body(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.event.payload, separators=(",", ":")).encode()


def deliver_batch(deliveries: list[WebhookDelivery], key: ApiKey, kept: Kept,
                  threads: ThreadPoolExecutor | None = None) -> int:
    """POST each delivery and record the outcomes; returns how many were delivered.

    An endpoint's deliveries are spread over up to LANES keep-alive connections POSTing in parallel, so one
    receiver's latency does not cap throughput at one request per round trip (order between events is not
    guaranteed, as with Stream). After a connection-level failure the endpoint's remaining deliveries in this
    batch are deferred untried (no attempt counted). Threads only do HTTP; the database is written here."""
    lanes: dict[tuple[int, int], list[WebhookDelivery]] = {}
    per_endpoint: dict[int, int] = {}
    for d in deliveries:
        n = per_endpoint[d.endpoint_id] = per_endpoint.get(d.endpoint_id, -1) + 1
        lanes.setdefault((d.endpoint_id, n % LANES), []).append(d)
    down: dict[int, tuple[str, timedelta]] = {}  # endpoint id -> (error, delay)

    def run_lane(lane: tuple[int, int]) -> list[tuple[WebhookDelivery, str, int | None]]:
        outcomes = []
        for d in lanes[lane]:
            if d.endpoint_id in down:
                outcomes.append((d, "deferred", None))
                continue
            body = _body(d)
            headers = {"Content-Type": "application/json", "X-Signature": sign(body, key.secret),
                       "X-Api-Key": key.key, "X-Webhook-Id": str(d.pk), "X-Webhook-Attempt": str(d.attempts + 1),
                       "User-Agent": USER_AGENT}
            slot = (d.endpoint.url, lane[1])
            try:
                pool, address, _ = kept.get(slot) or (*_open_pool(d.endpoint.url), 0)
                kept[slot] = (pool, address, time.monotonic())
                status, response = _post(pool, _path(d.endpoint.url), body, headers)
            except (UnsafeTarget, OSError, http.client.HTTPException, urllib3.exceptions.HTTPError) as exc:
                d.last_error, d.last_status_code = _error_text(exc)[:2000], None
                down.setdefault(d.endpoint_id, (d.last_error, backoff(d.attempts + 1)))
                outcomes.append((d, "failed", None))
                continue
            if 200 <= status < 300:
                outcomes.append((d, "delivered", status))
            else:
                d.last_error = f"HTTP {status}: {response[:500].decode(errors='replace')}"
                d.last_status_code = status
                outcomes.append((d, "failed", status))
        return outcomes

    serial = threads is None or len(lanes) == 1
    results = [run_lane(lane) for lane in lanes] if serial else list(threads.map(run_lane, lanes))
    delivered: dict[int, list[int]] = {}  # status code -> delivery ids
    failed: list[WebhookDelivery] = []
    deferred: list[WebhookDelivery] = []
    for d, outcome, status in (item for lane in results for item in lane):
        if outcome == "delivered":
            delivered.setdefault(status, []).append(d.pk)
        else:
            (failed if outcome == "failed" else deferred).append(d)
    _record_outcomes(delivered, failed, deferred, down)
    return sum(len(ids) for ids in delivered.values())


def _record_outcomes(delivered: dict[int, list[int]], failed: list[WebhookDelivery],
                     deferred: list[WebhookDelivery], down: dict[int, tuple[str, timedelta]]) -> None:
    now = timezone.now()
    with transaction.atomic():
        for status, ids in delivered.items():
            WebhookDelivery.objects.filter(pk__in=ids).update(
                status=WebhookDelivery.Status.DELIVERED, attempts=F("attempts") + 1, delivered_at=now,
                last_error="", last_status_code=status,
            )
        for d in failed:
            d.attempts += 1
            d.next_attempt_at = now + backoff(d.attempts)
            d.status = WebhookDelivery.Status.FAILED if d.attempts >= MAX_ATTEMPTS else WebhookDelivery.Status.PENDING
        # One UPDATE for all failures (each row keeps its own attempts, error and next try) ...
        WebhookDelivery.objects.bulk_update(
            failed, ["attempts", "status", "last_error", "last_status_code", "next_attempt_at"], batch_size=500
        )
        # ... and one per unreachable endpoint for the deliveries it left untried.
        for endpoint_id, (error, delay) in down.items():
            untried = [d.pk for d in deferred if d.endpoint_id == endpoint_id]
            if untried:
                WebhookDelivery.objects.filter(pk__in=untried).update(
                    next_attempt_at=now + delay, last_error=f"not tried: endpoint unreachable ({error})"[:2000]
                )


def relay(*, run_seconds: float = RUN_SECONDS) -> int:
    """Fan out new events and deliver what is due until nothing is left (or `run_seconds` pass, then hand
    over to a fresh run). Returns how many deliveries succeeded."""
    _gate().release()
    key = signing_key()
    sent = 0
    deadline = time.monotonic() + run_seconds
    with _connections() as kept, ThreadPoolExecutor(LANES * 2, thread_name_prefix="webhook") as threads:
        while time.monotonic() < deadline:
            fan_out()
            due = claim_due()
            if not due:
                return sent
            if key is None:
                # Nothing to sign with yet (no active API key): put them back untried.
                WebhookDelivery.objects.filter(pk__in=[d.pk for d in due]).update(
                    next_attempt_at=timezone.now() + timedelta(seconds=30), last_error="no active API key to sign"
                )
                return sent
            sent += deliver_batch(due, key, kept, threads)
    kick()
    return sent


def redeliver(deliveries: QuerySet[WebhookDelivery]) -> int:
    """Queue deliveries again (admin's "redeliver"): pending and due now, with a fresh set of attempts."""
    with transaction.atomic():
        count = deliveries.update(status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now(),
                                  attempts=0, delivered_at=None)
        transaction.on_commit(kick)
    return count


# --- kicking the relay -----------------------------------------------------------------------------------


class _Gate:
    """Lets one kick through until a relay run starts and opens it again; every other kick meanwhile is
    dropped. Entries expire after TTL seconds, so a kick whose message was lost cannot block the relay."""

    TTL = 10

    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass


class _RedisGate(_Gate):
    KEY = "moderation:webhook-relay-kick"

    def __init__(self, url: str) -> None:
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        from moderation_site.broker import redis_client

        # No retries: a broker that is down is handled by kick() at once (redis-py's default retries with
        # backoff cost seconds a commit).
        self.client = redis_client(url, socket_timeout=2, socket_connect_timeout=2, retry=Retry(NoBackoff(), 0))

    def acquire(self) -> bool:
        return bool(self.client.set(self.KEY, b"1", nx=True, ex=self.TTL))

    def release(self) -> None:
        self.client.delete(self.KEY)


@cache
def _gate_for(broker_url: str, eager: bool) -> _Gate:
    if eager:
        return _Gate()  # eager runs relay inline; there is no queue to flood
    if broker_url.startswith(("redis://", "rediss://", "redis+socket://")):  # the last: the embedded broker
        return _RedisGate(broker_url)
    return _Gate()


def _gate() -> _Gate:
    return _gate_for(settings.CELERY_BROKER_URL, bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)))


_unreachable_logged_at = 0.0
_unreachable_until = 0.0
UNREACHABLE_PAUSE = 5.0  # after a failed kick, commits skip the kick this long instead of each trying again


def kick() -> None:
    """Enqueue a relay run unless one is already queued. Never raises: with the broker or Redis down the
    events stay in the outbox and beat's periodic relay sends them once it is back."""
    global _unreachable_logged_at, _unreachable_until
    from reviews.tasks import relay_events_task

    if time.monotonic() < _unreachable_until:
        return
    try:
        gate = _gate()
        if not gate.acquire():
            return
    except Exception as exc:  # noqa: BLE001 - the broker being down must not fail (or stall) a committed write.
        # The gate lives in the broker's own Redis, so an enqueue would fail too, after kombu's retries (seconds
        # a commit): e.g. `manage.py seed_demo` before `serve` has started the embedded broker. One line a minute.
        _unreachable_until = time.monotonic() + UNREACHABLE_PAUSE
        if time.monotonic() - _unreachable_logged_at > 60:
            _unreachable_logged_at = time.monotonic()
            log.warning("webhook relay not kicked: the broker is unreachable (%s); beat relays the outbox once "
                        "it is back", exc)
        return
    try:
        relay_events_task.delay()
    except Exception:  # noqa: BLE001 - as above: beat relays what is left.
        with contextlib.suppress(Exception):
            gate.release()
        if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
            raise
        log.warning("could not enqueue the webhook relay; beat will pick the events up", exc_info=True)
