"""What every dashboard view shares: role checks that also suit HTMX, toasts, and the ModerationError handler."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from reviews.errors import ModerationError
from reviews.forms import error_text, labelled
from reviews.models import EndUser
from reviews.permissions import MODERATORS, ROLE_ORDER, VIEWERS, dashboard_role, identity_for


def role_of(request: HttpRequest) -> str | None:
    """The login's dashboard role, looked up once per request."""
    if not hasattr(request, "_dashboard_role"):
        request._dashboard_role = dashboard_role(request.user)
    return request._dashboard_role


def can_act(request: HttpRequest) -> bool:
    role = role_of(request)
    return role is not None and ROLE_ORDER[role] >= ROLE_ORDER[MODERATORS]


def me(request: HttpRequest) -> EndUser:
    if not hasattr(request, "_identity"):
        request._identity = identity_for(request.user)
    return request._identity


def toast_html(request: HttpRequest, message: str, *, level: str = "success", undo: list[int] | None = None,
               oob: bool = True) -> str:
    return render_to_string("reviews/partials/toast.html",
                            {"message": message, "level": level, "undo": undo, "oob": oob}, request=request)


def back(request: HttpRequest, fallback: str) -> str:
    """Where a no-JavaScript form post returns to: `next` or the referring page when it is ours."""
    for candidate in (request.POST.get("next"), request.headers.get("referer")):
        if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
            return candidate
    return fallback


def error_response(request: HttpRequest, message: str, status: int, fallback: str) -> HttpResponse:
    """A failure is never silent: HTMX gets an error toast (retargeted so it never replaces the row), a plain
    form post gets a message on the page it came from."""
    if request.htmx:
        response = HttpResponse(toast_html(request, message, level="error", oob=False), status=status)
        response["HX-Retarget"] = "#toasts"
        response["HX-Reswap"] = "beforeend"
        return response
    messages.error(request, message)
    return HttpResponseRedirect(back(request, fallback))


SESSION_EXPIRED = "session-expired"


def login_needed(request: HttpRequest) -> HttpResponse:
    """No session (logged out in another tab, or it timed out). A page gets the login page with `next`; an HTMX
    request gets 401 and an HX-Trigger keys.js understands (it keeps the decision and asks to log in again)
    instead of a redirect, which htmx would follow and swap a whole login page into the queue."""
    if not request.htmx:
        return redirect_to_login(request.get_full_path())
    login = resolve_url(settings.LOGIN_URL)
    response = HttpResponse("Your session ended: log in again.", status=401, content_type="text/plain")
    response["HX-Trigger"] = json.dumps({SESSION_EXPIRED: {"login": login}})
    response["WWW-Authenticate"] = 'Session realm="dashboard"'
    response["Cache-Control"] = "no-store"
    return response


def page_view(role: str = VIEWERS):
    """GET pages: login required, then the role (Viewers see everything)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return login_needed(request)
            current = role_of(request)
            if current is None or ROLE_ORDER[current] < ROLE_ORDER[role]:
                from django.core.exceptions import PermissionDenied

                raise PermissionDenied(f"This page needs the {role} role.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def action_view(fallback: str = "/queue/"):
    """POSTs that change something: Moderators and up, CSRF-checked by the middleware, and a ModerationError
    becomes a visible error (toast or message) with nothing half-written."""

    def decorator(view: Callable) -> Callable:
        @require_POST
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return login_needed(request)
            if not can_act(request):
                return error_response(request, "Your role can look but not change anything (Viewers are read-only).",
                                      403, fallback)
            try:
                return view(request, *args, **kwargs)
            except ModerationError as exc:
                return error_response(request, labelled(exc.message, exc.field), exc.status, fallback)

        return wrapper

    return decorator


def done(request: HttpRequest, message: str, *, fallback: str, html: str = "", undo: list[int] | None = None,
         headers: dict[str, str] | None = None) -> HttpResponse:
    """Success: HTMX gets `html` (the updated region) plus a toast out of band; a plain post is redirected
    back with the message."""
    if request.htmx:
        # The toast comes first: htmx resolves a partial's target relative to the element that made the
        # request, and a later partial in `html` (a queue row) may replace that very element.
        response = HttpResponse(toast_html(request, message, undo=undo) + html)
        for key, value in (headers or {}).items():
            response[key] = value
        return response
    messages.success(request, message)
    return HttpResponseRedirect(back(request, fallback))


def query_without(request: HttpRequest, *drop: str) -> str:
    """The current query string minus some keys (for load-more and sort links that keep the filters)."""
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


def filtered_page(request: HttpRequest, filterset, keys, *, limit: int = 50):
    """(page, error) for a list page: the FilterSet's first problem or a bad cursor is shown, not raised."""
    from reviews.selectors.pagination import Page, keyset_page

    if not filterset.is_valid():
        return Page(rows=[], next=None, prev=None), error_text(filterset.form)
    try:
        return keyset_page(filterset.qs, keys, limit=limit, next_cursor=request.GET.get("next") or None), ""
    except ModerationError as exc:
        return Page(rows=[], next=None, prev=None), exc.message
