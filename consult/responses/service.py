"""The response module: analysis, themes, counting every comment, and "you said, we did"."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session, joinedload

import documents
from consult.consultations.service import current_version, get_version, paragraphs_of
from consult.models import (
    THEME_OUTCOMES,
    Comment,
    CommentConsidered,
    CommentStatus,
    Consultation,
    DocumentVersion,
    Paragraph,
    Response,
    ResponseCorrection,
    Theme,
    ThemeComment,
    ThemeParagraph,
    utcnow,
)
from consult.notifications import notify, site_path
from moderation.models import TextPrint

PUBLISHED = CommentStatus.PUBLISHED.value
MAX_TEXT = 20_000
WORD = re.compile(r"[a-z0-9]{3,}")


class ResponseError(ValueError):
    """A response action refused, with a message for the official (and optional details)."""

    def __init__(self, message: str, status: int = 400, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.details = list(details)


# --- analysis ------------------------------------------------------------------------------

@dataclass
class Analysis:
    """What was said, counted: per paragraph, stance, respondent type, time, campaigns."""

    total: int
    per_anchor: dict[str | None, int]
    stance: dict[str, int]
    respondent_types: dict[str, int]
    organisations: list[tuple[str, int]]
    per_day: list[tuple[str, int]]
    campaigns: list[tuple[str, int]] = field(default_factory=list)  # (sample text, people)


def analyse(session: Session, consultation: Consultation) -> Analysis:
    """Count the published comments of a consultation in every way the analysis page shows."""
    base = select(Comment).where(Comment.consultation_id == consultation.id,
                                 Comment.status == PUBLISHED)
    per_anchor = dict(session.execute(
        select(Comment.anchor, func.count()).where(Comment.consultation_id == consultation.id,
                                                   Comment.status == PUBLISHED)
        .group_by(Comment.anchor)).all())
    stance = Counter()
    kinds = Counter()
    organisations = Counter()
    days = Counter()
    for c_stance, c_kind, c_org, created in session.execute(
            base.with_only_columns(Comment.stance, Comment.respondent_type, Comment.organisation,
                                   Comment.created_at)):
        stance[c_stance or "not given"] += 1
        kinds[c_kind] += 1
        if c_org:
            organisations[c_org.strip()] += 1
        days[created.strftime("%Y-%m-%d")] += 1
    campaigns = []
    for group, people in session.execute(
            select(TextPrint.group_key, func.count(func.distinct(TextPrint.author_id)))
            .where(TextPrint.consultation_id == consultation.id)
            .group_by(TextPrint.group_key)
            .having(func.count(func.distinct(TextPrint.author_id)) >= 3)
            .order_by(func.count(func.distinct(TextPrint.author_id)).desc()).limit(20)):
        sample = session.scalar(select(Comment.body).join(TextPrint, TextPrint.comment_id == Comment.id)
                                .where(TextPrint.group_key == group, TextPrint.consultation_id == consultation.id,
                                       Comment.status == PUBLISHED).order_by(Comment.id).limit(1))
        campaigns.append(((sample or "")[:200], people))
    return Analysis(sum(per_anchor.values()), per_anchor, dict(stance), dict(kinds),
                    organisations.most_common(), sorted(days.items()), campaigns)


@dataclass
class AnalysisPage:
    """The analysis page: the counts, each paragraph's count, and the paragraph picked to read."""

    analysis: Analysis
    paragraphs: list[Paragraph]  # the current version's
    removed: list[Paragraph]  # commented paragraphs the current version no longer has
    counts: dict[str, int]  # per anchor, and under WHOLE for the document as a whole
    picked: Paragraph | str | None  # a paragraph, WHOLE, or nothing picked
    picked_comments: list[Comment] | None
    counted_under: dict[int, list[Theme]]
    themes: list[Theme]
    uncounted_total: int


WHOLE = "whole-document"  # how the analysis page names comments on the document as a whole


def analysis_page(session: Session, consultation: Consultation, selected: str | None) -> AnalysisPage:
    """Everything the analysis page shows, with the comments on the paragraph selected (or WHOLE)."""
    counted = analyse(session, consultation)
    paragraphs = paragraphs_of(session, current_version(session, consultation))
    current = {p.anchor for p in paragraphs}
    known = known_anchors(session, consultation)
    # Comments on paragraphs no longer in the current version are still counted and shown.
    removed = [known[a] for a in counted.per_anchor if a is not None and a not in current
               and a in known]
    counts = {p.anchor: counted.per_anchor.get(p.anchor, 0) for p in [*paragraphs, *removed]}
    counts[WHOLE] = counted.per_anchor.get(None, 0)
    picked = picked_comments = None
    if selected == WHOLE:
        picked, picked_comments = WHOLE, comments_on(session, consultation, None)
    elif selected in known:
        picked, picked_comments = known[selected], comments_on(session, consultation, selected)
    return AnalysisPage(
        counted, paragraphs, removed, counts, picked, picked_comments,
        counted_under=themes_for_comments(session, [c.id for c in picked_comments or []]),
        themes=themes_of(session, consultation),
        uncounted_total=uncounted_total(session, consultation))


