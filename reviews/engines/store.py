"""Compiled policies cached per process, checked for freshness with one query per check.

A cached policy remembers the config's `updated_at` and the `updated_at` of every blocklist it names. Before a
check uses it, one UNION query (compiled once, see reviews/prepared.py) reads those versions back; if anything moved
(or vanished) the policy is rebuilt.
Each blocklist's automaton is itself cached by (id, updated_at), so editing one list rebuilds only that list.
Every web worker thus sees a write by another worker on its next check, without a shared cache.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db.models import CharField, Value

from reviews.errors import ModerationError
from reviews.models import Blocklist, ModerationConfig
from reviews.prepared import PreparedQuery

from . import blocklists
from .policy import BLOCK_LIST, CompiledPolicy


@dataclass
class _Entry:
    config_version: tuple
    blocklist_versions: dict[int, Any]
    policy: CompiledPolicy


_policies: dict[tuple[str, str], _Entry] = {}
_lock = threading.Lock()


def _blocklist_rows(blocks: dict[str, Any], team: str) -> list[Blocklist]:
    block = blocks.get(BLOCK_LIST) or {}
    wanted = {(r["name"], r.get("team") or team) for r in block.get("rules") or []}
    if not wanted:
        return []
    rows = Blocklist.objects.filter(name__in={n for n, _ in wanted}, team__in={t for _, t in wanted})
    return [b for b in rows if (b.name, b.team) in wanted]


def compile_blocks(blocks: dict[str, Any], team: str = "") -> CompiledPolicy:
    """A policy for already-validated blocks (inline check configs, the dashboard's try-it box)."""
    rows = _blocklist_rows(blocks, team)
    return CompiledPolicy(blocks=blocks, blocklists={b.name: blocklists.compiled(b) for b in rows})


@lru_cache(maxsize=32)
def _versions_query(lists: int) -> PreparedQuery:
    def build(key: str, team: str, **ids: int):
        configs = ModerationConfig.objects.filter(key=key, team=team).order_by().annotate(
            kind=Value("c", output_field=CharField())).values_list("kind", "id", "updated_at")
        if not ids:
            return configs
        return configs.union(Blocklist.objects.filter(pk__in=list(ids.values())).order_by().annotate(
            kind=Value("b", output_field=CharField())).values_list("kind", "id", "updated_at"), all=True)

    return PreparedQuery(build, {"key": "\x00key", "team": "\x00team", **{f"b{i}": -(i + 1) for i in range(lists)}})


def _versions(key: str, team: str, blocklist_ids: list[int]) -> tuple[tuple | None, dict[int, Any]]:
    """(config id, updated_at) and {blocklist id: updated_at}, raw from the database, in one query."""
    rows = _versions_query(len(blocklist_ids)).rows(
        key=key, team=team, **{f"b{i}": pk for i, pk in enumerate(blocklist_ids)})
    config = next(((pk, ts) for kind, pk, ts in rows if kind == "c"), None)
    return config, {pk: ts for kind, pk, ts in rows if kind == "b"}


def policy_for(key: str, team: str = "") -> CompiledPolicy:
    """The compiled policy of config (key, team); 404 when there is none."""
    cached = _policies.get((key, team))
    if cached is not None:
        config_version, list_versions = _versions(key, team, list(cached.blocklist_versions))
        if config_version == cached.config_version and list_versions == cached.blocklist_versions:
            return cached.policy
    config = ModerationConfig.objects.filter(key=key, team=team).first()
    if config is None:
        forget(key, team)
        raise ModerationError.not_found("moderation config", key)
    rows = _blocklist_rows(config.blocks or {}, team)
    policy = CompiledPolicy(blocks=config.blocks or {}, blocklists={b.name: blocklists.compiled(b) for b in rows},
                            is_async=config.is_async)
    # Record the versions as the freshness query reads them (raw), so the next check compares like with like.
    # A write between the reads above and this one only makes the next check rebuild once more.
    config_version, list_versions = _versions(key, team, [b.pk for b in rows])
    if config_version is not None:
        with _lock:
            _policies[(key, team)] = _Entry(config_version, list_versions, policy)
    return policy


def forget(key: str, team: str = "") -> None:
    with _lock:
        _policies.pop((key, team), None)
