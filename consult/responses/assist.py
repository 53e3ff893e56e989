"""Suggested themes and assisted counting, with the database: runs as background jobs, proposed
themes an official decides on, and reviewed batches of suggestions.

The algorithms are consult/responses/suggest.py's (pure functions over texts). Here:

- `start_theme_suggestions` / `start_count_suggestions` record a SuggestionRun and start its
  job; the jobs (kinds "suggest_themes", "suggest_counts", in consult/responses/assist_jobs.py)
  read the published comments, call the algorithms and store ThemeProposal or CountSuggestion
  rows. Nothing is ever counted by a job: only an official's action counts a comment.
- An official accepts a proposed theme (it becomes a Theme; its members may be proposed for
  counting), accepts several as one (merge), asks for a proposal to be split, or discards it.
- Per theme, the confident suggestions form a batch; the review page shows a random sample
  first. Accepting counts the batch (ThemeComment.method "batch", with the CountBatch: who,
  when, offered, sample size, corrections); every comment unticked is a CountCorrection and is
  never suggested for that theme again. Counting by hand stays "individual".
- Only comments an official counted one at a time, or marked "considered, no theme", teach the
  next round: a batch is checked by sampling, so it is not fed back as if read one by one.

Withdrawn or removed comments are never offered and never counted: every query here takes
published comments only, and counts elsewhere do the same.
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, exists, func, insert, select

from consult.i18n import gettext, ngettext
from consult.jobs.service import latest_job, start_job
from consult.models import (
    COUNTED_IN_BATCH,
    BackgroundJob,
    Comment,
    CommentConsidered,
    Consultation,
    CountBatch,
    CountCorrection,
    CountSuggestion,
    SuggestionRun,
    Theme,
    ThemeComment,
    ThemeProposal,
    utcnow,
)
from consult.responses.common import PUBLISHED, ResponseError, clean_text
from consult.responses.themes import (
    _refuse_merged,
    create_theme,
    ensure_counts_open,
    get_theme,
    known_anchors,
    paragraph_options,
    themes_of,
)
from moderation.db import DbSession

SAMPLE_SIZE = 20  # comments of a batch shown first, drawn at random, for the official to check
SHOWN = 200  # comments of a batch listed on its review page (the sample first)
UNSURE = 20  # comments Consult asks about, least sure first
MAX_THEMES = 30
SPLIT_INTO = 6
THEMES_KIND, COUNTS_KIND = "suggest_themes", "suggest_counts"
OPEN, ACCEPTED, DISCARDED, SPLIT, REPLACED = "open", "accepted", "discarded", "split", "replaced"


def themes_key(consultation: Consultation) -> str:
    return f"suggest:themes:{consultation.id}"


def counts_key(consultation: Consultation) -> str:
    return f"suggest:counts:{consultation.id}"


# --------------------------------------------------------------------------- who is counted


def _published(consultation_id: int):
    return (Comment.consultation_id == consultation_id) & (Comment.status == PUBLISHED)


def _live_counted(consultation_id: int):
    """Comment ids counted under a live theme of the consultation (a subquery)."""
    return (select(ThemeComment.comment_id).join(Theme, Theme.id == ThemeComment.theme_id)
            .where(Theme.consultation_id == consultation_id, Theme.merged_into_id.is_(None)))


def _counted_or_considered(consultation_id: int):
    return Comment.id.in_(_live_counted(consultation_id)) | Comment.id.in_(select(CommentConsidered.comment_id))


def latest_run(session: DbSession, consultation: Consultation, kind: str) -> SuggestionRun | None:
    """The newest run of this kind ("themes" or "counts") for the consultation."""
    return session.scalar(select(SuggestionRun).where(SuggestionRun.consultation_id == consultation.id,
                                                      SuggestionRun.kind == kind)
                          .order_by(SuggestionRun.id.desc()).limit(1))


def _offered_runs(session: DbSession, consultation: Consultation):
    """The runs whose suggestions are offered: the newest "counts" run, and every "themes" run
    (members of accepted proposals are offered under the theme they became)."""
    newest = latest_run(session, consultation, "counts")
    return select(SuggestionRun.id).where(
        SuggestionRun.consultation_id == consultation.id,
        (SuggestionRun.kind == "themes") | (SuggestionRun.id == (newest.id if newest else -1)))


def _pending(session: DbSession, consultation: Consultation, theme_id: int | None = None):
    """Confident suggestions still to decide: published comments not yet counted under the
    suggested theme and not turned down for it, from the runs on offer."""
    query = (select(CountSuggestion.comment_id, CountSuggestion.theme_id)
             .join(Comment, Comment.id == CountSuggestion.comment_id).join(Theme, Theme.id == CountSuggestion.theme_id)
             .where(_published(consultation.id), CountSuggestion.confident.is_(True),
                    Theme.merged_into_id.is_(None),
                    CountSuggestion.run_id.in_(_offered_runs(session, consultation)),
                    ~exists().where(ThemeComment.comment_id == CountSuggestion.comment_id,
                                    ThemeComment.theme_id == CountSuggestion.theme_id),
                    ~exists().where(CountCorrection.comment_id == CountSuggestion.comment_id,
                                    CountCorrection.theme_id == CountSuggestion.theme_id)))
    if theme_id is not None:
        query = query.where(CountSuggestion.theme_id == theme_id)
    return query


@dataclass
class Progress:
    """How far counting has got: "8,412 of 20,000 counted; 9,100 suggested with confidence"."""

    total: int
    counted: int
    suggested: int  # uncounted comments with at least one confident suggestion waiting

    @property
    def sentence(self) -> str:
        """The progress in the reader's language."""
        numbers = {"counted": f"{self.counted:,}", "total": f"{self.total:,}", "suggested": f"{self.suggested:,}"}
        if self.suggested:
            return gettext("%(counted)s of %(total)s counted; %(suggested)s suggested with confidence.", **numbers)
        return gettext("%(counted)s of %(total)s counted.", **numbers)


