"""`import_block_list` as a background job on the one runner (reviews/services/jobs.py): the words are validated
and deduplicated up front (a bad one is a 400 naming `items[i]`, nothing imported), then added `chunk_size` at a
time, each chunk one transaction; `get_task` reports `added` and `already_listed`."""

from __future__ import annotations

from typing import Any

from reviews.actions.blocklist_import import add_blocklist_words, blocklist_by_id
from reviews.actions.policies import clean_words
from reviews.engines.blocklists import MAX_WORDS
from reviews.errors import ModerationError
from reviews.models import EndUser, Task

from . import jobs

KIND = "import_block_list"
DEFAULT_CHUNK = 1000


def start_import(*, blocklist_id: Any, items: Any, chunk_size: int | None, actor: EndUser | None) -> Task:
    blocklist = blocklist_by_id(blocklist_id)
    if chunk_size is not None and (isinstance(chunk_size, bool) or not 1 <= chunk_size <= MAX_WORDS):
        raise ModerationError.invalid("chunk_size", f"must be between 1 and {MAX_WORDS}")
    words = clean_words(items, type=blocklist.type, field="items")
    if not words:
        raise ModerationError.invalid("items", "give at least one non-empty word")
    have = {w.casefold() for w in blocklist.words or []}
    if len(have | {w.casefold() for w in words}) > MAX_WORDS:
        raise ModerationError.invalid("items", f"the list would have more than {MAX_WORDS} entries")
    size = chunk_size or DEFAULT_CHUNK
    # The runner takes one element of `chunks` per step, so each step is one chunk of the caller's size.
    chunks = [words[i:i + size] for i in range(0, len(words), size)]
    return jobs.start(kind=KIND, params={"blocklist_id": blocklist.pk, "chunks": chunks, "words": len(words)},
                      total=len(chunks), actor=actor)


def _chunk(task: Task, chunks: list, result: dict[str, Any]) -> None:
    for words in chunks:
        added, listed = add_blocklist_words(blocklist_id=task.params["blocklist_id"], words=words,
                                            actor=task.created_by)
        result["added"] += added
        result["already_listed"] += listed


JOBS = {KIND: jobs.Job(ids="chunks", chunk=_chunk, result=lambda: {"added": 0, "already_listed": 0},
                       chunk_size=lambda: 1)}
