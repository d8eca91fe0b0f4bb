"""Django admin for every model. Changelists on tables that grow without bound skip the full COUNT(*)
(`show_full_result_count = False` plus an estimated paginator count on PostgreSQL).

Admin is a face, not a back door: moderation state (bans, mutes, blocks, flags, queue items and notes, calls,
their members and permission requests, a user's deactivation) is read-only here, and changes only through
admin actions, each of which applies a verb of the decision table (`registry.apply`), so an admin ban is the
same ban as the dashboard's or the API's, logged and announced the same way."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property

from reviews import actions, net
from reviews.actions import registry
from reviews.errors import ModerationError
from reviews.models import (
    ApiKey,
    Appeal,
    Ban,
    Blocklist,
    Call,
    CallMember,
    ChannelMute,
    CustomQueue,
    EndUser,
    Flag,
    FutureChannelBan,
    ItemNote,
    ModerationConfig,
    ModerationLog,
    ModeratorPreferences,
    Mute,
    OutboxEvent,
    PermissionRequest,
    ReviewQueueItem,
    StaleQueueAlert,
    Task,
    UserBlock,
    Watch,
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


class ModerationStateAdmin(LargeTableAdmin):
    """Read-only: no add, change or delete that would write moderation state past the actions. The changelist
    stays (and with it the admin actions, which need the change permission on the list, not on a row)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


def verb_action(name: str, verb_name: str, description: str, *, params=lambda obj: {}, on_item: bool = False):
    """An admin action that applies one verb of the decision table to each selected row: `params(obj)` says
    whom or what it acts on. Each row is its own transaction; a refusal (say, an item another moderator
    holds) is reported and the rest go on."""
    verb = registry.get(verb_name, face=registry.Face.ADMIN)
    title = verb.name.replace("_", " ").capitalize()

    def act(modeladmin, request, queryset):
        actor = identity_for(request.user)
        changed = failed = 0
        for obj in queryset.iterator(chunk_size=200):
            try:
                applied = registry.apply(verb, item=obj if on_item else None, actor=actor, params=params(obj))
                changed += bool(applied.result)
            except ModerationError as exc:
                failed += 1
                modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        level = messages.SUCCESS if not failed else messages.WARNING
        modeladmin.message_user(request, f"{title}: {changed} changed, {failed} failed.", level)

    act.__name__ = name
    return admin.action(description=description, permissions=["change"])(act)


def _user(obj) -> dict:
    return {"target_user_id": obj.pk, "reason": "from Django admin"}


ban_selected = verb_action("ban_selected", "ban", "Ban selected users app-wide",
                           params=lambda u: {**_user(u), "reason": "banned from Django admin"})
unban_selected = verb_action("unban_selected", "unban", "Lift app-wide bans of selected users", params=_user)
deactivate_selected = verb_action("deactivate_selected", "deactivate_user", "Deactivate selected users",
                                  params=_user)
reactivate_selected = verb_action("reactivate_selected", "reactivate_user", "Reactivate selected users",
                                  params=_user)
lift_selected_bans = verb_action("lift_selected_bans", "unban", "Lift selected bans",
                                 params=lambda b: {"target_user_id": b.target_id, "channel_cid": b.channel_cid})
lift_selected_mutes = verb_action("lift_selected_mutes", "unmute", "Lift selected mutes",
                                  params=lambda m: {"target_user_id": m.target_id, "muted_by": m.user_id})
# Every verb on a queue item the decision table offers admin, as "<verb>_selected" (mark_reviewed_selected...).
ITEM_ACTIONS = [verb_action(f"{v.name}_selected", v.name, f"{v.label} (selected items)", on_item=True)
                for v in registry.offered_on(registry.Face.ADMIN) if v.needs_item]
block_selected_members = verb_action("block_selected_members", "call_block", "Block selected members from their call",
                                     params=lambda m: {"call_cid": m.call.cid, "target_user_id": m.user_id})
unblock_selected_members = verb_action("unblock_selected_members", "call_unblock",
                                       "Unblock selected members from their call",
                                       params=lambda m: {"call_cid": m.call.cid, "target_user_id": m.user_id})
accept_selected_requests = verb_action("accept_selected_requests", "call_permission_accepted",
                                       "Accept selected permission requests", params=lambda r: {"request_id": r.pk})
reject_selected_requests = verb_action("reject_selected_requests", "call_permission_rejected",
                                       "Reject selected permission requests", params=lambda r: {"request_id": r.pk})


