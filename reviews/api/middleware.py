"""API requests skip the dashboard's middleware.

Every API request authenticates with a JWT and the API never reads a cookie, so sessions, CSRF, the session user,
messages, frame options and htmx details are work without a purpose there (a tenth of a millisecond or more a
request, on an endpoint like `check` that does its own work in about a millisecond). This middleware sits after
SecurityMiddleware, WhiteNoise and CommonMiddleware (so the Host header is still validated and security headers
still set) and hands every request under the API's prefix straight to its view; the API's views turn every error
into Stream's envelope themselves. Requests for the Stream Chat face at the root paths (reviews/api/chat_app.py)
are handed to it the same way. Everything else goes on down the stack.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import resolve

API_PREFIX = "/api/v2/"


class ApiShortcutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX):
            from . import chat_app  # the Stream Chat face at the root paths (see chat_app's docstring)

            response = chat_app.dispatch(request)
            return response if response is not None else self.get_response(request)
        match = resolve(request.path_info, getattr(request, "urlconf", None))
        request.resolver_match = match
        return match.func(request, *match.args, **match.kwargs)
