"""The answer to a login refused by the lockout (django-axes; settings AXES_*): the login page again, saying why,
for how long and who can lift it, with 429. Used for the dashboard's login and Django admin's alike."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


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
