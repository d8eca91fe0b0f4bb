"""Config and Blocklist edits in Django admin go through the policy actions: the API's validation and error
text, a log row, and `updated_at` moved so every process's cached compiled policy sees the change at once."""

import html
import json

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from reviews import actions
from reviews.engines import store
from reviews.errors import ModerationError
from reviews.models import Blocklist, ModerationConfig, ModerationLog

pytestmark = pytest.mark.django_db

RULES = {"block_list_config": {"enabled": True, "rules": [{"name": "words", "action": "remove"}]}}


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    return client


@pytest.fixture
def words():
    return actions.create_blocklist(name="words", words=["pineapple"], actor=None)


def _api_error(**kwargs) -> str:
    """The message the API answers with (its envelope carries ModerationError.message)."""
    with pytest.raises(ModerationError) as exc:
        actions.upsert_config(actor=None, **kwargs)
    return exc.value.message


def _config_form(key="chat:messaging", blocks=RULES, **extra):
    return {"key": key, "team": "", "blocks": json.dumps(blocks), **extra}


@pytest.mark.parametrize("blocks", [
    {"block_list_config": {"rules": [{"name": "nope", "action": "flag"}]}},
    {"automod_toxicity_config": {"rules": [{"label": "insult", "threshold": 0.5, "action": "flag"}]}},
    {"made_up_config": {}},
    ["not", "an", "object"],
])
def test_an_invalid_config_shows_the_apis_error_and_saves_nothing(admin_client, blocks):
    expected = _api_error(key="chat:messaging", blocks=blocks)
    response = admin_client.post(reverse("admin:reviews_moderationconfig_add"), _config_form(blocks=blocks))
    assert response.status_code == 200 and html.escape(expected).encode() in response.content
    assert not ModerationConfig.objects.exists() and not ModerationLog.objects.exists()


def test_a_config_saved_in_admin_is_logged_and_every_cached_policy_sees_it(admin_client, words):
    admin_client.post(reverse("admin:reviews_moderationconfig_add"), _config_form())
    config = ModerationConfig.objects.get()
    assert ModerationLog.objects.filter(action="upsert_config", actor_id="root").count() == 1
    assert store.policy_for("chat:messaging").evaluate(["pineapple"]).action == "remove"  # now cached here

    flag = {"block_list_config": {"enabled": True, "rules": [{"name": "words", "action": "flag"}]}}
    response = admin_client.post(reverse("admin:reviews_moderationconfig_change", args=[config.pk]),
                                 _config_form(blocks=flag))
    assert response.status_code == 302
    moved = ModerationConfig.objects.get()
    assert moved.updated_at > config.updated_at and moved.blocks == flag
    # The process's cached policy (as any other process's) is rebuilt on its next check.
    assert store.policy_for("chat:messaging").evaluate(["pineapple"]).action == "flag"
    assert ModerationLog.objects.filter(action="upsert_config").count() == 2


def test_a_config_deleted_in_admin_is_logged(admin_client, words):
    config = actions.upsert_config(key="chat:messaging", blocks=RULES, actor=None)
    admin_client.post(reverse("admin:reviews_moderationconfig_delete", args=[config.pk]), {"post": "yes"})
    assert not ModerationConfig.objects.exists()
    assert ModerationLog.objects.filter(action="delete_config", actor_id="root").exists()


def test_an_invalid_blocklist_shows_the_apis_error(admin_client):
    with pytest.raises(ModerationError) as exc:
        actions.create_blocklist(name="rx", type="regex", words=["(unclosed"], actor=None)
    response = admin_client.post(reverse("admin:reviews_blocklist_add"), {
        "name": "rx", "team": "", "type": "regex", "words": json.dumps(["(unclosed"])})
    assert response.status_code == 200 and html.escape(exc.value.message).encode() in response.content
    assert not Blocklist.objects.exists()


def test_blocklist_edits_in_admin_are_logged_and_seen_by_cached_policies(admin_client, words):
    actions.upsert_config(key="chat:messaging", blocks=RULES, actor=None)
    assert store.policy_for("chat:messaging").evaluate(["banana"]).action == "keep"  # now cached here
    response = admin_client.post(reverse("admin:reviews_blocklist_change", args=[words.pk]), {
        "words": json.dumps(["pineapple", "banana"]), "is_leet_check_enabled": "on",
        "is_plural_check_enabled": "on"})
    assert response.status_code == 302
    assert Blocklist.objects.get().updated_at > words.updated_at
    assert ModerationLog.objects.filter(action="update_blocklist", actor_id="root").count() == 1
    assert store.policy_for("chat:messaging").evaluate(["banana"]).action == "remove"

    added = admin_client.post(reverse("admin:reviews_blocklist_add"), {
        "name": "more", "team": "", "type": "word", "words": json.dumps(["kiwi"])})
    assert added.status_code == 302
    assert ModerationLog.objects.filter(action="create_blocklist", actor_id="root").count() == 1


def test_a_blocklist_a_config_names_cannot_be_deleted_in_admin(admin_client, words):
    actions.upsert_config(key="chat:messaging", blocks=RULES, actor=None)
    url = reverse("admin:reviews_blocklist_delete", args=[words.pk])
    page = admin_client.post(url, {"post": "yes"})
    assert page.status_code == 200 and b"config chat:messaging" in page.content
    assert Blocklist.objects.exists()

    actions.delete_config(key="chat:messaging", actor=None)
    admin_client.post(url, {"post": "yes"})
    assert not Blocklist.objects.exists()
    assert ModerationLog.objects.filter(action="delete_blocklist", actor_id="root").exists()
