"""The API's call bodies: the call, its first members and the caller's capabilities.

`CallResponse` and `MemberResponse` themselves are in `reviews.payloads` (call events carry them too).
"""

from __future__ import annotations

from typing import Any

from reviews.models import Call, EndUser
from reviews.payloads import call_response, member_responses  # noqa: F401 - re-exported for the routers
from reviews.selectors import calls as call_selectors


def call_state(call: Call, *, caller: EndUser | None, members_limit: int | None = None) -> dict[str, Any]:
    """The body shared by get, get_or_create and update: the call, its first members, the caller's
    capabilities."""
    members = call.members.select_related("user").order_by("created_at", "id")
    limit = 100 if members_limit is None else max(0, min(members_limit, 100))
    return {
        "call": call_response(call),
        "members": member_responses(members[:limit]),
        "own_capabilities": call_selectors.own_capabilities(call=call, user=caller),
    }
