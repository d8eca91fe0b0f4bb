"""What an end user's token may see about users (applied to every API response, `app.StreamAPI`).

Stream shows shadow-ban state only to administrators ("Administrators can view shadow banned user status in
queryChannels(), queryMembers() and queryUsers()", seeds 002/003): a shadow ban works only while its target
cannot tell. A user's blocks, mutes and invisibility are that user's own business. So for a user token whose
role is `user` (server tokens and moderator/admin tokens see everything), every UserResponse in the answer,
however deeply nested (query_users, a user's own mutes, call members, blocks), reads `shadow_banned: false`,
and one about someone other than the caller reads `blocked_user_ids: []`, `mutes: []`, `invisible: false`.

A UserResponse is recognised by its required fields; free-form data (`custom`, `moderation_payload`) is copied
as stored, never inspected, so what a user wrote there reads back unchanged.
"""

from __future__ import annotations

from typing import Any

USER_KEYS = frozenset({"id", "role", "shadow_banned", "blocked_user_ids"})
FREE_FORM = frozenset({"custom", "moderation_payload"})


def for_user(data: Any, viewer_id: str) -> Any:
    """`data` as the end user `viewer_id` may see it (a copy; `data` is left as it was)."""
    if isinstance(data, list):
        return [for_user(v, viewer_id) for v in data]
    if not isinstance(data, dict):
        return data
    out = {k: v if k in FREE_FORM else for_user(v, viewer_id) for k, v in data.items()}
    if out.keys() >= USER_KEYS:
        out["shadow_banned"] = False
        if out["id"] != viewer_id:
            out["blocked_user_ids"] = []
            if "mutes" in out:
                out["mutes"] = []
            if "invisible" in out:
                out["invisible"] = False
    return out
