"""The Stream-compatible API: one NinjaAPI mounted at /api/v2/ (no trailing slashes, no CSRF: callers
authenticate with a JWT, never a cookie).

Routers live in `reviews/api/routers/<area>.py`; each area adds itself below with one
`api.add_router("", <area>.router)` line. Every response carries `duration`, every authenticated response
the X-RateLimit-* headers, and every error (including ones Django or ninja would render as HTML or their
own JSON) is Stream's envelope (see errors.py). The OpenAPI document is served at /api/v2/openapi.json; each
route's success body is declared as the SDK model that decodes it (response_schemas.json, see
`manage.py sdk_response_schemas`), every error status as the envelope.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache, wraps
from pathlib import Path
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
from .schemas import StreamParser, text_problem

ERROR_STATUSES = {
    "400": "Bad input: the message names the field and the problem",
    "401": "Missing or invalid api_key or JWT (codes 2, 5, 40, 41, 42, 43)",
    "403": "Not allowed for this caller",
    "404": "Unknown object",
    "405": "Method not allowed on this path; the Allow header lists the ones that are",
    "409": "Conflicts with the current state of the object",
    "429": "Too many requests; see Retry-After",
}
_PARAM = re.compile(r"\{[^}]+\}")
RESPONSE_SCHEMAS = Path(__file__).with_name("response_schemas.json")


@lru_cache(maxsize=1)
def response_schemas() -> dict:
    """Each route's success body: the JSON Schema of the getstream SDK model that decodes it, generated from the
    installed SDK by `manage.py sdk_response_schemas` (tests keep the file current and every route in it)."""
    return json.loads(RESPONSE_SCHEMAS.read_text())


def route_key(method: str, path: str) -> str:
    """`POST /api/v2/video/call/{type}/{id}` -> `POST /api/v2/video/call/{}/{}` (the key in response_schemas)."""
    return f"{method.upper()} {_PARAM.sub('{}', path)}"


class ORJSONRenderer(JSONRenderer):
    """Response bodies through orjson: an API page of 50 review-queue items is ~100 KB of JSON, ~0.9 ms with
    json.dumps and ~0.1 ms here. Datetimes and anything else orjson does not know go through ninja's encoder, so
    every value is written as before (only insignificant whitespace differs, and non-ASCII text is sent as UTF-8
    rather than \\u escapes).

    orjson refuses integers beyond 64 bits; the API stores them exactly (custom data), so such a body is written
    by the json module instead, digit for digit."""

    _encoder = NinjaJSONEncoder()

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        try:
            return orjson.dumps(data, default=self._encoder.default, option=orjson.OPT_PASSTHROUGH_DATETIME)
        except TypeError as exc:
            if "64-bit" not in str(exc):
                raise
            return json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()


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
        declared = response_schemas()
        for name, model in declared["schemas"].items():
            components["schemas"].setdefault(name, model)
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                _no_null_body(operation)
                model = declared["routes"].get(route_key(method, path))
                if model is not None:
                    operation["responses"]["200"] = {
                        "description": f"OK: Stream's {model}",
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}},
                    }
                for status, description in ERROR_STATUSES.items():
                    operation["responses"].setdefault(status, {"description": description, **ref})
                # Answered by gunicorn itself, before Django: a request line over its limit (4094 bytes).
                operation["responses"].setdefault("414", {"description": "URI too long (the web server's own page)"})
                if operation.get("security"):
                    operation["security"] = [{**s, "ApiKeyQuery": []} for s in operation["security"]]
        return schema


def _no_null_body(operation: dict) -> None:
    """ninja documents an optional body (`data: X | None = None`) as `X or null`; the parser refuses `null` (a body
    is an object, or absent), so the document says `X` (and `required: false`)."""
    for media in (operation.get("requestBody") or {}).get("content", {}).values():
        options = media.get("schema", {}).get("anyOf")
        if options and {"type": "null"} in options:
            rest = [o for o in options if o != {"type": "null"}]
            media["schema"] = rest[0] if len(rest) == 1 else {"anyOf": rest}


api = StreamAPI(
    title="Moderation API (Stream-compatible subset)",
    version="2",
    description="Wire-compatible with Stream's moderation REST API for the getstream 7.0.0 SDK. See docs/api.md.",
    auth=StreamJWT(),
    urls_namespace="stream_api",
    renderer=ORJSONRenderer(),
    parser=StreamParser(),
)

for exc_class, handler in errors.HANDLERS:
    api.add_exception_handler(exc_class, handler)


def _url_values_problem(request: HttpRequest, path_params: dict[str, Any]) -> HttpResponse | None:
    """Path and query values obey the body's rule (schemas.check_json): a NUL, which PostgreSQL cannot store or
    compare, is a 400 naming the parameter, before any view runs. (Django keeps undecodable bytes %-escaped, so
    no lone surrogate reaches here.)"""
    values = [(name, value) for name, value in path_params.items() if isinstance(value, str)]
    values += [(name, value) for name, items in request.GET.lists() for value in [name, *items]]
    for name, value in values:
        problem = text_problem(value)
        if problem:
            timing.start(request)
            return errors.error_response(request, status=400, message=f"{name}: {problem}", field=name)
    return None


def _wrap(view):
    """Around every API view: headers on every response, and Django's bare 405 turned into the envelope."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = _url_values_problem(request, kwargs)
        response = refused or view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = response.get("Allow", "")
            response = errors.error_response(
                request, status=405, message=f"method {request.method} not allowed here; use {allowed}"
            )
            response["Allow"] = allowed
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
from .routers import appeals  # noqa: E402

api.add_router("", appeals.router)
from .routers import action_logs  # noqa: E402

api.add_router("", action_logs.router)
from .routers import queues  # noqa: E402

api.add_router("", queues.router)
from .routers import analysis  # noqa: E402

api.add_router("", analysis.router)
from .routers import blocklist_import  # noqa: E402

api.add_router("", blocklist_import.router)
