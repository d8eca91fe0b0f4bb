"""The moderator's own wellness preferences (reviews/models/wellness.py), reachable from the header."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from reviews import actions
from reviews.errors import ModerationError
from reviews.forms import PreferencesForm, first_error
from reviews.models import ModeratorPreferences
from reviews.models.wellness import FIELDS

from ._common import page_view, role_of


@page_view()
def preferences(request):
    """GET: the form with the saved values (the defaults when none are saved). POST: save and come back here, so
    the new classes apply on this very page. Every role has preferences: viewers look at the same content."""
    current = getattr(request.user, "moderator_preferences", None) or ModeratorPreferences()
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            try:
                actions.save_preferences(user=request.user, **form.cleaned_data)
            except ModerationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Preferences saved.")
                return HttpResponseRedirect(reverse("reviews:preferences"))
        field, problem = first_error(form)
        messages.error(request, f"{field}: {problem}")
        status = 400
    else:
        form = PreferencesForm(initial={f: getattr(current, f) for f in FIELDS})
        status = 200
    return render(request, "reviews/preferences.html", {"form": form, "role": role_of(request)}, status=status)
