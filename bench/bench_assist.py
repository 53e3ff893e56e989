"""Assisted counting as a background job at scale (issue 16): 100,000 comments, 10% counted by hand.

    python bench/bench_assist.py                      # 100,000 comments on SQLite
    python bench/bench_assist.py --comments 20000     # a developer's run
    python bench/bench_assist.py --database postgresql://postgres@127.0.0.1:5432/test

The comments are the real public comments of ../shared/corpus/nhs-patient-feedback/text_data.csv
(read from there at run time, never copied), repeated with a small change ("(copy 3)") until
there are enough; an official is simulated who counted a random 10% under their human
sub-categories. Each step runs in its own process, as in production: one seeds the database
and starts the two jobs ("suggest_counts" and "suggest_themes", as the official's clicks do);
then each job runs in a fresh process exactly as a worker runs it (consult.jobs.kinds.run_job
inside the app). Reported for each job: its wall time, that process's peak RSS (VmHWM), the
suggestions stored and the progress sentence the official sees; and, for comparison, the RSS
of a process that has only created the app and imported scikit-learn (the job's own share is
the difference). Targets: each job < 5 minutes, memory < 1 GB.
Writes the section "Assisted counting as a job (issue 16)" of docs/performance.md unless --no-write.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus" / "nhs-patient-feedback" / "text_data.csv"
SECTION = "## Assisted counting as a job (issue 16)"
DOCUMENT = "# Patient experience\n\n## Your care\n\nTell us about the care you received.\n"
RESULT = "bench_assist result: "  # the line on which a step's process hands back its figures
KINDS = ("counts", "themes")


def vm_mb(field: str = "VmHWM") -> float:
    """This process's resident memory from /proc: VmHWM is the kernel's high-water mark, VmRSS now."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def corpus_items() -> list[tuple[str, set[str]]]:
    """(text, its human sub-categories), one item per distinct feedback text."""
    labels: dict[str, set[str]] = defaultdict(set)
    with CORPUS.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            text = (row.get("feedback") or "").strip()
            if text:
                labels[text].add(row.get("subcategory") or row.get("label") or "")
    return sorted(labels.items())


def make_app(url: str, workdir: Path):
    from consult import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "REDIS_URL": "",
                       "SEARCH_INDEX_DIR": str(workdir / "index"), "QUEUE_FILE": str(workdir / "queue.sqlite3")})


def seed(args, url: str, workdir: Path) -> dict:
    """Seed the consultation, its comments and the hand counts, and start both jobs (as the
    official's two clicks do); the jobs are left waiting for a worker."""
    from sqlalchemy import insert, select

    from consult.consultations.service import create_consultation
    from consult.database import writing
    from consult.extensions import db
    from consult.models import Comment, ThemeComment, User, utcnow
    from consult.responses import assist, service
    from moderation.service import current_rules

    items = corpus_items()
    rng = random.Random(16)
    app = make_app(url, workdir)
    with app.app_context(), writing():
        if url.startswith("postgresql"):
            db.drop_all()
        db.create_all()
        current_rules(db.session)
        now = utcnow()
        consultation = create_consultation(db.session, slug="nhs", files=[("care.md", DOCUMENT)],
                                           title="Patient experience", department="Benchmark", publish=True,
                                           opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=1))
        official = User(email="official@bench.example", password_hash="x", display_name="Official", role="official",
                        email_confirmed_at=now)
        citizen = User(email="citizen@bench.example", password_hash="x", display_name="Citizen",
                       email_confirmed_at=now)
        db.session.add_all([official, citizen])
        db.session.flush()
        version_id = consultation.versions[-1].id
        started = time.perf_counter()
        chosen: list[tuple[str, set[str]]] = []
        copy = 0
        while len(chosen) < args.comments:
            for text, labels in items:
                chosen.append((text if copy == 0 else f"{text} (copy {copy})", labels))
                if len(chosen) == args.comments:
                    break
            copy += 1
        rng.shuffle(chosen)
        for start in range(0, len(chosen), 10_000):
            db.session.execute(insert(Comment), [
                {"consultation_id": consultation.id, "version_id": version_id, "author_id": citizen.id,
                 "body": text, "body_html": text, "status": "published", "submission_key": f"b{start + i}"}
                for i, (text, _labels) in enumerate(chosen[start:start + 10_000])])
        ids = list(db.session.scalars(select(Comment.id).where(Comment.consultation_id == consultation.id)
                                      .order_by(Comment.id)))
        themes = {}
        counted = rng.sample(range(len(ids)), int(len(ids) * args.coded))
        for index in counted:
            for label in chosen[index][1]:
                if label not in themes:
                    themes[label] = service.create_theme(db.session, consultation, label[:200], official.id)
        db.session.flush()
        db.session.execute(insert(ThemeComment), [
            {"theme_id": themes[label].id, "comment_id": ids[index], "assigned_by": official.id}
            for index in counted for label in chosen[index][1]])
        db.session.commit()
        seeded = time.perf_counter() - started
        consultation_id = consultation.id
        jobs = {}
        for kind, start_run in zip(KINDS, (assist.start_count_suggestions, assist.start_theme_suggestions),
                                   strict=True):
            run = start_run(db.session, consultation, official.id)
            jobs[kind] = {"job_id": run.job_id, "run_id": run.id}
        db.session.commit()
    return {"comments": len(ids), "counted": len(counted), "themes": len(themes), "seconds": seeded, "jobs": jobs,
            "consultation_id": consultation_id, "rss_mb": vm_mb()}


