"""Themes, and counting comments under them: create, edit, link paragraphs, merge, assign."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import joinedload

from consult.consultations.service import current_version
from consult.i18n import gettext
from consult.models import (
    THEME_OUTCOMES,
    Comment,
    CommentConsidered,
    Consultation,
    DocumentVersion,
    Paragraph,
    Theme,
    ThemeComment,
    ThemeParagraph,
    utcnow,
)
from consult.responses.common import PUBLISHED, ResponseError, clean_text, is_published
from documents import heading_words
from moderation.db import DbSession

WORD = re.compile(r"[a-z0-9]{3,}")


def themes_of(session: DbSession, consultation: Consultation) -> list[Theme]:
    """The consultation's live themes (merged ones excluded), in order."""
    return list(session.scalars(select(Theme).where(
        Theme.consultation_id == consultation.id, Theme.merged_into_id.is_(None))
        .order_by(Theme.position, Theme.id)))


def _ensure_open_for_analysis(session: DbSession, consultation: Consultation) -> None:
    if is_published(session, consultation):
        raise ResponseError(gettext("The response is published: themes can no longer change. Publish a "
                                    "dated correction instead."), status=409)


def ensure_counts_open(session: DbSession, consultation: Consultation) -> None:
    """Refuse once the response is published: no comment may then be counted differently."""
    # Counts are frozen once the response is published: what it says must stay true.
    if is_published(session, consultation):
        raise ResponseError(gettext("The response is published: comments can no longer be counted "
                                    "differently. Publish a dated correction instead."), status=409)


def _refuse_merged(*themes: Theme) -> None:
    # A merged theme is retired: comments counted under it would vanish from the response.
    for theme in themes:
        if theme.merged_into_id is not None:
            raise ResponseError(gettext("“%(title)s” was merged into another theme: use that theme instead.",
                                        title=theme.title), status=409)


def title_key(title: str) -> str:
    """A theme title as compared for duplicates: case and runs of spaces do not count."""
    return " ".join(title.split()).casefold()


def _refuse_duplicate_title(session: DbSession, consultation: Consultation, title: str,
                            theme_id: int | None = None) -> None:
    # Two live themes with one name would split the count and read as one in the response.
    key = title_key(title)
    for other in themes_of(session, consultation):
        if other.id != theme_id and title_key(other.title) == key:
            raise ResponseError(gettext("There is already a theme called “%(title)s”: choose another title, or "
                                        "count the comments under that theme (or merge the two).",
                                        title=other.title))


def create_theme(session: DbSession, consultation: Consultation, title: str, actor_id: int,
                 said: str = "", keywords: str = "") -> Theme:
    """Start a theme; a title another live theme has (ignoring case and spaces) is refused."""
    _ensure_open_for_analysis(session, consultation)
    title = " ".join(clean_text(title, "The theme's title", 200, required=True).split())
    _refuse_duplicate_title(session, consultation, title)
    position = session.scalar(select(func.count()).select_from(Theme).where(
        Theme.consultation_id == consultation.id)) or 0
    theme = Theme(consultation_id=consultation.id, title=title, said=clean_text(said, "What people said"),
                  keywords=clean_text(keywords, "Key words", 300), position=position, updated_by=actor_id)
    session.add(theme)
    session.flush()
    return theme


def get_theme(session: DbSession, consultation: Consultation, theme_id: int) -> Theme:
    """A theme of this consultation, or a 404-style error."""
    theme = session.get(Theme, theme_id)
    if theme is None or theme.consultation_id != consultation.id:
        raise ResponseError(gettext("There is no such theme in this consultation."), status=404)
    return theme


