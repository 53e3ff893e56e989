"""Seed a Consult database with a large, realistic data set for the benchmarks.

Writes straight to a database URL (SQLite file or PostgreSQL) with the application's own
metadata: consultations imported from the real ARF 2.9 document (so paragraphs are real), users,
and comments spread over paragraphs with a Zipf-like skew, campaigns of near-identical text,
replies, and a share held for moderation (pending comments with waiting queue items).
Comments go in with SQLAlchemy Core bulk inserts (batches of 10,000 rows per transaction).

    python bench/seed.py sqlite:////tmp/bench.sqlite3 --comments 100000
    python bench/seed.py postgresql://postgres@127.0.0.1:5432/consult_bench --comments 1000000

The main consultation (slug `arf`) gets `--main` comments (default: min(comments, 100,000));
any remaining comments go to further consultations on the other ARF releases. In `arf` one
paragraph gets exactly 10,000 comments (`HOT_ANCHOR` in the printed summary) and another
exactly 10. Deterministic for a given --seed.
"""
from __future__ import annotations

import argparse
import bisect
import hashlib
import itertools
import json
import random
import re
import sys
import time
from datetime import timedelta
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPUS = ROOT.parent / "shared" / "corpus" / "eudi-arf"
ARF_29 = CORPUS / "arf-main-2026-05-21-28644bfb.md"
OTHER_ARF = ["arf-main-2026-02-02-e5f714f2.md", "arf-main-2025-11-12-d1159a8a.md",
             "arf-main-2025-02-04-a07a4025.md"]
BATCH = 10_000
HOT_COUNT = 10_000
COLD_COUNT = 10
PENDING_SHARE = 0.05   # held for moderation: pending comment + waiting queue item
REPLY_SHARE = 0.10     # replies to an earlier published top-level comment on the same paragraph
CAMPAIGN_SHARE = 0.03  # near-identical campaign texts (held, grouped by campaign_key)
WHOLE_DOC_SHARE = 0.02  # comments on the document as a whole (anchor None)
PASSWORD = "bench-password-123"
CAMPAIGNS = [
    "I object to the mandatory use of the wallet for {x}. Citizens must keep a paper alternative.",
    "Please guarantee that relying parties cannot track me across {x}. Unlinkability is essential.",
    "The {x} requirements must be open source and independently audited before any rollout.",
    "Stop the rollout until the {x} risks are assessed by an independent body.",
    "Make sure the wallet works without a smartphone, including for {x}.",
]
STANCES = ("support", "oppose", "mixed", None)
WORD = re.compile(r"[A-Za-z][a-z]{3,14}")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="database URL, e.g. sqlite:////tmp/b.sqlite3 or postgresql://...")
    parser.add_argument("--comments", type=int, default=100_000, help="total comments (default 100,000)")
    parser.add_argument("--main", type=int, default=None,
                        help="comments on the main ARF 2.9 consultation (default min(comments, 100,000))")
    parser.add_argument("--users", type=int, default=None, help="citizens (default comments/20, >= 2,000)")
    parser.add_argument("--seed", type=int, default=29)
    parser.add_argument("--drop", action="store_true", help="drop all tables first")
    return parser.parse_args(argv)


def normalise_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class ZipfPicker:
    """Pick indexes 0..n-1 with probability proportional to 1/(rank+1)^s, ranks shuffled."""

    def __init__(self, n: int, rng: random.Random, s: float = 1.05) -> None:
        order = list(range(n))
        rng.shuffle(order)
        self.order = order
        self.cumulative = list(itertools.accumulate(1.0 / (r + 1) ** s for r in range(n)))
        self.rng = rng

    def pick(self) -> int:
        x = self.rng.random() * self.cumulative[-1]
        return self.order[min(bisect.bisect_left(self.cumulative, x), len(self.order) - 1)]


