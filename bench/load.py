"""Load benchmark: serve Consult with gunicorn and measure it from a second process.

    python bench/load.py --quick                 # what `make bench` runs: 100k comments, SQLite + PostgreSQL
    python bench/load.py --comments 1000000      # the full run (see bench/README.md)
    python bench/load.py --quick --backends sqlite

For each backend: seed (bench/seed.py), rebuild the search index (`consult reindex`), start
gunicorn on a loopback port, then run the scenarios from a separate load-generator process
(threads with keep-alive http.client connections; sync gunicorn workers close after each
response, so the client reconnects as needed). Prints a table per backend and writes
docs/performance.md (unless --no-write). Figures depend on whatever else runs on the machine:
the load average is recorded at the start and the end.
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import platform
import random
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SECRET = "bench-secret-" + "x" * 20
TOKEN_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')

# --- the load-generator side (runs in a child process) ------------------------------------------


def _request(conn_box, host, port, method, path, headers=None, body=None, timeout=60):
    """One request on a kept-alive connection (reopened when the server closed it)."""
    for attempt in range(2):
        conn = conn_box.get("c")
        if conn is None:
            conn = conn_box["c"] = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn_box["c"] = None
            return response.status, response.headers, data
        except (ConnectionError, http.client.HTTPException, OSError):
            conn.close()
            conn_box["c"] = None
            if attempt:
                raise
    raise RuntimeError("unreachable")


def load_requests(base, paths, concurrency, total, seconds, headers=None):
    """GET `paths` (round robin) from `concurrency` threads: bounded by count and by time."""
    u = urllib.parse.urlsplit(base)
    latencies, statuses, errors = [], {}, []
    lock = threading.Lock()
    counter = iter(range(total))
    deadline = time.monotonic() + seconds

    def worker():
        box = {}
        while time.monotonic() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            path = paths[n % len(paths)]
            t = time.perf_counter()
            try:
                status, _h, data = _request(box, u.hostname, u.port, "GET", path, headers)
            except Exception as exc:  # noqa: BLE001
                with lock:
                    errors.append(repr(exc))
                continue
            elapsed = time.perf_counter() - t
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {"latencies": latencies, "statuses": statuses, "errors": errors[:5],
            "n_errors": len(errors), "wall": wall}


def load_comments(base, slug, anchors, sessions, clients, seconds, per_user):
    """`clients` concurrent citizens post comments through the real form (CSRF and all).

    Each client takes the next unused user session, loads the paragraph page once for the form
    (its CSRF token), then posts up to `per_user` comments (the app allows 5 a minute per person)
    and moves on. Only the POSTs are timed; comments/s counts acknowledged comments over the
    whole wall time (form loads included).
    """
    u = urllib.parse.urlsplit(base)
    lock = threading.Lock()
    pool = iter(sessions)
    post_lat, results = [], {"ok": 0, "busy_503": 0, "errors": 0, "gets": 0, "samples": []}
    deadline = time.monotonic() + seconds

    def worker(index):
        box = {}
        rng = random.Random(index)
        while time.monotonic() < deadline:
            with lock:
                cookie = next(pool, None)
            if cookie is None:
                return
            anchor = anchors[rng.randrange(len(anchors))]
            headers = {"Cookie": f"session={cookie}"}
            try:
                status, h, page = _request(box, u.hostname, u.port, "GET", f"/c/{slug}/p/{anchor}", headers)
                results["gets"] += 1
                match = TOKEN_RE.search(page.decode())
                if status != 200 or not match:
                    with lock:
                        results["errors"] += 1
                        results["samples"].append(f"GET {status}")
                    continue
                cookie = _updated_cookie(h, cookie)
                token = match.group(1)
            except Exception as exc:  # noqa: BLE001
                with lock:
                    results["errors"] += 1
                    results["samples"].append(repr(exc))
                continue
            for n in range(per_user):
                if time.monotonic() >= deadline:
                    return
                key = uuid.uuid4().hex
                body = urllib.parse.urlencode({
                    "csrf_token": token, "submission_key": key,
                    "body": f"Bench comment {index}-{n}-{key[:8]} on the wallet {rng.random():.6f}.",
                    "respondent_type": "individual", "show_name": "name"}).encode()
                for _attempt in range(20):
                    t = time.perf_counter()
                    try:
                        status, h, data = _request(
                            box, u.hostname, u.port, "POST", f"/c/{slug}/p/{anchor}/comments",
                            {"Cookie": f"session={cookie}",
                             "Content-Type": "application/x-www-form-urlencoded"}, body)
                    except Exception as exc:  # noqa: BLE001
                        with lock:
                            results["errors"] += 1
                            results["samples"].append(repr(exc))
                        break
                    elapsed = time.perf_counter() - t
                    with lock:
                        post_lat.append(elapsed)
                    if status == 503:
                        with lock:
                            results["busy_503"] += 1
                        time.sleep(min(float(h.get("Retry-After") or 1), 1.0))
                        continue
                    with lock:
                        if status == 303 and "#comment-" in (h.get("Location") or ""):
                            results["ok"] += 1
                        else:
                            results["errors"] += 1
                            results["samples"].append(f"POST {status} {data[:200]!r}")
                    cookie = _updated_cookie(h, cookie)
                    break

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results["wall"] = time.perf_counter() - start
    results["latencies"] = post_lat
    results["samples"] = results["samples"][:5]
    return results


def _updated_cookie(headers, cookie):
    for value in headers.get_all("Set-Cookie") or []:
        if value.startswith("session="):
            return value.split(";", 1)[0][len("session="):]
    return cookie


def fetch(base, method, path, headers=None, body=None, timeout=120):
    """One timed request; returns (status, headers, body bytes, seconds)."""
    u = urllib.parse.urlsplit(base)
    t = time.perf_counter()
    status, h, data = _request({}, u.hostname, u.port, method, path, headers, body, timeout)
    return status, h, data, time.perf_counter() - t


# --- measurement helpers -------------------------------------------------------------------------

def pct(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def summarise(result):
    lat = result["latencies"]
    return {"n": len(lat), "p50_ms": pct(lat, 50) * 1000, "p95_ms": pct(lat, 95) * 1000,
            "p99_ms": pct(lat, 99) * 1000, "rps": len(lat) / result["wall"] if result["wall"] else 0,
            "statuses": result.get("statuses"), "errors": result.get("n_errors", 0)}


def cpu_seconds(pids) -> float:
    """User + system CPU time of these processes so far, in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def proc_status(pid, key):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024  # MB
    except OSError:
        return None
    return None


