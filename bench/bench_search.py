"""Search, reindex and CSV export, in-process, on an already seeded database.

    python bench/seed.py sqlite:////tmp/s100k.sqlite3 --comments 100000
    python bench/bench_search.py sqlite:////tmp/s100k.sqlite3 --index /tmp/s100k-index --reindex

Times `consult.search.rebuild` (documents/s), then the same two-word queries as `load.py` through
`consult.search.search()` (comments only, and everything) against SQLite FTS5 over the same
published comment texts, then streams the CSV of the main consultation (`arf`) and reports its
time, size and how much the process's memory grew. Much quicker to iterate on than `load.py`,
which measures the same things over HTTP.

On a PostgreSQL URL the same queries also go through PostgreSQL's own full-text search
(`SEARCH_ENGINE=postgres`, in-process and, with --http, over HTTP), which ranks the same number
of matches (MAX_RANKED) and counts the same way (exactly below it, estimated above it), and
--fresh N posts N comments over HTTP and times how long after each POST returns a search finds
it. A database seeded before the search migration gets its search objects first (timed: the
one-off cost of the migration, not a rebuild step).

    python bench/bench_search.py postgresql://postgres@127.0.0.1:5432/b100k --index /tmp/b-index \
        --http 400 --fresh 10 --no-csv
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import (  # noqa: E402
    SECRET,
    RssSampler,
    consult_env,
    cpu_seconds,
    fetch,
    fts5_compare,
    load_requests,
    start_gunicorn,
    stop_gunicorn,
    summarise,
    two_word_queries,
    worker_pids,
)


def rss_mb() -> int:
    """This process's resident memory now, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return 0


def ensure_postgres_search(url: str) -> str:
    """Create PostgreSQL's search objects on a database seeded without them; what it took."""
    from sqlalchemy import create_engine, inspect, text

    from consult.search import postgres_engine

    engine = create_engine(url)
    try:
        if inspect(engine).has_table("comment_search"):
            return "present"
        t = time.perf_counter()
        postgres_engine.COMMENT_VECTORS.create(engine)
        with engine.begin() as conn:
            conn.execute(text(postgres_engine.BACKFILL))
        for index in postgres_engine.INDEXES.values():
            index.create(engine, checkfirst=True)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        return f"made in {time.perf_counter() - t:.1f} s (vectors of every comment, GIN indexes: the migration's cost)"
    finally:
        engine.dispose()


