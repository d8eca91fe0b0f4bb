"""Same verb, same outcome from every face: each verb of the decision table is applied through every face that
offers it (the API's submit_action, the dashboard's decision form and row button, the Users page, Django admin,
the queue's bulk job) to the same starting state, and each must leave the same item, the same log rows and the
same events. Adding a verb with a face adds it here without a new test."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from reviews import actions
from reviews.actions import registry
from reviews.models import ApiKey, EntityType, ModerationLog, OutboxEvent, ReviewQueueItem
from reviews.permissions import identity_for
from reviews.services import jobs, queue_bulk
from tests.api.conftest import make_token
from tests.factories import DashboardUserFactory, EndUserFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
Face = registry.Face

# What the item must look like before the verb makes sense (restore needs removed content...), made by the system.
BEFORE = {
    "restore": lambda item, creator: actions.set_content_state(item=item, actor=None, state="deleted"),
    "unblock": lambda item, creator: actions.set_content_state(item=item, actor=None, state="blocked"),
    "de_escalate": lambda item, creator: actions.escalate_item(item=item, actor=None),
    "unban": lambda item, creator: actions.ban_user(target=creator, actor=None),
    "unmute": lambda item, creator: actions.mute_user(user=EndUserFactory(id="mod-x", role="moderator"),
                                                      target=creator, actor=None),
    "reactivate_user": lambda item, creator: actions.deactivate_user(target=creator, actor=None),
    "unwatch": lambda item, creator: actions.watch_user(target=creator, actor=None),
}
# Options each face needs for a verb beyond its defaults (a note has text; the API's is Stream's sub-object).
FORM_FIELDS = {"note": {"note": "looks like a bot"}}
API_PARAMS = {"custom": {"id": "warn_user"}, "delete_user_messages": {"delete_messages": "soft"}}
# Django admin's action for a verb on users (on queue items admin offers every verb as "<verb>_selected").
ADMIN_USER = {"ban": "ban_selected", "unban": "unban_selected", "deactivate_user": "deactivate_selected",
              "reactivate_user": "reactivate_selected"}
VOLATILE = {"ban_id", "expires_at", "note_id", "task_id"}


def _reason(verb: str) -> dict:
    """The dashboard refuses a verb whose row says `needs_reason` without one; every face gets the same."""
    return {"reason": "Spam or scam"} if registry.BY_NAME[verb].needs_reason else {}


@pytest.fixture
def world(db):
    user = DashboardUserFactory(username="mia", role="Moderators")
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    dashboard = Client()
    dashboard.force_login(user)
    key = ApiKey.objects.create(name="faces")
    return {"dashboard": dashboard, "actor": identity_for(user), "key": key}


def _scenario(verb: str):
    creator = EndUserFactory(id="creator")
    reporter = EndUserFactory(id="reporter")
    _, item = actions.flag_content(reporter=reporter, entity_type=EntityType.MESSAGE, entity_id="m-1",
                                   entity_creator=creator, actor=reporter, reason="spam",
                                   channel_cid="messaging:general", moderation_payload={"texts": ["buy now"]})
    if verb in BEFORE:
        BEFORE[verb](item, creator)
    return item, creator


def _snapshot(item: ReviewQueueItem, log_from: int, event_from: int) -> dict:
    item.refresh_from_db()
    logs = [(e.action, e.actor_id, e.actor_type, e.target_user_id, e.item_id is not None,
             {k: v for k, v in e.custom.items() if k not in VOLATILE})
            for e in ModerationLog.objects.filter(id__gt=log_from).exclude(action="bulk_decision").order_by("id")]
    events = sorted(OutboxEvent.objects.filter(id__gt=event_from).values_list("type", flat=True))
    return {"item": (item.status, item.latest_moderator_action, item.content_state, item.escalated,
                     item.reviewed_by_id, item.locked_by_id), "logs": logs, "events": events}


def _api(world, verb: str, item: ReviewQueueItem | None, creator) -> None:
    body = {"action_type": verb, "user_id": "mia", verb: {**API_PARAMS.get(verb, {}), **_reason(verb)}}
    if item is not None:
        body["item_id"] = str(item.pk)
    else:
        body[verb]["target_user_id"] = creator.pk
    response = Client().post(f"/api/v2/moderation/submit_action?api_key={world['key'].key}", json.dumps(body),
                             content_type="application/json", HTTP_AUTHORIZATION=make_token(world["key"]))
    assert response.status_code == 200, response.content


def _form(world, verb: str, item, creator) -> None:
    data = {"actions": [verb], "place": "drawer", **FORM_FIELDS.get(verb, {}), **_reason(verb)}
    response = world["dashboard"].post(reverse("reviews:decide", args=[item.pk]), data, **HX)
    assert response.status_code == 200, response.content


def _row(world, verb: str, item, creator) -> None:
    # What a row button (or its key) posts: the verb alone.
    response = world["dashboard"].post(reverse("reviews:decide", args=[item.pk]), {"actions": verb, **_reason(verb)},
                                       **HX)
    assert response.status_code == 200, response.content


def _bulk(world, verb: str, item, creator) -> None:
    task = queue_bulk.start_queue_task(decision={"actions": [verb], **FORM_FIELDS.get(verb, {}), **_reason(verb)},
                                       actor=world["actor"], item_ids=[str(item.pk)])
    jobs.run(str(task.pk))
    task.refresh_from_db()
    assert task.result["changed"] == 1, task.result


def _users_page(world, verb: str, item, creator) -> None:
    data = {"action": verb, **_reason(verb)}
    response = world["dashboard"].post(reverse("reviews:user-act", args=[creator.pk]), data, **HX)
    assert response.status_code == 200, response.content


def _admin(world, verb: str, item, creator) -> None:
    if item is not None:
        url, action, pk = reverse("admin:reviews_reviewqueueitem_changelist"), f"{verb}_selected", item.pk
    else:
        url, action, pk = reverse("admin:reviews_enduser_changelist"), ADMIN_USER[verb], creator.pk
    response = world["dashboard"].post(url, {"action": action, "_selected_action": [pk]}, follow=True)
    assert b"1 changed, 0 failed" in response.content, response.content[-1500:]


# (face, runs on an item?) -> how that face applies a verb; which verbs it offers is the registry's to say.
ON_ITEM = {Face.API: _api, Face.FORM: _form, Face.ROW: _row, Face.BULK: _bulk, Face.ADMIN: _admin}
ON_USER = {Face.API: _api, Face.USER: _users_page, Face.ADMIN: _admin}


def _faces(verb: registry.Verb, table: dict, on_item: bool) -> list:
    faces = []
    for face, run in table.items():
        if face not in verb.faces:
            continue
        if face == Face.ROW and verb.heavy:
            continue  # the row opens the decision form for it: the form face
        if face == Face.ADMIN and (verb.needs_item != on_item or not on_item and verb.name not in ADMIN_USER):
            continue
        faces.append((face, run))
    return faces


def _verbs(on_item: bool) -> list[str]:
    table = ON_ITEM if on_item else ON_USER
    chosen = []
    for verb in registry.VERBS:
        # flag makes its item; kick_user and end_call need a call's item (tests/api/test_video.py drives them).
        if verb.run is None or (not on_item and verb.needs_item) or verb.name in ("flag", "kick_user", "end_call"):
            continue
        if on_item and not verb.faces & {Face.FORM, Face.ROW, Face.BULK, Face.API}:
            continue
        if not on_item and not verb.faces & {Face.USER}:
            continue
        if _faces(verb, table, on_item):
            chosen.append(verb.name)
    return chosen


def _outcomes(world, verb: registry.Verb, table: dict, on_item: bool) -> dict:
    outcomes = {}
    for face, run in _faces(verb, table, on_item):
        sid = transaction.savepoint()
        item, creator = _scenario(verb.name)
        log_from = ModerationLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
        event_from = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        run(world, verb.name, item if on_item else None, creator)
        outcomes[face.value] = _snapshot(item, log_from, event_from)
        transaction.savepoint_rollback(sid)
    return outcomes


def _assert_same(verb: registry.Verb, outcomes: dict) -> None:
    assert outcomes, f"no face offers {verb.name}"
    first_face, first = next(iter(outcomes.items()))
    assert first["logs"], f"{verb.name} through {first_face} wrote no log row"
    for face, outcome in outcomes.items():
        assert outcome == first, f"{verb.name}: {face} differs from {first_face}:\n{outcome}\n!=\n{first}"


@pytest.mark.parametrize("name", _verbs(on_item=True))
def test_a_verb_on_an_item_has_one_outcome_from_every_face(world, name):
    verb = registry.BY_NAME[name]
    outcomes = _outcomes(world, verb, ON_ITEM, on_item=True)
    _assert_same(verb, outcomes)
    item_state = next(iter(outcomes.values()))["item"]
    if verb.item == registry.ItemOutcome.REVIEWED:  # what the row promises, e.g. a ban closes the item as `ban`
        assert item_state[:2] == ("reviewed", verb.logs_as or name)
        assert item_state[5] is None  # the claim is released
    for _, _, actor_type, *_ in next(iter(outcomes.values()))["logs"]:
        assert actor_type == "moderator"


@pytest.mark.parametrize("name", _verbs(on_item=False))
def test_a_verb_on_a_user_has_one_outcome_from_every_face(world, name):
    verb = registry.BY_NAME[name]
    _assert_same(verb, _outcomes(world, verb, ON_USER, on_item=False))


def test_every_verb_a_face_offers_is_driven_here():
    on_item, on_user = set(_verbs(on_item=True)), set(_verbs(on_item=False))
    offered = {v.name for v in registry.VERBS if v.faces & {Face.FORM, Face.ROW, Face.BULK, Face.USER}}
    assert offered <= on_item | on_user
    assert {"ban", "mark_reviewed", "delete_message", "escalate", "mute", "note"} <= on_item


def test_a_ban_from_the_row_the_form_and_the_api_closes_the_item_as_ban(world):
    """Issue 14's example: the same ban, three faces, one outcome (Stream's: reviewed with action ban)."""
    verb = registry.BY_NAME["ban"]
    outcomes = _outcomes(world, verb, {Face.API: _api, Face.FORM: _form, Face.BULK: _bulk}, on_item=True)
    _assert_same(verb, outcomes)
    assert {o["item"][:2] for o in outcomes.values()} == {("reviewed", "ban")}
    assert [log[0] for log in outcomes["api"]["logs"]] == ["ban"]


def test_a_claim_is_refused_on_every_face(world):
    """One claim policy: an item another moderator holds is refused by the API, the dashboard and admin alike;
    the bulk job skips it."""
    item, _ = _scenario("mark_reviewed")
    actions.claim_item(item=item, holder=EndUserFactory(id="otto", role="moderator"))
    key = world["key"]
    body = json.dumps({"action_type": "mark_reviewed", "item_id": str(item.pk), "user_id": "mia"})
    api = Client().post(f"/api/v2/moderation/submit_action?api_key={key.key}", body,
                        content_type="application/json", HTTP_AUTHORIZATION=make_token(key))
    assert api.status_code == 409 and "otto is reviewing" in api.json()["message"]
    form = world["dashboard"].post(reverse("reviews:decide", args=[item.pk]), {"actions": "mark_reviewed"}, **HX)
    assert form.status_code == 409 and b"otto is reviewing" in form.content
    task = queue_bulk.start_queue_task(decision={"actions": ["mark_reviewed"]}, actor=world["actor"],
                                       item_ids=[str(item.pk)])
    jobs.run(str(task.pk))
    task.refresh_from_db()
    assert task.result["skipped"] == 1
    item.refresh_from_db()
    assert item.status == "pending" and item.locked_by_id == "otto"
    # The one exception: a server-side token that says so.
    override = Client().post(f"/api/v2/moderation/submit_action?api_key={key.key}", body,
                             content_type="application/json",
                             HTTP_AUTHORIZATION=make_token(key, override_claims=True))
    assert override.status_code == 200
    item.refresh_from_db()
    assert item.status == "reviewed" and item.locked_by_id is None
