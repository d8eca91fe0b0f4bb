"""Bans: app-wide, channel, shadow and IP bans in force, filterable; lift one or many."""

from __future__ import annotations

import django_filters
from django.db import transaction
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse

from reviews import actions
from reviews.errors import ModerationError
from reviews.forms import IdsForm
from reviews.models import Ban
from reviews.selectors.pagination import SortKey

from ._common import action_view, can_act, done, filtered_page, me, page_view, query_without, role_of

BAN_SORT = [SortKey("created_at", True), SortKey("id", True)]
KINDS = [("app", "App-wide"), ("channel", "Channel"), ("shadow", "Shadow"), ("ip", "IP")]


class DashboardBanFilter(django_filters.FilterSet):
    user = django_filters.CharFilter(field_name="target_id", label="User id")
    channel_cid = django_filters.CharFilter(field_name="channel_cid", label="Channel")
    banned_by = django_filters.CharFilter(field_name="banned_by_id", label="Banned by")
    reason = django_filters.CharFilter(field_name="reason", lookup_expr="icontains", label="Reason")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = Ban
        fields: list[str] = []


def _by_kind(qs, kind: str):
    return {
        "app": qs.filter(channel_cid__isnull=True, shadow=False, ip_ban=False),
        "channel": qs.filter(channel_cid__isnull=False),
        "shadow": qs.filter(shadow=True),
        "ip": qs.filter(ip_ban=True),
    }.get(kind, qs)


@page_view()
def ban_list(request):
    kind = request.GET.get("kind", "")
    base = _by_kind(Ban.objects.in_force().select_related("target", "banned_by"), kind)
    filterset = DashboardBanFilter(data=request.GET, queryset=base)
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