def counting_progress(session: DbSession, consultation: Consultation) -> Progress:
    total = session.scalar(select(func.count()).select_from(Comment).where(_published(consultation.id))) or 0
    counted = session.scalar(select(func.count()).select_from(Comment).where(
        _published(consultation.id), _counted_or_considered(consultation.id))) or 0
    pending = _pending(session, consultation).subquery()
    suggested = session.scalar(select(func.count(func.distinct(pending.c.comment_id))).where(
        ~pending.c.comment_id.in_(_live_counted(consultation.id)),
        ~pending.c.comment_id.in_(select(CommentConsidered.comment_id)))) or 0
    return Progress(total, counted, suggested)


# --------------------------------------------------------------------------- starting runs


def _start(session: DbSession, consultation: Consultation, kind: str, key: str, title: str, total: int,
           actor_id: int, anchor: str | None = None, split_of: int | None = None) -> SuggestionRun:
    job = start_job(session, THEMES_KIND if kind == "themes" else COUNTS_KIND, key, title, total=total,
                    started_by=actor_id)
    run_id = (job.params or {}).get("run_id")
    if run_id is not None:  # one is already under way: that one
        found = session.get(SuggestionRun, run_id)
        if found is not None:
            return found
    run = SuggestionRun(consultation_id=consultation.id, kind=kind, anchor=anchor, split_of=split_of,
                        job_id=job.id, started_by=actor_id)
    session.add(run)
    session.flush()
    job.params = {"run_id": run.id}
    return run


def commented_paragraphs(session: DbSession, consultation: Consultation) -> list[tuple[str, str]]:
    """The paragraphs that have published comments, as (anchor, "number: text (N comments)"),
    in document order: the choices for proposing themes from one paragraph's comments."""
    counts = dict(session.execute(select(Comment.anchor, func.count()).where(
        _published(consultation.id), Comment.anchor.is_not(None)).group_by(Comment.anchor)).all())
    return [(anchor, ngettext("%(label)s (%(count)s comment)", "%(label)s (%(count)s comments)", counts[anchor],
                              label=label, count=f"{counts[anchor]:,}"))
            for anchor, label in paragraph_options(session, consultation) if anchor in counts]


