"""Data generators: users, queue items with their flags, and bans, loaded with `INSERT ... SELECT
generate_series` in one statement per table, then ANALYZE.

Secondary indexes are dropped before a large load and rebuilt after it (one sorted build is several times faster
than a million incremental inserts), and triggers (the FK checks) are off during the load: the rows are consistent
by construction. Everything is deterministic, so two runs load the same data.

The shapes, so other benchmark modules can rely on them:
- users `u1` .. `u<N>` (role user); item ids are md5-derived UUIDs; entity ids `e<g>`.
- items: 60 % pending; entity types 70 % message, 20 % user, 5 % call, 5 % call speech; severity 10 % none,
  30 % low, 30 % medium, 20 % high, 10 % critical; 1-3 flags each (flags_count matches); one a second apart.
- bans: for g in 1..N, target `u<1 + g % users>`, app-wide for the first `users` bans then one channel each,
  all open; 10 % expired (g % 10 = 0), 50 % without expiry, 40 % expiring in the future.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from string import Template

from django.db import connections

ITEMS_SQL = """
INSERT INTO reviews_reviewqueueitem (
    id, entity_type, entity_id, entity_creator_id, channel_cid, moderation_payload, content_text, has_text,
    has_image, status, recommended_action, latest_moderator_action, content_state, severity, labels, flags_count,
    escalated, escalation_reason, escalation_priority, escalated_at, reviewed_by_id, reviewed_at, locked_by_id,
    locked_until, config_key, created_at, updated_at)
SELECT
    md5('item' || g)::uuid,
    CASE WHEN g % 20 < 14 THEN 'stream:chat:v1:message' WHEN g % 20 < 18 THEN 'stream:user'
         WHEN g % 20 = 18 THEN 'stream:v1:call' ELSE 'stream:v1:call_speech' END,
    'e' || g,
    'u' || (1 + (g::bigint * 7919) % $users),
    'messaging:ch' || (g % 1000),
    jsonb_build_object('texts', jsonb_build_array('message ' || g || ' you are such an idiot, go away'),
                       'images', '[]'::jsonb, 'custom', jsonb_build_object('n', g % 7)),
    'message ' || g || ' you are such an idiot, go away',
    true,
    g % 10 = 0,
    CASE WHEN g % 5 < 3 THEN 'pending' ELSE 'reviewed' END,
    CASE WHEN g % 4 = 0 THEN 'remove' ELSE 'flag' END,
    '', '',
    CASE WHEN g % 10 = 0 THEN 0 WHEN g % 10 < 4 THEN 25 WHEN g % 10 < 7 THEN 50 WHEN g % 10 < 9 THEN 75 ELSE 100 END,
    '[]'::jsonb,
    1 + g % 3,
    g % 50 = 0, '', '', NULL,
    NULL, CASE WHEN g % 5 < 3 THEN NULL ELSE now() END,
    NULL, NULL, 'chat:messaging',
    timestamptz '2025-01-01' + make_interval(secs => g),
    timestamptz '2025-01-01' + make_interval(secs => g)
FROM generate_series($start, $stop) AS g
"""

FLAGS_SQL = """
INSERT INTO reviews_flag (type, reporter_id, entity_type, entity_id, entity_creator_id, item_id, reason, custom,
                          labels, created_at, updated_at)
SELECT 'user_report',
       'u' || (1 + (g * 31 + k * 7) % $users),
       i.entity_type, i.entity_id, i.entity_creator_id, i.id,
       (ARRAY['spam', 'harassment', 'hate', 'other'])[1 + (g + k) % 4],
       '{}'::jsonb, '[]'::jsonb,
       i.created_at + make_interval(secs => k), i.created_at + make_interval(secs => k)
FROM generate_series($start, $stop) AS g
JOIN reviews_reviewqueueitem i ON i.id = md5('item' || g)::uuid
CROSS JOIN LATERAL generate_series(1, 1 + g % 3) AS k
"""

USERS_SQL = """
INSERT INTO reviews_enduser (id, name, image, role, language, teams, custom, invisible, last_ip, deactivated_at,
                             deleted_at, dashboard_user_id, created_at, updated_at)
