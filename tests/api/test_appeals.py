"""Appeals through the real getstream 7.0.0 SDK: appeal, get_appeal, query_appeals, bulk_action_appeals and
submit_action with an appeal_id, against live_server; raw HTTP for bad input."""

from __future__ import annotations

import pytest
from getstream.exceptions import StreamApiException
from getstream.models import (
    MarkReviewedRequestPayload,
    RejectAppealRequestPayload,
    RestoreActionRequestPayload,
    SortParamRequest,
    UnbanActionRequestPayload,
)

from reviews import actions
from reviews.models import Appeal, Ban, EntityType, ModerationLog, OutboxEvent, ReviewQueueItem
from tests.api.conftest import user_token
from tests.api.test_framework import assert_envelope
from tests.factories import EndUserFactory, ModeratorFactory, ReviewQueueItemFactory

pytestmark = pytest.mark.django_db(transaction=True)
DELETED = ReviewQueueItem.ContentState.DELETED


def _events(kind: str) -> list[dict]:
    return [e.payload for e in OutboxEvent.objects.filter(type=kind).order_by("id")]


def test_ban_appeal_filed_read_and_accepted_with_unban(stream_client, user_client):
    alice, mod = EndUserFactory(id="alice"), ModeratorFactory(id="mod")
    ban = actions.ban_user(target=alice, actor=mod, reason="spam")
    client = user_client("alice").moderation

    got = client.appeal(appeal_reason="I did not spam", entity_id="alice", entity_type=EntityType.USER,
                        attachments=["https://example.com/proof.png"])
    appeal_id = got.data.appeal_id
    appeal = Appeal.objects.get(pk=appeal_id)
    assert (appeal.user_id, appeal.decision, appeal.ban_id, appeal.status) == ("alice", "ban", ban.pk, "submitted")
    assert _events("appeal.created")[0]["appeal"]["id"] == appeal_id
    # A retried request is the same appeal; a different one while it is open is refused, naming the open one.
    again = client.appeal(appeal_reason="I did not spam", entity_id="alice", entity_type=EntityType.USER,
                          attachments=["https://example.com/proof.png"])
    assert again.data.appeal_id == appeal_id
    with pytest.raises(StreamApiException) as exc:
        client.appeal(appeal_reason="please", entity_id="alice", entity_type=EntityType.USER)
    assert exc.value.status_code == 400 and appeal_id in str(exc.value)

    item = client.get_appeal(appeal_id).data.item
    assert item.status == "submitted" and item.appeal_reason == "I did not spam"
    assert item.attachments == ["https://example.com/proof.png"]
    assert item.original_moderation_action.type == "ban" and item.original_moderation_action.reason == "spam"
    assert item.user.id == "alice"
    assert [a.type for a in item.actions] == ["ban", "appeal"]

    done = stream_client.moderation.bulk_action_appeals(
        action_type="unban", appeal_ids=[appeal_id], user_id="mod",
        unban=UnbanActionRequestPayload(decision_reason="fair enough"))
    assert [r.appeal_id for r in done.data.results] == [appeal_id] and done.data.errors == []
    assert done.data.results[0].appeal_item.status == "accepted"
    assert done.data.results[0].appeal_item.moderation_action.type == "appeal_accepted"
    assert not Ban.objects.in_force().filter(target=alice).exists()
    accepted = ModerationLog.objects.get(action="appeal_accepted")
    unban = ModerationLog.objects.get(action="unban")
    assert accepted.custom["reversal_log_ids"] == [unban.pk] and unban.reason == "fair enough"
    assert accepted.actor_id == "mod" and accepted.custom["appeal_id"] == appeal_id
    assert _events("appeal.accepted")[0]["appeal"]["status"] == "accepted"
    # Deciding again the same way changes nothing; another way is refused per appeal.
    again = stream_client.moderation.bulk_action_appeals(action_type="unban", appeal_ids=[appeal_id], user_id="mod")
    assert len(again.data.results) == 1 and ModerationLog.objects.filter(action="appeal_accepted").count() == 1
    other = stream_client.moderation.bulk_action_appeals(
        action_type="reject_appeal", appeal_ids=[appeal_id], user_id="mod",
        reject_appeal=RejectAppealRequestPayload(decision_reason="no"))
    assert other.data.results == [] and "already accepted" in other.data.errors[0].error
    # A new appeal of the same, lifted ban: there is no decision in force any more.
    with pytest.raises(StreamApiException) as exc:
        client.appeal(appeal_reason="again", entity_id="alice", entity_type=EntityType.USER)
    assert exc.value.status_code == 400 and "no ban in force" in str(exc.value)


