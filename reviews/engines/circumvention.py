"""Platform circumvention: attempts to move a conversation elsewhere (links, e-mail addresses, phone numbers).

Deterministic patterns, not a model: a label found scores 1.0, a label not found 0.0. The exact patterns are
documented in docs/policies.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .normalise import fold

LINK, EMAIL, PHONE = "link", "email", "phone_number"
LABELS = (LINK, EMAIL, PHONE)

# Bare domains count only with a TLD people actually paste into chats; "e.g." and "file.txt" must not.
TLDS = ("com", "net", "org", "io", "co", "me", "ly", "gg", "app", "xyz", "info", "biz", "ru", "de", "uk", "tv",
        "link", "site", "online", "shop", "top", "us", "to", "cc", "dev", "ai")
_AT = r"(?:@|\s*[(\[{]\s*at\s*[)\]}]\s*|\s+at\s+)"
_DOT = r"(?:\.|\s*[(\[{]\s*dot\s*[)\]}]\s*|\s+dot\s+)"
_EMAIL = re.compile(rf"[\w.+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[a-z]{{2,24}}\b")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+")
_DOMAIN = re.compile(rf"(?<![@\w.-])((?:[a-z0-9-]+{_DOT})+(?:{'|'.join(TLDS)}))\b(?![.-]\w)")
_PHONE = re.compile(r"(?<![\w+])\+?\d(?:[\s.\-()/]{0,2}\d){6,14}(?!\w)")
_DATE_OR_TIME = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$")
_HOST = re.compile(r"^(?:https?://)?([^/:?#\s]+)")


@dataclass(frozen=True)
class Found:
    label: str
    value: str


def find(text: str) -> list[Found]:
    """Every link, e-mail address and phone number in `text` (case-folded; obfuscated "at"/"dot" included)."""
    folded = fold(text)
    found: list[Found] = []
    emails = [m.group(0) for m in _EMAIL.finditer(folded)]
    found += [Found(EMAIL, e) for e in emails]
    without_emails = _EMAIL.sub(" ", folded)
    urls = [m.group(0) for m in _URL.finditer(without_emails)]
    found += [Found(LINK, u) for u in urls]
    without_urls = _URL.sub(" ", without_emails)
    found += [Found(LINK, m.group(1)) for m in _DOMAIN.finditer(without_urls)]
    for m in _PHONE.finditer(without_urls):
        value = m.group(0).strip()
        if not _DATE_OR_TIME.match(value):
            found.append(Found(PHONE, value))
    return found


def host_of(link: str) -> str:
    """The host of a found link, with obfuscated dots read as dots ("example dot com" -> "example.com")."""
    plain = re.sub(_DOT, ".", link)
    m = _HOST.match(plain)
    host = m.group(1) if m else plain
    return host[4:] if host.startswith("www.") else host


def email_address(found: str) -> str:
    """A found e-mail address with obfuscated "at"/"dot" read back ("a (at) b dot com" -> "a@b.com")."""
    return re.sub(_DOT, ".", re.sub(_AT, "@", found, count=1))
