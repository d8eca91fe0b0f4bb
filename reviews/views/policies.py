"""Policies: configs and blocklists, edited in the browser (Admins), and a "try it" box that runs check in test
mode as you type. Edits go through the same actions (and so the same validator) as the API."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse

from reviews import actions
from reviews.errors import ModerationError
from reviews.models import Blocklist, ModerationConfig
from reviews.permissions import ADMINS, ROLE_ORDER
from reviews.selectors.policies import blocklist_page, config_page

from ._common import error_response, login_needed, me, page_view, role_of, toast_html

FALLBACK = "/policies/"
EXAMPLE_BLOCKS = {
    "block_list_config": {"enabled": True, "rules": []},
    "automod_toxicity_config": {"enabled": True, "rules": [{"label": "toxic", "threshold": 0.9, "action": "flag"}]},
    "automod_platform_circumvention_config": {"enabled": True, "rules": [
        {"label": "link", "threshold": 1, "action": "flag"}]},
}


def _can_edit(request: HttpRequest) -> bool:
    role = role_of(request)
    return role is not None and ROLE_ORDER[role] >= ROLE_ORDER[ADMINS]


def _context(request: HttpRequest, **extra) -> dict:
    configs = config_page(limit=100).rows
    selected_key = request.GET.get("config") or request.POST.get("config") or (configs[0].key if configs else "")
    selected = next((c for c in configs if c.key == selected_key), None)
    return {
        "configs": configs, "blocklists": blocklist_page(limit=100).rows, "selected": selected,
        "blocks_json": json.dumps(selected.blocks if selected else EXAMPLE_BLOCKS, indent=2),
        "can_edit": _can_edit(request), "role": role_of(request), "types": Blocklist.Type.choices, **extra,
    }


@page_view()
def policies(request: HttpRequest) -> HttpResponse:
    return render(request, "reviews/policies.html", _context(request))


def _edit(view):
    """Admins only; a ModerationError is shown (toast), nothing half-written. HTMX gets the config region back."""

    def wrapper(request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse(status=405)
        if not request.user.is_authenticated:
            return login_needed(request)
        if not _can_edit(request):
            return error_response(request, "Only Admins can change policies (your role is read-only here).", 403,
                                  FALLBACK)
        try:
            message = view(request)
        except ModerationError as exc:
            return error_response(request, exc.message, exc.status, FALLBACK)
        if not request.htmx:
            from django.contrib import messages
            from django.http import HttpResponseRedirect

            messages.success(request, message)
            return HttpResponseRedirect(f"{reverse('reviews:policies')}?config={request.POST.get('config', '')}")
        html = render(request, "reviews/policies.html#lists", _context(request)).content.decode()
        response = HttpResponse(html + toast_html(request, message))
        response["HX-Trigger"] = "policy-saved"  # the try-it box re-runs against the saved policy
        return response

    wrapper.__name__ = view.__name__
    return wrapper


def _blocks_from(request: HttpRequest) -> dict:
    try:
        blocks = json.loads(request.POST.get("blocks") or "{}")
    except json.JSONDecodeError as exc:
        raise ModerationError.invalid("blocks", f"not valid JSON ({exc.msg}, line {exc.lineno})") from None
    return blocks  # its shape is checked by the action (actions.policies.clean_config)


@_edit
def save_config(request: HttpRequest) -> str:
    key = request.POST.get("config", "").strip()
    actions.upsert_config(key=key, blocks=_blocks_from(request), actor=me(request), replace=True)
    return f"Saved config {key}."


@_edit
def delete_config(request: HttpRequest) -> str:
    key = request.POST.get("config", "")
    actions.delete_config(key=key, actor=me(request))
    return f"Deleted config {key}."


def _words(request: HttpRequest) -> list[str]:
    return [w for w in request.POST.get("words", "").splitlines() if w.strip()]


@_edit
def save_blocklist(request: HttpRequest) -> str:
    name = request.POST.get("name", "").strip()
    if Blocklist.objects.filter(name=name, team="").exists():
        actions.update_blocklist(name=name, words=_words(request), actor=me(request))
        return f"Saved blocklist {name}."
    actions.create_blocklist(name=name, words=_words(request), type=request.POST.get("type") or None,
                             actor=me(request))
    return f"Created blocklist {name}."


@_edit
def delete_blocklist(request: HttpRequest) -> str:
    name = request.POST.get("name", "")
    actions.delete_blocklist(name=name, actor=me(request))
    return f"Deleted blocklist {name}."


@page_view()
def try_it(request: HttpRequest) -> HttpResponse:
    """check in test mode (stores nothing), so Viewers may use it too."""
    text = request.GET.get("text", "")
    key = request.GET.get("config", "")
    context = {"text": text, "result": None, "error": ""}
    if text.strip() and key and ModerationConfig.objects.filter(key=key, team="").exists():
        try:
            context["result"] = actions.check_content(
                entity_type="stream:chat:v1:message", entity_id="dashboard-try-it",
                entity_creator_id=request.GET.get("creator") or "dashboard-try-it", config_key=key,
                moderation_payload={"texts": [text]}, options={"channel_cid": request.GET.get("channel_cid", "")},
                test_mode=True, actor=None,
            )
        except ModerationError as exc:
            context["error"] = exc.message
    return render(request, "reviews/policies.html#try-result", context)


# Mounted by one line in reviews/urls.py.
urlpatterns = [
    path("policies/", policies, name="policies"),
    path("policies/try", try_it, name="policies-try"),
    path("policies/config", save_config, name="policies-config"),
    path("policies/config/delete", delete_config, name="policies-config-delete"),
    path("policies/blocklist", save_blocklist, name="policies-blocklist"),
    path("policies/blocklist/delete", delete_blocklist, name="policies-blocklist-delete"),
]
