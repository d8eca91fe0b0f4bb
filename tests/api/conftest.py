"""API test fixtures: an ApiKey in the test database and clients for it.

`stream_client` is the real getstream 7.0.0 SDK pointed at live_server (use with
`@pytest.mark.django_db(transaction=True)`); `user_client(user_id)` builds a user-token SDK client;
`api_call` drives the raw HTTP API through Django's test client for auth failures and bad input.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from getstream import Stream

from reviews.models import ApiKey


@pytest.fixture
def api_key(db) -> ApiKey:
    return ApiKey.objects.create(name="tests")


def make_token(api_key: ApiKey, **claims: Any) -> str:
    """A JWT signed with the key's secret; no claims = server token (what the SDK sends)."""
    return jwt.encode(claims, api_key.secret, algorithm="HS256")


def user_token(api_key: ApiKey, user_id: str, *, expires_in: int | None = 3600, **extra: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {"user_id": user_id, "iat": now - 5, **extra}
    if expires_in is not None:
        claims["exp"] = now + expires_in
    return make_token(api_key, **claims)


def close_sdk(client: Stream) -> None:
    """Close the SDK's kept-alive connections (its own and those of the sub-clients it created), so none
    outlives live_server's thread and the test database."""
    for name in ("video", "chat", "moderation", "feeds"):
        sub = client.__dict__.get(name)  # cached_property: present only if it was used
        if sub is not None:
            sub.close()
    client.close()


@pytest.fixture
def stream_client(api_key, live_server):
    client = Stream(api_key=api_key.key, api_secret=api_key.secret, base_url=live_server.url)
    yield client
    close_sdk(client)


@pytest.fixture
def user_client(api_key, live_server):
    """`user_client("alice")` -> an SDK client authenticated with alice's user token."""
    made: list[Stream] = []

    def make(user_id: str, **claims: Any) -> Stream:
        client = Stream(api_key=api_key.key, token=user_token(api_key, user_id, **claims), base_url=live_server.url)
        made.append(client)
        return client

    yield make
    for client in made:
        close_sdk(client)


@pytest.fixture
def api_call(client, api_key) -> Callable[..., Any]:
    """Raw HTTP: `api_call("post", "/moderation/ban", body, token=..., query={...})` -> Django response,
    with `.json()` parsed. Server token unless `token=` is given; `token=None` sends no Authorization."""

    sentinel = object()

    def call(method: str, path: str, body: Any = None, *, token: Any = sentinel, query: dict | None = None,
             raw: bytes | str | None = None, key: str | None = None):
        params = {"api_key": api_key.key if key is None else key, **(query or {})}
        qs = "&".join(f"{k}={v}" for k, v in params.items() if v is not None)
        headers = {}
        tok = make_token(api_key) if token is sentinel else token
        if tok is not None:
            headers["HTTP_AUTHORIZATION"] = tok
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        return getattr(client, method)(f"/api/v2{path}?{qs}", data=data, content_type="application/json",
                                       **headers)

    return call
