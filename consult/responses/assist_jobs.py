"""The suggestion jobs (kinds "suggest_themes" and "suggest_counts"): read the published
comments, run the algorithms of consult/responses/suggest.py, store what they propose.

Registered with the job queue when imported (consult/responses/assist_views.py imports this
module). The algorithms, and so scikit-learn, are imported inside the jobs: only a worker that
runs one loads them.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import delete, insert, select

from consult.database import reading
from consult.jobs.service import job_kind, keep_alive, record_progress
from consult.models import (
    COUNTED_IN_BATCH,
    BackgroundJob,
    Comment,
    CommentConsidered,
    CountCorrection,
    CountSuggestion,
    SuggestionRun,
    Theme,
    ThemeComment,
    ThemeProposal,
    utcnow,
)
from consult.responses.assist import (
    COUNTS_KIND,
    MAX_THEMES,
    OPEN,
    REPLACED,
    SPLIT,
    SPLIT_INTO,
    THEMES_KIND,
    _published,
)
from consult.text_language import detect_language
from moderation.db import DbSession


def _texts(session: DbSession, consultation_id: int, anchor: str | None = None,
           only: Sequence[int] | None = None) -> tuple[list[int], list[str], list[str]]:
    """The published comments' ids, texts and languages (by their main tag: "en-gb" is "en"; a
    comment of unknown language, written before languages were recorded, as its text tells,
    else English, the only language then)."""
    query = select(Comment.id, Comment.body, Comment.language).where(_published(consultation_id)).order_by(Comment.id)
    if anchor:
        query = query.where(Comment.anchor == anchor)
    if only is not None:
        query = query.where(Comment.id.in_(list(only)))
    rows = session.execute(query).all()
    languages = [(r.language or detect_language(r.body) or "en").split("-")[0] for r in rows]
    return [r.id for r in rows], [r.body for r in rows], languages


def _note_languages(job: BackgroundJob, used: Mapping[str, int], left_out: Mapping[str, tuple[int, str]]) -> None:
    """Keep with the job what each language's comments gave (assist.run_languages reads it)."""
    job.params = {**(job.params or {}), "languages": {
        "used": dict(used), "left_out": {code: [n, _kept(why)] for code, (n, why) in left_out.items()}}}


def _kept(why: str) -> dict | str:
    """A reason as a job keeps it: what it was made of (suggest.Message.stored()), so that the page
    shows it in the reader's language; a plain string as it is."""
    stored = getattr(why, "stored", None)
    return stored() if callable(stored) else str(why)


def _run_of(session: DbSession, job: BackgroundJob) -> SuggestionRun:
    run = session.get(SuggestionRun, (job.params or {}).get("run_id"))
    if run is None:
        raise RuntimeError(f"job {job.id} names no suggestion run")
    return run


def _finish_run(session: DbSession, job: BackgroundJob, run: SuggestionRun, message: str = "") -> None:
    # The English sentence stays the run's record; the job keeps what it was made of, which the
    # page shows in the reader's language (assist.run_message).
    run.message = str(message)
    if message:
        job.params = {**(job.params or {}), "message": _kept(message)}
    run.finished_at = utcnow()
    record_progress(session, job, job.total)
    session.commit()


@job_kind(THEMES_KIND)
def run_theme_suggestions(session: DbSession, job: BackgroundJob, config: Mapping) -> None:
    """Propose themes (the whole consultation, one paragraph, or one proposal's members)."""
    from consult.responses import suggest  # scikit-learn: loaded only by a worker that runs this job

    job_id = job.id  # read now: touching the job after a commit would open a transaction
    run = _run_of(session, job)
    parent = session.get(ThemeProposal, run.split_of) if run.split_of else None
    session.commit()
    with reading():
        ids, texts, languages = _texts(session, run.consultation_id, run.anchor, parent.members if parent else None)
        session.commit()
    run.comments = job.total = len(ids)
    record_progress(session, job, 0)
    session.commit()
    try:
        with keep_alive(session.get_bind(), job_id):  # no transaction open while computing
            found = suggest.suggest_themes_by_language(texts, languages,
                                                       max_themes=SPLIT_INTO if parent else MAX_THEMES)
    except suggest.SuggestError as exc:
        _finish_run(session, job, run, exc.message)
        return
    _note_languages(job, found.used, found.left_out)
    if parent is None:  # newer suggestions replace the undecided ones of earlier runs
        earlier = select(SuggestionRun.id).where(SuggestionRun.consultation_id == run.consultation_id,
                                                 SuggestionRun.id != run.id)
        for old in session.scalars(select(ThemeProposal).where(ThemeProposal.run_id.in_(earlier),
                                                               ThemeProposal.status == OPEN)):
            old.status = REPLACED
    elif parent.status == OPEN:
        parent.status = SPLIT
    for _language, theme in found.themes:
        session.add(ThemeProposal(run_id=run.id, label=theme.label[:200], terms=list(theme.terms),
                                  size=theme.size, members=[ids[i] for i in theme.members],
                                  representatives=[ids[i] for i in theme.representatives]))
    _finish_run(session, job, run)


