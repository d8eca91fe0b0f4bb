"""Bulk queue decisions (selected rows, or every item matching a filter) as `Task` rows run by Celery.

The item ids are fixed when the job starts, so the total is exact and the progress bar honest even while the
decisions move items out of the filter. Each item goes through `apply_decision` (the same code a single row
uses); items another moderator holds are skipped, not taken from them. The log entries each decision wrote are
kept on the task, and the job ends with one `bulk_decision` log entry; undoing that entry runs another job that
undoes exactly those entries. The job runner (`jobs.py`) commits each chunk with the task's progress and resumes
a task whose worker died or whose enqueue was lost, so every item is decided once.

An Admin can also undo every decision matching a log filter (say, everything one moderator did yesterday) as
one job: the entries are fixed when it starts, undone newest first, and the job ends with a `bulk_undo` entry.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import transaction

from reviews import actions
from reviews.actions.registry import DECIDING, UNDOABLE
from reviews.actions.undo import undone_ids
from reviews.errors import ModerationError
from reviews.models import EndUser, ModerationLog, ReviewQueueItem, Task
from reviews.selectors.logs import ModerationLogFilter
from reviews.selectors.queue import ReviewQueueFilter

from . import jobs
from .decisions import apply_decision, clean_decision, describe

CHUNK = 100
MAX_ITEMS = 10_000
DECIDE, UNDO = "queue_decision", "undo_queue_decision"
LOG_ACTION, UNDO_LOG_ACTION = "bulk_decision", "bulk_undo"


def resolve_ids(*, item_ids: list[str] | None, filterset: ReviewQueueFilter | None) -> list[str]:
    if filterset is not None:
        if not filterset.is_valid():
            field, errors = next(iter(filterset.errors.items()))
            raise ModerationError.invalid(field, "; ".join(errors))
        ids = [str(i) for i in filterset.qs.order_by("created_at", "id").values_list("id", flat=True)[:MAX_ITEMS + 1]]
    else:
        ids = list(dict.fromkeys(str(i) for i in item_ids or []))
    if not ids:
        raise ModerationError.invalid("items", "select at least one item (or a filter that matches some)")
    if len(ids) > MAX_ITEMS:
        raise ModerationError.invalid("items", f"a bulk decision covers at most {MAX_ITEMS:,} items; narrow the filter")
    return ids


def start_queue_task(
    *, decision: dict[str, Any], actor: EndUser, item_ids: list[str] | None = None,
    filterset: ReviewQueueFilter | None = None,
) -> Task:
    """Validate, snapshot the ids and enqueue after commit."""
    decision = clean_decision(decision)
    ids = resolve_ids(item_ids=item_ids, filterset=filterset)
    return jobs.start(kind=DECIDE, total=len(ids), actor=actor, params={"item_ids": ids, "decision": decision})


@transaction.atomic
def start_undo_task(*, entry: ModerationLog, actor: EndUser) -> Task:
    """Undo a finished bulk decision from its log entry. Starting twice returns the first undo job."""
    entry = ModerationLog.objects.select_for_update().get(pk=entry.pk)
    if entry.action != LOG_ACTION:
        raise ModerationError.invalid("entry", "only a bulk decision's log entry starts a bulk undo")
    existing = Task.objects.filter(kind=UNDO, params__log_id=entry.pk).first()
    if existing is not None:
        return existing
    original = Task.objects.filter(pk=entry.custom.get("task_id")).first()
    if original is None:
        raise ModerationError.not_found("bulk task", str(entry.custom.get("task_id")))
    log_ids = list(original.result.get("log_ids") or [])
    return jobs.start(kind=UNDO, total=len(log_ids), actor=actor,
                      params={"log_id": entry.pk, "log_ids": log_ids, "original": str(original.pk)})


def start_filtered_undo_task(*, filterset: ModerationLogFilter, actor: EndUser) -> Task:
    """Undo every undoable decision the log filter matches, newest first, as one job. Entries already undone
    are left out; a filter that matches nothing to undo is an error, not an empty job."""
    if not filterset.is_valid():
        field, errors = next(iter(filterset.errors.items()))
        raise ModerationError.invalid(field, "; ".join(errors))
    chosen = {k: v for k, v in filterset.form.cleaned_data.items() if v not in (None, "", [])}
    if not chosen:
        raise ModerationError.invalid("filters", "choose a moderator, an action or a date range first: "
                                                 "undoing the whole log is not offered")
    # Entries of actions taken elsewhere (insert_action_log) are never undone here.
    candidates = list(filterset.qs.filter(action__in=UNDOABLE, actor_type__in=DECIDING)
                      .exclude(custom__has_key="external").order_by("-created_at", "-id")
                      .values_list("id", flat=True)[:MAX_ITEMS + 1])
    if len(candidates) > MAX_ITEMS:
        raise ModerationError.invalid("filters", f"a bulk undo covers at most {MAX_ITEMS:,} entries; narrow the filter")
    already = undone_ids(candidates)
    ids = [i for i in candidates if i not in already]
    if not ids:
        raise ModerationError.invalid("filters", "nothing left to undo: no undoable decision matches, or all are "
                                                 "undone already")
    filters = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in chosen.items()}
    return jobs.start(kind=UNDO, total=len(ids), actor=actor, params={"log_ids": ids, "filters": filters})


def _decide_chunk(task: Task, chunk: list[str], result: dict[str, Any]) -> None:
    items = ReviewQueueItem.objects.select_related("entity_creator").in_bulk(chunk)
    for item_id in chunk:
        item = items.get(uuid.UUID(item_id))
        if item is None:
            result["missing"] += 1
            continue
        try:
            result["log_ids"] += apply_decision(item=item, decision=task.params["decision"], actor=task.created_by)
            result["changed"] += 1
        except ModerationError as exc:
            if exc.status == ModerationError.CONFLICT[1]:  # someone else holds it: skipped, never taken from them
                result["skipped"] += 1
            else:
                result["failed"] += 1
                result["errors"] = (result.get("errors") or [])[:4] + [f"{item_id}: {exc.message}"]


def _undo_chunk(task: Task, chunk: list[int], result: dict[str, Any]) -> None:
    # Newest first within a chunk, so an item's decision is unwound in the reverse of the order it was made.
    for entry in ModerationLog.objects.filter(pk__in=chunk).order_by("-id"):
        try:
            result["changed"] += actions.undo_entry(entry=entry, actor=task.created_by) is not None
        except ModerationError as exc:
            result["failed"] += 1
            result["errors"] = (result.get("errors") or [])[:4] + [f"entry {entry.pk}: {exc.message}"]


def _finish_decide(task: Task, result: dict[str, Any]) -> None:
    entry = actions.log_bulk_decision(
        task_id=str(task.pk), actor=task.created_by, kind=LOG_ACTION,
        summary={"description": f"bulk: {describe(task.params['decision'])} on {task.total} items",
                 "actions": task.params["decision"]["actions"], "total": task.total,
                 "changed": result["changed"], "skipped": result["skipped"], "failed": result["failed"]},
    )
    result["log_id"] = entry.pk


def _finish_undo(task: Task, result: dict[str, Any]) -> None:
    if "filters" not in task.params:
        return  # the undo of one bulk decision: that entry's undo shows as the job itself
    filters = ", ".join(f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in task.params["filters"].items())
    actions.log_bulk_decision(
        task_id=str(task.pk), actor=task.created_by, kind=UNDO_LOG_ACTION,
        summary={"description": f"bulk undo of {task.total} entries matching {filters}",
                 "filters": task.params["filters"], "total": task.total, "changed": result["changed"],
                 "failed": result["failed"]},
    )


def _result() -> dict[str, Any]:
    return {"changed": 0, "skipped": 0, "missing": 0, "failed": 0, "log_ids": []}


def _chunk_size() -> int:
    return min(CHUNK, settings.MODERATION_BULK_CHUNK_SIZE)


JOBS = {
    DECIDE: jobs.Job(ids="item_ids", chunk=_decide_chunk, result=_result, chunk_size=_chunk_size,
                     finish=_finish_decide),
    UNDO: jobs.Job(ids="log_ids", chunk=_undo_chunk, result=_result, chunk_size=_chunk_size, finish=_finish_undo),
}


def undo_progress_for(entry_ids) -> dict[int, Task]:
    """The undo job started for each of these bulk log entries, if any (one query)."""
    ids = [int(i) for i in entry_ids]
    if not ids:
        return {}
    return {t.params["log_id"]: t for t in Task.objects.filter(kind=UNDO, params__log_id__in=ids)}

