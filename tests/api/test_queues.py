"""Custom queues through the real getstream 7.0.0 SDK: list/create/get/update/delete_queue, and
query_review_queue asked for one queue."""

from __future__ import annotations

import pytest
from getstream.exceptions import StreamApiException
from getstream.models import SortParamRequest

from reviews.actions import custom_queues as queue_actions
from reviews.models import CustomQueue, ModerationLog, ReviewQueueItem
from tests.factories import EndUserFactory, ModeratorFactory, ReviewQueueItemFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _error(call) -> StreamApiException:
    with pytest.raises(StreamApiException) as info:
        call()
    return info.value


def test_queue_round_trip_every_field(stream_client):
    moderation = stream_client.moderation
    ReviewQueueItemFactory(severity=90, channel_cid="messaging:general")
    ReviewQueueItemFactory(severity=20, channel_cid="messaging:general")
    ReviewQueueItemFactory(severity=95, channel_cid="messaging:other")
    created = moderation.create_queue(
        name="General, severe", type="custom", description="high severity in #general", user_id="lead",
        filters={"channel_cid": "messaging:general", "severity": {"$gte": "high"}},
        sort=[{"field": "severity", "direction": -1}],
    ).data.queue
    assert (created.name, created.type, created.description, created.created_by) == (
        "General, severe", "custom", "high severity in #general", "lead")
    assert created.filters == {"channel_cid": "messaging:general", "severity": {"$gte": "high"}}
    assert created.sort == [{"field": "severity", "direction": -1}] and created.item_count == 1
    assert created.created_at.year >= 2024

    got = moderation.get_queue(created.id).data.queue
    assert got.to_dict() == created.to_dict()
    assert [q.id for q in moderation.list_queues().data.queues] == [created.id]

    updated = moderation.update_queue(created.id, name="General", description="all of #general",
                                      filters={"channel_cid": "messaging:general"},
                                      sort=[{"field": "created_at", "direction": 1}], user_id="lead").data.queue
    assert (updated.name, updated.description, updated.item_count) == ("General", "all of #general", 2)
    assert updated.sort == [{"field": "created_at", "direction": 1}]
    assert updated.updated_at >= created.updated_at

    deleted = moderation.delete_queue(created.id, user_id="lead").data.queue
    assert deleted.id == created.id and not CustomQueue.objects.exists()
    assert ReviewQueueItem.objects.count() == 3  # the items stay
    assert _error(lambda: moderation.get_queue(created.id)).status_code == 404
    logged = list(ModerationLog.objects.filter(action__endswith="_queue").order_by("id")
                  .values_list("action", "actor_id"))
    assert logged == [("create_queue", "lead"), ("update_queue", "lead"), ("delete_queue", "lead")]


def test_query_review_queue_for_one_queue(stream_client):
    moderation = stream_client.moderation
    low = ReviewQueueItemFactory(severity=10, channel_cid="messaging:a")
    high = ReviewQueueItemFactory(severity=80, channel_cid="messaging:a")
    ReviewQueueItemFactory(severity=90, channel_cid="messaging:b")
    queue = moderation.create_queue(name="A", type="custom", filters={"channel_cid": "messaging:a"},
                                    sort=[{"field": "severity", "direction": 1}]).data.queue
    page = moderation.query_review_queue(filter={"queue_id": queue.id}).data
    assert [i.id for i in page.items] == [str(low.pk), str(high.pk)]  # the queue's sort
    page = moderation.query_review_queue(filter={"queue_id": queue.id},
                                         sort=[SortParamRequest(field="severity", direction=-1)]).data
    assert [i.id for i in page.items] == [str(high.pk), str(low.pk)]  # the request's sort wins
    page = moderation.query_review_queue(filter={"queue_id": {"$eq": queue.id}, "severity": {"$gte": 50}}).data
    assert [i.id for i in page.items] == [str(high.pk)]
    clash = _error(lambda: moderation.query_review_queue(filter={"queue_id": queue.id, "channel_cid": "x"}))
    assert clash.status_code == 400 and "filter.channel_cid" in clash.api_error.message
    missing = _error(lambda: moderation.query_review_queue(filter={"queue_id": "nope"}))
    assert missing.status_code == 404


@pytest.mark.parametrize("fields, needle", [
    ({"filters": {"severity": {"$regex": "x"}}}, "filters.severity"),
    ({"filters": {"status": "bogus"}}, "filters.status"),
    ({"filters": {"created_at": {"$gte": "yesterday"}}}, "filters.created_at"),
    ({"filters": {"queue_id": "x"}}, "filters.queue_id"),
    ({"filters": {"bad key!": 1}}, "filters.bad key!"),
    ({"sort": [{"field": "colour", "direction": 1}]}, "sort.field"),
    ({"sort": [{"field": "severity", "direction": 2}]}, "sort.direction"),
    ({"name": "  "}, "name"),
    ({"type": ""}, "type"),
])
def test_bad_queues_are_400_naming_the_field_and_store_nothing(api_call, fields, needle):
    body = {"name": "Q", "type": "custom", **fields}
    response = api_call("post", "/moderation/queues", body)
    assert response.status_code == 400, response.json()
    assert needle in response.json()["message"]
    assert not CustomQueue.objects.exists() and not ModerationLog.objects.exists()


