"""A task that only records what it received, for broker tests (the worker loads it with `--include`), and the
producer those tests run in several processes at once: `python -m tests.jobs.probe URL QUEUE PATH FIRST COUNT BYTES`.

The producer sends like a gunicorn worker with threads does: another thread of the process is busy in Python
(rendering a page), so between a send's system calls the sending thread may wait for the GIL for milliseconds,
and it sends one message at a time, so the worker is idle and polling when each one appears."""

from __future__ import annotations

import hashlib
import sys
import threading
import time

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
    stop = threading.Event()

    def busy() -> None:  # a sibling request being rendered
        while not stop.is_set():
            sum(range(10_000))

    sibling = threading.Thread(target=busy, daemon=True)
    sibling.start()
    try:
        for i in range(first, first + count):
            text, digest = body(i, size)
            app.send_task("tests.jobs.probe.record", args=(path, i, text, digest), queue=queue)
            time.sleep(0.005)  # one decision at a time, not a batch: the worker polls an empty queue
    finally:
        stop.set()


if __name__ == "__main__":
    url, queue, path, first, count, size = sys.argv[1:7]
    produce(url, queue, path, int(first), int(count), int(size))