@admin.register(EndUser)
class EndUserAdmin(LargeTableAdmin):
    list_display = ("id", "name", "role", "last_ip", "deactivated_at", "created_at")
    list_filter = ("role", ("deactivated_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("=id", "name", "=last_ip")
    date_hierarchy = "created_at"
    readonly_fields = ("deactivated_at", "deleted_at", "created_at", "updated_at")  # moderation state: actions only
    autocomplete_fields = ("dashboard_user",)
    actions = [ban_selected, unban_selected, deactivate_selected, reactivate_selected]

    def get_deleted_objects(self, objs, request):
        # Deleting a user erases their account with everything stored about them (data erasure, not a moderation
        # decision; the log keeps their id). Their bans, mutes and blocks go with them, though admin may not
        # delete those one by one, so the cascade is not refused for want of that permission.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected


@admin.register(Ban)
class BanAdmin(ModerationStateAdmin):
    list_display = ("target", "channel_cid", "shadow", "ip_ban", "ip", "reason", "expires_at", "created_at",
                    "lifted_at", "banned_by")
    list_filter = ("shadow", "ip_ban", ("channel_cid", admin.EmptyFieldListFilter),
                   ("lifted_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("=target__id", "=channel_cid", "=ip", "reason")
    date_hierarchy = "created_at"
    autocomplete_fields = ("target", "banned_by", "lifted_by")
    list_select_related = ("target", "banned_by")
    actions = [lift_selected_bans]


@admin.register(Mute)
class MuteAdmin(ModerationStateAdmin):
    list_display = ("user", "target", "expires_at", "created_at")
    list_filter = (("expires_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("=user__id", "=target__id")
    autocomplete_fields = ("user", "target")
    list_select_related = ("user", "target")
    actions = [lift_selected_mutes]


@admin.register(ChannelMute)
class ChannelMuteAdmin(LargeTableAdmin):
    list_display = ("user", "channel_cid", "expires_at", "created_at")
    list_filter = (("expires_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("=user__id", "=channel_cid")
    autocomplete_fields = ("user",)
    list_select_related = ("user",)

    def has_add_permission(self, request):
        return False  # channel mutes are made through the action layer (the API)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)


@admin.register(FutureChannelBan)
class FutureChannelBanAdmin(LargeTableAdmin):
    list_display = ("target", "banned_by", "shadow", "reason", "expires_at", "created_at", "lifted_at")
    list_filter = ("shadow", ("lifted_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("=target__id", "=banned_by__id", "reason")
    autocomplete_fields = ("target", "banned_by", "lifted_by")
    list_select_related = ("target", "banned_by")

    def has_add_permission(self, request):
        return False  # made through the action layer (Chat's ban_from_future_channels)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)


@admin.register(UserBlock)
class UserBlockAdmin(ModerationStateAdmin):  # an end user's own: nobody else's to change
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


@admin.register(ReviewQueueItem)
class ReviewQueueItemAdmin(ModerationStateAdmin):
    list_display = ("entity_type", "entity_id", "entity_creator", "status", "recommended_action", "severity",
                    "flags_count", "escalated", "locked_by", "created_at")
    list_filter = ("status", "entity_type", "recommended_action", "escalated", "has_image", "created_at")
    search_fields = ("=entity_id", "=entity_creator__id", "=channel_cid")
    date_hierarchy = "created_at"
    autocomplete_fields = ("entity_creator", "reviewed_by", "locked_by")
    list_select_related = ("entity_creator", "locked_by")
    inlines = [FlagInline]
    actions = ITEM_ACTIONS


@admin.register(Flag)
class FlagAdmin(ModerationStateAdmin):  # reports: made by the flag verb, never edited
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


@admin.register(Appeal)
class AppealAdmin(LargeTableAdmin):
    """Read-only: appeals are filed through the API and decided in the dashboard's Appeals inbox or the API,
    through reviews/actions/appeals.py."""

    list_display = ("created_at", "user", "decision", "entity_type", "entity_id", "status", "decided_by")
    list_filter = ("status", "decision", "created_at")
    search_fields = ("=user__id", "=entity_id", "=decided_by__id")
    date_hierarchy = "created_at"
    raw_id_fields = ("user", "ban", "item", "decided_by")
    list_select_related = ("user", "decided_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a decided appeal is part of the record (DSA); users' deletion cascades instead


class _ActionForm(forms.ModelForm):
    """A form whose values are checked by the action's own validation, so admin shows the API's error."""

    def _check(self, check) -> None:
        try:
            check()
        except ModerationError as exc:
            field = exc.field.split(".")[0].split("[")[0] if exc.field else None
            self.add_error(field if field in self.fields else None, exc.message)


class ModerationConfigForm(_ActionForm):
    class Meta:
        model = ModerationConfig
        fields = ["key", "team", "is_async", "blocks"]

    def clean(self):
        data = super().clean()
        if "blocks" in data and not self.errors:
            key, team = (self.instance.key, self.instance.team) if self.instance.pk else (data.get("key"),
                                                                                          data.get("team"))
            self._check(lambda: actions.clean_config(key=key, team=team, is_async=data.get("is_async"),
                                                     blocks=data["blocks"]))
        return data


@admin.register(ModerationConfig)
class ModerationConfigAdmin(admin.ModelAdmin):
    """Saves and deletes go through `upsert_config`/`delete_config`: validated as the API validates, logged,
    and `updated_at` moves, so every process's compiled policy is rebuilt on its next check."""

    list_display = ("key", "team", "is_async", "updated_at")
    search_fields = ("key", "team")
    list_filter = ("team",)
    form = ModerationConfigForm

    def get_readonly_fields(self, request, obj=None):
        return ("key", "team", "created_at", "updated_at") if obj else ("created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        saved = actions.upsert_config(key=obj.key, team=obj.team, is_async=obj.is_async, blocks=obj.blocks,
                                      actor=identity_for(request.user), replace=True)
        obj.pk, obj.updated_at = saved.pk, saved.updated_at

    def delete_model(self, request, obj):
        actions.delete_config(key=obj.key, team=obj.team, actor=identity_for(request.user))

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class BlocklistForm(_ActionForm):
    class Meta:
        model = Blocklist
        fields = ["name", "team", "type", "words", "is_leet_check_enabled", "is_plural_check_enabled",
                  "is_substring_matching_enabled"]

    def clean(self):
        data = super().clean()
        if "words" in data and not self.errors:
            if self.instance.pk:
                self._check(lambda: actions.clean_words(data["words"], type=self.instance.type))
            else:
                self._check(lambda: actions.clean_blocklist(name=data.get("name"), words=data["words"],
                                                            type=data.get("type")))
        return data


@admin.register(Blocklist)
class BlocklistAdmin(admin.ModelAdmin):
    """Saves and deletes go through the blocklist actions (validated, logged, `updated_at` moved so every
    process rebuilds the list's automaton); a list a config still names cannot be deleted."""

    list_display = ("name", "team", "type", "updated_at")
    search_fields = ("name",)
    list_filter = ("type", "team")
    form = BlocklistForm

    def get_readonly_fields(self, request, obj=None):
        return ("name", "team", "type", "created_at", "updated_at") if obj else ("created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        flags = {"is_leet_check_enabled": obj.is_leet_check_enabled,
                 "is_plural_check_enabled": obj.is_plural_check_enabled,
                 "is_substring_matching_enabled": obj.is_substring_matching_enabled}
        if change:
            saved = actions.update_blocklist(name=obj.name, team=obj.team, words=obj.words,
                                             actor=identity_for(request.user), **flags)
        else:
            saved = actions.create_blocklist(name=obj.name, team=obj.team, type=obj.type, words=obj.words,
                                             actor=identity_for(request.user), **flags)
        obj.pk, obj.words, obj.updated_at = saved.pk, saved.words, saved.updated_at

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for blocklist in objs:
            protected += [f"config {key} (names blocklist {blocklist.name})"
                          for key in actions.policies.configs_using(blocklist.name, blocklist.team)]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        actions.delete_blocklist(name=obj.name, team=obj.team, actor=identity_for(request.user))

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class CallMemberInline(admin.TabularInline):
    model = CallMember
    extra = 0
    can_delete = False
    fields = ("user", "role", "audio_muted", "video_muted", "blocked_at", "kicked_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Call)
class CallAdmin(ModerationStateAdmin):
    list_display = ("type", "call_id", "created_by", "created_at", "ended_at")
    list_filter = ("type", ("ended_at", admin.EmptyFieldListFilter))
    search_fields = ("=call_id", "=created_by__id")
    autocomplete_fields = ("created_by",)
    inlines = [CallMemberInline]


@admin.register(CallMember)
class CallMemberAdmin(ModerationStateAdmin):
    list_display = ("call", "user", "role", "audio_muted", "video_muted", "blocked_at", "kicked_at")
    list_filter = ("role", "audio_muted", "video_muted")
    search_fields = ("=user__id", "=call__call_id")
    autocomplete_fields = ("user",)
    raw_id_fields = ("call",)
    list_select_related = ("call", "user")
    actions = [block_selected_members, unblock_selected_members]


@admin.register(PermissionRequest)
class PermissionRequestAdmin(ModerationStateAdmin):
    list_display = ("call", "user", "permissions", "status", "created_at", "decided_by")
    list_filter = ("status",)
    search_fields = ("=user__id",)
    raw_id_fields = ("call", "user", "decided_by")
    list_select_related = ("call", "user", "decided_by")
    actions = [accept_selected_requests, reject_selected_requests]


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
class ItemNoteAdmin(ModerationStateAdmin):
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


class CustomQueueForm(forms.ModelForm):
    class Meta:
        model = CustomQueue
        fields = ("assignees", "stale_after_minutes")

    def clean_stale_after_minutes(self):
        from reviews.actions.custom_queues import check_stale_minutes

        try:  # the action's own check, so the form names the problem instead of failing on save
            return check_stale_minutes(self.cleaned_data.get("stale_after_minutes"))
        except ModerationError as exc:
            raise forms.ValidationError(exc.message) from None


@admin.register(CustomQueue)
class CustomQueueAdmin(admin.ModelAdmin):
    """Custom queues are made through the API (their filter is checked by `query_review_queue`'s parser); here an
    admin assigns moderators, through the `assign_queue` action (validated, logged), and sets the queue's age
    threshold for stale alerts, through `update_queue`."""

    form = CustomQueueForm
    list_display = ("name", "type", "stale_after_minutes", "created_by", "updated_at")
    search_fields = ("name",)
    fields = ("name", "type", "description", "filters", "sort", "stale_after_minutes", "assignees", "created_by",
              "created_at", "updated_at")
    readonly_fields = ("name", "type", "description", "filters", "sort", "created_by", "created_at", "updated_at")
    filter_horizontal = ("assignees",)

    def has_add_permission(self, request):
        return False

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "assignees":  # only moderators and admins can be assigned (assign_queue checks too)
            kwargs["queryset"] = EndUser.objects.filter(role__in=[EndUser.Role.MODERATOR, EndUser.Role.ADMIN])
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # Only the assignees (save_related) and the age threshold are editable, each through its action.
        if "stale_after_minutes" in form.changed_data:
            from reviews.actions.custom_queues import update_queue

            update_queue(queue_id=obj.pk, actor=identity_for(request.user),
                         stale_after_minutes=form.cleaned_data["stale_after_minutes"])

    def save_related(self, request, form, formsets, change):
        from reviews.actions.custom_queues import assign_queue

        assign_queue(queue_id=form.instance.pk, assignees=list(form.cleaned_data["assignees"]),
                     actor=identity_for(request.user))

    def delete_model(self, request, obj):
        from reviews.actions.custom_queues import delete_queue

        delete_queue(queue_id=obj.pk, actor=identity_for(request.user))

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Watch)
class WatchAdmin(ModerationStateAdmin):
    """Watches are started and ended with the `watch` / `unwatch` verbs (the user page, the item drawer)."""

    list_display = ("user", "reason", "review_after", "watched_by", "created_at", "ended_at", "review_surfaced_at")
    list_filter = (("ended_at", admin.EmptyFieldListFilter), ("review_after", admin.EmptyFieldListFilter),
                   "created_at")
    search_fields = ("=user__id", "reason")
    list_select_related = ("user", "watched_by")
    raw_id_fields = ("user", "watched_by", "ended_by", "review_item")


@admin.register(StaleQueueAlert)
class StaleQueueAlertAdmin(ModerationStateAdmin):
    """What the stale-queue beat last saw of each queue (it alone writes these)."""

    list_display = ("queue_key", "custom_queue", "stale", "oldest_item_id", "alerted_at", "cleared_at", "checked_at")
    list_filter = ("stale",)
    search_fields = ("=queue_key", "custom_queue__name")
    list_select_related = ("custom_queue",)


@admin.register(ModeratorPreferences)
class ModeratorPreferencesAdmin(ModerationStateAdmin):
    """Each moderator sets their own on the dashboard's Preferences page."""

    list_display = ("user", "greyscale", "blur", "video_autoplay", "audio_muted", "break_after_decisions",
                    "break_after_minutes", "updated_at")
    search_fields = ("user__username",)
    list_select_related = ("user",)
