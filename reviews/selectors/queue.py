"""Review-queue reads. One FilterSet serves the dashboard (GET parameters) and the API (`query_review_queue`
translates Stream's filter object into the same data), so a filter means the same thing in both."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import django_filters
from django.db import connection
from django.db.models import CharField, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value

from reviews.models import Ban, Flag, ModerationLog, ReviewQueueItem, Severity, Watch
from reviews.prepared import PreparedQuery, bind_ids, id_sentinels

from .filtersets import FilterSet
from .pagination import Page, SortKey, keyset_page

SORTS: dict[str, list[SortKey]] = {
    "newest": [SortKey("created_at", True), SortKey("id", True)],
    "oldest": [SortKey("created_at", False), SortKey("id", False)],
    "severity": [SortKey("severity", True), SortKey("created_at", True), SortKey("id", True)],
    "flags": [SortKey("flags_count", True), SortKey("created_at", True), SortKey("id", True)],
    "updated": [SortKey("updated_at", True), SortKey("id", True)],
    "updated_asc": [SortKey("updated_at", False), SortKey("id", False)],
    "severity_asc": [SortKey("severity", False), SortKey("created_at", False), SortKey("id", False)],
    "flags_asc": [SortKey("flags_count", False), SortKey("created_at", False), SortKey("id", False)],
}
SORT_LABELS = {"newest": "Newest", "oldest": "Oldest", "severity": "Severity", "flags": "Flag count"}


class CharInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """`a` or `a,b,c` (the API joins a `$in` list with commas)."""


def _severity_value(value: str | int) -> int:
    if isinstance(value, int) or str(value).isdigit():
        return int(value)
    return Severity.from_label(str(value)).value


class ReviewQueueFilter(FilterSet):
    status = CharInFilter(field_name="status", lookup_expr="in")
    entity_type = CharInFilter(field_name="entity_type", lookup_expr="in")
    entity_id = CharInFilter(field_name="entity_id", lookup_expr="in")
    creator = CharInFilter(field_name="entity_creator_id", lookup_expr="in", label="Creator")
    channel_cid = CharInFilter(field_name="channel_cid", lookup_expr="in", label="Channel")
    recommended_action = CharInFilter(field_name="recommended_action", lookup_expr="in")
    severity_min = django_filters.CharFilter(method="filter_severity_min", label="Severity at least")
    severity_max = django_filters.CharFilter(method="filter_severity_max", label="Severity at most")
    escalated = django_filters.BooleanFilter()
    reviewed = django_filters.BooleanFilter(method="filter_reviewed")
    has_text = django_filters.BooleanFilter()
    has_image = django_filters.BooleanFilter()
    reason = django_filters.CharFilter(method="filter_reason", label="Flag reason")
    label = django_filters.CharFilter(method="filter_label")
    reporter = django_filters.CharFilter(method="filter_reporter")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="lte")
    q = django_filters.CharFilter(field_name="content_text", lookup_expr="icontains", label="Search content")

    class Meta:
        model = ReviewQueueItem
        fields: list[str] = []

    def filter_severity_min(self, qs, name, value):
        return qs.filter(severity__gte=_severity_value(value)) if value else qs

    def filter_severity_max(self, qs, name, value):
        return qs.filter(severity__lte=_severity_value(value)) if value else qs

    def filter_reviewed(self, qs, name, value):
        if value is None:
            return qs
        reviewed = ReviewQueueItem.Status.REVIEWED
        return qs.filter(status=reviewed) if value else qs.exclude(status=reviewed)

    def filter_reason(self, qs, name, value):
        return qs.filter(Exists(Flag.objects.filter(item=OuterRef("pk"), reason=value))) if value else qs

    def filter_reporter(self, qs, name, value):
        return qs.filter(Exists(Flag.objects.filter(item=OuterRef("pk"), reporter_id=value))) if value else qs

    def filter_label(self, qs, name, value):
        if not value:
            return qs
        if connection.vendor == "postgresql":
            return qs.filter(labels__contains=[value])
        # SQLite has no JSON containment; labels are a JSON list of strings, so match the quoted element.
        return qs.filter(labels__icontains=f'"{value}"')

    def is_valid(self):
        valid = super().is_valid()
        for field in ("severity_min", "severity_max"):
            value = self.form.cleaned_data.get(field) if valid else None
            if value:
                try:
                    _severity_value(value)
                except KeyError:
                    self.form.add_error(field, "must be 0-100 or one of low, medium, high, critical")
                    valid = False
        return valid


def filter_custom(qs: QuerySet, custom: dict) -> QuerySet:
    """Stream matches any filter key it does not know against `moderation_payload.custom`."""
    conditions = Q()
    for key, value in custom.items():
        conditions &= Q(**{f"moderation_payload__custom__{key}": value})
    return qs.filter(conditions)


def in_sort_order(qs: QuerySet[ReviewQueueItem], sort: str) -> QuerySet[ReviewQueueItem]:
    """`qs` in the order of SORTS[sort], as its keyset pages list it: what claiming "the next items" takes from
    (the dashboard's claim-next and the API's `lock_items`)."""
    return qs.order_by(*[("-" if k.descending else "") + k.field for k in SORTS[sort]])


def item_drawer(item: ReviewQueueItem) -> dict:
    """The reads of an item's drawer: its flags, log and notes, and its creator's history."""
    from .users import user_history

    creator = item.entity_creator
    history: dict = {}
    if creator is not None:
        history = {
            **user_history(creator, limit=10, exclude_item=item),
            "ip_banned": bool(creator.last_ip) and Ban.objects.in_force().filter(ip_ban=True, ip=creator.last_ip)
            .exists(),
        }
    from .users import open_watch

    return {
        "flags": list(item.flags.select_related("reporter").order_by("-created_at")[:200]),
        "history": history, "creator": creator, "watch": open_watch(creator) if creator is not None else None,
        "log": list(ModerationLog.objects.filter(item=item).select_related("actor").order_by("-created_at")[:50]),
        "notes": list(item.notes.select_related("author")),
    }


def item_version(item: ReviewQueueItem) -> str:
    """What a page saw of an item (its rows' and drawer's `data-v`): every decision and new flag moves it, a claim
    does not. A decision kept while the session was away is sent back with it, so a changed item is not decided
    blindly."""
    return f"{item.updated_at.timestamp():.6f}"


def base_queryset() -> QuerySet[ReviewQueueItem]:
    return ReviewQueueItem.objects.select_related("entity_creator", "locked_by")


def queue_filter(data: dict | None, *, with_people: bool = True) -> ReviewQueueFilter:
    """`with_people=False` for lists that show only the creator's and holder's ids (the dashboard's rows): no
    joins, and 50 rows hydrate as 50 objects rather than 150."""
    queryset = base_queryset() if with_people else ReviewQueueItem.objects.all()
    return ReviewQueueFilter(data=data or {}, queryset=queryset)


def queue_page(
    *,
    filterset: ReviewQueueFilter,
    sort: str = "newest",
    limit: int = 50,
    next_cursor: str | None = None,
    prev_cursor: str | None = None,
    extra: Q | None = None,
    with_flags: bool = True,
) -> Page:
    """One keyset page of the filtered queue, flags prefetched (two queries, whatever the page size; one with
    `with_flags=False`, for lists that summarise flags with `top_reasons` instead of loading every one).
    Call `filterset.is_valid()` first; an invalid filterset yields its errors, not a page."""
    keys = SORTS.get(sort, SORTS["newest"])
    qs = filterset.qs
    if extra is not None:
        qs = qs.filter(extra)
    if with_flags:
        qs = qs.prefetch_related(
            Prefetch("flags", queryset=Flag.objects.select_related("reporter").order_by("-created_at"))
        )
    return keyset_page(qs, keys, limit=limit, next_cursor=next_cursor, prev_cursor=prev_cursor,
                       shape=_shape(filterset) if extra is None else None)


def _shape(filterset: ReviewQueueFilter) -> tuple | None:
    """What the filterset's queryset is a function of (its class and cleaned data), so keyset_page can compile
    the page query once per filter; None when a value cannot serve as a key."""
    items = []
    for name, value in sorted(filterset.form.cleaned_data.items()):
        frozen = tuple(value) if isinstance(value, list) else value
        try:
            hash(frozen)
        except TypeError:
            return None
        items.append((name, type(frozen).__name__, frozen))
    return (type(filterset), tuple(items))


def _reasons_by_item(ids):
    return (Flag.objects.filter(item_id__in=ids).exclude(reason="")
            .values_list("item_id", "reason").annotate(n=Count("id")).order_by())


def _watched_items(ids):
    """Of these items, those whose creator is on watch and that were made since the watch began: one row each,
    shaped like a reason row with a count of 0 (a real reason is counted at least once)."""
    watching = Watch.objects.filter(user_id=OuterRef("entity_creator_id"), ended_at__isnull=True,
                                    created_at__lte=OuterRef("created_at"))
    return (ReviewQueueItem.objects.filter(pk__in=ids).filter(Exists(watching))
            .values_list("id", Value("", output_field=CharField()), Value(0, output_field=IntegerField()))
            .order_by())


@lru_cache(maxsize=128)
def _facts_query(n: int) -> PreparedQuery:
    """Compiled once per page size: compiling the grouped query cost more than running it. The page's reasons
    and its watched creators' items in one statement (UNION ALL), so the watchlist costs the queue no query."""
    def build(**ids):
        pks = list(ids.values())
        return _reasons_by_item(pks).union(_watched_items(pks), all=True).order_by("item_id", "-n", "reason")
    return PreparedQuery(build, id_sentinels(n))


@dataclass(frozen=True)
class RowFacts:
    reasons: dict  # {item_id: [(reason, count), ...]}, most common first, at most `per_item` each
    watched: frozenset  # ids of items whose creator is on watch and that were made since the watch began


def row_facts(item_ids, per_item: int = 3) -> RowFacts:
    """What a page of queue rows shows beyond the items themselves, in one query: each item's most common flag
    reasons (one grouped read, bounded by the distinct reasons per item, not by how many flags an item has
    collected) and which items are by a watched user."""
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        return RowFacts({}, frozenset())
    reasons: dict = {}
    watched = set()
    for item_id, reason, n in _facts_query(len(ids)).values(**bind_ids(ids)):
        if n == 0:
            watched.add(item_id)
            continue
        found = reasons.setdefault(item_id, [])
        if len(found) < per_item:
            found.append((reason, n))
    return RowFacts(reasons, frozenset(watched))


def top_reasons(item_ids, per_item: int = 3) -> dict:
    """The most common flag reasons of each item, `{item_id: [(reason, count), ...]}` (see `row_facts`)."""
    return row_facts(item_ids, per_item).reasons


def bounded_count(qs: QuerySet, bound: int = 1000) -> tuple[int, bool]:
    """(count, exact): counts at most `bound` + 1 rows, so it costs the same on a huge queue; `exact` is False
    when there are more than `bound`, and the page says so ("1,000+")."""
    n = qs.order_by()[: bound + 1].count()
    return min(n, bound), n <= bound
