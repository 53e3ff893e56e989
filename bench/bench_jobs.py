"""Job queue benchmark (issue #15): telling 100,000 participants about a response, and comment
submission while the queue works.

    python bench/bench_jobs.py                    # 100,000 participants: SQLite, then PostgreSQL + Redis
    python bench/bench_jobs.py --quick            # 20,000 participants (a developer's run)
    python bench/bench_jobs.py --quick --setups sqlite --threads 1

For each setup (`sqlite`: SQLite database and SQLite queue file, the default install;
`redis`: PostgreSQL database and Redis queue, the many-hosts install; `redis-sqlite`: SQLite
database with the Redis queue, to tell the queue's share from the database's):

1. seed a closed consultation with N participants, each with one published comment, all
   counted under one theme with an outcome, and the response's summary saved (SQLAlchemy Core
   bulk inserts); plus an open consultation on ARF 2.9 for the submission load;
2. start an SMTP sink (aiosmtpd, real SMTP, in its own process: it counts messages and
   distinct Message-IDs and writes the counts to a file), gunicorn as bench/load.py does, and
   comment submission by 50 clients (bench/load.py's load_comments) with no queue worker yet;
3. start the queue workers (`consult worker --threads T`, 2 processes by default) and run the
   same submission load while they sit idle;
4. sign in as the official over HTTP, take the CSRF token from the publish form and POST it
   (timed), then follow the redirect to the response page (timed);
5. a few seconds later, run the submission load again while the workers deliver;
6. wait until the sink has every message, sampling each worker's VmRSS from /proc every second.

Targets (issue #15): the publish request < 1 s; every message at the sink, no duplicate
Message-ID; delivery >= 300 messages/s with 2 workers; worker RSS flat and < 200 MB; submission
>= 100 comments/s with POST p99 < 500 ms and no errors while workers run. Prints a table and
replaces the section "Job queue (issue 15)" of docs/performance.md (unless --no-write).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402 - bench/load.py: gunicorn, sessions, submission load, PostgreSQL helpers

PASSWORD = "bench-password-123"
OFFICIAL = "official@bench.example"
TOLD = "told"  # the closed consultation whose response is published
REDIS_BASE = "redis://127.0.0.1:6379"
BATCH = 10_000
SECTION = "## Job queue (issue 15)"
DOCUMENT = """# Road safety plan

## Speed

Speed limits on residential streets will be 20 mph.

Average-speed cameras will be used on rural roads with a record of collisions.

## Crossings

Every school will have a signalled crossing within 200 metres.

Crossings will give pedestrians at least 8 seconds of green.

## Cycling

Protected cycle lanes will be built on every main road.

Bicycle parking will be required at every station.
"""
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


# --- the SMTP sink (its own process: `bench_jobs.py --sink PORT FILE`) ---------------------------

def run_sink(port: int, counts_file: str) -> None:
    """Accept every message over real SMTP on 127.0.0.1:port; write the counts to a file.

    The sink stands for the department's mail relay, which is not on the web host: it runs at
    the lowest CPU priority, so that here, where it must share the two cores, it takes what the
    web server and the database leave rather than competing with them as a second host would not.
    """
    from aiosmtpd.controller import Controller

    os.nice(19)

    state = {"messages": 0, "connections": 0, "first": None, "last": None, "per_second": {}}
    ids: set[bytes] = set()
    lock = threading.Lock()

    class Handler:
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            with lock:
                state["connections"] += 1
            session.host_name = hostname
            return responses

        async def handle_DATA(self, server, session, envelope):
            found = MESSAGE_ID.search(envelope.content)
            now = time.time()
            with lock:
                state["messages"] += 1
                ids.add(found.group(1) if found else b"<none-%d>" % state["messages"])
                state["first"] = state["first"] or now
                state["last"] = now
                second = str(int(now))
                state["per_second"][second] = state["per_second"].get(second, 0) + 1
            return "250 Message accepted for delivery"

    def write():
        with lock:
            snapshot = dict(state, unique_ids=len(ids), per_second=dict(state["per_second"]))
        tmp = counts_file + ".tmp"
        Path(tmp).write_text(json.dumps(snapshot))
        os.replace(tmp, counts_file)

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.2):
            write()
    finally:
        controller.stop()
        write()


class Sink:
    """The sink process, seen from the benchmark."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.file = workdir / "sink.json"
        self.proc = subprocess.Popen([sys.executable, __file__, "--sink", str(self.port), str(self.file)],
                                     cwd=ROOT, start_new_session=True)
        deadline = time.monotonic() + 20
        while not self.file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the SMTP sink did not start")
            time.sleep(0.1)

    def counts(self) -> dict:
        for _ in range(5):
            with contextlib.suppress(OSError, ValueError):
                return json.loads(self.file.read_text())
            time.sleep(0.05)
        return {"messages": 0, "unique_ids": 0}

    def stop(self) -> dict:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.counts()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- seeding ------------------------------------------------------------------------------------

