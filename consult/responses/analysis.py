"""Analysis: what was said, counted per paragraph, stance, respondent, day and campaign."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date
from html import escape

from babel.dates import format_date
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from consult.consultations.service import current_version, paragraphs_of
from consult.i18n import N_, current_language, gettext, ngettext
from consult.models import (
    Comment,
    Consultation,
    Paragraph,
    Theme,
)
from consult.responses.common import PUBLISHED
from consult.responses.themes import known_anchors, themes_for_comments, themes_of, uncounted_total
from consult.web import site_zone
from moderation.db import DbSession
from moderation.models import TextPrint


@dataclass
class Analysis:
    """What was said, counted: per paragraph, stance, respondent type, time, campaigns."""

    total: int
    per_anchor: dict[str | None, int]
    stance: dict[str, int]
    respondent_types: dict[str, int]
    organisations: list[tuple[str, int]]
    per_day: list[tuple[date, int]]  # the site's days (SITE_TIMEZONE), oldest first
    campaigns: list[tuple[str, int]] = field(default_factory=list)  # (sample text, people)


def analyse(session: DbSession, consultation: Consultation) -> Analysis:
    """Count the published comments of a consultation in every way the analysis page shows."""
    base = select(Comment).where(Comment.consultation_id == consultation.id,
                                 Comment.status == PUBLISHED)
    per_anchor = dict(session.execute(
        select(Comment.anchor, func.count()).where(Comment.consultation_id == consultation.id,
                                                   Comment.status == PUBLISHED)
        .group_by(Comment.anchor)).all())
    stance: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    organisations: Counter[str] = Counter()
    days: Counter[date] = Counter()
    zone = site_zone()
    for c_stance, c_kind, c_org, created in session.execute(
            base.with_only_columns(Comment.stance, Comment.respondent_type, Comment.organisation,
                                   Comment.created_at)):
        stance[c_stance or "not given"] += 1
        kinds[c_kind] += 1
        if c_org:
            organisations[c_org.strip()] += 1
        days[created.replace(tzinfo=UTC).astimezone(zone).date()] += 1
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


def analysis_page(session: DbSession, consultation: Consultation, selected: str | None) -> AnalysisPage:
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
    picked: Paragraph | str | None = None
    picked_comments: list[Comment] | None = None
    if selected == WHOLE:
        picked, picked_comments = WHOLE, comments_on(session, consultation, None)
    elif selected in known:
        picked, picked_comments = known[selected], comments_on(session, consultation, selected)
    return AnalysisPage(
        counted, paragraphs, removed, counts, picked, picked_comments,
        counted_under=themes_for_comments(session, [c.id for c in picked_comments or []]),
        themes=themes_of(session, consultation),
        uncounted_total=uncounted_total(session, consultation))


def day_words(day: date) -> str:
    """A day as the pages write it, in the reader's language ("4 December 2026", "4 Rhagfyr 2026")."""
    return format_date(day, "d MMMM y", locale=current_language())


def timeline_svg(per_day: list[tuple[date, int]], width: int = 640, height: int = 160) -> str:
    """Submissions per day as an SVG bar chart (drawn on the server, readable without JS), its
    days in the reader's language; one day is labelled once."""
    if not per_day:
        return ""
    peak = max(n for _d, n in per_day)
    bar = max(2, (width - 40) // len(per_day))
    bars = []
    for i, (day, n) in enumerate(per_day):
        h = round((height - 30) * n / peak)
        x = 30 + i * bar
        bars.append(f'<rect x="{x}" y="{height - 20 - h}" width="{max(1, bar - 2)}" height="{h}">'
                    f"<title>{escape(day_words(day))}: {n}</title></rect>")
    first, last = day_words(per_day[0][0]), day_words(per_day[-1][0])
    labels = f'<text x="30" y="{height - 4}">{escape(first)}</text>'
    if last != first:
        labels += f'<text x="{width}" y="{height - 4}" text-anchor="end">{escape(last)}</text>'
    return (f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
            f'aria-label="{escape(_per_day_words(first, last, peak))}">'
            f'<text x="0" y="12">{peak}</text>{"".join(bars)}{labels}</svg>')


STANCE_ORDER = ("support", "oppose", "mixed", "not given")
# The stances' names on the chart, in the reader's language (the same messages as the pages').
STANCE_WORDS = {"support": N_("Support"), "oppose": N_("Oppose"), "mixed": N_("Mixed"), "not given": N_("Not given")}


def _per_day_words(first: str, last: str, peak: int) -> str:
    if first == last:
        return ngettext("Comments on %(day)s: %(num)s", "Comments on %(day)s: %(num)s", peak, day=first)
    return ngettext("Comments per day from %(first)s to %(last)s, at most %(num)s in a day",
                    "Comments per day from %(first)s to %(last)s, at most %(num)s in a day", peak,
                    first=first, last=last)


def stance_svg(stance: dict[str, int], width: int = 480) -> str:
    """The stance breakdown as a horizontal SVG bar chart, drawn on the server: a role="img"
    with the figures in its accessible name and <title>, a label and a count on every bar."""
    rows = [(name, stance[name]) for name in STANCE_ORDER if stance.get(name)]
    rows += [(name, n) for name, n in sorted(stance.items()) if name not in STANCE_ORDER and n]
    if not rows:
        return ""
    total = sum(n for _name, n in rows)
    peak = max(n for _name, n in rows)
    label_width, count_width, bar_height, gap = 90, 90, 22, 10
    room = width - label_width - count_width
    height = len(rows) * (bar_height + gap) + gap
    parts = []
    for i, (name, n) in enumerate(rows):
        y = gap + i * (bar_height + gap)
        length = max(2, round(room * n / peak))
        share = round(100 * n / total)
        words = escape(gettext(STANCE_WORDS[name]) if name in STANCE_WORDS else name.capitalize())
        parts.append(
            f'<g class="stance-{escape(name.replace(" ", "-"))}">'
            f'<text x="0" y="{y + bar_height - 6}">{words}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}"></rect>'
            f'<text x="{label_width + length + 6}" y="{y + bar_height - 6}">{n:,} ({share}%)</text></g>')
    figures = ", ".join(f"{gettext(STANCE_WORDS[name]).lower() if name in STANCE_WORDS else name} "
                        f"{n:,} ({round(100 * n / total)}%)" for name, n in rows)
    described = escape(ngettext("Stance of %(count)s published comment: %(figures)s",
                                "Stance of %(count)s published comments: %(figures)s", total,
                                count=f"{total:,}", figures=figures))
    return (f'<svg class="chart stance-chart" role="img" viewBox="0 0 {width} {height}" '
            f'aria-label="{described}"><title>{described}</title>{"".join(parts)}</svg>')


def comments_on(session: DbSession, consultation: Consultation, anchor: str | None,
                limit: int = 500) -> list[Comment]:
    """The published comments on one paragraph (None: the whole document), oldest first."""
    match = Comment.anchor.is_(None) if anchor is None else Comment.anchor == anchor
    return list(session.scalars(
        select(Comment).options(joinedload(Comment.author))
        .where(Comment.consultation_id == consultation.id, match, Comment.status == PUBLISHED)
        .order_by(Comment.id).limit(limit)))
