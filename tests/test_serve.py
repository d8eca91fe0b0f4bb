"""`make run`'s contract: serve answers /healthz, and SIGTERM stops every process it started."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _running(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except FileNotFoundError:
        return False


def _descendants(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    children: dict[int, list[int]] = {}
    for line in out.split("\n"):
        if line.strip():
            p, pp = map(int, line.split())
            children.setdefault(pp, []).append(p)
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def test_serve_answers_health_and_stops_everything_on_sigterm(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="moderation_site.settings.local", PYTHONUNBUFFERED="1")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "manage.py", "serve", "--port", str(port), "--web-workers", "1"],
                            cwd=ROOT, env=env, stdout=(tmp_path / "serve.log").open("wb"), stderr=subprocess.STDOUT)
    try:
        deadline, healthy = time.monotonic() + 180, False
        while time.monotonic() < deadline and not healthy:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    healthy = r.status == 200
            except OSError:
                time.sleep(0.3)
        assert healthy, "serve never answered /healthz:\n" + (tmp_path / "serve.log").read_text()[-3000:]
        started = _descendants(proc.pid)
        assert len(started) >= 3  # gunicorn master + worker, celery worker (+ pool, beat)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        deadline, alive = time.monotonic() + 60, started  # children may take a moment to go on a loaded machine
        while alive and time.monotonic() < deadline:
            alive = [p for p in alive if _running(p)]
            time.sleep(0.05)
        assert not alive, f"still running a minute after SIGTERM: {alive}"
    finally:
        if proc.poll() is None:
            proc.kill()