def update_theme(session: DbSession, theme: Theme, *, expected_revision: int, actor_id: int,
                 title: str, said: str, outcome: str | None, reasons: str, keywords: str = "",
                 anchors: Sequence[str] | None = None) -> Theme:
    """Save a theme; if someone else saved since it was opened, refuse and say who. The linked
    paragraphs are set only when `anchors` is given (the picker links them on its own)."""
    consultation = session.get_one(Consultation, theme.consultation_id)
    _ensure_open_for_analysis(session, consultation)
    _refuse_merged(theme)  # retired: its title and text are no longer in the response
    # The check and the bump are one UPDATE, so two saves at the same moment cannot both pass.
    bumped = session.execute(update(Theme).where(Theme.id == theme.id, Theme.revision == expected_revision)
                             .values(revision=Theme.revision + 1)
                             .execution_options(synchronize_session=False))
    won = cast("CursorResult[Any]", bumped).rowcount  # an UPDATE's result is a CursorResult
    session.refresh(theme)
    if won != 1:
        raise ResponseError(gettext(
            "Someone else (user %(user)s) saved this theme at %(time)s since you opened it. Nothing was "
            "overwritten: your text is kept below; compare it with theirs and save again.",
            user=theme.updated_by, time=f"{theme.updated_at:%H:%M}"), status=409)
    if outcome not in (None, "", *THEME_OUTCOMES):
        raise ResponseError(gettext("Choose an outcome: changed, no change, further work or out of scope."))
    title = " ".join(clean_text(title, "The theme's title", 200, required=True).split())
    _refuse_duplicate_title(session, consultation, title, theme.id)
    theme.title = title
    theme.said = clean_text(said, "What people said")
    theme.outcome = outcome or None
    theme.reasons = clean_text(reasons, "The department's reasons")
    theme.keywords = clean_text(keywords, "Key words", 300)
    if anchors is not None:
        link_paragraphs(session, theme, anchors)
    theme.updated_at = utcnow()
    theme.updated_by = actor_id
    return theme


def _labelled(session: DbSession, consultation: Consultation) -> list[tuple[Paragraph, str]]:
    """Every paragraph of every version with its label "number: text", the current version first."""
    latest = current_version(session, consultation).number
    # The current version in reading order first, then paragraphs only earlier versions had.
    rows = sorted(known_anchors(session, consultation).values(),
                  key=lambda p: (p.version.number != latest, -p.version.number, p.position))
    labelled = []
    for p in rows:
        text = _words(p)
        text = text if len(text) <= 90 else text[:88] + "…"
        labelled.append((p, f"{p.number}: {text}" if p.version.number == latest else gettext(
            "%(number)s (version %(version)s only): %(text)s", number=p.number, version=p.version.number,
            text=text)))
    return labelled


def _words(p: Paragraph) -> str:
    return heading_words(p.number, p.text) if p.kind == "heading" else p.text  # one number each


def paragraph_options(session: DbSession, consultation: Consultation) -> list[tuple[str, str]]:
    """Every paragraph of every version as (anchor, "number: text"), the current version first."""
    return [(p.anchor, label) for p, label in _labelled(session, consultation)]


PICKER_LIMIT = 40
_NUMBER = re.compile(r"\d+(?:\.\d+)*\.?")


@dataclass
class ParagraphPicker:
    """The paragraph picker beside a theme: the linked ones first, then what a search found
    (or, before any search, the paragraphs the theme's comments were written on)."""

    query: str
    linked: list[tuple[str, str]]  # (anchor, label)
    found: list[tuple[str, str]]  # not linked yet, at most PICKER_LIMIT
    found_total: int
    commented: list[tuple[str, str, int]]  # (anchor, label, comments under the theme on it)
    # A short document (at most PICKER_LIMIT paragraphs) is listed whole before any search.
    everything: bool = False


def _matches(p: Paragraph, label: str, query: str) -> bool:
    """Whether a paragraph answers a search: by its number ("4.2" finds 4.2 and 4.2.1), by its
    anchor, or by containing every word."""
    query = query.strip().casefold()
    if _NUMBER.fullmatch(query):
        number = query.rstrip(".")
        if p.number == number or p.number.startswith(number + "."):
            return True
    if query == p.anchor.casefold():
        return True
    text = f"{_words(p)} {label}".casefold()
    words = query.split()
    return bool(words) and all(word in text for word in words)


def paragraph_picker(session: DbSession, consultation: Consultation, theme: Theme,
                     query: str = "") -> ParagraphPicker:
    """What the picker shows for a theme and a search (matched here, never in SQL)."""
    query = " ".join((query or "").split())[:200]
    labelled = _labelled(session, consultation)
    linked_anchors = anchors_of(session, theme)
    labels = {p.anchor: label for p, label in labelled}
    linked = [(a, labels.get(a, a)) for a in linked_anchors]
    found: list[tuple[str, str]] = []
    total = 0
    commented: list[tuple[str, str, int]] = []
    everything = not query and len(labelled) <= PICKER_LIMIT
    if query or everything:
        for p, label in labelled:
            if p.anchor not in linked_anchors and (everything or _matches(p, label, query)):
                total += 1
                if len(found) < PICKER_LIMIT:
                    found.append((p.anchor, label))
    else:
        counts = dict(session.execute(
            select(Comment.anchor, func.count()).join(ThemeComment, ThemeComment.comment_id == Comment.id)
            .where(ThemeComment.theme_id == theme.id, Comment.anchor.is_not(None))
            .group_by(Comment.anchor)).all())
        commented = sorted(((a, labels[a], n) for a, n in counts.items()
                            if a in labels and a not in linked_anchors),
                           key=lambda row: -row[2])[:PICKER_LIMIT]
    return ParagraphPicker(query, linked, found, total, commented, everything)