def seed(url: str, participants: int, instance: Path) -> dict:
    """The closed consultation ready to publish, N participants, and an open one for submissions."""
    from sqlalchemy import func, insert, select, update

    from consult import create_app
    from consult.consultations.service import create_consultation
    from consult.extensions import db
    from consult.models import (
        Comment,
        Consultation,
        DocumentVersion,
        Paragraph,
        Response,
        Theme,
        ThemeComment,
        User,
        utcnow,
    )
    from consult.users import create_user
    from moderation.service import current_rules

    started = time.perf_counter()
    app = create_app({"SQLALCHEMY_DATABASE_URI": _sa_url(url),
                      "SECRET_KEY": load.SECRET, "SEARCH_INDEX_DIR": str(instance / "index"),
                      "QUEUE_FILE": str(instance / "seed-queue.sqlite3"), "REDIS_URL": ""})
    with app.app_context():
        db.create_all()
        current_rules(db.session)
        db.session.commit()
        now = utcnow()
        told = create_consultation(
            db.session, slug=TOLD, files=[("told.md", DOCUMENT)], title="Road safety plan",
            department="Benchmark department", publish=True,
            opens_at=now - timedelta(days=90), closes_at=now - timedelta(days=1))
        import seed as seed_module  # bench/seed.py: the ARF 2.9 document

        open_one = create_consultation(
            db.session, slug="arf", files=[(seed_module.ARF_29.name, seed_module.ARF_29.read_text(encoding="utf-8"))],
            title="Architecture and Reference Framework (2.9)", department="Benchmark department",
            publish=True, opens_at=now - timedelta(days=10), closes_at=now + timedelta(days=365))
        db.session.flush()
        version = told.versions[0]
        paragraphs = [(p.id, p.anchor, p.number, p.text, p.fingerprint) for p in version.paragraphs
                      if p.kind != "heading"]
        official = create_user(db.session, OFFICIAL, PASSWORD, display_name="Bench Official",
                               role="official", confirmed=True)
        first = create_user(db.session, "p0@bench.example", PASSWORD, display_name="Participant 0", confirmed=True)
        told_id, version_id, official_id, open_id = told.id, version.id, official.id, open_one.id
        password_hash = first.password_hash
        db.session.commit()
        users = User.__table__
        with db.engine.begin() as conn:
            rows = []
            for i in range(1, participants):
                rows.append({"email": f"p{i}@bench.example", "password_hash": password_hash,
                             "display_name": f"Participant {i}", "role": "citizen",
                             "email_confirmed_at": now, "created_at": now - timedelta(days=90),
                             "session_version": 1})
                if len(rows) == BATCH:
                    conn.execute(insert(users), rows)
                    rows = []
            if rows:
                conn.execute(insert(users), rows)
        db.session.commit()  # end any read snapshot taken before the bulk insert
        user_ids = list(db.session.scalars(select(User.id).where(User.role == "citizen").order_by(User.id)))
        db.session.commit()
        theme = Theme(consultation_id=told_id, title="Safer streets for children",
                      said="Many asked for lower speeds near schools.", outcome="changed",
                      reasons="We lowered the limit near every school.", position=0, updated_by=official_id)
        db.session.add(theme)
        db.session.add(Response(consultation_id=told_id, from_version=1,
                                summary="We read every comment; here is what we changed.",
                                next_steps="The revised plan goes to the council in spring."))
        db.session.flush()
        theme_id = theme.id
        next_id = (db.session.scalar(select(func.max(Comment.id))) or 0) + 1
        db.session.commit()
        comments, counted = [], []

        def flush():
            with db.engine.begin() as conn:
                conn.execute(insert(Comment.__table__), comments)
                conn.execute(insert(ThemeComment.__table__), counted)
            comments.clear()
            counted.clear()

        for n, author in enumerate(user_ids):
            cid = next_id + n
            p = paragraphs[n % len(paragraphs)]
            body = f"Comment {n} from participant {author}: please make the crossings safer for children."
            created = now - timedelta(days=60) + timedelta(seconds=n)
            comments.append({
                "id": cid, "consultation_id": told_id, "version_id": version_id, "paragraph_id": p[0],
                "anchor": p[1], "paragraph_number": p[2], "paragraph_text": p[3], "paragraph_fingerprint": p[4],
                "parent_id": None, "author_id": author, "body": body, "body_html": f"<p>{body}</p>",
                "stance": "support", "respondent_type": "individual", "organisation": None, "show_name": True,
                "status": "published", "status_reason": None, "submission_key": f"seed-{cid}",
                "created_at": created, "published_at": created, "edited_at": None, "withdrawn_at": None,
                "revision": 1})
            counted.append({"theme_id": theme_id, "comment_id": cid, "assigned_by": official_id,
                            "assigned_at": now})
            if len(comments) == BATCH:
                flush()
        if comments:
            flush()
        # The consultation closed yesterday (create_consultation wants the close after the opening).
        db.session.execute(update(Consultation).where(Consultation.id == told_id)
                           .values(closes_at=now - timedelta(hours=1)))
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('comments', 'id'), "
                                     "(SELECT MAX(id) FROM comments))")
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        anchors = list(db.session.scalars(
            select(Paragraph.anchor).join(DocumentVersion, DocumentVersion.id == Paragraph.version_id)
            .where(DocumentVersion.consultation_id == open_id, Paragraph.kind != "heading")
            .order_by(Paragraph.position).limit(40)))
        db.session.remove()
        db.engine.dispose()
    return {"participants": len(user_ids), "user_ids": user_ids, "anchors": anchors,
            "seconds": round(time.perf_counter() - started, 1)}


