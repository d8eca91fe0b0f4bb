"""A short schemathesis run in-process (issue 13): every operation of /api/v2/openapi.json, generated cases with
server-side auth; no 5xx, and every answer matches its declared status, content type and response schema
(the SDK models, see reviews/api/response_schemas.json). `make fuzz` is the long run against a real server.

In-process on PostgreSQL: Django's close_old_connections must stay off the request signals (as Django's own test
client does), or each request would close the connection holding the test's transaction.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from reviews.api.app import openapi_document
from tests.api.conftest import make_token

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


SCHEMA = schemathesis.openapi.from_dict(openapi_document())
SCHEMA.app = get_wsgi_application()
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture
def in_process(db, settings):
    settings.MODERATION_API_RATE_LIMIT = 10**9  # one caller, hundreds of requests: the limiter is tested elsewhere
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# schemathesis' own pytest loader does not run under pytest 9 (it sets Function._nodeid), so each operation is a
# parametrized test drawing its cases from the operation's strategy.
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_api_answers_as_its_openapi_document_says(operation, api_key, in_process):
    auth = {"Authorization": make_token(api_key), "stream-auth-type": "jwt"}

    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
           | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    @settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def run(case):
        case.headers = {**(case.headers or {}), **auth}
        case.query = {**(case.query or {}), "api_key": api_key.key}
        case.call_and_validate(checks=CHECKS)

    run()


def test_every_operation_declares_its_success_body_and_every_error_status():
    for path, operations in openapi_document()["paths"].items():
        for method, operation in operations.items():
            ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
            assert ok["$ref"].startswith("#/components/schemas/"), (method, path)
            for status in ("400", "401", "403", "404", "405", "409", "429"):
                assert "ErrorEnvelope" in str(operation["responses"][status]), (method, path, status)


def test_response_schemas_are_generated_from_the_installed_sdk():
    from reviews.management.commands.sdk_response_schemas import OUT, render

    assert OUT.read_text() == render(), "run: manage.py sdk_response_schemas"
