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
from collections import Counter
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
    bad: int  # responses other than 200 (redirects included) and socket errors
    bytes_per_response: float = 0.0
    why_bad: str = ""  # what the bad ones were: status codes with counts, socket errors by kind


    def summary(self) -> str:
        size = f", {self.bytes_per_response / 1024:.1f} KiB each" if self.bytes_per_response else ""
        why = f": {self.why_bad}" if self.bad and self.why_bad else ""
        return (f"{self.rps:,.0f} req/s (p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, "
                f"{self.requests:,} requests{size}, {self.bad} not 200{why}) via {self.tool}")


def _lua_string(value: str) -> str:
    return "[==[" + value + "]==]"


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url: str, *, headers: dict[str, str], seconds: int, connections: int, threads: int,
            method: str = "GET", body: str | None = None) -> LoadResult:
    script = "wrk.method = " + _lua_string(method) + "\n"
    for k, v in headers.items():
        # The spaces matter: `[[` would open a Lua long string and wrk would drop the whole script quietly.
        script += f"wrk.headers[ {_lua_string(k)} ] = {_lua_string(v)}\n"
    if body is not None:
        script += "wrk.body = " + _lua_string(body) + "\n"
    # wrk's own error count ignores 3xx, and a login redirect is fast: count everything that is not a 200.
    script += """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not200 = 0; statuses = "" end
function response(status, headers, body)
  if status ~= 200 then not200 = not200 + 1; statuses = statuses .. " " .. status end
end
function done(summary, latency, requests)
  local total, seen = 0, ""
  for _, t in ipairs(threads) do total = total + t:get("not200"); seen = seen .. t:get("statuses") end
  io.write("NOT200: " .. total .. "\\n")
  io.write("STATUSES:" .. seen .. "\\n")
end
"""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        done = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", f.name, url],
            check=True, capture_output=True, text=True,
        )
        out = done.stdout
        if done.stderr.strip() or "NOT200:" not in out:
            raise RuntimeError(f"wrk did not run the request script: {done.stderr.strip()[:500]}")
    finally:
        os.unlink(f.name)
    latency = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+[a-z]+)\s*$", out, re.M))
    if "50" not in latency or "99" not in latency:
        raise RuntimeError(f"could not read wrk's latency distribution:\n{out}")
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+), ([\d.]+)(B|KB|MB|GB) read", out)
    read = float(total.group(4)) * {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[total.group(5)]
    bad = int(re.search(r"NOT200: (\d+)", out).group(1))
    codes = Counter(re.search(r"STATUSES:(.*)$", out, re.M).group(1).split())
    why = [f"HTTP {code} x{n}" for code, n in sorted(codes.items())]
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if errors:
        bad += sum(int(n) for n in errors.groups())
        why += [f"socket {kind} x{n}" for kind, n in zip(("connect", "read", "write", "timeout"),
                                                            map(int, errors.groups()), strict=True) if n]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return LoadResult(tool=f"wrk -t{threads} -c{connections}", requests=int(total.group(1)),
                      seconds=float(seconds), rps=rps, p50_ms=_ms(latency["50"]), p99_ms=_ms(latency["99"]), bad=bad,
                      bytes_per_response=read / max(1, int(total.group(1))), why_bad=", ".join(why))


def run_python(url: str, *, headers: dict[str, str], seconds: int, connections: int,
               method: str = "GET", body: str | None = None) -> LoadResult:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[list[float]] = [[] for _ in range(connections)]
    bad = [0] * connections
    why = [Counter() for _ in range(connections)]
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
                    why[i][f"HTTP {resp.status}"] += 1
            except (OSError, http.client.HTTPException) as exc:
                bad[i] += 1
                why[i][type(exc).__name__] += 1
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
                      p99_ms=percentile(samples, 99) * 1000, bad=sum(bad),
                      why_bad=", ".join(f"{k} x{n}" for k, n in sorted(sum(why, Counter()).items())))


def run_load(url: str, *, headers: dict[str, str], seconds: int, connections: int = 16, threads: int = 2,
             method: str = "GET", body: str | None = None) -> LoadResult:
    """Hammer one URL for `seconds` over `connections` persistent connections."""
    if shutil.which("wrk"):
        return run_wrk(url, headers=headers, seconds=seconds, connections=connections, threads=threads,
                       method=method, body=body)
    return run_python(url, headers=headers, seconds=seconds, connections=connections, method=method, body=body)
