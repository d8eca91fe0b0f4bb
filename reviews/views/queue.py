"""The review queue: list, live changes, the item drawer, decisions (one row or in bulk), claims."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from reviews import actions
from reviews.actions import registry
from reviews.errors import ModerationError
from reviews.forms import ACTION_CHOICES, TIMEOUT_PRESETS, DecisionForm, error_text, first_error
from reviews.models import CustomQueue, EntityType, ReviewQueueItem
from reviews.selectors import appeals as appeal_selectors
from reviews.selectors.custom_queues import scoped_filterset, stale_after, stale_alerts, summaries
from reviews.selectors.pagination import Page
from reviews.selectors.queue import (
    SORT_LABELS,
    ReviewQueueFilter,
    base_queryset,
    bounded_count,
    in_sort_order,
    item_drawer,
    item_version,
    queue_filter,
    queue_page,
)
from reviews.services import queue_bulk
from reviews.services.decisions import apply_decision, describe

from ._common import action_view, can_act, done, me, page_view, query_without, role_of
from .media import media_context
from .rows import decorate, queue_rows, render_rows

LIMIT = 50
# The queue page's verb vocabulary, from the decision table: the bulk bar's choices, the keyboard help, and the
# keys keys.js listens for (read from a JSON data block: no inline script).
BULK_VERBS = registry.offered_on(registry.Face.BULK)
_KEYED = [v for v in registry.offered_on(registry.Face.ROW) if v.key]
VERB_KEYS = {v.key: " / ".join(w.label for w in _KEYED if w.key == v.key) for v in _KEYED}
# A poll looks back a little further than its last answer, so a write that committed just after it is not missed.
POLL_OVERLAP = timedelta(seconds=2)


def _filter_data(request):
    data = request.GET.copy()
    data.setdefault("status", "pending")
    return data


def _sort(request, queue_sort: str | None = None) -> str:
    """The chosen sort; else the custom queue's own; else newest."""
    sort = request.GET.get("sort")
    return sort if sort in SORT_LABELS else (queue_sort or "newest")


def _row_context(request) -> dict:
    return {"me_id": me(request).pk, "can_act": can_act(request)}


def _stale_after(request, custom_queue: CustomQueue | None):
    """The age threshold of the queue the rows are shown in: `custom_queue`, else the one the page names (`cq`
    in the request, the claim form's `f_cq` or, for HTMX, the page's URL), else the default queue's."""
    if custom_queue is None:
        cq = request.GET.get("cq") or request.POST.get("f_cq")
        if not cq and request.htmx and request.htmx.current_url:
            cq = (parse_qs(urlsplit(request.htmx.current_url).query).get("cq") or [""])[0]
        if cq:
            try:
                custom_queue = CustomQueue.objects.filter(pk=uuid.UUID(cq)).first()
            except ValueError:
                custom_queue = None
    return stale_after(custom_queue)


def render_queue_rows(request, items: list[ReviewQueueItem], *, oob: str = "",
                      custom_queue: CustomQueue | None = None) -> str:
    """The rows' markup (reviews/views/rows.py); their forms share one CSRF input made once per response."""
    return render_rows(queue_rows(items, me_id=me(request).pk, stale_after=_stale_after(request, custom_queue)),
                       can_act=can_act(request), csrf_input=csrf_input(request), oob=oob)


def rows_html(request, items, *, oob: str = "", custom_queue: CustomQueue | None = None) -> str:
    rows = render_queue_rows(request, items, oob=oob, custom_queue=custom_queue)
    return render_to_string("reviews/queue.html#rows-only", {"rows_html": rows, "oob": oob}, request=request)


@page_view()
def queue(request):
    """The queue page. HTMX 'load more' gets the `rows` partial; counts are bounded and say so."""
    data = _filter_data(request)
    error, page = "", Page(rows=[], next=None, prev=None)
    try:
        filterset, custom_queue, queue_sort = scoped_filterset(data, with_people=False)
    except ModerationError as exc:
        error, filterset, custom_queue, queue_sort = exc.message, queue_filter({}), None, None
    sort = _sort(request, queue_sort)
    if error:
        pass  # an unknown custom queue: say so, list nothing
    elif filterset.is_valid():
        try:
            # A custom queue narrows the filterset's own queryset, which the compiled per-filter page query
            # would not see: any `extra` (here an empty one) makes queue_page build the query afresh.
            page = queue_page(filterset=filterset, sort=sort, limit=LIMIT, next_cursor=request.GET.get("next") or None,
                              with_flags=False, extra=Q() if custom_queue else None)
        except ModerationError as exc:
            error = exc.message
    else:
        error = error_text(filterset.form)
    context = {
        "page": page, "rows_html": render_queue_rows(request, page.rows, custom_queue=custom_queue), "filters": data,
        "sort": sort,
        "sorts": SORT_LABELS, "custom_queue": custom_queue,
        "error": error, "more_query": query_without(request, "next"), "role": role_of(request),
        "sort_label": SORT_LABELS.get(sort, sort).lower(), "severities": ["low", "medium", "high", "critical"],
        "now": timezone.now(), "entity_types": EntityType.choices, "actions_list": ReviewQueueItem.Action.choices,
        "action_choices": ACTION_CHOICES, "timeouts": TIMEOUT_PRESETS, "filter_query": query_without(request, "next"),
        "bulk_verbs": BULK_VERBS, "verb_keys": VERB_KEYS, **_row_context(request),
    }
    if request.htmx and request.GET.get("next"):
        return render(request, "reviews/queue.html#rows", context)
    if not error:
        context["count"], context["count_exact"] = bounded_count(filterset.qs)
    return render(request, "reviews/queue.html", context)


