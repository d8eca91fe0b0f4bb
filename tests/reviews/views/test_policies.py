import pytest

from reviews import actions
from reviews.models import ModerationConfig, ModerationLog
from tests.factories import DashboardUserFactory

pytestmark = pytest.mark.django_db


def login(client, role):
    user = DashboardUserFactory(username=f"u-{role}", role=role)
    client.force_login(user)
    return user


def test_viewers_and_moderators_cannot_change_policies(client):
    login(client, "Moderators")
    response = client.post("/policies/config", {"config": "chat:x", "blocks": "{}"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403 and not ModerationConfig.objects.exists()


def test_admin_saves_through_the_api_validator(client):
    login(client, "Admins")
    bad = client.post("/policies/config", {"config": "chat:x", "blocks": '{"nsfw_config": {}}'},
                      HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and "unknown engine &#x27;nsfw_config&#x27;" in bad.content.decode()
    broken = client.post("/policies/config", {"config": "chat:x", "blocks": "{nope"}, HTTP_HX_REQUEST="true")
    assert broken.status_code == 400 and "blocks: not valid JSON" in broken.content.decode()
    ok = client.post("/policies/config", {"config": "chat:x", "blocks": '{"automod_toxicity_config": {"rules": '
                     '[{"label": "toxic", "threshold": 0.5, "action": "flag"}]}}'}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and ok["HX-Trigger"] == "policy-saved"
    config = ModerationConfig.objects.get(key="chat:x")
    assert config.blocks["automod_toxicity_config"]["rules"][0]["action"] == "flag"
    assert ModerationLog.objects.get(action="upsert_config").actor_id == "u-Admins"


def test_admin_edits_blocklist_words_one_per_line(client):
    login(client, "Admins")
    client.post("/policies/blocklist", {"name": "words", "words": "alpha\n\n beta \n"}, HTTP_HX_REQUEST="true")
    client.post("/policies/blocklist", {"name": "words", "words": "gamma"}, HTTP_HX_REQUEST="true")
    from reviews.models import Blocklist

    assert Blocklist.objects.get(name="words").words == ["gamma"]


def test_try_it_stores_nothing(client):
    login(client, "Viewers")
    actions.upsert_config(key="chat:x", actor=None, blocks={
        "automod_platform_circumvention_config": {"rules": [{"label": "email", "threshold": 1, "action": "flag"}]}})
    response = client.get("/policies/try", {"config": "chat:x", "text": "mail a@b.com"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="try-action">flag<' in body and "automod_platform_circumvention_config/email" in body
    assert not ModerationLog.objects.filter(action="check").exists()
    page = client.get("/policies/")
    assert page.status_code == 200 and "chat:x" in page.content.decode()
