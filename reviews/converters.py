"""A Stream id as one URL path segment, whatever characters it holds.

Stream ids may contain `/`, `%`, `?`, `#`, spaces, unicode and dots. reverse() percent-encodes most of that,
but leaves `/` alone (a user id `a/b` would make two segments, or with `<str:>`, NoReverseMatch), and a web
server decodes the path once before Django sees it, so `%2F` would arrive as `/` too. `to_url` therefore
escapes `%` and `/` once itself (reverse() then encodes those escapes again) and `to_python` undoes exactly
that. A segment that is only dots (`.`, `..`) is escaped as well, or browsers would resolve it as a relative
step. Ordinary ids (`alice`, `user-7`) come out unchanged.
"""

from __future__ import annotations

import re

_ESCAPES = {"%": "%25", "/": "%2F", ".": "%2E"}
_UNESCAPE = re.compile("%(25|2F|2E)")
_UNESCAPES = {"25": "%", "2F": "/", "2E": "."}


def id_to_segment(value: str) -> str:
    """What reverse() must be given for `value` to come back as itself (see the module docstring)."""
    value = str(value)
    if value.strip(".") == "":
        return "".join(_ESCAPES.get(c, c) for c in value)
    return value.replace("%", "%25").replace("/", "%2F")


def segment_to_id(segment: str) -> str:
    return _UNESCAPE.sub(lambda m: _UNESCAPES[m.group(1)], segment)


class StreamIdConverter:
    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        return segment_to_id(value)

    def to_url(self, value: str) -> str:
        return id_to_segment(value)
