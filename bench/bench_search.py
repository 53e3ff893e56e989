"""Search, reindex and CSV export, in-process, on an already seeded database.

    python bench/seed.py sqlite:////tmp/s100k.sqlite3 --comments 100000
    python bench/bench_search.py sqlite:////tmp/s100k.sqlite3 --index /tmp/s100k-index --reindex

Times `consult.search.rebuild` (documents/s, and the peak memory of the process and the writer
processes it starts), reports the size of each engine's index on disk, then times the same
two-word queries as `load.py` through `consult.search.search()` (comments only, and everything)
against SQLite FTS5 over the same published comment texts, twice: as FTS5 comes (every match
ranked and counted) and with the other engines' rules (the first MAX_RANKED matches in key order
ranked, counted exactly below that, estimated from how far through the keys they reached above
it). --accuracy compares each engine's estimated totals with exact counts. Then streams the CSV
of the main consultation (`arf`) and reports its time, size and how much the process's memory
grew. Much quicker to iterate on than `load.py`, which measures the same things over HTTP. The
load average is printed at the start and end: the machine may be shared.

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
import shutil
import sqlite3
import sys
import tempfile
import threading
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
    db_query,
    fetch,
    load_requests,
    pct,
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


def load_average() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _descendants(root: int) -> list[int]:
    """root and every process below it (from /proc, as multiprocessing's workers are)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, ()))
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeRss:
    """Peak resident memory of this process and its children (summed, and the largest one),
    sampled every 0.25 s: whoosh's multiprocessing writer analyses in child processes."""

    def __init__(self) -> None:
        self.peak_sum = self.peak_one = self.most_procs = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            sizes = [_rss_kb(p) for p in _descendants(os.getpid())]
            self.peak_sum = max(self.peak_sum, sum(sizes))
            self.peak_one = max(self.peak_one, max(sizes))
            self.most_procs = max(self.most_procs, len([s for s in sizes if s]))
            self.stop.wait(0.25)

    def __enter__(self) -> TreeRss:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


def du_mb(path: str) -> float:
    """Bytes on disk under a folder (or of a file), in MB."""
    root = Path(path)
    files = [root] if root.is_file() else [f for f in root.rglob("*") if f.is_file()]
    return sum(f.stat().st_blocks * 512 for f in files) / 1e6


def postgres_sizes(url: str) -> str:
    """Disk taken by PostgreSQL's search: the comments' stored vectors and every search index."""
    from consult.search import postgres_engine

    names = ["ix_comment_search_vector", *[str(index.name) for index in postgres_engine.INDEXES.values()]]
    (total, table, indexes), = db_query(
        url, "SELECT pg_total_relation_size('comment_search'), pg_table_size('comment_search'), "
             "(SELECT sum(pg_relation_size(c.oid)) FROM pg_class c WHERE c.relname = ANY(:names))",
        {"names": names})
    return (f"comment_search {total / 1e6:.0f} MB with its indexes (the stored vectors {table / 1e6:.0f} MB); "
            f"the GIN indexes {int(indexes or 0) / 1e6:.0f} MB ({', '.join(names)})")


def build_fts5(url: str, folder: str) -> tuple[sqlite3.Connection, str]:
    """An FTS5 table over the published comments' texts (streamed), and what it took."""
    from sqlalchemy import create_engine, text

    path = os.path.join(folder, "fts.sqlite3")
    con = sqlite3.connect(path)
    con.execute("CREATE VIRTUAL TABLE fts USING fts5(body, tokenize='porter unicode61')")
    engine = create_engine(url)
    t = time.perf_counter()
    rows = 0
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=10_000).execute(
            text("SELECT id, body FROM comments WHERE status = 'published' ORDER BY id"))
        for part in result.partitions():
            con.executemany("INSERT INTO fts(rowid, body) VALUES (?, ?)", part)
            rows += len(part)
    con.commit()
    engine.dispose()
    secs = time.perf_counter() - t
    return con, f"{rows:,} comments in {secs:.1f} s, {du_mb(path):.0f} MB on disk"


def fts5_ranked_all(con: sqlite3.Connection, q: str) -> bool:
    """FTS5 as it comes: rank every match, count every match exactly. True if estimated."""
    con.execute("SELECT rowid, snippet(fts, 0, '<mark>', '</mark>', '…', 20) FROM fts "
                "WHERE fts MATCH ? ORDER BY rank LIMIT 20", (q,)).fetchall()
    con.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (q,)).fetchone()
    return False


def fts5_capped(con: sqlite3.Connection, q: str, cap: int, low: int, high: int) -> bool:
    """FTS5 with the other engines' rules: rank the first `cap` matches in key order; count
    exactly below the cap, else estimate from how far through the keys the cap reached (two
    figures, as postgres_engine._total does). True if the total was estimated."""
    first = con.execute("SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid LIMIT ?", (q, cap)).fetchall()
    reached = first[-1][0] if first else high
    con.execute("SELECT rowid, snippet(fts, 0, '<mark>', '</mark>', '…', 20) FROM fts "
                "WHERE fts MATCH ? AND rowid <= ? ORDER BY rank LIMIT 20", (q, reached)).fetchall()
    # The estimate itself, len(first) * (high - low + 1) / (reached - low + 1), costs nothing.
    return len(first) >= cap


