"""The built-in AI-text labellers measured on the hand-written labelled set (tests/engines/labelled.py).

The floors are the figures reached when the heuristics were written, less a small margin (docs/policies.md has the
figures): a change that loses recall on the held-out split, or flags more harmless look-alikes, fails here."""

from __future__ import annotations

import pytest

from reviews.engines.ai_text import builtin_labels, known_labels
from tests.engines.labelled import HARMFUL, SPLITS, TARGET_LABEL, load, measure

# (recall floor per category, ceiling on harmless lines with any label, most harmless lines with a heuristic label)
# per split: what was reached minus about one line of recall, plus about one line of false positives. The later
# splits were written before the round of heuristics that first saw them (docs/policies.md tells the story).
FLOORS = {
    # Written before the third round of heuristics and never tuned on: the honest figure. Reached: threat 5/26,
    # identity hate 17/26, sexual harassment 13/26; 4/64 harmless with any label, 0 with a heuristic label.
    # (Before this work: 0/26, 0/26, 0/26 (no such labels); 4/64, 0.)
    "heldout3": ({"threat": 0.15, "identity_hate": 0.61, "sexual_harassment": 0.46}, 0.08, 1),
    # Written before the second round; blind it gave 4/26, 13/26, 3/26 (before this work 2/26, 0/26, 0/26); its misses
    # were read for the third round: 23/26, 26/26, 26/26; 3/64, 0.
    "heldout2": ({"threat": 0.84, "identity_hate": 0.96, "sexual_harassment": 0.96}, 0.07, 1),
    # Written first; blind after the first round 12/26, 22/26, 17/26; read for the second round: 25/26 each; 3/64, 0.
    "heldout": ({"threat": 0.92, "identity_hate": 0.92, "sexual_harassment": 0.92}, 0.07, 1),
    # Tuned on from the start: 39/40, 40/40, 37/40; 6/100, 0.
    "dev": ({"threat": 0.92, "identity_hate": 0.95, "sexual_harassment": 0.87}, 0.08, 1),
}


def test_the_set_is_big_enough_and_the_splits_do_not_overlap():
    rows = [row for split in SPLITS for row in load(split)]
    texts = [row["text"] for row in rows]
    assert len(texts) == len(set(texts))
    for category in HARMFUL:
        assert sum(row["category"] == category for row in rows) >= 60
        assert sum(row["category"] == category for row in load("heldout3")) >= 25
    assert sum(row["category"] == "harmless" for row in rows) >= 150
    assert set(TARGET_LABEL.values()) <= known_labels()


@pytest.mark.parametrize("split", SPLITS)
def test_recall_and_false_positives_stay_at_their_measured_levels(split):
    floors, ceiling, harm_false_positives = FLOORS[split]
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
    "I'll beat you to the finish line tomorrow morning",  # a soft verb that does not end on the person
    "I will find you at the airport, which terminal?",
    "What are you wearing to the party tonight?",
    "I'll see you outside the cinema at 8, don't be late.",
    "Immigrants are the backbone of our hospitals.",
])
def test_look_alikes_get_no_harm_label(text):
    assert not set(labels(text)) & {"THREAT", "HATE_SPEECH", "SEXUAL_HARASSMENT"}


def test_sexual_harassment_is_also_harassment_and_pressure_raises_its_severity():
    plain = labels("I'd love to taste you.")
    pressed = labels("Sleep with me and the job is yours.")
    assert plain["SEXUAL_HARASSMENT"] == plain["HARASSMENT"] == "medium"
    assert pressed["SEXUAL_HARASSMENT"] == "high"