def _sa_url(url: str) -> str:
    return "postgresql+psycopg://" + url[len("postgresql://"):] if url.startswith("postgresql://") else url


# --- the processes: queue workers, gunicorn ---------------------------------------------------------

class Workers:
    """`consult worker --threads T` processes, their logs, and their VmRSS every second."""

    def __init__(self, env: dict, count: int, threads: int, workdir: Path, nice: int = 0):
        exe = Path(sys.executable).parent / "consult"
        prefix = ["nice", "-n", str(nice)] if nice else []
        self.logs = [workdir / f"worker-{i}.log" for i in range(count)]
        self.procs = []
        for log_path in self.logs:
            with log_path.open("wb") as log_file:
                self.procs.append(subprocess.Popen([*prefix, str(exe), "worker", "--threads", str(threads)], env=env,
                                                   cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT,
                                                   start_new_session=True))
        deadline = time.monotonic() + 60
        while not all("Consult worker:" in p.read_text(errors="replace") for p in self.logs):
            if any(proc.poll() is not None for proc in self.procs) or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("a worker did not start:\n" + "\n".join(p.read_text()[-2000:] for p in self.logs))
            time.sleep(0.2)
        self.samples: list[tuple[float, list[int | None]]] = []  # (seconds since start, VmRSS MB per worker)
        self._stop = threading.Event()
        self._t0 = time.monotonic()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.monotonic() - self._t0, [load.proc_status(pid, "VmRSS") for pid in self.pids]))
            self._stop.wait(1.0)

    def rss_between(self, start: float, end: float) -> dict:
        """First, peak and last VmRSS (MB) of each worker over a span of the monotonic clock."""
        a, b = start - self._t0, end - self._t0
        window = [s for t, s in self.samples if a <= t <= b] or [s for _t, s in self.samples[-1:]]
        per = []
        for i in range(len(self.procs)):
            values = [s[i] for s in window if s[i] is not None]
            per.append({"first": values[0], "peak": max(values), "last": values[-1]} if values else {})
        return {"per_worker": per, "samples": len(window),
                "series": [[round(t, 1), *s] for t, s in self.samples if a <= t <= b][::5]}

    def problems(self) -> list[str]:
        """Lines of the workers' logs that say something went wrong."""
        bad = re.compile(r"Traceback|ERROR|WARNING|locked|could not", re.IGNORECASE)
        return [line for p in self.logs for line in p.read_text(errors="replace").splitlines() if bad.search(line)]

    def stop(self) -> None:
        if hasattr(self, "_stop"):
            self._stop.set()
            self._thread.join()
        load.stop_queue_workers(self.procs)


