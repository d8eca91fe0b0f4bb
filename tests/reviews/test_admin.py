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
