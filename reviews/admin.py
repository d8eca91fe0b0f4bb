"""Django admin for every model. Changelists on tables that grow without bound skip the full COUNT(*)
(`show_full_result_count = False` plus an estimated paginator count on PostgreSQL). Admin actions hand off to
the action layer, so an admin ban is the same ban as the dashboard's or the API's."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property

from reviews import actions, net
from reviews.errors import ModerationError
from reviews.models import (
    ApiKey,
    Ban,
    Blocklist,
    Call,
    CallMember,
    EndUser,
    Flag,
    ItemNote,
    ModerationConfig,
    ModerationLog,
    Mute,
    OutboxEvent,
    PermissionRequest,
    ReviewQueueItem,
    Task,
    UserBlock,
    WebhookDelivery,
    WebhookEndpoint,
)
from reviews.permissions import identity_for
from reviews.services import webhooks


class EstimatedCountPaginator(Paginator):
    """Uses PostgreSQL's planner estimate for an unfiltered table instead of COUNT(*) over millions of rows."""

    @cached_property
    def count(self):
        query = self.object_list.query
        if connection.vendor == "postgresql" and not query.where:
            with connection.cursor() as cursor:
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                               [self.object_list.model._meta.db_table])
                row = cursor.fetchone()
                if row and row[0] is not None and row[0] > 10000:
                    return int(row[0])
        return super().count


class LargeTableAdmin(admin.ModelAdmin):
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50


def _run_per_object(modeladmin, request, queryset, verb: str, fn) -> None:
    actor = identity_for(request.user)
    changed = failed = 0
    for obj in queryset.iterator(chunk_size=200):
        try:
            changed += bool(fn(obj, actor))
        except ModerationError as exc:
            failed += 1
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
    level = messages.SUCCESS if not failed else messages.WARNING
    modeladmin.message_user(request, f"{verb}: {changed} changed, {failed} failed.", level)


@admin.action(description="Ban selected users app-wide", permissions=["change"])
def ban_selected(modeladmin, request, queryset):
    _run_per_object(modeladmin, request, queryset, "Ban",
                    lambda u, a: actions.ban_user(target=u, actor=a, reason="banned from Django admin"))


@admin.action(description="Lift app-wide bans of selected users", permissions=["change"])
def unban_selected(modeladmin, request, queryset):
    _run_per_object(modeladmin, request, queryset, "Unban", lambda u, a: actions.unban_user(target=u, actor=a))


@admin.action(description="Deactivate selected users", permissions=["change"])
def deactivate_selected(modeladmin, request, queryset):
    _run_per_object(modeladmin, request, queryset, "Deactivate",
                    lambda u, a: actions.deactivate_user(target=u, actor=a))


@admin.action(description="Reactivate selected users", permissions=["change"])
def reactivate_selected(modeladmin, request, queryset):
    _run_per_object(modeladmin, request, queryset, "Reactivate",
                    lambda u, a: actions.reactivate_user(target=u, actor=a))


