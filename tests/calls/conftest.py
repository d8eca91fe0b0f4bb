import pytest

from reviews import actions
from tests.factories import EndUserFactory


@pytest.fixture
def john(db):
    return EndUserFactory(id="john")


@pytest.fixture
def sara(db):
    return EndUserFactory(id="sara")


@pytest.fixture
def call(john, sara, alice):
    call, _, _ = actions.get_or_create_call(
        call_type="default", call_id="c1", actor=None, created_by=john,
        members=[{"user_id": "john", "role": "host"}, {"user_id": "sara"}, {"user_id": "alice"}],
    )
    return call