def baseline(url: str, workdir: Path) -> dict:
    """A worker before its first job: the app created, the job kinds and scikit-learn imported."""
    app = make_app(url, workdir)
    with app.app_context():
        import consult.jobs.kinds  # noqa: F401
        import consult.responses.assist_jobs  # noqa: F401
        from consult.responses import suggest  # noqa: F401 - scikit-learn, numpy, scipy
    return {"rss_mb": vm_mb("VmRSS"), "hwm_mb": vm_mb()}


def run_one_job(url: str, workdir: Path, kind: str, job_id: int, run_id: int, consultation_id: int) -> dict:
    """Run one waiting job as a worker does, in this (fresh) process, and measure it."""
    from sqlalchemy import func, select

    from consult.extensions import db
    from consult.jobs.kinds import run_job
    from consult.models import BackgroundJob, Consultation, CountSuggestion, SuggestionRun, ThemeProposal
    from consult.responses import assist

    app = make_app(url, workdir)
    with app.app_context():
        import consult.responses.assist_jobs  # noqa: F401 - registers the kinds, as the web app's views do

        ready = vm_mb("VmRSS")
        before = time.perf_counter()
        ran = run_job(db.session, job_id, app.config)
        elapsed = time.perf_counter() - before
        peak = vm_mb()  # read before the figures below are queried
        job = db.session.get(BackgroundJob, job_id)
        run = db.session.get(SuggestionRun, run_id)
        model, column = (CountSuggestion, CountSuggestion.run_id) if kind == "counts" else \
            (ThemeProposal, ThemeProposal.run_id)
        stored = db.session.scalar(select(func.count()).select_from(model).where(column == run_id)) or 0
        progress = assist.counting_progress(db.session, db.session.get(Consultation, consultation_id)).sentence
        return {"ran": ran, "seconds": elapsed, "state": job.state, "error": job.error or "",
                "message": run.message or "", "stored": stored, "rss_mb": peak, "ready_mb": ready,
                "progress": progress}


