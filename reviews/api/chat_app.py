"""The Stream Chat face's own NinjaAPI, mounted at the root of the host (Chat's SDKs have no /api/v2/ prefix).

Which requests are Chat's (decided in reviews/api/middleware.py, before the dashboard's middleware runs):
- the path is one of Chat's routes (`/users`, `/moderation/ban`, `/tasks/<id>`, ...: no trailing slash, so never
  a dashboard page such as `/users/` or `/tasks/<uuid>/`), or
- the request carries `api_key` in the query string or a `stream-auth-type` header (every Chat SDK request does;
  no dashboard page takes either): an unknown path then gets Chat's JSON 404, never an HTML page.
Everything else goes on to the dashboard. Same keys, JWT auth, rate limits and error envelope as /api/v2/; no
OpenAPI document or docs page here, so /api/v2/openapi.json stays the getstream API.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, URLPattern, get_resolver, include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja.errors import ValidationError as NinjaValidationError

from . import errors, timing
from .app import ORJSONRenderer, StreamAPI, _wrap
from .auth import StreamJWT

chat_api = StreamAPI(
    title="Stream Chat face", version="1", auth=StreamJWT(), urls_namespace="chat_api",
    renderer=ORJSONRenderer(), docs_url=None, openapi_url=None,
)


def _on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    """Strict bodies: an unknown field is named as such (pydantic says 'Extra inputs are not permitted')."""
    for err in exc.errors:
        if err.get("type") == "extra_forbidden":
            err["msg"] = "unknown field; this call does not take it"
    return errors.on_validation_error(request, exc)


for exc_class, handler in errors.HANDLERS:
    chat_api.add_exception_handler(exc_class, _on_validation_error if exc_class is NinjaValidationError else handler)

from . import chat_routes  # noqa: E402

chat_api.add_router("", chat_routes.router)


@csrf_exempt
def unknown_route(request: HttpRequest, rest: str = "") -> HttpResponse:
    timing.start(request)
    return errors.error_response(request, status=404, message=f"no Stream Chat route {request.method} /{rest}")


def _routes() -> list[Any]:
    patterns, app_name, namespace = chat_api.urls
    wrapped = [URLPattern(p.pattern, _wrap(p.callback), p.default_args, p.name) if isinstance(p, URLPattern) else p
               for p in patterns]
    return [path("", include((wrapped, app_name), namespace=namespace))]


urlpatterns = _routes()  # this module is the URLconf the middleware resolves Chat paths against
_fallback = re_path(r"^(?P<rest>.*)$", unknown_route)


def dispatch(request: HttpRequest) -> HttpResponse | None:
    """The Chat face's answer to `request`, or None when it is not a Chat request (see the module docstring)."""
    try:
        match = get_resolver(__name__).resolve(request.path_info)
    except Resolver404:
        if "api_key" not in request.GET and "HTTP_STREAM_AUTH_TYPE" not in request.META:
            return None
        match = _fallback.resolve(request.path_info.lstrip("/"))
    request.resolver_match = match
    return match.func(request, *match.args, **match.kwargs)
