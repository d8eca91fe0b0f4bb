"""`make fuzz`: schemathesis against a freshly started API server, with server-side auth.

Starts gunicorn on --port with this process's DATABASE_URL / broker settings, makes an API key, signs a server
JWT with its secret, and runs `schemathesis run /api/v2/openapi.json` with every check (response schema
conformance included: each route's body is declared as the SDK model that decodes it) until at least
--requests requests were sent. Prints the requests sent, server errors and schema violations, and exits 1
on any failure. The report (ndjson, every request) and the server log are kept under var/fuzz/<database>/.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

import jwt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reviews.models import ApiKey

# Checks that judge the request schemas, not the answers (README "API fuzzing"): counted, not failing the run.
REQUEST_SCHEMA_CHECKS = frozenset({"positive_data_acceptance", "negative_data_rejection"})
CONFIG = """
[auth.openapi.StreamJWT]
api_key = "${FUZZ_JWT}"

[auth.openapi.ApiKeyQuery]
api_key = "${FUZZ_API_KEY}"
"""


class Command(BaseCommand):
    help = "Fuzz the Stream-compatible API with schemathesis (all checks) against a server started here."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--requests", type=int, default=10_000, help="run until at least this many requests")
        parser.add_argument("--examples", type=int, default=100, help="schemathesis --max-examples per round")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--workers", default="2")

    def handle(self, *args, port: int, requests: int, examples: int, seed: int | None, workers: str, **options):
        api_key = ApiKey.objects.create(name="make fuzz")
        token = jwt.encode({}, api_key.secret, algorithm="HS256")  # no user_id claim: server side
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        out = Path(settings.VAR_DIR) / "fuzz" / database
        out.mkdir(parents=True, exist_ok=True)
        bin_dir = Path(sys.executable).parent
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "FUZZ_JWT": token, "FUZZ_API_KEY": api_key.key,
               # the fuzzer is one caller sending as fast as it can; the limiter is tested elsewhere
               "MODERATION_API_RATE_LIMIT": os.environ.get("MODERATION_API_RATE_LIMIT", "100000000")}
        env.setdefault("DJANGO_SETTINGS_MODULE", "moderation_site.settings.local")
        server_log = (out / "server.log").open("w")
        server = subprocess.Popen(
            [str(bin_dir / "gunicorn"), "moderation_site.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--threads", "4", "--preload"],
            env=env, stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            self._wait(f"{base}/api/v2/openapi.json", server)
            with urllib.request.urlopen(f"{base}/api/v2/openapi.json", timeout=30) as document:
                self.operations = sum(len(ops) for ops in json.load(document)["paths"].values())
            totals: Counter = Counter()
            failures: list[dict] = []
            round_no = 0
            while totals["requests"] < requests:
                round_no += 1
                # Round 1 runs every phase; later rounds only generate enough fuzzing cases to reach the target.
                phases, n = "examples,coverage,fuzzing,stateful", examples
                if round_no > 1:
                    phases, n = "fuzzing", (requests - totals["requests"]) // self.operations + 5
                stats, found = self._round(base, env, out, n, seed, round_no, workers, bin_dir, phases)
                totals.update(stats)
                failures += found
                self.stdout.write(f"round {round_no}: {dict(stats)}")
                if any(f["check"] not in REQUEST_SCHEMA_CHECKS for f in found) or stats["requests"] == 0:
                    break
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
            server_log.close()
        gating = [f for f in failures if f["check"] not in REQUEST_SCHEMA_CHECKS]
        by_check = Counter(f["check"] for f in failures)
        self.stdout.write(
            f"fuzz ({database}): {totals['requests']} requests, {totals['server_errors']} server errors (5xx), "
            f"{totals['schema_violations']} response-schema violations, {len(gating)} other failed checks; "
            f"not gating: {', '.join(f'{n} {by_check[n]}' for n in sorted(REQUEST_SCHEMA_CHECKS))}"
        )
        for failure in gating[:30]:
            self.stdout.write(f"  {failure['check']}: {failure['operation']}: {failure['title']}")
        if gating or totals["server_errors"]:
            raise CommandError(f"fuzzing found failures; see {out}/ (report, server.log)")

    def _wait(self, url: str, server: subprocess.Popen) -> None:
        for _ in range(600):  # a loaded machine takes its time to import the app
            if server.poll() is not None:
                raise CommandError(f"the server exited with {server.returncode}; see var/fuzz/<database>/server.log")
            with contextlib.suppress(OSError):
                urllib.request.urlopen(url, timeout=2).read()
                return
            time.sleep(0.5)
        raise CommandError(f"{url} did not answer within 300 s")

    def _round(self, base, env, out, examples, seed, round_no, workers, bin_dir, phases):
        report = out / f"events-{round_no}.ndjson"
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as config:
            config.write(CONFIG)
        command = [
            str(bin_dir / "schemathesis"), "--config-file", config.name, "run", f"{base}/api/v2/openapi.json",
            "--checks", "all", "--header", "stream-auth-type: jwt", "--max-examples", str(examples),
            "--workers", str(workers), "--continue-on-failure", "--no-shrink", "--phases", phases,
            "--report", "ndjson", "--report-ndjson-path", str(report), "--output-truncate", "true",
            "--suppress-health-check", "all", "--request-timeout", "30",
        ]
        if seed is not None:
            command += ["--seed", str(seed + round_no)]
        try:
            subprocess.run(command, env=env, check=False)
        finally:
            os.unlink(config.name)
        return summarize(report)


def summarize(report: Path) -> tuple[Counter, list[dict]]:
    """Count requests, 5xx answers and failed checks in a schemathesis ndjson event report."""
    stats: Counter = Counter(requests=0, server_errors=0, schema_violations=0)
    failures: list[dict] = []
    for line in report.read_text().splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished.get("recorder") or {}
        for interaction in (recorder.get("interactions") or {}).values():
            stats["requests"] += 1
            if ((interaction or {}).get("response") or {}).get("status_code", 0) >= 500:
                stats["server_errors"] += 1
        for case_id, checks in (recorder.get("checks") or {}).items():
            for check in checks:
                if check.get("status") != "failure":
                    continue
                if check["name"] == "response_schema_conformance":
                    stats["schema_violations"] += 1
                case = ((recorder.get("cases") or {}).get(case_id) or {}).get("value") or {}
                failures.append({"check": check["name"], "operation": recorder.get("label", ""),
                                 "title": _title(check), "case": case, "case_id": case_id,
                                 "response": ((recorder.get("interactions") or {}).get(case_id) or {}).get("response")})
    return stats, failures


def _title(check: dict) -> str:
    info = check.get("failure_info") or {}
    failure = info.get("failure") or {}
    return str(failure.get("title") or failure.get("message") or info)[:300]
