"""Run gunicorn the way README.md documents for production, against the benchmark database, and stop it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from bench import SECRET_KEY

PORT = 8107  # the bench helper's port; taken (another run, another session's server) -> a free one instead
# README.md "Production": one worker per core, 4 threads each (gthread keeps connections alive).
DOCUMENTED_WORKERS = os.cpu_count() or 2
DOCUMENTED_THREADS = 4


def free_port(preferred: int = PORT) -> int:
    """`preferred` when nothing listens there, else any free port: a server someone else left on the port
    would answer our health check and every request, with the wrong database and no session."""
    for candidate in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port")


@dataclass(frozen=True)
class Server:
    base: str
    pid: int


@contextlib.contextmanager
def gunicorn(
    *, workers: int = DOCUMENTED_WORKERS, threads: int = DOCUMENTED_THREADS, port: int | None = None,
    env: dict | None = None,
) -> Iterator[Server]:
    """Yields the server (base URL, master pid). Production settings, DEBUG off, the default tier's database,
    no access log (the documented command has none)."""
    port = port or free_port()
    var = tempfile.mkdtemp(prefix="bench-var-")
    run_env = {k: v for k, v in os.environ.items() if k != "BENCH_DATABASES"}
    bin_dir = os.path.dirname(sys.executable)
    run_env.update({
        "DJANGO_SETTINGS_MODULE": "moderation_site.settings.production",
        "SECRET_KEY": SECRET_KEY,
        "SECURE_COOKIES": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "VAR_DIR": var,
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    })
    # Production serves hashed static names from a manifest; full pages fail without collectstatic.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env=run_env, check=True,
                   cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    cmd = [os.path.join(bin_dir, "gunicorn"), "moderation_site.wsgi:application", "--bind", f"127.0.0.1:{port}",
           "--workers", str(workers), "--threads", str(threads), "--preload"]
    log = open(os.path.join(var, "gunicorn.log"), "w+b")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(cmd, env=run_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"gunicorn exited: {log.read().decode(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer /healthz within 60 s")
            time.sleep(0.3)
        # Every worker must be up before a load test starts, not only the first one to answer.
        while len(worker_pids(proc.pid)) < workers and time.monotonic() < deadline:
            time.sleep(0.2)
        yield Server(base=base, pid=proc.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        log.close()
        subprocess.run(["rm", "-rf", var], check=False)


def worker_pids(master: int) -> list[int]:
    try:
        with open(f"/proc/{master}/task/{master}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pss_kib(pid: int) -> int:
    """Proportional set size: shared pages (the classifier a --preload master loaded before forking) split
    between the processes sharing them, so the sum over processes is what the machine really spends."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def holds_classifier(pid: int) -> bool:
    """Whether a worker has loaded the toxicity classifier: read from its memory map (scikit-learn's extension
    modules), not assumed from a 200."""
    try:
        with open(f"/proc/{pid}/maps") as f:
            return "sklearn" in f.read()
    except OSError:
        return False