@page_view()
def queue_switcher(request):
    """The custom queues with their depth and oldest pending item, the viewer's assigned queues first. Loaded
    after the page (two bounded, indexed reads per queue), so the queue page itself costs what it did."""
    current = request.GET.get("cq") or ""
    now = timezone.now()
    queues = summaries(me(request), now=now)
    context = {"custom_queues": queues, "now": now, "stale_alerts": stale_alerts(queues, now=now),
               "custom_queue": next((s.queue for s in queues if str(s.queue.pk) == current), None)}
    return render(request, "reviews/queue.html#switcher", context)


@page_view()
def changes(request):
    """What changed since the last poll, for the open queue page: new matching items (prepended), items that
    changed and still match (updated in place), items that no longer match (removed), and who holds what."""
    now = timezone.now()
    since = parse_datetime(request.GET.get("since") or "") or now
    look_from = since - POLL_OVERLAP
    data = _filter_data(request)
    custom_queue = None
    try:
        filterset, custom_queue, _ = scoped_filterset(data, with_people=False)
    except ModerationError:  # the custom queue was deleted meanwhile: nothing new matches
        filterset = ReviewQueueFilter(data={}, queryset=ReviewQueueItem.objects.none())
    fresh, updated, gone = [], [], []
    if filterset.is_valid():
        fresh = list(filterset.qs.filter(created_at__gt=look_from).order_by("-created_at", "-id")[:20])
        fresh_ids = {i.pk for i in fresh}
        changed = list(ReviewQueueItem.objects.filter(updated_at__gt=look_from)
                       .order_by("-updated_at").values_list("id", flat=True)[:200])
        if changed:
            updated = [i for i in filterset.qs.filter(pk__in=changed) if i.pk not in fresh_ids]
            still = {i.pk for i in updated} | fresh_ids
            gone = [pk for pk in changed if pk not in still]
    held = dict(ReviewQueueItem.objects.filter(locked_until__gt=now).values_list("id", "locked_by_id")[:500])
    context = {
        "since": now.isoformat(), "filter_query": query_without(request, "since"), "gone": gone,
        "fresh_html": rows_html(request, fresh, oob="upsert", custom_queue=custom_queue) if fresh else "",
        "updated_html": (rows_html(request, updated, oob="upsert-replace", custom_queue=custom_queue)
                         if updated else ""),
        "held_json": json.dumps({str(k): v for k, v in held.items()}),
    }
    return render(request, "reviews/queue.html#live", context)


def _item_context(request, item: ReviewQueueItem) -> dict:
    drawer = item_drawer(item)
    return {
        "item": decorate([item])[0], "version": item_version(item), **drawer,
        "media": media_context(item, drawer["flags"]),
        "appeals": appeal_selectors.of_item(item.pk),
        "action_choices": ACTION_CHOICES, "timeouts": TIMEOUT_PRESETS, "now": timezone.now(),
        **_row_context(request),
    }


@page_view()
def item_detail(request, pk):
    """The item drawer (HTMX) or page. Looking claims nothing: the claim starts when the moderator starts
    deciding (the `claim` view; reviews/actions/registry.py has the rule)."""
    item = get_object_or_404(base_queryset(), pk=pk)
    context = _item_context(request, item)
    if request.htmx:
        html = render_to_string("reviews/item.html#drawer", context, request=request)
        html += rows_html(request, [item], oob="upsert-replace")
        return HttpResponse(html)
    return render(request, "reviews/item.html", context)


def decision_response(request, item: ReviewQueueItem, log_ids: list[int], message: str) -> HttpResponse:
    item = base_queryset().get(pk=item.pk)
    # The row partial goes last: it may replace the element that made the request, which the partials after
    # it would be resolved against.
    html = render_to_string("reviews/partials/last_undo.html", {"undo": log_ids, "label": message},
                            request=request)
    if request.POST.get("place") == "drawer":
        html = render_to_string("reviews/item.html#drawer", _item_context(request, item), request=request) + html
        html += rows_html(request, [item], oob="upsert-replace")
    else:
        html += rows_html(request, [item], oob="decision")
    return done(request, message, fallback=reverse("reviews:queue"), html=html, undo=log_ids,
                headers={"HX-Trigger": "decided"})


