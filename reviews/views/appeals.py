"""Appeals inbox: open appeals oldest first, each beside the decision it contests, that decision's log and the
content; accept (the opposite verb) or reject with a reason, by button or keyboard (static/reviews/appeals.js)."""

from __future__ import annotations

from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse

from reviews import actions
from reviews.actions.appeals import ACCEPT_VERBS
from reviews.errors import ModerationError
from reviews.models import Appeal
from reviews.selectors.appeals import APPEAL_SORTS, appeal_filter, with_logs

from ._common import action_view, can_act, done, filtered_page, me, page_view, query_without, role_of

TABS = [("submitted", "Open"), ("accepted", "Accepted"), ("rejected", "Rejected"), ("reviewed", "Reviewed"),
        ("all", "All")]
# Dashboard URL names -> the shared `query_appeals` FilterSet's (reviews.selectors.appeals).
PARAMS = {"user": "user_id", "decision": "decision", "entity_type": "entity_type"}


def _context(request, appeals: list[Appeal]) -> dict:
    return {"appeals": with_logs(appeals), "can_act": can_act(request), "role": role_of(request)}


@page_view()
def appeal_list(request):
    status = request.GET.get("status") or "submitted"
    data = {PARAMS[k]: v for k, v in request.GET.items() if k in PARAMS and v}
    if status != "all":
        data["status"] = status
    # Open appeals wait in line (oldest first); decided ones read newest first.
    sort = APPEAL_SORTS[("created_at", 1 if status == "submitted" else -1)]
    page, error = filtered_page(request, appeal_filter(data), sort, limit=25)
    context = {**_context(request, page.rows), "page": page, "filters": request.GET, "status": status,
               "tabs": TABS, "decisions": Appeal.Decision.choices, "error": error,
               "more_query": query_without(request, "next")}
    template = "reviews/appeals.html#appeal-cards" if request.htmx and request.GET.get("next") else \
        "reviews/appeals.html"
    return render(request, template, context)


@action_view(fallback="/appeals/")
def decide(request, pk):
    """Accept (the verb that reverses the decision) or reject (a reason is required) one appeal."""
    appeal = Appeal.objects.select_related("user", "item", "ban").filter(pk=pk).first()
    if appeal is None:
        raise ModerationError.not_found("appeal", str(pk))
    outcome = request.POST.get("outcome")
    if outcome not in ("accept", "reject"):
        raise ModerationError.invalid("outcome", "must be accept or reject")
    verb = ACCEPT_VERBS[appeal.decision][0] if outcome == "accept" else "reject_appeal"
    decided = actions.decide_appeal(appeal=appeal, actor=me(request), verb=verb,
                                    decision_reason=request.POST.get("reason", "").strip())
    fresh = Appeal.objects.select_related("user", "item", "ban", "decided_by").get(pk=pk)
    html = render_to_string("reviews/appeals.html#appeal-swap", _context(request, [fresh]) | {"a": fresh},
                            request=request)
    word = "Accepted" if outcome == "accept" else "Rejected"
    message = f"{word} the appeal of {appeal.user_id}" + ("" if decided.changed else " (already decided so)")
    if decided.warning:
        message += f"; note: {decided.warning}"
    return done(request, message, fallback=reverse("reviews:appeals"), html=html,
                headers={"HX-Trigger-After-Settle": "appeal-decided"})
