"""Bans: app-wide, channel, shadow and IP bans in force, filterable; lift one or many."""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse

from reviews import actions
from reviews.errors import ModerationError
from reviews.forms import IdsForm
from reviews.models import Ban
from reviews.selectors.bans import ban_filter
from reviews.selectors.pagination import SortKey

from ._common import action_view, can_act, done, filtered_page, me, page_view, query_without, role_of

BAN_SORT = [SortKey("created_at", True), SortKey("id", True)]
KINDS = [("app", "App-wide"), ("channel", "Channel"), ("shadow", "Shadow"), ("ip", "IP")]


# Dashboard URL names -> the shared `query_banned_users` FilterSet's (reviews.selectors.bans).
BAN_PARAMS = {"user": "user_id", "channel_cid": "channel_cid", "banned_by": "banned_by_id"}
KIND_FILTERS = {"app": {"app_wide": "true", "shadow": "false"}, "channel": {"app_wide": "false"},
                "shadow": {"shadow": "true"}, "ip": {}}


@page_view()
def ban_list(request):
    kind = request.GET.get("kind", "")
    data = {BAN_PARAMS[k]: v for k, v in request.GET.items() if k in BAN_PARAMS and v}
    filterset = ban_filter({**data, **KIND_FILTERS.get(kind, {}), "in_force": "true"})
    # Two dashboard-only refinements the API has no filter for: IP bans, and a words-in-the-reason search.
    if kind == "ip":
        filterset.queryset = filterset.queryset.filter(ip_ban=True)
    if request.GET.get("reason"):
        filterset.queryset = filterset.queryset.filter(reason__icontains=request.GET["reason"])
    page, error = filtered_page(request, filterset, BAN_SORT)
    context = {"page": page, "bans": page.rows, "filters": request.GET, "kind": kind, "kinds": KINDS,
               "error": error, "role": role_of(request), "can_act": can_act(request),
               "more_query": query_without(request, "next")}
    template = "reviews/bans.html#ban-rows" if request.htmx and request.GET.get("next") else "reviews/bans.html"
    return render(request, template, context)


@action_view(fallback="/bans/")
def lift(request):
    """Lift the ticked bans, all or nothing (each through `unban_user`)."""
    form = IdsForm(request.POST)
    if not form.is_valid():
        raise ModerationError.invalid("ids", "tick at least one ban")
    try:
        ids = [int(i) for i in form.cleaned_data["ids"]]
    except ValueError:
        raise ModerationError.invalid("ids", "must be ban ids") from None
    bans = list(Ban.objects.filter(pk__in=ids).select_related("target"))
    actor = me(request)
    with transaction.atomic():
        lifted = [b for b in bans if actions.unban_user(target=b.target, actor=actor, channel_cid=b.channel_cid,
                                                        reason=request.POST.get("reason", ""))]
    gone = "".join(render_to_string("reviews/bans.html#ban-gone", {"ban": b}) for b in bans)
    return done(request, f"Lifted {len(lifted)} ban{'s' if len(lifted) != 1 else ''}.",
                fallback=reverse("reviews:bans"), html=gone)
