"""The answer to a login refused by the lockout (django-axes; settings AXES_*): the login page again, saying why,
for how long and who can lift it, with 429. Used for the dashboard's login and Django admin's alike. And the
session check a dashboard tab makes after its session ended."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.views.decorators.http import require_GET


def lockout_message() -> str:
    minutes = max(round(settings.AXES_COOLOFF_TIME.total_seconds() / 60), 1)
    return (f"Too many failed logins for this username or from this address: logging in is locked for "
            f"{minutes} minutes from the last attempt, even with the right password. An admin can lift the lock "
            f"sooner (Admin › Axes › Access attempts).")


def locked_out(request: HttpRequest, original_response: HttpResponse | None = None,
               credentials: dict | None = None) -> HttpResponse:
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "lockout": lockout_message(), "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=429)


@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    """Who this browser is logged in as, and the CSRF token to post with. A tab whose session ended asks this
    every few seconds while its "Your session ended" dialog is open, so a login in another tab is noticed: the
    tab takes the new token (login rotates it) and then re-applies the decision it kept. Same-origin only: the
    token is readable by a page of ours, never by another site (no CORS)."""
    user = request.user.get_username() if request.user.is_authenticated else None
    response = JsonResponse({"user": user, "csrf": get_token(request) if user else None})
    response["Cache-Control"] = "no-store"
    return response
