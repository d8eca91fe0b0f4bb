import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.urls import reverse

from reviews import actions
from reviews.models import Ban, EndUser, EntityType, ModerationLog
from tests.factories import EndUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def data(alice, bob, moderator):
    actions.flag_content(reporter=alice, entity_type=EntityType.MESSAGE, entity_id="m1", entity_creator=bob,
                         actor=alice, reason="spam", moderation_payload={"texts": ["x"]})
    actions.ban_user(target=bob, actor=moderator, reason="spam")
    actions.mute_user(user=alice, target=bob, actor=alice)
    actions.block_user(blocker=alice, blocked=bob, actor=alice)


@pytest.mark.parametrize("model", [m for m in apps.get_app_config("reviews").get_models()],
                         ids=lambda m: m.__name__)
def test_every_model_has_a_working_changelist_with_search(admin_client, data, model):
    url = reverse(f"admin:reviews_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "bob"}).status_code == 200


def test_admin_ban_action_goes_through_the_action_layer(admin_client, moderator):
    users = EndUserFactory.create_batch(3)
    url = reverse("admin:reviews_enduser_changelist")
    response = admin_client.post(url, {"action": "ban_selected", "_selected_action": [u.pk for u in users]},
                                 follow=True)
    assert response.status_code == 200
    assert Ban.objects.in_force().filter(target__in=users).count() == 3
    logs = ModerationLog.objects.filter(action="ban")
    assert logs.count() == 3 and {log.actor_id for log in logs} == {"root"}  # the admin's own identity
    assert b"Ban: 3 changed, 0 failed." in response.content


def test_admin_deactivate_then_reactivate(admin_client):
    users = EndUserFactory.create_batch(2)
    url = reverse("admin:reviews_enduser_changelist")
    ids = [u.pk for u in users]
    admin_client.post(url, {"action": "deactivate_selected", "_selected_action": ids})
    assert EndUser.objects.filter(pk__in=ids, deactivated_at__isnull=False).count() == 2
    admin_client.post(url, {"action": "reactivate_selected", "_selected_action": ids})
    assert EndUser.objects.filter(pk__in=ids, deactivated_at__isnull=True).count() == 2


def test_lifting_bans_from_the_ban_changelist(admin_client, data, bob):
    ban = Ban.objects.get(target=bob)
    admin_client.post(reverse("admin:reviews_ban_changelist"),
                      {"action": "lift_selected_bans", "_selected_action": [ban.pk]})
    assert not Ban.objects.in_force().filter(target=bob).exists()
    assert ModerationLog.objects.filter(action="unban", target_user=bob).exists()


def test_moderation_log_is_append_only_in_admin(admin_client, data):
    entry = ModerationLog.objects.first()
    change = admin_client.get(reverse("admin:reviews_moderationlog_change", args=[entry.pk]))
    assert b'name="_save"' not in change.content
    delete = admin_client.post(reverse("admin:reviews_moderationlog_delete", args=[entry.pk]), {"post": "yes"})
    assert delete.status_code == 403 and ModerationLog.objects.filter(pk=entry.pk).exists()


def test_deleting_a_user_keeps_the_log_entries_about_them_with_their_id(admin_client, data, bob, moderator):
    """The log is an append-only record: deleting a user neither is blocked by it nor cascades or nulls it."""
    about_bob = set(ModerationLog.objects.filter(target_user_id="bob").values_list("pk", flat=True))
    by_mod = set(ModerationLog.objects.filter(actor_id=moderator.pk).values_list("pk", flat=True))
    assert about_bob and by_mod
    admin_client.post(reverse("admin:reviews_enduser_delete", args=["bob"]), {"post": "yes"})
    admin_client.post(reverse("admin:reviews_enduser_delete", args=[moderator.pk]), {"post": "yes"})
    assert not EndUser.objects.filter(pk__in=["bob", moderator.pk]).exists()
    assert set(ModerationLog.objects.filter(target_user_id="bob").values_list("pk", flat=True)) == about_bob
    assert set(ModerationLog.objects.filter(actor_id=moderator.pk).values_list("pk", flat=True)) == by_mod
    entry = ModerationLog.objects.select_related("target_user").get(pk=min(about_bob))
    assert entry.target_user is None and entry.target_user_id == "bob"  # the id stays, the user reads as gone
    assert admin_client.get(reverse("admin:reviews_moderationlog_changelist")).status_code == 200
    assert admin_client.get(reverse("reviews:log")).status_code == 200


def test_large_changelists_do_not_count_the_whole_table(admin_client, data, django_assert_max_num_queries):
    # With show_full_result_count off, a filtered changelist runs one count (the filtered one), not two.
    url = reverse("admin:reviews_reviewqueueitem_changelist")
    with django_assert_max_num_queries(12) as ctx:
        admin_client.get(url, {"status__exact": "pending"})
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1, counts


# --- admin is a face, not a back door ---------------------------------------------------------------------

def _state_rows(alice, bob, moderator):
    """One row of every model that holds moderation state, each made through its action."""
    from reviews.models import Call, CallMember, Flag, ItemNote, Mute, PermissionRequest, ReviewQueueItem, UserBlock

    _, item = actions.flag_content(reporter=alice, entity_type=EntityType.MESSAGE, entity_id="m9", entity_creator=bob,
                                   actor=alice, reason="spam", moderation_payload={"texts": ["x"]})
    actions.add_note(item=item, actor=moderator, text="a note")
    actions.ban_user(target=bob, actor=moderator, reason="spam")
    actions.mute_user(user=moderator, target=bob, actor=moderator)
    actions.block_user(blocker=alice, blocked=bob, actor=alice)
    call, _, _ = actions.get_or_create_call(call_type="default", call_id="c1", actor=None, created_by=alice,
                                            members=[{"user_id": "alice", "role": "host"}, {"user_id": "bob"}])
    request = PermissionRequest.objects.create(call=call, user=bob, permissions=["send-audio"])
    return {Ban: Ban.objects.get(target=bob), Mute: Mute.objects.get(), UserBlock: UserBlock.objects.get(),
            Flag: Flag.objects.get(), ReviewQueueItem: item, ItemNote: ItemNote.objects.get(), Call: call,
            CallMember: CallMember.objects.get(call=call, user=bob), PermissionRequest: request}


STATE_MODELS = ["Ban", "Mute", "UserBlock", "Flag", "ReviewQueueItem", "ItemNote", "Call", "CallMember",
                "PermissionRequest"]


@pytest.mark.parametrize("name", STATE_MODELS)
def test_moderation_state_is_read_only_in_admin(admin_client, alice, bob, moderator, name):
    model = apps.get_model("reviews", name)
    obj = _state_rows(alice, bob, moderator)[model]
    meta = model._meta
    before = model.objects.count()
    assert admin_client.get(reverse(f"admin:reviews_{meta.model_name}_add")).status_code == 403
    change = admin_client.get(reverse(f"admin:reviews_{meta.model_name}_change", args=[obj.pk]))
    assert change.status_code == 200 and b'name="_save"' not in change.content  # a view, not a form
    posted = admin_client.post(reverse(f"admin:reviews_{meta.model_name}_change", args=[obj.pk]), {})
    assert posted.status_code == 403
    delete = admin_client.post(reverse(f"admin:reviews_{meta.model_name}_delete", args=[obj.pk]), {"post": "yes"})
    assert delete.status_code == 403 and model.objects.count() == before
    changelist = admin_client.get(reverse(f"admin:reviews_{meta.model_name}_changelist"))
    assert b'value="delete_selected"' not in changelist.content


def _run(admin_client, model, action: str, objs) -> None:
    url = reverse(f"admin:reviews_{model._meta.model_name}_changelist")
    response = admin_client.post(url, {"action": action, "_selected_action": [o.pk for o in objs]}, follow=True)
    assert response.status_code == 200 and b"0 failed" in response.content, response.content[-2000:]


@pytest.mark.parametrize(("name", "action", "logged", "event"), [
    ("Ban", "lift_selected_bans", "unban", "user.unbanned"),
    ("Mute", "lift_selected_mutes", "unmute", "user.unmuted"),
    ("ReviewQueueItem", "mark_reviewed_selected", "mark_reviewed", "moderation.mark_reviewed"),
    ("ReviewQueueItem", "delete_message_selected", "delete_message", "review_queue_item.updated"),
    ("ReviewQueueItem", "escalate_selected", "escalate", "review_queue_item.updated"),
    ("CallMember", "block_selected_members", "call_block", "call.blocked_user"),
    ("PermissionRequest", "accept_selected_requests", "call_permission_accepted", "call.permissions_updated"),
    ("EndUser", "deactivate_selected", "deactivate_user", "user.deactivated"),
])
def test_admin_actions_apply_a_verb_with_its_log_row_and_event(admin_client, alice, bob, moderator, name, action,
                                                                logged, event):
    from reviews.models import OutboxEvent

    model = apps.get_model("reviews", name)
    obj = bob if model is EndUser else _state_rows(alice, bob, moderator)[model]
    logs, events = ModerationLog.objects.filter(action=logged).count(), OutboxEvent.objects.filter(type=event).count()
    _run(admin_client, model, action, [obj])
    entry = ModerationLog.objects.filter(action=logged).latest("id")
    assert ModerationLog.objects.filter(action=logged).count() == logs + 1
    assert entry.actor_id == "root" and entry.actor_type == "moderator"  # the admin's identity, as a moderator
    assert OutboxEvent.objects.filter(type=event).count() > events


def test_admin_actions_respect_claims(admin_client, alice, bob, moderator):
    item = _state_rows(alice, bob, moderator)[apps.get_model("reviews", "ReviewQueueItem")]
    actions.claim_item(item=item, holder=moderator)
    url = reverse("admin:reviews_reviewqueueitem_changelist")
    response = admin_client.post(url, {"action": "mark_reviewed_selected", "_selected_action": [item.pk]}, follow=True)
    assert b"is reviewing this item" in response.content and b"0 changed, 1 failed" in response.content
    item.refresh_from_db()
    assert item.status == "pending"
