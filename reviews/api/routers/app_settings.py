"""App settings: get_app / update_app, for `webhook_url` and `webhook_events` only (the rest of Stream's app
settings do not exist here; they come back with neutral values so the SDK decodes the response)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from reviews.actions.app_settings import app_webhook, set_app_webhook
from reviews.errors import ModerationError

from ..schemas import Body

router = Router(tags=["app"])

_FLAGS = (
    "allow_multi_user_devices", "async_url_enrich_enabled", "auto_translation_enabled", "campaign_enabled",
    "disable_auth_checks", "disable_permissions_checks", "feed_audit_logs_enabled", "guest_user_creation_disabled",
    "image_moderation_enabled", "member_custom_on_mentioned_users_enabled", "member_custom_on_messages_enabled",
    "member_custom_on_typing_events_enabled", "moderation_audio_call_moderation_enabled",
    "moderation_keyframe_video_enabled", "moderation_llm_configurability_enabled",
    "moderation_multitenant_blocklist_enabled", "moderation_video_call_moderation_enabled", "multi_tenant_enabled",
    "suspended", "use_hook_v2", "user_response_time_enabled",
)
_TEXTS = (
    "custom_action_handler_url", "enforce_unique_usernames", "moderation_webhook_url", "organization",
    "permission_version", "placement", "sns_key", "sns_secret", "sns_topic_arn", "sqs_key", "sqs_secret", "sqs_url",
    "suspended_explanation",
)


def _app(request: HttpRequest) -> dict:
    endpoint = app_webhook()
    return {
        **dict.fromkeys(_FLAGS, False),
        **dict.fromkeys(_TEXTS, ""),
        "moderation_enabled": True,
        "id": 1,
        "name": request.auth.api_key.name or request.auth.api_key.key,
        "cdn_expiration_seconds": 0, "max_aggregated_activities_length": 0, "reminders_interval": 0,
        "webhook_url": endpoint.url if endpoint else "",
        "webhook_events": list(endpoint.events) if endpoint else [],
        "event_hooks": [], "user_search_disallowed_roles": [], "call_types": {}, "channel_configs": {},
        "grants": {}, "policies": {},
        "file_upload_config": {"size_limit": 0}, "image_upload_config": {"size_limit": 0},
        "push_notifications": {"offline_only": False, "version": "v2", "apn": {"development": False, "enabled": False},
                               "firebase": {"enabled": False}, "huawei": {"enabled": False},
                               "xiaomi": {"enabled": False}},
    }


@router.get("/app", summary="get_app: webhook_url and webhook_events (other settings neutral)")
def get_app(request: HttpRequest) -> dict:
    request.auth.require_moderator("get_app")
    return {"app": _app(request)}


class UpdateAppBody(Body):
    webhook_url: str | None = None
    webhook_events: list[str] | None = None


@router.patch("/app", summary="update_app: webhook_url / webhook_events; other settings are ignored")
def update_app(request: HttpRequest, data: UpdateAppBody) -> dict:
    if not request.auth.is_server:
        raise ModerationError.not_allowed("update_app needs a server-side token")
    set_app_webhook(actor=None, url=data.webhook_url, events=data.webhook_events)
    return {}
