"""Policies (moderation configs), blocklists, and `check_content`: automatic moderation that stores its decision."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.utils import timezone

from reviews import events, payloads
from reviews.engines import media, store
from reviews.engines.blocklists import MAX_WORD_LENGTH, MAX_WORDS
from reviews.engines.policy import BLOCK_LIST, Decision, FiredRule, validate_blocks
from reviews.errors import ModerationError
from reviews.models import Ban, Blocklist, EndUser, Flag, ModerationConfig, ModerationLog, ReviewQueueItem
from reviews.prepared import PreparedQuery

from . import call_speech
from ._common import Actor, lock_or_create, require_text, write_log
from .queue import _apply_payload, clean_payload


def _locked(model, what: str, ident: str, **lookup: Any):
    row = model.objects.select_for_update().filter(**lookup).first()
    if row is None:
        raise ModerationError.not_found(what, ident)
    return row


# --- configs ----------------------------------------------------------------------------------------------


def clean_config(*, key: str, team: str = "", is_async: bool | None = None, blocks: Any) -> tuple[str, str, dict]:
    """(key, team, clean blocks) of a config write, or ModerationError naming the first bad field. Every face
    that writes configs (API, dashboard, admin) checks with this, through `upsert_config` or before it."""
    key = require_text(key, "key")
    if is_async is not None and not isinstance(is_async, bool):
        raise ModerationError.invalid("async", "must be true or false")
    if not isinstance(blocks, dict):
        raise ModerationError.invalid("blocks", "must be a JSON object of engine blocks")
    return key, team or "", validate_blocks(blocks, team=team or "")


@transaction.atomic
def upsert_config(
    *, key: str, team: str = "", is_async: bool | None = None, blocks: dict[str, Any], actor: Actor,
    replace: bool = False,
) -> ModerationConfig:
    """Create a config or replace the engine blocks given (blocks not given are kept, as the SDK leaves unset
    blocks out of the request; `replace=True`, the dashboard's whole-config edit, drops them). Every block is
    validated first, so a bad one changes nothing. Idempotent: the same blocks again write and log nothing."""
    key, team, clean = clean_config(key=key, team=team, is_async=is_async, blocks=blocks)
    now = timezone.now()
    config, created = lock_or_create(
        ModerationConfig, lookup={"key": key, "team": team},
        defaults={"blocks": clean, "is_async": bool(is_async), "created_at": now, "updated_at": now},
    )
    if not created:
        merged = clean if replace else {**(config.blocks or {}), **clean}
        new_async = config.is_async if is_async is None else is_async
        if merged == config.blocks and new_async == config.is_async:
            return config
        config.blocks, config.is_async, config.updated_at = merged, new_async, now
        config.save(update_fields=["blocks", "is_async", "updated_at"])
    write_log(action="upsert_config", actor=actor, reason=key,
              custom={"key": key, "team": team, "created": created, "blocks": clean})
    return config


@transaction.atomic
def delete_config(*, key: str, team: str = "", actor: Actor) -> None:
    _locked(ModerationConfig, "moderation config", key, key=key, team=team or "").delete()
    store.forget(key, team or "")
    write_log(action="delete_config", actor=actor, reason=key, custom={"key": key, "team": team or ""})


# --- blocklists -------------------------------------------------------------------------------------------

BLOCKLIST_TYPES = tuple(Blocklist.Type.values)


def clean_words(words: Any, *, type: str = "word", field: str = "words") -> list[str]:
    """A blocklist's entries: strings, trimmed, de-duplicated (first kept), each checked for its list type."""
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ModerationError.invalid(field, "must be a list of strings")
    out: list[str] = []
    seen: set[str] = set()
    for i, word in enumerate(words):
        word = word.strip()
        if not word or word.casefold() in seen:
            continue
        if len(word) > MAX_WORD_LENGTH:
            raise ModerationError.invalid(f"{field}[{i}]", f"must be at most {MAX_WORD_LENGTH} characters")
        if type == "regex":
            try:
                re.compile(word)
            except re.error as exc:
                raise ModerationError.invalid(f"{field}[{i}]", f"not a valid regular expression ({exc})") from None
        seen.add(word.casefold())
        out.append(word)
    if len(out) > MAX_WORDS:
        raise ModerationError.invalid(field, f"must have at most {MAX_WORDS} entries")
    return out


def _blocklist_flags(fields: dict[str, Any]) -> dict[str, bool]:
    out = {}
    for name in ("is_leet_check_enabled", "is_plural_check_enabled", "is_substring_matching_enabled"):
        if fields.get(name) is not None:
            if not isinstance(fields[name], bool):
                raise ModerationError.invalid(name, "must be true or false")
            out[name] = fields[name]
    if fields.get("is_confusable_folding_enabled") is False:
        raise ModerationError.invalid("is_confusable_folding_enabled", "confusable letters are always folded")
    return out


def clean_blocklist(*, name: str, words: Any, type: str | None = None, **flags: Any) -> tuple[str, str, list, dict]:
    """(name, type, clean words, flags) of a new blocklist, or ModerationError naming the first bad field."""
    name = require_text(name, "name")
    type = type or Blocklist.Type.WORD
    if type not in BLOCKLIST_TYPES:
        raise ModerationError.invalid("type", f"unknown blocklist type {type!r}; "
                                      f"use one of {', '.join(BLOCKLIST_TYPES)}")
    return name, type, clean_words(words, type=type), _blocklist_flags(flags)


@transaction.atomic
def create_blocklist(
    *, name: str, words: list[str], team: str = "", type: str | None = None, actor: Actor, **flags: Any
) -> Blocklist:
    """Create a blocklist. Creating one that already exists is a 409 (update it instead)."""
    name, type, clean, extra = clean_blocklist(name=name, words=words, type=type, **flags)
    if Blocklist.objects.filter(name=name, team=team or "").exists():
        raise ModerationError(f"blocklist {name!r} already exists", kind=ModerationError.CONFLICT, field="name")
    now = timezone.now()
    blocklist = Blocklist.objects.create(name=name, team=team or "", type=type, words=clean, created_at=now,
                                         updated_at=now, **extra)
    write_log(action="create_blocklist", actor=actor, reason=name,
              custom={"name": name, "team": team or "", "type": type, "words": len(clean)})
    return blocklist


@transaction.atomic
def update_blocklist(
    *, name: str, team: str = "", words: list[str] | None = None, actor: Actor, **flags: Any
) -> Blocklist:
    """Replace a blocklist's words and/or flags. Moving `updated_at` is what makes every worker rebuild its
    automaton on the next check. Idempotent: nothing changed, nothing written."""
    blocklist = _locked(Blocklist, "blocklist", name, name=name, team=team or "")
    changes: dict[str, Any] = _blocklist_flags(flags)
    if words is not None:
        changes["words"] = clean_words(words, type=blocklist.type)
    changes = {k: v for k, v in changes.items() if getattr(blocklist, k) != v}
    if not changes:
        return blocklist
    for k, v in changes.items():
        setattr(blocklist, k, v)
    blocklist.updated_at = timezone.now()
    blocklist.save(update_fields=[*changes, "updated_at"])
    write_log(action="update_blocklist", actor=actor, reason=name,
              custom={"name": name, "team": team or "", "changed": sorted(changes),
                      **({"words": len(changes["words"])} if "words" in changes else {})})
    return blocklist


def configs_using(name: str, team: str = "") -> list[str]:
    keys = []
    for config in ModerationConfig.objects.only("key", "team", "blocks"):
        rules = ((config.blocks or {}).get(BLOCK_LIST) or {}).get("rules") or []
        if any(r.get("name") == name and (r.get("team") or config.team) == (team or "") for r in rules):
            keys.append(config.key)
    return keys


@transaction.atomic
def delete_blocklist(*, name: str, team: str = "", actor: Actor) -> None:
    """Delete a blocklist. Refused while a config names it, so no policy silently loses a rule."""
    blocklist = _locked(Blocklist, "blocklist", name, name=name, team=team or "")
    if users := configs_using(name, team):
        raise ModerationError.invalid("name", f"blocklist {name!r} is used by config(s) {', '.join(users)}; "
                                      "remove it from their block_list_config first")
    blocklist.delete()
    write_log(action="delete_blocklist", actor=actor, reason=name, custom={"name": name, "team": team or ""})


# --- check ------------------------------------------------------------------------------------------------


@dataclass
class CheckResult:
    decision: Decision
    item: ReviewQueueItem | None
    stored: bool
    media: dict[str, Any] | None = None  # per-item analysis of images, videos and audios, when any ran
    call_verdict: ModerationLog | None = None  # what a call-speech verdict did to the speaker

    @property
    def action(self) -> str:
        return self.decision.action


def _creator_state(creator_id: str, now: datetime, channel_cid: str = ""):
    in_force = Ban.objects.in_force(now).filter(target=OuterRef("pk"))
    scope = Q(channel_cid__isnull=True) | Q(channel_cid=channel_cid) if channel_cid else Q(channel_cid__isnull=True)
    return EndUser.objects.filter(pk=creator_id).annotate(
        app_ban=Exists(in_force.filter(channel_cid__isnull=True, shadow=False)),
        channel_ban=Exists(in_force.filter(channel_cid=channel_cid, shadow=False)) if channel_cid else Value(False),
        shadow_ban=Exists(in_force.filter(scope, shadow=True)),
    ).values_list("deactivated_at", "app_ban", "channel_ban", "shadow_ban")


_SENTINELS = {"creator_id": "\x00creator", "now": datetime(1901, 1, 1, tzinfo=UTC)}
_CREATOR_STATE = {
    False: PreparedQuery(_creator_state, _SENTINELS),
    True: PreparedQuery(_creator_state, {**_SENTINELS, "channel_cid": "\x00channel"}),
}


def enforcement(creator_id: str, channel_cid: str = "") -> FiredRule | None:
    """The rule that decides content from this creator before any engine runs, or None. One query."""
    values = {"creator_id": creator_id, "now": timezone.now()}
    if channel_cid:
        values["channel_cid"] = channel_cid
    rows = _CREATOR_STATE[bool(channel_cid)].rows(**values)
    if not rows:
        return None
    deactivated_at, app_ban, channel_ban, shadow_ban = rows[0]
    if app_ban:
        return FiredRule("enforcement/app_ban", "enforcement", "banned", "remove", "high",
                         f"creator {creator_id!r} is banned from the app")
    if channel_ban:
        return FiredRule("enforcement/channel_ban", "enforcement", "banned", "remove", "high",
                         f"creator {creator_id!r} is banned in {channel_cid}")
    if deactivated_at is not None:
        return FiredRule("enforcement/deactivated", "enforcement", "deactivated", "remove", "high",
                         f"creator {creator_id!r} is deactivated")
    if shadow_ban:
        return FiredRule("enforcement/shadow_ban", "enforcement", "shadow_banned", "shadow_block", "high",
                         f"creator {creator_id!r} is shadow banned")
    return None


@dataclass
class PreparedCheck:
    """A check's validated input, its policy, the call it is about (call speech) and whether it runs async."""

    entity_type: str
    entity_id: str
    entity_creator_id: str
    payload: dict[str, Any]
    channel_cid: str
    policy: Any  # CompiledPolicy
    config_key: str
    call: Any  # Call | None
    is_async: bool

    @property
    def needs_media(self) -> bool:
        return media.needs_analysis(self.policy.blocks, self.payload)


def prepare_check(
    *,
    entity_type: str,
    entity_id: str,
    entity_creator_id: str,
    config_key: str | None = None,
    config_team: str = "",
    config: dict[str, Any] | None = None,
    config_async: bool | None = None,
    moderation_payload: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
) -> PreparedCheck:
    """Validate a check's input (every problem a 400 naming its field) and find its policy, without running any
    engine. Async when `options.async`, the inline config's `async`, the stored config's `async` or a media
    block's `async` says so."""
    entity_type = require_text(entity_type, "entity_type", max_length=64)
    entity_id = require_text(entity_id, "entity_id")
    entity_creator_id = require_text(entity_creator_id, "entity_creator_id")
    payload = clean_payload(moderation_payload)
    if options is not None and not isinstance(options, dict):
        raise ModerationError.invalid("options", "must be an object")
    channel_cid = (options or {}).get("channel_cid") or ""
    if not isinstance(channel_cid, str):
        raise ModerationError.invalid("options.channel_cid", "must be a string")
    requested_async = (options or {}).get("async")
    if requested_async is not None and not isinstance(requested_async, bool):
        raise ModerationError.invalid("options.async", "must be true or false")
    if config_async is not None and not isinstance(config_async, bool):
        raise ModerationError.invalid("config.async", "must be true or false")
    if config is not None:
        if not isinstance(config, dict):
            raise ModerationError.invalid("config", "must be an object")
        policy = store.compile_blocks(validate_blocks(config, team=config_team or ""), config_team or "")
        policy.is_async = bool(config_async)
        config_key = config_key or ""
    elif config_key:
        policy = store.policy_for(config_key, config_team or "")
    else:
        raise ModerationError.invalid("config_key", "give a config_key or an inline config")
    call = call_speech.call_of(payload) if call_speech.is_call_speech(entity_type) else None
    is_async = requested_async if requested_async is not None else (
        policy.is_async or media.is_async(policy.blocks))
    return PreparedCheck(entity_type, entity_id, entity_creator_id, payload, channel_cid, policy, config_key or "",
                         call, bool(is_async))


def check_content(
    *,
    entity_type: str,
    entity_id: str,
    entity_creator_id: str,
    config_key: str | None = None,
    config_team: str = "",
    config: dict[str, Any] | None = None,
    config_async: bool | None = None,
    moderation_payload: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
    test_mode: bool = False,
    actor: Actor,
    prepared: PreparedCheck | None = None,
) -> CheckResult:
    """Check content against a policy and return the recommended action, here and now (the API runs checks
    that analyse media, or ask for async, through reviews.services.media_checks, which calls this in a worker).

    Enforcement first: an app-banned, channel-banned (`options.channel_cid`) or deactivated creator's content is
    `remove`, a shadow-banned creator's `shadow_block`, without running the engines. Otherwise every enabled engine
    runs (media are fetched and analysed, transcripts join the texts) and the most severe action wins. A decision
    other than `keep` is stored (queue item + automod flag with the media analysis + log row with the rules that
    fired) unless `test_mode`; `keep` stores nothing. Call speech (`stream:v1:call_speech`, the call in
    `moderation_payload.custom.call_cid`) also acts on the speaker in the same transaction (call_speech.py).
    Re-checking the same entity with the same outcome is a no-op.
    """
    p = prepared or prepare_check(
        entity_type=entity_type, entity_id=entity_id, entity_creator_id=entity_creator_id, config_key=config_key,
        config_team=config_team, config=config, config_async=config_async, moderation_payload=moderation_payload,
        options=options)
    entity_type, entity_id, entity_creator_id = p.entity_type, p.entity_id, p.entity_creator_id
    payload, channel_cid, policy, config_key, call = p.payload, p.channel_cid, p.policy, p.config_key, p.call

    rule = enforcement(entity_creator_id, channel_cid)
    analysis = None
    texts = list(payload.get("texts") or [])
    if rule is not None:
        decision = Decision()
        decision.add(rule)
    else:
        if media.needs_analysis(policy.blocks, payload):
            analysis = media.analyse(policy.blocks, payload)
        decision = policy.evaluate(texts + (analysis.transcripts if analysis else []))
        if analysis is not None:
            media.apply_to_decision(policy, analysis, decision)
    report = analysis.as_dict() if analysis is not None else None
    if decision.action == "keep" or test_mode:
        return CheckResult(decision=decision, item=None, stored=False, media=report)
    with transaction.atomic():
        item = _store_decision(
            entity_type=entity_type, entity_id=entity_id, creator_id=entity_creator_id, channel_cid=channel_cid,
            payload=payload, decision=decision, config_key=config_key, actor=actor, media=report,
            transcripts=analysis.transcripts if analysis else [],
        )
        verdict = None
        if call is not None:
            verdict = call_speech.act_on_verdict(
                call=call, speaker=item.entity_creator, verdict=decision.action, blocks=policy.blocks, item=item,
                excerpt=call_speech.excerpt_of(texts + (analysis.transcripts if analysis else [])))
    return CheckResult(decision=decision, item=item, stored=True, media=report, call_verdict=verdict)


@transaction.atomic
def _store_decision(
    *, entity_type: str, entity_id: str, creator_id: str, channel_cid: str, payload: dict[str, Any],
    decision: Decision, config_key: str, actor: Actor, media: dict[str, Any] | None = None,
    transcripts: list[str] | None = None,
) -> ReviewQueueItem:
    now = timezone.now()
    creator, _ = EndUser.objects.get_or_create(pk=creator_id)
    item, created = lock_or_create(
        ReviewQueueItem, lookup={"entity_type": entity_type, "entity_id": entity_id},
        defaults={"entity_creator": creator, "channel_cid": channel_cid, "created_at": now, "updated_at": now,
                  "recommended_action": decision.action},
    )
    same = (not created and item.status == ReviewQueueItem.Status.PENDING
            and item.recommended_action == decision.action and item.labels == decision.labels
            and item.severity == decision.severity and item.moderation_payload == payload)
    if same:
        return item
    rules = [r.as_dict() for r in decision.fired]
    Flag.objects.create(
        type=Flag.Type.AUTOMOD, reporter=None, entity_type=entity_type, entity_id=entity_id, entity_creator=creator,
        item=item, reason=f"automod: {decision.action}", labels=decision.labels, created_at=now, updated_at=now,
        custom={"triggered_rules": rules, **({"media": media} if media else {})},
    )
    reopened = not created and item.status == ReviewQueueItem.Status.REVIEWED
    _apply_payload(item, payload)
    if transcripts:  # what was said is searchable like text (the transcripts themselves are in the flag's media)
        item.content_text = "\n".join([item.content_text, *transcripts]).strip()[:10000]
        item.has_text = True
    item.recommended_action, item.severity, item.labels = decision.action, decision.severity, decision.labels
    item.config_key, item.updated_at = config_key or "", now
    item.flags_count = (item.flags_count or 0) + 1
    item.status = ReviewQueueItem.Status.PENDING
    if channel_cid and not item.channel_cid:
        item.channel_cid = channel_cid
    if item.entity_creator_id is None:
        item.entity_creator = creator
    item.save(update_fields=["moderation_payload", "content_text", "has_text", "has_image", "recommended_action",
                             "severity", "labels", "config_key", "updated_at", "flags_count", "status",
                             "channel_cid", "entity_creator"])
    write_log(
        action="check", actor=actor, actor_type="automod", target_user=creator, item=item,
        reason=f"recommended {decision.action}: " + "; ".join(r.why for r in decision.fired)[:500],
        custom={"recommended_action": decision.action, "severity": decision.severity, "labels": decision.labels,
                "triggered_rules": rules, "config_key": config_key or "", "entity_type": entity_type,
                "entity_id": entity_id, "reopened": reopened},
    )
    events.record("review_queue_item.new" if created else "review_queue_item.updated",
                  review_queue_item=payloads.review_queue_item(item))
    return item