SELECT 'u' || g, 'User ' || g, '', 'user', 'en', '[]'::jsonb, '{}'::jsonb, false,
       ('10.' || (g / 65536) % 256 || '.' || (g / 256) % 256 || '.' || g % 256)::inet,
       NULL, NULL, NULL,
       timestamptz '2024-01-01' + make_interval(secs => g), timestamptz '2024-01-01' + make_interval(secs => g)
FROM generate_series(1, $users) AS g
"""

BANS_SQL = """
INSERT INTO reviews_ban (target_id, banned_by_id, channel_cid, reason, expires_at, shadow, ip_ban, ip, created_at,
                         updated_at, lifted_at, lifted_by_id)
SELECT 'u' || (1 + g % $users), NULL,
       CASE WHEN g <= $users THEN NULL ELSE 'messaging:ch' || (g / $users) END,
       'bench', CASE WHEN g % 10 = 0 THEN now() - make_interval(mins => 1 + g % 600)
                     WHEN g % 10 < 6 THEN NULL
                     ELSE now() + make_interval(days => 1 + g % 30) END,
       g % 13 = 0, false, NULL,
       now() - make_interval(days => 40) + make_interval(secs => g), now(), NULL, NULL
FROM generate_series(1, $bans) AS g
"""


@contextmanager
def _bulk_load(alias: str, table: str) -> Iterator[None]:
    """Drop the table's secondary indexes (not those backing constraints), load, rebuild them."""
    with connections[alias].cursor() as cur:
        cur.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
               FROM pg_index i
               WHERE i.indrelid = %s::regclass
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
            [table],
        )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        cur.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connections[alias].cursor() as cur:
            cur.execute("SET session_replication_role = DEFAULT")
            for _, definition in indexes:
                cur.execute(definition)


def _timed(alias: str, table: str, sql: str, params: dict, big: bool) -> tuple[int, float]:
    started = time.perf_counter()
    if big:
        with _bulk_load(alias, table), connections[alias].cursor() as cur:
            cur.execute(Template(sql).substitute(params))
            rows = cur.rowcount
    else:
        with connections[alias].cursor() as cur:
            cur.execute("SET session_replication_role = replica")
            cur.execute(Template(sql).substitute(params))
            rows = cur.rowcount
            cur.execute("SET session_replication_role = DEFAULT")
    with connections[alias].cursor() as cur:
        cur.execute(f"ANALYZE {table}")
    return rows, time.perf_counter() - started


def load_users(alias: str, users: int) -> dict:
    rows, seconds = _timed(alias, "reviews_enduser", USERS_SQL, {"users": users}, users >= 50_000)
    return {"table": "users", "rows": rows, "seconds": seconds}


def load_items(alias: str, items: int, users: int) -> list[dict]:
    """Items 1..`items` with their flags (the users must exist)."""
    big = items >= 50_000
    params = {"users": users, "start": 1, "stop": items}
    item_rows, item_s = _timed(alias, "reviews_reviewqueueitem", ITEMS_SQL, params, big)
    flag_rows, flag_s = _timed(alias, "reviews_flag", FLAGS_SQL, params, big)
    return [{"table": "queue items", "rows": item_rows, "seconds": item_s},
            {"table": "flags", "rows": flag_rows, "seconds": flag_s}]


def load_bans(alias: str, bans: int, users: int) -> dict:
    rows, seconds = _timed(alias, "reviews_ban", BANS_SQL, {"users": users, "bans": bans}, bans >= 50_000)
    return {"table": "bans", "rows": rows, "seconds": seconds}


def vacuum(alias: str) -> float:
    """VACUUM ANALYZE, so index-only scans see an all-visible map as a settled production table would."""
    started = time.perf_counter()
    conn = connections[alias]
    conn.ensure_connection()
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def table_sizes(alias: str) -> dict[str, str]:
    with connections[alias].cursor() as cur:
        cur.execute(
            """SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class
               WHERE relname IN ('reviews_reviewqueueitem', 'reviews_flag', 'reviews_ban', 'reviews_enduser')"""
        )
        return dict(cur.fetchall())
