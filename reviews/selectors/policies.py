"""Config and blocklist reads, shared by the Policies page and the API (query_moderation_configs, list_block_lists)."""

from __future__ import annotations

import django_filters

from reviews.errors import ModerationError
from reviews.models import Blocklist, ModerationConfig

from .filtersets import FilterSet
from .pagination import Page, SortKey, keyset_page
from .queue import CharInFilter


class ConfigFilter(FilterSet):
    key = CharInFilter(field_name="key", lookup_expr="in")
    key_prefix = django_filters.CharFilter(field_name="key", lookup_expr="startswith")
    team = CharInFilter(field_name="team", lookup_expr="in")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = ModerationConfig
        fields: list[str] = []


CONFIG_SORTS = {"key": "key", "created_at": "created_at", "updated_at": "updated_at"}


def config_page(
    *, data: dict | None = None, sort: str = "key", descending: bool = False, limit: int = 25,
    next_cursor: str | None = None, prev_cursor: str | None = None,
) -> Page:
    filterset = ConfigFilter(data=data or {}, queryset=ModerationConfig.objects.all())
    filterset.is_valid()
    keys = [SortKey(CONFIG_SORTS[sort], descending), SortKey("id", descending)]
    return keyset_page(filterset.qs, keys, limit=limit, next_cursor=next_cursor, prev_cursor=prev_cursor)


def blocklist_page(*, team: str | None = None, limit: int = 100, next_cursor: str | None = None) -> Page:
    qs = Blocklist.objects.all() if team is None else Blocklist.objects.filter(team=team)
    return keyset_page(qs, [SortKey("name", False), SortKey("id", False)], limit=limit, next_cursor=next_cursor)


def get_blocklist(name: str, team: str = "") -> Blocklist:
    blocklist = Blocklist.objects.filter(name=name, team=team or "").first()
    if blocklist is None:
        raise ModerationError.not_found("blocklist", name)
    return blocklist