def add_paragraphs(session: DbSession, theme: Theme, anchors: Sequence[str]) -> int:
    """Link more paragraphs to a theme; returns how many were new."""
    _live(session, theme)
    existing = anchors_of(session, theme)
    wanted = [a for a in dict.fromkeys(a.strip() for a in anchors if a and a.strip()) if a not in existing]
    if not wanted:
        raise ResponseError(gettext("Tick at least one paragraph to link to the theme."))
    link_paragraphs(session, theme, [*existing, *wanted])
    return len(wanted)


def remove_paragraph(session: DbSession, theme: Theme, anchor: str) -> None:
    """Unlink one paragraph from a theme."""
    _live(session, theme)
    link_paragraphs(session, theme, [a for a in anchors_of(session, theme) if a != anchor])


def known_anchors(session: DbSession, consultation: Consultation) -> dict[str, Paragraph]:
    """Every anchor in any version of the consultation, mapped to its latest paragraph."""
    found: dict[str, Paragraph] = {}
    for paragraph in session.scalars(
            select(Paragraph).join(DocumentVersion)
            .where(DocumentVersion.consultation_id == consultation.id)
            .order_by(DocumentVersion.number)):
        found[paragraph.anchor] = paragraph
    return found


def link_paragraphs(session: DbSession, theme: Theme, anchors: Sequence[str]) -> None:
    """Set the paragraphs a theme changed; each must exist in some version."""
    consultation = session.get_one(Consultation, theme.consultation_id)
    wanted = [a.strip() for a in anchors if a and a.strip()]
    known = known_anchors(session, consultation)
    unknown = [a for a in wanted if a not in known]
    if unknown:
        raise ResponseError(gettext("No version of the document has the paragraph(s) %(anchors)s.",
                                    anchors=", ".join(unknown)))
    existing = {tp.anchor: tp for tp in session.scalars(
        select(ThemeParagraph).where(ThemeParagraph.theme_id == theme.id))}
    for anchor, link in existing.items():
        if anchor not in wanted:
            session.delete(link)
    for anchor in dict.fromkeys(wanted):
        if anchor not in existing:
            session.add(ThemeParagraph(theme_id=theme.id, anchor=anchor))


def merge_themes(session: DbSession, source: Theme, target: Theme, actor_id: int) -> Theme:
    """Move every comment and paragraph of one theme into another, and retire the first."""
    if source.id == target.id or source.consultation_id != target.consultation_id:
        raise ResponseError(gettext("Choose two different themes of the same consultation to merge."))
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


def merge_into(session: DbSession, consultation: Consultation, source: Theme, target_id: int | None,
               actor_id: int) -> Theme:
    """Merge a theme into another of the consultation, chosen by id; returns the target."""
    if target_id is None:
        raise ResponseError(gettext("Choose the theme to merge this one into."))
    target = get_theme(session, consultation, target_id)
    _refuse_merged(source, target)
    return merge_themes(session, source, target, actor_id)


@dataclass
class MergePlan:
    """What merging one theme into another would do, for the page that asks to confirm it."""

    source: Theme
    target: Theme
    moving: int  # comments counted under the source, now counted under the target
    already: int  # of those, the ones the target counts already (counted there once)
    paragraphs: int  # paragraphs linked to the source that the target does not have yet


