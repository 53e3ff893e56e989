"""Comments on removed paragraphs ("orphaned"): how many a new version would leave behind, the
consultation's orphans grouped by paragraph, and re-attaching them to a current paragraph.

Re-attaching moves every comment of the removed paragraph's anchor, replies and moderated ones
included, so a thread never comes apart; each comment keeps the version, number and text it was
written against. The move is recorded (consult.reattachment) and in the consultation's history.
A re-attachment made by mistake can be undone: its comments go back to the removed paragraph,
to be re-attached elsewhere; that too is recorded.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import joinedload

import documents
from consult.consultations import history_words as words
from consult.consultations.creation import ServiceError
from consult.consultations.lifecycle import record_event
from consult.i18n import N_, gettext
from consult.models import Comment, CommentStatus, Consultation, DocumentVersion, Paragraph, utcnow
from consult.reattachment import ReattachedComment, Reattachment
from moderation.db import DbSession

# The comments a reader or a moderator still cares about: published, and awaiting moderation.
# Withdrawn, rejected and removed ones are not counted, though they move with their thread.
COUNTED = (CommentStatus.PUBLISHED.value, CommentStatus.PENDING.value)
# Shown on pages in the reader's language (gettext(COUNTED_WORDS)).
COUNTED_WORDS = N_("published comments and comments awaiting moderation (not withdrawn, rejected or removed ones)")
SHOWN_PER_GROUP = 5


def counted_by_anchor(session: DbSession, consultation_id: int) -> dict[str, int]:
    """Counted comments per paragraph anchor, in one grouped query."""
    rows = session.execute(
        select(Comment.anchor, func.count())
        .where(Comment.consultation_id == consultation_id, Comment.anchor.is_not(None),
               Comment.status.in_(COUNTED))
        .group_by(Comment.anchor))
    return {anchor: count for anchor, count in rows if anchor is not None}


def paragraph_label(p: Paragraph | documents.Paragraph) -> str:
    """A paragraph as a choice in a list: its number and its first words."""
    words = documents.heading_words(p.number, p.text) if p.kind == "heading" else p.text
    words = " ".join(words.split())
    return f"{p.number}: {words if len(words) <= 80 else words[:78] + '…'}"


@dataclass
class OrphanGroup:
    """The comments left on one removed paragraph, with the paragraph as it last read."""

    paragraph: Paragraph
    version: int  # the last version that had the paragraph
    counted: int
    total: int  # every comment that a re-attachment moves
    comments: list[Comment] = field(default_factory=list)  # the first few counted ones

    @property
    def anchor(self) -> str:
        """The removed paragraph's anchor."""
        return self.paragraph.anchor


def _current_anchors(version_id: int):
    return select(Paragraph.anchor).where(Paragraph.version_id == version_id)


def _last_paragraphs(session: DbSession, consultation: Consultation,
                     anchors: Sequence[str]) -> dict[str, tuple[Paragraph, DocumentVersion]]:
    """The latest paragraph with each anchor, and its version."""
    found: dict[str, tuple[Paragraph, DocumentVersion]] = {}
    if not anchors:
        return found
    rows = session.execute(
        select(Paragraph, DocumentVersion).join(DocumentVersion, DocumentVersion.id == Paragraph.version_id)
        .where(DocumentVersion.consultation_id == consultation.id, Paragraph.anchor.in_(list(anchors)))
        .order_by(DocumentVersion.number.desc()))
    for paragraph, version in rows:
        found.setdefault(paragraph.anchor, (paragraph, version))
    return found


def has_orphaned(session: DbSession, consultation: Consultation, current: DocumentVersion) -> bool:
    """Whether any comment is on a removed paragraph (one orphaned_groups would list)."""
    anchors = list(session.scalars(
        select(Comment.anchor).distinct()
        .where(Comment.consultation_id == consultation.id, Comment.anchor.is_not(None),
               Comment.anchor.not_in(_current_anchors(current.id)))))
    return bool(anchors) and bool(session.scalar(
        select(Paragraph.id).join(DocumentVersion, DocumentVersion.id == Paragraph.version_id)
        .where(DocumentVersion.consultation_id == consultation.id, Paragraph.anchor.in_(anchors)).limit(1)))


