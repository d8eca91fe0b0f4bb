"""Run the web server and a Celery worker with beat together (plus the embedded broker when CELERY_BROKER_URL is
unset), as `make run` does, and keep them running: a child that exits unexpectedly is restarted after a backoff
(1 s doubling to 30 s; back to 1 s once it has run for a minute), logged in one line. Only Ctrl-C or SIGTERM
stops `serve`, and then every process it started (each leads its own process group, so their children go too).

The terminal is for the person who ran it: the banner (printed last, once the web server answers), one line per
restart, and one line per request they make (moderation_site/access_log.py). What the children say goes to files
under VAR_DIR/log/: broker.log, web.log (gunicorn and Django), access.log (every request) and worker.log
(Celery worker and beat)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from moderation_site import broker as embedded
from reviews.models import ApiKey

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 30.0
STABLE_AFTER = 60.0  # a child that ran this long starts its backoff afresh when it next exits
SLOW_START = 90.0  # no answer on /healthz after this long: say where to look, once


@dataclass
class Child:
    name: str
    cmd: list[str]
    ready: object = None  # callable -> bool; the next child starts only once this one is ready
    log: Path = Path(os.devnull)  # its stdout and stderr (the web's stderr only: its stdout is request lines)
    stdout_to_log: bool = True
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


def shown(path: Path) -> str:
    """A path as the person who ran `make run` in the project folder would type it."""
    path = Path(path).resolve()
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd().resolve())) or "."
    return str(path)


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds: TIME_WAIT is no obstacle
        try:
            s.bind((host.strip("[]"), port))
        except OSError:
            return True
    return False


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
        self.log_dir = Path(var) / "log"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if port_in_use(host, port):
            raise CommandError(f"port {port} on {host} is already in use (another `make run`?): stop that, or "
                               f"serve on another port: PORT={port + 1} make run")
        broker_url = settings.CELERY_BROKER_URL
        children: list[Child] = []
        if embedded.is_embedded(broker_url):
            # First: the worker and beat connect to it, and it outlives them at shutdown (they requeue
            # unfinished messages there).
            try:
                command = embedded.server_command(broker_url)
            except RuntimeError as exc:  # no binary, or a VAR_DIR too long for a unix socket
                raise CommandError(str(exc)) from exc
            children.append(Child("broker", command, ready=lambda: embedded.ping(broker_url),
                                  log=self.log_dir / "broker.log"))
        children += [
            Child("web", [os.path.join(bin_dir, "gunicorn"), "moderation_site.wsgi:application",
                          "--bind", f"{host}:{port}", "--workers", str(web_workers), "--threads", "4",
                          "--access-logfile", str(self.log_dir / "access.log"), "--error-logfile", "-",
                          "--logger-class", "moderation_site.access_log.TerminalAccessLogger",
                          "--graceful-timeout", "5", "--preload",
                          # serve is the supervisor; gunicorn's own control socket is one path in $HOME shared by
                          # every gunicorn on the machine (two `make run`s, the tests), so it is off.
                          "--no-control-socket"],
                  log=self.log_dir / "web.log", stdout_to_log=False),
            Child("worker", [os.path.join(bin_dir, "celery"), "-A", "moderation_site", "worker", "-B",
                             "--concurrency", "2", "--loglevel", "INFO",
                             "--schedule", os.path.join(var, "celerybeat-schedule")],
                  log=self.log_dir / "worker.log"),
        ]
        self.log_files = [c.log.name for c in children]
        self.log_files.insert(self.log_files.index("web.log") + 1, "access.log")
        self.stdout.write(f"==> starting {', '.join(c.name for c in children)} (their logs: "
                          f"{shown(self.log_dir)}/) …")
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
            banner_shown, next_check, slow_at = False, 0.0, time.monotonic() + SLOW_START
            while not self.stopping:
                now = time.monotonic()
                for child in children:
                    self._supervise(child, now)
                if not banner_shown and now >= next_check:
                    banner_shown = self._healthy(base)
                    if banner_shown:
                        self._banner(base)
                    elif now >= slow_at:
                        slow_at = float("inf")
                        self.stderr.write(f"The web server has not answered {base}/healthz after {SLOW_START:g} s; "
                                          f"still waiting (see {shown(self.log_dir / 'web.log')}).")
                    next_check = now + 0.3
                time.sleep(0.1)
        finally:
            self._stop_all(children)

    # --- children ----------------------------------------------------------------------------------------------

    def _start(self, child: Child) -> None:
        with open(child.log, "ab") as log:
            log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} serve starts {child.name}"
                      f"{f' (restart {child.restarts})' if child.restarts else ''} ---\n".encode())
            log.flush()
            child.proc = subprocess.Popen(child.cmd, env=self.env, start_new_session=True, stdin=subprocess.DEVNULL,
                                          stdout=log if child.stdout_to_log else None, stderr=log)
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
        self.stdout.write("Stopped.")

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
        logs = shown(self.log_dir)
        self.stdout.write(self.style.SUCCESS(
            "\n".join([
                "",
                f"  Dashboard:      {base}/queue/",
                "  Demo logins:    moderator / moderator   admin / admin   viewer / viewer",
                f"  Policies:       {base}/policies/  (try a message against the demo policy)",
                f"  Django admin:   {base}/admin/  (admin / admin)",
                f"  API base_url:   {base}",
                f"  API key:        {key.key if key else '(none: manage.py create_api_key)'}",
                f"  API secret:     {key.secret if key else ''}",
                f"  Health:         {base}/healthz",
                f"  Logs:           {logs}/  ({', '.join(self.log_files)})",
                "  Stop with Ctrl-C.  Requests you make are listed below, one line each.",
                "",
            ])
        ))
        # The banner's database connection is not needed again; don't hold a SQLite file handle open for hours.
        from django.db import connections

        connections.close_all()