def seed(args: argparse.Namespace) -> dict:
    """Create the schema and data; returns a summary (ids, anchors, counts, timings)."""
    from sqlalchemy import func, insert, select

    from consult import create_app
    from consult.consultations.service import create_consultation
    from consult.extensions import db
    from consult.models import Comment, User, utcnow
    from consult.users import create_user
    from moderation.models import QueueItem, TextPrint
    from moderation.screening import normalise
    from moderation.service import current_rules

    started = time.perf_counter()
    rng = random.Random(args.seed)
    total = args.comments
    main_count = min(total, args.main if args.main is not None else 100_000)
    n_users = args.users or max(2_000, total // 20)
    url = normalise_url(args.url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret",
                      "SEARCH_INDEX_DIR": "/tmp/consult-bench-unused-index"})
    summary: dict = {"url": args.url, "comments": total, "users": n_users}
    with app.app_context():
        if args.drop:
            db.drop_all()
        db.create_all()
        current_rules(db.session)  # as `consult init-db` does: the first house rules
        db.session.commit()
        now = utcnow()
        t0 = time.perf_counter()
        # --- consultations on real documents ---------------------------------------------------
        specs = [("arf", ARF_29, main_count)]
        rest = total - main_count
        others = [name for name in OTHER_ARF if (CORPUS / name).exists()]
        if rest > 0:
            per = -(-rest // len(others))
            for i, name in enumerate(others):
                count = min(per, rest - per * i)
                if count > 0:
                    specs.append((f"arf-{name[9:19]}", CORPUS / name, count))
        consultations = []
        for slug, path, count in specs:
            consultation = create_consultation(
                db.session, slug=slug, files=[(path.name, path.read_text(encoding="utf-8"))],
                title=f"Architecture and Reference Framework ({path.name[9:19]})",
                department="Benchmark department", publish=True,
                opens_at=now - timedelta(days=60), closes_at=now + timedelta(days=365))
            db.session.flush()
            version = consultation.versions[0]
            paragraphs = [(p.id, p.anchor, p.number, p.text, p.fingerprint, p.kind)
                          for p in version.paragraphs]
            consultations.append((consultation.id, version.id, paragraphs, count, slug))
        # --- users: one argon2 hash shared by all (argon2 is deliberately slow) ----------------
        first = create_user(db.session, "citizen0@bench.example", PASSWORD, display_name="Citizen 0",
                            confirmed=True)
        moderator = create_user(db.session, "moderator@bench.example", PASSWORD,
                                display_name="Bench Moderator", role="moderator", confirmed=True)
        db.session.commit()
        summary["import_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        users_table = User.__table__
        with db.engine.begin() as conn:
            rows = []
            for i in range(1, n_users):
                rows.append({"email": f"citizen{i}@bench.example", "password_hash": first.password_hash,
                             "display_name": f"Citizen {i}", "role": "citizen",
                             "email_confirmed_at": now, "created_at": now - timedelta(days=90),
                             "session_version": 1})
                if len(rows) == BATCH:
                    conn.execute(insert(users_table), rows)
                    rows = []
            if rows:
                conn.execute(insert(users_table), rows)
        db.session.commit()  # end the read snapshot taken before the bulk insert
        user_ids = list(db.session.scalars(select(User.id).where(User.role == "citizen").order_by(User.id)))
        summary["users_s"] = round(time.perf_counter() - t0, 2)
        summary["moderator_id"] = moderator.id
        summary["citizen_ids"] = [user_ids[0], user_ids[-1]]
        # --- vocabulary from the document itself -------------------------------------------------
        source = ARF_29.read_text(encoding="utf-8")
        vocab = sorted({w.lower() for w in WORD.findall(source)})
        vocab_weights = ZipfPicker(len(vocab), rng, s=0.9)

        cum = vocab_weights.cumulative
        ranked = [vocab[i] for i in vocab_weights.order]

        def sentence(n: int) -> str:
            words = rng.choices(ranked, cum_weights=cum, k=n)
            return words[0].capitalize() + " " + " ".join(words[1:]) + "."

        # A pool of sentences drawn once; bodies combine 1-4 of them (cheap, still varied).
        sentences = [sentence(rng.randint(6, 18)) for _ in range(30_000)]

        def body_text() -> str:
            return " ".join(rng.choices(sentences, k=rng.randint(1, 4)))

        # --- comments -----------------------------------------------------------------------------
        t0 = time.perf_counter()
        comments_table, items_table, prints_table = (Comment.__table__, QueueItem.__table__,
                                                     TextPrint.__table__)
        next_id = (db.session.scalar(select(func.max(Comment.id))) or 0) + 1
        next_item = (db.session.scalar(select(func.max(QueueItem.id))) or 0) + 1
        db.session.commit()
        counts = {"published": 0, "pending": 0, "replies": 0, "campaign": 0, "waiting_items": 0}
        campaign_texts = [c.format(x=x) for c in CAMPAIGNS for x in ("health data", "age checks")]
        campaign_hashes = [hashlib.sha1(normalise(t).encode()).hexdigest() for t in campaign_texts]
        span = timedelta(days=50)
        written = 0
        for consultation_id, version_id, paragraphs, count, slug in consultations:
            commentable = [p for p in paragraphs if p[5] != "heading"] or paragraphs
            plan: list[int | None] = []  # paragraph index (None: whole document) per comment
            hot = cold = None
            if slug == "arf" and count >= HOT_COUNT + COLD_COUNT + 1000:
                # One paragraph with exactly 10,000 comments, another with exactly 10.
                mid = len(commentable) // 2
                hot, cold = commentable[mid], commentable[mid + 7]
                summary["hot_anchor"], summary["cold_anchor"] = hot[1], cold[1]
                plan = [paragraphs.index(hot)] * HOT_COUNT + [paragraphs.index(cold)] * COLD_COUNT
            pool = [paragraphs.index(p) for p in commentable if p not in (hot, cold)]
            picker = ZipfPicker(len(pool), rng)
            while len(plan) < count:
                plan.append(None if rng.random() < WHOLE_DOC_SHARE else pool[picker.pick()])
            rng.shuffle(plan)
            published_top: dict[int | None, list[int]] = {}
            pinned = {paragraphs.index(p) for p in (hot, cold) if p}
            batch_c, batch_i, batch_p = [], [], []
            for n, pidx in enumerate(plan):
                cid = next_id
                next_id += 1
                created = now - span + span * (n / max(1, count))
                author = user_ids[rng.randrange(len(user_ids))]
                roll = rng.random()
                parent = None
                campaign = None
                if pidx in pinned:
                    status = "published"  # exact counts of published comments on these two
                elif roll < CAMPAIGN_SHARE:
                    campaign = rng.randrange(len(campaign_texts))
                    status = "pending"
                elif roll < CAMPAIGN_SHARE + PENDING_SHARE:
                    status = "pending"
                else:
                    status = "published"
                if campaign is not None:
                    body = campaign_texts[campaign]
                    if rng.random() < 0.5:  # near-identical: small edits keep the normalised hash
                        body = body.upper() if rng.random() < 0.1 else body.replace(".", "!")
                    text_hash = campaign_hashes[campaign]
                else:
                    body = body_text()
                    text_hash = hashlib.sha1(normalise(body).encode()).hexdigest()
                    tops = published_top.get(pidx)
                    if tops and rng.random() < REPLY_SHARE / (1 - CAMPAIGN_SHARE):
                        parent = tops[rng.randrange(len(tops))]
                p = paragraphs[pidx] if pidx is not None else None
                batch_c.append({
                    "id": cid, "consultation_id": consultation_id, "version_id": version_id,
                    "paragraph_id": p[0] if p else None, "anchor": p[1] if p else None,
                    "paragraph_number": p[2] if p else None, "paragraph_text": p[3] if p else None,
                    "paragraph_fingerprint": p[4] if p else None, "parent_id": parent,
                    "author_id": author, "body": body, "body_html": f"<p>{escape(body)}</p>",
                    "stance": STANCES[rng.randrange(4)], "respondent_type": "individual",
                    "organisation": None, "show_name": rng.random() < 0.7, "status": status,
                    "status_reason": None, "submission_key": f"seed-{cid}", "created_at": created,
                    "published_at": created if status == "published" else None,
                    "edited_at": None, "withdrawn_at": None, "revision": 1,
                })
                batch_p.append({"comment_id": cid, "consultation_id": consultation_id,
                                "author_id": author, "text_hash": text_hash, "group_key": text_hash,
                                "sketch": None, "created_at": created})
                if status == "published":
                    counts["published"] += 1
                    if parent is None:
                        published_top.setdefault(pidx, []).append(cid)
                    else:
                        counts["replies"] += 1
                else:
                    counts["pending"] += 1
                    counts["campaign"] += campaign is not None
                    reasons = ([{"code": "campaign", "message": "Many people sent this text.",
                                 "rule": "", "spans": []}] if campaign is not None else
                               [{"code": "link", "message": "It contains a link.", "rule": "no-spam",
                                 "spans": []}])
                    batch_i.append({
                        "id": next_item, "comment_id": cid, "consultation_id": consultation_id,
                        "author_id": author, "text": body, "comment_revision": 1,
                        "source": "screening", "reasons": reasons, "published": False,
                        "state": "waiting", "claimed_by": None, "claimed_until": None,
                        "excluded_moderator_id": None,
                        "campaign_key": campaign_hashes[campaign] if campaign is not None else None,
                        "created_at": created, "decided_at": None, "version": 1})
                    next_item += 1
                    counts["waiting_items"] += 1
                if len(batch_c) >= BATCH:
                    _flush(db, comments_table, items_table, prints_table, batch_c, batch_i, batch_p)
                    written += len(batch_c)
                    batch_c, batch_i, batch_p = [], [], []
                    if written % 100_000 == 0:
                        rate = written / (time.perf_counter() - t0)
                        print(f"  {written:,} comments ({rate:,.0f}/s)", file=sys.stderr, flush=True)
            _flush(db, comments_table, items_table, prints_table, batch_c, batch_i, batch_p)
            written += len(batch_c)
            summary.setdefault("consultations", []).append(
                {"slug": slug, "id": consultation_id, "paragraphs": len(paragraphs), "comments": count})
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:  # explicit ids were inserted: move the sequences on
                for table in ("comments", "moderation_items", "moderation_text_prints"):
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
                conn.exec_driver_sql("ANALYZE")
        else:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        summary["comments_s"] = round(time.perf_counter() - t0, 2)
        summary.update(counts)
        summary["total_s"] = round(time.perf_counter() - started, 2)
        db.session.remove()
        db.engine.dispose()
    return summary


def _flush(db, comments_table, items_table, prints_table, batch_c, batch_i, batch_p) -> None:
    from sqlalchemy import insert

    if not batch_c:
        return
    with db.engine.begin() as conn:  # one transaction per batch
        conn.execute(insert(comments_table), batch_c)
        conn.execute(insert(prints_table), batch_p)
        if batch_i:
            conn.execute(insert(items_table), batch_i)


def main(argv=None) -> int:
    args = parse_args(argv)
    summary = seed(args)
    print(json.dumps(summary, indent=1))
    print(f"Seeded {summary['comments']:,} comments ({summary['pending']:,} held, "
          f"{summary['replies']:,} replies, {summary['campaign']:,} campaign) and "
          f"{summary['users']:,} users in {summary['total_s']:.1f} s "
          f"(comments {summary['comments_s']:.1f} s).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
