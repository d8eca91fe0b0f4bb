"""Dashboard roles (Django groups) and the EndUser identity each dashboard login acts as."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from reviews.models import EndUser

VIEWERS, MODERATORS, ADMINS = "Viewers", "Moderators", "Admins"
ROLE_ORDER = {VIEWERS: 1, MODERATORS: 2, ADMINS: 3}


def dashboard_role(user) -> str | None:
    """The highest dashboard role this login has, or None."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return ADMINS
    # DashboardBackend loads the memberships with the user; a user from elsewhere (tests, admin) asks.
    names = getattr(user, "dashboard_roles", None)
    if names is None:
        names = {g.name for g in user.groups.all()}
    for role in (ADMINS, MODERATORS, VIEWERS):
        if role in names:
            return role
    return None


def has_role(user, role: str) -> bool:
    current = dashboard_role(user)
    return current is not None and ROLE_ORDER[current] >= ROLE_ORDER[role]


def identity_for(user) -> EndUser:
    """The EndUser a dashboard login acts as: linked once, created on first use with the login's username,
    so the dashboard and the API attribute decisions to the same id."""
    if get_user_model().end_user.is_cached(user):  # loaded with the user by DashboardBackend (None when unlinked)
        identity = getattr(user, "end_user", None)
    else:
        identity = EndUser.objects.filter(dashboard_user=user).first()
    if identity is not None:
        return identity
    role = EndUser.Role.ADMIN if has_role(user, ADMINS) else EndUser.Role.MODERATOR
    identity, created = EndUser.objects.get_or_create(
        pk=user.get_username(), defaults={"name": user.get_full_name() or user.get_username(), "role": role}
    )
    if identity.dashboard_user_id is None:
        identity.dashboard_user = user
        identity.save(update_fields=["dashboard_user", "updated_at"])
    return identity
