"""Issue 13 section 2: whatever a write accepts, every read can return; what cannot be stored faithfully is a
400 naming the field (reviews/api/schemas.py: StreamParser, WireDatetime)."""

from __future__ import annotations

import json

import pytest

from reviews.api.app import openapi_document
from tests.api.conftest import user_token


def _field(response) -> str:
    assert response.status_code == 400, response.content
    fields = response.json()["exception_fields"]
    assert len(fields) == 1, fields
    return next(iter(fields))


@pytest.mark.django_db
@pytest.mark.parametrize("n", [18446744073709551616, -(10**19), 10**400])
def test_big_integers_in_a_flag_are_stored_and_read_back_exactly(api_call, api_key, n):
    token = user_token(api_key, "reporter")
    body = {"entity_type": "stream:user", "entity_id": "target", "custom": {"n": n}}
    flagged = api_call("post", "/moderation/flag", raw=json.dumps(body), token=token)
    assert flagged.status_code == 201 or flagged.status_code == 200, flagged.content
    item_id = flagged.json()["item_id"]

    queue = api_call("post", "/moderation/review_queue", {})
    assert queue.status_code == 200, queue.content
    [item] = [i for i in queue.json()["items"] if i["id"] == item_id]
    assert item["flags"][0]["custom"] == {"n": n}  # json.loads reads the digits back exactly

    one = api_call("get", f"/moderation/review_queue/{item_id}")
    assert one.status_code == 200 and one.json()["item"]["flags"][0]["custom"] == {"n": n}
    flags = api_call("post", "/moderation/flags", {})
    assert flags.status_code == 200 and flags.json()["flags"][0]["custom"] == {"n": n}


@pytest.mark.django_db
@pytest.mark.parametrize("n", [18446744073709551616, -(10**19), 10**400])
def test_big_integers_in_user_custom_are_stored_and_read_back_exactly(api_call, n):
    upserted = api_call("post", "/users", raw=json.dumps({"users": {"u1": {"id": "u1", "custom": {"n": n}}}}))
    assert upserted.status_code == 200, upserted.content
    assert upserted.json()["users"]["u1"]["custom"] == {"n": n}
    payload = json.dumps({"filter_conditions": {"id": "u1"}})
    queried = api_call("get", "/users", query={"payload": payload})
    assert queried.status_code == 200, queried.content
    assert queried.json()["users"][0]["custom"] == {"n": n}


@pytest.mark.django_db
@pytest.mark.parametrize("starts_at", ["0001-01-01T00:00:00Z", "1677-09-20T00:00:00Z", "2262-04-12T00:00:00Z",
                                       "9999-12-31T23:59:59Z"])
def test_call_times_beyond_nanosecond_timestamps_are_refused_and_the_call_stays_readable(api_call, starts_at):
    path = "/video/call/default/X"
    response = api_call("post", path, {"data": {"created_by_id": "u", "starts_at": starts_at}})
    assert _field(response) == "data.starts_at"
    assert "2262" in response.json()["message"]
    created = api_call("post", path, {"data": {"created_by_id": "u"}})
    assert created.status_code in (200, 201), created.content
    assert _field(api_call("patch", path, {"starts_at": starts_at})) == "starts_at"
    assert api_call("get", path).status_code == 200


@pytest.mark.django_db
def test_call_times_at_the_edges_of_the_range_round_trip(api_call):
    path = "/video/call/default/edge"
    edges = [("1677-09-22T00:00:00Z", -9223286400000000000), ("2262-04-11T00:00:00Z", 9223286400000000000)]
    for starts_at, ns in edges:
        response = api_call("post", path, {"data": {"created_by_id": "u", "starts_at": starts_at}})
        assert response.status_code in (200, 201), response.content
        api_call("patch", path, {"starts_at": starts_at})
        assert api_call("get", path).json()["call"]["starts_at"] == ns