def merge_plan(session: DbSession, consultation: Consultation, source: Theme,
               target_id: int | None) -> MergePlan:
    """Check a merge the way merge_into will, and say what it would move; nothing is changed."""
    if target_id is None:
        raise ResponseError(gettext("Choose the theme to merge this one into."))
    target = get_theme(session, consultation, target_id)
    _refuse_merged(source, target)
    if source.id == target.id:
        raise ResponseError(gettext("Choose two different themes of the same consultation to merge."))
    _live(session, source)
    _live(session, target)

    def counted(theme: Theme) -> set[int]:
        return set(session.scalars(select(ThemeComment.comment_id).where(ThemeComment.theme_id == theme.id)))

    theirs, ours = counted(target), counted(source)
    return MergePlan(source, target, moving=len(ours), already=len(ours & theirs),
                     paragraphs=len(set(anchors_of(session, source)) - set(anchors_of(session, target))))


@dataclass
class ThemeWorkspace:
    """What an official sees beside a theme's form."""

    comments: list[Comment]
    suggested: list[Comment]
    merge_targets: list[Theme]
    merged_into: Theme | None


def theme_workspace(session: DbSession, consultation: Consultation, theme: Theme) -> ThemeWorkspace:
    """A theme's comments, comments suggested for it, the themes it may merge into, its successor."""
    return ThemeWorkspace(
        comments=theme_comments(session, theme),
        suggested=suggestions(session, theme) if theme.merged_into_id is None else [],
        merge_targets=[t for t in themes_of(session, consultation) if t.id != theme.id],
        merged_into=session.get(Theme, theme.merged_into_id) if theme.merged_into_id else None)


def changed_without_paragraph(session: DbSession, themes: Sequence[Theme]) -> list[Theme]:
    """The themes saying "We changed the text" that name no paragraph changed (one query)."""
    changed = [t for t in themes if t.outcome == "changed"]
    if not changed:
        return []
    linked = set(session.scalars(select(ThemeParagraph.theme_id)
                                 .where(ThemeParagraph.theme_id.in_([t.id for t in changed]))))
    return [t for t in changed if t.id not in linked]


def anchors_of(session: DbSession, theme: Theme) -> list[str]:
    """The anchors of the paragraphs a theme changed."""
    return list(session.scalars(select(ThemeParagraph.anchor).where(ThemeParagraph.theme_id == theme.id)
                                .order_by(ThemeParagraph.id)))


def _live(session: DbSession, theme: Theme, counting: bool = False) -> None:
    consultation = session.get_one(Consultation, theme.consultation_id)
    if counting:
        ensure_counts_open(session, consultation)
    else:
        _ensure_open_for_analysis(session, consultation)
    if theme.merged_into_id is not None:
        raise ResponseError(gettext("That theme was merged into another; use the theme it was merged into."),
                            status=409)


def count_under_theme(session: DbSession, consultation: Consultation, theme_id: int | None,
                      comment_ids: Sequence[int], actor_id: int) -> tuple[Theme, int]:
    """Count the chosen comments under the chosen theme; returns the theme and how many were new."""
    ensure_counts_open(session, consultation)
    if theme_id is None:
        raise ResponseError(gettext("Choose the theme to count the comments under."))
    if not comment_ids:
        raise ResponseError(gettext("Tick at least one comment to count under the theme."))
    theme = get_theme(session, consultation, theme_id)
    _refuse_merged(theme)
    return theme, assign(session, theme, comment_ids, actor_id)


def assign(session: DbSession, theme: Theme, comment_ids: Sequence[int], actor_id: int) -> int:
    """Count published comments of the theme's consultation under it; returns how many were new."""
    _live(session, theme, counting=True)
    try:
        ids = list(dict.fromkeys(int(i) for i in comment_ids))
    except (TypeError, ValueError):
        raise ResponseError(gettext("Choose comments from the list.")) from None
    if not ids:
        return 0
    valid = set(session.scalars(select(Comment.id).where(
        Comment.id.in_(ids), Comment.consultation_id == theme.consultation_id,
        Comment.status == PUBLISHED)))
    if len(valid) != len(ids):
        raise ResponseError(gettext("Only published comments of this consultation can be counted under a theme."))
    already = set(session.scalars(select(ThemeComment.comment_id).where(
        ThemeComment.theme_id == theme.id, ThemeComment.comment_id.in_(ids))))
    new = [i for i in ids if i not in already]
    session.add_all(ThemeComment(theme_id=theme.id, comment_id=i, assigned_by=actor_id) for i in new)
    # A comment given a theme no longer needs its "considered, no theme" note.
    for considered in session.scalars(select(CommentConsidered).where(CommentConsidered.comment_id.in_(new))):
        session.delete(considered)
    return len(new)