class Browser:
    """One signed-in person over HTTP: cookies kept, forms read for their CSRF token."""

    def __init__(self, base: str):
        self.base = base
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, h, data, seconds = load.fetch(self.base, method, path, headers, body, timeout=300)
        for value in h.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return status, h, data, seconds

    def token(self, path: str) -> str:
        status, _h, page, _s = self.request("GET", path)
        match = load.TOKEN_RE.search(page.decode())
        if status != 200 or not match:
            raise RuntimeError(f"GET {path}: {status}, no form")
        return match.group(1)

    def sign_in(self, email: str, password: str) -> None:
        token = self.token("/login")
        status, h, _d, _s = self.request("POST", "/login", {"csrf_token": token, "email": email,
                                                             "password": password, "next": ""})
        if status not in (302, 303):
            raise RuntimeError(f"signing in as {email}: HTTP {status}")


# --- one setup ----------------------------------------------------------------------------------------

def job_state(url: str) -> dict:
    rows = load.db_query(_sa_url(url), "SELECT state, done, total, started_at, finished_at, error "
                                       "FROM background_jobs WHERE kind = 'tell_response' ORDER BY id DESC LIMIT 1")
    if not rows:
        return {}
    state, done, total, started, finished, error = rows[0]
    return {"state": state, "done": done, "total": total, "started_at": str(started), "finished_at": str(finished),
            "error": error}


def submission(pool, base, anchors, cookies, args) -> dict:
    """bench/load.py's scenario 3 (50 clients through the real form) on the open consultation."""
    return pool.apply_async(load.load_comments, (base, "arf", anchors, cookies, args.clients,
                                                 args.comment_seconds, 4))


def summarise_submission(cr: dict) -> dict:
    return {"ok": cr["ok"], "errors": cr["errors"], "busy_503": cr["busy_503"], "samples": cr["samples"],
            "wall": round(cr["wall"], 1), "per_s": cr["ok"] / cr["wall"] if cr["wall"] else 0,
            "p50_ms": load.pct(cr["latencies"], 50) * 1000, "p99_ms": load.pct(cr["latencies"], 99) * 1000}


