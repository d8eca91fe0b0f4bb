"""Stream Chat face fixtures: the real `stream-chat` Python SDK (4.33) pointed at live_server's root."""

from __future__ import annotations

import pytest
from stream_chat import StreamChat

from tests.api.conftest import api_call, api_key, close_sdk, stream_client, user_token  # noqa: F401


@pytest.fixture
def chat(api_key, live_server):  # noqa: F811
    # A generous timeout: the SDK's 6 s default (with one retry) is a timing assumption on a busy machine.
    client = StreamChat(api_key=api_key.key, api_secret=api_key.secret, base_url=live_server.url, timeout=60)
    yield client
    client.session.close()


@pytest.fixture
def chat_as(api_key, live_server):  # noqa: F811
    """`chat_as("alice")`: a Chat SDK client whose requests carry alice's user token."""
    made = []

    def make(user_id: str) -> StreamChat:
        client = StreamChat(api_key=api_key.key, api_secret=api_key.secret, base_url=live_server.url, timeout=60)
        client.auth_token = user_token(api_key, user_id)
        made.append(client)
        return client

    yield make
    for client in made:
        client.session.close()
