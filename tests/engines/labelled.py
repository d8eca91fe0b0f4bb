"""The labelled text set (tests/engines/data/) and how the built-in AI-text labellers are scored on it.

Four splits written by hand for issue 18: `dev`, tuned on from the start; `heldout`, written first, measured blind
after the first round of heuristics and read for the second; `heldout2`, written before the second round, measured
blind after it and read for the third; `heldout3`, written before the third round and never read or tuned on
(docs/policies.md has the figures). Categories: `threat` (threats without profanity),
`identity_hate` (hate against a group without slurs), `sexual_harassment`, and `harmless` look-alikes (news about
threats, "I'll kill it at the gym", discussions of identity, sexual-health questions, compliments, gaming talk).

A harmful line is *caught* when the labeller gives its category's label (`TARGET_LABEL`); it is *flagged* when it gets
any label at all. A harmless line is a false positive when it gets any label. Print the figures with
`python -m tests.engines.labelled [--split dev] [--misses]`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).parent / "data"
SPLITS = ("dev", "heldout", "heldout2", "heldout3")
HARMFUL = ("threat", "identity_hate", "sexual_harassment")
TARGET_LABEL = {"threat": "THREAT", "identity_hate": "HATE_SPEECH", "sexual_harassment": "SEXUAL_HARASSMENT"}


def load(split: str) -> list[dict[str, str]]:
    with open(DATA / f"labelled_text_{split}.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@dataclass
class Figures:
    total: dict[str, int]
    caught: dict[str, int]  # harmful lines given their category's label
    flagged: dict[str, int]  # lines given any label (for harmless: the false positives)
    harm_flagged: int  # harmless lines given THREAT, HATE_SPEECH or SEXUAL_HARASSMENT (the heuristics' own mistakes)
    misses: list[tuple[str, str, set[str]]]  # (category, text, labels) of every line scored wrongly

    def recall(self, category: str) -> float:
        return self.caught[category] / self.total[category]

    def flagged_rate(self, category: str) -> float:
        return self.flagged[category] / self.total[category]

    def lines(self) -> list[str]:
        out = [f"{c}: caught {self.caught[c]}/{self.total[c]} ({self.recall(c):.0%}), any label "
               f"{self.flagged[c]}/{self.total[c]} ({self.flagged_rate(c):.0%})" for c in HARMFUL]
        out.append(f"harmless: false positives {self.flagged['harmless']}/{self.total['harmless']} "
                   f"({self.flagged_rate('harmless'):.1%}), of which THREAT/HATE_SPEECH/SEXUAL_HARASSMENT "
                   f"{self.harm_flagged}")
        return out


def measure(split: str) -> Figures:
    from reviews.engines.ai_text import builtin_labels

    cats = (*HARMFUL, "harmless")
    fig = Figures({c: 0 for c in cats}, {c: 0 for c in cats}, {c: 0 for c in cats}, 0, [])
    for row in load(split):
        cat, text = row["category"], row["text"]
        labels = {lab.label for lab in builtin_labels(text)}
        fig.total[cat] += 1
        fig.flagged[cat] += bool(labels)
        if cat == "harmless":
            if labels:
                fig.misses.append((cat, text, labels))
            fig.harm_flagged += bool(labels & set(TARGET_LABEL.values()))
        elif TARGET_LABEL[cat] in labels:
            fig.caught[cat] += 1
        else:
            fig.misses.append((cat, text, labels))
    return fig


if __name__ == "__main__":
    import argparse
    import os

    import django

    parser = argparse.ArgumentParser(prog="python -m tests.engines.labelled")
    parser.add_argument("--split", choices=SPLITS, help="only this split (tune on dev without seeing held-out)")
    parser.add_argument("--misses", action="store_true", help="also list the lines scored wrongly")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "moderation_site.settings.test")
    django.setup()
    for split in [args.split] if args.split else SPLITS:
        figures = measure(split)
        print(f"== {split} ({sum(figures.total.values())} lines)")
        print("\n".join("  " + line for line in figures.lines()))
        if args.misses:
            for cat, text, labels in figures.misses:
                print(f"  MISS {cat:17} {sorted(labels)!s:40} {text}")
    # What the labellers cost per line (toxicity model included; one warm pass first). Printed, never asserted.
    import time

    from reviews.engines.ai_text import builtin_labels

    texts = [row["text"] for split in SPLITS for row in load(split)]
    for text in texts:
        builtin_labels(text)
    samples = []
    for _ in range(5):
        for text in texts:
            t0 = time.perf_counter()
            builtin_labels(text)
            samples.append(time.perf_counter() - t0)
    samples.sort()
    print(f"builtin_labels per line: p50 {samples[len(samples) // 2] * 1e3:.3f} ms, "
          f"p99 {samples[int(len(samples) * 0.99)] * 1e3:.3f} ms ({len(samples)} calls)")
