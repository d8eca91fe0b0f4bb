"""The moderation log: every decision, filterable, each entry linking to its item or user, and undo."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse

from reviews import actions
from reviews.actions import registry
from reviews.actions.undo import undone_ids
from reviews.errors import ModerationError
from reviews.models import ModerationLog, Task
from reviews.permissions import ADMINS
from reviews.selectors.logs import log_filter
from reviews.selectors.pagination import SortKey
from reviews.selectors.queue import base_queryset
from reviews.services import queue_bulk

from ._common import (
    action_view,
    can_act,
    done,
    error_response,
    filtered_page,
    me,
    page_view,
    query_without,
    role_of,
)
from .queue import rows_html

LOG_SORT = [SortKey("created_at", True), SortKey("id", True)]


# The dashboard's URL names for the log filters, and the shared FilterSet's (reviews.selectors.logs, the one
# the API's log queries use) they mean.
LOG_PARAMS = {"moderator": "user_id", "action": "type", "target": "target_user_id", "item": "item_id",
              "created_after": "created_from", "created_before": "created_until"}


def log_filter_data(params) -> dict:
    """`<input type=date>` sends 2025-01-31; the end date is inclusive, so it means the end of that day."""
    data = {LOG_PARAMS[k]: v for k, v in params.items() if k in LOG_PARAMS and v}
    if len(data.get("created_from", "")) == 10:
        data["created_from"] += "T00:00:00+00:00"
    if len(data.get("created_until", "")) == 10:
        data["created_until"] += "T23:59:59.999999+00:00"
    return data


@page_view()
def log_list(request):
    filterset = log_filter(log_filter_data(request.GET))
    filterset.queryset = filterset.queryset.select_related("item")
    page, error = filtered_page(request, filterset, LOG_SORT)
    ids = [e.pk for e in page.rows]
    done_ids = undone_ids(ids)
    undo_tasks = queue_bulk.undo_progress_for([e.pk for e in page.rows if e.action == queue_bulk.LOG_ACTION])
    for entry in page.rows:
        # Who did it, as the decision table tells: a moderator's decision or reversible record (the kinds offered
        # for undo), an end user's own act (blocking or muting someone for themselves), or the system's.
        entry.by = registry.made_by(entry.action, entry.actor_type)
        entry.undone = entry.pk in done_ids or entry.pk in undo_tasks
        entry.undoable = not entry.undone and not (entry.custom or {}).get("external") and (
            registry.can_undo(entry.action, entry.actor_type)
            or (entry.action == queue_bulk.LOG_ACTION and registry.is_moderator_decision(entry.action,
                                                                                       entry.actor_type)))
    context = {"page": page, "entries": page.rows, "filters": request.GET, "error": error, "role": role_of(request),
               "can_act": can_act(request), "more_query": query_without(request, "next"),
               "can_undo_matching": role_of(request) == ADMINS and bool(log_filter_data(request.GET)),
               "actions_known": registry.log_choices()}
    template = "reviews/log.html#entries" if request.htmx and request.GET.get("next") else "reviews/log.html"
    return render(request, template, context)


@action_view(fallback="/log/")
def undo(request):
    """Undo log entries: one decision (its entries, newest first, all or nothing), or a bulk decision, which
    starts a background job with its own progress bar."""
    try:
        ids = sorted({int(i) for i in request.POST.getlist("entries")}, reverse=True)
    except ValueError:
        raise ModerationError.invalid("entries", "must be log entry ids") from None
    if not ids:
        raise ModerationError.invalid("entries", "nothing to undo")
    entries = {e.pk: e for e in ModerationLog.objects.filter(pk__in=ids)}
    if len(entries) != len(ids):
        raise ModerationError.not_found("log entry", str(sorted(set(ids) - set(entries))[0]))
    actor = me(request)
    if len(ids) == 1 and entries[ids[0]].action == queue_bulk.LOG_ACTION:
        task = queue_bulk.start_undo_task(entry=entries[ids[0]], actor=actor)
        task.refresh_from_db()
        html = render_to_string("reviews/partials/task.html", {"task": task, "can_act": True}, request=request)
        return done(request, f"Undoing the bulk decision ({task.total} log entries).", fallback=reverse("reviews:log"),
                    html=html)
    with transaction.atomic():
        results = [actions.undo_entry(entry=entries[i], actor=actor) for i in ids]
    item_ids = {e.item_id for e in entries.values() if e.item_id}
    html = rows_html(request, list(base_queryset().filter(pk__in=item_ids)), oob="upsert") if item_ids else ""
    if not any(results):
        return done(request, "Already undone: nothing changed.", fallback=reverse("reviews:log"), html=html)
    names = ", ".join(sorted({entries[i].action.replace("_", " ") for i in ids}))
    return done(request, f"Undone: {names}.", fallback=reverse("reviews:log"), html=html,
                headers={"HX-Trigger": "undone"})


@action_view(fallback="/log/")
def undo_matching(request):
    """Admins: undo every undoable decision matching the log's filters (e.g. all one moderator did on a day),
    as a background job with its progress bar."""
    if role_of(request) != ADMINS:
        return error_response(request, "Undoing decisions in bulk needs the Admins role.", 403, reverse("reviews:log"))
    filters = {k[2:]: v for k, v in request.POST.items() if k.startswith("f_")}
    task = queue_bulk.start_filtered_undo_task(filterset=log_filter(log_filter_data(filters)), actor=me(request))
    task.refresh_from_db()
    if not request.htmx:
        return HttpResponseRedirect(reverse("reviews:task", args=[task.pk]))
    html = render_to_string("reviews/partials/task.html", {"task": task, "can_act": True}, request=request)
    finished = task.status in (Task.Status.COMPLETED, Task.Status.FAILED)  # a fast (or eager) worker
    return done(request, f"Undoing {task.total} decisions in the background.", fallback=reverse("reviews:log"),
                html=html, headers={"HX-Trigger": "task-finished"} if finished else None)
