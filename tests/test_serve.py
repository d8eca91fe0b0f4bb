"""`make run`'s contract: serve answers /healthz, restarts a child that dies (logged in one line), and only
SIGTERM/SIGINT stops it, taking every process it started along. No timing assumptions: every wait polls up to a
generous deadline."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration  # they start `manage.py serve`
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def _children(pid: int) -> dict[int, str]:
    out = subprocess.run(["ps", "-ww", "-o", "pid=,args=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return {int(line.split(None, 1)[0]): line.split(None, 1)[1] for line in out.splitlines() if line.strip()}


def _alive(pids) -> list[int]:
    return [p for p in pids if os.path.exists(f"/proc/{p}") and
            "zombie" not in Path(f"/proc/{p}/status").read_text().lower()]


def _poll(predicate, what: str, timeout: float = 300, log: Path | None = None):
    """Generous deadlines: a shared 2-core machine at load 30 takes minutes to start gunicorn and Celery."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log is not None and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n--- serve's output ---\n{tail}")


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture
def serve(tmp_path):
    """`manage.py serve` as `make run` starts it (embedded broker), on a fresh VAR_DIR; its output in a file."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="moderation_site.settings.local", PYTHONUNBUFFERED="1")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    port = _free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "manage.py", "serve", "--port", str(port), "--web-workers", "1"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    proc.port, proc.log = port, log
    try:
        _poll(lambda: _healthy(port), "serve to answer /healthz", log=log)
        yield proc
    finally:
        if proc.poll() is None:
            everything = _descendants(proc.pid)
            proc.kill()
            for pid in everything:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def _stop_and_check_nothing_is_left(proc) -> None:
    started = _descendants(proc.pid)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    _poll(lambda: not _alive(started), "every process serve started to go", timeout=120)


def test_serve_answers_health_and_stops_everything_on_sigterm(serve):
    started = _descendants(serve.pid)
    # the embedded broker, gunicorn master + worker, celery worker (+ pool, beat)
    assert len(started) >= 4
    assert any("redis-server" in args for args in _children(serve.pid).values())
    _stop_and_check_nothing_is_left(serve)


def _child(proc, needle: str) -> int | None:
    return next((pid for pid, args in _children(proc.pid).items() if needle in args), None)


def test_serve_restarts_each_child_that_dies_and_says_so_in_one_line(serve):
    for needle, name in [("celery", "worker"), ("gunicorn", "web"), ("redis-server", "broker")]:
        old = _child(serve, needle)
        old_group = _descendants(old)  # a SIGKILLed leader leaves these behind: serve must clear them too
        os.kill(old, signal.SIGKILL)
        line = _poll(lambda name=name: next((ln for ln in serve.log.read_text().splitlines()
                                             if ln.startswith(f"{name} was killed by SIGKILL; restarting in")), None),
                     f"serve to log the {name}'s death", log=serve.log)
        assert re.fullmatch(rf"{name} was killed by SIGKILL; restarting in \d+(\.\d+)? s \(restart 1\)", line), line
        new = _poll(lambda needle=needle, old=old: (pid := _child(serve, needle)) and pid != old and pid,
                    f"a new {name}")
        assert serve.poll() is None, "serve stopped instead of restarting the child"
        _poll(lambda old_group=old_group: not _alive(old_group), f"the dead {name}'s children to go")
        _poll(lambda: _healthy(serve.port), f"health after the {name}'s restart", log=serve.log)
        assert new != old
    _stop_and_check_nothing_is_left(serve)


def test_the_restart_backoff_doubles_up_to_its_cap_and_names_the_signal():
    from reviews.management.commands.serve import BACKOFF_MAX, backoff, describe_exit

    assert [backoff(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(50) == BACKOFF_MAX == 30
    assert describe_exit(1) == "exited with 1" and describe_exit(-9) == "was killed by SIGKILL"