def child(args, step: str, *extra: str) -> dict:
    """Run one step in a fresh Python process and return the figures it printed."""
    command = [sys.executable, str(Path(__file__).resolve()), "--step", step, "--workdir", args.workdir,
               "--database", args.url, "--comments", str(args.comments), "--coded", str(args.coded), *extra]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    if done.returncode or not lines:
        sys.stdout.write(done.stdout)
        raise SystemExit(f"the {step} step failed (exit {done.returncode})")
    return json.loads(lines[-1][len(RESULT):])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--coded", type=float, default=0.10)
    parser.add_argument("--database", default="", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--step", choices=("seed", "baseline", "job"), help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--kind", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--ids", default="", help=argparse.SUPPRESS)  # job id, run id, consultation id
    args = parser.parse_args(argv)

    if args.step:  # one step, in its own process (see child())
        workdir = Path(args.workdir)
        if args.step == "seed":
            out = seed(args, args.database, workdir)
        elif args.step == "baseline":
            out = baseline(args.database, workdir)
        else:
            job_id, run_id, consultation_id = (int(v) for v in args.ids.split(","))
            out = run_one_job(args.database, workdir, args.kind, job_id, run_id, consultation_id)
        print(RESULT + json.dumps(out), flush=True)
        return 0

    workdir = Path(tempfile.mkdtemp(prefix="consult-bench-assist-"))
    url = args.database or f"sqlite:///{workdir / 'consult.sqlite3'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    args.workdir, args.url = str(workdir), url
    try:
        seeded = child(args, "seed")
        print(f"seeded {seeded['comments']:,} comments ({seeded['counted']:,} counted under {seeded['themes']} "
              f"themes) in {seeded['seconds']:.1f} s, in its own process (peak RSS {seeded['rss_mb']:.0f} MB)",
              flush=True)
        base = child(args, "baseline")
        print(f"baseline: a process with the app and scikit-learn loaded, RSS {base['rss_mb']:.0f} MB", flush=True)
        results: dict[str, dict] = {}
        for kind in KINDS:
            ids = f"{seeded['jobs'][kind]['job_id']},{seeded['jobs'][kind]['run_id']},{seeded['consultation_id']}"
            r = results[kind] = child(args, "job", "--kind", kind, "--ids", ids)
            if not r["ran"]:
                print(f"{kind}: the job was not run (not waiting?)")
            print(f"{kind}: {r['seconds']:.1f} s, job {r['state']} {r['error']}{r['message']}, {r['stored']:,} stored, "
                  f"peak RSS {r['rss_mb']:.0f} MB (a fresh process; {r['ready_mb']:.0f} MB before the job)", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    progress = results["counts"]["progress"]
    print(f"the official sees: {progress}")
    text = section(args, seeded, base, results, progress, url)
    print(text)
    if not args.no_write:
        sys.path.insert(0, str(ROOT / "bench"))
        from bench_jobs import write_section  # the same "replace this section" as the queue's

        write_section(ROOT / "docs" / "performance.md", text, SECTION)
    return 0 if all(r["state"] == "done" and r["seconds"] < 300 and r["rss_mb"] < 1024 for r in results.values()) else 1


def section(args, seeded: dict, base: dict, results: dict, progress: str, url: str) -> str:
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    rows = "\n".join(
        f"| `suggest_{kind}` | {r['seconds']:.0f} s ({verdict(r['seconds'] < 300)}) | {r['rss_mb']:.0f} MB "
        f"({verdict(r['rss_mb'] < 1024)}; the job's own {r['rss_mb'] - base['rss_mb']:.0f}) "
        f"| {r['stored']:,} {'suggestions' if kind == 'counts' else 'proposed themes'} "
        f"| {r['state']}{(': ' + r['message']) if r['message'] else ''} |" for kind, r in results.items())
    return f"""{SECTION}

Measured by `bench/bench_assist.py`: {seeded['comments']:,} published comments ({backend}), the real
patient comments of the NHS corpus repeated with a marker until there are enough, {seeded['counted']:,}
({args.coded:.0%}) counted by hand under {seeded['themes']} themes (their human sub-categories). Seeding
runs in a process of its own; then each job runs in a fresh process as a worker runs it
(`consult.jobs.kinds.run_job` inside the app): reading the comments, the algorithms of
`consult/responses/suggest.py`, storing the results. Peak RSS is that process's high-water mark
(VmHWM) after the job; a process that has only created the app and imported scikit-learn holds
{base['rss_mb']:.0f} MB, and "the job's own" is the peak less that.

- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}
- command: `python bench/bench_assist.py {' '.join(sys.argv[1:])}`

| job | time (< 5 min) | peak RSS (< 1 GB) | stored | state |
| --- | --- | --- | --- | --- |
{rows}

The official then reads on the suggestions page: "{progress}"
"""


if __name__ == "__main__":
    sys.exit(main())
