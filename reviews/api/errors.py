"""Stream's error envelope and the handlers that turn every failure inside the API into it.

The SDK decodes an error body without defaults: `code`, `message`, `StatusCode`, `duration`, `more_info` and
`details` must all be present (`details` a list of ints), or the caller gets a bare KeyError instead of a
StreamApiException. So no response under /api/v2/ may ever be Django's HTML error page.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from reviews.errors import ModerationError

from .timing import duration_of

logger = logging.getLogger(__name__)

MORE_INFO = "https://getstream.io/chat/docs/api_errors_response"
# Stream's code for each HTTP status we produce outside ModerationError.
_CODE_FOR_STATUS = {400: 4, 401: 5, 403: 17, 404: 16, 405: 4, 408: 23, 413: 22, 429: 9, 500: -1}


class ErrorEnvelope(Schema):
    """Every 4xx/5xx body (Stream's APIError)."""

    code: int
    message: str
    StatusCode: int  # noqa: N815 - Stream's wire name, capitals included
    duration: str
    more_info: str
    details: list[int]
    exception_fields: dict[str, str] = {}
    unrecoverable: bool = False


def envelope(
    request: HttpRequest | None, *, status: int, message: str, code: int | None = None, field: str | None = None
) -> dict[str, Any]:
    return {
        "code": _CODE_FOR_STATUS.get(status, 4) if code is None else code,
        "message": message,
        "StatusCode": status,
        "duration": duration_of(request),
        "more_info": MORE_INFO,
        "details": [],
        "exception_fields": {field: message} if field else {},
        "unrecoverable": status in (401, 403),
    }


def error_response(
    request: HttpRequest | None, *, status: int, message: str, code: int | None = None, field: str | None = None
) -> HttpResponse:
    body = envelope(request, status=status, message=message, code=code, field=field)
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    retry_after = getattr(request, "_retry_after", None)
    if status == 429 and retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _field_from_loc(loc: list | tuple) -> str:
    """ninja's error location -> the wire field path: ("body", "data", "ban", "timeout") -> "ban.timeout"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[2:]  # ("body", <ninja's parameter name>) alone is the whole body
    elif parts and parts[0] in ("query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def on_moderation_error(request: HttpRequest, exc: ModerationError) -> HttpResponse:
    return error_response(request, status=exc.status, message=exc.message, code=exc.code, field=exc.field)


def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    problems = []
    first_field = None
    for err in exc.errors:
        field = _field_from_loc(err.get("loc", ()))
        first_field = first_field or field
        msg = str(err.get("msg", "is invalid"))
        if err.get("type") == "missing":
            msg = "is required"
        elif err.get("type") == "value_error":
            msg = msg.removeprefix("Value error, ")  # our own validators' messages stand alone
        problems.append(f"{field}: {msg}")
    return error_response(request, status=400, message="; ".join(problems) or "invalid input", field=first_field)


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and "parse request body" in str(exc.message):
        cause = exc.__cause__
        if isinstance(cause, ModerationError):  # the parser refused a value (schemas.check_json)
            return on_moderation_error(request, cause)
        detail = f" ({cause})" if cause else ""
        return error_response(request, status=400, message=f"body: malformed JSON{detail}", field="body")
    return error_response(request, status=exc.status_code, message=str(exc.message))


def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, status=401, message="Authorization: a valid JWT is required", field="Authorization")


def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, status=404, message=str(exc) or "not found")


def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled error in the API", exc_info=exc)
    return error_response(request, status=500, message="internal error; the request was not completed")


HANDLERS: list[tuple[type[Exception], Any]] = [
    (ModerationError, on_moderation_error),
    (NinjaValidationError, on_validation_error),
    (HttpError, on_http_error),
    (AuthenticationError, on_authentication_error),
    (Http404, on_not_found),
    (Exception, on_unexpected),
]
