"""Background job progress (bulk decisions, their undo, bulk deactivation): a partial that polls itself."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from reviews.models import Task

from ._common import can_act, page_view


@page_view()
def task_detail(request, pk):
    task = get_object_or_404(Task, pk=pk)
    context = {"task": task, "can_act": can_act(request)}
    template = "reviews/partials/task.html" if request.htmx else "reviews/task.html"
    response = render(request, template, context)
    if request.htmx and task.status in (Task.Status.COMPLETED, Task.Status.FAILED):
        response["HX-Trigger"] = "task-finished"  # lists the job changed (the log) refresh themselves
    return response
