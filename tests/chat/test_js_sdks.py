"""The JavaScript SDKs, unchanged, against live_server: `stream-chat` (9.53) at the root paths (tests/js/chat.test.mjs)
and `@stream-io/node-sdk` running seed 000's examples on /api/v2/ (tests/js/seed000.test.mjs).

The test package in tests/js/ is installed with `npm ci` from its committed package-lock.json when its
node_modules is missing or older than the lockfile. Without `node`/`npm` the test skips with the reason, unless
REQUIRE_NODE (or REQUIRE_BROWSER, which CI's second run sets) is set: then a missing node is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parent.parent / "js"
NODE, NPM = shutil.which("node"), shutil.which("npm")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def js_package():
    if not (NODE and NPM):
        if os.environ.get("REQUIRE_NODE") or os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("REQUIRE_NODE/REQUIRE_BROWSER is set but node and npm are not both on PATH")
        pytest.skip("node and npm are needed for the JavaScript SDK tests (set REQUIRE_NODE=1 to fail instead)")
    marker = JS / "node_modules" / ".package-lock.json"
    if not marker.exists() or marker.stat().st_mtime < (JS / "package-lock.json").stat().st_mtime:
        done = subprocess.run([NPM, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=JS,
                              capture_output=True, text=True)
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
    return JS


def run_node(js_package: Path, script: str, api_key, live_server) -> subprocess.CompletedProcess:
    env = {**os.environ, "BASE_URL": live_server.url, "STREAM_KEY": api_key.key, "STREAM_SECRET": api_key.secret}
    return subprocess.run([NODE, "--test", "--test-reporter=tap", script], cwd=js_package, env=env,
                          capture_output=True, text=True)


def failures(done: subprocess.CompletedProcess) -> str:
    """The TAP blocks of the failed tests (and stderr), for the assertion message."""
    blocks = done.stdout.split("# Subtest: ")
    return "\n".join("# Subtest: " + b for b in blocks if "\nnot ok " in b)[-8000:] + done.stderr[-2000:]


def test_stream_chat_js_sdk(js_package, api_key, live_server):
    done = run_node(js_package, "chat.test.mjs", api_key, live_server)
    assert done.returncode == 0, failures(done)
    assert "# fail 0" in done.stdout


def test_node_sdk_seed_000_examples(js_package, api_key, live_server):
    done = run_node(js_package, "seed000.test.mjs", api_key, live_server)
    assert done.returncode == 0, failures(done)
    assert "# pass 18" in done.stdout and "# fail 0" in done.stdout