def start_theme_suggestions(session: DbSession, consultation: Consultation, actor_id: int,
                            anchor: str | None = None) -> SuggestionRun:
    """Propose themes from the published comments (of one paragraph, given its anchor), as a job."""
    ensure_counts_open(session, consultation)
    anchor = anchor or None
    if anchor is not None and anchor not in known_anchors(session, consultation):
        raise ResponseError(gettext("Choose a paragraph of this consultation from the list."))
    counting = select(func.count()).select_from(Comment).where(_published(consultation.id))
    total = session.scalar(counting.where(Comment.anchor == anchor) if anchor else counting) or 0
    # A job's title is stored as written, in the language of the official who started it.
    title = (gettext("Suggesting themes for “%(title)s” (paragraph %(anchor)s)", title=consultation.title,
                     anchor=anchor) if anchor else
             gettext("Suggesting themes for “%(title)s”", title=consultation.title))
    return _start(session, consultation, "themes", themes_key(consultation), title, total, actor_id,
                  anchor=anchor)


def start_count_suggestions(session: DbSession, consultation: Consultation, actor_id: int) -> SuggestionRun:
    """Suggest themes for every uncounted comment, learnt from those counted by hand, as a job."""
    ensure_counts_open(session, consultation)
    if len(themes_of(session, consultation)) < 2:
        raise ResponseError(gettext("Start at least two themes and count a few comments under each by hand "
                                    "first: suggestions learn from them."))
    total = session.scalar(select(func.count()).select_from(Comment).where(_published(consultation.id))) or 0
    return _start(session, consultation, "counts", counts_key(consultation),
                  gettext("Suggesting themes for the uncounted comments of “%(title)s”", title=consultation.title),
                  total, actor_id)


def split_proposal(session: DbSession, consultation: Consultation, proposal: ThemeProposal,
                   actor_id: int) -> SuggestionRun:
    """Ask for a proposed theme to be split into smaller ones (a job over its members)."""
    _open_proposal(session, consultation, proposal)
    return _start(session, consultation, "themes", themes_key(consultation),
                  gettext("Splitting the proposed theme “%(label)s”", label=proposal.label),
                  len(proposal.members), actor_id,
                  split_of=proposal.id)


def run_job_of(session: DbSession, run: SuggestionRun | None) -> BackgroundJob | None:
    return session.get(BackgroundJob, run.job_id) if run is not None and run.job_id else None


# --------------------------------------------------------------------------- proposals


def open_proposals(session: DbSession, consultation: Consultation) -> list[ThemeProposal]:
    """Proposed themes not yet decided, largest first."""
    runs = select(SuggestionRun.id).where(SuggestionRun.consultation_id == consultation.id)
    return list(session.scalars(select(ThemeProposal).where(ThemeProposal.run_id.in_(runs),
                                                            ThemeProposal.status == OPEN)
                                .order_by(ThemeProposal.size.desc(), ThemeProposal.id)))


def proposal_languages(session: DbSession, proposals: Sequence[ThemeProposal]) -> dict[int, str]:
    """The language of each proposal's comments (a run proposes themes per language, so its
    first representative's says it); none for comments of unknown language."""
    first = {p.id: p.representatives[0] for p in proposals if p.representatives}
    if not first:
        return {}
    languages = dict(session.execute(select(Comment.id, Comment.language)
                                     .where(Comment.id.in_(list(first.values())))).all())
    return {pid: code for pid, cid in first.items() if (code := languages.get(cid))}


