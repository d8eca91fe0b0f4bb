"""Start a real `celery worker` against the database and broker this process uses (integration tests, bench).

The worker gets the test database's own name (pytest-django's `test_...` database, or its SQLite file), the
broker in use (Redis when CELERY_BROKER_URL says so, as in CI; else the embedded broker, a private redis-server
on a socket in the test's folder, as `make run` starts one) and a queue of its own, so parallel runs sharing one
Redis never take each other's messages.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@contextlib.contextmanager
def shared_broker(var_dir: str) -> Iterator[dict[str, str]]:
    """Point this process's Celery (not eager) at the broker and queue a worker will use; yields its env."""
    from django.conf import settings

    from moderation_site import broker as embedded
    from moderation_site.celery import app

    broker = os.environ.get("CELERY_BROKER_URL") or embedded.embedded_url(var_dir)
    options: dict = {}
    server = None
    if embedded.is_embedded(broker):
        server = embedded.start(broker, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not embedded.wait_ready(broker, server):
            server.kill()
            raise RuntimeError(f"the embedded redis-server did not start on {broker}")
    queue = f"jobs-{os.getpid()}-{time.monotonic_ns()}"
    saved = {name: getattr(settings, name, None) for name in
             ("CELERY_BROKER_URL", "CELERY_BROKER_TRANSPORT_OPTIONS", "CELERY_TASK_ALWAYS_EAGER")}
    saved_conf = {k: app.conf[k] for k in ("broker_url", "broker_transport_options", "task_always_eager",
                                           "task_default_queue")}
    settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS = broker, options
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(broker_url=broker, broker_transport_options=options, task_always_eager=False,
                    task_default_queue=queue)
    _drop_pools(app)
    try:
        yield {"CELERY_BROKER_URL": broker, "VAR_DIR": var_dir, "CELERY_QUEUE": queue}
    finally:
        for name, value in saved.items():
            setattr(settings, name, value)
        app.conf.update(saved_conf)
        _drop_pools(app)
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _drop_pools(app) -> None:
    # Celery keeps the connection and producer pools made at first use (even eager calls make them), bound to
    # the broker options of that moment: forget them so the next send connects with the options now in force.
    app._pool = None
    app.amqp._producer_pool = None
    app.amqp.__dict__.pop("queues", None)


def start_worker(env: dict[str, str], log_path: str, include: str = "", **extra: str) -> subprocess.Popen:
    """`include`: a module of extra tasks for the worker to load (e.g. tests.jobs.probe)."""
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "moderation_site.settings.local", "DEBUG": "false",
            "MODERATION_WEBHOOK_ALLOW_PRIVATE": "true", "DATABASE_URL": database_url(), "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "WARNING", **env, **extra}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "moderation_site", "worker", "-c", "2", "--loglevel", "INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", env["CELERY_QUEUE"],
         "-n", f"jobs-{os.getpid()}-{time.monotonic_ns()}@%h", *(["--include", include] if include else [])],
        cwd=ROOT, env=full, stdout=subprocess.DEVNULL, stderr=open(log_path, "ab"), start_new_session=True,
    )


def stop_worker(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop the worker and every process it started (it leads its own process group)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # pool children left behind by a SIGKILLed parent


def wait_until(predicate, timeout: float, what: str, log_path: str | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    tail = Path(log_path).read_text()[-3000:] if log_path and os.path.exists(log_path) else ""
    raise AssertionError(f"timed out waiting for {what}\n--- worker log ---\n{tail}")
