"""The Stream-compatible API: one NinjaAPI mounted at /api/v2/ (no trailing slashes, no CSRF: callers
authenticate with a JWT, never a cookie).

Routers live in `reviews/api/routers/<area>.py`; each area adds itself below with one
`api.add_router("", <area>.router)` line. Every response carries `duration`, every authenticated response
the X-RateLimit-* headers, and every error (including ones Django or ninja would render as HTML or their
own JSON) is Stream's envelope (see errors.py). The OpenAPI document is served at /api/v2/openapi.json.
"""

from __future__ import annotations

import json
from functools import wraps
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, include, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from . import errors, privacy, ratelimit, timing
from .auth import Caller, StreamJWT
from .errors import ErrorEnvelope

ERROR_STATUSES = {
    "400": "Bad input: the message names the field and the problem",
    "401": "Missing or invalid api_key or JWT (codes 2, 5, 40, 41, 42, 43)",
    "403": "Not allowed for this caller",
    "404": "Unknown object",
    "429": "Too many requests; see Retry-After",
}


class ORJSONRenderer(JSONRenderer):
    """Response bodies through orjson: an API page of 50 review-queue items is ~100 KB of JSON, ~0.9 ms with
    json.dumps and ~0.1 ms here. Datetimes and anything else orjson does not know go through ninja's encoder, so
    every value is written as before (only insignificant whitespace differs, and non-ASCII text is sent as UTF-8
    rather than \\u escapes)."""

    _encoder = NinjaJSONEncoder()

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return orjson.dumps(data, default=self._encoder.default, option=orjson.OPT_PASSTHROUGH_DATETIME)


class StreamAPI(NinjaAPI):
    def create_response(
        self, request: HttpRequest, data: Any, *, status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        caller = getattr(request, "auth", None)
        if isinstance(caller, Caller) and not caller.is_moderator:
            data = privacy.for_user(data, caller.user.pk)
        if isinstance(data, dict) and "duration" not in data:
            data = {**data, "duration": timing.duration_of(request)}
        return super().create_response(request, data, status=status, temporal_response=temporal_response)

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["ErrorEnvelope"] = ErrorEnvelope.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        components.setdefault("securitySchemes", {})["ApiKeyQuery"] = {
            "type": "apiKey", "in": "query", "name": "api_key",
        }
        ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                for status, description in ERROR_STATUSES.items():
                    operation["responses"].setdefault(status, {"description": description, **ref})
                if operation.get("security"):
                    operation["security"] = [{**s, "ApiKeyQuery": []} for s in operation["security"]]
        return schema


api = StreamAPI(
    title="Moderation API (Stream-compatible subset)",
    version="2",
    description="Wire-compatible with Stream's moderation REST API for the getstream 7.0.0 SDK. See docs/api.md.",
    auth=StreamJWT(),
    urls_namespace="stream_api",
    renderer=ORJSONRenderer(),
)

for exc_class, handler in errors.HANDLERS:
    api.add_exception_handler(exc_class, handler)


def _wrap(view):
    """Around every API view: headers on every response, and Django's bare 405 turned into the envelope."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = response.get("Allow", "")
            response = errors.error_response(
                request, status=405, message=f"method {request.method} not allowed here; use {allowed}"
            )
        ratelimit.add_headers(request, response)
        return response

    return csrf_exempt(wrapped)


@csrf_exempt
def unknown_route(request: HttpRequest, rest: str = "") -> HttpResponse:
    timing.start(request)
    return errors.error_response(request, status=404, message=f"no API route {request.method} /api/v2/{rest}")


def urls() -> Any:
    """URL patterns to mount at `api/v2/`: the API's routes, then a JSON 404 for anything else under it."""
    patterns, app_name, namespace = api.urls
    wrapped = [
        URLPattern(p.pattern, _wrap(p.callback), p.default_args, p.name) if isinstance(p, URLPattern) else p
        for p in patterns
    ]
    wrapped.append(re_path(r"^(?P<rest>.*)$", unknown_route, name="unknown"))
    return include((wrapped, app_name), namespace=namespace)


def openapi_document() -> dict:
    """The OpenAPI document as served (for tests and `manage.py` exports)."""
    return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v2/")))


# --- routers: one line per area -------------------------------------------------------------------------
from .routers import users  # noqa: E402

api.add_router("", users.router)
from .routers import video  # noqa: E402

api.add_router("", video.router)
from .routers import policies  # noqa: E402

api.add_router("", policies.router)
from .routers import moderation  # noqa: E402

api.add_router("", moderation.router)
from .routers import chat  # noqa: E402

api.add_router("", chat.router)
from .routers import app_settings  # noqa: E402

api.add_router("", app_settings.router)
from .routers import queues  # noqa: E402

api.add_router("", queues.router)
from .routers import analysis  # noqa: E402

api.add_router("", analysis.router)
from .routers import blocklist_import  # noqa: E402

api.add_router("", blocklist_import.router)