def _unchanged_since(item: ReviewQueueItem, seen: str) -> None:
    """A decision made on what the page showed (`expect_v`, sent when a decision kept over a lost session is
    re-applied) is refused when the item has changed since, saying how it stands now."""
    if not seen or seen == item_version(item):
        return
    now = [item.get_status_display().lower()]
    if item.latest_moderator_action:
        verb = registry.find(item.latest_moderator_action)
        now.append(f"last decision: {verb.label.lower() if verb else item.latest_moderator_action}")
    if item.content_state:
        now.append(item.get_content_state_display().lower())
    now.append(f"{item.flags_count} flag{'s' if item.flags_count != 1 else ''}")
    raise ModerationError(f"This item changed since you decided ({', '.join(now)}); your decision was not applied. "
                          f"Look at it again.", kind=ModerationError.CONFLICT, field="expect_v")


@action_view()
def decide(request, pk):
    """One decision on one item: one or several actions in one submit, all or nothing."""
    item = get_object_or_404(base_queryset(), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        raise ModerationError.invalid(*first_error(form))
    _unchanged_since(item, request.POST.get("expect_v", ""))
    decision = form.decision()
    log_ids = apply_decision(item=item, decision=decision, actor=me(request))
    label = item.texts[0][:40] if item.texts else item.entity_id
    return decision_response(request, item, log_ids, f"{describe(decision).capitalize()}: “{label}”")


def _claim_response(request, item: ReviewQueueItem, message: str) -> HttpResponse:
    """The drawer's claim line and the row, refreshed; a toast only when the moderator asked (a claim key, the
    Release button), not for the claim the decision form takes on its own."""
    item = base_queryset().get(pk=item.pk)
    context = {"item": decorate([item])[0], **_row_context(request)}
    html = rows_html(request, [item], oob="upsert-replace")
    if request.POST.get("place") == "drawer":  # the drawer's claim line, when the drawer is what asked
        html = render_to_string("reviews/item.html#claim", {**context, "oob": True}, request=request) + html
    if request.POST.get("quiet"):
        return HttpResponse(html) if request.htmx else HttpResponse(status=204)
    return done(request, message, fallback=reverse("reviews:item", args=[item.pk]), html=html)


@action_view()
def claim(request, pk):
    """The moderator starts deciding this item (first touch of its decision form, or the claim key): it is
    theirs for MODERATION_LOCK_SECONDS, or refused naming whoever holds it."""
    item = get_object_or_404(ReviewQueueItem, pk=pk)
    registry.take(item, me(request))
    return _claim_response(request, item, "Claimed: others are not handed this item while you decide.")


@action_view()
def release(request, pk):
    """The moderator left the item undecided (closed the drawer, moved on, left the page: keys.js sends this
    with navigator.sendBeacon then), or pressed Release."""
    item = get_object_or_404(ReviewQueueItem, pk=pk)
    registry.let_go(item, me(request))
    return _claim_response(request, item, "Released: others can take this item now.")


def posted_filters(post) -> QueryDict:
    """The queue filters a form carries as `f_<name>` hidden inputs (prefixed, because the decision's own
    fields, such as `reason`, share names with filters)."""
    data = QueryDict(mutable=True)
    for key in post:
        if key.startswith("f_"):
            data.setlist(key[2:], post.getlist(key))
    data.setdefault("status", "pending")
    return data


@action_view()
def claim_next(request):
    """Hand this moderator the next item of the current filter that nobody else holds."""
    data = posted_filters(request.POST)
    filterset, _, queue_sort = scoped_filterset(data)
    if not filterset.is_valid():
        raise ModerationError.invalid(*first_error(filterset.form))
    qs = in_sort_order(filterset.qs, data.get("sort") if data.get("sort") in SORT_LABELS else queue_sort or "newest")
    if request.POST.get("current"):
        qs = qs.exclude(pk=request.POST["current"])
    claimed = actions.claim_items(items_qs=qs, holder=me(request), count=1)
    if not claimed:
        raise ModerationError("Nothing left in this view that nobody else holds.", kind=ModerationError.NOT_FOUND)
    item = base_queryset().get(pk=claimed[0].pk)
    if not request.htmx:
        return HttpResponseRedirect(reverse("reviews:item", args=[item.pk]))
    html = render_to_string("reviews/item.html#drawer", {**_item_context(request, item), "claimed": True},
                            request=request)
    return HttpResponse(html + rows_html(request, [item], oob="upsert-replace"))


@action_view()
def bulk(request):
    """Selected rows, or every item matching the filter, as a background job with a progress bar."""
    form = DecisionForm(request.POST)
    if not form.is_valid():
        raise ModerationError.invalid(*first_error(form))
    if request.POST.get("scope") == "all":
        task = queue_bulk.start_queue_task(decision=form.decision(), actor=me(request),
                                           filterset=scoped_filterset(posted_filters(request.POST))[0])
    else:
        task = queue_bulk.start_queue_task(decision=form.decision(), actor=me(request),
                                           item_ids=request.POST.getlist("items"))
    task.refresh_from_db()
    html = render_to_string("reviews/partials/task.html", {"task": task, "can_act": True}, request=request)
    if not request.htmx:
        return HttpResponseRedirect(reverse("reviews:task", args=[task.pk]))
    return done(request, f"Bulk decision started on {task.total} items.", fallback=reverse("reviews:queue"),
                html=html)