def compare(con, index_dir, queries, runs, kinds):
    """The same queries, interleaved, on Whoosh (search()), FTS5 as it comes and FTS5 capped."""
    from consult import search
    from consult.search import whoosh_engine

    cap = whoosh_engine.MAX_RANKED
    low, high = con.execute("SELECT min(rowid), max(rowid) FROM fts").fetchone()
    lat: dict[str, list[float]] = {"whoosh": [], "fts": [], "fts_capped": []}
    estimated = {name: 0 for name in lat}
    for run in range(runs):
        for q in queries:
            for name in lat:
                t = time.perf_counter()
                if name == "fts":
                    was_estimated = fts5_ranked_all(con, q)
                elif name == "fts_capped":
                    was_estimated = fts5_capped(con, q, cap, low, high)
                else:
                    was_estimated = not search.search(index_dir, q, kinds=kinds).exact
                lat[name].append(time.perf_counter() - t)
                estimated[name] += was_estimated if run == 0 else 0
    out = {f"{name}_estimated": n for name, n in estimated.items()}
    for name, values in lat.items():
        out[f"{name}_p50_ms"], out[f"{name}_p95_ms"] = pct(values, 50) * 1000, pct(values, 95) * 1000
    return out


def fts5_estimate(con: sqlite3.Connection, q: str, cap: int, low: int, high: int) -> tuple[int, int]:
    """(estimated total as fts5_capped would show it, exact count) for one query."""
    first = con.execute("SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid LIMIT ?", (q, cap)).fetchall()
    (exact,), = con.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (q,)).fetchall()
    if len(first) < cap:
        return len(first), exact
    total = len(first) * (high - low + 1) / max(first[-1][0] - low + 1, 1)
    return max(len(first), int(float(f"{total:.2g}"))), exact