def unassign(session: DbSession, theme: Theme, comment_id: int | None) -> None:
    """Take a comment out of a theme."""
    _live(session, theme, counting=True)
    if comment_id is None:
        raise ResponseError(gettext("Choose the comment to take out of the theme."))
    link = session.scalar(select(ThemeComment).where(ThemeComment.theme_id == theme.id,
                                                     ThemeComment.comment_id == comment_id))
    if link is not None:
        session.delete(link)


def theme_comments(session: DbSession, theme: Theme, limit: int = 200) -> list[Comment]:
    """The comments counted under a theme."""
    return list(session.scalars(select(Comment).options(joinedload(Comment.author))
                                .join(ThemeComment, ThemeComment.comment_id == Comment.id)
                                .where(ThemeComment.theme_id == theme.id).order_by(Comment.id).limit(limit)))


def _keywords(theme: Theme) -> set[str]:
    words = theme.keywords or f"{theme.title} {theme.said}"
    stop = {"the", "and", "for", "that", "with", "this", "are", "not", "should", "from", "have", "will"}
    return {w for w in WORD.findall(words.lower()) if w not in stop}


def suggestions(session: DbSession, theme: Theme, limit: int = 20) -> list[Comment]:
    """Published comments not yet counted anywhere that share the theme's key words."""
    words = _keywords(theme)
    if not words:
        return []
    scored = []
    for comment in uncounted(session, session.get_one(Consultation, theme.consultation_id), limit=5000):
        body = set(WORD.findall(comment.body.lower()))
        score = len(words & body)
        if score:
            scored.append((score, comment.id, comment))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [c for _s, _i, c in scored[:limit]]


def search_comments(session: DbSession, consultation: Consultation, query: str, limit: int = 100) -> list[Comment]:
    """Published comments of a consultation containing every word of the query."""
    words = [w for w in WORD.findall((query or "").lower())][:10]
    if not words:
        return []
    select_ = select(Comment).options(joinedload(Comment.author)).where(
        Comment.consultation_id == consultation.id, Comment.status == PUBLISHED)
    for word in words:
        select_ = select_.where(func.lower(Comment.body).contains(word, autoescape=True))
    return list(session.scalars(select_.order_by(Comment.id).limit(limit)))


def uncounted(session: DbSession, consultation: Consultation, limit: int = 200) -> list[Comment]:
    """Published comments under no theme and not marked "considered, no theme"."""
    counted = select(ThemeComment.comment_id).join(Theme, Theme.id == ThemeComment.theme_id).where(
        Theme.consultation_id == consultation.id)
    considered = select(CommentConsidered.comment_id)
    return list(session.scalars(
        select(Comment).options(joinedload(Comment.author)).where(
            Comment.consultation_id == consultation.id, Comment.status == PUBLISHED,
            Comment.id.not_in(counted), Comment.id.not_in(considered))
        .order_by(Comment.id).limit(limit)))


def uncounted_total(session: DbSession, consultation: Consultation) -> int:
    """How many published comments are not yet counted."""
    counted = select(ThemeComment.comment_id).join(Theme, Theme.id == ThemeComment.theme_id).where(
        Theme.consultation_id == consultation.id)
    return session.scalar(select(func.count()).select_from(Comment).where(
        Comment.consultation_id == consultation.id, Comment.status == PUBLISHED,
        Comment.id.not_in(counted), Comment.id.not_in(select(CommentConsidered.comment_id)))) or 0


def themes_for_comments(session: DbSession, comment_ids: Sequence[int]) -> dict[int, list[Theme]]:
    """The themes each comment was counted under (for "Counted under: …")."""
    found: dict[int, list[Theme]] = {}
    if comment_ids:
        for tc, theme in session.execute(select(ThemeComment, Theme).join(Theme, Theme.id == ThemeComment.theme_id)
                                         .where(ThemeComment.comment_id.in_(list(comment_ids)))):
            found.setdefault(tc.comment_id, []).append(theme)
    return found


def themes_for_anchor(session: DbSession, consultation: Consultation, anchor: str) -> list[Theme]:
    """The themes raised by comments on one paragraph."""
    return list(session.scalars(
        select(Theme).join(ThemeComment, ThemeComment.theme_id == Theme.id)
        .join(Comment, Comment.id == ThemeComment.comment_id)
        .where(Comment.consultation_id == consultation.id, Comment.anchor == anchor)
        .distinct().order_by(Theme.position, Theme.id)))