def worker_pids(master_pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master_pid)], capture_output=True,
                         text=True).stdout
    return [int(p) for p in out.split()]


class RssSampler:
    """Sample VmRSS of the gunicorn workers every 50 ms while a request runs."""

    def __init__(self, master_pid):
        self.master = master_pid
        self.before = {p: proc_status(p, "VmRSS") for p in worker_pids(master_pid)}
        self.peak = dict(self.before)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            for p in worker_pids(self.master):
                rss = proc_status(p, "VmRSS")
                if rss is not None:
                    self.peak[p] = max(self.peak.get(p) or 0, rss)
            self.stop.wait(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    def grown(self):
        """(pid, rss before, peak rss) of the worker that grew most (the one serving)."""
        pid = max(self.peak, key=lambda p: (self.peak[p] or 0) - (self.before.get(p) or 0))
        return pid, self.before.get(pid) or 0, self.peak[pid] or 0


# --- the run --------------------------------------------------------------------------------------

def machine():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")).split()[1])
    return {"nproc": os.cpu_count(), "ram_gb": round(mem_kb / 1024 / 1024, 1), "cpu": cpu,
            "python": platform.python_version(), "kernel": platform.release()}


def loadavg():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def consult_env(url, instance):
    env = dict(os.environ)
    env.update(DATABASE_URL=url, SECRET_KEY=SECRET, CONSULT_ENV="development",
               SEARCH_INDEX_DIR=str(instance / "index"), CONSULT_INSTANCE=str(instance))
    env.pop("SEARCH_INDEXER_THREAD", None)
    return env


def start_gunicorn(env, workers):
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).parent / "gunicorn"
    # gunicorn's stderr for as long as it runs; read back only if it fails to start.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - outlives this function, with the process
    proc = subprocess.Popen(
        [str(exe), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--timeout", "120",
         "--graceful-timeout", "5", "--backlog", "2048", "wsgi:app"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            status, *_ = fetch(base, "GET", "/", timeout=5)
            if status < 500:
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.seek(0)
            raise RuntimeError("gunicorn did not start:\n" + log.read().decode()[-3000:])
        time.sleep(0.3)
    while len(worker_pids(proc.pid)) < workers and time.monotonic() < deadline:
        time.sleep(0.2)
    return base, proc


def stop_gunicorn(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def start_queue_workers(env, count, threads):
    """`consult worker --threads N` processes beside gunicorn (the job queue of issue 15)."""
    exe = Path(sys.executable).parent / "consult"
    procs = [subprocess.Popen([str(exe), "worker", "--threads", str(threads)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
             for _ in range(count)]
    time.sleep(3 if procs else 0)  # each makes its app and starts polling the queue
    dead = [p.pid for p in procs if p.poll() is not None]
    if dead:
        stop_queue_workers(procs)
        raise RuntimeError(f"queue worker(s) {dead} did not start")
    return procs


def stop_queue_workers(procs):
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def sessions_for(url, user_ids, with_csrf=False):
    """Signed session cookies for these users, made with the app's own session serializer."""
    from consult import create_app
    from consult.extensions import db
    from consult.models import User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET,
                      "SEARCH_INDEX_DIR": "/tmp/consult-bench-unused-index"})
    with app.app_context():
        serializer = app.session_interface.get_signing_serializer(app)
        users = {u.id: u.get_id() for u in db.session.query(User).filter(User.id.in_(user_ids))}
        # A session needs its server-side record (accounts.models.UserSession).
        from consult.accounts import SESSION_KEY
        from consult.accounts.service import start_session
        keys = {i: start_session(db.session, i) for i in user_ids if i in users}
        db.session.commit()
        cookies = [serializer.dumps({"_user_id": users[i], "_fresh": True, SESSION_KEY: keys[i]})
                   for i in user_ids if i in users]
        db.session.remove()
        db.engine.dispose()
    return cookies


def db_query(url, sql, params=None):
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params or {}).all()
    finally:
        engine.dispose()


def two_word_queries(url, n=20):
    """`n` two-word queries made of words from published comments (the same ones every run)."""
    rng = random.Random(7)
    words = [w for (w,) in db_query(url, "SELECT body FROM comments WHERE status='published' "
                                         "ORDER BY id LIMIT 300")
             for w in re.findall(r"[a-z]{5,}", w)]
    return [f"{rng.choice(words)} {rng.choice(words)}" for _ in range(n)]


def fts5_compare(url, index_dir, queries, runs, kinds=("comment",)):
    """Time the same two-word queries on Whoosh (in-process search()) and on SQLite FTS5.

    Both sides answer the same question: the top 20 documents holding all the words, ranked,
    with a highlighted extract, and how many documents match (search() is all words by
    default; FTS5 is too). `kinds=()` searches everything in Whoosh, a harder task than FTS5's
    comments-only table.
    """
    from sqlalchemy.orm import Session

    from consult import create_app, search
    from consult.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET,
                      "SEARCH_INDEX_DIR": index_dir})
    rows = db_query(url, "SELECT id, body FROM comments WHERE status = 'published'")
    tmp = tempfile.mkdtemp(prefix="consult-fts5-")
    con = sqlite3.connect(os.path.join(tmp, "fts.sqlite3"))
    t = time.perf_counter()
    con.execute("CREATE VIRTUAL TABLE fts USING fts5(body, tokenize='porter unicode61')")
    con.executemany("INSERT INTO fts(rowid, body) VALUES (?, ?)", rows)
    con.commit()
    fts_build = time.perf_counter() - t
    fts_lat, whoosh_lat = [], []
    with app.app_context():
        session = Session(db.engine)
        for _ in range(runs):
            for q in queries:
                t = time.perf_counter()
                con.execute(
                    "SELECT rowid, snippet(fts, 0, '<mark>', '</mark>', '…', 20) FROM fts "
                    "WHERE fts MATCH ? ORDER BY rank LIMIT 20", (q,)).fetchall()
                con.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (q,)).fetchone()
                fts_lat.append(time.perf_counter() - t)
                t = time.perf_counter()
                search.search(index_dir, q, kinds=kinds)
                whoosh_lat.append(time.perf_counter() - t)
        session.close()
        db.engine.dispose()
    con.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return {"rows": len(rows), "fts_build_s": fts_build, "fts_p95_ms": pct(fts_lat, 95) * 1000,
            "fts_p50_ms": pct(fts_lat, 50) * 1000, "whoosh_p95_ms": pct(whoosh_lat, 95) * 1000,
            "whoosh_p50_ms": pct(whoosh_lat, 50) * 1000}