def run_languages(session: DbSession, run: SuggestionRun | None) -> dict | None:
    """What a finished run did per language, as its job kept it: {"used": {code: comments},
    "left_out": {code: [comments, why]}}; None before it finished or for runs made before
    languages were kept."""
    if run is None or run.job_id is None or run.finished_at is None:
        return None
    job = session.get(BackgroundJob, run.job_id)
    return (job.params or {}).get("languages") if job is not None else None


def get_proposal(session: DbSession, consultation: Consultation, proposal_id: int) -> ThemeProposal:
    proposal = session.get(ThemeProposal, proposal_id)
    run = session.get(SuggestionRun, proposal.run_id) if proposal else None
    if proposal is None or run is None or run.consultation_id != consultation.id:
        raise ResponseError(gettext("There is no such proposed theme."), status=404)
    return proposal


def _open_proposal(session: DbSession, consultation: Consultation, proposal: ThemeProposal) -> None:
    ensure_counts_open(session, consultation)
    if proposal.status != OPEN:
        message = {ACCEPTED: gettext("That proposed theme was already accepted."),
                   DISCARDED: gettext("That proposed theme was already discarded."),
                   SPLIT: gettext("That proposed theme was already split."),
                   REPLACED: gettext("That proposed theme was already replaced by newer suggestions.")}
        raise ResponseError(message.get(proposal.status, f"That proposed theme was already {proposal.status}."),
                            status=409)


def _propose_members(session: DbSession, consultation: Consultation, proposal: ThemeProposal, theme: Theme) -> int:
    members = list(dict.fromkeys(int(i) for i in proposal.members))
    live = set()
    for start in range(0, len(members), 5000):
        live |= set(session.scalars(select(Comment.id).where(Comment.id.in_(members[start:start + 5000]),
                                                             _published(consultation.id))))
    rows = [{"run_id": proposal.run_id, "comment_id": c, "theme_id": theme.id, "confidence": None,
             "confident": True, "rank": 0} for c in members if c in live]
    if rows:
        session.execute(insert(CountSuggestion), rows)
    return len(rows)


def accept_proposals(session: DbSession, consultation: Consultation, proposals: Sequence[ThemeProposal],
                     actor_id: int, title: str = "", into_theme_id: int | None = None,
                     propose_members: bool = True) -> tuple[Theme, int]:
    """Accept proposed themes as one theme (a new one with this title, or an existing one):
    returns the theme and how many comments are now offered for counting under it."""
    if not proposals:
        raise ResponseError(gettext("Tick at least one proposed theme."))
    for proposal in proposals:
        _open_proposal(session, consultation, proposal)
    if into_theme_id is not None:
        theme = get_theme(session, consultation, into_theme_id)
        _refuse_merged(theme)
    else:
        title = clean_text(title, "The theme's title", 200) or proposals[0].label
        terms = list(dict.fromkeys(t for p in proposals for t in p.terms))
        theme = create_theme(session, consultation, title, actor_id, keywords=", ".join(terms)[:300])
    offered = 0
    now = utcnow()
    for proposal in proposals:
        proposal.status, proposal.theme_id, proposal.decided_by, proposal.decided_at = ACCEPTED, theme.id, actor_id, now
        if propose_members:
            offered += _propose_members(session, consultation, proposal, theme)
    return theme, offered


def discard_proposal(session: DbSession, consultation: Consultation, proposal: ThemeProposal, actor_id: int) -> None:
    _open_proposal(session, consultation, proposal)
    proposal.status, proposal.decided_by, proposal.decided_at = DISCARDED, actor_id, utcnow()


def proposal_comments(session: DbSession, proposal: ThemeProposal, limit: int = 50) -> list[Comment]:
    """The proposal's representative comments first, then other members, published only."""
    wanted = list(dict.fromkeys([*proposal.representatives, *proposal.members[:limit]]))[:limit]
    found = {c.id: c for c in session.scalars(select(Comment).where(Comment.id.in_(wanted),
                                                                    Comment.status == PUBLISHED))}
    return [found[i] for i in wanted if i in found]


# --------------------------------------------------------------------------- batches