def test_content_appeal_restored_or_rejected_through_submit_action(stream_client, user_client):
    alice, mod = EndUserFactory(id="alice"), ModeratorFactory(id="mod")
    EndUserFactory(id="bob")
    removed = ReviewQueueItemFactory(entity_id="m1", entity_creator=alice)
    blocked = ReviewQueueItemFactory(entity_id="m2", entity_creator=alice)
    visible = ReviewQueueItemFactory(entity_id="m3", entity_creator=alice)
    actions.set_content_state(item=removed, actor=mod, state=DELETED, reason="rude")
    actions.set_content_state(item=blocked, actor=mod, state=ReviewQueueItem.ContentState.BLOCKED, reason="nsfw")
    client = user_client("alice").moderation

    actions.flag_content(reporter=EndUserFactory(id="snitch"), entity_type=EntityType.MESSAGE, entity_id="m1",
                         entity_creator=alice, actor=None, reason="rude")
    first = client.appeal(appeal_reason="it was a joke", entity_id="m1", entity_type=EntityType.MESSAGE,
                          review_queue_item_id=str(removed.pk)).data.appeal_id
    # The appellant sees the decision and their appeal, never who reported them.
    mine = client.get_appeal(first).data.item
    assert [a.type for a in mine.actions] == ["delete_message", "appeal"] and "snitch" not in str(mine.to_dict())
    second = client.appeal(appeal_reason="art", entity_id="m2", entity_type=EntityType.MESSAGE).data.appeal_id

    # Someone else's content: 403; a decision never made: 400, each naming why.
    with pytest.raises(StreamApiException) as exc:
        user_client("bob").moderation.appeal(appeal_reason="x", entity_id="m1", entity_type=EntityType.MESSAGE)
    assert exc.value.status_code == 403 and "own content" in str(exc.value)
    with pytest.raises(StreamApiException) as exc:
        client.appeal(appeal_reason="x", entity_id="m3", entity_type=EntityType.MESSAGE)
    assert exc.value.status_code == 400 and "not removed or blocked" in str(exc.value)
    with pytest.raises(StreamApiException) as exc:
        client.appeal(appeal_reason="x", entity_id="never", entity_type=EntityType.MESSAGE)
    assert exc.value.status_code == 400 and "no moderation decision was ever made" in str(exc.value)
    with pytest.raises(StreamApiException) as exc:
        user_client("bob").moderation.appeal(appeal_reason="x", entity_id="alice", entity_type=EntityType.USER)
    assert exc.value.status_code == 403 and "own account" in str(exc.value)
    assert visible.pk  # untouched

    moderation = stream_client.moderation
    # The wrong verb for the decision is refused, naming the right one.
    with pytest.raises(StreamApiException) as exc:
        moderation.submit_action(action_type="unban", appeal_id=first, user_id="mod")
    assert exc.value.status_code == 400 and "restore or unblock accepts it" in str(exc.value)
    got = moderation.submit_action(action_type="restore", appeal_id=first, user_id="mod",
                                   restore=RestoreActionRequestPayload(decision_reason="ok"))
    assert got.data.appeal_item.status == "accepted" and got.data.auto_restore_warning is None
    assert got.data.appeal_item.entity_content.texts == ["hello"]
    removed.refresh_from_db()
    assert removed.content_state == ""
    assert [a.type for a in got.data.appeal_item.actions] == ["delete_message", "flag", "appeal", "restore",
                                                              "appeal_accepted"]

    with pytest.raises(StreamApiException) as exc:  # rejecting needs a reason
        moderation.submit_action(action_type="reject_appeal", appeal_id=second, user_id="mod")
    assert exc.value.status_code == 400 and "reject_appeal" in str(exc.value)
    got = moderation.submit_action(action_type="reject_appeal", appeal_id=second, user_id="mod",
                                   reject_appeal=RejectAppealRequestPayload(decision_reason="clearly nsfw"))
    assert got.data.appeal_item.status == "rejected" and got.data.appeal_item.decision_reason == "clearly nsfw"
    blocked.refresh_from_db()
    assert blocked.content_state == "blocked"
    assert _events("appeal.rejected")[0]["appeal"]["id"] == second
    # Rejected: the user may appeal the same decision again (one OPEN appeal per decision).
    third = client.appeal(appeal_reason="please look again", entity_id="m2", entity_type=EntityType.MESSAGE)
    assert third.data.appeal_id != second


def test_mark_reviewed_keeps_the_decision_and_honours_its_options(stream_client, user_client):
    alice, mod = EndUserFactory(id="alice"), ModeratorFactory(id="mod")
    items = [ReviewQueueItemFactory(entity_id=f"m{i}", entity_creator=alice) for i in range(2)]
    for item in items:
        actions.set_content_state(item=item, actor=mod, state=DELETED)
        actions.reopen_item(item=item, actor=mod)
    ids = [user_client("alice").moderation.appeal(appeal_reason="r", entity_id=f"m{i}",
                                                  entity_type=EntityType.MESSAGE).data.appeal_id for i in range(2)]
    moderation = stream_client.moderation
    moderation.bulk_action_appeals(action_type="mark_reviewed", appeal_ids=[ids[0]], user_id="mod")
    moderation.bulk_action_appeals(action_type="mark_reviewed", appeal_ids=[ids[1]], user_id="mod",
                                   mark_reviewed=MarkReviewedRequestPayload(disable_marking_content_as_reviewed=True))
    statuses = [ReviewQueueItem.objects.get(pk=i.pk).status for i in items]
    assert statuses == ["reviewed", "pending"]
    assert [Appeal.objects.get(pk=i).status for i in ids] == ["reviewed", "reviewed"]
    assert ReviewQueueItem.objects.get(pk=items[0].pk).content_state == DELETED