@pytest.mark.django_db
def test_date_filters_beyond_nanosecond_timestamps_are_refused(api_call):
    body = {"filter": {"created_at": {"$gte": "0001-01-01T00:00:00Z"}}}
    response = api_call("post", "/moderation/review_queue", body)
    assert _field(response) == "filter.created_at.$gte"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "field", "needle"),
    [
        ('{"entity_type": "stream:user", "entity_id": "\\ud800"}', "entity_id", "surrogate"),
        ('{"entity_type": "stream:user", "entity_id": "a\\udfff"}', "entity_id", "surrogate"),
        ('{"entity_type": "stream:user", "entity_id": "a", "custom": {"\\ud800": 1}}', "custom.\ud800", "surrogate"),
        ('{"entity_type": "stream:user", "entity_id": "a\\u0000b"}', "entity_id", "NUL"),
        ('{"entity_type": "stream:user", "entity_id": "a", "custom": {"x": NaN}}', "custom.x", "finite"),
        ('{"entity_type": "stream:user", "entity_id": "a", "custom": {"x": -Infinity}}', "custom.x", "finite"),
        ('{"entity_type": "stream:user", "entity_id": "a", "custom": {"x": [1, 1e400]}}', "custom.x.1", "finite"),
        ('{"entity_type": "stream:user", "entity_id": "a", "moderation_payload": {"texts": ["\\u0000"]}}',
         "moderation_payload.texts.0", "NUL"),
        ('{"entity_type": "stream:user", "entity_id": "a", "custom": {"x": ' + "[" * 40 + "]" * 40 + "}}",
         "custom.x" + ".0" * 30, "nested"),
    ],
)
def test_values_that_cannot_be_stored_are_400_naming_the_field(api_call, raw, field, needle):
    response = api_call("post", "/moderation/flag", raw=raw)
    assert _field(response) == field
    assert needle in response.json()["message"]


@pytest.mark.django_db
def test_a_surrogate_pair_is_ordinary_text(api_call):
    response = api_call("post", "/moderation/flag", raw='{"entity_type": "stream:user", "entity_id": "\\ud83d\\ude00"}')
    assert response.status_code in (200, 201), response.content


@pytest.mark.django_db
def test_the_payload_query_parameter_is_checked_the_same_way(api_call):
    response = api_call("get", "/users", query={"payload": '{"filter_conditions": {"id": "\\ud800"}}'})
    assert _field(response) == "payload.filter_conditions.id"


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ['"AAA"', "0", "false", "null", "[]"])
def test_a_body_that_is_not_an_object_is_refused(api_call, raw):
    response = api_call("post", "/moderation/review_queue", raw=raw)
    assert _field(response) == "body"
    assert "JSON object" in response.json()["message"]


@pytest.mark.django_db
def test_an_optional_body_may_be_left_out_but_is_never_null(api_call):
    api_call("post", "/users", {"users": {"u9": {"id": "u9"}}})
    assert _field(api_call("post", "/users/u9/deactivate", raw="null")) == "body"
    assert api_call("post", "/users/u9/deactivate").status_code == 200
    schema = openapi_document()["paths"]["/api/v2/users/{user_id}/deactivate"]["post"]["requestBody"]
    assert schema["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/DeactivateUserBody"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/moderation/review_queue", {"lock_items": 0}, "lock_items"),
        ("/moderation/review_queue", {"limit": "5"}, "limit"),
        ("/moderation/review_queue", {"user": {"id": "u", "invisible": 0}}, "user.invisible"),
        ("/video/call/default/strict", {"ring": "true"}, "ring"),
    ],
)
def test_values_of_the_wrong_json_type_are_refused_not_coerced(api_call, path, body, field):
    assert _field(api_call("post", path, body)) == field


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "query", "field"),
    [
        ("get", "/blocklists/a%00b", None, "name"),
        ("get", "/moderation/config/k", {"team": "%00"}, "team"),
        ("get", "/users/block", {"user_id": "x%00"}, "user_id"),
    ],
)
def test_nul_in_path_or_query_values_is_refused(api_call, method, path, query, field):
    assert _field(api_call(method, path, query=query)) == field
