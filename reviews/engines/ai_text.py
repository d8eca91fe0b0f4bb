"""AI-text labels (INSULT, VULGARITY, HARASSMENT, THREAT, HATE_SPEECH, SEXUAL_HARASSMENT, SPAM, SCAM), each with a
severity.

The built-in labellers are what they say they are, nothing more: bands of the toxicity model's score plus
documented heuristics (docs/policies.md lists every rule; the target + intent ones for threats, hate speech and
sexual harassment live in harms.py). They are not a trained multi-label classifier.
An external labeller can be plugged in by settings (`MODERATION_AI_TEXT_URL`); its labels are merged with the
built-in ones (highest severity per label). It has a timeout and a circuit breaker: after
`MODERATION_AI_TEXT_BREAKER_FAILURES` failures in a row it is skipped for `MODERATION_AI_TEXT_BREAKER_SECONDS`,
and while it is down the built-in labels are used alone.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.request
from dataclasses import dataclass

from django.conf import settings

from . import circumvention, harms, toxicity
from .normalise import variants

logger = logging.getLogger(__name__)

SEVERITIES = ("low", "medium", "high", "critical")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
BUILTIN_LABELS = ("INSULT", "VULGARITY", "HARASSMENT", "THREAT", "HATE_SPEECH", "SEXUAL_HARASSMENT", "SPAM", "SCAM")


@dataclass(frozen=True)
class Label:
    label: str
    severity: str
    why: str


def band(score: float) -> str | None:
    """Toxicity score bands: < 0.5 none, 0.5 low, 0.7 medium, 0.85 high, 0.95 critical."""
    for floor, name in ((0.95, "critical"), (0.85, "high"), (0.7, "medium"), (0.5, "low")):
        if score >= floor:
            return name
    return None


_SECOND_PERSON = re.compile(r"\b(?:you|your|youre|you're|yours|yourself|ur|u|ya)\b")
_SELF_HARM_INCITEMENT = re.compile(r"\b(?:kys|kill\s+(?:your\s*self|urself)|go\s+die)\b")
_SPAM_PHRASES = re.compile(
    r"\b(?:buy now|click here|limited (?:time )?offer|free followers|subscribe to my|check out my|dm me for"
    r"|promo code|work from home|100% free|act now|follow for follow|f4f)\b"
)
_SCAM_PHRASES = re.compile(
    r"\b(?:send (?:me )?(?:money|bitcoin|btc|crypto|eth|usdt)|gift ?cards?|wire transfer|western union"
    r"|double your (?:money|bitcoin|btc|crypto)|guaranteed (?:profit|returns?)|verify your account"
    r"|your account (?:has been|will be) (?:suspended|locked|closed)|seed phrase|private key"
    r"|(?:verification|2fa|otp) code|investment opportunity|you(?: have)? won|claim your (?:prize|reward))\b"
)
_LONG_RUN = re.compile(r"(.)\1{9,}")


def builtin_labels(text: str, toxic_score: float | None = None) -> list[Label]:
    normalised = variants(text, True)[0]
    score = toxic_score if toxic_score is not None else toxicity.model().score_normalised(text)
    labels: list[Label] = []
    tox_band = band(score)
    directed = bool(_SECOND_PERSON.search(normalised))
    hits = harms.find(normalised)
    threat = next((h for h in hits if h.label == "THREAT"), None)
    incitement = _SELF_HARM_INCITEMENT.search(normalised)
    if tox_band:
        labels.append(Label("VULGARITY", tox_band, f"toxicity score {score:.2f} ({tox_band} band)"))
        if directed:
            labels.append(Label("INSULT", tox_band, f"toxicity score {score:.2f} addressed to 'you'"))
    if incitement or threat:
        sev = "critical" if incitement else threat.severity
        why = f"incitement {incitement.group(0)!r}" if incitement else f"threat ({threat.rule}) {threat.phrase!r}"
        labels.append(Label("THREAT", sev, why))
        labels.append(Label("HARASSMENT", sev, f"{why} aimed at someone"))
    if directed and tox_band in ("high", "critical"):
        labels.append(Label("HARASSMENT", tox_band, f"toxicity score {score:.2f} addressed to 'you'"))
    for hit in hits:
        if hit.label != "THREAT":
            labels.append(Label(hit.label, hit.severity, f"{hit.rule}: {hit.phrase!r}"))
            if hit.label == "SEXUAL_HARASSMENT":  # unwanted sexual attention is harassment of its reader
                labels.append(Label("HARASSMENT", hit.severity, f"sexual harassment ({hit.rule}): {hit.phrase!r}"))
    labels += _spam(text, normalised) + _scam(text, normalised)
    return _highest_per_label(labels)


def _highest_per_label(labels: list[Label]) -> list[Label]:
    best: dict[str, Label] = {}
    for lab in labels:
        if lab.label not in best or SEVERITY_RANK[lab.severity] > SEVERITY_RANK[best[lab.label].severity]:
            best[lab.label] = lab
    return list(best.values())


def _points_severity(points: int, scale: dict[int, str]) -> str | None:
    result = None
    for floor, name in sorted(scale.items()):
        if points >= floor:
            result = name
    return result


def _spam(text: str, normalised: str) -> list[Label]:
    reasons, points = [], 0
    links = [f for f in circumvention.find(text) if f.label == circumvention.LINK]
    if len(links) >= 3:
        points, reasons = points + 2, [*reasons, f"{len(links)} links"]
    words = re.findall(r"\w+", normalised)
    if len(words) >= 6:
        top = max(words.count(w) for w in set(words))
        if top >= 4 and top * 2 >= len(words):
            points, reasons = points + 2, [*reasons, "one word repeated over half the message"]
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 10 and sum(c.isupper() for c in letters) >= 0.7 * len(letters):
        points, reasons = points + 1, [*reasons, "mostly capitals"]
    phrases = _SPAM_PHRASES.findall(normalised)
    if phrases:
        points, reasons = points + 2 * len(phrases), [*reasons, f"spam phrases {phrases!r}"]
    if _LONG_RUN.search(text):
        points, reasons = points + 1, [*reasons, "a character repeated 10+ times"]
    sev = _points_severity(points, {2: "low", 3: "medium", 4: "high", 6: "critical"})
    return [Label("SPAM", sev, f"{points} spam points: " + ", ".join(reasons))] if sev else []


def _scam(text: str, normalised: str) -> list[Label]:
    phrases = _SCAM_PHRASES.findall(normalised)
    if not phrases:
        return []
    points = 2 * len(phrases)
    contact = [f.label for f in circumvention.find(text)]
    if contact:
        points += 1
    sev = _points_severity(points, {2: "medium", 3: "high", 5: "critical"})
    extra = f" plus contact details ({', '.join(sorted(set(contact)))})" if contact else ""
    return [Label("SCAM", sev or "medium", f"scam phrases {phrases!r}{extra}")]


class CircuitBreaker:
    """Closed -> open after `failures` failures in a row; open for `cooldown` seconds, then one trial call."""

    def __init__(self, failures: int, cooldown: float) -> None:
        self.failures, self.cooldown = failures, cooldown
        self._count, self._opened_at = 0, 0.0
        self._lock = threading.Lock()

    def allow(self) -> bool:
        with self._lock:
            if self._count < self.failures:
                return True
            return time.monotonic() - self._opened_at >= self.cooldown

    def success(self) -> None:
        with self._lock:
            self._count = 0

    def failure(self) -> None:
        with self._lock:
            self._count += 1
            if self._count >= self.failures:
                self._opened_at = time.monotonic()


_breakers: dict[str, CircuitBreaker] = {}


def breaker_for(url: str) -> CircuitBreaker:
    breaker = _breakers.get(url)
    if breaker is None:
        breaker = _breakers.setdefault(url, CircuitBreaker(
            settings.MODERATION_AI_TEXT_BREAKER_FAILURES, settings.MODERATION_AI_TEXT_BREAKER_SECONDS))
    return breaker


def external_labels(texts: list[str]) -> list[Label] | None:
    """Labels from the external labeller, or None when none is set, it failed, or its breaker is open."""
    url = settings.MODERATION_AI_TEXT_URL
    if not url:
        return None
    breaker = breaker_for(url)
    if not breaker.allow():
        return None
    request = urllib.request.Request(url, data=json.dumps({"texts": texts}).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=settings.MODERATION_AI_TEXT_TIMEOUT) as response:
            body = json.loads(response.read())
        labels = [Label(str(x["label"]).upper(), str(x["severity"]).lower(), "external labeller")
                  for x in body.get("labels") or []]
        if any(x.severity not in SEVERITY_RANK for x in labels):
            raise ValueError("unknown severity in the labeller's answer")
    except Exception as exc:  # noqa: BLE001 - any failure of the labeller falls back to the built-in labels
        logger.warning("external AI-text labeller failed: %s", exc)
        breaker.failure()
        return None
    breaker.success()
    return labels


def known_labels() -> set[str]:
    extra = settings.MODERATION_AI_TEXT_LABELS if settings.MODERATION_AI_TEXT_URL else []
    return {*BUILTIN_LABELS, *(x.upper() for x in extra)}


def label_texts(texts: list[str], toxic_scores: list[float] | None = None) -> list[Label]:
    """Highest-severity label of each kind over all texts (built-in, merged with the external labeller)."""
    found = [lab for i, t in enumerate(texts)
             for lab in builtin_labels(t, toxic_scores[i] if toxic_scores else None)]
    found += external_labels(texts) or []
    return _highest_per_label(found)
