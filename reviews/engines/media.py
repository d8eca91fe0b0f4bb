"""Media engines in a policy: their config blocks (validated here, called from policy.validate_blocks), and a
check's analysis of `moderation_payload.images`, `.videos` and `.audios`.

- Images: `ai_image_config`, and `aws_rekognition_config` / `google_vision_config` mapped onto the same local
  detector (reviews/engines/images.py). Rules `{label, action, min_confidence}` (min_confidence in percent,
  0-100, as Rekognition's; 50 when left out).
- Video: `ai_video_config`, the same rules over sampled frames (reviews/engines/video.py).
- Audio: `ai_audio_config` ({enabled, profile, rules, severity_rules} like ai_text_config): audio is transcribed
  (reviews/engines/audio.py), the transcript goes through every text engine of the policy, and the block's own
  rules apply the AI-text labels to the transcript.
- Calls: `video_call_rule_config` says what a call-speech verdict does to the speaker (see `call_actions`).

Every media item is analysed on its own: a fetch or decode problem is reported for that item (`error`) and the
rest of the check goes on. Nothing here raises for bad media; only a bad config is a 400.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from reviews.errors import ModerationError

from . import images
from .media_fetch import MediaError, describe, fetch

log = logging.getLogger(__name__)

AI_IMAGE, REKOGNITION, GOOGLE_VISION = "ai_image_config", "aws_rekognition_config", "google_vision_config"
AI_VIDEO, AI_AUDIO, CALL_RULES = "ai_video_config", "ai_audio_config", "video_call_rule_config"
IMAGE_ENGINES = (AI_IMAGE, REKOGNITION, GOOGLE_VISION)
ENGINES = (*IMAGE_ENGINES, AI_VIDEO, AI_AUDIO, CALL_RULES)
DEFAULT_MIN_CONFIDENCE = 50.0
# google_vision_config carries only `enabled` in Stream's SDK: these rules apply when it gives none.
GOOGLE_DEFAULT_RULES = ({"label": "Explicit Nudity", "action": "flag", "min_confidence": 70.0},
                        {"label": "Suggestive", "action": "flag", "min_confidence": 70.0})

# video_call_rule_config: what each call-speech verdict may do to the speaker besides the default.
CALL_VERDICTS = ("flag", "remove", "shadow_block")
CALL_ACTIONS = {"flag": ("mute_audio",), "remove": ("kick", "block", "ban"), "shadow_block": ("kick", "block", "ban")}
_CALL_RULE_UNSUPPORTED = ("cooldown_period", "severity", "threshold")
_CALL_STEP_UNSUPPORTED = ("blur", "cooldown_period", "threshold", "time_window", "warning", "warning_text")


# --- validation ------------------------------------------------------------------------------------------------

def _min_confidence(rule: dict[str, Any], path: str) -> float:
    value = rule.get("min_confidence")
    if value is None:
        return DEFAULT_MIN_CONFIDENCE
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not 0 <= value <= 100:
        raise ModerationError.invalid(f"{path}.min_confidence", "must be a percentage from 0 to 100")
    return float(value)


def _image_rules(block: dict[str, Any], path: str, *, google: bool = False) -> list[dict[str, Any]]:
    from . import policy as P

    out = []
    for i, rule in enumerate(P._rules(block, path)):
        where = f"{path}.rules[{i}]"
        label, why = images.canonical_label(rule.get("label"), google=google)
        if label is None:
            raise ModerationError.invalid(f"{where}.label", why)
        if rule.get("subclassifications"):
            raise ModerationError.invalid(f"{where}.subclassifications", "is not supported; name a second-level "
                                          "label (e.g. 'Barechested Male') or a detector class as the rule's label")
        out.append({"label": label, "action": P._action(rule, where),
                    "min_confidence": _min_confidence(rule, where)})
    return out


def _call_rules(block: dict[str, Any], path: str) -> list[dict[str, Any]]:
    from . import policy as P

    for name in ("flag_all_labels", "flagged_labels"):
        if block.get(name):
            raise ModerationError.invalid(f"{path}.{name}", "is not supported; call-speech verdicts come from the "
                                          "policy's text and audio engines")
    out = []
    for i, rule in enumerate(P._rules(block, path)):
        where = f"{path}.rules[{i}]"
        for name in _CALL_RULE_UNSUPPORTED:
            if rule.get(name) is not None:
                raise ModerationError.invalid(f"{where}.{name}", "is not supported by this server")
        verdicts = rule.get("harm_types")
        if not isinstance(verdicts, list) or not verdicts or any(v not in CALL_VERDICTS for v in verdicts):
            raise ModerationError.invalid(f"{where}.harm_types", "must list the check verdicts this rule acts on: "
                                          + ", ".join(CALL_VERDICTS))
        steps = rule.get("action_sequences")
        if not isinstance(steps, list) or not steps:
            raise ModerationError.invalid(f"{where}.action_sequences", "must list at least one {action}")
        actions = []
        for j, step in enumerate(steps):
            step = P._obj(step, f"{where}.action_sequences[{j}]")
            for name in _CALL_STEP_UNSUPPORTED:
                if step.get(name) is not None:
                    raise ModerationError.invalid(f"{where}.action_sequences[{j}].{name}",
                                                  "is not supported by this server")
            action = step.get("action")
            allowed = sorted({a for v in verdicts for a in CALL_ACTIONS[v]})
            bad = [v for v in verdicts if action not in CALL_ACTIONS[v]]
            if bad:
                raise ModerationError.invalid(
                    f"{where}.action_sequences[{j}].action",
                    f"{action!r} cannot follow a {bad[0]!r} verdict; use one of "
                    + ", ".join(a for a in allowed if all(a in CALL_ACTIONS[v] for v in verdicts)))
            actions.append({"action": action})
        out.append({"harm_types": list(dict.fromkeys(verdicts)), "action_sequences": actions})
    return out


def validate_block(name: str, block: dict[str, Any]) -> dict[str, Any]:
    """The clean form of one media block (already known to be an object), or ModerationError."""
    from . import policy as P

    if name == AI_AUDIO:
        out = P.validate_blocks({P.AI_TEXT: block})[P.AI_TEXT]  # the same shape as ai_text_config
        out.setdefault("profile", "")
        return out
    out = P._flags(block, name)
    if name == CALL_RULES:
        out["rules"] = _call_rules(block, name)
        return out
    if name == AI_IMAGE and block.get("ocr_rules"):
        raise ModerationError.invalid(f"{name}.ocr_rules", "text in images (OCR) is not supported by this server")
    if name == AI_VIDEO and block.get("provider") is not None:
        if not isinstance(block["provider"], str):
            raise ModerationError.invalid(f"{name}.provider", "must be a string")
        out["provider"] = block["provider"]  # recorded; every provider maps onto the local detector
    out["rules"] = _image_rules(block, name, google=name == GOOGLE_VISION)
    if name == GOOGLE_VISION and block.get("rules") is None:
        out["rules"] = [dict(r) for r in GOOGLE_DEFAULT_RULES]
    return out


def call_actions(blocks: dict[str, Any], verdict: str) -> set[str]:
    """What `video_call_rule_config` adds for this verdict: {"mute_audio"} for flag, a subset of
    {"kick", "block", "ban"} for remove / shadow_block (a kick happens for those in any case)."""
    block = blocks.get(CALL_RULES) or {}
    if not block.get("enabled", True):
        return set()
    return {step["action"] for rule in block.get("rules") or [] if verdict in rule["harm_types"]
            for step in rule["action_sequences"]}


# --- analysis --------------------------------------------------------------------------------------------------

def _enabled(blocks: dict[str, Any], name: str, *, needs_rules: bool = True) -> dict[str, Any] | None:
    block = blocks.get(name)
    if not block or not block.get("enabled", True):
        return None
    return block if block.get("rules") or not needs_rules else None


def wanted(blocks: dict[str, Any], payload: dict[str, Any]) -> dict[str, bool]:
    """Which kinds of media this check will analyse."""
    return {
        "images": bool(payload.get("images")) and any(_enabled(blocks, n) for n in IMAGE_ENGINES),
        "videos": bool(payload.get("videos")) and bool(_enabled(blocks, AI_VIDEO)),
        "audios": bool(payload.get("audios")) and bool(_enabled(blocks, AI_AUDIO, needs_rules=False)),
    }


def needs_analysis(blocks: dict[str, Any], payload: dict[str, Any]) -> bool:
    return any(wanted(blocks, payload).values())


def is_async(blocks: dict[str, Any]) -> bool:
    """A media block asks for asynchronous analysis (`async: true`)."""
    return any(bool((blocks.get(n) or {}).get("async")) for n in (*IMAGE_ENGINES, AI_VIDEO, AI_AUDIO))


@dataclass
class Analysis:
    report: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    fired: list = field(default_factory=list)  # FiredRule
    transcripts: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return self.report


def _fired(engine: str, rule: dict[str, Any], confidence: float, det: images.Detection, where: str):
    from .policy import ACTION_SEVERITY, FiredRule

    return FiredRule(
        f"{engine}/{rule['label']}", engine, rule["label"], rule["action"], ACTION_SEVERITY[rule["action"]],
        f"{where}: {rule['label']} {confidence:.0f}% >= {rule['min_confidence']:g}% ({det.cls} at x={det.box[0]} "
        f"y={det.box[1]} {det.box[2]}x{det.box[3]})")


def _item(kind: str, index: int, ref: str, limit: int) -> dict[str, Any] | None:
    entry: dict[str, Any] = {"index": index, "source": describe(ref)}
    if index >= limit:
        entry["error"] = f"not analysed: at most {limit} {kind} per check (MODERATION_MEDIA_MAX_ITEMS)"
    return entry


def _guard(entry: dict[str, Any], work) -> None:
    """Run one item's analysis; its failure is reported on the item, never raised."""
    try:
        work()
    except MediaError as exc:
        entry["error"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - a model or codec failure must not fail the whole check.
        log.exception("media analysis failed for %s", entry.get("source"))
        entry["error"] = f"analysis failed: {exc.__class__.__name__}"


def analyse(blocks: dict[str, Any], payload: dict[str, Any]) -> Analysis:
    """Fetch and analyse the payload's media for the policy `blocks`. Heavy: runs the models."""
    result = Analysis()
    kinds = wanted(blocks, payload)
    limit = settings.MODERATION_MEDIA_MAX_ITEMS
    if kinds["images"]:
        engines = [(n, b) for n in IMAGE_ENGINES if (b := _enabled(blocks, n))]
        result.report["images"] = []
        for i, ref in enumerate(payload["images"]):
            entry = _item("images", i, ref, limit)
            result.report["images"].append(entry)
            if "error" in entry:
                continue

            def work(entry=entry, ref=ref, i=i, engines=engines):
                dets, (w, h) = images.detect(fetch(ref, "image"))
                entry.update(width=w, height=h, detections=[d.as_dict() for d in dets],
                             labels={k: round(v[0], 1) for k, v in images.label_confidences(dets).items()}, hits=[])
                for name, block in engines:
                    for rule, conf, det in images.matching_rules(block["rules"], dets):
                        result.fired.append(_fired(name, rule, conf, det, f"image {i + 1}"))
                        entry["hits"].append({"engine": name, "label": rule["label"], "confidence": round(conf, 1),
                                              "action": rule["action"], "box": list(det.box), "class": det.cls})

            _guard(entry, work)
    if kinds["videos"]:
        from . import video

        block = _enabled(blocks, AI_VIDEO)
        result.report["videos"] = []
        for i, ref in enumerate(payload["videos"]):
            entry = _item("videos", i, ref, limit)
            result.report["videos"].append(entry)
            if "error" in entry:
                continue

            def work(entry=entry, ref=ref, i=i):
                sampled = video.detect(fetch(ref, "video"))
                entry.update(frames=len(sampled), hits=[])
                first: dict[str, tuple] = {}
                for t, dets in sampled:
                    for rule, conf, det in images.matching_rules(block["rules"], dets):
                        entry["hits"].append({"time": t, "label": rule["label"], "confidence": round(conf, 1),
                                              "action": rule["action"], "box": list(det.box), "class": det.cls})
                        if rule["label"] not in first:
                            first[rule["label"]] = (rule, conf, det, t)
                for rule, conf, det, t in first.values():
                    result.fired.append(_fired(AI_VIDEO, rule, conf, det, f"video {i + 1} at {t:g} s"))

            _guard(entry, work)
    if kinds["audios"]:
        from . import audio

        result.report["audios"] = []
        for i, ref in enumerate(payload["audios"]):
            entry = _item("audios", i, ref, limit)
            result.report["audios"].append(entry)
            if "error" in entry:
                continue

            def work(entry=entry, ref=ref):
                transcript = audio.transcribe(fetch(ref, "audio"))
                entry.update(transcript.as_dict())
                if transcript.text:
                    result.transcripts.append(transcript.text)

            _guard(entry, work)
    return result


def apply_to_decision(policy, analysis: Analysis, decision) -> None:
    """Add the media rules that fired, apply ai_audio_config's label rules to the transcripts, and mark on each
    transcript the blocklist words that fired in it."""
    from . import ai_text, toxicity

    for rule in analysis.fired:
        decision.add(rule)
    block = _enabled(policy.blocks, AI_AUDIO, needs_rules=False)
    if block and analysis.transcripts and (block.get("rules") or block.get("severity_rules")):
        scores = [toxicity.model().score_normalised(t) for t in analysis.transcripts]
        policy._ai_text(block, ai_text.label_texts(analysis.transcripts, scores), decision, engine=AI_AUDIO)
    blocklist_block = policy._on("block_list_config")
    substring = bool((blocklist_block or {}).get("match_substring"))
    for entry in analysis.report.get("audios", []):
        if entry.get("transcript") and blocklist_block:
            words = {h.entry for m in policy.blocklists.values() for h in m.find(entry["transcript"],
                                                                                 substring=substring)}
            entry["fired_words"] = sorted(words)