def run_setup(setup: str, args, pool, log) -> dict:
    """Seed, serve, publish and measure one storage setup; returns its figures."""
    database, queue = {"sqlite": ("sqlite", "sqlite"), "redis": ("postgres", "redis"),
                       "redis-sqlite": ("sqlite", "redis")}[setup]
    r: dict = {"setup": setup, "database": database, "queue": queue}
    workdir = Path(tempfile.mkdtemp(prefix=f"consult-bench-jobs-{setup}-"))
    instance = workdir / "instance"
    instance.mkdir()
    pg_name = None
    if database == "sqlite":
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        pg_name, url = load.pg_create()
    redis_url = f"{REDIS_BASE}/{args.redis_db}" if queue == "redis" else ""
    if redis_url:
        _flush_redis(redis_url)
    cleanup = []
    try:
        log(f"\n== {setup}: {database} database, {queue} queue; seeding {args.participants:,} participants")
        seeded = seed(url, args.participants, instance)
        r["seed_s"] = seeded["seconds"]
        r["participants"] = seeded["participants"]
        log(f"   seeded in {seeded['seconds']:.1f} s")
        sink = Sink(workdir)
        cleanup.append(sink.stop)
        env = load.consult_env(url, instance)
        env.update(QUEUE_FILE=str(instance / "queue.sqlite3"), REDIS_URL=redis_url, QUEUE_NAME="consult-bench",
                   MAIL_SERVER="127.0.0.1", MAIL_PORT=str(sink.port), MAIL_FROM="consult@bench.example",
                   SITE_URL="https://consult.bench.example")
        if args.mail_per_second:
            env["MAIL_PER_SECOND"] = str(args.mail_per_second)
        if not redis_url:
            env.pop("REDIS_URL")
        # Session cookies for the three submission runs (distinct people: 5 comments a minute each).
        need = args.clients * (args.comment_seconds * 2 + 5)
        ids = seeded["user_ids"][:]
        __import__("random").Random(3).shuffle(ids)
        cookies = load.sessions_for(_sa_url(url), ids[:3 * need])
        runs = [cookies[i * need:(i + 1) * need] for i in range(3)]
        base, gunicorn = load.start_gunicorn(env, args.web_workers)
        cleanup.append(lambda: load.stop_gunicorn(gunicorn))
        pool.apply(load.load_requests, (base, ["/c/arf", f"/c/arf/p/{seeded['anchors'][0]}"],
                                        args.web_workers * 2, args.web_workers * 4, 60))
        # --- submission with no queue worker (this run's baseline) ----------------------------
        r["submit_baseline"] = summarise_submission(submission(pool, base, seeded["anchors"], runs[0], args).get())
        log(f"   submission, no worker:       {_said(r['submit_baseline'])}")
        # --- workers idle -----------------------------------------------------------------------
        workers = Workers(env, args.workers, args.threads, workdir, args.worker_nice)
        cleanup.insert(0, workers.stop)
        r["submit_idle"] = summarise_submission(submission(pool, base, seeded["anchors"], runs[1], args).get())
        log(f"   submission, workers idle:    {_said(r['submit_idle'])}")
        # --- publish ------------------------------------------------------------------------------
        official = Browser(base)
        official.sign_in(OFFICIAL, PASSWORD)
        token = official.token(f"/manage/{TOLD}/response/publish")
        load_at_publish = load.loadavg()
        cpu0 = {"workers": load.cpu_seconds(workers.pids), "sink": load.cpu_seconds([sink.proc.pid]),
                "web": load.cpu_seconds(load.worker_pids(gunicorn.pid))}
        wall0, t0 = time.time(), time.monotonic()
        status, h, _d, post_s = official.request("POST", f"/manage/{TOLD}/response/publish", {"csrf_token": token})
        location = h.get("Location") or ""
        page_status, _h, page, page_s = official.request("GET", urllib.parse.urlsplit(location).path or "/")
        r["publish"] = {"status": status, "location": location, "post_s": post_s, "page_status": page_status,
                        "page_s": page_s, "page_bytes": len(page)}
        log(f"   publish POST: HTTP {status} in {post_s * 1000:.0f} ms; response page HTTP {page_status} "
            f"in {page_s * 1000:.0f} ms")
        if status != 303:
            raise RuntimeError(f"publishing answered {status}: {_d[:500]!r}")
        profiles = (start_profiles(workers.pids, Path(args.profile) / setup, args.profile_seconds,
                                   args.profile_gil)
                    if args.profile else [])
        # --- submission while the workers deliver -------------------------------------------------
        time.sleep(args.submit_delay)
        busy = submission(pool, base, seeded["anchors"], runs[2], args)
        # --- wait for every message ---------------------------------------------------------------
        expected = seeded["participants"]
        timeline, last_change, seen = [], time.monotonic(), 0
        fanned_out_at = None
        while True:
            time.sleep(1.0)
            c = sink.counts()
            now = time.monotonic()
            if c["messages"] != seen:
                seen, last_change = c["messages"], now
            if fanned_out_at is None and int(now - t0) % 3 == 0:
                job = job_state(url)
                if job.get("state") in ("done", "failed"):
                    fanned_out_at = now
                    r["job"] = job
            timeline.append((round(now - t0, 1), c["messages"]))
            if len(timeline) % 10 == 0:
                log(f"   {now - t0:5.0f} s: {c['messages']:,} messages at the sink ({c['unique_ids']:,} distinct)")
            if c["messages"] >= expected and busy.ready():
                break
            if now - last_change > args.stall_seconds:
                log(f"   no new message for {args.stall_seconds} s: stopping the wait")
                break
        end = time.monotonic()
        time.sleep(2.0)  # anything sent twice would arrive now
        counts = sink.counts()
        cpu1 = {"workers": load.cpu_seconds(workers.pids), "sink": load.cpu_seconds([sink.proc.pid]),
                "web": load.cpu_seconds(load.worker_pids(gunicorn.pid))}
        r["submit_delivering"] = summarise_submission(busy.get())
        log(f"   submission, delivering:      {_said(r['submit_delivering'])}")
        r.setdefault("job", job_state(url))
        first, last = counts.get("first") or wall0, counts.get("last") or wall0
        r["delivery"] = {
            "expected": expected, "messages": counts["messages"], "unique_ids": counts["unique_ids"],
            "duplicates": counts["messages"] - counts["unique_ids"], "connections": counts["connections"],
            "first_after_s": first - wall0, "end_to_end_s": last - wall0,
            "rate": counts["messages"] / (last - first) if last > first else 0,
            "fan_out_s": (fanned_out_at - t0) if fanned_out_at else None,
            "peak_second": max((counts.get("per_second") or {"0": 0}).values()),
            "load_at_publish": load_at_publish, "load_after": load.loadavg(),
            "cpu_s": {k: round(cpu1[k] - cpu0[k], 1) for k in cpu0},
            "timeline": timeline[::5]}
        d = r["delivery"]
        d["worker_cpu_ms_per_message"] = d["cpu_s"]["workers"] * 1000 / max(1, counts["messages"])
        mailed = load.db_query(_sa_url(url), "SELECT count(*) FROM notifications WHERE mailed_at IS NOT NULL")[0][0]
        d["mailed_in_db"] = mailed
        r["rss"] = workers.rss_between(t0, end)
        r["worker_problems"] = workers.problems()[:20]
        r["threads"], r["workers"] = args.threads, args.workers
        log(f"   delivered {counts['messages']:,}/{expected:,} ({d['duplicates']} duplicates) at {d['rate']:.0f}/s; "
            f"end to end {d['end_to_end_s']:.0f} s; fan-out done at {d['fan_out_s'] or float('nan'):.0f} s; "
            f"worker RSS {[w.get('first') for w in r['rss']['per_worker']]} -> peak "
            f"{[w.get('peak') for w in r['rss']['per_worker']]} MB; CPU {d['cpu_s']}")
        for proc in profiles:
            proc.wait()
        if profiles:
            log(f"   py-spy profiles of the workers in {Path(args.profile) / setup}")
    finally:
        for step in cleanup:
            with contextlib.suppress(Exception):
                step()
        if pg_name:
            load.pg_drop(pg_name)
        if redis_url:
            _flush_redis(redis_url)
        shutil.rmtree(workdir, ignore_errors=True)
    return r


