"""Run the web server and a Celery worker with beat together (plus the embedded broker when CELERY_BROKER_URL is
unset), as `make run` does, and keep them running: a child that exits unexpectedly is restarted after a backoff
(1 s doubling to 30 s; back to 1 s once it has run for a minute), logged in one line. Only Ctrl-C or SIGTERM
stops `serve`, and then every process it started (each leads its own process group, so their children go too)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from moderation_site import broker as embedded
from reviews.models import ApiKey

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 30.0
STABLE_AFTER = 60.0  # a child that ran this long starts its backoff afresh when it next exits


@dataclass
class Child:
    name: str
    cmd: list[str]
    ready: object = None  # callable -> bool; the next child starts only once this one is ready
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0  # in all, for the log line
    streak: int = 0  # consecutive quick exits, for the backoff
    restart_at: float | None = None
    extra: dict = field(default_factory=dict)


def describe_exit(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-code).name}"
    return f"exited with {code}"


def backoff(streak: int) -> float:
    return min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, streak - 1))


class Command(BaseCommand):
    help = "Serve the dashboard and API (gunicorn) plus a Celery worker with beat, restarting any that exits."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args, port: int, host: str, web_workers: int, **options):
        python = sys.executable
        bin_dir = os.path.dirname(python)
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.env.setdefault("DJANGO_SETTINGS_MODULE", "moderation_site.settings.local")
        var = str(settings.VAR_DIR)
        broker_url = settings.CELERY_BROKER_URL
        children: list[Child] = []
        if embedded.is_embedded(broker_url):
            # First: the worker and beat connect to it, and it outlives them at shutdown (they requeue
            # unfinished messages there).
            try:
                command = embedded.server_command(broker_url)
            except RuntimeError as exc:  # no binary, or a VAR_DIR too long for a unix socket
                raise CommandError(str(exc)) from exc
            children.append(Child("broker", command, ready=lambda: embedded.ping(broker_url)))
        children += [
            Child("web", [os.path.join(bin_dir, "gunicorn"), "moderation_site.wsgi:application",
                          "--bind", f"{host}:{port}", "--workers", str(web_workers), "--threads", "4",
                          "--access-logfile", "-", "--graceful-timeout", "5", "--preload"]),
            Child("worker", [os.path.join(bin_dir, "celery"), "-A", "moderation_site", "worker", "-B",
                             "--concurrency", "2", "--loglevel", "INFO",
                             "--schedule", os.path.join(var, "celerybeat-schedule")]),
        ]
        self.stopping = False

        def stop(*_):
            self.stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            for child in children:
                self._start(child)
                if child.ready is not None:
                    deadline = time.monotonic() + 30
                    while not self.stopping and not child.ready() and time.monotonic() < deadline:
                        if child.proc.poll() is not None:
                            break  # the loop below restarts it
                        time.sleep(0.05)
            base = f"http://{host}:{port}"
            banner_shown, next_check = False, 0.0
            while not self.stopping:
                now = time.monotonic()
                for child in children:
                    self._supervise(child, now)
                if not banner_shown and now >= next_check:
                    banner_shown = self._healthy(base)
                    if banner_shown:
                        self._banner(base)
                    next_check = now + 0.3
                time.sleep(0.1)
        finally:
            self._stop_all(children)

    # --- children ----------------------------------------------------------------------------------------------

    def _start(self, child: Child) -> None:
        child.proc = subprocess.Popen(child.cmd, env=self.env, start_new_session=True)
        child.started_at = time.monotonic()
        child.restart_at = None

    def _supervise(self, child: Child, now: float) -> None:
        if child.restart_at is not None:
            if now >= child.restart_at and not self.stopping:
                self._start(child)
            return
        code = child.proc.poll()
        if code is None or self.stopping:
            return
        # What the dead leader left in its group (gunicorn's workers, Celery's pool) goes too, so the new one
        # gets the port and no orphan keeps running old code.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.proc.pid, signal.SIGKILL)
        child.streak = 1 if now - child.started_at >= STABLE_AFTER else child.streak + 1
        child.restarts += 1
        delay = backoff(child.streak)
        child.restart_at = now + delay
        self.stderr.write(f"{child.name} {describe_exit(code)}; restarting in {delay:g} s (restart {child.restarts})")

    def _stop_all(self, children: list[Child]) -> None:
        self.stdout.write("\nStopping " + ", ".join(c.name for c in reversed(children)) + " ...")
        # Web and worker first (SIGTERM: gunicorn and Celery shut down warmly and reap their own children), the
        # broker last so a worker can still hand back what it had not finished.
        for group in ([c for c in children if c.name != "broker"], [c for c in children if c.name == "broker"]):
            for child in group:
                if child.proc is not None and child.proc.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        child.proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 20
            for child in group:
                if child.proc is None:
                    continue
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                # Whatever is left in the group (a stuck child) goes too.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(child.proc.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.proc.wait(timeout=5)

    # --- start-up ----------------------------------------------------------------------------------------------

    @staticmethod
    def _healthy(base: str) -> bool:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def _banner(self, base: str) -> None:
        key = ApiKey.objects.filter(active=True).order_by("-created_at").first()
        env_key = settings.MODERATION_API_KEY and ApiKey.objects.filter(key=settings.MODERATION_API_KEY).first()
        key = env_key or ApiKey.objects.filter(key="demo-key").first() or key
        self.stdout.write(self.style.SUCCESS(
            "\n".join([
                "",
                f"  Dashboard:      {base}/queue/",
                "  Demo logins:    moderator / moderator   admin / admin   viewer / viewer",
                f"  Django admin:   {base}/admin/  (admin / admin)",
                f"  API base_url:   {base}",
                f"  API key:        {key.key if key else '(none: manage.py create_api_key)'}",
                f"  API secret:     {key.secret if key else ''}",
                f"  Health:         {base}/healthz",
                "  Stop with Ctrl-C.",
                "",
            ])
        ))
        # The banner's database connection is not needed again; don't hold a SQLite file handle open for hours.
        from django.db import connections

        connections.close_all()
