from .appeals import Appeal
from .calls import Call, CallMember, PermissionRequest
from .custom_queues import CustomQueue, StaleQueueAlert
from .enforcement import Ban, ChannelMute, FutureChannelBan, Mute, UserBlock
from .policy import Blocklist, ModerationConfig
from .queue import EntityType, Flag, ReviewQueueItem, Severity
from .system import ApiKey, ItemNote, ModerationLog, OutboxEvent, Task, WebhookDelivery, WebhookEndpoint
from .users import EndUser
from .watchlist import Watch
from .wellness import ModeratorPreferences

__all__ = [
    "Appeal",
    "ApiKey",
    "Ban",
    "Blocklist",
    "Call",
    "CallMember",
    "ChannelMute",
    "CustomQueue",
    "EndUser",
    "EntityType",
    "Flag",
    "FutureChannelBan",
    "ItemNote",
    "ModerationConfig",
    "ModerationLog",
    "ModeratorPreferences",
    "Mute",
    "OutboxEvent",
    "PermissionRequest",
    "ReviewQueueItem",
    "Severity",
    "StaleQueueAlert",
    "Task",
    "UserBlock",
    "Watch",
    "WebhookDelivery",
    "WebhookEndpoint",
]