def _said(s: dict) -> str:
    return (f"{s['per_s']:.1f} comments/s, POST p50 {s['p50_ms']:.0f} ms p99 {s['p99_ms']:.0f} ms, "
            f"{s['errors']} errors, {s['busy_503']} x 503 retried")


def _flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


# --- profiling (optional) -------------------------------------------------------------------------

def start_profiles(pids: list[int], out: Path, seconds: int, gil: bool) -> list[subprocess.Popen]:
    """py-spy record (collapsed stacks) of each worker for a while: every busy thread's wall
    time, waits included (SMTP replies, SQLite's write lock); with `gil`, only the thread
    holding the GIL (where the CPU goes)."""
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out.mkdir(parents=True, exist_ok=True)
    return [subprocess.Popen([exe, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "50",
                              "--format", "raw", "--output", str(out / f"worker-{i}.txt"), "--nonblocking"]
                             + (["--gil"] if gil else []),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for i, pid in enumerate(pids)]


# --- reporting -------------------------------------------------------------------------------------

def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def table(results: list[dict]) -> str:
    lines = ["| figure | target | " + " | ".join(_label(r) for r in results) + " |",
             "| --- | --- | " + " | ".join("---" for _ in results) + " |"]

    def row(figure, target, fmt):
        cells = []
        for r in results:
            try:
                cells.append(fmt(r))
            except (KeyError, TypeError, ValueError):
                cells.append("-")
        lines.append(f"| {figure} | {target} | " + " | ".join(cells) + " |")

    row("participants (seeded in)", "-", lambda r: f"{r['participants']:,} ({r['seed_s']:.0f} s)")
    row("publish: POST answered", "< 1 s", lambda r: f"{r['publish']['post_s'] * 1000:.0f} ms, HTTP "
        f"{r['publish']['status']} ({verdict(r['publish']['post_s'] < 1 and r['publish']['status'] == 303)})")
    row("publish: the response page after it", "-", lambda r: f"{r['publish']['page_s'] * 1000:.0f} ms")
    row("messages at the sink / participants", "all", lambda r: f"{r['delivery']['messages']:,} / "
        f"{r['delivery']['expected']:,} ({verdict(r['delivery']['messages'] == r['delivery']['expected'])})")
    row("duplicate Message-IDs", "0", lambda r: f"{r['delivery']['duplicates']} "
        f"({verdict(r['delivery']['duplicates'] == 0)})")
    row("delivery rate (first to last message)", ">= 300/s", lambda r: f"{r['delivery']['rate']:.0f}/s "
        f"({verdict(r['delivery']['rate'] >= 300)}); best second {r['delivery']['peak_second']}")
    row("end to end (publish to last message)", "-", lambda r: f"{r['delivery']['end_to_end_s']:.0f} s "
        f"(first message after {r['delivery']['first_after_s']:.1f} s)")
    row("fan-out job done (all notifications recorded)", "-", lambda r: f"{r['delivery']['fan_out_s']:.0f} s")
    row("worker RSS: first -> peak -> last", "flat, < 200 MB", lambda r: "; ".join(
        f"{w['first']} -> {w['peak']} -> {w['last']} MB" for w in r["rss"]["per_worker"])
        + f" ({verdict(max(w['peak'] for w in r['rss']['per_worker']) < 200)})")
    row("CPU while delivering: workers / web / sink", "-", lambda r: f"{r['delivery']['cpu_s']['workers']:.0f} / "
        f"{r['delivery']['cpu_s']['web']:.0f} / {r['delivery']['cpu_s']['sink']:.0f} s "
        f"({r['delivery']['worker_cpu_ms_per_message']:.1f} ms of worker CPU a message)")
    for key, name in (("submit_baseline", "no worker running"), ("submit_idle", "workers idle"),
                      ("submit_delivering", "workers delivering")):
        row(f"submission, {name}: comments/s", ">= 100" if key != "submit_baseline" else "-",
            lambda r, k=key: f"{r[k]['per_s']:.1f}" + (f" ({verdict(r[k]['per_s'] >= 100)})"
                                                         if k != "submit_baseline" else ""))
        row(f"submission, {name}: POST p50 / p99", "p99 < 500 ms" if key != "submit_baseline" else "-",
            lambda r, k=key: f"{r[k]['p50_ms']:.0f} / {r[k]['p99_ms']:.0f} ms"
            + (f" ({verdict(r[k]['p99_ms'] < 500)})" if k != "submit_baseline" else ""))
        row(f"submission, {name}: acknowledged / errors / 503 retried", "no errors",
            lambda r, k=key: f"{r[k]['ok']} / {r[k]['errors']} / {r[k]['busy_503']} ({verdict(r[k]['errors'] == 0)})")
    row("load average at publish -> after", "-", lambda r: f"{r['delivery']['load_at_publish']} -> "
        f"{r['delivery']['load_after']}")
    return "\n".join(lines)


def _label(r: dict) -> str:
    db_name = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[r["database"]]
    queue = {"sqlite": "SQLite queue file", "redis": "Redis queue"}[r["queue"]]
    return f"{db_name} + {queue}"


def section(results: list[dict], meta: dict, args) -> str:
    m = meta["machine"]
    return f"""{SECTION}

Measured by `bench/bench_jobs.py` (see `bench/README.md`): publishing a response to
{args.participants:,} participants, each with one published comment counted under a theme, and
comment submission while the queue works. Indicative: the machine is shared (load averages below).

- date: {meta['date']}
- command: `{meta['command']}`
- machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, Python {m['python']}
- load average (1/5/15 min): start {meta['load_start']}, end {meta['load_end']}
- queue workers: {args.workers} processes of `consult worker --threads {args.threads}` (at most
  {args.mail_per_second or 200} messages a second each: MAIL_PER_SECOND); gunicorn
  {args.web_workers} sync workers; mail to an aiosmtpd sink (real SMTP on a loopback port, its
  own process at the lowest CPU priority, standing for a mail relay on another host, counting
  messages and distinct Message-IDs); load from a separate process
- submission: bench/load.py's scenario 3 ({args.clients} clients through the real form, up to 4
  comments each, {args.comment_seconds} s) on an open consultation on ARF 2.9, three times: before
  any worker runs, with the workers idle, and from {args.submit_delay} s after publishing, while
  they deliver

{table(results)}

Delivery rate is messages over the time from the first message at the sink to the last; end to
end counts from the POST. "Fan-out job done" is when the `tell_response` job had recorded every
notification (sampled every 3 s).
"""


def write_section(path: Path, text: str, heading: str = SECTION) -> None:
    """Put the section (under `heading`) into docs/performance.md: in place of the last one, or
    before the raw figures."""
    doc = path.read_text() if path.exists() else "# Performance\n"
    start = doc.find(heading)
    if start >= 0:
        nxt = doc.find("\n## ", start + len(heading))
        doc = doc[:start] + text + ("\n" + doc[nxt + 1:] if nxt >= 0 else "")
    else:
        raw = doc.find("\n## Raw figures")
        doc = doc[:raw + 1] + text + "\n" + doc[raw + 1:] if raw >= 0 else doc.rstrip("\n") + "\n\n" + text
    path.write_text(doc)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 participants, 15 s of submission load")
    parser.add_argument("--participants", type=int, default=None, help="default 100,000 (20,000 with --quick)")
    parser.add_argument("--setups", default="sqlite,redis", help="sqlite, redis (PostgreSQL + Redis), redis-sqlite")
    parser.add_argument("--workers", type=int, default=2, help="queue worker processes (default 2)")
    parser.add_argument("--threads", type=int, default=2, help="threads of each worker (default 2)")
    parser.add_argument("--mail-per-second", type=int, default=0,
                        help="MAIL_PER_SECOND for each worker (default: the app's, 200)")
    parser.add_argument("--worker-nice", type=int, default=0,
                        help="start the queue workers under `nice -n N` (a worker sharing the web host)")
    parser.add_argument("--web-workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--comment-seconds", type=int, default=None, help="default 30 (15 with --quick)")
    parser.add_argument("--submit-delay", type=int, default=5, help="seconds after publishing")
    parser.add_argument("--stall-seconds", type=int, default=150, help="give up after this long with no message")
    parser.add_argument("--redis-db", type=int, default=11, help="the Redis database flushed before and after")
    parser.add_argument("--profile", default="", help="a folder: py-spy records each worker while it delivers")
    parser.add_argument("--profile-seconds", type=int, default=40)
    parser.add_argument("--profile-gil", action="store_true", help="profile only the thread holding the GIL")
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance.md"))
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--json", default="", help="also write the raw figures to this file")
    parser.add_argument("--sink", nargs=2, metavar=("PORT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sink:
        run_sink(int(args.sink[0]), args.sink[1])
        return 0
    args.participants = args.participants or (20_000 if args.quick else 100_000)
    args.comment_seconds = args.comment_seconds or (15 if args.quick else 30)
    started = time.perf_counter()
    meta = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": load.machine(),
            "load_start": load.loadavg(), "command": "python bench/bench_jobs.py " + " ".join(argv or sys.argv[1:])}
    print(f"Machine: {meta['machine']}; load average {meta['load_start']}", flush=True)
    # Apps made in this process (seeding, session cookies) keep their files out of the repository.
    scratch = Path(tempfile.mkdtemp(prefix="consult-bench-jobs-"))
    os.environ["CONSULT_INSTANCE"] = str(scratch)
    pool = multiprocessing.get_context("fork").Pool(1)  # the load generator, forked before any database work

    def log(msg):
        print(msg, flush=True)

    results = []
    try:
        for setup in [s.strip() for s in args.setups.split(",") if s.strip()]:
            if setup not in ("sqlite", "redis", "redis-sqlite"):
                parser.error(f"unknown setup {setup}")
            results.append(run_setup(setup, args, pool, log))
    finally:
        pool.close()
        pool.join()
        shutil.rmtree(scratch, ignore_errors=True)
    meta["load_end"] = load.loadavg()
    meta["elapsed_s"] = time.perf_counter() - started
    print("\n" + table(results))
    print(f"\nload average: start {meta['load_start']}, end {meta['load_end']}; {meta['elapsed_s']:.0f} s in all")
    for r in results:
        if r.get("worker_problems"):
            print(f"{_label(r)}: worker log lines: " + "\n  ".join(r["worker_problems"][:10]))
    if args.json:
        Path(args.json).write_text(json.dumps({"meta": meta, "results": results}, indent=1, default=str))
    if not args.no_write:
        write_section(Path(args.output), section(results, meta, args))
        print(f"Wrote the section {SECTION!r} of {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