def test_query_appeals_filters_sorts_pages_and_limits_users_to_their_own(stream_client, user_client):
    mod = ModeratorFactory(id="mod")
    for name in ("alice", "bob"):
        user = EndUserFactory(id=name)
        for i in range(3):
            item = ReviewQueueItemFactory(entity_id=f"{name}-{i}", entity_creator=user)
            actions.set_content_state(item=item, actor=mod, state=DELETED)
            user_client(name).moderation.appeal(appeal_reason=f"{name} {i}", entity_id=f"{name}-{i}",
                                                entity_type=EntityType.MESSAGE)
    moderation = stream_client.moderation
    first = moderation.query_appeals(limit=4, sort=[SortParamRequest(field="created_at", direction=1)])
    assert [a.appeal_reason for a in first.data.items] == ["alice 0", "alice 1", "alice 2", "bob 0"]
    rest = moderation.query_appeals(limit=4, next=first.data.next,
                                    sort=[SortParamRequest(field="created_at", direction=1)])
    assert [a.appeal_reason for a in rest.data.items] == ["bob 1", "bob 2"] and rest.data.next is None
    got = moderation.query_appeals(filter={"user_id": "bob", "status": {"$in": ["submitted"]}})
    assert [a.appeal_reason for a in got.data.items] == ["bob 2", "bob 1", "bob 0"]
    own = user_client("alice").moderation.query_appeals()
    assert {a.user.id for a in own.data.items} == {"alice"} and len(own.data.items) == 3
    theirs = user_client("alice").moderation.query_appeals(filter={"user_id": "bob"})
    assert theirs.data.items == []
    with pytest.raises(StreamApiException) as exc:
        user_client("alice").moderation.get_appeal(str(Appeal.objects.filter(user_id="bob").first().pk))
    assert exc.value.status_code == 403
    with pytest.raises(StreamApiException) as exc:
        user_client("alice").moderation.bulk_action_appeals(action_type="reject_appeal", appeal_ids=[])
    assert exc.value.status_code == 403


@pytest.mark.parametrize("body, status, needles", [
    ({"filter": {"colour": "red"}}, 400, ["filter.colour", "unknown field"]),
    ({"filter": {"status": "open"}}, 400, ["filter.status", "unknown status 'open'"]),
    ({"filter": {"id": "nope"}}, 400, ["filter.id", "not an appeal id"]),
    ({"sort": [{"field": "severity", "direction": 1}]}, 400, ["sort.field"]),
    ({"next": "garbage"}, 400, ["next"]),
])
def test_query_appeals_bad_input(api_call, body, status, needles):
    assert_envelope(api_call("post", "/moderation/appeals", body), status, 4, *needles)


def test_appeal_and_bulk_bad_input(api_call, api_key):
    EndUserFactory(id="alice")
    alice = user_token(api_key, "alice")
    assert_envelope(api_call("post", "/moderation/appeal", {"appeal_reason": " ", "entity_id": "alice",
                                                            "entity_type": EntityType.USER}, token=alice),
                    400, 4, "appeal_reason")
    assert_envelope(api_call("post", "/moderation/appeal", {"appeal_reason": "x", "entity_id": "alice",
                                                            "entity_type": EntityType.USER}), 400, 4, "user_id")
    assert_envelope(api_call("post", "/moderation/appeal", {"appeal_reason": "x", "entity_id": "alice",
                                                            "entity_type": EntityType.USER,
                                                            "attachments": ["file:///etc/passwd"]}, token=alice),
                    400, 4, "attachments.0")
    assert_envelope(api_call("post", "/moderation/appeals/bulk_action", {"action_type": "ban",
                                                                         "appeal_ids": ["x"]}),
                    400, 4, "action_type", "does not decide an appeal")
    missing = "7b0d1c3e-0000-4000-8000-000000000000"
    body = api_call("post", "/moderation/appeals/bulk_action", {"action_type": "restore",
                                                                "appeal_ids": ["x", missing]})
    assert body.status_code == 200
    assert [e["appeal_id"] for e in body.json()["errors"]] == ["x", missing]
    assert_envelope(api_call("post", "/moderation/submit_action", {"action_type": "reject_appeal",
                                                                   "reject_appeal": {"decision_reason": "no"}}),
                    400, 4, "appeal_id")
    assert_envelope(api_call("get", "/moderation/appeal/7b0d1c3e-0000-4000-8000-000000000000"), 404, 16, "appeal")
