"""Pages robust to whatever users send: custom data as JSON, user text isolated with its control characters
shown, and errors that name fields the way the forms label them (the layout itself is checked in Chromium,
tests/browser/test_layout.py)."""

import pytest
from django.urls import reverse

from reviews import actions
from reviews.models import EntityType
from tests.factories import DashboardUserFactory, EndUserFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
RLO = "\u202e"
MARKER = '<span class="ctl" title="RIGHT-TO-LEFT OVERRIDE">⟨U+202E⟩</span>'


@pytest.fixture
def mod_client(client):
    client.force_login(DashboardUserFactory(username="mia", role="Moderators"))
    return client


@pytest.fixture
def item():
    creator = EndUserFactory(id="carol", name=f"unknown{RLO}role user", custom={"plan": "pro", "tags": ["a"]})
    reporter = EndUserFactory(id="rep")
    _, item = actions.flag_content(
        reporter=reporter, entity_type=EntityType.MESSAGE, entity_id="m-1", entity_creator=creator,
        actor=reporter, reason="spam", channel_cid="messaging:general", custom={"source": "demo"},
        moderation_payload={"texts": ["hi"], "custom": {"client": "ios", "depth": {"n": 1}}})
    return item


def test_custom_data_shows_as_json_on_the_item_and_user_pages(mod_client, item):
    page = mod_client.get(reverse("reviews:item", args=[item.pk])).content.decode()
    assert "{&#x27;source&#x27;: &#x27;demo&#x27;}" not in page and "{'source'" not in page  # no Python repr
    assert '<pre class="json">{\n  &quot;source&quot;: &quot;demo&quot;\n}</pre>' in page  # the flag's
    assert "&quot;client&quot;: &quot;ios&quot;" in page and "&quot;depth&quot;: {\n" in page  # the payload's
    assert "&quot;plan&quot;: &quot;pro&quot;" in page  # the creator's
    user_page = mod_client.get(reverse("reviews:user", args=["carol"])).content.decode()
    assert '<pre class="json">{\n  &quot;plan&quot;: &quot;pro&quot;,' in user_page


def test_a_name_with_a_right_to_left_override_cannot_reverse_the_text_after_it(mod_client, item):
    for url in (reverse("reviews:item", args=[item.pk]), reverse("reviews:user", args=["carol"])):
        page = mod_client.get(url).content.decode()
        assert RLO not in page
        assert f"<bdi>unknown{MARKER}role user</bdi> · role <bdi>user</bdi>" in page


def test_form_errors_name_fields_by_their_labels(mod_client, item):
    bad = mod_client.post(reverse("reviews:decide", args=[item.pk]),
                          {"actions": ["ban"], "ban_timeout": "5"}, **HX)
    assert bad.status_code == 400
    assert b"Ban duration: Select a valid choice" in bad.content and b"ban_timeout" not in bad.content
    none = mod_client.post(reverse("reviews:decide", args=[item.pk]), {}, **HX)
    assert b"Actions: This field is required" in none.content
    user = mod_client.post(reverse("reviews:user-act", args=["carol"]), {"action": "ban", "timeout": "7"}, **HX)
    assert b"Duration: Select a valid choice" in user.content
    queue = mod_client.get(reverse("reviews:queue"), {"severity_min": "nope"}).content.decode()
    assert "Filter problem: " in queue and "severity_min:" not in queue


def test_the_items_log_names_verbs_by_their_labels(mod_client, item):
    actions.mark_reviewed(item=item, actor=EndUserFactory(id="boss", role="moderator"))
    page = mod_client.get(reverse("reviews:item", args=[item.pk])).content.decode()
    assert "<strong>Mark reviewed</strong> by <bdi>boss</bdi>" in page
