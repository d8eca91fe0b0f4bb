"""Policies: validate a config's engine blocks, compile them once, evaluate texts against them.

`validate_blocks` is the one validator: the API, the dashboard and inline check configs all call it, so a config
means the same thing wherever it is written. The evaluator runs every enabled engine, collects the rules that
fire and picks the most severe action: remove > shadow_block > flag > keep. shadow_block sits between flag and
remove because it hides the content from everyone but its author (stronger than leaving it up for review) but
keeps it, so it can be restored without the author noticing (weaker than removing it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from reviews.errors import ModerationError
from reviews.models import Severity

from . import ai_text, circumvention, toxicity
from .blocklists import CompiledBlocklist

ACTIONS = ("keep", "flag", "shadow_block", "remove")  # least to most severe
ACTION_RANK = {a: i for i, a in enumerate(ACTIONS)}
SEVERITIES = ai_text.SEVERITIES

BLOCK_LIST, TOXICITY, CIRCUMVENTION, AI_TEXT = (
    "block_list_config", "automod_toxicity_config", "automod_platform_circumvention_config", "ai_text_config")
ENGINES = (BLOCK_LIST, TOXICITY, CIRCUMVENTION, AI_TEXT)
# Engines Stream's SDK can send that nothing here runs: refused by name rather than stored and ignored.
UNSUPPORTED_ENGINES = (
    "bodyguard_config", "automod_semantic_filters_config", "llm_config", "flood_config",
    "velocity_filter_config", "rule_builder_config",
)
# Image, video, audio and call-rule blocks: validated and analysed in reviews/engines/media.py.
MEDIA_ENGINES = ("ai_image_config", "aws_rekognition_config", "google_vision_config", "ai_video_config",
                 "ai_audio_config", "video_call_rule_config")
# Severity of a deterministic hit (blocklist, circumvention) follows the action the rule asks for.
ACTION_SEVERITY = {"keep": "low", "flag": "medium", "shadow_block": "high", "remove": "high"}


@dataclass(frozen=True)
class FiredRule:
    rule_id: str
    engine: str
    label: str
    action: str
    severity: str
    why: str

    def as_dict(self) -> dict[str, str]:
        return {"rule_id": self.rule_id, "engine": self.engine, "label": self.label, "action": self.action,
                "severity": self.severity, "why": self.why}


@dataclass
class Decision:
    action: str = "keep"
    fired: list[FiredRule] = field(default_factory=list)

    @property
    def severity(self) -> int:
        return max((Severity.from_label(r.severity).value for r in self.fired if r.action != "keep"), default=0)

    @property
    def labels(self) -> list[str]:
        return sorted({r.label for r in self.fired if r.action != "keep"})

    def add(self, rule: FiredRule) -> None:
        self.fired.append(rule)
        if ACTION_RANK[rule.action] > ACTION_RANK[self.action]:
            self.action = rule.action


# --- validation -------------------------------------------------------------------------------------------


def _obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ModerationError.invalid(path, "must be an object")
    return value


def _rules(block: dict[str, Any], path: str, key: str = "rules") -> list[dict[str, Any]]:
    rules = block.get(key)
    if rules is None:
        return []
    if not isinstance(rules, list):
        raise ModerationError.invalid(f"{path}.{key}", "must be a list")
    return [_obj(r, f"{path}.{key}[{i}]") for i, r in enumerate(rules)]


def _action(rule: dict[str, Any], path: str, *, required: bool = True) -> str | None:
    action = rule.get("action")
    if action is None and not required:
        return None
    if action not in ACTIONS:
        raise ModerationError.invalid(f"{path}.action", f"unknown action {action!r}; use one of {', '.join(ACTIONS)}")
    return action


def _severity(rule: dict[str, Any], path: str) -> str:
    severity = rule.get("severity")
    if severity not in SEVERITIES:
        raise ModerationError.invalid(
            f"{path}.severity", f"unknown severity {severity!r}; use one of {', '.join(SEVERITIES)}")
    return severity


def _threshold(rule: dict[str, Any], path: str) -> float:
    value = rule.get("threshold")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not 0 <= value <= 1:
        raise ModerationError.invalid(f"{path}.threshold", "must be a number from 0 to 1")
    return float(value)


def _flags(block: dict[str, Any], path: str, *names: str) -> dict[str, bool]:
    out = {}
    for name in ("enabled", "async", *names):
        value = block.get(name)
        if value is None:
            continue
        if not isinstance(value, bool):
            raise ModerationError.invalid(f"{path}.{name}", "must be true or false")
        out[name] = value
    out.setdefault("enabled", True)
    return out


def _severity_rules(block: dict[str, Any], path: str) -> list[dict[str, str]]:
    return [{"severity": _severity(r, f"{path}.severity_rules[{i}]"),
             "action": _action(r, f"{path}.severity_rules[{i}]")}
            for i, r in enumerate(_rules(block, path, "severity_rules"))]


def validate_blocks(blocks: dict[str, Any], *, team: str = "", blocklist_exists=None) -> dict[str, Any]:
    """The clean engine blocks of a config, or ModerationError naming the first bad field.

    `blocklist_exists(name, team) -> bool` decides whether a blocklist rule's list exists (default: the database).
    """
    if blocklist_exists is None:
        from reviews.models import Blocklist

        def blocklist_exists(name: str, team: str) -> bool:
            return Blocklist.objects.filter(name=name, team=team).exists()

    clean: dict[str, Any] = {}
    for name, block in blocks.items():
        if block is None:
            continue
        if name in UNSUPPORTED_ENGINES:
            raise ModerationError.invalid(name, f"engine {name!r} is not supported by this server")
        if name not in ENGINES and name not in MEDIA_ENGINES:
            raise ModerationError.invalid(
                name, f"unknown engine {name!r}; use one of {', '.join((*ENGINES, *MEDIA_ENGINES))}")
        block = _obj(block, name)
        if name in MEDIA_ENGINES:
            from . import media

            clean[name] = media.validate_block(name, block)
            continue
        if name == BLOCK_LIST:
            out: dict[str, Any] = _flags(block, name, "match_substring")
            out["rules"] = []
            for i, rule in enumerate(_rules(block, name)):
                path = f"{name}.rules[{i}]"
                list_name, list_team = rule.get("name"), rule.get("team") or team
                if not isinstance(list_name, str) or not list_name:
                    raise ModerationError.invalid(f"{path}.name", "the blocklist name is required")
                if not blocklist_exists(list_name, list_team):
                    raise ModerationError.invalid(f"{path}.name", f"blocklist {list_name!r} does not exist")
                out["rules"].append({"name": list_name, "action": _action(rule, path),
                                     **({"team": rule["team"]} if rule.get("team") else {})})
        elif name in (TOXICITY, CIRCUMVENTION):
            allowed = (toxicity.LABEL,) if name == TOXICITY else circumvention.LABELS
            out = _flags(block, name)
            out["rules"] = []
            for i, rule in enumerate(_rules(block, name)):
                path = f"{name}.rules[{i}]"
                label = str(rule.get("label") or "").lower()
                if label not in allowed:
                    raise ModerationError.invalid(f"{path}.label", f"unknown label {rule.get('label')!r}; "
                                                  f"this engine scores {', '.join(allowed)}")
                out["rules"].append({"label": label, "threshold": _threshold(rule, path),
                                     "action": _action(rule, path)})
        else:
            known = ai_text.known_labels()
            out = _flags(block, name)
            if block.get("profile") is not None:
                out["profile"] = str(block["profile"])
            out["rules"] = []
            for i, rule in enumerate(_rules(block, name)):
                path = f"{name}.rules[{i}]"
                label = str(rule.get("label") or "").upper()
                if label not in known:
                    raise ModerationError.invalid(
                        f"{path}.label", f"unknown label {rule.get('label')!r}; labels are {', '.join(sorted(known))}")
                action = _action(rule, path, required=False)
                sev_rules = _severity_rules(rule, path)
                if action is None and not sev_rules:
                    raise ModerationError.invalid(f"{path}.action", "give an action or severity_rules")
                out["rules"].append({"label": label, **({"action": action} if action else {}),
                                     **({"severity_rules": sev_rules} if sev_rules else {})})
            out["severity_rules"] = _severity_rules(block, name)
        clean[name] = out
    return clean


# --- compiled policy and evaluation -----------------------------------------------------------------------


@dataclass
class CompiledPolicy:
    blocks: dict[str, Any]
    blocklists: dict[str, CompiledBlocklist]  # by blocklist name
    is_async: bool = False  # the config's `async`: checks against it run as tasks

    def _on(self, engine: str) -> dict[str, Any] | None:
        block = self.blocks.get(engine)
        return block if block and block.get("enabled", True) and (block.get("rules") or block.get("severity_rules")) \
            else None

    def evaluate(self, texts: list[str]) -> Decision:
        decision = Decision()
        texts = [t for t in texts if t and t.strip()]
        if not texts:
            return decision
        if block := self._on(BLOCK_LIST):
            substring = bool(block.get("match_substring"))
            for rule in block["rules"]:
                matcher = self.blocklists.get(rule["name"])
                hits = [h for t in texts for h in matcher.find(t, substring=substring)] if matcher else []
                if hits:
                    shown = ", ".join(f"{h.entry!r}" + (f" (read as {h.matched!r})" if h.matched != h.entry else "")
                                      for h in hits[:5])
                    decision.add(FiredRule(
                        f"{BLOCK_LIST}/{rule['name']}", BLOCK_LIST, rule["name"], rule["action"],
                        ACTION_SEVERITY[rule["action"]], f"blocklist {rule['name']!r} matched {shown}"))
        scores: list[float] | None = None
        tox = self._on(TOXICITY)
        ai = self._on(AI_TEXT)
        if tox or ai:
            m = toxicity.model()
            scores = [m.score_normalised(t) for t in texts]
        if tox:
            top = max(scores)
            for rule in tox["rules"]:
                if top >= rule["threshold"]:
                    decision.add(FiredRule(
                        f"{TOXICITY}/toxic>={rule['threshold']:g}", TOXICITY, "toxic", rule["action"],
                        ai_text.band(top) or "low", f"toxicity score {top:.2f} >= threshold {rule['threshold']:g}"))
        if circ := self._on(CIRCUMVENTION):
            found = [f for t in texts for f in circumvention.find(t)]
            for rule in circ["rules"]:
                values = [f.value for f in found if f.label == rule["label"]]
                if values:  # a found label scores 1.0, and thresholds are at most 1
                    decision.add(FiredRule(
                        f"{CIRCUMVENTION}/{rule['label']}", CIRCUMVENTION, rule["label"], rule["action"],
                        ACTION_SEVERITY[rule["action"]], f"{rule['label']} found: {', '.join(map(repr, values[:5]))}"))
        if ai:
            self._ai_text(ai, ai_text.label_texts(texts, scores), decision)
        return decision

    @staticmethod
    def _ai_text(block: dict[str, Any], labels: list[ai_text.Label], decision: Decision, engine: str = AI_TEXT
                 ) -> None:
        """A label's own rule applies its action whatever the severity, and its severity_rules (and the block's)
        apply when the label's severity is at least the rule's severity."""
        rules = {r["label"]: r for r in block["rules"]}
        for lab in labels:
            rank = ai_text.SEVERITY_RANK[lab.severity]
            rule = rules.get(lab.label)
            if rule and rule.get("action"):
                decision.add(FiredRule(f"{engine}/{lab.label}", engine, lab.label, rule["action"], lab.severity,
                                       f"{lab.label} ({lab.severity}): {lab.why}"))
            sev_rules = [*(rule.get("severity_rules", []) if rule else []), *block["severity_rules"]]
            for sr in sev_rules:
                if rank >= ai_text.SEVERITY_RANK[sr["severity"]]:
                    decision.add(FiredRule(
                        f"{engine}/{lab.label}/severity>={sr['severity']}", engine, lab.label, sr["action"],
                        lab.severity, f"{lab.label} ({lab.severity}) at or above {sr['severity']}: {lab.why}"))
