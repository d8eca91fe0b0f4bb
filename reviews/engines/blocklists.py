"""Blocklist matching: one compiled matcher per blocklist, cached by (id, updated_at).

Word lists compile to an Aho-Corasick automaton (pyahocorasick) over normalised entries, so a message is scanned
once whatever the list's size. Whole words by default: a hit counts only when the characters on both sides are not
letters or digits ("hell" does not match inside "hello"); `match_substring` drops that check. Regex, domain and
e-mail lists are matched with their own rules (see `CompiledBlocklist.find`).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime

import ahocorasick

from . import circumvention
from .normalise import fold, normalise_word, variants

MAX_WORDS = 20000
MAX_WORD_LENGTH = 200


@dataclass(frozen=True)
class Hit:
    blocklist: str
    entry: str  # the blocklist entry as written
    matched: str  # what matched, after normalisation


class CompiledBlocklist:
    def __init__(self, *, name: str, type: str, words: list[str], leet: bool = True, plural: bool = True,
                 substring: bool = False) -> None:
        self.name, self.type, self.leet, self.substring = name, type, leet, substring
        self._automaton: ahocorasick.Automaton | None = None
        self._regexes: list[tuple[str, re.Pattern[str]]] = []
        self._entries: list[str] = []
        if type == "word":
            automaton = ahocorasick.Automaton()
            for word in words:
                key = normalise_word(word, leet)
                if not key:
                    continue
                forms = [key]
                if plural and key[-1].isalpha():
                    forms += [key + "s", key + "es"]
                for form in forms:
                    # The first entry wins a clash, so a hit reports the entry a person wrote, not a plural.
                    if form not in automaton:
                        automaton.add_word(form, (word, form))
            if len(automaton):
                automaton.make_automaton()
                self._automaton = automaton
        elif type == "regex":
            self._regexes = [(w, re.compile(w, re.IGNORECASE)) for w in words]
        else:
            self._entries = [fold(w).strip() for w in words if w.strip()]

    def find(self, text: str, *, substring: bool = False) -> list[Hit]:
        if self.type == "word":  # the list's own is_substring_matching_enabled, or the config's match_substring
            return self._find_words(text, substring or self.substring)
        if self.type == "regex":
            folded = fold(text)
            return [Hit(self.name, src, m.group(0)) for src, rx in self._regexes if (m := rx.search(folded))]
        found = circumvention.find(text)
        if self.type == "domain":
            hosts = [circumvention.host_of(f.value) for f in found if f.label == circumvention.LINK]
            hosts += [circumvention.email_address(f.value).rsplit("@", 1)[-1] for f in found
                      if f.label == circumvention.EMAIL]
            return [Hit(self.name, d, h) for h in hosts for d in self._entries if h == d or h.endswith("." + d)]
        addresses = [circumvention.email_address(f.value) for f in found if f.label == circumvention.EMAIL]
        return [Hit(self.name, e, a) for a in addresses for e in self._entries
                if a == e or (e.startswith("@") and a.endswith(e))]

    def _find_words(self, text: str, substring: bool) -> list[Hit]:
        if self._automaton is None:
            return []
        hits: dict[str, Hit] = {}
        for variant in variants(text, self.leet):
            for end, (entry, key) in self._automaton.iter(variant):
                if entry in hits:
                    continue
                start = end - len(key) + 1
                if not substring and (
                    (start > 0 and variant[start - 1].isalnum())
                    or (end + 1 < len(variant) and variant[end + 1].isalnum())
                ):
                    continue
                hits[entry] = Hit(self.name, entry, variant[start : end + 1])
        return list(hits.values())


_cache: dict[int, tuple[datetime, CompiledBlocklist]] = {}
_cache_lock = threading.Lock()


def compiled(blocklist) -> CompiledBlocklist:
    """The compiled matcher for a Blocklist row, rebuilt only when its `updated_at` moved."""
    cached = _cache.get(blocklist.pk)
    if cached is not None and cached[0] == blocklist.updated_at:
        return cached[1]
    matcher = CompiledBlocklist(
        name=blocklist.name, type=blocklist.type, words=list(blocklist.words or []),
        leet=blocklist.is_leet_check_enabled, plural=blocklist.is_plural_check_enabled,
        substring=blocklist.is_substring_matching_enabled,
    )
    with _cache_lock:
        _cache[blocklist.pk] = (blocklist.updated_at, matcher)
    return matcher


def forget(blocklist_id: int) -> None:
    with _cache_lock:
        _cache.pop(blocklist_id, None)
