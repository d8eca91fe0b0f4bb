"""HTTP load generation with persistent connections: `wrk` (C, from Debian's `wrk` package; `make bench`
installs it) when present, because a Python generator on the same two cores would take CPU from the server it
measures; otherwise a lean threaded Python generator over http.client keep-alive connections (labelled as such)."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from bench import percentile


@dataclass
class LoadResult:
    tool: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    bad: int  # non-2xx responses and socket errors

    def summary(self) -> str:
        return (f"{self.rps:,.0f} req/s (p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, "
                f"{self.requests:,} requests, {self.bad} bad) via {self.tool}")


def _lua_string(value: str) -> str:
    return "[==[" + value + "]==]"


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url: str, *, headers: dict[str, str], seconds: int, connections: int, threads: int,
            method: str = "GET", body: str | None = None) -> LoadResult:
    script = "wrk.method = " + _lua_string(method) + "\n"
    for k, v in headers.items():
        script += f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}\n"
    if body is not None:
        script += "wrk.body = " + _lua_string(body) + "\n"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", f.name, url],
            check=True, capture_output=True, text=True,
        ).stdout
    finally:
        os.unlink(f.name)
    latency = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+[a-z]+)\s*$", out, re.M))
    if "50" not in latency or "99" not in latency:
        raise RuntimeError(f"could not read wrk's latency distribution:\n{out}")
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if errors:
        bad += sum(int(n) for n in errors.groups())
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return LoadResult(tool=f"wrk -t{threads} -c{connections}", requests=int(total.group(1)),
                      seconds=float(seconds), rps=rps, p50_ms=_ms(latency["50"]), p99_ms=_ms(latency["99"]), bad=bad)


def run_python(url: str, *, headers: dict[str, str], seconds: int, connections: int,
               method: str = "GET", body: str | None = None) -> LoadResult:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[list[float]] = [[] for _ in range(connections)]
    bad = [0] * connections
    deadline = time.perf_counter() + seconds

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if resp.status >= 300:
                    bad[i] += 1
            except (OSError, http.client.HTTPException):
                bad[i] += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            latencies[i].append(time.perf_counter() - started)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    samples = [s for per in latencies for s in per]
    return LoadResult(tool=f"python http.client, {connections} keep-alive connections", requests=len(samples),
                      seconds=elapsed, rps=len(samples) / elapsed, p50_ms=percentile(samples, 50) * 1000,
                      p99_ms=percentile(samples, 99) * 1000, bad=sum(bad))


def run_load(url: str, *, headers: dict[str, str], seconds: int, connections: int = 16, threads: int = 2,
             method: str = "GET", body: str | None = None) -> LoadResult:
    """Hammer one URL for `seconds` over `connections` persistent connections."""
    if shutil.which("wrk"):
        return run_wrk(url, headers=headers, seconds=seconds, connections=connections, threads=threads,
                       method=method, body=body)
    return run_python(url, headers=headers, seconds=seconds, connections=connections, method=method, body=body)
