"""Appeal reads: one FilterSet for the API's `query_appeals` and the dashboard's Appeals inbox, keyset sorts, and
what a page of appeals shows beside each one (the contested decision's log entry and the item's recent log)."""

from __future__ import annotations

import django_filters

from reviews.models import Appeal, ModerationLog

from . import item_details
from .logs import _CreatedRange
from .pagination import SortKey
from .queue import CharInFilter

APPEAL_SORTS: dict[tuple[str, int], list[SortKey]] = {
    ("created_at", -1): [SortKey("created_at", True), SortKey("id", True)],
    ("created_at", 1): [SortKey("created_at", False), SortKey("id", False)],
    ("updated_at", -1): [SortKey("updated_at", True), SortKey("id", True)],
    ("updated_at", 1): [SortKey("updated_at", False), SortKey("id", False)],
}
LOG_SHOWN = 10  # log entries of the appealed item shown with each appeal


class AppealFilter(_CreatedRange):
    id = CharInFilter(field_name="id", lookup_expr="in")
    status = CharInFilter(field_name="status", lookup_expr="in")
    entity_type = CharInFilter(field_name="entity_type", lookup_expr="in")
    entity_id = CharInFilter(field_name="entity_id", lookup_expr="in")
    user_id = CharInFilter(field_name="user_id", lookup_expr="in", label="Appellant")
    decision = CharInFilter(field_name="decision", lookup_expr="in")
    review_queue_item_id = CharInFilter(field_name="item_id", lookup_expr="in")
    decided_by_id = CharInFilter(field_name="decided_by_id", lookup_expr="in")
    updated_at = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="exact")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gt")
    updated_from = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")
    updated_until = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="lte")

    class Meta:
        model = Appeal
        fields: list[str] = []


def appeal_filter(data: dict | None, *, user_id: str | None = None) -> AppealFilter:
    """Appeals matching `data`; only `user_id`'s own when given (an end user's token)."""
    queryset = Appeal.objects.select_related("user", "item", "ban", "decided_by")
    if user_id is not None:
        queryset = queryset.filter(user_id=user_id)
    return AppealFilter(data=data or {}, queryset=queryset)


def with_logs(appeals: list[Appeal]) -> list[Appeal]:
    """Attach `decision_entry` (the contested decision's log entry), `entries` (the appeal's own: filed and
    decided), `item_entries` (the appealed item's recent log) and `log` (all of them, oldest first, each once):
    three queries, any page size."""
    decision_ids = {a.decision_log_id for a in appeals if a.decision_log_id}
    decisions = {e.pk: e for e in ModerationLog.objects.filter(pk__in=decision_ids)}
    ids = [str(a.pk) for a in appeals]
    own: dict[str, list[ModerationLog]] = {i: [] for i in ids}
    for entry in ModerationLog.objects.filter(action__startswith="appeal", custom__appeal_id__in=ids).order_by("id"):
        own.setdefault((entry.custom or {}).get("appeal_id"), []).append(entry)
    by_item = item_details.recent_log_entries(list({a.item_id for a in appeals if a.item_id}), LOG_SHOWN)
    for appeal in appeals:
        appeal.decision_entry = decisions.get(appeal.decision_log_id)
        appeal.entries = own.get(str(appeal.pk), [])
        appeal.item_entries = by_item.get(appeal.item_id, [])
        merged = {e.pk: e for e in appeal.item_entries}
        for entry in [appeal.decision_entry, *appeal.entries]:
            if entry is not None:
                merged.setdefault(entry.pk, entry)
        appeal.log = [merged[pk] for pk in sorted(merged)]  # oldest first, each entry once
    return appeals


def of_item(item_id) -> list[Appeal]:
    """The appeals of one queue item's decision (for the item page), newest first."""
    return list(Appeal.objects.filter(item_id=item_id).select_related("decided_by").order_by("-created_at")[:20])


def of_user(user_id: str) -> list[Appeal]:
    """One user's appeals (for the user page), newest first."""
    return list(Appeal.objects.filter(user_id=user_id).select_related("decided_by").order_by("-created_at")[:20])
