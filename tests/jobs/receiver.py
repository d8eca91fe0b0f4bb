"""A webhook receiver on 127.0.0.1 for tests and the benchmark: verifies every POST with the SDK's own
function, decodes it with the SDK's parser, and records what arrived (and on how many connections)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from getstream.webhook import parse_webhook_event, verify_webhook_signature


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]
    valid_signature: bool
    event: Any
    error: str
    at_ns: int


@dataclass
class Receiver:
    secret: str
    status: int = 200  # what to answer; tests flip it to simulate a failing receiver
    check_later: bool = False  # the benchmark only timestamps arrivals, and checks them all afterwards
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def check(self, got: Received) -> Received:
        got.valid_signature = verify_webhook_signature(got.body, got.headers.get("X-Signature", ""), self.secret)
        try:
            got.event = parse_webhook_event(got.body)
        except ValueError as exc:
            got.error = str(exc)
        return got

    def wait_for(self, count: int, timeout: float = 120.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.01)
        raise AssertionError(f"only {len(self.received)} of {count} webhooks arrived in {timeout} s")


def start_receiver(secret: str) -> Receiver:
    receiver = Receiver(secret=secret)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the relay expects
        disable_nagle_algorithm = True  # headers and body go out in two writes; don't let them wait on an ACK

        def setup(self) -> None:
            super().setup()
            with receiver.lock:
                receiver.connections += 1

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            arrived = time.time_ns()
            got = Received(body, dict(self.headers), False, None, "", arrived)
            if not receiver.check_later:
                receiver.check(got)
            with receiver.lock:
                receiver.received.append(got)
            status = receiver.status
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args) -> None:
            pass

    receiver.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.server.daemon_threads = True
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    return receiver
