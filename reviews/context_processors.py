"""What every dashboard page's template shares."""

from __future__ import annotations

from django.http import HttpRequest

from reviews.actions import registry
from reviews.forms import reason_presets

# The verbs the dashboard refuses without a reason, for keys.js to say so before sending (a JSON data block).
REASON_VERBS = [v.name for v in registry.VERBS if v.needs_reason]


def dashboard(request: HttpRequest) -> dict:
    # The reason presets are one datalist in base.html, offered by every reason field (list="reason-presets").
    return {"reason_presets": reason_presets, "reason_verbs": REASON_VERBS}
