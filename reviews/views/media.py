"""The item page's media analysis: what the detector found in each image (labels and boxes over the still
blurred image), the frame times of video hits, and each transcript with the blocklist words that fired in it.
Read from the latest automod flag that carries a media analysis (`Flag.custom.media`, written by `check`)."""

from __future__ import annotations

import re
from typing import Any


def _pct(value: float, whole: int) -> float:
    return round(max(0.0, min(100.0, value * 100 / whole)), 2) if whole else 0.0


def _marked(text: str, words: list[str]) -> list[tuple[str, bool]]:
    """The transcript cut into (piece, fired) so the template can highlight the fired words (autoescaped)."""
    if not words:
        return [(text, False)]
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b",
                         re.IGNORECASE)
    pieces, at = [], 0
    for m in pattern.finditer(text):
        if m.start() > at:
            pieces.append((text[at:m.start()], False))
        pieces.append((m.group(0), True))
        at = m.end()
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def media_context(item, flags) -> dict[str, Any] | None:
    report = next((f.custom["media"] for f in flags if isinstance(f.custom, dict) and f.custom.get("media")), None)
    if not report:
        return None
    sources = item.images
    images = []
    for entry in report.get("images", []):
        w, h = entry.get("width") or 0, entry.get("height") or 0
        index = entry.get("index", 0)
        boxes = [{"label": hit["label"], "confidence": hit["confidence"], "action": hit["action"],
                  "left": _pct(hit["box"][0], w), "top": _pct(hit["box"][1], h),
                  "width": _pct(hit["box"][2], w), "height": _pct(hit["box"][3], h)}
                 for hit in entry.get("hits", [])]
        images.append({"index": index + 1, "src": sources[index] if index < len(sources) else "",
                       "labels": entry.get("labels", {}), "boxes": boxes, "error": entry.get("error", ""),
                       "source": entry.get("source", "")})
    audios = [{"index": e.get("index", 0) + 1, "source": e.get("source", ""), "error": e.get("error", ""),
               "duration": e.get("duration"), "fired_words": e.get("fired_words", []),
               "pieces": _marked(e.get("transcript", ""), e.get("fired_words", []))}
              for e in report.get("audios", [])]
    videos = [{"index": e.get("index", 0) + 1, "source": e.get("source", ""), "error": e.get("error", ""),
               "frames": e.get("frames"), "hits": e.get("hits", [])} for e in report.get("videos", [])]
    return {"images": images, "audios": audios, "videos": videos}
