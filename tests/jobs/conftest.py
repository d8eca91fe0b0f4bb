import pytest

from reviews.models import ApiKey
from tests.jobs.receiver import start_receiver


@pytest.fixture
def api_key(db):
    return ApiKey.objects.create(key="jobs-key", secret="jobs-secret-for-tests")


@pytest.fixture
def allow_private(settings):
    settings.MODERATION_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def receiver(api_key):
    r = start_receiver(api_key.secret)
    yield r
    r.server.shutdown()
    r.server.server_close()
