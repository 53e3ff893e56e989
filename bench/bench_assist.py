"""Assisted counting as a background job at scale (issue 16): 100,000 comments, 10% counted by hand.

    python bench/bench_assist.py                      # 100,000 comments on SQLite
    python bench/bench_assist.py --comments 20000     # a developer's run
    python bench/bench_assist.py --database postgresql://postgres@127.0.0.1:5432/test

The comments are the real public comments of ../shared/corpus/nhs-patient-feedback/text_data.csv
(read from there at run time, never copied), repeated with a small change ("(copy 3)") until
there are enough; an official is simulated who counted a random 10% under their human
sub-categories. The benchmark then runs the two jobs exactly as a worker does
(consult.jobs.kinds.run_job, in this process): "suggest_counts" and "suggest_themes", and
reports each job's wall time, this process's peak RSS (VmHWM), the suggestions stored and the
progress sentence the official sees. Targets: each job < 5 minutes, memory < 1 GB.
Writes the section "Assisted counting as a job (issue 16)" of docs/performance.md unless --no-write.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import resource
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


def vm_hwm_mb() -> float:
    """Peak resident memory of this process, from /proc (kernel's high-water mark)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--coded", type=float, default=0.10)
    parser.add_argument("--database", default="", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)

    from sqlalchemy import func, insert, select

    from consult import create_app
    from consult.consultations.service import create_consultation
    from consult.database import writing
    from consult.extensions import db
    from consult.jobs.kinds import run_job
    from consult.models import (
        BackgroundJob,
        Comment,
        Consultation,
        CountSuggestion,
        ThemeComment,
        ThemeProposal,
        User,
        utcnow,
    )
    from consult.responses import assist, service
    from moderation.service import current_rules

    items = corpus_items()
    rng = random.Random(16)
    workdir = Path(tempfile.mkdtemp(prefix="consult-bench-assist-"))
    url = args.database or f"sqlite:///{workdir / 'consult.sqlite3'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SEARCH_INDEX_DIR": str(workdir / "index"),
                      "QUEUE_FILE": str(workdir / "queue.sqlite3"), "REDIS_URL": ""})
    results: dict[str, dict] = {}
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
        consultation = db.session.get(Consultation, consultation.id)

        for kind, start_run in (("counts", assist.start_count_suggestions), ("themes", assist.start_theme_suggestions)):
            run = start_run(db.session, consultation, official.id)
            job_id = run.job_id
            db.session.commit()
            before = time.perf_counter()
            assert run_job(db.session, job_id, app.config), f"the {kind} job did not run"
            elapsed = time.perf_counter() - before
            job = db.session.get(BackgroundJob, job_id)
            db.session.refresh(job)
            run = db.session.get(type(run), run.id)
            db.session.refresh(run)
            stored = (db.session.scalar(select(func.count()).select_from(CountSuggestion)
                                        .where(CountSuggestion.run_id == run.id)) if kind == "counts" else
                      db.session.scalar(select(func.count()).select_from(ThemeProposal)
                                        .where(ThemeProposal.run_id == run.id)))
            results[kind] = {"seconds": elapsed, "state": job.state, "error": job.error, "message": run.message,
                             "stored": stored or 0, "rss_mb": vm_hwm_mb()}
            print(f"{kind}: {elapsed:.1f} s, job {job.state} {job.error}{run.message}, {stored:,} stored, "
                  f"peak RSS {vm_hwm_mb():.0f} MB", flush=True)
        progress = assist.counting_progress(db.session, consultation).sentence
    print(f"seeded {len(ids):,} comments ({len(counted):,} counted under {len(themes)} themes) in {seeded:.1f} s")
    print(f"the official sees: {progress}")
    text = section(args, len(ids), len(counted), len(themes), results, progress, url)
    print(text)
    if not args.no_write:
        sys.path.insert(0, str(ROOT / "bench"))
        from bench_jobs import write_section  # the same "replace this section" as the queue's

        write_section(ROOT / "docs" / "performance.md", text, SECTION)
    return 0 if all(r["state"] == "done" and r["seconds"] < 300 and r["rss_mb"] < 1024 for r in results.values()) else 1


def section(args, comments: int, counted: int, themes: int, results: dict, progress: str, url: str) -> str:
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    rows = "\n".join(
        f"| `suggest_{kind}` | {r['seconds']:.0f} s ({verdict(r['seconds'] < 300)}) | {r['rss_mb']:.0f} MB "
        f"({verdict(r['rss_mb'] < 1024)}) | {r['stored']:,} {'suggestions' if kind == 'counts' else 'proposed themes'} "
        f"| {r['state']}{(': ' + r['message']) if r['message'] else ''} |" for kind, r in results.items())
    return f"""{SECTION}

Measured by `bench/bench_assist.py`: {comments:,} published comments ({backend}), the real
patient comments of the NHS corpus repeated with a marker until there are enough, {counted:,}
({args.coded:.0%}) counted by hand under {themes} themes (their human sub-categories). Each job
runs as a worker runs it (`consult.jobs.kinds.run_job`): reading the comments, the algorithms
of `consult/responses/suggest.py`, storing the results. Peak RSS is the process's high-water
mark after the job (the first job's figure includes seeding).

- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}
- command: `python bench/bench_assist.py {' '.join(sys.argv[1:])}`

| job | time (< 5 min) | peak RSS (< 1 GB) | stored | state |
| --- | --- | --- | --- | --- |
{rows}

The official then reads on the suggestions page: "{progress}"
"""


if __name__ == "__main__":
    sys.exit(main())