def reindex(env):
    """Time `consult reindex` (the app's own full rebuild of the Whoosh index)."""
    consult_exe = Path(sys.executable).parent / "consult"
    t = time.perf_counter()
    out = subprocess.run([str(consult_exe), "reindex"], env=env, cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError("reindex failed: " + out.stderr[-2000:])
    return time.perf_counter() - t


def search_scenario(base, su, instance, args, pool, log):
    """Two-word queries over HTTP, then Whoosh in-process vs SQLite FTS5 on the same texts."""
    queries = two_word_queries(su)
    paths = [f"/search?q={urllib.parse.quote_plus(x)}" for x in queries]
    sr = summarise(pool.apply(load_requests, (base, paths, args.concurrency, args.scale["search"], 40)))
    cmp_ = fts5_compare(su, str(instance / "index"), queries, 2)
    log(f"   s4 search HTTP p95 {sr['p95_ms']:.0f} ms; in-process whoosh p95 {cmp_['whoosh_p95_ms']:.1f} ms "
        f"vs FTS5 p95 {cmp_['fts_p95_ms']:.1f} ms")
    return {"http": sr, "queries": queries[:5], **cmp_}


def run_backend(name, url, args, pool, log):
    """Seed, index, serve and measure one backend; returns the figures."""
    import seed as seed_module

    r = {"backend": name}
    instance = Path(tempfile.mkdtemp(prefix=f"consult-bench-{name}-"))
    log(f"\n== {name}: seeding {args.comments:,} comments")
    seed_args = seed_module.parse_args([url, "--comments", str(args.comments)])
    summary = seed_module.seed(seed_args)
    r["seed"] = summary
    log(f"   seeded in {summary['total_s']:.1f} s (comments {summary['comments_s']:.1f} s)")
    env = consult_env(url, instance)
    r["reindex_s"] = reindex(env)
    r["indexed"] = summary["published"] + sum(c["paragraphs"] for c in summary["consultations"])
    log(f"   consult reindex: {r['reindex_s']:.1f} s for ~{r['indexed']:,} documents "
        f"({r['indexed'] / r['reindex_s']:.0f}/s)")
    su = seed_module.normalise_url(url)
    hot, cold = summary["hot_anchor"], summary["cold_anchor"]
    base, proc = start_gunicorn(env, args.workers)
    queue_workers = start_queue_workers(env, args.queue_workers, args.queue_threads)
    static_name = f"bench-{secrets.token_hex(4)}.html"
    static_path = ROOT / "static" / static_name
    try:
        q = args.scale
        # warm every worker up
        pool.apply(load_requests, (base, ["/c/arf", f"/c/arf/p/{cold}"], args.workers * 2, args.workers * 4, 60))
        # --- scenario 1: document page vs the same HTML as a static file ------------------------
        status, _h, html, _s = fetch(base, "GET", "/c/arf")
        assert status == 200, status
        r["doc_bytes"] = len(html)
        r["doc_paragraphs"] = None
        static_path.write_bytes(html)
        doc = summarise(pool.apply(load_requests, (base, ["/c/arf"], args.concurrency, q["doc"], 90)))
        static = summarise(pool.apply(load_requests, (base, [f"/static/{static_name}"], args.concurrency,
                                                       q["static"], 30)))
        r["s1"] = {"doc": doc, "static": static, "ratio": doc["rps"] / static["rps"] if static["rps"] else 0}
        log(f"   s1 document p50 {doc['p50_ms']:.0f} ms p95 {doc['p95_ms']:.0f} ms {doc['rps']:.1f} req/s; "
            f"static {static['rps']:.0f} req/s; ratio {r['s1']['ratio']:.3f}")
        # --- scenario 2: paragraph with 10,000 comments vs 10 -------------------------------
        hot_r = summarise(pool.apply(load_requests, (base, [f"/c/arf/p/{hot}"], args.concurrency, q["para"], 40)))
        cold_r = summarise(pool.apply(load_requests, (base, [f"/c/arf/p/{cold}"], args.concurrency, q["para"], 40)))
        r["s2"] = {"hot": hot_r, "cold": cold_r}
        log(f"   s2 paragraph 10k p95 {hot_r['p95_ms']:.0f} ms, 10 p95 {cold_r['p95_ms']:.0f} ms")
        # --- scenario 4: search, moderation queue, bulk decision, CSV ---------------------------
        r["s4_search"] = search_scenario(base, su, instance, args, pool, log)
        moderator = sessions_for(su, [summary["moderator_id"]])[0]
        mh = {"Cookie": f"session={moderator}"}
        qr = summarise(pool.apply(load_requests, (base, ["/moderation/"], args.concurrency, q["queue"], 40, mh)))
        r["s4_queue"] = qr
        log(f"   s4 queue page p95 {qr['p95_ms']:.0f} ms")
        status, h, page, _s = fetch(base, "GET", "/moderation/", mh)
        token = TOKEN_RE.search(page.decode())
        waiting = [i for (i,) in db_query(su, "SELECT id FROM moderation_items WHERE state='waiting' "
                                              "AND campaign_key IS NULL ORDER BY created_at, id LIMIT 50")]
        cookie = _updated_cookie(h, moderator)
        form = [("csrf_token", token.group(1) if token else ""), ("outcome", "approve"),
                ("back", "/moderation/")] + [("item_ids", str(i)) for i in waiting]
        status, h, _b, secs = fetch(base, "POST", "/moderation/bulk",
                                    {"Cookie": f"session={cookie}",
                                     "Content-Type": "application/x-www-form-urlencoded"},
                                    urllib.parse.urlencode(form).encode())
        id_list = ",".join(str(i) for i in waiting)  # integers from the database, not user input
        decided = db_query(
            su, f"SELECT count(*) FROM moderation_items WHERE state='decided' AND id IN ({id_list})")[0][0]
        r["s4_bulk"] = {"items": len(waiting), "status": status, "seconds": secs, "decided": decided}
        log(f"   s4 bulk decision of {len(waiting)}: {secs:.2f} s (HTTP {status}, {decided} decided)")
        with RssSampler(proc.pid) as sampler:
            status, _h, body, secs = fetch(base, "GET", "/c/arf/comments.csv", timeout=300)
        pid, before, peak = sampler.grown()
        r["s4_csv"] = {"status": status, "seconds": secs, "bytes": len(body),
                       "rows": body.count(b"\n"), "rss_before_mb": before, "rss_peak_mb": peak}
        log(f"   s4 CSV: {secs:.1f} s, {len(body) / 1e6:.1f} MB, worker RSS {before} -> {peak} MB")
        # --- scenario 3: comment submission, 50 concurrent clients --------------------------
        lo, hi = summary["citizen_ids"]
        ids = list(range(lo + 1, hi + 1))
        random.Random(3).shuffle(ids)
        need = args.clients * (q["comment_seconds"] * 2 + 5)
        cookies = sessions_for(su, ids[:need])
        anchors = [a for (a,) in db_query(su, "SELECT anchor FROM paragraphs p JOIN document_versions v "
                                               "ON v.id = p.version_id JOIN consultations c ON c.id = "
                                               "v.consultation_id WHERE c.slug='arf' AND p.kind != 'heading' "
                                               "ORDER BY p.position LIMIT 40")] or [cold]
        cr = pool.apply(load_comments, (base, "arf", anchors, cookies, args.clients,
                                        q["comment_seconds"], 4))
        r["s3"] = {"ok": cr["ok"], "busy_503": cr["busy_503"], "errors": cr["errors"],
                   "samples": cr["samples"], "wall": cr["wall"], "per_s": cr["ok"] / cr["wall"],
                   "p50_ms": pct(cr["latencies"], 50) * 1000, "p99_ms": pct(cr["latencies"], 99) * 1000,
                   "p95_ms": pct(cr["latencies"], 95) * 1000, "form_loads": cr["gets"]}
        log(f"   s3 comments: {r['s3']['per_s']:.1f}/s, POST p99 {r['s3']['p99_ms']:.0f} ms, "
            f"{cr['errors']} errors, {cr['busy_503']} x 503 (retried)")
        # --- scenario 5: peak RSS of the workers ----------------------------------------------
        r["s5"] = {pid: proc_status(pid, "VmHWM") for pid in worker_pids(proc.pid)}
        log(f"   s5 worker VmHWM (MB): {sorted(r['s5'].values())}")
    finally:
        static_path.unlink(missing_ok=True)
        stop_queue_workers(queue_workers)
        stop_gunicorn(proc)
        shutil.rmtree(instance, ignore_errors=True)
    return r


def pg_create():
    import psycopg

    name = f"consult_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return name, f"postgresql://postgres@127.0.0.1:5432/{name}"


def pg_drop(name):
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# --- reporting -------------------------------------------------------------------------------------

def verdict(ok):
    return "met" if ok else "**missed**"


def report(results, meta, args):
    lines = []
    add = lines.append
    add("| scenario | figure | target | " + " | ".join(r["backend"] for r in results) + " |")
    add("| --- | --- | --- | " + " | ".join("---" for _ in results) + " |")

    def row(scenario, figure, target, fmt):
        add(f"| {scenario} | {figure} | {target} | " + " | ".join(fmt(r) for r in results) + " |")

    row("seed", "time to seed", "-", lambda r: f"{r['seed']['total_s']:.1f} s "
        f"({r['seed']['comments']:,} comments, {r['seed']['waiting_items']:,} waiting)")
    row("1 document page", "p50 / p95", "p95 < 150 ms", lambda r: f"{r['s1']['doc']['p50_ms']:.0f} / "
        f"{r['s1']['doc']['p95_ms']:.0f} ms ({verdict(r['s1']['doc']['p95_ms'] < 150)})")
    row("1 document page", "requests/s (n)", "-", lambda r: f"{r['s1']['doc']['rps']:.1f} ({r['s1']['doc']['n']})")
    row("1 same HTML as static file", "requests/s (p95)", "-",
        lambda r: f"{r['s1']['static']['rps']:.0f} ({r['s1']['static']['p95_ms']:.0f} ms)")
    row("1 ratio dynamic/static", "throughput ratio", ">= 0.33",
        lambda r: f"{r['s1']['ratio']:.3f} ({verdict(r['s1']['ratio'] >= 1 / 3)})")
    row("2 paragraph, 10,000 comments", "p95", "-", lambda r: f"{r['s2']['hot']['p95_ms']:.0f} ms")
    row("2 paragraph, 10 comments", "p95", "-", lambda r: f"{r['s2']['cold']['p95_ms']:.0f} ms")
    row("3 comment submission, 50 clients", "comments/s", ">= 100",
        lambda r: f"{r['s3']['per_s']:.1f} ({verdict(r['s3']['per_s'] >= 100)})")
    row("3 comment submission", "POST p50 / p99", "p99 < 500 ms",
        lambda r: f"{r['s3']['p50_ms']:.0f} / {r['s3']['p99_ms']:.0f} ms ({verdict(r['s3']['p99_ms'] < 500)})")
    row("3 comment submission", "acknowledged / errors / 503 retried", "no errors",
        lambda r: f"{r['s3']['ok']} / {r['s3']['errors']} / {r['s3']['busy_503']} "
        f"({verdict(r['s3']['errors'] == 0)})")
    row("4 full reindex", "consult reindex", "< 60 s",
        lambda r: f"{r['reindex_s']:.1f} s, {r['indexed'] / r['reindex_s']:.0f} documents/s "
        f"({verdict(r['reindex_s'] < 60)})")
    row("4 search, two words (HTTP /search)", "p50 / p95", "p95 < 100 ms",
        lambda r: f"{r['s4_search']['http']['p50_ms']:.0f} / {r['s4_search']['http']['p95_ms']:.0f} ms "
        f"({verdict(r['s4_search']['http']['p95_ms'] < 100)})")
    row("4 search in-process: Whoosh vs FTS5", "p50, p95 (ratio at p95)", "-",
        lambda r: f"Whoosh {r['s4_search']['whoosh_p50_ms']:.1f}, {r['s4_search']['whoosh_p95_ms']:.1f} ms "
        f"vs FTS5 {r['s4_search']['fts_p50_ms']:.1f}, {r['s4_search']['fts_p95_ms']:.1f} ms "
        f"({r['s4_search']['whoosh_p95_ms'] / max(r['s4_search']['fts_p95_ms'], 1e-6):.1f}x)")
    row("4 moderation queue page", "p50 / p95", "p95 < 150 ms",
        lambda r: f"{r['s4_queue']['p50_ms']:.0f} / {r['s4_queue']['p95_ms']:.0f} ms "
        f"({verdict(r['s4_queue']['p95_ms'] < 150)})")
    row("4 bulk decision", "items, time", "50 in < 1 s (full run)",
        lambda r: f"{r['s4_bulk']['decided']}/{r['s4_bulk']['items']} in {r['s4_bulk']['seconds']:.2f} s "
        f"({verdict(r['s4_bulk']['seconds'] < 1 and r['s4_bulk']['decided'] == 50)})")
    row("4 CSV export", "time, size", "< 10 s",
        lambda r: f"{r['s4_csv']['seconds']:.1f} s, {r['s4_csv']['bytes'] / 1e6:.0f} MB "
        f"({verdict(r['s4_csv']['seconds'] < 10)})")
    row("4 CSV export", "serving worker RSS before -> peak", "flat",
        lambda r: f"{r['s4_csv']['rss_before_mb']} -> {r['s4_csv']['rss_peak_mb']} MB")
    row("5 worker peak RSS (VmHWM)", "max over workers", "< 200 MB",
        lambda r: f"{max(v for v in r['s5'].values() if v)} MB "
        f"({verdict(max(v for v in r['s5'].values() if v) < 200)})")
    return "\n".join(lines)


def write_doc(table, meta, results, args):
    m = meta["machine"]
    paragraphs = results[0]["seed"]["consultations"][0]["paragraphs"]
    queue_line = (f", with {args.queue_workers} `consult worker --threads {args.queue_threads}` beside it"
                  if args.queue_workers else "")
    doc = f"""# Performance

Measured by the benchmark suite in `bench/` (see `bench/README.md`). The figures below are the
real output of one run, copied by the script itself; they are **indicative**: the machine is
shared, and other engineers may have been running test suites at the same time (see the load
average at the start and end of the run). The moderation queue at 1,000,000 comments has its
own benchmark and figures: `bench/bench_queue.py`, `docs/performance-queue.md`.

- date: {meta['date']}
- command: `{meta['command']}`
- machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, Linux {m['kernel']}, Python {m['python']}
- load average (1/5/15 min): start {meta['load_start']}, end {meta['load_end']}
- databases: {', '.join(meta['databases'])}
- data: {args.comments:,} comments seeded by `bench/seed.py` (main consultation: ARF 2.9,
  {results[0].get('doc_bytes', 0) // 1024} KB of HTML, {paragraphs} paragraphs;
  Zipf-skewed paragraphs, ~10% replies, ~3% campaign texts, ~5% more held for moderation;
  one paragraph with exactly 10,000 comments, one with exactly 10)
- server: gunicorn, {args.workers} sync workers, on 127.0.0.1{queue_line}; load from a separate process,
  {args.concurrency} concurrent keep-alive clients for reads, {args.clients} for comment submission
- total run time: {meta['elapsed_s']:.0f} s

## Results

{table}

Notes on method:

- Scenario 1 compares the document page with the very same HTML saved under `static/` and
  served by the same gunicorn in the same run (the ratio of requests/s is the figure), the
  same number of requests of each (600 in the quick run, 3,000 in the full one).
- Scenario 3 signs session cookies with the app's own session serializer (as
  `tests/test_concurrency.py` does), loads the paragraph page once per citizen for the form's
  CSRF token, then posts up to 4 comments per citizen (the app allows 5 a minute per person).
  Latency is of the POSTs; comments/s is acknowledged comments over the whole wall time,
  form loads included. A 503 with Retry-After (busy SQLite) is retried with the same
  submission key and is not an error.
- Search: the HTTP figure is `/search?q=<two words>` across everything. The in-process
  comparison runs the same queries through `consult.search.search()` (Whoosh, comments only)
  and through an SQLite FTS5 table (porter tokenizer) built from the same published comment
  texts in a temporary file: the top 20 documents holding both words, by rank, with a
  snippet, plus the total count (FTS5 counts exactly; Whoosh ranks at most 500 matches and
  estimates the total past that).
- CSV: time to stream the whole body of `/c/arf/comments.csv`; the RSS of the worker that
  served it is sampled every 50 ms.
- Peak RSS: `VmHWM` of each gunicorn worker from `/proc/<pid>/status` at the end of the run.

## Raw figures

```json
{json.dumps({"results": results}, indent=1, default=str)[:30000]}
```
"""
    return doc


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100k comments, fewer requests (make bench)")
    parser.add_argument("--comments", type=int, default=None)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--concurrency", type=int, default=None, help="concurrent clients for reads")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients posting comments")
    parser.add_argument("--queue-workers", type=int, default=0,
                        help="also run this many `consult worker` processes beside gunicorn (issue 15)")
    parser.add_argument("--queue-threads", type=int, default=2, help="threads of each queue worker")
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance.md"))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    args.comments = args.comments or (100_000 if args.quick else 1_000_000)
    args.concurrency = args.concurrency or args.workers
    # The document page and the static file get the same number of requests: with 60 (a quarter
    # of a second) the first render in each worker decided the figure.
    args.scale = ({"doc": 600, "static": 600, "para": 150, "search": 200, "queue": 150, "comment_seconds": 15}
                  if args.quick else
                  {"doc": 3000, "static": 3000, "para": 600, "search": 1000, "queue": 600, "comment_seconds": 30})
    started = time.perf_counter()
    meta = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
            "load_start": loadavg(), "command": "python bench/load.py " + " ".join(argv or sys.argv[1:]),
            "databases": []}
    print(f"Machine: {meta['machine']}; load average {meta['load_start']}", flush=True)
    ctx = multiprocessing.get_context("fork")
    pool = ctx.Pool(1)  # the load generator: a second process, forked before any database work

    def log(msg):
        print(msg, flush=True)

    results = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if backend == "sqlite":
            tmp = Path(tempfile.mkdtemp(prefix="consult-bench-db-"))
            url = f"sqlite:///{tmp / 'bench.sqlite3'}"
            meta["databases"].append("SQLite " + sqlite3.sqlite_version + " (WAL, file in /tmp)")
            try:
                results.append(run_backend("SQLite", url, args, pool, log))
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        elif backend == "postgres":
            name, url = pg_create()
            version = db_query(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://"),
                               "SHOW server_version")[0][0]
            meta["databases"].append(f"PostgreSQL {version} at 127.0.0.1:5432 (throwaway database)")
            try:
                results.append(run_backend("PostgreSQL", url, args, pool, log))
            finally:
                pg_drop(name)
        else:
            parser.error(f"unknown backend {backend}")
    pool.close()
    pool.join()
    meta["load_end"] = loadavg()
    meta["elapsed_s"] = time.perf_counter() - started
    table = report(results, meta, args)
    print("\n" + table)
    print(f"\nload average: start {meta['load_start']}, end {meta['load_end']}; "
          f"{meta['elapsed_s']:.0f} s in all")
    if not args.no_write:
        Path(args.output).write_text(write_doc(table, meta, results, args))
        print(f"Wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
