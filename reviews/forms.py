"""Dashboard forms: parse and check input; the decisions themselves live in reviews.services / reviews.actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS

from reviews.actions import registry
from reviews.models import ModeratorPreferences

TIMEOUT_PRESETS = [
    ("", "No time limit"),
    ("60", "1 hour"),
    ("1440", "24 hours"),
    ("10080", "7 days"),
    ("43200", "30 days"),
]
ACTION_CHOICES = [(v.name, v.label) for v in registry.offered_on(registry.Face.FORM)]
USER_ACTION_CHOICES = [(v.name, v.label) for v in registry.offered_on(registry.Face.USER)]


def _canonical(name: str) -> str:
    verb = registry.find(name)
    return verb.name if verb is not None else name


class VerbChoiceField(forms.ChoiceField):
    """A verb of the decision table, by name or by an alias the dashboard used to post."""

    def to_python(self, value):
        return _canonical(super().to_python(value))


class VerbsField(forms.MultipleChoiceField):
    def to_python(self, value):
        return [_canonical(v) for v in super().to_python(value)]


def _minutes(value: str) -> int | None:
    return int(value) if value else None


def reason_presets() -> list[str]:
    """The reasons the dashboard offers for bans and other decisions (a datalist: a moderator may also write
    their own). MODERATION_REASON_PRESETS in the settings."""
    return list(settings.MODERATION_REASON_PRESETS)


def require_reasons(form: forms.Form, verbs: list[str], reason_field: str = "reason") -> None:
    """The decision table's rows that need a reason (ban, shadow ban) are refused without one, naming the
    field, before anything is written."""
    if (form.cleaned_data.get(reason_field) or "").strip():
        return
    needing = [registry.BY_NAME[v] for v in verbs if v in registry.BY_NAME and registry.BY_NAME[v].needs_reason]
    if needing:
        labels = " and ".join(v.label.lower() for v in needing)
        form.add_error(reason_field, f"a reason is required for {labels}: pick a preset or write one")


class DecisionForm(forms.Form):
    """One decision on a queue item: one or several actions and the options they need (ban dialog included)."""

    actions = VerbsField(choices=ACTION_CHOICES, label="Actions")
    reason = forms.CharField(required=False, max_length=2000, label="Reason")
    ban_scope = forms.ChoiceField(choices=[("app", "App-wide"), ("channel", "This channel")], required=False,
                                  initial="app", label="Ban scope")
    ban_timeout = forms.TypedChoiceField(choices=TIMEOUT_PRESETS, coerce=_minutes, empty_value=None,
                                         required=False, label="Ban duration")
    ban_ip = forms.BooleanField(required=False, label="Also ban their IP address")
    ban_shadow = forms.BooleanField(required=False, label="Shadow ban (they are not told)")
    mute_timeout = forms.TypedChoiceField(choices=TIMEOUT_PRESETS, coerce=_minutes, empty_value=None,
                                          required=False, label="Mute duration")
    priority = forms.ChoiceField(choices=[("", "—"), ("low", "Low"), ("medium", "Medium"), ("high", "High")],
                                 required=False, label="Escalation priority")
    note = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}), label="Note")

    def clean(self):
        data = super().clean()
        require_reasons(self, data.get("actions") or [])
        return data

    def decision(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "actions": data["actions"], "reason": data.get("reason", ""), "ban_scope": data.get("ban_scope") or "app",
            "ban_timeout": data.get("ban_timeout"), "ban_ip": data.get("ban_ip", False),
            "ban_shadow": data.get("ban_shadow", False), "mute_timeout": data.get("mute_timeout"),
            "priority": data.get("priority", ""), "note": data.get("note", ""),
        }


class UserActionForm(forms.Form):
    """A verb on one user from the Users page."""

    action = VerbChoiceField(choices=USER_ACTION_CHOICES)
    reason = forms.CharField(required=False, max_length=2000)
    channel_cid = forms.CharField(required=False, max_length=255, label="Channel (empty: app-wide)")
    timeout = forms.TypedChoiceField(choices=TIMEOUT_PRESETS, coerce=_minutes, empty_value=None, required=False,
                                     label="Duration")
    ip_ban = forms.BooleanField(required=False, label="Also ban their IP address")

    def clean(self):
        data = super().clean()
        require_reasons(self, [data["action"]] if data.get("action") else [])
        return data


class PreferencesForm(forms.Form):
    """A moderator's wellness preferences (the model's help texts are the labels' hints)."""

    greyscale = forms.BooleanField(required=False, label="Show images in greyscale")
    blur = forms.ChoiceField(choices=ModeratorPreferences.Blur.choices, label="Blur images until revealed",
                             widget=forms.RadioSelect)
    video_autoplay = forms.BooleanField(required=False, label="Let videos play on their own")
    audio_muted = forms.BooleanField(required=False, label="Start audio and video muted")
    break_after_decisions = forms.IntegerField(min_value=0, max_value=1000,
                                               label="Suggest a break after this many decisions on graphic content")
    break_after_minutes = forms.IntegerField(min_value=0, max_value=600,
                                             label="…or after this many minutes on graphic content")


class IdsForm(forms.Form):
    """A list of ids ticked in a table (bans to lift, users to deactivate, log entries to undo)."""

    ids = forms.MultipleChoiceField(choices=(), label="Selected")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = [(v, v) for v in self.data.getlist("ids")] if hasattr(self.data, "getlist") \
            else []

    def clean_ids(self) -> list[str]:
        ids = self.cleaned_data["ids"]
        if len(ids) > 10_000:
            raise forms.ValidationError("at most 10,000 at a time")
        return ids


def first_error(form: forms.Form) -> tuple[str, str]:
    """(field, message) of a form's first error, for a toast that names the field."""
    field, errors = next(iter(form.errors.items()))
    return field, "; ".join(errors)


def label_of(form: forms.Form, field: str) -> str:
    """What the form calls `field` on the page (its label), not its internal name."""
    found = form.fields.get(field)
    return str(found.label) if found is not None and found.label else field.replace("_", " ").capitalize()


def error_text(form: forms.Form) -> str:
    """A form's first error as a moderator reads it: "Ban duration: Select a valid choice. ..." """
    field, problem = first_error(form)
    return problem if field == NON_FIELD_ERRORS else f"{label_of(form, field)}: {problem}"


# The dashboard forms' field labels, for errors raised by name (a form's, or an action's about a form field).
FIELD_LABELS: dict[str, str] = {
    name: str(field.label) for form in (IdsForm, UserActionForm, DecisionForm)
    for name, field in form.base_fields.items() if field.label
}


def labelled(message: str, field: str | None) -> str:
    """An error message that starts with a dashboard form field's name ("ban_timeout: ...") starts with its
    label instead ("Ban duration: ..."); any other message is left as it is."""
    label = FIELD_LABELS.get(field or "")
    prefix = f"{field}: "
    return f"{label}: {message[len(prefix):]}" if label and message.startswith(prefix) else message
