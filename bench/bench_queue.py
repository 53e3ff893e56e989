"""Moderation queue benchmark (issue #5): the queue page and a bulk decision at scale.

    python bench/bench_queue.py                               # 1,000,000 comments, SQLite and PostgreSQL
    python bench/bench_queue.py --comments 100000 --backends sqlite

Seeds the database with bench/seed.py (about 8% of comments held: 50,000+ waiting items at
1,000,000), serves it with gunicorn on a loopback port and measures from a separate process:

- the queue page (`/moderation/`, oldest first) and the same page filtered by consultation and
  a page deep into the queue (keyset cursor): p50/p95 over concurrent requests;
- a bulk decision on 50 items through the real form, three times (seconds each).

Targets: queue page p95 < 150 ms; 50 items decided in < 1 s. Prints a table and writes
docs/performance-queue.md (unless --no-write) with the machine, the date and the command.
"""
from __future__ import annotations

import argparse
import multiprocessing
import shutil
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402  (bench/load.py: the gunicorn, session and load-generator helpers)
import seed as seed_module  # noqa: E402

TARGET_P95_MS = 150
TARGET_BULK_S = 1.0


def waiting_ids(url: str, offset: int, limit: int = 50, campaigns: bool = False) -> list[int]:
    """Waiting items oldest first (outside campaign groups unless asked)."""
    where = "" if campaigns else "AND campaign_key IS NULL "
    return [i for (i,) in load.db_query(
        url, f"SELECT id FROM moderation_items WHERE state='waiting' {where}"
             "ORDER BY created_at, id LIMIT :limit OFFSET :offset", {"limit": limit, "offset": offset})]


def bulk_decision(base: str, url: str, cookie: str, ids: list[int]) -> dict:
    """Approve `ids` through the queue's bulk form, as a moderator's browser would."""
    status, headers, page, _s = load.fetch(base, "GET", "/moderation/", {"Cookie": f"session={cookie}"})
    token = load.TOKEN_RE.search(page.decode())
    cookie = load._updated_cookie(headers, cookie)
    form = [("csrf_token", token.group(1) if token else ""), ("outcome", "approve"),
            ("back", "/moderation/")] + [("item_ids", str(i)) for i in ids]
    status, _h, _b, seconds = load.fetch(
        base, "POST", "/moderation/bulk",
        {"Cookie": f"session={cookie}", "Content-Type": "application/x-www-form-urlencoded"},
        urllib.parse.urlencode(form).encode())
    id_list = ",".join(str(i) for i in ids)  # integers from the database, not user input
    decided = load.db_query(
        url, f"SELECT count(*) FROM moderation_items WHERE state='decided' AND id IN ({id_list})")[0][0]
    return {"status": status, "seconds": seconds, "decided": decided, "items": len(ids)}