def orphaned_groups(session: DbSession, consultation: Consultation,
                    current: DocumentVersion) -> list[OrphanGroup]:
    """Every removed paragraph that still has comments, the most recently removed first."""
    counted = func.sum(case((Comment.status.in_(COUNTED), 1), else_=0))
    rows = session.execute(
        select(Comment.anchor, func.count(), counted)
        .where(Comment.consultation_id == consultation.id, Comment.anchor.is_not(None),
               Comment.anchor.not_in(_current_anchors(current.id)))
        .group_by(Comment.anchor)).all()
    last = _last_paragraphs(session, consultation, [anchor for anchor, _, _ in rows])
    groups = {anchor: OrphanGroup(last[anchor][0], last[anchor][1].number, int(n or 0), total)
              for anchor, total, n in rows if anchor in last}
    if groups:
        # The first few of each group: numbered per anchor, so one busy paragraph reads no more.
        rank = func.row_number().over(partition_by=Comment.anchor, order_by=Comment.id).label("rank")
        first = (select(Comment.id, rank)
                 .where(Comment.consultation_id == consultation.id, Comment.anchor.in_(list(groups)),
                        Comment.status.in_(COUNTED), Comment.parent_id.is_(None))
                 .subquery())
        shown = session.scalars(
            select(Comment).options(joinedload(Comment.author))
            .join(first, first.c.id == Comment.id).where(first.c.rank <= SHOWN_PER_GROUP)
            .order_by(Comment.id))
        for comment in shown:
            groups[comment.anchor or ""].comments.append(comment)
    return sorted(groups.values(), key=lambda g: (-g.version, g.paragraph.position))


def reattach(session: DbSession, consultation: Consultation, from_anchor: str, to_anchor: str,
             actor_id: int | None, current: DocumentVersion) -> Reattachment:
    """Move every comment on a removed paragraph to a paragraph of the current version, and
    record it; refused (ServiceError) if the paragraph is not removed or the target not current."""
    # PostgreSQL's text cannot hold a NUL (a query with one fails): such an anchor is none of ours.
    from_anchor, to_anchor = from_anchor.replace("\x00", "\ufffd"), to_anchor.replace("\x00", "\ufffd")
    target = session.scalar(select(Paragraph).where(Paragraph.version_id == current.id,
                                                    Paragraph.anchor == to_anchor))
    if target is None:
        raise ServiceError(gettext("Version %(number)s, the current version, has no paragraph “%(anchor)s”: "
                                   "comments can only be re-attached to one of its paragraphs.",
                                   number=current.number, anchor=to_anchor[:80]))
    if session.scalar(select(Paragraph.id).where(Paragraph.version_id == current.id,
                                                 Paragraph.anchor == from_anchor)) is not None:
        raise ServiceError(gettext("Paragraph “%(anchor)s” is in the current version, so its comments already "
                                   "follow it: only comments on a removed paragraph can be re-attached.",
                                   anchor=from_anchor[:80]))
    source = _last_paragraphs(session, consultation, [from_anchor]).get(from_anchor)
    if source is None:
        raise ServiceError(gettext("No version of this document has a paragraph “%(anchor)s”.",
                                   anchor=from_anchor[:80]))
    paragraph, version = source
    moved = list(session.scalars(
        select(Comment).where(Comment.consultation_id == consultation.id, Comment.anchor == from_anchor)
        .order_by(Comment.id).with_for_update()))
    if not moved:
        raise ServiceError(gettext("Paragraph %(paragraph)s of version %(version)s has no comments left to "
                                   "re-attach: they may have been re-attached already.",
                                   paragraph=paragraph.number, version=version.number))
    record = Reattachment(
        consultation_id=consultation.id, actor_id=actor_id,
        from_anchor=from_anchor, from_version_id=version.id, from_version=version.number,
        from_number=paragraph.number,
        to_anchor=to_anchor, to_version_id=current.id, to_version=current.number, to_number=target.number,
        comments=len(moved))
    session.add(record)
    session.flush()
    for comment in moved:  # through the ORM: the search change log and the counts see each one
        comment.anchor = to_anchor
    session.execute(insert(ReattachedComment),
                    [{"reattachment_id": record.id, "comment_id": c.id} for c in moved])
    counted = sum(1 for c in moved if c.status in COUNTED)
    # (the pair is in the catalogue from the pages' ngettext; N_ would extract the singular alone)
    what: dict = words.counted("%(num)s comment", "%(num)s comments", len(moved))
    if counted != len(moved):
        what = words.part(N_("%(comments)s (%(counted)s published or awaiting moderation)"),
                          comments=what, counted=counted)
    record_event(session, consultation, "reattached", [words.sentence(
        N_("%(comments)s on paragraph %(number)s of version %(version)s, which is not in version %(current)s, "
           "re-attached to paragraph %(target)s of version %(current)s."), comments=what,
        number=paragraph.number, version=version.number, current=current.number, target=target.number)],
        actor_id)
    session.flush()
    return record