def _fingerprint(comment_ids: Sequence[int]) -> str:
    return hashlib.sha256(",".join(map(str, sorted(comment_ids))).encode()).hexdigest()[:32]


@dataclass
class Batch:
    """The confident suggestions for one theme, as its review page shows them."""

    theme: Theme
    pending: list[int]  # every comment id offered
    sample: list[Comment]  # drawn at random, shown first
    rest: list[Comment]  # the next ones shown (up to SHOWN in all)
    confidence: dict[int, float | None] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        return _fingerprint(self.pending)

    @property
    def not_shown(self) -> int:
        return len(self.pending) - len(self.sample) - len(self.rest)


def batches(session: DbSession, consultation: Consultation) -> list[tuple[Theme, int]]:
    """Each live theme with how many confident suggestions wait for review under it."""
    pending = _pending(session, consultation).subquery()
    per_theme = select(pending.c.theme_id, func.count(func.distinct(pending.c.comment_id))).group_by(pending.c.theme_id)
    counts: dict[int, int] = {theme_id: n for theme_id, n in session.execute(per_theme)}
    return [(t, counts.get(t.id, 0)) for t in themes_of(session, consultation)]


def batch(session: DbSession, consultation: Consultation, theme: Theme) -> Batch:
    """The batch of one theme: a random sample of SAMPLE_SIZE first, then the others in order."""
    rows = session.execute(_pending(session, consultation, theme.id).add_columns(CountSuggestion.confidence)
                           .order_by(CountSuggestion.comment_id)).all()
    confidence: dict[int, float | None] = {}
    for comment_id, _theme, value in rows:
        if comment_id not in confidence or (value or 0) > (confidence[comment_id] or 0):
            confidence[comment_id] = value
    pending = sorted(confidence)
    # The same page shows the same sample until the batch changes (a reload is not a new draw).
    rng = random.Random(f"{theme.id}:{_fingerprint(pending)}")
    sample_ids = sorted(rng.sample(pending, min(SAMPLE_SIZE, len(pending))))
    chosen = set(sample_ids)
    rest_ids = [i for i in pending if i not in chosen][:max(0, SHOWN - len(sample_ids))]
    comments = {c.id: c for c in session.scalars(select(Comment).where(Comment.id.in_(sample_ids + rest_ids)))}
    return Batch(theme, pending, [comments[i] for i in sample_ids], [comments[i] for i in rest_ids], confidence)


def accept_batch(session: DbSession, consultation: Consultation, theme_id: int | None, fingerprint: str,
                 sample_ids: Sequence[int], shown_ids: Sequence[int], kept_ids: Sequence[int],
                 actor_id: int) -> CountBatch:
    """Count a theme's batch: every comment offered except those the official unticked among
    the ones shown (those are corrections, never suggested for the theme again)."""
    ensure_counts_open(session, consultation)
    if theme_id is None:
        raise ResponseError(gettext("Choose the theme whose suggestions to accept."))
    theme = get_theme(session, consultation, theme_id)
    _refuse_merged(theme)
    current = batch(session, consultation, theme)
    if not current.pending:
        raise ResponseError(gettext("No suggestions wait under “%(title)s”: another official may have "
                                    "accepted this batch already.", title=theme.title), status=409)
    if fingerprint != current.fingerprint:
        raise ResponseError(gettext("The suggestions for this theme changed since the page was opened (another "
                                    "official decided some, or a new round finished). Nothing was counted: "
                                    "check the batch again."), status=409)
    offered = set(current.pending)
    shown = {int(i) for i in shown_ids} & offered
    rejected = shown - {int(i) for i in kept_ids}
    counting = sorted(offered - rejected)
    record = CountBatch(consultation_id=consultation.id, theme_id=theme.id, accepted_by=actor_id,
                        offered=len(offered), counted=len(counting),
                        sample_size=len({int(i) for i in sample_ids} & offered), corrections=len(rejected))
    session.add(record)
    session.flush()
    for start in range(0, len(counting), 5000):
        chunk = counting[start:start + 5000]
        session.execute(insert(ThemeComment), [
            {"theme_id": theme.id, "comment_id": c, "assigned_by": actor_id, "assigned_at": record.accepted_at,
             "method": COUNTED_IN_BATCH, "batch_id": record.id} for c in chunk])
        session.execute(delete(CommentConsidered).where(CommentConsidered.comment_id.in_(chunk)))
    if rejected:
        session.execute(insert(CountCorrection), [
            {"comment_id": c, "theme_id": theme.id, "batch_id": record.id, "by": actor_id, "at": record.accepted_at}
            for c in sorted(rejected)])
    return record


