"""Every moderation verb, one function each. The only code that writes moderation state.

Each action takes keyword-only typed arguments including `actor` (an EndUser, or None for the system), locks
what it changes, returns early when the target state already holds, writes the ModerationLog row in the
same transaction, and records its events in the outbox (delivered after commit).
"""

from .appeals import create_appeal, decide_appeal
from .bans import ban_user, expire_ban, unban_user
from .blocks import block_user, unblock_user
from .bulk_users import BulkOutcome, deactivate_users, reactivate_users
from .calls import (
    apply_call_verdict,
    block_call_user,
    decide_permission_request,
    end_call,
    get_or_create_call,
    kick_call_user,
    mute_call_users,
    request_call_permission,
    revert_call_verdict,
    unblock_call_user,
    unmute_call_user,
    update_call_settings,
    update_call_user_permissions,
)
from .channel_mutes import mute_channel, unmute_channel
from .decisions import custom_action, delete_user, delete_user_messages, record_item_decision
from .expiry import expire_bans, expire_mutes
from .external_log import insert_action_log
from .future_bans import ban_from_future_channels, lift_future_channel_bans
from .mutes import expire_mute, mute_user, unmute_user
from .notes import add_note
from .policies import (
    CheckResult,
    check_content,
    clean_blocklist,
    clean_config,
    clean_words,
    create_blocklist,
    delete_blocklist,
    delete_config,
    prepare_check,
    update_blocklist,
    upsert_config,
)
from .queue import (
    claim_item,
    claim_items,
    de_escalate_item,
    escalate_item,
    flag_content,
    mark_reviewed,
    release_item,
    release_stale_locks,
    restore_content,
    set_content_state,
)
from .stale_queues import note_queue_age
from .undo import log_bulk_decision, reopen_item, undo_entry
from .unflag import unflag_content
from .users import deactivate_user, ensure_user, partial_update_user, reactivate_user, upsert_user
from .watchlist import surface_due_reviews, unwatch_user, watch_user
from .wellness import save_preferences

__all__ = [
    "insert_action_log",
    "create_appeal",
    "decide_appeal",
    "ban_from_future_channels",
    "lift_future_channel_bans",
    "mute_channel",
    "unflag_content",
    "unmute_channel",
    "custom_action",
    "delete_user",
    "delete_user_messages",
    "record_item_decision",
    "BulkOutcome",
    "deactivate_users",
    "expire_bans",
    "expire_mutes",
    "reactivate_users",
    "add_note",
    "log_bulk_decision",
    "reopen_item",
    "undo_entry",
    "ban_user",
    "check_content",
    "clean_blocklist",
    "clean_config",
    "clean_words",
    "prepare_check",
    "CheckResult",
    "create_blocklist",
    "delete_blocklist",
    "delete_config",
    "update_blocklist",
    "upsert_config",
    "block_user",
    "claim_item",
    "claim_items",
    "de_escalate_item",
    "deactivate_user",
    "ensure_user",
    "escalate_item",
    "expire_ban",
    "expire_mute",
    "flag_content",
    "mark_reviewed",
    "mute_user",
    "partial_update_user",
    "reactivate_user",
    "release_item",
    "release_stale_locks",
    "restore_content",
    "set_content_state",
    "unban_user",
    "unblock_user",
    "unmute_user",
    "upsert_user",
    "apply_call_verdict",
    "block_call_user",
    "decide_permission_request",
    "end_call",
    "get_or_create_call",
    "kick_call_user",
    "mute_call_users",
    "request_call_permission",
    "revert_call_verdict",
    "unblock_call_user",
    "unmute_call_user",
    "update_call_settings",
    "update_call_user_permissions",
    "note_queue_age",
    "save_preferences",
    "surface_due_reviews",
    "unwatch_user",
    "watch_user",
]
