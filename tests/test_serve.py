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


def _get(port: int, path: str, headers: dict | None = None) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as r:
        return r.status


REQUEST_LINE = re.compile(r"\d\d:\d\d:\d\d  \d{3}  [A-Z]+ +\S+  \d+ ms")


def test_the_terminal_shows_the_banner_last_and_request_lines_while_the_children_log_to_files(serve):
    """What a new user sees: step lines, then the banner; after it only one line per request they make. The
    broker's, gunicorn's and Celery's own output is in VAR_DIR/log/."""
    logs = Path(serve.log).parent / "log"
    terminal = _poll(lambda: "Stop with Ctrl-C" in (t := serve.log.read_text()) and t, "the banner", log=serve.log)
    _poll(lambda: "ready." in (logs / "worker.log").read_text(errors="replace"), "the worker to log that it is ready",
          log=logs / "worker.log")
    assert _get(serve.port, "/accounts/login/") == 200  # a page: one line
    assert _get(serve.port, "/static/reviews/app.css") == 200  # an asset: none
    assert _get(serve.port, "/accounts/login/?poll=1", {"HX-Request": "true"}) == 200  # an htmx refresh: none
    assert _get(serve.port, "/accounts/login/?img=1", {"Sec-Fetch-Dest": "image"}) == 200  # a page's image: none
    _poll(lambda: "GET /accounts/login/?img=1" in (logs / "access.log").read_text(), "the access log")
    _stop_and_check_nothing_is_left(serve)

    terminal = serve.log.read_text()
    before, banner_and_after = terminal.split("  Dashboard:", 1)
    banner, after = banner_and_after.split("Stop with Ctrl-C.", 1)
    assert before.strip().splitlines()[-1].startswith("==> starting broker, web, worker"), before
    for line in ("Demo logins:", "Policies:", "API key:", "API secret:", f"Logs:           {logs}/"):
        assert line in banner
    after_lines = [ln for ln in after.splitlines()[1:] if ln.strip()]
    assert after_lines[-2].startswith("Stopping worker, web, broker") and after_lines[-1] == "Stopped.", after_lines
    requests = after_lines[:-2]
    assert len(requests) == 1 and REQUEST_LINE.fullmatch(requests[0]), requests
    assert " 200  GET    /accounts/login/  " in requests[0]
    # Nothing of the children's own chatter reached the terminal: it is in their files.
    for chatter in ("celery@", "[INFO", "Booting worker", "Listening at", "beat", "WARNING", "Ready to accept"):
        assert chatter not in terminal, chatter
    assert "Listening at: http://127.0.0.1:" in (logs / "web.log").read_text()
    assert "celery@" in (logs / "worker.log").read_text() and (logs / "broker.log").exists()
    access = (logs / "access.log").read_text()
    assert "GET /static/reviews/app.css" in access and "GET /healthz" in access


def test_serve_refuses_a_port_in_use_in_one_clear_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="moderation_site.settings.local")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "manage.py", "serve", "--port", str(port)], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert f"PORT={port + 1} make run" in result.stderr
    assert not (tmp_path / "redis").exists()  # nothing was started


def test_request_lines_leave_out_refreshes_assets_and_health_checks_but_never_errors():
    from moderation_site.access_log import on_terminal, terminal_line

    assert on_terminal("GET", "/queue/", 200, htmx=False)
    assert on_terminal("POST", "/queue/12/decide", 200, htmx=True)  # a decision made in the dashboard
    assert on_terminal("POST", "/api/v2/moderation/check", 201, htmx=False)
    assert not on_terminal("GET", "/queue/changes", 200, htmx=True)  # the queue's 3 s refresh
    assert not on_terminal("GET", "/static/reviews/app.css", 200, htmx=False)
    assert not on_terminal("GET", "/healthz", 200, htmx=False)
    assert on_terminal("GET", "/queue/", 200, htmx=False, fetch_dest="document")  # a page the browser opened
    assert not on_terminal("GET", "/queue/1/images/1", 200, htmx=False, fetch_dest="image")  # what it loads
    assert not on_terminal("GET", "/queue/changes", 200, htmx=False, fetch_dest="empty")
    assert on_terminal("GET", "/queue/changes", 500, htmx=True)
    line = terminal_line("GET", "/queue/", "status=pending", 200, 0.0123)
    assert REQUEST_LINE.fullmatch(line.rstrip("\n")) and "GET    /queue/?status=pending  12 ms" in line
    assert len(terminal_line("GET", "/x", "q=" + "a" * 500, 200, 0.1)) < 120
