"""Review-queue reads. One FilterSet serves the dashboard and the API, so a filter means the same in both."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, QuerySet

from reviews.models import Flag, ReviewQueueItem

from .pagination import Page, SortKey, keyset_page

SORTS: dict[str, list[SortKey]] = {
    "newest": [SortKey("created_at", True), SortKey("id", True)],
    "oldest": [SortKey("created_at", False), SortKey("id", False)],
    "severity": [SortKey("severity", True), SortKey("created_at", True), SortKey("id", True)],
    "flags": [SortKey("flags_count", True), SortKey("created_at", True), SortKey("id", True)],
}


class ReviewQueueFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReviewQueueItem.Status.choices)
    entity_type = django_filters.CharFilter()
    recommended_action = django_filters.ChoiceFilter(choices=ReviewQueueItem.Action.choices)
    escalated = django_filters.BooleanFilter()
    entity_creator = django_filters.CharFilter(field_name="entity_creator_id")
    channel_cid = django_filters.CharFilter()

    class Meta:
        model = ReviewQueueItem
        fields: list[str] = []


def queue_items(*, data: dict | None = None) -> QuerySet[ReviewQueueItem]:
    qs = ReviewQueueItem.objects.select_related("entity_creator", "locked_by")
    return ReviewQueueFilter(data=data or {}, queryset=qs).qs


def queue_page(*, data: dict, sort: str = "newest", limit: int = 50, next_cursor: str | None = None) -> Page:
    keys = SORTS.get(sort, SORTS["newest"])
    qs = queue_items(data=data).prefetch_related(
        Prefetch("flags", queryset=Flag.objects.select_related("reporter").order_by("-created_at"))
    )
    return keyset_page(qs, keys, limit=limit, next_cursor=next_cursor)
