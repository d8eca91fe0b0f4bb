"""`python -m bench [--scale full|small] [--only queue,check,...]`: start a throwaway PostgreSQL cluster, migrate,
load the data tiers, run every benchmark module, print the table and write the results (bench/RESULTS.md at full
scale; var/bench/RESULTS-small.md for the smoke run, so it never overwrites the committed figures)."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

from bench import ADMIN, API_KEY, API_SECRET, SCALES, SECRET_KEY, VIEWER, human, row
from bench.cluster import SERVER_OPTIONS, server_version, throwaway_cluster

ROOT = Path(__file__).resolve().parent.parent
# Order matters: the jobs mutate data (deactivations, expiry sweep), so they run last.
MODULES = ["queue", "check", "rss", "jobs"]
MISSING_TARGETS = {
    "check": "check in-process p50 <= 1 ms, p99 <= 5 ms; over HTTP >= 1,500/s, p99 <= 50 ms",
    "jobs": "bulk deactivation 100k <= 10 s; expiry sweep 100k of 1M <= 5 s; webhooks >= 500/s, p99 <= 1 s",
    "rss": "<= 250 MB",
    "queue": "see issue 8",
}
ANALYSIS = re.compile(r"<!-- analysis:start -->.*?<!-- analysis:end -->", re.S)


def machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    import django

    wrk = shutil.which("wrk")
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "cpu": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        # Other work on a shared machine inflates wall-clock figures; the load average says how much was going on.
        "load average (1/5/15 min) at the end": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
        "load generator": (subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.split("\n")[0]
                           if wrk else "python http.client (wrk not installed)"),
    }


def prepare(base_url: str, scale_name: str) -> list[dict]:
    """Migrate a template database once, add users and the bench accounts, clone it per tier, load items."""
    import psycopg

    scale = SCALES[scale_name]

    def admin_sql(sql: str) -> None:
        with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    admin_sql("CREATE DATABASE bench_template")
    tiers = {alias: f"{base_url}/bench_{alias}" for alias, _ in scale.tiers}
    os.environ["BENCH_DATABASES"] = json.dumps({**tiers, "template": f"{base_url}/bench_template"})
    os.environ["DATABASE_URL"] = tiers["default"]
    os.environ["SECRET_KEY"] = SECRET_KEY
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))

    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connections

    from bench import data
    from bench.router import using_tier
    from reviews.models import ApiKey

    loads: list[dict] = []
    started = time.perf_counter()
    with using_tier("template"):  # data migrations that ignore the schema editor's alias still land here
        call_command("migrate", database="template", verbosity=0, interactive=False)
    loads.append({"tier": "template", "table": "migrate", "rows": 0, "seconds": time.perf_counter() - started})
    loads.append({"tier": "all", **data.load_users("template", scale.users)})
    with using_tier("template"):
        viewer = User.objects.create_user(VIEWER, password="bench")
        viewer.groups.add(Group.objects.get_or_create(name="Moderators")[0])
        User.objects.create_superuser(ADMIN, password="bench")
        ApiKey.objects.create(key=API_KEY, secret=API_SECRET, name="bench")
    connections["template"].close()
    connections["template"].close_pool()
    for alias, items in scale.tiers:
        started = time.perf_counter()
        admin_sql(f"CREATE DATABASE bench_{alias} TEMPLATE bench_template")
        loads.append({"tier": alias, "table": "clone template", "rows": 0,
                      "seconds": time.perf_counter() - started})
        for load in data.load_items(alias, items, scale.users):
            loads.append({"tier": human(items), **load})
        if alias == "default":
            loads.append({"tier": human(items), **data.load_bans(alias, scale.bans, scale.users)})
        loads.append({"tier": human(items), "table": "VACUUM ANALYZE", "rows": 0, "seconds": data.vacuum(alias)})
        print(f"  loaded {alias}: " + ", ".join(f"{ld['table']} {ld['seconds']:.1f} s" for ld in loads[-4:]),
              flush=True)
        sizes = data.table_sizes(alias)
        loads[-1]["sizes"] = ", ".join(f"{k.removeprefix('reviews_')} {v}" for k, v in sorted(sizes.items()))
    return loads


def run_module(name: str, scale_name: str) -> tuple[list[dict], bool]:
    try:
        module = importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"bench.{name}":
            raise
        return [row(f"{name}", "not yet measured (module missing: bench/" + name + ".py)",
                    MISSING_TARGETS[name])], True
    try:
        return list(module.main(scale_name)), True
    except Exception as exc:  # noqa: BLE001 - one broken module must not hide the others' figures
        traceback.print_exc()
        return [row(f"{name}", f"FAILED: {type(exc).__name__}: {str(exc)[:300]}", MISSING_TARGETS[name],
                    False)], False


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def render(scale_name: str, info: dict[str, str], loads: list[dict], rows: list[dict], elapsed: float) -> str:
    scale = SCALES[scale_name]
    mark = {True: "met", False: "**missed**", None: "-"}
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `make bench{'' if scale_name == 'full' else ' SCALE=' + scale_name}` "
        f"(`python -m bench --scale {scale_name}`) on {info['date']} in {elapsed / 60:.1f} min.",
        "Figures are medians (p50) and p95 over many requests on a shared, noisy machine; ratios come from the "
        "same run with requests interleaved. Regenerate with `make bench`.",
        "",
        "## Machine",
        "",
        *(f"- {k}: {v}" for k, v in info.items()),
        "- PostgreSQL cluster (throwaway, 127.0.0.1:54329): "
        + ", ".join(f"{k}={v}" for k, v in SERVER_OPTIONS.items()),
        "",
        "## Data",
        "",
        f"Tiers: {', '.join(human(n) + ' queue items' for _, n in scale.tiers)}; {human(scale.users)} users; "
        f"{human(scale.bans)} bans (10 % expired) in the largest tier. Loaded with INSERT ... SELECT "
        "generate_series (secondary indexes rebuilt after the load), then VACUUM ANALYZE.",
        "",
        "| tier | step | rows | seconds | sizes |",
        "|---|---|---:|---:|---|",
        *(f"| {ld['tier']} | {ld['table']} | {ld['rows']:,} | {ld['seconds']:.1f} | {ld.get('sizes', '')} |"
          for ld in loads),
        "",
        "## Figures",
        "",
        "| figure | measured | target | result | notes |",
        "|---|---|---|---|---|",
    ]
    appendices = []
    for r in rows:
        if "appendix" in r:
            if r.get("text"):
                appendices.append(r)
            continue
        lines.append(f"| {_cell(r.get('figure', ''))} | {_cell(r.get('value', ''))} | {_cell(r.get('target', ''))} "
                     f"| {mark.get(r.get('met'), _cell(r.get('met')))} | {_cell(r.get('notes', ''))} |")
    lines.append("")
    for a in appendices:
        lines += [f"## Appendix: {a['appendix']}", "", "```", a["text"].rstrip(), "```", ""]
    return "\n".join(lines)


def print_table(rows: list[dict]) -> None:
    for r in rows:
        if "appendix" in r:
            continue
        met = {True: "MET", False: "MISSED", None: ""}.get(r.get("met"), str(r.get("met")))
        print(f"- {r.get('figure')}\n    {r.get('value')}\n    target: {r.get('target') or '-'} {met}"
              + (f"\n    {r.get('notes')}" if r.get("notes") else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--scale", choices=sorted(SCALES), default=os.environ.get("SCALE") or "full")
    parser.add_argument("--only", default="", help="comma-separated modules (default: all)")
    parser.add_argument("--output", default="", help="where to write the results (markdown)")
    args = parser.parse_args(argv)
    modules = [m for m in args.only.split(",") if m] or MODULES
    output = Path(args.output) if args.output else (
        ROOT / "bench" / "RESULTS.md" if args.scale == "full" else ROOT / "var" / "bench" / "RESULTS-small.md")
    started = time.perf_counter()
    ok = True
    with throwaway_cluster() as base_url:
        print(f"bench: cluster up at {base_url}; loading {args.scale} data ...", flush=True)
        loads = prepare(base_url, args.scale)
        info = machine()
        info["postgresql"] = server_version(base_url)
        rows: list[dict] = []
        for name in modules:
            print(f"bench: running {name} ...", flush=True)
            module_started = time.perf_counter()
            module_rows, module_ok = run_module(name, args.scale)
            ok &= module_ok
            rows.extend(module_rows)
            print(f"bench: {name} took {time.perf_counter() - module_started:.0f} s", flush=True)
        from django.db import connections

        for conn in connections.all():
            conn.close()
            if hasattr(conn, "close_pool"):
                conn.close_pool()
    elapsed = time.perf_counter() - started
    text = render(args.scale, info, loads, rows, elapsed)
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.exists():
        kept = ANALYSIS.search(output.read_text())
        if kept:
            text = text.replace("## Figures", kept.group(0) + "\n\n## Figures", 1)
    output.write_text(text)
    print_table(rows)
    print(f"\nbench: wrote {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output} "
          f"in {elapsed:.0f} s", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