def postgres_timings(app, queries, runs, kinds):
    """The same queries through PostgreSQL's own search, in-process."""
    from consult.extensions import db
    from consult.search import PostgresSearch, postgres_engine

    engine = PostgresSearch()
    lat, estimated = [], 0
    with app.app_context():
        for run in range(runs):
            for q in queries:
                t = time.perf_counter()
                result = engine.search(db.session, q, kinds=kinds)
                lat.append(time.perf_counter() - t)
                db.session.rollback()  # as a request ends
                estimated += (not result.exact) if run == 0 else 0
        db.session.remove()
    lat.sort()
    return {"p50_ms": lat[len(lat) // 2] * 1000, "p95_ms": lat[int(len(lat) * 0.95)] * 1000,
            "estimated": estimated, "cap": postgres_engine.MAX_RANKED}


def freshness(base: str, url: str, count: int) -> str:
    """Post `count` comments through the form; seconds from each POST's reply to a search finding it."""
    import random
    import re
    import string

    from load import TOKEN_RE, _updated_cookie, db_query, sessions_for

    users = [row[0] for row in db_query(url, "SELECT id FROM users WHERE role = 'citizen' ORDER BY id DESC "
                                             "LIMIT :n", {"n": count})]
    anchor = db_query(url, "SELECT c.anchor FROM comments c JOIN consultations k ON k.id = c.consultation_id "
                           "WHERE k.slug = 'arf' AND c.anchor IS NOT NULL LIMIT 1")[0][0]
    waits, missing = [], 0
    rng = random.Random(5)
    for cookie in sessions_for(url, users):
        headers = {"Cookie": f"session={cookie}"}
        status, h, page, _s = fetch(base, "GET", f"/c/arf/p/{anchor}", headers)
        token = TOKEN_RE.search(page.decode())
        headers = {"Cookie": f"session={_updated_cookie(h, cookie)}"}
        word = "fresh" + "".join(rng.choice(string.ascii_lowercase) for _ in range(8))
        body = urllib.parse.urlencode({"csrf_token": token.group(1) if token else "", "submission_key": word,
                                       "body": f"A new comment about {word} and the wallet.",
                                       "respondent_type": "individual", "show_name": "name"}).encode()
        status, _h, _b, _s = fetch(base, "POST", f"/c/arf/p/{anchor}/comments",
                                   {**headers, "Content-Type": "application/x-www-form-urlencoded"}, body)
        returned = time.perf_counter()
        while time.perf_counter() - returned < 10:
            _st, _hh, html, _ss = fetch(base, "GET", f"/search?q={word}")
            if re.search(rb"<mark[^>]*>" + word.encode(), html, re.I):
                waits.append(time.perf_counter() - returned)
                break
        else:
            missing += 1
    if not waits:
        return f"none of {count} found within 10 s (POST status {status})"
    waits.sort()
    return (f"{len(waits)} of {count} found; median {waits[len(waits) // 2] * 1000:.0f} ms, "
            f"max {waits[-1] * 1000:.0f} ms" + (f"; {missing} not within 10 s" if missing else ""))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="a database seeded by bench/seed.py")
    parser.add_argument("--index", required=True, help="the Whoosh index folder")
    parser.add_argument("--reindex", action="store_true", help="rebuild the index first (timed)")
    parser.add_argument("--runs", type=int, default=3, help="passes over the 20 queries")
    parser.add_argument("--no-search", action="store_true", help="skip the in-process search timings")
    parser.add_argument("--no-csv", action="store_true")
    parser.add_argument("--http", type=int, default=0, metavar="N",
                        help="also time N requests to /search, and the CSV, over HTTP (gunicorn, as "
                             "load.py does)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--search-engine", default="", help="SEARCH_ENGINE for the HTTP run (default: the database's)")
    parser.add_argument("--fresh", type=int, default=0, metavar="N",
                        help="with --http: post N comments and time until a search finds each")
    args = parser.parse_args(argv)

    import seed as seed_module
    from sqlalchemy import func, select

    from consult import create_app, search
    from consult.archive import service
    from consult.extensions import db
    from consult.models import Comment, CommentStatus, Consultation

    url = seed_module.normalise_url(args.url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "SEARCH_INDEX_DIR": args.index})
    with app.app_context():
        published = db.session.scalar(select(func.count()).select_from(Comment)
                                      .where(Comment.status == CommentStatus.PUBLISHED.value))
        if args.reindex or not Path(args.index).exists():
            t = time.perf_counter()
            search.rebuild(args.index, db.session)
            secs = time.perf_counter() - t
            print(f"rebuild: {secs:.1f} s for {published:,} published comments "
                  f"({published / secs:.0f} comments/s)", flush=True)
        db.session.remove()

    queries = two_word_queries(url)
    on_postgres = url.startswith("postgresql")
    if on_postgres:
        print(f"search objects: {ensure_postgres_search(url)}", flush=True)
    for kinds in (() if args.no_search else (("comment",), ())):
        r = fts5_compare(url, args.index, queries, args.runs, kinds=kinds)
        label = "comments only" if kinds else "all kinds"
        print(f"search ({label}, {len(queries)} queries x {args.runs}): Whoosh p50 {r['whoosh_p50_ms']:.1f} "
              f"p95 {r['whoosh_p95_ms']:.1f} ms; FTS5 p50 {r['fts_p50_ms']:.1f} p95 {r['fts_p95_ms']:.1f} ms "
              f"({r['whoosh_p95_ms'] / max(r['fts_p95_ms'], 1e-6):.1f}x at p95)", flush=True)
        if on_postgres:
            p = postgres_timings(app, queries, args.runs, kinds)
            print(f"search ({label}): PostgreSQL full-text p50 {p['p50_ms']:.1f} p95 {p['p95_ms']:.1f} ms "
                  f"({p['estimated']} of {len(queries)} totals estimated, as Whoosh's past "
                  f"{p['cap']} ranked)", flush=True)

    if args.http:
        instance = Path(tempfile.mkdtemp(prefix="consult-bench-search-"))
        env = consult_env(args.url, instance)
        env["SEARCH_INDEX_DIR"] = args.index
        if args.search_engine:
            env["SEARCH_ENGINE"] = args.search_engine
        base, proc = start_gunicorn(env, args.workers)
        try:
            paths = [f"/search?q={urllib.parse.quote_plus(q)}" for q in queries]
            load_requests(base, paths, args.workers, args.workers * 4, 60)  # every worker opens the index
            # The workers' CPU per request is much less disturbed by other work on the machine
            # than the latencies are (which queue behind it): report both, and the load average.
            workers = worker_pids(proc.pid)
            cpu_before = cpu_seconds(workers)
            r = summarise(load_requests(base, paths, args.workers, args.http, 120))
            cpu = (cpu_seconds(workers) - cpu_before) / max(r["n"], 1)
            print(f"HTTP /search ({r['n']} requests, {args.workers} clients, {args.workers} workers): "
                  f"p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms, {r['rps']:.1f} requests/s, "
                  f"worker CPU {cpu * 1000:.1f} ms/request, statuses {r['statuses']}; "
                  f"load average {os.getloadavg()[0]:.2f}", flush=True)
            if args.fresh:
                f = freshness(base, url, args.fresh)
                print(f"new comment findable after its POST returned: {f}", flush=True)
            if not args.no_csv:
                with RssSampler(proc.pid) as sampler:
                    status, _h, body, secs = fetch(base, "GET", "/c/arf/comments.csv", timeout=300)
                _pid, before, peak = sampler.grown()
                print(f"HTTP CSV: HTTP {status}, {secs:.1f} s, {len(body) / 1e6:.1f} MB, worker RSS "
                      f"{before} -> {peak} MB", flush=True)
        finally:
            stop_gunicorn(proc)

    if not args.no_csv:
        with app.app_context():
            consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "arf"))
            before = peak = rss_mb()
            t = time.perf_counter()
            size = lines = 0
            for n, chunk in enumerate(service.comments_csv(db.session, consultation)):
                size += len(chunk.encode())
                lines += chunk.count("\n")
                if n % 50 == 0:
                    peak = max(peak, rss_mb())
            secs = time.perf_counter() - t
            print(f"CSV: {secs:.1f} s, {size / 1e6:.1f} MB, {lines:,} lines; RSS {before} MB before, "
                  f"peak {peak} MB while streaming", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
