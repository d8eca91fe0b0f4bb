"""User reads: the FilterSet behind `query_users`, and the per-page batch of enforcement state (bans, mutes,
blocks) so a page of users costs the same few queries whatever its size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from reviews.models import Ban, ChannelMute, EndUser, Mute, UserBlock

from .filtersets import FilterSet
from .queue import CharInFilter


def _in_force_app_bans(shadow: bool) -> QuerySet[Ban]:
    return Ban.objects.in_force().app_wide().filter(target=OuterRef("pk"), shadow=shadow)


class UserFilter(FilterSet):
    id = CharInFilter(field_name="id", lookup_expr="in")
    role = CharInFilter(field_name="role", lookup_expr="in")
    banned = django_filters.BooleanFilter(method="filter_banned")
    shadow_banned = django_filters.BooleanFilter(method="filter_shadow_banned")
    deactivated = django_filters.BooleanFilter(field_name="deactivated_at", lookup_expr="isnull", exclude=True)
    id_gt = django_filters.CharFilter(field_name="id", lookup_expr="gt")
    id_gte = django_filters.CharFilter(field_name="id", lookup_expr="gte")
    id_lt = django_filters.CharFilter(field_name="id", lookup_expr="lt")
    id_lte = django_filters.CharFilter(field_name="id", lookup_expr="lte")

    class Meta:
        model = EndUser
        fields: list[str] = []

    def filter_banned(self, qs, name, value):
        if value is None:
            return qs
        exists = Exists(_in_force_app_bans(shadow=False))
        return qs.filter(exists) if value else qs.exclude(exists)

    def filter_shadow_banned(self, qs, name, value):
        if value is None:
            return qs
        exists = Exists(_in_force_app_bans(shadow=True))
        return qs.filter(exists) if value else qs.exclude(exists)


@dataclass
class UserState:
    banned: bool = False
    shadow_banned: bool = False
    ban_expires: datetime | None = None
    blocked_user_ids: list[str] = field(default_factory=list)
    mutes: list[Mute] = field(default_factory=list)
    channel_mutes: list[ChannelMute] = field(default_factory=list)


def user_states(users: list[EndUser], *, with_mutes: bool = True) -> dict[str, UserState]:
    """Enforcement state for `users` (and for the targets of their mutes): four queries, any page size."""
    now = timezone.now()
    ids = [u.pk for u in users]
    states = {pk: UserState() for pk in ids}
    if not ids:
        return states
    if with_mutes:
        mutes = list(Mute.objects.in_force(now).filter(user_id__in=ids).select_related("user", "target")
                     .order_by("created_at", "id"))
        for mute in mutes:
            states[mute.user_id].mutes.append(mute)
            states.setdefault(mute.target_id, UserState())
        for channel_mute in ChannelMute.objects.in_force(now).filter(user_id__in=ids).order_by("created_at", "id"):
            states[channel_mute.user_id].channel_mutes.append(channel_mute)
    for ban in Ban.objects.in_force(now).app_wide().filter(target_id__in=list(states)).only(
        "target_id", "shadow", "expires_at"
    ):
        state = states[ban.target_id]
        if ban.shadow:
            state.shadow_banned = True
        else:
            state.banned, state.ban_expires = True, ban.expires_at
    for blocker_id, blocked_id in UserBlock.objects.filter(blocker_id__in=ids).values_list("blocker_id", "blocked_id"):
        states[blocker_id].blocked_user_ids.append(blocked_id)
    return states