def turn_down(session: DbSession, consultation: Consultation, theme: Theme, comment_id: int, actor_id: int) -> None:
    """One suggestion corrected on its own: this comment does not raise this theme."""
    ensure_counts_open(session, consultation)
    exists_already = session.scalar(select(CountCorrection.id).where(CountCorrection.comment_id == comment_id,
                                                                     CountCorrection.theme_id == theme.id))
    if exists_already is None:
        session.add(CountCorrection(comment_id=comment_id, theme_id=theme.id, by=actor_id))


# --------------------------------------------------------------------------- least sure


@dataclass
class Unsure:
    comment: Comment
    suggestions: list[tuple[Theme, float | None]]


def least_sure(session: DbSession, consultation: Consultation, limit: int = UNSURE) -> list[Unsure]:
    """Uncounted comments whose best suggestion is the least certain (nearest an even chance):
    counting them by hand teaches the next round the most."""
    run = latest_run(session, consultation, "counts")
    if run is None:
        return []
    best = (select(CountSuggestion.comment_id, CountSuggestion.confidence)
            .join(Comment, Comment.id == CountSuggestion.comment_id)
            .where(CountSuggestion.run_id == run.id, CountSuggestion.rank == 0, _published(consultation.id),
                   ~_counted_or_considered(consultation.id))
            .order_by(func.abs(CountSuggestion.confidence - 0.5), CountSuggestion.comment_id).limit(limit))
    ids = [row.comment_id for row in session.execute(best)]
    if not ids:
        return []
    comments = {c.id: c for c in session.scalars(select(Comment).where(Comment.id.in_(ids)))}
    themes = {t.id: t for t in themes_of(session, consultation)}
    offered: dict[int, list[tuple[Theme, float | None]]] = {i: [] for i in ids}
    for s in session.scalars(select(CountSuggestion).where(CountSuggestion.run_id == run.id,
                                                           CountSuggestion.comment_id.in_(ids))
                             .order_by(CountSuggestion.rank)):
        if s.theme_id in themes and len(offered[s.comment_id]) < 3:
            offered[s.comment_id].append((themes[s.theme_id], s.confidence))
    return [Unsure(comments[i], offered[i]) for i in ids if i in comments]


# --------------------------------------------------------------------------- said in public


