"""analyze through the real getstream 7.0.0 SDK: stateless per-field verdicts, stateful storing, refusals."""

from __future__ import annotations

import pytest
from getstream.exceptions import StreamApiException
from getstream.models import BlockListConfig, BlockListRule

from reviews.engines import store
from reviews.models import ModerationLog, ReviewQueueItem

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def policy(stream_client):
    stream_client.create_block_list(name="fruit", words=["pineapple"])
    stream_client.moderation.upsert_config(
        key="custom:analyze",
        block_list_config=BlockListConfig(enabled=True, rules=[BlockListRule(name="fruit", action="remove")]))
    yield
    store.forget("custom:analyze")


def test_stateless_per_field_verdicts_store_nothing(stream_client, policy):
    logs = ModerationLog.objects.count()
    data = stream_client.moderation.analyze(
        config_key="custom:analyze", texts={"title": "I like pineapple", "body": "hello"},
        content_ids={"title": "t-1"}).data
    assert data.status == "complete"
    assert data.texts["title"].action == "remove" and data.texts["title"].id == "t-1"
    assert data.texts["title"].severity == "HIGH" and data.texts["title"].classifications[0].name == "fruit"
    assert data.texts["body"].action == "keep" and data.texts["body"].id is None
    assert not ReviewQueueItem.objects.exists() and ModerationLog.objects.count() == logs


def test_with_the_entity_the_result_is_stored(stream_client, policy):
    data = stream_client.moderation.analyze(
        config_key="custom:analyze", texts={"body": "pineapple!"}, entity_type="custom:post", entity_id="p1",
        entity_creator_id="alice", custom={"board": "food"}).data
    assert data.texts["body"].action == "remove"
    item = ReviewQueueItem.objects.get(entity_id="p1")
    assert item.recommended_action == "remove" and item.moderation_payload["custom"] == {"board": "food"}


@pytest.mark.parametrize("fields, needle", [
    ({"async_response": True}, "async_response"),
    ({"content_published_at": "2026-01-01T00:00:00Z"}, "content_published_at"),
    ({"entity_id": "p1"}, "entity_type"),
    ({"custom": {"a": 1}}, "custom"),
    ({"content_ids": {"image:x": "1"}}, "content_ids.image:x"),
    ({"texts": {}}, "texts"),
    ({"texts": {"a": 1}}, "texts.a"),
    ({"config_key": None}, "config_key"),
])
def test_unsupported_or_bad_options_are_400_by_name(api_call, fields, needle):
    body = {"config_key": "custom:none", "texts": {"a": "hi"}, **fields}
    response = api_call("post", "/moderation/analyze", {k: v for k, v in body.items() if v is not None})
    assert response.status_code == 400, response.json()
    assert needle in response.json()["message"]


def test_unknown_policy_is_404(stream_client):
    with pytest.raises(StreamApiException) as info:
        stream_client.moderation.analyze(config_key="nope", texts={"a": "hi"})
    assert info.value.status_code == 404
