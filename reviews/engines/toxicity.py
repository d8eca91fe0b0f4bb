"""The `toxic` label: alt-profanity-check's offensive-language probability, without its per-call overhead.

The shipped model is a TF-IDF vectoriser feeding a CalibratedClassifierCV of five LinearSVCs with sigmoid
calibration; `predict_prob` averages the five calibrated probabilities. Going through scikit-learn costs
~3 ms a call in fixed overhead (input validation, sparse matrix construction), so the weights are read once into
a dict `token -> (idf, five coefficients)` and the same arithmetic runs in plain Python on the few tokens of a
message (tens of microseconds). tests/engines/test_toxicity.py checks the result equals `predict_prob` to 1e-6.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable

from .normalise import variants

LABEL = "toxic"


class ToxicityModel:
    def __init__(self) -> None:
        from profanity_check import profanity_check as pc  # loads the joblib files once

        vectorizer, model = pc.vectorizer, pc.model
        if model.method != "sigmoid" or list(model.classes_) != [0, 1]:
            raise RuntimeError("alt-profanity-check's model is not the sigmoid-calibrated binary model we expect")
        self._analyze: Callable[[str], list[str]] = vectorizer.build_analyzer()
        estimators = [c.estimator for c in model.calibrated_classifiers_]
        self._intercepts = tuple(float(e.intercept_[0]) for e in estimators)
        self._calibration = tuple((float(c.calibrators[0].a_), float(c.calibrators[0].b_))
                                  for c in model.calibrated_classifiers_)
        coefs = [e.coef_[0] for e in estimators]
        idf = vectorizer.idf_
        self._weights: dict[str, tuple[float, tuple[float, ...]]] = {
            token: (float(idf[i]), tuple(float(c[i]) for c in coefs)) for token, i in vectorizer.vocabulary_.items()
        }

    def score(self, text: str) -> float:
        """Probability (0-1) that `text` is offensive; equals alt-profanity-check's `predict_prob([text])[0]`."""
        counts = Counter(t for t in self._analyze(text) if t in self._weights)
        n = len(self._intercepts)
        sums = [0.0] * n
        norm_sq = 0.0
        for token, count in counts.items():
            idf, coefs = self._weights[token]
            w = count * idf
            norm_sq += w * w
            for k in range(n):
                sums[k] += w * coefs[k]
        norm = math.sqrt(norm_sq) or 1.0
        total = 0.0
        for k in range(n):
            a, b = self._calibration[k]
            decision = sums[k] / norm + self._intercepts[k]
            total += 1.0 / (1.0 + math.exp(a * decision + b))
        return total / n

    def score_normalised(self, text: str) -> float:
        """The highest score over the text as written and its normalised readings, so "sh1t" scores like
        "shit" while normalisation can never lower a score."""
        best = self.score(text)
        for variant in variants(text, True):
            if variant != text:
                best = max(best, self.score(variant))
        return best


_model: ToxicityModel | None = None
_lock = threading.Lock()


def model() -> ToxicityModel:
    """The process-wide model, loaded on first use (about half a second, once)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = ToxicityModel()
    return _model