def accuracy(app, con, index_dir: str, queries: list[str], on_postgres: bool) -> None:
    """How far each engine's "about N" is from the exact count, by that engine's own matching
    rules (comments only): the engine run once as it is, then with the cap lifted (every match
    ranked and counted; slow, which is why the cap exists)."""
    from consult import search
    from consult.extensions import db
    from consult.search import PostgresSearch, postgres_engine, whoosh_engine

    low, high = con.execute("SELECT min(rowid), max(rowid) FROM fts").fetchone()
    pairs: dict[str, list[tuple[str, int, int]]] = {"Whoosh": [], "FTS5 capped": [], "PostgreSQL": []}
    for q in queries:
        about, exact = fts5_estimate(con, q, whoosh_engine.MAX_RANKED, low, high)
        pairs["FTS5 capped"].append((q, about, exact))
        about = search.search(index_dir, q, kinds=("comment",)).total
        whoosh_engine.MAX_RANKED, cap = 10**9, whoosh_engine.MAX_RANKED
        try:
            exact = search.search(index_dir, q, kinds=("comment",)).total
        finally:
            whoosh_engine.MAX_RANKED = cap
        pairs["Whoosh"].append((q, about, exact))
        if on_postgres:
            with app.app_context():
                engine = PostgresSearch()
                about = engine.search(db.session, q, kinds=("comment",)).total
                db.session.rollback()
                postgres_engine.MAX_RANKED, cap = 10**9, postgres_engine.MAX_RANKED
                try:
                    exact = engine.search(db.session, q, kinds=("comment",)).total
                finally:
                    postgres_engine.MAX_RANKED = cap
                db.session.rollback()
                db.session.remove()
            pairs["PostgreSQL"].append((q, about, exact))
    for name, rows in pairs.items():
        over = [(about / exact, q, about, exact) for q, about, exact in rows if about != exact and exact]
        if not rows:
            continue
        if not over:
            print(f"totals ({name}): all {len(rows)} exact", flush=True)
            continue
        over.sort()
        worst = max(over, key=lambda r: max(r[0], 1 / r[0]))
        within = sum(1 for r in over if 0.5 <= r[0] <= 2)
        print(f"totals ({name}): {len(over)} of {len(rows)} estimated; estimate / exact from {over[0][0]:.2f} "
              f"to {over[-1][0]:.2f}, {within} of {len(over)} within a factor of 2; worst "
              f"{worst[1]!r}: about {worst[2]:,} for {worst[3]:,}", flush=True)
    for q, *_rest in pairs["Whoosh"]:
        cells = "; ".join(f"{name} {next(f'{a:,}/{e:,}' for qq, a, e in rows if qq == q)}"
                          for name, rows in pairs.items() if rows)
        print(f"   {q!r}: {cells} (shown / exact)", flush=True)


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
    return {"p50_ms": pct(lat, 50) * 1000, "p95_ms": pct(lat, 95) * 1000,
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
    parser.add_argument("--accuracy", action="store_true",
                        help="also compare each engine's estimated totals with exact counts (slow)")
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
    print(f"start {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
          f"{load_average()}", flush=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "SEARCH_INDEX_DIR": args.index})
    with app.app_context():
        published = db.session.scalar(select(func.count()).select_from(Comment)
                                      .where(Comment.status == CommentStatus.PUBLISHED.value)) or 0
        if args.reindex or not Path(args.index).exists():
            with TreeRss() as rss:
                t = time.perf_counter()
                search.rebuild(args.index, db.session)
                secs = time.perf_counter() - t
            documents = whoosh_documents(args.index)
            print(f"rebuild: {secs:.1f} s for {published:,} published comments "
                  f"({published / secs:.0f} comments/s; {documents:,} documents in all, "
                  f"{documents / secs:.0f}/s); peak RSS {rss.peak_sum // 1024} MB summed over "
                  f"up to {rss.most_procs} processes, {rss.peak_one // 1024} MB the largest; "
                  f"{load_average()}", flush=True)
        db.session.remove()
    if whoosh_index_exists(args.index):
        print(f"Whoosh index: {du_mb(args.index):.0f} MB on disk, {whoosh_documents(args.index):,} documents",
              flush=True)

    queries = two_word_queries(url)
    on_postgres = url.startswith("postgresql")
    if on_postgres:
        print(f"search objects: {ensure_postgres_search(url)}", flush=True)
        print(f"PostgreSQL search on disk: {postgres_sizes(url)}", flush=True)
    if not args.no_search:
        folder = tempfile.mkdtemp(prefix="consult-fts5-")
        try:
            con, built = build_fts5(url, folder)
            print(f"FTS5 table: {built}", flush=True)
            for kinds in (("comment",), ()):
                r = compare(con, args.index, queries, args.runs, kinds)
                label = "comments only" if kinds else "all kinds"
                n = len(queries)
                print(f"search ({label}, {n} queries x {args.runs}): Whoosh p50 {r['whoosh_p50_ms']:.1f} "
                      f"p95 {r['whoosh_p95_ms']:.1f} ms ({r['whoosh_estimated']} of {n} totals estimated); "
                      f"FTS5 (comments only) ranking and counting every match p50 {r['fts_p50_ms']:.1f} "
                      f"p95 {r['fts_p95_ms']:.1f} ms (0 estimated); FTS5 capped as the others "
                      f"p50 {r['fts_capped_p50_ms']:.1f} p95 {r['fts_capped_p95_ms']:.1f} ms "
                      f"({r['fts_capped_estimated']} of {n} estimated); {load_average()}", flush=True)
                if on_postgres:
                    p = postgres_timings(app, queries, args.runs, kinds)
                    print(f"search ({label}): PostgreSQL full-text p50 {p['p50_ms']:.1f} p95 {p['p95_ms']:.1f} ms "
                          f"({p['estimated']} of {n} totals estimated, as Whoosh's past "
                          f"{p['cap']} ranked); {load_average()}", flush=True)
            if args.accuracy:
                accuracy(app, con, args.index, queries, on_postgres)
            con.close()
        finally:
            shutil.rmtree(folder, ignore_errors=True)

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
            # On PostgreSQL part of a search's work is the server's: the backends the workers
            # hold open to this database (same machine), counted apart.
            backends = [pid for (pid,) in db_query(
                url, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                     "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")] if on_postgres else []
            cpu_before, db_before = cpu_seconds(workers), cpu_seconds(backends)
            r = summarise(load_requests(base, paths, args.workers, args.http, 120))
            cpu = (cpu_seconds(workers) - cpu_before) / max(r["n"], 1)
            db_cpu = (cpu_seconds(backends) - db_before) / max(r["n"], 1)
            server = (f", PostgreSQL CPU {db_cpu * 1000:.1f} ms/request ({len(backends)} backends)"
                      if on_postgres else "")
            print(f"HTTP /search ({r['n']} requests, {args.workers} clients, {args.workers} workers): "
                  f"p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms, {r['rps']:.1f} requests/s, "
                  f"worker CPU {cpu * 1000:.1f} ms/request{server}, statuses {r['statuses']}; "
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
            assert consultation is not None, "no consultation 'arf': seed the database with bench/seed.py"
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
    print(f"end {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}, {load_average()}", flush=True)
    return 0


def whoosh_index_exists(index_dir: str) -> bool:
    """Whether the folder holds a Whoosh index (an empty folder: the PostgreSQL-only runs)."""
    from whoosh import index as whoosh_index

    return Path(index_dir).exists() and whoosh_index.exists_in(index_dir)


def whoosh_documents(index_dir: str) -> int:
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(index_dir)
    try:
        return ix.doc_count()
    finally:
        ix.close()


if __name__ == "__main__":
    raise SystemExit(main())
