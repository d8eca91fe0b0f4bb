"""Honest about sessions and actions, server side: an ended session answers HTMX with 401 and a trigger (not a
login page), the session check a tab makes to notice a login elsewhere, a decision kept over a lost session is
refused when the item changed, looking claims nothing while deciding does, bans need a reason (with presets), and
heavy verbs without an undo ask first."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from reviews import actions
from reviews.actions import registry
from reviews.models import Ban, EntityType, ModerationLog, ReviewQueueItem
from reviews.permissions import identity_for
from reviews.selectors.queue import item_version
from tests.factories import DashboardUserFactory, EndUserFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def flag(n: int, *, channel="messaging:general") -> ReviewQueueItem:
    reporter, creator = EndUserFactory(id=f"rep-{n}"), EndUserFactory(id=f"creator-{n}")
    _, item = actions.flag_content(reporter=reporter, entity_type=EntityType.MESSAGE, entity_id=f"m-{n}",
                                   entity_creator=creator, actor=reporter, reason="spam", channel_cid=channel,
                                   moderation_payload={"texts": [f"message number {n}"]})
    return item


def moderator(username: str) -> Client:
    client = Client()
    user = DashboardUserFactory(username=username, role="Moderators")
    client.force_login(user)
    client.identity = identity_for(user)
    return client


@pytest.fixture
def mia():
    return moderator("mia")


@pytest.fixture
def otto():
    return moderator("otto")


# --- an ended session ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("method,name,args", [
    ("get", "reviews:queue-changes", []), ("get", "reviews:item", ["pk"]), ("post", "reviews:decide", ["pk"]),
    ("post", "reviews:claim", ["pk"]), ("post", "reviews:policies-config", []),
])
def test_htmx_without_a_session_gets_401_and_a_trigger_not_a_login_page(client, method, name, args):
    item = flag(1)
    url = reverse(name, args=[item.pk if a == "pk" else a for a in args])
    response = getattr(client, method)(url, {"actions": "mark_reviewed"} if method == "post" else {}, **HX)
    assert response.status_code == 401
    trigger = json.loads(response["HX-Trigger"])
    assert trigger == {"session-expired": {"login": reverse("login")}}
    assert b"<form" not in response.content and b"session ended" in response.content
    item.refresh_from_db()
    assert item.status == "pending"


def test_a_page_without_a_session_still_goes_to_the_login_page(client):
    response = client.get(reverse("reviews:queue"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next=")


def test_the_session_check_says_who_is_logged_in_with_a_fresh_token(client):
    anonymous = client.get(reverse("session-status"))
    assert anonymous.json() == {"user": None, "csrf": None} and anonymous["Cache-Control"] == "no-store"
    client.force_login(DashboardUserFactory(username="mia", role="Moderators"))
    body = client.get(reverse("session-status")).json()
    assert body["user"] == "mia" and len(body["csrf"]) >= 32
    # The token it hands out is one the CSRF check accepts.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(DashboardUserFactory(username="otto", role="Moderators"))
    token = strict.get(reverse("session-status")).json()["csrf"]
    item = flag(1)
    assert strict.post(reverse("reviews:decide", args=[item.pk]), {"actions": "mark_reviewed"}).status_code == 403
    ok = strict.post(reverse("reviews:decide", args=[item.pk]), {"actions": "mark_reviewed"}, HTTP_X_CSRFTOKEN=token,
                     **HX)
    assert ok.status_code == 200


def test_a_kept_decision_is_refused_when_the_item_changed_meanwhile(mia, otto):
    item = flag(1)
    seen = item_version(item)
    # While mia was logged out, another report came in.
    reporter = EndUserFactory(id="rep-late")
    actions.flag_content(reporter=reporter, entity_type=EntityType.MESSAGE, entity_id="m-1", actor=reporter,
                         reason="harassment", entity_creator=item.entity_creator)
    refused = mia.post(reverse("reviews:decide", args=[item.pk]), {"actions": "mark_reviewed", "expect_v": seen}, **HX)
    assert refused.status_code == 409
    assert b"changed since you decided" in refused.content and b"not applied" in refused.content
    assert b"pending, 2 flags" in refused.content
    assert not ModerationLog.objects.filter(actor_id="mia").exists()
    # Re-applied on what the page shows now, it applies, once (a duplicate changes nothing).
    item.refresh_from_db()
    current = item_version(item)
    first = mia.post(reverse("reviews:decide", args=[item.pk]), {"actions": "mark_reviewed", "expect_v": current}, **HX)
    assert first.status_code == 200
    again = mia.post(reverse("reviews:decide", args=[item.pk]), {"actions": "mark_reviewed", "expect_v": current}, **HX)
    assert again.status_code == 409  # it changed: by this very decision
    assert ModerationLog.objects.filter(actor_id="mia", action="mark_reviewed").count() == 1
    # Another moderator's decision is named by its label.
    other = flag(2)
    seen = item_version(other)
    actions.set_content_state(item=other, actor=otto.identity, state="deleted")
    refused = mia.post(reverse("reviews:decide", args=[other.pk]), {"actions": "escalate", "expect_v": seen}, **HX)
    assert refused.status_code == 409 and b"last decision: delete content" in refused.content


def test_the_rows_and_the_drawer_carry_the_version_a_kept_decision_is_checked_against(mia):
    item = flag(1)
    page = mia.get(reverse("reviews:queue")).content.decode()
    assert f'data-v="{item_version(item)}"' in page
    drawer = mia.get(reverse("reviews:item", args=[item.pk]), **HX).content.decode()
    assert f'data-v="{item_version(item)}"' in drawer


# --- claims: looking claims nothing, deciding does, leaving lets go -----------------------------------------

def test_viewing_an_item_from_anywhere_claims_nothing(mia, otto):
    item = flag(1)
    for response in (mia.get(reverse("reviews:item", args=[item.pk]), **HX),
                     mia.get(reverse("reviews:item", args=[item.pk]))):
        assert response.status_code == 200 and b"Nobody holds this item" in response.content
    item.refresh_from_db()
    assert item.locked_by_id is None
    # Another moderator is still handed it.
    handed = otto.post(reverse("reviews:queue-next"), {"f_status": "pending"}, **HX)
    assert handed.status_code == 200 and f'data-item-id="{item.pk}"'.encode() in handed.content
    item.refresh_from_db()
    assert item.locked_by_id == "otto"


def test_the_drawer_form_claims_on_first_touch_and_cannot_be_sent_twice_in_flight(mia):
    item = flag(1)
    drawer = mia.get(reverse("reviews:item", args=[item.pk]), **HX).content.decode()
    assert f'data-claim="{reverse("reviews:claim", args=[item.pk])}"' in drawer
    form = drawer[drawer.index('class="decide-form"') - 400:drawer.index('class="decide-form"')]
    assert 'hx-disabled-elt="find button[type=submit]"' in form and 'hx-sync="this:drop"' in form


def test_claim_and_release(mia, otto):
    item = flag(1)
    quiet = mia.post(reverse("reviews:claim", args=[item.pk]), {"place": "drawer", "quiet": "1"}, **HX)
    assert quiet.status_code == 200 and b"toast" not in quiet.content
    assert f'hx-target="#claim-{item.pk}"'.encode() in quiet.content and b"You hold this item" in quiet.content
    item.refresh_from_db()
    assert item.locked_by_id == "mia"
    renewed = mia.post(reverse("reviews:claim", args=[item.pk]), **HX)  # the claim key: said in a toast
    assert renewed.status_code == 200 and b"Claimed" in renewed.content

    refused = otto.post(reverse("reviews:claim", args=[item.pk]), **HX)
    assert refused.status_code == 409 and b"mia is reviewing" in refused.content
    assert otto.post(reverse("reviews:release", args=[item.pk]), {"quiet": "1"}, **HX).status_code == 200
    item.refresh_from_db()
    assert item.locked_by_id == "mia"  # someone else's claim is not theirs to release

    # Leaving the page: a beacon (no HX-Request header), quiet, 204.
    beacon = mia.post(reverse("reviews:release", args=[item.pk]), {"quiet": "1"})
    assert beacon.status_code == 204
    item.refresh_from_db()
    assert item.locked_by_id is None
    assert not ModerationLog.objects.exists() or not ModerationLog.objects.filter(actor_id__in=["mia", "otto"]).exists()


def test_the_claim_rule_is_the_decision_tables(mia, otto):
    item = flag(1)
    registry.take(item, mia.identity)
    with pytest.raises(Exception) as refused:
        registry.take(item, otto.identity)
    assert "mia is reviewing" in str(refused.value) and refused.value.status == 409
    assert registry.let_go(item, otto.identity) is False
    assert registry.let_go(item, mia.identity) is True
    registry.take(item, otto.identity)
    item.refresh_from_db()
    assert item.locked_by_id == "otto"


# --- a ban needs a reason; presets --------------------------------------------------------------------------

def test_a_ban_without_a_reason_is_refused_on_every_dashboard_face(mia):
    item = flag(1)
    refused = mia.post(reverse("reviews:decide", args=[item.pk]), {"actions": ["ban", "delete"], "reason": "  "}, **HX)
    assert refused.status_code == 400 and refused["HX-Retarget"] == "#toasts"
    assert b"Reason: a reason is required for ban creator" in refused.content
    item.refresh_from_db()
    assert not Ban.objects.exists() and item.content_state == ""

    user = mia.post(reverse("reviews:user-act", args=["creator-1"]), {"action": "shadow_ban"}, **HX)
    assert user.status_code == 400 and b"Reason: a reason is required for shadow ban" in user.content
    bulk = mia.post(reverse("reviews:queue-bulk"), {"actions": "ban", "scope": "selected", "items": [str(item.pk)]},
                    **HX)
    assert bulk.status_code == 400 and b"Reason: a reason is required" in bulk.content
    assert not Ban.objects.exists()

    applied = mia.post(reverse("reviews:decide", args=[item.pk]), {"actions": ["ban"], "reason": "Spam or scam"},
                       **HX)
    assert applied.status_code == 200 and Ban.objects.get(target_id="creator-1").reason == "Spam or scam"
    # Other verbs still need none; the API (Stream's SDKs) is not the dashboard: bans there need none either.
    other = flag(2)
    assert mia.post(reverse("reviews:decide", args=[other.pk]), {"actions": ["delete"]}, **HX).status_code == 200
    assert registry.BY_NAME["ban"].needs_reason and not registry.BY_NAME["delete_message"].needs_reason


def test_reason_presets_are_offered_and_configurable(mia, settings):
    page = mia.get(reverse("reviews:queue")).content.decode()
    assert '<datalist id="reason-presets">' in page and '<option value="Spam or scam">' in page
    assert 'id="d-reason" name="reason" maxlength="2000" list="reason-presets"' in page
    assert '<script id="reason-verbs" type="application/json">["ban", "shadow_ban"]</script>' in page
    settings.MODERATION_REASON_PRESETS = ["Crypto scam", "Raid"]
    page = mia.get(reverse("reviews:users")).content.decode()
    assert '<option value="Crypto scam">' in page and "Spam or scam" not in page


def test_reason_presets_from_the_environment(monkeypatch):
    import importlib

    from moderation_site.settings import base

    monkeypatch.setenv("MODERATION_REASON_PRESETS", "Spam, links and scams| Raid |")
    try:
        assert importlib.reload(base).MODERATION_REASON_PRESETS == ["Spam, links and scams", "Raid"]
    finally:
        monkeypatch.delenv("MODERATION_REASON_PRESETS")
        importlib.reload(base)


# --- heavy verbs: confirmed when they cannot be undone ------------------------------------------------------

def test_heavy_verbs_without_an_undo_ask_first_and_the_rest_offer_undo():
    by = registry.BY_NAME
    assert by["end_call"].confirms and by["kick_user"].confirms and by["call_block"].confirms
    assert by["delete_user"].confirms  # heavy, no undo
    # Heavy with an undo: applied at once, the toast offers the opposite for 10 s.
    for name in ("ban", "shadow_ban", "deactivate_user"):
        assert by[name].heavy and by[name].undoable and not by[name].confirms and by[name].opposite
    assert by["delete_message"].undoable and by["delete_message"].opposite == "restore"


def test_calls_page_confirms_kick_block_and_end(mia):
    john, _ = EndUserFactory(id="john"), EndUserFactory(id="alice")
    room, _, _ = actions.get_or_create_call(call_type="audio_room", call_id="r1", actor=None, created_by=john,
                                            members=[{"user_id": "alice"}])
    page = mia.get(reverse("reviews:calls"), {"call": room.cid}).content.decode()
    assert 'data-confirm="End the call for everyone? There is no Undo for this."' in page
    assert 'data-confirm="Kick alice? There is no Undo for this."' in page
    assert 'data-confirm="Block alice from this call? There is no Undo for this."' in page
    # Only those: muting, permissions and the rest apply at once.
    asked = page.count('name="op" value="kick"') + page.count('name="op" value="block"') + 1
    assert page.count("data-confirm=") == asked and 'name="op" value="mute_all"' in page


def test_users_bulk_deactivation_confirms_and_single_deactivation_offers_undo(mia):
    EndUserFactory(id="alice")
    page = mia.get(reverse("reviews:users")).content.decode()
    assert 'id="users-bulk"' in page and "data-confirm=\"Deactivate the selected users?" in page
    done = mia.post(reverse("reviews:user-act", args=["alice"]), {"action": "deactivate_user"}, **HX)
    assert done.status_code == 200 and b"toast-undo" in done.content
