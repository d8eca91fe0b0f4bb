"""Template context every dashboard page shares."""

from __future__ import annotations

from reviews.models import ModeratorPreferences

_DEFAULTS = ModeratorPreferences()


def wellness(request) -> dict:
    """The login's wellness preferences (base.html puts them on <body>). DashboardBackend loaded them with the
    login, so this costs no query; a login from another backend reads them once."""
    user = getattr(request, "user", None)
    prefs = None
    if user is not None and user.is_authenticated:
        prefs = getattr(user, "moderator_preferences", None)
    return {"wellness": prefs or _DEFAULTS}
