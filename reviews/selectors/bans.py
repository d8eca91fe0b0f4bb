"""Ban reads: one FilterSet for the API's `query_banned_users` and the dashboard's Bans page.

Lifted bans are never listed (Stream deletes a ban when it is lifted); expired bans the sweep has not closed
yet are listed unless `in_force` is set, as Stream's `exclude_expired_bans` does.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from reviews.models import Ban, FutureChannelBan

from .filtersets import FilterSet
from .queue import CharInFilter

BAN_ORDER = {"created_at": ["created_at", "id"], "-created_at": ["-created_at", "-id"]}


class BanFilter(FilterSet):
    channel_cid = CharInFilter(field_name="channel_cid", lookup_expr="in")
    app_wide = django_filters.BooleanFilter(field_name="channel_cid", lookup_expr="isnull")
    user_id = CharInFilter(field_name="target_id", lookup_expr="in")
    user_id_not = CharInFilter(field_name="target_id", lookup_expr="in", exclude=True)
    banned_by_id = CharInFilter(field_name="banned_by_id", lookup_expr="in")
    banned_by_id_not = CharInFilter(method="filter_banned_by_not")
    created_at = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="exact")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gt")
    created_from = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    created_until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")
    in_force = django_filters.BooleanFilter(method="filter_in_force")
    shadow = django_filters.BooleanFilter()

    class Meta:
        model = Ban
        fields: list[str] = []

    def filter_banned_by_not(self, qs, name, value):
        # A ban made by the system (no banner) is "not by X" too; a plain exclude would drop NULLs.
        return qs.filter(Q(banned_by_id__isnull=True) | ~Q(banned_by_id__in=value)) if value else qs

    def filter_in_force(self, qs, name, value):
        if value is None:
            return qs
        now = timezone.now()
        live = Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        return qs.filter(live) if value else qs.exclude(live)


def ban_filter(data: dict | None) -> BanFilter:
    queryset: QuerySet[Ban] = Ban.objects.filter(lifted_at__isnull=True).select_related("target", "banned_by")
    return BanFilter(data=data or {}, queryset=queryset)


class FutureChannelBanFilter(FilterSet):
    """Stream Chat's query_future_channel_bans: by banning user (`user_id`) and banned user (`target_user_id`)."""

    user_id = CharInFilter(field_name="banned_by_id", lookup_expr="in")
    target_user_id = CharInFilter(field_name="target_id", lookup_expr="in")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gt")
    created_from = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    created_until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")
    in_force = django_filters.BooleanFilter(method="filter_in_force")

    class Meta:
        model = FutureChannelBan
        fields: list[str] = []

    filter_in_force = BanFilter.filter_in_force


def future_ban_filter(data: dict | None) -> FutureChannelBanFilter:
    queryset = FutureChannelBan.objects.filter(lifted_at__isnull=True).select_related("target", "banned_by")
    return FutureChannelBanFilter(data=data or {}, queryset=queryset)
