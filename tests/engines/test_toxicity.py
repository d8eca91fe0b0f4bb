import random

import pytest
from profanity_check import predict_prob

from reviews.engines.toxicity import model

SAMPLE = [
    "you are an idiot", "go to hell", "have a nice day", "sh1t", "", "the the and of",
    "Fuck off you moron!!", "I love cats and dogs", "what a stupid stupid stupid idea",
    "Meeting moved to 3pm, bring the slides", "shut up loser", "ÜBER cool café",
]


def test_scores_equal_alt_profanity_checks_predict_prob():
    rng = random.Random(4)
    vocab = list(model()._weights)
    sample = SAMPLE + [" ".join(rng.choices(vocab, k=rng.randint(1, 30))) for _ in range(200)]
    expected = predict_prob(sample)
    for text, want in zip(sample, expected, strict=True):
        assert model().score(text) == pytest.approx(want, abs=1e-6), text


def test_normalised_score_catches_leetspeak_and_never_lowers_a_score():
    m = model()
    assert m.score("sh1t") < 0.5 < m.score_normalised("sh1t")
    for text in SAMPLE:
        assert m.score_normalised(text) >= m.score(text)
