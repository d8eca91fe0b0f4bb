"""A task that only records what it received, for broker tests (the worker loads it with `--include`), and the
producer those tests run in several processes at once: `python -m tests.jobs.probe URL QUEUE FIRST COUNT BYTES`."""

from __future__ import annotations

import hashlib
import sys

from celery import Celery, shared_task


def body(i: int, size: int) -> tuple[str, str]:
    text = (f"message {i} " * (size // 10 + 2))[:size]
    return text, hashlib.sha256(text.encode()).hexdigest()


@shared_task(name="tests.jobs.probe.record", acks_late=True)
def record(path: str, i: int, text: str, digest: str) -> None:
    intact = hashlib.sha256(text.encode()).hexdigest() == digest
    with open(path, "a") as f:  # one short O_APPEND write a line: whole lines even from two pool processes
        f.write(f"{i} {int(intact)}\n")


def produce(url: str, queue: str, path: str, first: int, count: int, size: int) -> None:
    app = Celery("probe-producer", broker=url)
    for i in range(first, first + count):
        text, digest = body(i, size)
        app.send_task("tests.jobs.probe.record", args=(path, i, text, digest), queue=queue)


if __name__ == "__main__":
    url, queue, path, first, count, size = sys.argv[1:7]
    produce(url, queue, path, int(first), int(count), int(size))
