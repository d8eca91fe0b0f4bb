"""Text normalisation shared by the blocklist matcher and the toxicity scorer.

What is normalised, in order (docs/policies.md repeats this list; keep the two in step):
1. Unicode compatibility folding (NFKC) and case folding: "ＳＨＩＴ", "Shit" -> "shit"; any run of whitespace
   (spaces, tabs, newlines) reads as one space.
2. Accents dropped (NFKD, combining marks removed): "shït" -> "shit".
3. Confusable letters folded: the Cyrillic and Greek look-alikes in `CONFUSABLES` -> Latin ("ѕhіt" -> "shit").
4. Separated letters joined: three or more single characters each separated by one or two of `. - _ * ~ · •`
   or spaces ("s.h.i.t", "s h i t", "f-u-c-k") become one word.
5. Leetspeak (only when the blocklist has `is_leet_check_enabled`): inside a word that contains at least one
   letter, `0 1 3 4 5 7 8 9 @ $ ! | €` read as `o i e a s t b g a s i l e`. Trailing punctuation
   (`. , ! ? ; : ' " )`) is not part of the word, so "hello!" stays "hello". Pure numbers are never touched.
6. Repeated letters: a run of three or more of the same letter is read both as one and as two of that letter
   ("shiiiit" -> "shit", "asssss" -> "ass"), so both variants are scanned.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

CONFUSABLES = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ɡ": "g", "һ": "h",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ω": "w",
})

LEET = str.maketrans({
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s", "!": "i", "|": "l", "€": "e",
})

_SEP = r"[.\-_*~·•\s]"
_UNIT = r"[^.\-_*~·•\s,;:?]"
# A unit must not touch another unit, so ordinary words ("a b cd") are left alone.
_SEPARATED = re.compile(rf"(?<![^\s])(?:{_UNIT}{_SEP}{{1,2}}){{2,}}{_UNIT}(?![^\s.,!?;:])")
_SEP_CHARS = re.compile(_SEP)
_TOKEN = re.compile(r"\S+")
_TRAILING = re.compile(r"[.,!?;:'\")]+$")
_RUN3 = re.compile(r"([^\W\d_])\1{2,}")


def fold(text: str) -> str:
    """Steps 1-3: NFKC, case fold, accents dropped, confusables folded."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        text = text.translate(CONFUSABLES)
    return text


def join_separated(text: str) -> str:
    """Step 4."""
    return _SEPARATED.sub(lambda m: _SEP_CHARS.sub("", m.group(0)), text)


def _unleet_token(match: re.Match[str]) -> str:
    token = match.group(0)
    trailing = _TRAILING.search(token)
    core, tail = (token[: trailing.start()], trailing.group(0)) if trailing else (token, "")
    if not any(ch.isalpha() for ch in core):
        return token
    return core.translate(LEET) + tail


def unleet(text: str) -> str:
    """Step 5."""
    return _TOKEN.sub(_unleet_token, text)


def repeat_variants(text: str) -> tuple[str, ...]:
    """Step 6: the text itself when no letter repeats three times, else the one- and two-letter readings."""
    if not _RUN3.search(text):
        return (text,)
    return (_RUN3.sub(r"\1", text), _RUN3.sub(r"\1\1", text))


@lru_cache(maxsize=1024)
def variants(text: str, leet: bool) -> tuple[str, ...]:
    """Every normalised reading of `text` that a matcher scans (usually exactly one).

    Cached because one check scans the same text with several blocklists and the toxicity model."""
    base = join_separated(" ".join(fold(text).split()))
    if leet:
        base = unleet(base)
    return repeat_variants(base)


def normalise_word(word: str, leet: bool) -> str:
    """A blocklist entry gets steps 1-3 and 5 (the entry is written on purpose, so no joining or repeats)."""
    folded = " ".join(fold(word).split())
    return unleet(folded) if leet else folded