@job_kind(COUNTS_KIND)
def run_count_suggestions(session: DbSession, job: BackgroundJob, config: Mapping) -> None:
    """Suggest themes for every uncounted published comment, from those counted one at a time."""
    from consult.responses import suggest  # scikit-learn: loaded only by a worker that runs this job

    job_id = job.id  # read now: touching the job after a commit would open a transaction
    run = _run_of(session, job)
    cid = run.consultation_id
    session.commit()
    with reading():
        ids, texts, languages = _texts(session, cid)
        live = {t.id for t in session.scalars(select(Theme).where(Theme.consultation_id == cid,
                                                                  Theme.merged_into_id.is_(None)))}
        taught: dict[int, set[str]] = {}
        batch_counted: set[int] = set()
        for comment_id, theme_id, method in session.execute(
                select(ThemeComment.comment_id, ThemeComment.theme_id, ThemeComment.method)
                .join(Comment, Comment.id == ThemeComment.comment_id).where(_published(cid))):
            if theme_id not in live:
                continue
            if method == COUNTED_IN_BATCH:
                batch_counted.add(comment_id)
            else:
                taught.setdefault(comment_id, set()).add(str(theme_id))
        considered = set(session.scalars(select(CommentConsidered.comment_id).join(
            Comment, Comment.id == CommentConsidered.comment_id).where(_published(cid))))
        turned_down = {(row.comment_id, row.theme_id) for row in session.execute(
            select(CountCorrection.comment_id, CountCorrection.theme_id)
            .join(Comment, Comment.id == CountCorrection.comment_id).where(_published(cid)))}
        session.commit()
    position = {comment_id: i for i, comment_id in enumerate(ids)}
    coded: dict[int, set[str]] = {position[c]: themes for c, themes in taught.items() if c in position}
    coded.update({position[c]: set() for c in considered if c in position and position[c] not in coded})
    run.comments, run.coded = len(ids), len(coded)
    job.total = len(ids)
    record_progress(session, job, 0)
    session.commit()
    try:
        with keep_alive(session.get_bind(), job_id):  # no transaction open while computing
            suggestions, used, left_out = suggest.suggest_assignments_by_language(texts, languages, coded)
    except suggest.SuggestError as exc:
        _finish_run(session, job, run, exc.message)
        return
    _note_languages(job, used, left_out)
    # This run's suggestions replace those of earlier "counts" runs (members of accepted
    # proposals stay on offer).
    earlier = select(SuggestionRun.id).where(SuggestionRun.consultation_id == cid, SuggestionRun.kind == "counts",
                                             SuggestionRun.id != run.id)
    session.execute(delete(CountSuggestion).where(CountSuggestion.run_id.in_(earlier)))
    rows: list[dict] = []
    for i, offered in enumerate(suggestions):
        comment_id = ids[i]
        if not offered or comment_id in batch_counted or comment_id in considered:
            continue
        for rank, s in enumerate(offered):
            theme_id = int(s.theme)
            if (comment_id, theme_id) in turned_down:
                continue
            rows.append({"run_id": run.id, "comment_id": comment_id, "theme_id": theme_id,
                         "confidence": s.confidence, "confident": s.confident, "rank": rank})
        if len(rows) >= 5000:
            session.execute(insert(CountSuggestion), rows)
            rows = []
            record_progress(session, job, i + 1)
            session.commit()
    if rows:
        session.execute(insert(CountSuggestion), rows)
    _finish_run(session, job, run)