def run_backend(name: str, url: str, args, pool) -> dict:
    result = {"backend": name}
    print(f"== {name}: seeding {args.comments:,} comments", flush=True)
    summary = seed_module.seed(seed_module.parse_args([url, "--comments", str(args.comments), "--drop"]))
    su = seed_module.normalise_url(url)
    result["seed_s"] = summary["total_s"]
    result["waiting"] = load.db_query(su, "SELECT count(*) FROM moderation_items WHERE state='waiting'")[0][0]
    result["comments"] = load.db_query(su, "SELECT count(*) FROM comments")[0][0]
    print(f"   seeded in {summary['total_s']:.0f} s: {result['comments']:,} comments, "
          f"{result['waiting']:,} waiting", flush=True)
    instance = Path(tempfile.mkdtemp(prefix=f"consult-queue-{name}-"))
    base, proc = load.start_gunicorn(load.consult_env(url, instance), args.workers)
    try:
        cookie = load.sessions_for(su, [summary["moderator_id"]])[0]
        headers = {"Cookie": f"session={cookie}"}
        main_id = summary["consultations"][0]["id"]
        depth = min(result["waiting"] // 2, 20_000)
        deep = waiting_ids(su, offset=depth, limit=1, campaigns=True)
        pages = {
            "oldest first": "/moderation/",
            "one consultation": f"/moderation/?consultation={main_id}",
        }
        if deep:
            stamp = load.db_query(su, "SELECT created_at, id FROM moderation_items WHERE id = :id",
                                  {"id": deep[0]})[0]
            created = stamp[0] if isinstance(stamp[0], datetime) else datetime.fromisoformat(str(stamp[0]))
            pages[f"{depth:,} items deep"] = "/moderation/?" + urllib.parse.urlencode(
                {"after": f"{created.isoformat()}_{stamp[1]}"})
        load.summarise(pool.apply(load.load_requests, (base, list(pages.values()), 4, 40, 30, headers)))  # warm
        result["pages"] = {}
        for label, path in pages.items():
            figures = load.summarise(pool.apply(load.load_requests, (base, [path], args.concurrency,
                                                                     args.requests, 60, headers)))
            result["pages"][label] = figures
            print(f"   queue page, {label}: p50 {figures['p50_ms']:.0f} ms, p95 {figures['p95_ms']:.0f} ms, "
                  f"{figures['rps']:.0f} req/s, statuses {figures['statuses']}", flush=True)
        result["bulk"] = []
        for round_ in range(3):
            ids = waiting_ids(su, offset=0)
            figures = bulk_decision(base, su, cookie, ids)
            result["bulk"].append(figures)
            print(f"   bulk decision {round_ + 1}: {figures['decided']}/{figures['items']} in "
                  f"{figures['seconds']:.2f} s (HTTP {figures['status']})", flush=True)
    finally:
        load.stop_gunicorn(proc)
        shutil.rmtree(instance, ignore_errors=True)
    return result


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def report(results: list[dict], args, started: float, load_start: str) -> str:
    lines = ["| backend | figure | target | result |", "| --- | --- | --- | --- |"]
    for r in results:
        lines.append(f"| {r['backend']} | data | - | {r['comments']:,} comments, {r['waiting']:,} waiting "
                     f"(seeded in {r['seed_s']:.0f} s) |")
        for label, f in r["pages"].items():
            lines.append(f"| {r['backend']} | queue page, {label}: p50 / p95 (req/s) | p95 < {TARGET_P95_MS} ms | "
                         f"{f['p50_ms']:.0f} / {f['p95_ms']:.0f} ms ({f['rps']:.0f}/s; "
                         f"{verdict(f['p95_ms'] < TARGET_P95_MS and set(f['statuses'] or {}) == {200})}) |")
        secs = [b["seconds"] for b in r["bulk"]]
        ok = all(b["decided"] == b["items"] == 50 for b in r["bulk"]) and max(secs) < TARGET_BULK_S
        lines.append(f"| {r['backend']} | bulk decision, 50 items (3 runs) | < {TARGET_BULK_S:.0f} s | "
                     + ", ".join(f"{s:.2f} s" for s in secs) + f" ({verdict(ok)}) |")
    m = load.machine()
    machine = f"{m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, Linux {m['kernel']}, Python {m['python']}"
    return "\n".join([
        "# Performance: the moderation queue at scale",
        "",
        "Written by `bench/bench_queue.py` (issue #5's benchmark). Indicative: the machine is shared.",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- command: `python bench/bench_queue.py {' '.join(sys.argv[1:])}`".rstrip(),
        f"- machine: {machine}",
        f"- load average (1/5/15 min): start {load_start}, end {load.loadavg()}",
        f"- server: gunicorn, {args.workers} sync workers; {args.concurrency} concurrent clients, "
        f"{args.requests} requests per page",
        f"- total run time: {time.perf_counter() - started:.0f} s",
        "",
        *lines,
        "",
        "Notes: the queue is read by keyset pagination on (state, created_at, id) with no count of",
        "the table; a page deep into the queue is reached by its cursor, as the \"Next page\" link",
        "does. The bulk form posts the item versions shown, so each item is decided against the text",
        "the moderator saw.",
        "",
    ])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance-queue.md"))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    started, load_start = time.perf_counter(), load.loadavg()
    results = []
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        for name in args.backends.split(","):
            if name == "sqlite":
                folder = Path(tempfile.mkdtemp(prefix="consult-queue-db-"))
                try:
                    results.append(run_backend("SQLite", f"sqlite:///{folder / 'queue.sqlite3'}", args, pool))
                finally:
                    shutil.rmtree(folder, ignore_errors=True)
            elif name == "postgres":
                dbname, url = load.pg_create()
                try:
                    results.append(run_backend("PostgreSQL", url, args, pool))
                finally:
                    load.pg_drop(dbname)
    text = report(results, args, started, load_start)
    print(text)
    if not args.no_write:
        Path(args.output).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
