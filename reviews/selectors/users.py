"""User reads: the one user FilterSet (the API's `query_users` and the dashboard's Users page), the per-page
batch of enforcement state (bans, mutes, blocks) so a page of users costs the same few queries whatever its
size, and a user's history (the user page and the queue item drawer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from reviews.models import Ban, ChannelMute, EndUser, Flag, ModerationLog, Mute, ReviewQueueItem, UserBlock, Watch

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

    # The dashboard's search box and status menu, in the terms above ("banned" is `banned`: an app-wide ban
    # in force that is not a shadow ban, as the API's filter and UserResponse.banned mean it).
    q = django_filters.CharFilter(method="search", label="Search id or name")
    status = django_filters.ChoiceFilter(
        choices=[("deactivated", "Deactivated"), ("banned", "Banned"), ("active", "Active")], method="by_status",
        label="Status",
    )

    class Meta:
        model = EndUser
        fields: list[str] = []

    def search(self, qs, name, value):
        return qs.filter(Q(id__icontains=value) | Q(name__icontains=value)) if value else qs

    def by_status(self, qs, name, value):
        if value in ("deactivated", "active"):
            return qs.filter(deactivated_at__isnull=value == "active")
        if value == "banned":
            return self.filter_banned(qs, name, True)
        return qs

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


def bans_in_force_by_user(user_ids) -> dict[str, list[Ban]]:
    """Every ban in force (app-wide or channel, shadow or not) of each user, for a page's badges: one query."""
    result: dict[str, list[Ban]] = {}
    for ban in Ban.objects.in_force().filter(target_id__in=list(user_ids)):
        result.setdefault(ban.target_id, []).append(ban)
    return result


def enforcement_of(user: EndUser, *, viewer: EndUser | None) -> dict:
    """The bans and mutes in force on `user`, and `viewer`'s own mute of them (None: not asked)."""
    return {
        "bans_in_force": list(Ban.objects.in_force().filter(target=user)),
        "my_mute": Mute.objects.in_force().filter(user=viewer, target=user).first() if viewer else None,
        "mutes_in_force": list(Mute.objects.in_force().filter(target=user).select_related("user")[:20]),
        "watch": open_watch(user),
    }


def open_watch(user: EndUser) -> Watch | None:
    """The user's open watch (at most one), with who started it."""
    return Watch.objects.filter(user=user, ended_at__isnull=True).select_related("watched_by").first()


def user_history(user: EndUser, *, limit: int, exclude_item: ReviewQueueItem | None = None) -> dict:
    """What a moderator looks at before deciding about `user`: their latest queue items and the flags on their
    content, bans and mutes made against them, who blocks them and who shares their last IP; newest first."""
    items = ReviewQueueItem.objects.filter(entity_creator=user).order_by("-created_at")
    if exclude_item is not None:
        items = items.exclude(pk=exclude_item.pk)
    return {
        "items": list(items[:limit]),
        "flags": list(Flag.objects.filter(entity_creator=user).select_related("reporter").order_by("-created_at")
                      [:limit]),
        "bans": list(Ban.objects.filter(target=user).select_related("banned_by", "lifted_by")
                     .order_by("-created_at")[:limit]),
        "mutes": list(Mute.objects.filter(target=user).select_related("user").order_by("-created_at")[:limit]),
        "blocks": list(UserBlock.objects.filter(blocked=user).order_by("-created_at")[:limit]),
        "same_ip": list(EndUser.objects.filter(last_ip=user.last_ip).exclude(pk=user.pk)
                        .values_list("id", flat=True)[:10]) if user.last_ip else [],
    }


def user_page(user: EndUser) -> dict:
    """The user page's reads: their history, the flags they made, and the log about them."""
    return {
        **user_history(user, limit=20),
        "flags_made": list(Flag.objects.filter(reporter=user).order_by("-created_at")[:10]),
        "log": list(ModerationLog.objects.filter(target_user=user).select_related("actor", "item")
                    .order_by("-created_at")[:30]),
    }
