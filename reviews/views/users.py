"""Users: search, a user's history, the verbs on one user, and bulk (de)activation as a background job."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse

from reviews.actions import registry
from reviews.errors import ModerationError
from reviews.forms import TIMEOUT_PRESETS, IdsForm, UserActionForm, first_error
from reviews.models import EndUser
from reviews.selectors import appeals as appeal_selectors
from reviews.selectors.pagination import SortKey
from reviews.selectors.users import UserFilter, bans_in_force_by_user, enforcement_of, user_page
from reviews.services.bulk import start_user_task
from reviews.services.decisions import collect_log_ids

from ._common import action_view, can_act, done, filtered_page, me, page_view, query_without, role_of

USER_SORT = [SortKey("id", False)]  # the primary key's index: keyset pages stay cheap however many users


@page_view()
def user_list(request):
    filterset = UserFilter(data=request.GET, queryset=EndUser.objects.all())
    page, error = filtered_page(request, filterset, USER_SORT)
    bans = bans_in_force_by_user(u.pk for u in page.rows)
    for user in page.rows:
        user.bans_in_force = bans.get(user.pk, [])
    context = {"page": page, "users": page.rows, "filters": request.GET, "error": error, "role": role_of(request),
               "can_act": can_act(request), "more_query": query_without(request, "next")}
    template = "reviews/users.html#user-rows" if request.htmx and request.GET.get("next") else "reviews/users.html"
    return render(request, template, context)


def _user_context(request, user: EndUser) -> dict:
    return {
        "subject": user, "can_act": can_act(request), "role": role_of(request), "timeouts": TIMEOUT_PRESETS,
        **enforcement_of(user, viewer=me(request) if can_act(request) else None),
    }


@page_view()
def user_detail(request, user_id):
    user = get_object_or_404(EndUser, pk=user_id)
    context = {**_user_context(request, user), **user_page(user), "appeals": appeal_selectors.of_user(user.pk)}
    return render(request, "reviews/user.html", context)


@action_view(fallback="/users/")
def user_act(request, user_id):
    target = get_object_or_404(EndUser, pk=user_id)
    form = UserActionForm(request.POST)
    if not form.is_valid():
        raise ModerationError.invalid(*first_error(form))
    actor = me(request)
    if target.pk == actor.pk:
        raise ModerationError.invalid("user", "you cannot act on your own account")
    data = form.cleaned_data
    verb = registry.get(data["action"], face=registry.Face.USER, field="action")
    params = {**data, "target_user_id": target.pk, "channel_cid": (data.get("channel_cid") or "").strip() or None,
              "decision_reason": data.get("reason") or ""}
    with collect_log_ids(actor=actor, scope=Q(target_user=target)) as log_ids:
        changed = registry.apply(verb, actor=actor, params=params).result
    message = f"{target.pk}: {verb.done}" if changed else f"{target.pk}: nothing to change ({verb.label.lower()})"
    target.refresh_from_db()
    html = render_to_string("reviews/user.html#status", _user_context(request, target), request=request)
    return done(request, message + ".", fallback=reverse("reviews:user", args=[target.pk]), html=html, undo=log_ids)


@action_view(fallback="/users/")
def user_bulk(request):
    """Deactivate or reactivate the ticked users as a background job with a live progress bar."""
    form = IdsForm(request.POST)
    if not form.is_valid():
        raise ModerationError.invalid("ids", "tick at least one user")
    kind = "reactivate_users" if request.POST.get("action") == "reactivate" else "deactivate_users"
    ids = [i for i in form.cleaned_data["ids"] if i != me(request).pk]
    task = start_user_task(kind=kind, user_ids=ids, actor=me(request))
    task.refresh_from_db()
    if not request.htmx:
        return HttpResponseRedirect(reverse("reviews:task", args=[task.pk]))
    html = render_to_string("reviews/partials/task.html", {"task": task, "can_act": True}, request=request)
    verb = "Reactivating" if kind == "reactivate_users" else "Deactivating"
    return done(request, f"{verb} {task.total} users in the background.", fallback=reverse("reviews:users"),
                html=html)