def timeline_svg(per_day: list[tuple[str, int]], width: int = 640, height: int = 160) -> str:
    """Submissions per day as an SVG bar chart (drawn on the server, readable without JS)."""
    if not per_day:
        return ""
    peak = max(n for _d, n in per_day)
    bar = max(2, (width - 40) // len(per_day))
    bars = []
    for i, (day, n) in enumerate(per_day):
        h = round((height - 30) * n / peak)
        x = 30 + i * bar
        bars.append(f'<rect x="{x}" y="{height - 20 - h}" width="{max(1, bar - 2)}" height="{h}">'
                    f"<title>{day}: {n}</title></rect>")
    first, last = per_day[0][0], per_day[-1][0]
    return (f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
            f'aria-label="Comments per day from {first} to {last}, at most {peak} in a day">'
            f'<text x="0" y="12">{peak}</text>{"".join(bars)}'
            f'<text x="30" y="{height - 4}">{first}</text>'
            f'<text x="{width - 80}" y="{height - 4}">{last}</text></svg>')


# --- themes --------------------------------------------------------------------------------

def themes_of(session: Session, consultation: Consultation) -> list[Theme]:
    """The consultation's live themes (merged ones excluded), in order."""
    return list(session.scalars(select(Theme).where(
        Theme.consultation_id == consultation.id, Theme.merged_into_id.is_(None))
        .order_by(Theme.position, Theme.id)))


def _clean(value: str | None, label: str, limit: int = MAX_TEXT, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ResponseError(f"{label} is required.")
    if len(text) > limit:
        raise ResponseError(f"{label} is limited to {limit:,} characters.")
    return text


def _ensure_open_for_analysis(session: Session, consultation: Consultation) -> None:
    if is_published(session, consultation):
        raise ResponseError("The response is published: themes can no longer change. Publish a "
                            "dated correction instead.", status=409)


def _ensure_counts_open(session: Session, consultation: Consultation) -> None:
    # Counts are frozen once the response is published: what it says must stay true.
    if is_published(session, consultation):
        raise ResponseError("The response is published: comments can no longer be counted "
                            "differently. Publish a dated correction instead.", status=409)


def _refuse_merged(*themes: Theme) -> None:
    # A merged theme is retired: comments counted under it would vanish from the response.
    for theme in themes:
        if theme.merged_into_id is not None:
            raise ResponseError(f"“{theme.title}” was merged into another theme: use that "
                                "theme instead.", status=409)


def create_theme(session: Session, consultation: Consultation, title: str, actor_id: int,
                 said: str = "", keywords: str = "") -> Theme:
    """Start a theme."""
    _ensure_open_for_analysis(session, consultation)
    title = _clean(title, "The theme's title", 200, required=True)
    position = session.scalar(select(func.count()).select_from(Theme).where(
        Theme.consultation_id == consultation.id)) or 0
    theme = Theme(consultation_id=consultation.id, title=title, said=_clean(said, "What people said"),
                  keywords=_clean(keywords, "Key words", 300), position=position, updated_by=actor_id)
    session.add(theme)
    session.flush()
    return theme


def get_theme(session: Session, consultation: Consultation, theme_id: int) -> Theme:
    """A theme of this consultation, or a 404-style error."""
    theme = session.get(Theme, theme_id)
    if theme is None or theme.consultation_id != consultation.id:
        raise ResponseError("There is no such theme in this consultation.", status=404)
    return theme


def update_theme(session: Session, theme: Theme, *, expected_revision: int, actor_id: int,
                 title: str, said: str, outcome: str | None, reasons: str, keywords: str = "",
                 anchors: Sequence[str] = ()) -> Theme:
    """Save a theme; if someone else saved since it was opened, refuse and say who."""
    consultation = session.get(Consultation, theme.consultation_id)
    _ensure_open_for_analysis(session, consultation)
    # The check and the bump are one UPDATE, so two saves at the same moment cannot both pass.
    won = session.execute(update(Theme).where(Theme.id == theme.id, Theme.revision == expected_revision)
                          .values(revision=Theme.revision + 1)
                          .execution_options(synchronize_session=False)).rowcount
    session.refresh(theme)
    if won != 1:
        raise ResponseError(
            f"Someone else (user {theme.updated_by}) saved this theme at {theme.updated_at:%H:%M} "
            "since you opened it. Nothing was overwritten: your text is kept below; compare it with "
            "theirs and save again.", status=409)
    if outcome not in (None, "", *THEME_OUTCOMES):
        raise ResponseError("Choose an outcome: changed, no change, further work or out of scope.")
    theme.title = _clean(title, "The theme's title", 200, required=True)
    theme.said = _clean(said, "What people said")
    theme.outcome = outcome or None
    theme.reasons = _clean(reasons, "The department's reasons")
    theme.keywords = _clean(keywords, "Key words", 300)
    link_paragraphs(session, theme, anchors)
    theme.updated_at = utcnow()
    theme.updated_by = actor_id
    return theme


def paragraph_options(session: Session, consultation: Consultation) -> list[tuple[str, str]]:
    """Every paragraph of every version as (anchor, "number: text"), the current version first."""
    latest = current_version(session, consultation).number
    # The current version in reading order first, then paragraphs only earlier versions had.
    rows = sorted(known_anchors(session, consultation).values(),
                  key=lambda p: (p.version.number != latest, -p.version.number, p.position))
    options = []
    for p in rows:
        where = "" if p.version.number == latest else f" (version {p.version.number} only)"
        text = p.text if len(p.text) <= 90 else p.text[:88] + "…"
        options.append((p.anchor, f"{p.number}{where}: {text}"))
    return options


def known_anchors(session: Session, consultation: Consultation) -> dict[str, Paragraph]:
    """Every anchor in any version of the consultation, mapped to its latest paragraph."""
    found: dict[str, Paragraph] = {}
    for paragraph in session.scalars(
            select(Paragraph).join(DocumentVersion)
            .where(DocumentVersion.consultation_id == consultation.id)
            .order_by(DocumentVersion.number)):
        found[paragraph.anchor] = paragraph
    return found


def link_paragraphs(session: Session, theme: Theme, anchors: Sequence[str]) -> None:
    """Set the paragraphs a theme changed; each must exist in some version."""
    consultation = session.get(Consultation, theme.consultation_id)
    wanted = [a.strip() for a in anchors if a and a.strip()]
    known = known_anchors(session, consultation)
    unknown = [a for a in wanted if a not in known]
    if unknown:
        raise ResponseError(f"No version of the document has the paragraph(s) {', '.join(unknown)}.")
    existing = {tp.anchor: tp for tp in session.scalars(
        select(ThemeParagraph).where(ThemeParagraph.theme_id == theme.id))}
    for anchor, link in existing.items():
        if anchor not in wanted:
            session.delete(link)
    for anchor in dict.fromkeys(wanted):
        if anchor not in existing:
            session.add(ThemeParagraph(theme_id=theme.id, anchor=anchor))


def merge_themes(session: Session, source: Theme, target: Theme, actor_id: int) -> Theme:
    """Move every comment and paragraph of one theme into another, and retire the first."""
    if source.id == target.id or source.consultation_id != target.consultation_id:
        raise ResponseError("Choose two different themes of the same consultation to merge.")
    _live(session, source)
    _live(session, target)
    already = set(session.scalars(select(ThemeComment.comment_id).where(ThemeComment.theme_id == target.id)))
    for tc in session.scalars(select(ThemeComment).where(ThemeComment.theme_id == source.id)):
        if tc.comment_id in already:
            session.delete(tc)
        else:
            tc.theme_id = target.id  # moved as they are, whatever the comment's status now
    link_paragraphs(session, target, [*anchors_of(session, target), *anchors_of(session, source)])
    source.merged_into_id = target.id
    target.revision += 1
    return target


def merge_into(session: Session, consultation: Consultation, source: Theme, target_id: int | None,
               actor_id: int) -> Theme:
    """Merge a theme into another of the consultation, chosen by id; returns the target."""
    if target_id is None:
        raise ResponseError("Choose the theme to merge this one into.")
    target = get_theme(session, consultation, target_id)
    _refuse_merged(source, target)
    return merge_themes(session, source, target, actor_id)


@dataclass
class ThemeWorkspace:
    """What an official sees beside a theme's form."""

    comments: list[Comment]
    suggested: list[Comment]
    merge_targets: list[Theme]
    merged_into: Theme | None


def theme_workspace(session: Session, consultation: Consultation, theme: Theme) -> ThemeWorkspace:
    """A theme's comments, comments suggested for it, the themes it may merge into, its successor."""
    return ThemeWorkspace(
        comments=theme_comments(session, theme),
        suggested=suggestions(session, theme) if theme.merged_into_id is None else [],
        merge_targets=[t for t in themes_of(session, consultation) if t.id != theme.id],
        merged_into=session.get(Theme, theme.merged_into_id) if theme.merged_into_id else None)


def anchors_of(session: Session, theme: Theme) -> list[str]:
    """The anchors of the paragraphs a theme changed."""
    return list(session.scalars(select(ThemeParagraph.anchor).where(ThemeParagraph.theme_id == theme.id)
                                .order_by(ThemeParagraph.id)))


def _live(session: Session, theme: Theme, counting: bool = False) -> None:
    consultation = session.get(Consultation, theme.consultation_id)
    if counting:
        _ensure_counts_open(session, consultation)
    else:
        _ensure_open_for_analysis(session, consultation)
    if theme.merged_into_id is not None:
        raise ResponseError("That theme was merged into another; use the theme it was merged into.",
                            status=409)


def count_under_theme(session: Session, consultation: Consultation, theme_id: int | None,
                      comment_ids: Sequence[int], actor_id: int) -> tuple[Theme, int]:
    """Count the chosen comments under the chosen theme; returns the theme and how many were new."""
    _ensure_counts_open(session, consultation)
    if theme_id is None:
        raise ResponseError("Choose the theme to count the comments under.")
    if not comment_ids:
        raise ResponseError("Tick at least one comment to count under the theme.")
    theme = get_theme(session, consultation, theme_id)
    _refuse_merged(theme)
    return theme, assign(session, theme, comment_ids, actor_id)


def assign(session: Session, theme: Theme, comment_ids: Sequence[int], actor_id: int) -> int:
    """Count published comments of the theme's consultation under it; returns how many were new."""
    _live(session, theme, counting=True)
    try:
        ids = list(dict.fromkeys(int(i) for i in comment_ids))
    except (TypeError, ValueError):
        raise ResponseError("Choose comments from the list.") from None
    if not ids:
        return 0
    valid = set(session.scalars(select(Comment.id).where(
        Comment.id.in_(ids), Comment.consultation_id == theme.consultation_id,
        Comment.status == PUBLISHED)))
    if len(valid) != len(ids):
        raise ResponseError("Only published comments of this consultation can be counted under a theme.")
    already = set(session.scalars(select(ThemeComment.comment_id).where(
        ThemeComment.theme_id == theme.id, ThemeComment.comment_id.in_(ids))))
    new = [i for i in ids if i not in already]
    session.add_all(ThemeComment(theme_id=theme.id, comment_id=i, assigned_by=actor_id) for i in new)
    # A comment given a theme no longer needs its "considered, no theme" note.
    for considered in session.scalars(select(CommentConsidered).where(CommentConsidered.comment_id.in_(new))):
        session.delete(considered)
    return len(new)


def unassign(session: Session, theme: Theme, comment_id: int | None) -> None:
    """Take a comment out of a theme."""
    _live(session, theme, counting=True)
    if comment_id is None:
        raise ResponseError("Choose the comment to take out of the theme.")
    link = session.scalar(select(ThemeComment).where(ThemeComment.theme_id == theme.id,
                                                     ThemeComment.comment_id == comment_id))
    if link is not None:
        session.delete(link)


def theme_comments(session: Session, theme: Theme, limit: int = 200) -> list[Comment]:
    """The comments counted under a theme."""
    return list(session.scalars(select(Comment).options(joinedload(Comment.author))
                                .join(ThemeComment, ThemeComment.comment_id == Comment.id)
                                .where(ThemeComment.theme_id == theme.id).order_by(Comment.id).limit(limit)))


def _keywords(theme: Theme) -> set[str]:
    words = theme.keywords or f"{theme.title} {theme.said}"
    stop = {"the", "and", "for", "that", "with", "this", "are", "not", "should", "from", "have", "will"}
    return {w for w in WORD.findall(words.lower()) if w not in stop}


def suggestions(session: Session, theme: Theme, limit: int = 20) -> list[Comment]:
    """Published comments not yet counted anywhere that share the theme's key words."""
    words = _keywords(theme)
    if not words:
        return []
    scored = []
    for comment in uncounted(session, session.get(Consultation, theme.consultation_id), limit=5000):
        body = set(WORD.findall(comment.body.lower()))
        score = len(words & body)
        if score:
            scored.append((score, comment.id, comment))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [c for _s, _i, c in scored[:limit]]


def search_comments(session: Session, consultation: Consultation, query: str, limit: int = 100) -> list[Comment]:
    """Published comments of a consultation containing every word of the query."""
    words = [w for w in WORD.findall((query or "").lower())][:10]
    if not words:
        return []
    select_ = select(Comment).options(joinedload(Comment.author)).where(
        Comment.consultation_id == consultation.id, Comment.status == PUBLISHED)
    for word in words:
        select_ = select_.where(func.lower(Comment.body).contains(word, autoescape=True))
    return list(session.scalars(select_.order_by(Comment.id).limit(limit)))


def uncounted(session: Session, consultation: Consultation, limit: int = 200) -> list[Comment]:
    """Published comments under no theme and not marked "considered, no theme"."""
    counted = select(ThemeComment.comment_id).join(Theme, Theme.id == ThemeComment.theme_id).where(
        Theme.consultation_id == consultation.id)
    considered = select(CommentConsidered.comment_id)
    return list(session.scalars(
        select(Comment).options(joinedload(Comment.author)).where(
            Comment.consultation_id == consultation.id, Comment.status == PUBLISHED,
            Comment.id.not_in(counted), Comment.id.not_in(considered))
        .order_by(Comment.id).limit(limit)))


def uncounted_total(session: Session, consultation: Consultation) -> int:
    """How many published comments are not yet counted."""
    counted = select(ThemeComment.comment_id).join(Theme, Theme.id == ThemeComment.theme_id).where(
        Theme.consultation_id == consultation.id)
    return session.scalar(select(func.count()).select_from(Comment).where(
        Comment.consultation_id == consultation.id, Comment.status == PUBLISHED,
        Comment.id.not_in(counted), Comment.id.not_in(select(CommentConsidered.comment_id)))) or 0


# Why an official counted a comment under no theme. The public response groups by these.
CONSIDERED_REASONS = {
    "off_topic": "Off topic for this consultation",
    "duplicate": "Duplicate of another comment",
    "no_view": "No view expressed",
    "other": "Another reason",
}
# Comments marked before reasons were recorded had only a note, written for the officials: they
# are listed under this reason, and their note is never published.
EARLIER = "earlier"
REASON_LABELS = {**CONSIDERED_REASONS, EARLIER: "Considered before reasons were recorded"}


def mark_considered(session: Session, consultation: Consultation, comment_id: int, note: str,
                    actor_id: int, reason: str | None = None) -> CommentConsidered:
    """Record that a comment was read and fits no theme: a reason from the list, and a note."""
    _ensure_counts_open(session, consultation)
    # No reason chosen is "another reason": the note must then say what it is.
    reason = (reason or "").strip() or "other"
    if reason not in CONSIDERED_REASONS:
        raise ResponseError("Choose a reason from the list.")
    note = _clean(note, "The note", 2000)
    if reason == "other" and not note:
        raise ResponseError("Say why the comment fits no theme: choose a reason from the list, "
                            "or write one in the note.")
    comment = session.get(Comment, comment_id)
    if comment is None or comment.consultation_id != consultation.id or comment.status != PUBLISHED:
        raise ResponseError("That is not a published comment of this consultation.", status=404)
    record = session.scalar(select(CommentConsidered).where(CommentConsidered.comment_id == comment_id))
    if record is None:
        record = CommentConsidered(comment_id=comment_id, reason=reason, note=note, by=actor_id)
        session.add(record)
    else:
        record.reason, record.note = reason, note
    return record


def considered_label(record: CommentConsidered) -> str:
    """A "considered, no theme" reason in words."""
    return REASON_LABELS.get(record.reason, CONSIDERED_REASONS["other"])


@dataclass
class ConsideredSummary:
    """The published comments read and counted under no theme, per reason."""

    total: int
    reasons: list[tuple[str, str, int]]  # (code, label, comments), in the list's order


def considered_summary(session: Session, consultation: Consultation) -> ConsideredSummary:
    """How many published comments were considered with no theme, and for which reasons."""
    counts = dict(session.execute(
        select(CommentConsidered.reason, func.count())
        .join(Comment, Comment.id == CommentConsidered.comment_id)
        .where(Comment.consultation_id == consultation.id, Comment.status == PUBLISHED)
        .group_by(CommentConsidered.reason)).all())
    reasons = [(code, label, counts[code]) for code, label in REASON_LABELS.items()
               if counts.get(code)]
    return ConsideredSummary(sum(counts.values()), reasons)


# --- the public lists behind the response's counts -------------------------------------------

PER_PAGE = 50


@dataclass
class CommentPage:
    """One page of a public list of comments, with honest totals."""

    comments: list[Comment]
    total: int
    page: int
    per_page: int
    # For the "considered" list: each comment's record (reason and note), by comment id.
    considered: dict[int, CommentConsidered] = field(default_factory=dict)
    # Comments counted here that are no longer public: (what happened, how many).
    not_shown: list[tuple[str, int]] = field(default_factory=list)

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one, even when empty)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """The position of the page's first comment in the whole list (1-based)."""
        return (self.page - 1) * self.per_page + 1 if self.comments else 0

    @property
    def last(self) -> int:
        """The position of the page's last comment in the whole list."""
        return self.first + len(self.comments) - 1 if self.comments else 0


def _page_number(page: int, total: int, per_page: int) -> int:
    pages = max(1, -(-total // per_page))
    if page < 1 or page > pages:
        raise ResponseError(f"There is no page {page}: this list has {pages} "
                            f"page{'s' if pages != 1 else ''}.", status=404)
    return page


# A counted comment that is no longer public, as the public may be told of it. Its text is never
# shown; a removal names the house rule, as the comment's placeholder in its thread does.
_NOT_SHOWN = {
    CommentStatus.REMOVED.value: "removed by a moderator",
    CommentStatus.WITHDRAWN.value: "withdrawn by the author",
    CommentStatus.PENDING.value: "hidden for a moderator's review",
    CommentStatus.REJECTED.value: "refused under the house rules",
}


def _not_shown(session: Session, comment_ids) -> list[tuple[str, int]]:
    rows = session.execute(
        select(Comment.status, Comment.status_reason, func.count())
        .where(Comment.id.in_(comment_ids), Comment.status != PUBLISHED)
        .group_by(Comment.status, Comment.status_reason)).all()
    found: Counter = Counter()
    for status, reason, n in rows:
        what = _NOT_SHOWN.get(status, "no longer public")
        # "Removed by a moderator under rule 3 (...)." is what the thread itself shows.
        if status == CommentStatus.REMOVED.value and reason and reason.startswith("Removed by a moderator"):
            what = reason[0].lower() + reason[1:].rstrip(".")
        found[what] += n
    return sorted(found.items(), key=lambda item: (-item[1], item[0]))


def published_theme_comments(session: Session, theme: Theme, page: int = 1,
                             per_page: int = PER_PAGE) -> CommentPage:
    """A page of the published comments counted under a theme, oldest first."""
    counted = select(ThemeComment.comment_id).where(ThemeComment.theme_id == theme.id)
    # The consultation is stated as well: this list is public, so it never rests on every
    # assignment having been checked when it was made.
    where = (Comment.id.in_(counted), Comment.consultation_id == theme.consultation_id,
             Comment.status == PUBLISHED)
    total = session.scalar(select(func.count()).select_from(Comment).where(*where)) or 0
    page = _page_number(page, total, per_page)
    comments = list(session.scalars(
        select(Comment).options(joinedload(Comment.author)).where(*where)
        .order_by(Comment.id).offset((page - 1) * per_page).limit(per_page)))
    return CommentPage(comments, total, page, per_page, not_shown=_not_shown(session, counted))


def published_considered_comments(session: Session, consultation: Consultation, page: int = 1,
                                  reason: str | None = None,
                                  per_page: int = PER_PAGE) -> CommentPage:
    """A page of the published comments considered with no theme (optionally for one reason)."""
    if reason is not None and reason not in REASON_LABELS:
        raise ResponseError("There is no such reason.", status=404)
    marked = select(CommentConsidered.comment_id).join(
        Comment, Comment.id == CommentConsidered.comment_id).where(
        Comment.consultation_id == consultation.id)
    if reason is not None:
        marked = marked.where(CommentConsidered.reason == reason)
    where = (Comment.id.in_(marked), Comment.status == PUBLISHED)
    total = session.scalar(select(func.count()).select_from(Comment).where(*where)) or 0
    page = _page_number(page, total, per_page)
    comments = list(session.scalars(
        select(Comment).options(joinedload(Comment.author)).where(*where)
        .order_by(Comment.id).offset((page - 1) * per_page).limit(per_page)))
    records = {r.comment_id: r for r in session.scalars(select(CommentConsidered).where(
        CommentConsidered.comment_id.in_([c.id for c in comments])))} if comments else {}
    return CommentPage(comments, total, page, per_page, considered=records,
                       not_shown=_not_shown(session, marked))


# --- the response ----------------------------------------------------------------------------

# Built once: every paragraph page asks whether there is a published response.
_RESPONSE_OF = select(Response).where(Response.consultation_id == bindparam("consultation"))


def get_response(session: Session, consultation: Consultation, create: bool = False) -> Response | None:
    """The consultation's response (a draft until published)."""
    response = session.scalar(_RESPONSE_OF, {"consultation": consultation.id})
    if response is None and create:
        numbers = sorted(v.number for v in consultation.versions)
        response = Response(consultation_id=consultation.id, from_version=numbers[0],
                            to_version=numbers[-1] if len(numbers) > 1 else None)
        session.add(response)
        session.flush()
    return response


def is_published(session: Session, consultation: Consultation) -> bool:
    """True when the consultation's response is published."""
    response = get_response(session, consultation)
    return response is not None and response.published_at is not None


@dataclass
class DraftValues:
    """What the draft form starts with: the saved draft, or the versions to compare by default."""

    summary: str
    next_steps: str
    from_version: int | None
    to_version: int | None


def draft_values(session: Session, consultation: Consultation) -> DraftValues:
    """The saved draft's text and versions; before one is saved, the first and the latest version."""
    response = get_response(session, consultation)
    if response is not None:
        return DraftValues(response.summary, response.next_steps, response.from_version,
                           response.to_version)
    numbers = [v.number for v in consultation.versions]
    return DraftValues("", "", numbers[0] if numbers else None,
                       numbers[-1] if len(numbers) > 1 else None)


def save_draft(session: Session, consultation: Consultation, summary: str, next_steps: str,
               from_version: int | None = None, to_version: int | None = None) -> Response:
    """Save the overall summary and next steps of the response."""
    response = get_response(session, consultation, create=True)
    if response.published_at:
        raise ResponseError("The response is already published; add a dated correction instead.", 409)
    response.summary = _clean(summary, "The summary")
    response.next_steps = _clean(next_steps, "The next steps")
    for number in (from_version, to_version):
        if number is not None and get_version(session, consultation, number) is None:
            raise ResponseError(f"This consultation has no version {number}.")
    response.from_version = from_version or response.from_version
    response.to_version = to_version or response.to_version
    return response


@dataclass
class ThemeReport:
    """One theme as the public response shows it, with counts computed, not typed."""

    theme: Theme
    comments: int
    organisations: list[str]
    paragraphs: list[dict]  # {"anchor", "number", "text", "diff_html"}


def report(session: Session, consultation: Consultation) -> list[ThemeReport]:
    """Every theme with its counted comments, organisations and changed paragraphs."""
    response = get_response(session, consultation)
    old_number = response.from_version if response else 1
    new_number = response.to_version if response else None
    old = get_version(session, consultation, old_number) if old_number else None
    new = get_version(session, consultation, new_number) if new_number else None
    old_by_anchor = {p.anchor: p for p in old.paragraphs} if old else {}
    new_by_anchor = {p.anchor: p for p in new.paragraphs} if new else {}
    reports = []
    for theme in themes_of(session, consultation):
        rows = session.execute(select(Comment.respondent_type, Comment.organisation)
                               .join(ThemeComment, ThemeComment.comment_id == Comment.id)
                               .where(ThemeComment.theme_id == theme.id,
                                      Comment.status == PUBLISHED)).all()
        organisations = sorted({o.strip() for kind, o in rows if kind == "organisation" and o})
        paragraphs = []
        for anchor in anchors_of(session, theme):
            before, after = old_by_anchor.get(anchor), new_by_anchor.get(anchor)
            shown = after or before
            diff_html = None
            if before and after:
                diff_html = documents.diff(before.text, after.text).html
            if before and after:
                state = "unchanged" if before.fingerprint == after.fingerprint else "edited"
            else:
                state = "new" if after else "removed"
            paragraphs.append({"anchor": anchor, "number": shown.number if shown else anchor,
                               "text": shown.text if shown else "", "diff_html": diff_html,
                               "state": state})
        reports.append(ThemeReport(theme, len(rows), organisations, paragraphs))
    return reports


def publish(session: Session, consultation: Consultation, actor_id: int,
            now: datetime | None = None) -> Response:
    """Publish the response and tell everyone who commented where their comment was counted."""
    now = now or utcnow()
    response = get_response(session, consultation, create=True)
    if response.published_at is not None:
        raise ResponseError(f"The response was already published on {response.published_at:%-d %B %Y}.",
                            status=409)
    if consultation.status.value not in ("closed",):
        raise ResponseError("Publish the response once the consultation has closed.", status=409)
    waiting = uncounted(session, consultation, limit=50)
    if waiting:
        total = uncounted_total(session, consultation)
        raise ResponseError(
            f"{total} published comment{'s are' if total != 1 else ' is'} not yet counted under a "
            "theme or marked as considered. Nothing is forgotten by accident: deal with them first.",
            status=409, details=[f"#{c.id} on {c.paragraph_number or 'the whole document'}: {c.body[:80]}"
                                 for c in waiting])
    themes = themes_of(session, consultation)
    if not themes:
        raise ResponseError("Add at least one theme before publishing.", status=409)
    missing = [t.title for t in themes if not t.outcome]
    if missing:
        raise ResponseError("Every theme needs an outcome before publishing.", status=409,
                            details=missing)
    if not response.summary.strip():
        raise ResponseError("Write the overall summary before publishing.", status=409)
    response.published_at = now
    response.published_by = actor_id
    consultation.responded_at = now
    _tell_participants(session, consultation)
    return response


def _tell_participants(session: Session, consultation: Consultation) -> None:
    link = site_path("responses.show", slug=consultation.slug)
    themes_by_comment: dict[int, list[Theme]] = {}
    for tc, theme in session.execute(select(ThemeComment, Theme).join(Theme, Theme.id == ThemeComment.theme_id)
                                     .where(Theme.consultation_id == consultation.id)):
        themes_by_comment.setdefault(tc.comment_id, []).append(theme)
    authors: dict[int, list[str]] = {}
    for comment in session.scalars(select(Comment).where(Comment.consultation_id == consultation.id,
                                                         Comment.status == PUBLISHED)):
        lines = [f"- “{t.title}” ({t.outcome_label}): {link}#theme-{t.id}"
                 for t in themes_by_comment.get(comment.id, [])]
        where = comment.paragraph_number or "the whole document"
        authors.setdefault(comment.author_id, []).append(
            f"Your comment on {where} was counted under:\n" + "\n".join(lines) if lines else
            f"Your comment on {where} was read and considered, and counted under no theme: "
            f"{link}#considered")
    for author_id, parts in authors.items():
        notify(session, author_id, "response",
               f"The response to “{consultation.title}” is published",
               "The department has published what it did with what people said.\n\n" + "\n\n".join(parts),
               link=link)


def correct(session: Session, consultation: Consultation, note: str, actor_id: int) -> ResponseCorrection:
    """Add a dated correction to a published response."""
    response = get_response(session, consultation)
    if response is None or response.published_at is None:
        raise ResponseError("Only a published response can be corrected; edit the draft instead.", 409)
    correction = ResponseCorrection(response_id=response.id, note=_clean(note, "The correction", 5000, True),
                                    by=actor_id)
    session.add(correction)
    return correction


def corrections(session: Session, response: Response) -> list[ResponseCorrection]:
    """A response's corrections, oldest first."""
    return list(session.scalars(select(ResponseCorrection).where(ResponseCorrection.response_id == response.id)
                                .order_by(ResponseCorrection.id)))


def themes_for_comments(session: Session, comment_ids: Sequence[int]) -> dict[int, list[Theme]]:
    """The themes each comment was counted under (for "Counted under: …")."""
    found: dict[int, list[Theme]] = {}
    if comment_ids:
        for tc, theme in session.execute(select(ThemeComment, Theme).join(Theme, Theme.id == ThemeComment.theme_id)
                                         .where(ThemeComment.comment_id.in_(list(comment_ids)))):
            found.setdefault(tc.comment_id, []).append(theme)
    return found


def as_markdown(session: Session, consultation: Consultation) -> str:
    """The published response as a Markdown document."""
    response = get_response(session, consultation)
    lines = [f"# Response: {consultation.title}", ""]
    if response and response.published_at:
        lines += [f"Published {response.published_at:%-d %B %Y}.", ""]
    lines += ["## Summary", "", (response.summary if response else "") or "", ""]
    for item in report(session, consultation):
        t = item.theme
        lines += [f"## {t.title}", "", f"**Comments:** {item.comments}"
                  + (f" · **Organisations:** {', '.join(item.organisations)}" if item.organisations else ""), "",
                  "### What you said", "", t.said or "", "",
                  f"### What we did: {t.outcome_label}", "", t.reasons or "", ""]
        for p in item.paragraphs:
            lines += [f"- Paragraph {p['number']} ({p['state']}): {p['text'][:300]}"]
        lines.append("")
    considered = considered_summary(session, consultation)
    if considered.total:
        lines += ["## Read and considered, counted under no theme", "",
                  f"**Comments:** {considered.total}", ""]
        lines += [f"- {label}: {n}" for _code, label, n in considered.reasons]
        lines.append("")
    lines += ["## Next steps", "", (response.next_steps if response else "") or "", ""]
    if response:
        for c in corrections(session, response):
            lines += [f"*Correction, {c.at:%-d %B %Y}:* {c.note}", ""]
    return "\n".join(lines)


def published_response(session: Session, consultation: Consultation) -> Response | None:
    """The consultation's response if it is published, else None."""
    response = get_response(session, consultation)
    return response if response is not None and response.published_at is not None else None


def public_response(session: Session, consultation: Consultation) -> Response | None:
    """The response the public may read: published, of a consultation that was made public."""
    # A consultation never made public has no public response, whatever its rows say.
    if consultation.published_at is None:
        return None
    return published_response(session, consultation)


def themes_for_anchor(session: Session, consultation: Consultation, anchor: str) -> list[Theme]:
    """The themes raised by comments on one paragraph."""
    return list(session.scalars(
        select(Theme).join(ThemeComment, ThemeComment.theme_id == Theme.id)
        .join(Comment, Comment.id == ThemeComment.comment_id)
        .where(Comment.consultation_id == consultation.id, Comment.anchor == anchor)
        .distinct().order_by(Theme.position, Theme.id)))


def counted_under_published(session: Session, comments: Sequence[Comment]) -> dict[int, list[Theme]]:
    """For comments whose consultation's response is published: the themes each counted under."""
    consultation_ids = {c.consultation_id for c in comments}
    published = set(session.scalars(select(Response.consultation_id).where(
        Response.consultation_id.in_(consultation_ids), Response.published_at.is_not(None))))
    return themes_for_comments(session, [c.id for c in comments if c.consultation_id in published])


def comments_on(session: Session, consultation: Consultation, anchor: str | None,
                limit: int = 500) -> list[Comment]:
    """The published comments on one paragraph (None: the whole document), oldest first."""
    match = Comment.anchor.is_(None) if anchor is None else Comment.anchor == anchor
    return list(session.scalars(
        select(Comment).options(joinedload(Comment.author))
        .where(Comment.consultation_id == consultation.id, match, Comment.status == PUBLISHED)
        .order_by(Comment.id).limit(limit)))
