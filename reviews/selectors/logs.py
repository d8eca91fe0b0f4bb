"""Moderation-log and flag reads: FilterSets shared by the API (`query_moderation_logs`,
`query_moderation_flags`) and any dashboard list, with keyset pagination."""

from __future__ import annotations

import django_filters

from reviews.models import Flag, ModerationLog, ReviewQueueItem

from .filtersets import FilterSet
from .pagination import SortKey
from .queue import CharInFilter

LOG_SORTS: dict[str, list[SortKey]] = {
    "newest": [SortKey("created_at", True), SortKey("id", True)],
    "oldest": [SortKey("created_at", False), SortKey("id", False)],
}
FLAG_SORTS = LOG_SORTS


class _CreatedRange(FilterSet):
    created_at = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="exact")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gt")
    created_from = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    created_until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")


class ModerationLogFilter(_CreatedRange):
    target_user_id = CharInFilter(field_name="target_user_id", lookup_expr="in")
    user_id = CharInFilter(field_name="actor_id", lookup_expr="in", label="Actor")
    type = CharInFilter(field_name="action", lookup_expr="in", label="Action")
    item_id = CharInFilter(field_name="item_id", lookup_expr="in")

    class Meta:
        model = ModerationLog
        fields: list[str] = []


class FlagFilter(_CreatedRange):
    entity_type = CharInFilter(field_name="entity_type", lookup_expr="in")
    entity_id = CharInFilter(field_name="entity_id", lookup_expr="in")
    entity_creator_id = CharInFilter(field_name="entity_creator_id", lookup_expr="in")
    user_id = CharInFilter(field_name="reporter_id", lookup_expr="in", label="Reporter")
    reason = CharInFilter(field_name="reason", lookup_expr="in")
    review_queue_item_id = CharInFilter(field_name="item_id", lookup_expr="in")
    type = CharInFilter(field_name="type", lookup_expr="in")
    channel_cid = CharInFilter(field_name="item__channel_cid", lookup_expr="in", label="Channel")
    is_reviewed = django_filters.BooleanFilter(method="filter_is_reviewed", label="Reviewed")

    class Meta:
        model = Flag
        fields: list[str] = []


    def filter_is_reviewed(self, qs, name, value):
        if value is None:
            return qs
        reviewed = qs.filter(item__status=ReviewQueueItem.Status.REVIEWED)
        return reviewed if value else qs.exclude(item__status=ReviewQueueItem.Status.REVIEWED)


def log_filter(data: dict | None) -> ModerationLogFilter:
    return ModerationLogFilter(data=data or {}, queryset=ModerationLog.objects.select_related("actor", "target_user"))


def flag_filter(data: dict | None) -> FlagFilter:
    return FlagFilter(data=data or {}, queryset=Flag.objects.select_related("reporter"))
