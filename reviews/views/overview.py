"""Overview: queue depth, oldest pending age, items in and decisions out per hour, decisions per moderator,
drawn as server-rendered SVG (no charting library, no build step)."""

from __future__ import annotations

from datetime import timedelta

from django.shortcuts import render
from django.utils import timezone

from reviews.actions import registry
from reviews.selectors.overview import queue_health, throughput

from ._common import page_view, role_of

HOURS = 24
# Chart geometry in SVG units. The charts are laid out at least 480 px wide (app.css), so a unit is about a pixel
# or more and 12-unit tick labels read at 11 px or larger; the left margin holds the y-axis values.
CHART_W, CHART_H, PAD, PAD_LEFT = 560, 160, 24, 44


def hourly(rows, start) -> list[dict]:
    """24 hourly buckets (zeros included) from `(hour, count)` rows."""
    counts = {h: n for h, n in rows}
    buckets = []
    for i in range(HOURS):
        hour = start + timedelta(hours=i)
        buckets.append({"label": hour.strftime("%H:00"), "value": counts.get(hour, 0)})
    return buckets


def bar_chart(series: list[dict], *, width: int = CHART_W, height: int = CHART_H) -> dict:
    """Bar geometry for the SVG template: every bar scaled to the largest value, labels kept sparse (every 4th
    hour: a 12-unit "HH:00" is about 34 units wide, a bar slot about 21)."""
    top = max([s["value"] for s in series] + [1])
    slot = (width - PAD_LEFT) / max(len(series), 1)
    bars = []
    for i, s in enumerate(series):
        h = round((height - PAD) * s["value"] / top, 1)
        w = min(max(slot - 2, 1), 48)  # a lone bar stays a bar, not a slab
        bars.append({**s, "x": round(PAD_LEFT + i * slot + (slot - w) / 2, 1), "w": round(w, 1),
                     "y": round(height - PAD - h, 1), "h": h, "show_label": len(series) <= 6 or i % 4 == 0,
                     "tx": round(PAD_LEFT + i * slot + slot / 2, 1)})
    return {"bars": bars, "width": width, "height": height, "top": top, "base": height - PAD, "pad": PAD_LEFT,
            "axis_x": PAD_LEFT - 6}


def ranked(series: list[tuple[str, int]]) -> dict:
    """Decisions per moderator as rows of a bar list: one line per name, so names never overlap however many
    moderators or however long their names."""
    top = max([n for _, n in series] + [1])
    return {"top": top, "rows": [{"label": name, "value": n} for name, n in series]}


@page_view()
def overview(request):
    now = timezone.now()
    start = (now - timedelta(hours=HOURS - 1)).replace(minute=0, second=0, microsecond=0)
    health = queue_health()
    # Moderators' decisions only (the decision table's): not end users' own blocks and mutes, not the system's.
    flow = throughput(since=start, decisions=registry.DECISION_ACTIONS)
    per_mod = flow["per_mod"]
    in_series, out_series = hourly(flow["items_in"], start), hourly(flow["decisions_out"], start)
    context = {
        "role": role_of(request), **health, "now": now,
        "in_chart": bar_chart(in_series), "out_chart": bar_chart(out_series),
        "in_total": sum(s["value"] for s in in_series), "out_total": sum(s["value"] for s in out_series),
        "mod_chart": ranked(per_mod),
        "per_mod": per_mod,
    }
    return render(request, "reviews/overview.html", context)
