"""The built-in AI-text labellers measured on the hand-written labelled set (tests/engines/labelled.py).

The floors are the figures reached when the heuristics were written, less a small margin (docs/policies.md has the
figures): a change that loses recall on the held-out split, or flags more harmless look-alikes, fails here."""

from __future__ import annotations

import pytest

from reviews.engines.ai_text import builtin_labels, known_labels
from tests.engines.labelled import HARMFUL, TARGET_LABEL, load, measure

# Reached (held-out: threat 12/26, identity hate 22/26, sexual harassment 17/26; 4/64 harmless lines given any
# label, 1 of them a THREAT/HATE_SPEECH/SEXUAL_HARASSMENT label) minus ~5 points of recall, plus a line or two of
# false positives. Before this work the same split gave 0/26, 0/26, 0/26 (those labels did not exist) and 5/64.
HELDOUT_RECALL_FLOOR = {"threat": 0.40, "identity_hate": 0.80, "sexual_harassment": 0.60}
HELDOUT_FALSE_POSITIVE_CEILING = 0.08  # any label, the toxicity bands' included
HELDOUT_HARM_FALSE_POSITIVES = 2  # harmless lines given one of the three heuristic labels
# Dev (the split the heuristics were tuned on): 39/40, 40/40, 37/40; 6/100 harmless with any label, 0 with a
# heuristic label.
DEV_RECALL_FLOOR = {"threat": 0.92, "identity_hate": 0.95, "sexual_harassment": 0.87}
DEV_FALSE_POSITIVE_CEILING = 0.08
DEV_HARM_FALSE_POSITIVES = 1


def test_the_set_is_big_enough_and_the_splits_do_not_overlap():
    dev, heldout = load("dev"), load("heldout")
    texts = [row["text"] for row in dev + heldout]
    assert len(texts) == len(set(texts))
    for category in HARMFUL:
        assert sum(row["category"] == category for row in dev + heldout) >= 60
    assert sum(row["category"] == "harmless" for row in dev + heldout) >= 150
    assert 0.35 <= len(heldout) / len(texts) <= 0.45
    assert set(TARGET_LABEL.values()) <= known_labels()


@pytest.mark.parametrize(("split", "floors", "ceiling", "harm_false_positives"), [
    ("heldout", HELDOUT_RECALL_FLOOR, HELDOUT_FALSE_POSITIVE_CEILING, HELDOUT_HARM_FALSE_POSITIVES),
    ("dev", DEV_RECALL_FLOOR, DEV_FALSE_POSITIVE_CEILING, DEV_HARM_FALSE_POSITIVES),
])
def test_recall_and_false_positives_stay_at_their_measured_levels(split, floors, ceiling, harm_false_positives):
    figures = measure(split)
    report = "\n".join(figures.lines())
    for category, floor in floors.items():
        assert figures.recall(category) >= floor, f"{split}: {category} recall fell\n{report}"
    assert figures.flagged_rate("harmless") <= ceiling, f"{split}: more harmless lines flagged\n{report}"
    assert figures.harm_flagged <= harm_false_positives, f"{split}: more harmless lines given a harm label\n{report}"


def labels(text: str) -> dict[str, str]:
    return {lab.label: lab.severity for lab in builtin_labels(text)}


@pytest.mark.parametrize(("text", "label", "rule"), [
    ("I'm going to put you in a wheelchair.", "THREAT", "first-person-harm"),
    ("i know where you work. see you at 5.", "THREAT", "knows-where-you-are"),
    ("Your daughter walks home alone on Tuesdays, doesn't she?", "THREAT", "family-targeted"),
    ("I hope someone stabs you on your way home.", "THREAT", "wish-harm"),
    ("Immigrants should be shot at the border.", "HATE_SPEECH", "group-violence"),
    ("Those foreigners are vermin polluting our neighbourhood.", "HATE_SPEECH", "group-dehumanised"),
    ("Muslims don't belong in civilised countries.", "HATE_SPEECH", "group-excluded"),
    ("Send me pics of you in your bikini.", "SEXUAL_HARASSMENT", "asks-for-sexual-images"),
    ("What's your bra size?", "SEXUAL_HARASSMENT", "orders-undressing"),
    ("I'd love to taste you.", "SEXUAL_HARASSMENT", "wants-sexual-contact"),
])
def test_each_heuristic_names_itself_in_why(text, label, rule):
    found = {lab.label: lab for lab in builtin_labels(text)}
    assert label in found and rule in found[label].why


@pytest.mark.parametrize("text", [
    "I'm going to destroy you in this match, get ready lol",  # a contest: figurative
    "I'll find you a better deal on that laptop, give me a day.",  # "find you a ...": give-like, not a threat
    "I'm going to shoot you an email with the details.",
    "Watch your back foot on the serve, it's drifting.",
    "The museum exhibit shows how Nazi posters called Jews vermin.",  # reported, not asserted
    "Not all Muslims are terrorists, obviously.",
    "Is it safe to have sex during pregnancy?",  # a health question
    "Send me a photo of the damage and I'll forward it to the insurer.",
])
def test_look_alikes_get_no_harm_label(text):
    assert not set(labels(text)) & {"THREAT", "HATE_SPEECH", "SEXUAL_HARASSMENT"}


def test_sexual_harassment_is_also_harassment_and_pressure_raises_its_severity():
    plain = labels("I'd love to taste you.")
    pressed = labels("Sleep with me and the job is yours.")
    assert plain["SEXUAL_HARASSMENT"] == plain["HARASSMENT"] == "medium"
    assert pressed["SEXUAL_HARASSMENT"] == "high"
