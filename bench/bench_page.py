"""Measure only scenario 1 (the document page) and scenario 3 (comment submission).

A quicker loop than bench/load.py for working on those two: seed once, then each run starts
from a copy of the seeded data (scenario 3 writes comments) and serves it with gunicorn.

    python bench/bench_page.py --seed                  # seed /tmp/bench-page.sqlite3 once
    python bench/bench_page.py                         # both scenarios on SQLite
    python bench/bench_page.py --only doc --repeat 3
    python bench/bench_page.py --backend postgres --seed   # seeds database consult_bench_page

The figures use the same functions (and the same request counts as `load.py --quick`) so they
compare with docs/performance.md; the machine is shared, so compare runs made together.
"""
from __future__ import annotations

import argparse
import multiprocessing
import random
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402 - the bench's own helpers
import seed as seed_module  # noqa: E402

SQLITE_SEEDED = Path("/tmp/bench-page.sqlite3")
PG_SEEDED = "consult_bench_page"
PG_BASE = "postgresql://postgres@127.0.0.1:5432/"


def seeded_copy(backend: str, tmp: Path) -> tuple[str, Callable[[], None]]:
    """A fresh copy of the seeded data: (database URL, cleanup)."""
    if backend == "sqlite":
        copy = tmp / "bench.sqlite3"
        shutil.copyfile(SQLITE_SEEDED, copy)
        return f"sqlite:///{copy}", lambda: None
    import psycopg

    name = f"consult_bench_page_{secrets.token_hex(3)}"
    with psycopg.connect(PG_BASE + "postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {PG_SEEDED}")
    return PG_BASE + name, lambda: load.pg_drop(name)


def seed(backend: str, comments: int) -> None:
    """Seed the data every run copies."""
    if backend == "sqlite":
        SQLITE_SEEDED.unlink(missing_ok=True)
        url = f"sqlite:///{SQLITE_SEEDED}"
    else:
        import psycopg

        with psycopg.connect(PG_BASE + "postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_SEEDED} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_SEEDED}")
        url = PG_BASE + PG_SEEDED
    summary = seed_module.seed(seed_module.parse_args([url, "--comments", str(comments)]))
    print(f"seeded {summary['comments']:,} comments in {summary['total_s']:.1f} s")


def cpu_by_pid(comm: str) -> dict[int, float]:
    """CPU seconds of every process with this command name (the PostgreSQL server's)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == comm:
                    found[int(entry.name)] = load.cpu_seconds([int(entry.name)])
            except OSError:
                continue
    return found


def run(args, pool, run_index: int) -> None:
    """One run: serve a fresh copy and measure the chosen scenarios."""
    tmp = Path(tempfile.mkdtemp(prefix="consult-bench-page-"))
    url, cleanup = seeded_copy(args.backend, tmp)
    su = seed_module.normalise_url(url)
    env = load.consult_env(url, tmp / "instance")
    base, proc = load.start_gunicorn(env, args.workers)
    static_path = ROOT / "static" / f"bench-{secrets.token_hex(4)}.html"
    try:
        cold = load.db_query(su, "SELECT anchor FROM paragraphs p JOIN document_versions v ON "
                                 "v.id = p.version_id JOIN consultations c ON c.id = "
                                 "v.consultation_id WHERE c.slug = 'arf' AND p.kind != 'heading' "
                                 "ORDER BY p.position LIMIT 40")
        anchors = [a for (a,) in cold]
        pool.apply(load.load_requests, (base, ["/c/arf", f"/c/arf/p/{anchors[0]}"],
                                        args.workers * 2, args.workers * 4, 60))
        if args.only in ("both", "doc"):
            status, _h, html, _s = load.fetch(base, "GET", "/c/arf")
            assert status == 200, status
            static_path.write_bytes(html)
            doc = load.summarise(pool.apply(load.load_requests, (base, ["/c/arf"], args.workers,
                                                                 args.doc_requests, 90)))
            static = load.summarise(pool.apply(load.load_requests, (
                base, [f"/static/{static_path.name}"], args.workers, 600, 30)))
            print(f"[{run_index}] s1 document p50 {doc['p50_ms']:.0f} ms p95 {doc['p95_ms']:.0f} ms "
                  f"{doc['rps']:.1f} req/s ({doc['n']}, {doc['statuses']}); static "
                  f"{static['rps']:.0f} req/s; ratio {doc['rps'] / static['rps']:.3f}", flush=True)
        if args.only in ("both", "comments"):
            lo, hi = load.db_query(su, "SELECT min(id), max(id) FROM users WHERE email LIKE "
                                       "'citizen%'")[0]
            ids = list(range(lo + 1, hi + 1))  # as load.py does
            random.Random(3).shuffle(ids)
            cookies = load.sessions_for(su, ids[:args.clients * (args.comment_seconds * 2 + 5)])
            # The load generator is the pool's one process (multiprocessing keeps it in _pool).
            servers, client = load.worker_pids(proc.pid), [p.pid for p in pool._pool]
            cpu = load.cpu_seconds(servers), load.cpu_seconds(client)
            database = cpu_by_pid("postgres")
            cr = pool.apply(load.load_comments, (base, "arf", anchors, cookies, args.clients,
                                                 args.comment_seconds, 4))
            print(f"[{run_index}] s3 comments: {cr['ok'] / cr['wall']:.1f}/s, POST p50 "
                  f"{load.pct(cr['latencies'], 50) * 1000:.0f} ms p99 "
                  f"{load.pct(cr['latencies'], 99) * 1000:.0f} ms, {cr['ok']} ok, "
                  f"{cr['errors']} errors {cr['samples'][:2]}, {cr['busy_503']} x 503, "
                  f"{cr['gets']} form loads", flush=True)
            per = max(cr["ok"], 1)
            postgres = sum(t - database.get(pid, 0) for pid, t in cpu_by_pid("postgres").items())
            print(f"    CPU per comment: gunicorn workers "
                  f"{(load.cpu_seconds(servers) - cpu[0]) / per * 1000:.1f} ms, load generator "
                  f"{(load.cpu_seconds(client) - cpu[1]) / per * 1000:.1f} ms, PostgreSQL "
                  f"{postgres / per * 1000:.1f} ms; wall "
                  f"{cr['wall']:.1f} s", flush=True)
    finally:
        static_path.unlink(missing_ok=True)
        load.stop_gunicorn(proc)
        cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seed", action="store_true", help="seed the data first")
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--only", choices=("both", "doc", "comments"), default="both")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--doc-requests", type=int, default=600)
    parser.add_argument("--comment-seconds", type=int, default=15)
    args = parser.parse_args(argv)
    print(f"load average {load.loadavg()}", flush=True)
    # The load generator is a second process, forked before any database work (as in load.py).
    pool = multiprocessing.get_context("fork").Pool(1)
    if args.seed:
        seed(args.backend, args.comments)
    for i in range(args.repeat):
        run(args, pool, i + 1)
    pool.close()
    pool.join()
    print(f"load average {load.loadavg()}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
