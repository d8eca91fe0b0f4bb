"""Template filters for user-supplied text (reviews/text.py, shared with the queue rows in reviews/views/rows.py).
A builtin (settings TEMPLATES), so every dashboard template has them without `{% load %}`:

- `{{ value|user }}`: escaped, control characters shown visibly, isolated in <bdi>. For every piece of text a
  user or an API caller wrote (names, ids, reasons, channel ids) placed among other words.
- `{{ value|controls }}`: control characters written as ⟨U+XXXX⟩, for attributes (title, aria-label); the
  autoescaping escapes the result as usual.
- `{{ value|json }}`: custom data as indented JSON, controls shown; put it in a <pre class="json">.
- `{{ name|verb_label }}`: a verb's (or log action's) label from the decision table ("mark_reviewed" reads
  "Mark reviewed"); a name the table does not know is shown as it is.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from reviews.actions import registry
from reviews.text import controls_shown, escape_user, pretty_json, user_html

register = template.Library()


@register.filter
def user(value) -> SafeString:
    return mark_safe(user_html("" if value is None else value))


@register.filter
def controls(value) -> str:
    return controls_shown("" if value is None else str(value))


@register.filter
def json(value) -> SafeString:
    return mark_safe(escape_user(pretty_json(value)))


@register.filter
def verb_label(name) -> str:
    verb = registry.find(str(name or ""))
    return verb.label if verb is not None else str(name or "")