def standing_reattachments(session: DbSession, consultation: Consultation, limit: int = 20) -> list[Reattachment]:
    """The consultation's latest re-attachments not undone, newest first (each can be undone)."""
    return list(session.scalars(select(Reattachment).where(
        Reattachment.consultation_id == consultation.id, Reattachment.undone_at.is_(None))
        .order_by(Reattachment.id.desc()).limit(limit)))


def standing_reattachment(session: DbSession, consultation: Consultation, reattachment_id: int,
                          lock: bool = False) -> Reattachment:
    """One re-attachment of this consultation that can still be undone; ServiceError otherwise.
    `lock`: its row locked and read afresh, so that of two officials undoing it at once the second
    finds it undone."""
    record = session.get(Reattachment, reattachment_id, with_for_update=lock, populate_existing=lock)
    if record is None or record.consultation_id != consultation.id:
        raise ServiceError(gettext("This consultation has no such re-attachment."))
    if record.undone_at is not None:
        raise ServiceError(gettext("This re-attachment was undone already: its comments are back on paragraph "
                                   "%(number)s of version %(version)s.",
                                   number=record.from_number, version=record.from_version))
    return record


def undo_reattachment(session: DbSession, consultation: Consultation, reattachment_id: int,
                      actor_id: int | None) -> int:
    """Move the comments a re-attachment moved (those still on its paragraph) back to the removed
    paragraph, mark it undone and record it in the history; how many went back."""
    record = standing_reattachment(session, consultation, reattachment_id, lock=True)
    back = list(session.scalars(
        select(Comment).join(ReattachedComment, ReattachedComment.comment_id == Comment.id)
        .where(ReattachedComment.reattachment_id == record.id, Comment.anchor == record.to_anchor)
        .order_by(Comment.id).with_for_update()))
    for comment in back:  # through the ORM, as when they moved
        comment.anchor = record.from_anchor
    record.undone_at, record.undone_by = utcnow(), actor_id
    what: dict = words.counted("%(num)s comment", "%(num)s comments", len(back))
    record_event(session, consultation, "reattach_undone", [words.sentence(
        N_("%(comments)s re-attached to paragraph %(target)s of version %(current)s moved back to paragraph "
           "%(number)s of version %(version)s, which is not in the current version."), comments=what,
        target=record.to_number, current=record.to_version, number=record.from_number,
        version=record.from_version)], actor_id)
    session.flush()
    return len(back)


def reattach_all(session: DbSession, consultation: Consultation, choices: dict[str, str],
                 actor_id: int | None, current: DocumentVersion) -> list[Reattachment]:
    """Re-attach several removed paragraphs' comments at once (from the new-version preview)."""
    return [reattach(session, consultation, source, target, actor_id, current)
            for source, target in sorted(choices.items()) if target]


_WORD = re.compile(r"\w+")
SUGGESTED = 3  # closest paragraphs offered first for a removed one's comments


def closest_paragraphs(removed: Sequence[Paragraph], candidates: Sequence[Paragraph],
                       limit: int = SUGGESTED) -> dict[str, list[Paragraph]]:
    """For each removed paragraph (by anchor), the current paragraphs most like it (the words they
    share, weighed by how rare each is in the document), best first; none that share no word.
    The candidates' words are read once for all the removed paragraphs."""
    def terms(text: str) -> set[str]:
        return {w.lower() for w in _WORD.findall(text or "") if len(w) > 2}

    document = [terms(p.text) for p in candidates]
    counts: dict[str, int] = {}
    for found in document:
        for word in found:
            counts[word] = counts.get(word, 0) + 1
    closest: dict[str, list[Paragraph]] = {}
    for paragraph in removed:
        wanted = terms(paragraph.text)
        weight = {word: 1.0 / counts.get(word, 1) for word in wanted}
        total = sum(weight.values()) or 1.0
        scored = [(-(shared / total), position, candidate)
                  for position, (candidate, found) in enumerate(zip(candidates, document, strict=True))
                  if (shared := sum(weight[w] for w in wanted & found))]
        closest[paragraph.anchor] = [candidate for _score, _position, candidate in sorted(scored)[:limit]]
    return closest


def removed_label(session: DbSession, consultation: Consultation, anchor: str) -> str:
    """'1.2 of version 1' for a paragraph no longer in the current version (the anchor when no
    version had it): how a refusal names it."""
    found = _last_paragraphs(session, consultation, [anchor]).get(anchor)
    if found is None:
        return anchor
    paragraph, version = found
    return gettext("%(number)s of version %(version)s", number=paragraph.number, version=version.number)
