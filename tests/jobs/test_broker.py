"""The broker `make run` embeds (a private redis-server; CI: its Redis) against a real worker: messages from
several processes at once all arrive whole, and the webhook relay's kick gate works on it.

The old embedded default, kombu's filesystem transport, fails the first test: a message file is visible in the
queue folder from the moment its writer opens it, before a byte is written, so a worker polling the folder read
empty files and died with `Unrecoverable error: JSONDecodeError(...)`. The producers send as a threaded web
process does (see tests/jobs/probe.py), which is what kept that window open in `make run`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reviews.services import webhooks
from tests.jobs.worker import ROOT, shared_broker, start_worker, stop_worker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
PRODUCERS, EACH, BYTES = 4, 100, 20_000


@pytest.fixture
def broker(tmp_path):
    with shared_broker(str(tmp_path)) as env:
        yield env


def _delivered(path: Path) -> list[tuple[int, bool]]:
    if not path.exists():
        return []
    return [(int(i), ok == "1") for i, ok in (line.split() for line in path.read_text().splitlines())]


def test_messages_from_concurrent_producers_all_reach_a_real_worker_intact(broker, tmp_path):
    results, log = tmp_path / "delivered.txt", str(tmp_path / "worker.log")
    worker = start_worker(broker, log, include="tests.jobs.probe")
    try:
        producers = [
            subprocess.Popen([sys.executable, "-m", "tests.jobs.probe", broker["CELERY_BROKER_URL"],
                              broker["CELERY_QUEUE"], str(results), str(k * EACH), str(EACH), str(BYTES)],
                             cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE)
            for k in range(PRODUCERS)
        ]  # while the worker is already consuming
        for p in producers:
            _, err = p.communicate(timeout=300)
            assert p.returncode == 0, err.decode()[-2000:]
        total = PRODUCERS * EACH
        wait_until(lambda: len(_delivered(results)) >= total or worker.poll() is not None, 300,
                   "every message at the worker", log)
        assert worker.poll() is None, "the worker died:\n" + Path(log).read_text()[-3000:]
        got = _delivered(results)
        assert sorted(i for i, _ in got) == list(range(total))  # each exactly once
        assert all(ok for _, ok in got), "a message arrived altered"
    finally:
        stop_worker(worker)


def test_the_relay_kick_gate_lets_one_kick_through_on_the_broker(broker):
    webhooks._gate_for.cache_clear()
    gate = webhooks._gate()
    assert isinstance(gate, webhooks._RedisGate)
    gate.release()  # whatever an earlier run left
    try:
        assert gate.acquire() and not gate.acquire()  # a second kick while one is queued is dropped
        gate.release()  # what a relay run does when it starts
        assert gate.acquire()
    finally:
        gate.release()
        webhooks._gate_for.cache_clear()


def test_a_commit_skips_the_kick_at_once_while_the_broker_is_down(settings, tmp_path, monkeypatch):
    """`make run` seeds before `serve` starts the broker: each commit must not wait on kombu's retries."""
    from reviews.tasks import relay_events_task

    settings.CELERY_BROKER_URL = f"redis+socket://{tmp_path}/nobody-listens.sock"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    webhooks._gate_for.cache_clear()
    sent = []
    monkeypatch.setattr(relay_events_task, "delay", lambda *a, **k: sent.append(1))
    monkeypatch.setattr(webhooks, "_unreachable_until", 0.0)
    try:
        webhooks.kick()  # the gate's Redis is the broker's: unreachable, so no enqueue to block on
        webhooks.kick()  # and the next commits do not even try for a few seconds
        assert sent == [] and webhooks._unreachable_until > 0
    finally:
        webhooks._gate_for.cache_clear()
