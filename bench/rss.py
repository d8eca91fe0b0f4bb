"""Web process RSS with the classifier loaded: gunicorn as documented for production (README: one worker per core,
--preload), warmed through the check endpoint (which uses the toxicity classifier) and the queue page, then VmRSS
of each worker from /proc/<pid>/status, and the PSS of them all (what the shared classifier really costs).
Whether a worker really holds the classifier is read from its memory map (the scikit-learn extension
modules), not assumed from a 200."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import jwt
from django.contrib.auth.models import User
from django.test import Client

from bench import API_KEY, API_SECRET, VIEWER, row
from bench.router import using_tier
from bench.server import (
    DOCUMENTED_THREADS,
    DOCUMENTED_WORKERS,
    gunicorn,
    holds_classifier,
    pss_kib,
    rss_kib,
    worker_pids,
)

TARGET_MB = 250
CONFIG_KEY = "bench:rss"
CHECK_BODY = {
    "entity_type": "stream:chat:v1:message", "entity_id": "bench-rss", "entity_creator_id": "u1",
    "config_key": CONFIG_KEY, "moderation_payload": {"texts": ["you are an idiot, go to hell"]}, "test_mode": True,
}


def _ensure_policy() -> None:
    """A config whose check runs the toxicity classifier (without one the check is a 404 and loads nothing)."""
    from reviews import actions
    from reviews.models import ModerationConfig

    if not ModerationConfig.objects.filter(key=CONFIG_KEY, team="").exists():
        actions.upsert_config(key=CONFIG_KEY, actor=None, blocks={
            "automod_toxicity_config": {"rules": [{"label": "toxic", "threshold": 0.9, "action": "flag"}]}})


def _post(url: str, body: dict, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _get(url: str, headers: dict[str, str]) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def main(scale: str) -> list[dict]:
    client = Client()
    with using_tier("default"):
        client.force_login(User.objects.get(username=VIEWER))
        _ensure_policy()
    cookie = {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}
    token = jwt.encode({}, API_SECRET, algorithm="HS256")
    api_headers = {"Authorization": token, "stream-auth-type": "jwt"}
    with gunicorn() as server:  # as documented
        # Enough requests that every worker serves some of each (gunicorn does not route round-robin).
        check_status = {_post(f"{server.base}/api/v2/moderation/check?api_key={API_KEY}", CHECK_BODY, api_headers)
                        for _ in range(60 if scale == "full" else 16)}
        page_status = {_get(f"{server.base}/queue/", cookie) for _ in range(20 if scale == "full" else 8)}
        workers = worker_pids(server.pid)
        sizes = {pid: rss_kib(pid) for pid in workers}
        shares = [pss_kib(pid) for pid in [server.pid, *workers]]
        loaded = [pid for pid in workers if holds_classifier(pid)]
        master = rss_kib(server.pid)
    largest = max(sizes.values()) / 1024 if sizes else float("nan")
    largest_mb = largest * 1024 * 1024 / 1e6  # the target is in MB (10^6 bytes); VmRSS is in KiB
    each = ", ".join(f"{kib / 1024:.0f}" for kib in sorted(sizes.values()))
    value = (f"largest worker {largest:.0f} MiB = {largest_mb:.0f} MB (workers: {each} MiB; "
             f"master {master / 1024:.0f} MiB)")
    notes = (f"check answered HTTP {sorted(check_status)}, queue page {sorted(page_status)}; "
             f"{len(loaded)}/{len(workers)} workers hold scikit-learn (the classifier); --preload: master and "
             f"workers together {sum(shares) / 1024:.0f} MiB PSS (shared pages counted once)")
    classifier_loaded = bool(loaded) and check_status == {200}
    return [row(f"web process RSS with the classifier loaded (gunicorn --workers {DOCUMENTED_WORKERS} "
                f"--threads {DOCUMENTED_THREADS}, as documented)", value,
                f"<= {TARGET_MB} MB", (largest_mb <= TARGET_MB and classifier_loaded) if scale == "full" else None,
                notes if classifier_loaded else notes + " - classifier not loaded: not a valid measurement")]