@dataclass(frozen=True)
class Method:
    """How the comments were counted, as the published response states it."""

    individually: int  # comments counted one at a time by an official
    in_batches: int  # comments counted only through accepted batches
    considered: int  # marked "considered, no theme"
    batches: int
    sample_sizes: list[int]
    corrections: int  # suggestions turned down in reviewed batches

    @property
    def assisted(self) -> bool:
        return self.batches > 0

    @property
    def sentences(self) -> list[str]:
        """The method in words, for the published response (the page and its Markdown), in the reader's language."""
        def n(count: int) -> str:
            return f"{count:,}"

        if not self.assisted and not (self.individually or self.considered):
            return [gettext("No comments have been counted.")]
        if not self.assisted:
            if self.considered:
                return [ngettext(
                    "An official read and counted every comment one at a time (%(count)s comment counted under "
                    "themes, %(considered)s considered with no theme).",
                    "An official read and counted every comment one at a time (%(count)s comments counted under "
                    "themes, %(considered)s considered with no theme).",
                    self.individually, count=n(self.individually), considered=n(self.considered))]
            return [ngettext(
                "An official read and counted every comment one at a time (%(count)s comment counted under themes).",
                "An official read and counted every comment one at a time (%(count)s comments counted under themes).",
                self.individually, count=n(self.individually))]
        smallest, largest = min(self.sample_sizes), max(self.sample_sizes)
        samples = n(smallest) if smallest == largest else gettext(
            "%(smallest)s to %(largest)s", smallest=n(smallest), largest=n(largest))
        if self.considered:
            by_hand = ngettext(
                "%(count)s comment was counted one at a time by an official, and %(considered)s read and "
                "considered with no theme.",
                "%(count)s comments were counted one at a time by an official, and %(considered)s read and "
                "considered with no theme.",
                self.individually, count=n(self.individually), considered=n(self.considered))
        else:
            by_hand = ngettext("%(count)s comment was counted one at a time by an official.",
                               "%(count)s comments were counted one at a time by an official.",
                               self.individually, count=n(self.individually))
        batches = ngettext("%(count)s reviewed batch", "%(count)s reviewed batches", self.batches,
                           count=n(self.batches))
        return [
            by_hand,
            ngettext("%(count)s comment was counted by accepting %(batches)s of themes suggested by Consult's "
                     "text analysis, which runs on the department's own machine and learns from the comments "
                     "counted one at a time.",
                     "%(count)s comments were counted by accepting %(batches)s of themes suggested by Consult's "
                     "text analysis, which runs on the department's own machine and learns from the comments "
                     "counted one at a time.",
                     self.in_batches, count=n(self.in_batches), batches=batches),
            ngettext("Before accepting a batch, an official checked a random sample of %(samples)s of its comments "
                     "and could untick any; %(count)s suggestion was corrected that way and left out of the count.",
                     "Before accepting a batch, an official checked a random sample of %(samples)s of its comments "
                     "and could untick any; %(count)s suggestions were corrected that way and left out of the "
                     "count.",
                     self.corrections, count=n(self.corrections), samples=samples),
        ]


def method(session: DbSession, consultation: Consultation) -> Method:
    """Counted one at a time, counted in reviewed batches, batch samples and corrections found.

    Counted in the database (the public response page shows it on every view): a comment
    counted both ways counts as counted one at a time."""
    cid = consultation.id
    links = (select(ThemeComment.comment_id).join(Theme, Theme.id == ThemeComment.theme_id)
             .join(Comment, Comment.id == ThemeComment.comment_id)
             .where(Theme.consultation_id == cid, Theme.merged_into_id.is_(None), _published(cid)))
    by_hand = links.where(ThemeComment.method != COUNTED_IN_BATCH)
    batched = links.where(ThemeComment.method == COUNTED_IN_BATCH)
    individually = session.scalar(select(func.count()).select_from(by_hand.distinct().subquery())) or 0
    in_batches = session.scalar(select(func.count()).select_from(
        batched.where(ThemeComment.comment_id.not_in(by_hand)).distinct().subquery())) or 0
    considered = session.scalar(select(func.count()).select_from(CommentConsidered).join(
        Comment, Comment.id == CommentConsidered.comment_id).where(_published(cid))) or 0
    records = list(session.execute(select(CountBatch.sample_size, CountBatch.corrections)
                                   .where(CountBatch.consultation_id == cid).order_by(CountBatch.id)))
    return Method(individually=individually, in_batches=in_batches, considered=considered,
                  batches=len(records), sample_sizes=[r.sample_size for r in records],
                  corrections=sum(r.corrections for r in records))


def latest_jobs(session: DbSession, consultation: Consultation) -> dict[str, BackgroundJob | None]:
    """The newest job of each kind for the consultation (for the progress boxes)."""
    return {"themes": latest_job(session, themes_key(consultation)),
            "counts": latest_job(session, counts_key(consultation))}
