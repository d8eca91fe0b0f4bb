"""Run the web server and a Celery worker with beat together, as `make run` does; Ctrl-C or SIGTERM stops
every process this started (each in its own process group, so their children go too)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand

from reviews.models import ApiKey


class Command(BaseCommand):
    help = "Serve the dashboard and API (gunicorn) plus a Celery worker with beat, until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args, port: int, host: str, web_workers: int, **options):
        python = sys.executable
        bin_dir = os.path.dirname(python)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.setdefault("DJANGO_SETTINGS_MODULE", "moderation_site.settings.local")
        var = str(settings.VAR_DIR)
        commands = {
            "web": [os.path.join(bin_dir, "gunicorn"), "moderation_site.wsgi:application",
                    "--bind", f"{host}:{port}", "--workers", str(web_workers), "--threads", "4",
                    "--access-logfile", "-", "--graceful-timeout", "5", "--preload"],
            "worker": [os.path.join(bin_dir, "celery"), "-A", "moderation_site", "worker", "-B",
                       "--concurrency", "2", "--loglevel", "INFO",
                       "--schedule", os.path.join(var, "celerybeat-schedule")],
        }
        procs: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(*_):
            nonlocal stopping
            if stopping:
                return
            stopping = True
            self.stdout.write("\nStopping web and worker ...")
            # SIGTERM to each main process: gunicorn and Celery shut down warmly and reap their own children.
            for proc in procs.values():
                if proc.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 20
            for proc in procs.values():
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                # Whatever is left in the group (a stuck child) goes too.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for name, cmd in commands.items():
            procs[name] = subprocess.Popen(cmd, env=env, start_new_session=True)

        base = f"http://{host}:{port}"
        self._wait_healthy(base, procs)
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
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None and not stopping:
                    self.stderr.write(f"{name} exited with {proc.returncode}; stopping the rest.")
                    stop()
                    sys.exit(1)
            time.sleep(0.5)

    def _wait_healthy(self, base: str, procs) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in procs.values()):
                return
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
