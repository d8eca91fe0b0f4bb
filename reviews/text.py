"""How the dashboard shows text that users wrote: escaped, with invisible and bidirectional control characters
made visible, isolated from the text around it, and custom data as JSON.

A name holding U+202E (RIGHT-TO-LEFT OVERRIDE) reverses everything after it on the line, so "evil‮txt.exe"
can read as something else, and a zero-width space makes two ids that look the same differ. Moderators must
see what was written, so each such character is replaced by a visible marker (`⟨U+202E⟩`) and every piece of
user text is wrapped in <bdi>, which keeps genuine right-to-left text (Arabic, Hebrew) from reordering the
punctuation and numbers next to it.

One implementation for both places that render user text: the template filters (reviews/templatetags/
moderation.py) and the queue rows formatted in Python (reviews/views/rows.py, the hot path: plain strings,
one regex search per value, no SafeString wrapping).
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

# Controls that are invisible or change the order text is shown in. Tab, newline and carriage return are
# layout, not tricks: they are kept.
CONTROL_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_NAMES = {
    0x061C: "ARABIC LETTER MARK", 0x200B: "ZERO WIDTH SPACE", 0x200C: "ZERO WIDTH NON-JOINER",
    0x200D: "ZERO WIDTH JOINER", 0x200E: "LEFT-TO-RIGHT MARK", 0x200F: "RIGHT-TO-LEFT MARK",
    0x202A: "LEFT-TO-RIGHT EMBEDDING", 0x202B: "RIGHT-TO-LEFT EMBEDDING", 0x202C: "POP DIRECTIONAL FORMATTING",
    0x202D: "LEFT-TO-RIGHT OVERRIDE", 0x202E: "RIGHT-TO-LEFT OVERRIDE", 0x2060: "WORD JOINER",
    0x2061: "FUNCTION APPLICATION", 0x2062: "INVISIBLE TIMES", 0x2063: "INVISIBLE SEPARATOR",
    0x2064: "INVISIBLE PLUS", 0x2066: "LEFT-TO-RIGHT ISOLATE", 0x2067: "RIGHT-TO-LEFT ISOLATE",
    0x2068: "FIRST STRONG ISOLATE", 0x2069: "POP DIRECTIONAL ISOLATE", 0xFEFF: "ZERO WIDTH NO-BREAK SPACE",
}


def code_point(char: str) -> str:
    """`U+202E`: how a control character is written where it was."""
    return f"U+{ord(char):04X}"


def _marker_html(match: re.Match) -> str:
    char = match.group()
    name = _NAMES.get(ord(char), "control character")
    return f'<span class="ctl" title="{name}">⟨{code_point(char)}⟩</span>'


def _marker_text(match: re.Match) -> str:
    return f"⟨{code_point(match.group())}⟩"


def controls_shown(text: str) -> str:
    """Plain text with each control character written as `⟨U+XXXX⟩` (for attributes: title, aria-label).
    Not escaped."""
    return CONTROL_CHARS.sub(_marker_text, text) if CONTROL_CHARS.search(text) else text


def escape_user(text: str) -> str:
    """HTML for user text: escaped as Django's autoescaping escapes, each control character a visible marker.
    Returns a plain str (the caller decides whether to mark it safe)."""
    escaped = html.escape(text)
    return CONTROL_CHARS.sub(_marker_html, escaped) if CONTROL_CHARS.search(escaped) else escaped


def user_html(text: Any) -> str:
    """`escape_user` isolated in <bdi>: the form for user text placed among other words."""
    return f"<bdi>{escape_user(str(text))}</bdi>"


def pretty_json(value: Any) -> str:
    """Custom data as a moderator should read it: indented JSON with keys in order (not a Python repr)."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