@admin.register(EndUser)
class EndUserAdmin(LargeTableAdmin):
    list_display = ("id", "name", "role", "last_ip", "deactivated_at", "created_at")
    list_filter = ("role", ("deactivated_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("=id", "name", "=last_ip")
    date_hierarchy = "created_at"
    readonly_fields = ("deactivated_at", "created_at", "updated_at")
    autocomplete_fields = ("dashboard_user",)
    actions = [ban_selected, unban_selected, deactivate_selected, reactivate_selected]


@admin.action(description="Lift selected bans", permissions=["change"])
def lift_selected_bans(modeladmin, request, queryset):
    _run_per_object(
        modeladmin, request, queryset.select_related("target"), "Lift",
        lambda b, a: actions.unban_user(target=b.target, actor=a, channel_cid=b.channel_cid),
    )


@admin.register(Ban)
class BanAdmin(LargeTableAdmin):
    list_display = ("target", "channel_cid", "shadow", "ip_ban", "ip", "reason", "expires_at", "created_at",
                    "lifted_at", "banned_by")
    list_filter = ("shadow", "ip_ban", ("channel_cid", admin.EmptyFieldListFilter),
                   ("lifted_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("=target__id", "=channel_cid", "=ip", "reason")
    date_hierarchy = "created_at"
    autocomplete_fields = ("target", "banned_by", "lifted_by")
    list_select_related = ("target", "banned_by")
    actions = [lift_selected_bans]

    def has_add_permission(self, request):
        return False  # bans are made through the action layer (user actions, dashboard, API)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)


@admin.register(Mute)
class MuteAdmin(LargeTableAdmin):
    list_display = ("user", "target", "expires_at", "created_at")
    list_filter = (("expires_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("=user__id", "=target__id")
    autocomplete_fields = ("user", "target")
    list_select_related = ("user", "target")


@admin.register(UserBlock)
class UserBlockAdmin(LargeTableAdmin):
    list_display = ("blocker", "blocked", "created_at")
    search_fields = ("=blocker__id", "=blocked__id")
    autocomplete_fields = ("blocker", "blocked")
    date_hierarchy = "created_at"


class FlagInline(admin.TabularInline):
    model = Flag
    extra = 0
    fields = ("reporter", "reason", "custom", "type", "created_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.action(description="Mark selected items reviewed", permissions=["change"])
def mark_selected_reviewed(modeladmin, request, queryset):
    _run_per_object(modeladmin, request, queryset, "Mark reviewed",
                    lambda i, a: actions.mark_reviewed(item=i, actor=a).reviewed_by_id == a.pk)


@admin.register(ReviewQueueItem)
class ReviewQueueItemAdmin(LargeTableAdmin):
    list_display = ("entity_type", "entity_id", "entity_creator", "status", "recommended_action", "severity",
                    "flags_count", "escalated", "locked_by", "created_at")
    list_filter = ("status", "entity_type", "recommended_action", "escalated", "has_image", "created_at")
    search_fields = ("=entity_id", "=entity_creator__id", "=channel_cid")
    date_hierarchy = "created_at"
    autocomplete_fields = ("entity_creator", "reviewed_by", "locked_by")
    list_select_related = ("entity_creator", "locked_by")
    inlines = [FlagInline]
    actions = [mark_selected_reviewed]


@admin.register(Flag)
class FlagAdmin(LargeTableAdmin):
    list_display = ("entity_type", "entity_id", "reporter", "entity_creator", "reason", "type", "created_at")
    list_filter = ("type", "entity_type", "created_at")
    search_fields = ("=entity_id", "=reporter__id", "=entity_creator__id", "=reason")
    date_hierarchy = "created_at"
    autocomplete_fields = ("reporter", "entity_creator")
    raw_id_fields = ("item",)
    list_select_related = ("reporter", "entity_creator")


@admin.register(ModerationLog)
class ModerationLogAdmin(LargeTableAdmin):
    list_display = ("created_at", "action", "actor", "actor_type", "target_user", "item", "reason")
    list_filter = ("action", "actor_type", "created_at")
    search_fields = ("=actor__id", "=target_user__id", "=action")
    date_hierarchy = "created_at"
    raw_id_fields = ("actor", "target_user", "item")
    list_select_related = ("actor", "target_user", "item")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the audit log is append-only


@admin.register(ModerationConfig)
class ModerationConfigAdmin(admin.ModelAdmin):
    list_display = ("key", "team", "is_async", "updated_at")
    search_fields = ("key", "team")
    list_filter = ("team",)


@admin.register(Blocklist)
class BlocklistAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "type", "updated_at")
    search_fields = ("name",)
    list_filter = ("type", "team")


class CallMemberInline(admin.TabularInline):
    model = CallMember
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("type", "call_id", "created_by", "created_at", "ended_at")
    list_filter = ("type", ("ended_at", admin.EmptyFieldListFilter))
    search_fields = ("=call_id", "=created_by__id")
    autocomplete_fields = ("created_by",)
    inlines = [CallMemberInline]


@admin.register(CallMember)
class CallMemberAdmin(LargeTableAdmin):
    list_display = ("call", "user", "role", "audio_muted", "video_muted", "blocked_at", "kicked_at")
    list_filter = ("role", "audio_muted", "video_muted")
    search_fields = ("=user__id", "=call__call_id")
    autocomplete_fields = ("user",)
    raw_id_fields = ("call",)


@admin.register(PermissionRequest)
class PermissionRequestAdmin(admin.ModelAdmin):
    list_display = ("call", "user", "permissions", "status", "created_at", "decided_by")
    list_filter = ("status",)
    search_fields = ("=user__id",)
    raw_id_fields = ("call", "user", "decided_by")


@admin.register(Task)
class TaskAdmin(LargeTableAdmin):
    list_display = ("id", "kind", "status", "done", "total", "created_at", "completed_at")
    list_filter = ("kind", "status")
    search_fields = ("=id",)
    date_hierarchy = "created_at"
    readonly_fields = ("kind", "status", "params", "total", "done", "result", "error", "created_by",
                       "created_at", "updated_at", "completed_at")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("key", "name")


@admin.register(ItemNote)
class ItemNoteAdmin(LargeTableAdmin):
    list_display = ("item", "author", "created_at")
    search_fields = ("=author__id", "text")
    raw_id_fields = ("item", "author")


@admin.register(OutboxEvent)
class OutboxEventAdmin(LargeTableAdmin):
    list_display = ("id", "type", "created_at", "relayed_at")
    list_filter = ("type", ("relayed_at", admin.EmptyFieldListFilter))
    search_fields = ("=type",)
    date_hierarchy = "created_at"


class WebhookEndpointForm(forms.ModelForm):
    """Refuses private/loopback targets (SSRF) unless MODERATION_WEBHOOK_ALLOW_PRIVATE allows them."""

    url = forms.URLField(max_length=2048, assume_scheme="https")

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "events", "active", "from_app"]

    def clean_url(self) -> str:
        try:
            return net.check_url(self.cleaned_data["url"], field="url")
        except ModerationError as exc:
            raise forms.ValidationError(exc.message) from None


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "active", "from_app", "events", "created_at")
    list_filter = ("active", "from_app")
    search_fields = ("url",)
    form = WebhookEndpointForm


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(LargeTableAdmin):
    list_display = ("id", "event", "endpoint", "status", "attempts", "last_status_code", "short_error",
                    "next_attempt_at", "delivered_at")
    list_filter = ("status", "endpoint")
    raw_id_fields = ("event", "endpoint")
    list_select_related = ("event", "endpoint")
    readonly_fields = ("last_error",)
    actions = ["redeliver"]

    @admin.display(description="last error")
    def short_error(self, obj: WebhookDelivery) -> str:
        return obj.last_error[:80]

    @admin.action(description="Redeliver the selected webhooks")
    def redeliver(self, request, queryset):
        count = webhooks.redeliver(queryset)
        self.message_user(request, f"{count} deliveries queued again.", messages.SUCCESS)
