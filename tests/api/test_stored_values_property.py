"""Property (issue 13 section 2): whatever a write endpoint accepts, every read endpoint can return, exactly;
whatever cannot be stored faithfully is refused with a 400 naming a field, and nothing is stored.

Arbitrary JSON values (big integers, subnormal and huge floats, any Unicode text, deep nesting) and some that
cannot be stored (NaN, Infinity, lone surrogates, NUL, nesting beyond schemas.MAX_DEPTH) go through every write
that takes free-form data; after each write every read endpoint must answer 200, and the value must read back
equal, compared as decimal numbers (PostgreSQL's jsonb writes 1e308 as its 309 digits: the same number).
"""

from __future__ import annotations

import itertools
import json
import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviews.api.schemas import MAX_DEPTH

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
_ids = itertools.count()

LONE = st.sampled_from(["\ud800", "a\udfffb", "\udc00\ud800"])
text = st.text(max_size=12) | LONE.filter(lambda _: True)
keys = st.text(max_size=8) | LONE
numbers = (st.integers() | st.sampled_from([2**63, 2**64, -(10**19), 10**400, -(10**400)])
           | st.floats(allow_nan=False, allow_infinity=False)
           | st.sampled_from([1e308, -1e308, 5e-324, 2.2250738585072014e-308, 0.1, -0.0]))
bad_numbers = st.sampled_from([math.nan, math.inf, -math.inf])
leaves = st.none() | st.booleans() | numbers | text | bad_numbers.filter(lambda _: True)
json_values = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=12,
)
deep = st.integers(min_value=MAX_DEPTH - 3, max_value=MAX_DEPTH + 3).map(lambda n: {"d": _nest(n)})
objects = st.dictionaries(keys, json_values, max_size=5) | deep


def _nest(n: int) -> Any:
    value: Any = 1
    for _ in range(n):
        value = [value]
    return value


