"""import_block_list through the real getstream 7.0.0 SDK: a task on the job runner, reported by get_task."""

from __future__ import annotations

import pytest
from getstream.exceptions import StreamApiException

from reviews.models import Blocklist, ModerationLog, Task

pytestmark = pytest.mark.django_db(transaction=True)


def test_import_adds_validated_deduplicated_words_in_chunks(stream_client):
    stream_client.create_block_list(name="fruit", words=["apple"])
    blocklist_id = str(Blocklist.objects.get(name="fruit").pk)
    task_id = stream_client.import_block_list(
        id=blocklist_id, items=["Pear", " plum ", "pear", "APPLE", "kiwi", ""], chunk_size=2).data.task_id
    task = stream_client.get_task(id=task_id).data
    assert task.status == "completed"
    assert task.result["added"] == 3 and task.result["already_listed"] == 1  # pear twice and "" dropped up front
    assert task.result["total"] == 2 and task.result["progress"] == 100  # [Pear, plum], [APPLE, kiwi]
    assert Blocklist.objects.get(name="fruit").words == ["apple", "Pear", "plum", "kiwi"]
    assert ModerationLog.objects.filter(action="import_block_list").count() == 2  # one per chunk that added


@pytest.mark.parametrize("body, needle, status", [
    ({"items": ["x" * 201]}, "items[0]", 400),
    ({"items": []}, "items", 400),
    ({"items": ["  "]}, "items", 400),
    ({"items": ["a"], "chunk_size": 0}, "chunk_size", 400),
    ({"items": "a"}, "items", 400),
])
def test_bad_imports_are_refused_by_name_and_start_nothing(api_call, body, needle, status):
    blocklist = Blocklist.objects.create(name="b", words=["a"])
    response = api_call("post", f"/blocklists/{blocklist.pk}/import", body)
    assert response.status_code == status, response.json()
    assert needle in response.json()["message"] and not Task.objects.exists()


def test_unknown_blocklist_is_404(stream_client):
    with pytest.raises(StreamApiException) as info:
        stream_client.import_block_list(id="999999", items=["a"])
    assert info.value.status_code == 404


def test_per_list_substring_matching_is_stored_and_honoured(stream_client):
    from getstream.models import BlockListConfig, BlockListRule, ModerationPayload

    from reviews.engines import store

    created = stream_client.create_block_list(name="inner", words=["hell"], is_substring_matching_enabled=True)
    assert created.data.blocklist.is_substring_matching_enabled is True
    assert stream_client.get_block_list(name="inner").data.blocklist.is_substring_matching_enabled is True
    stream_client.moderation.upsert_config(
        key="custom:sub", block_list_config=BlockListConfig(enabled=True, rules=[BlockListRule(name="inner",
                                                                                               action="flag")]))

    def verdict(entity_id):
        return stream_client.moderation.check(
            entity_type="stream:chat:v1:message", entity_id=entity_id, entity_creator_id="alice",
            config_key="custom:sub", moderation_payload=ModerationPayload(texts=["hello there"]),
            test_mode=True).data.recommended_action

    try:
        assert verdict("m1") == "flag"  # "hell" inside "hello"
        stream_client.update_block_list(name="inner", is_substring_matching_enabled=False)
        assert stream_client.get_block_list(name="inner").data.blocklist.is_substring_matching_enabled is False
        assert verdict("m2") == "keep"  # whole words only again
    finally:
        store.forget("custom:sub")
