"""What every dashboard page's template shares."""

from __future__ import annotations

from django.http import HttpRequest

from reviews.actions import registry
from reviews.forms import reason_presets
from reviews.models import ModeratorPreferences

# The verbs the dashboard refuses without a reason, for keys.js to say so before sending (a JSON data block).
REASON_VERBS = [v.name for v in registry.VERBS if v.needs_reason]
_DEFAULTS = ModeratorPreferences()


def dashboard(request: HttpRequest) -> dict:
    # The reason presets are one datalist in base.html, offered by every reason field (list="reason-presets").
    return {"reason_presets": reason_presets, "reason_verbs": REASON_VERBS}


def wellness(request) -> dict:
    """The login's wellness preferences (base.html puts them on <body>). DashboardBackend loaded them with the
    login, so this costs no query; a login from another backend reads them once."""
    user = getattr(request, "user", None)
    prefs = None
    if user is not None and user.is_authenticated:
        prefs = getattr(user, "moderator_preferences", None)
    return {"wellness": prefs or _DEFAULTS}
