"""`query_review_queue`'s `stats`: counts of the filtered queue by status, entity type, recommended action and
severity band, each bounded so the cost does not grow with the queue.

Each count stops at `BOUND` (`exact: false` beyond). On PostgreSQL a count is run only when the planner expects
it to be cheap (the bounded count's estimated cost under `COST_LIMIT`, i.e. an index finds the rows, or there
are few to read); otherwise, say a rare recommended action with no index that would make the count read the
whole table, the planner's row estimate is given instead (`estimated: true`). SQLite (development and tests)
always counts, bounded."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from reviews.models import EntityType, ReviewQueueItem, Severity

BOUND = 1000
COST_LIMIT = 5000.0  # PostgreSQL cost units; a sequential scan of 1M rows is ~20,000+


def _explain(qs: QuerySet) -> dict:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def _count(qs: QuerySet) -> dict[str, Any]:
    qs = qs.order_by()
    if connection.vendor == "postgresql":
        bounded = _explain(qs.values("pk")[: BOUND + 1])
        if bounded["Total Cost"] > COST_LIMIT:
            return {"count": int(_explain(qs.values("pk"))["Plan Rows"]), "exact": False, "estimated": True}
    n = qs.values("pk")[: BOUND + 1].count()
    return {"count": min(n, BOUND), "exact": n <= BOUND, "estimated": False}


def _severity_bands() -> dict[str, Q]:
    levels = list(Severity)
    bands = {}
    for i, level in enumerate(levels):
        upper = levels[i + 1].value if i + 1 < len(levels) else None
        bands[level.label] = Q(severity__gte=level.value) & (Q(severity__lt=upper) if upper is not None else Q())
    return bands


def queue_stats(qs: QuerySet[ReviewQueueItem]) -> dict[str, Any]:
    """Counts of `qs` (the filtered queue): `total`, and per `status`, `entity_type` (the known types, plus
    `other`), `recommended_action` and `severity` band (none <25 <= low <50 <= medium <75 <= high <100 <=
    critical). Each is `{count, exact, estimated}`."""
    known_types = [t.value for t in EntityType]
    return {
        "bound": BOUND,
        "total": _count(qs),
        "status": {s: _count(qs.filter(status=s)) for s in ReviewQueueItem.Status.values},
        "entity_type": {**{t: _count(qs.filter(entity_type=t)) for t in known_types},
                        "other": _count(qs.exclude(entity_type__in=known_types))},
        "recommended_action": {a: _count(qs.filter(recommended_action=a)) for a in ReviewQueueItem.Action.values},
        "severity": {label: _count(qs.filter(band)) for label, band in _severity_bands().items()},
    }