def storable(value: Any, depth: int) -> bool:
    """The rule, restated independently of reviews/api/schemas.py: `depth` is the value's depth in the body."""
    if isinstance(value, str):
        return "\x00" not in value and not any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return depth < MAX_DEPTH and all(storable(k, depth) and storable(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return depth < MAX_DEPTH and all(storable(v, depth + 1) for v in value)
    return True


def exact(value: Any) -> Any:
    """A JSON value with every number as a Decimal, so equal numbers compare equal whatever their spelling."""
    return json.loads(json.dumps(value), parse_float=Decimal, parse_int=Decimal)


def body_of(response) -> Any:
    assert response.status_code == 200, (response.status_code, response.content[:500])
    return json.loads(response.content, parse_float=Decimal, parse_int=Decimal)


def read_everything(api_call, *, call_id: str) -> dict[str, Any]:
    """Every read endpoint, unfiltered: each must answer 200 whatever has been stored."""
    empty = json.dumps({"filter_conditions": {}})
    return {
        "queue": body_of(api_call("post", "/moderation/review_queue", {"limit": 100})),
        "flags": body_of(api_call("post", "/moderation/flags", {"limit": 100})),
        "logs": body_of(api_call("post", "/moderation/logs", {"limit": 100})),
        "users": body_of(api_call("get", "/users", query={"payload": json.dumps({"filter_conditions": {},
                                                                                   "limit": 100})})),
        "banned": body_of(api_call("get", "/chat/query_banned_users", query={"payload": empty})),
        "configs": body_of(api_call("post", "/moderation/configs", {})),
        "call": body_of(api_call("get", f"/video/call/default/{call_id}")),
        "members": body_of(api_call("post", "/video/call/members", {"type": "default", "id": call_id})),
    }


def write(api_call, method: str, path: str, body: Any, ok: bool):
    response = api_call(method, path, raw=json.dumps(body))
    if ok:
        assert response.status_code in (200, 201), (response.status_code, response.content[:500])
    else:
        assert response.status_code == 400, (response.status_code, response.content[:500])
        assert response.json()["exception_fields"], response.content
    return response


@pytest.fixture
def base_call(api_call):
    assert api_call("post", "/video/call/default/base", {"data": {"created_by_id": "owner"}}).status_code == 200
    return "base"


@pytest.mark.django_db
@SETTINGS
@given(custom=objects, payload_custom=objects, texts=st.lists(text, max_size=3), reason=text)
def test_flag_custom_and_moderation_payload(api_call, base_call, custom, payload_custom, texts, reason):
    entity_id = f"e{next(_ids)}"
    ok = storable(custom, 1) and storable(payload_custom, 2) and storable(texts, 2) and storable(reason, 1)
    body = {"entity_type": "stream:user", "entity_id": entity_id, "reason": reason, "user_id": "reporter",
            "custom": custom, "moderation_payload": {"texts": texts, "custom": payload_custom}}
    write(api_call, "post", "/moderation/flag", body, ok)
    reads = read_everything(api_call, call_id=base_call)
    mine = [i for i in reads["queue"]["items"] if i["entity_id"] == entity_id]
    flags = [f for f in reads["flags"]["flags"] if f["entity_id"] == entity_id]
    if not ok:
        assert mine == [] and flags == []
        return
    [item] = mine
    assert item["flags"][0]["custom"] == exact(custom)
    assert item["moderation_payload"]["custom"] == exact(payload_custom)
    assert item["moderation_payload"]["texts"] == texts
    assert flags[0]["custom"] == exact(custom) and flags[0]["reason"] == reason
    one = body_of(api_call("get", f"/moderation/review_queue/{item['id']}"))["item"]
    assert one["flags"][0]["custom"] == exact(custom)
    assert one["moderation_payload"]["custom"] == exact(payload_custom)


@pytest.mark.django_db
@SETTINGS
@given(custom=objects, name=text, patch=objects)
def test_user_custom(api_call, base_call, custom, name, patch):
    uid = f"u{next(_ids)}"
    ok = storable(custom, 3) and storable(name, 3)
    write(api_call, "post", "/users", {"users": {uid: {"id": uid, "name": name, "custom": custom}}}, ok)
    reads = read_everything(api_call, call_id=base_call)
    mine = [u for u in reads["users"]["users"] if u["id"] == uid]
    if not ok:
        assert mine == []
        return
    payload = json.dumps({"filter_conditions": {"id": uid}})
    [user] = body_of(api_call("get", "/users", query={"payload": payload}))["users"]
    assert user["custom"] == exact(custom) and user["name"] == name

    patch_ok = storable(patch, 4)
    write(api_call, "patch", "/users", {"users": [{"id": uid, "set": {"custom": patch}}]}, patch_ok)
    read_everything(api_call, call_id=base_call)
    [user] = body_of(api_call("get", "/users", query={"payload": payload}))["users"]
    assert user["custom"] == exact(patch if patch_ok else custom)


@pytest.mark.django_db
@SETTINGS
@given(custom=objects, member_custom=objects, update=objects)
def test_call_and_member_custom(api_call, custom, member_custom, update):
    call_id = f"c{next(_ids)}"
    ok = storable(custom, 2) and storable(member_custom, 4)
    body = {"data": {"created_by_id": "owner", "custom": custom,
                     "members": [{"user_id": "m1", "custom": member_custom}]}}
    write(api_call, "post", f"/video/call/default/{call_id}", body, ok)
    if not ok:
        assert api_call("get", f"/video/call/default/{call_id}").status_code == 404
        return
    reads = read_everything(api_call, call_id=call_id)
    assert reads["call"]["call"]["custom"] == exact(custom)
    assert reads["call"]["members"][0]["custom"] == exact(member_custom)
    assert reads["members"]["members"][0]["custom"] == exact(member_custom)

    update_ok = storable(update, 1)
    write(api_call, "patch", f"/video/call/default/{call_id}", {"custom": update}, update_ok)
    reads = read_everything(api_call, call_id=call_id)
    assert reads["call"]["call"]["custom"] == exact(update if update_ok else custom)


@pytest.mark.django_db
@SETTINGS
@given(reason=text, target=text)
def test_ban_reason_and_ids(api_call, base_call, reason, target):
    ok = storable(reason, 1) and storable(target, 1)
    response = api_call("post", "/moderation/ban", raw=json.dumps(
        {"target_user_id": target, "banned_by_id": "mod", "reason": reason}))
    if ok:
        # an empty or over-long id is a rule (400 naming the field), not a storage failure
        assert response.status_code in (200, 201, 400), response.content
    else:
        assert response.status_code == 400 and response.json()["exception_fields"], response.content
    reads = read_everything(api_call, call_id=base_call)
    banned = [b for b in reads["banned"]["bans"] if b["user"]["id"] == target]
    if ok and response.status_code != 400:
        assert banned and banned[0]["reason"] == reason
    if not ok:
        assert banned == []