def test_duplicate_name_is_409_and_update_validates(api_call):
    first = api_call("post", "/moderation/queues", {"name": "Q", "type": "custom"}).json()["queue"]
    assert api_call("post", "/moderation/queues", {"name": "Q", "type": "custom"}).status_code == 409
    api_call("post", "/moderation/queues", {"name": "R", "type": "custom"})
    assert api_call("patch", f"/moderation/queues/{first['id']}", {"name": "R"}).status_code == 409
    bad = api_call("patch", f"/moderation/queues/{first['id']}", {"filters": {"severity": {"$in": [1]}}})
    assert bad.status_code == 400 and "filters.severity" in bad.json()["message"]
    assert CustomQueue.objects.get(pk=first["id"]).name == "Q"
    assert api_call("get", "/moderation/queues/not-a-uuid").status_code == 404


def test_role_user_cannot_manage_queues(user_client):
    EndUserFactory(id="alice")
    client = user_client("alice")
    assert _error(lambda: client.moderation.list_queues()).status_code == 403
    assert _error(lambda: client.moderation.create_queue(name="Q", type="custom")).status_code == 403


def test_assigned_queues_come_first(stream_client):
    moderator = ModeratorFactory(id="mod-q")
    for name in ("A", "B", "C"):
        stream_client.moderation.create_queue(name=name, type="custom")
    queue_actions.assign_queue(queue_id=CustomQueue.objects.get(name="C").pk, assignees=[moderator], actor=None)
    assert [q.name for q in stream_client.moderation.list_queues().data.queues] == ["A", "B", "C"]
    assert [q.name for q in stream_client.moderation.list_queues(user_id="mod-q").data.queues] == ["C", "A", "B"]
    with pytest.raises(Exception, match="not a moderator"):
        queue_actions.assign_queue(queue_id=CustomQueue.objects.get(name="C").pk,
                                   assignees=[EndUserFactory(id="plain")], actor=None)
    assert ModerationLog.objects.filter(action="assign_queue").count() == 1


def test_stats_only_counts_by_status_type_action_and_severity(stream_client, monkeypatch):
    ReviewQueueItemFactory(severity=90, recommended_action="remove")
    ReviewQueueItemFactory(severity=30, recommended_action="flag")
    ReviewQueueItemFactory(severity=30, recommended_action="flag", status=ReviewQueueItem.Status.REVIEWED)
    ReviewQueueItemFactory(entity_type="stream:user", entity_id="u1", severity=0)
    ReviewQueueItemFactory(entity_type="stream:feeds:v2:activity", entity_id="a1", severity=100)
    moderation = stream_client.moderation
    response = moderation.query_review_queue(stats_only=True).data
    stats = response.stats
    assert response.items == [] and stats["bound"] == 1000

    def counts(group):
        assert all(v["exact"] and not v["estimated"] for v in group.values())
        return {k: v["count"] for k, v in group.items() if v["count"]}

    assert stats["total"] == {"count": 5, "exact": True, "estimated": False}
    assert counts(stats["status"]) == {"pending": 4, "reviewed": 1}
    assert counts(stats["entity_type"]) == {"stream:chat:v1:message": 3, "stream:user": 1, "other": 1}
    assert counts(stats["recommended_action"]) == {"remove": 1, "flag": 4}  # flag is the default
    assert counts(stats["severity"]) == {"high": 1, "low": 2, "none": 1, "critical": 1}
    pending = moderation.query_review_queue(stats_only=True, filter={"status": "pending"}).data.stats
    assert pending["total"]["count"] == 4 and pending["status"]["reviewed"]["count"] == 0
    assert moderation.query_review_queue().data.stats == {}  # a page of items carries no stats


def test_stats_bound_and_postgres_estimates(monkeypatch):
    from django.db import connection

    from reviews.selectors import queue_stats

    for i in range(4):
        ReviewQueueItemFactory(entity_id=f"s{i}")
    monkeypatch.setattr(queue_stats, "BOUND", 2)
    total = queue_stats.queue_stats(ReviewQueueItem.objects.all())["total"]
    assert total == {"count": 2, "exact": False, "estimated": False}
    if connection.vendor == "postgresql":
        monkeypatch.setattr(queue_stats, "COST_LIMIT", -1.0)  # every count "would scan": the planner estimates
        total = queue_stats.queue_stats(ReviewQueueItem.objects.all())["total"]
        assert total["estimated"] and not total["exact"] and total["count"] >= 0
