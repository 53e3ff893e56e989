"""Comments read and counted under no theme ("considered"), with a reason from a list."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from consult.i18n import gettext
from consult.models import (
    Comment,
    CommentConsidered,
    Consultation,
)
from consult.responses.common import PUBLISHED, ResponseError, clean_text
from consult.responses.themes import ensure_counts_open
from moderation.db import DbSession

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


def mark_considered(session: DbSession, consultation: Consultation, comment_id: int, note: str,
                    actor_id: int, reason: str | None = None) -> CommentConsidered:
    """Record that a comment was read and fits no theme: a reason from the list, and a note."""
    ensure_counts_open(session, consultation)
    # No reason chosen is "another reason": the note must then say what it is.
    reason = (reason or "").strip() or "other"
    if reason not in CONSIDERED_REASONS:
        raise ResponseError(gettext("Choose a reason from the list."))
    note = clean_text(note, "The note", 2000)
    if reason == "other" and not note:
        raise ResponseError(gettext("Say why the comment fits no theme: choose a reason from the list, "
                                    "or write one in the note."))
    comment = session.get(Comment, comment_id)
    if comment is None or comment.consultation_id != consultation.id or comment.status != PUBLISHED:
        raise ResponseError(gettext("That is not a published comment of this consultation."), status=404)
    record = session.scalar(select(CommentConsidered).where(CommentConsidered.comment_id == comment_id))
    if record is None:
        record = CommentConsidered(comment_id=comment_id, reason=reason, note=note, by=actor_id)
        session.add(record)
    else:
        record.reason, record.note = reason, note
    return record


@dataclass
class ConsideredSummary:
    """The published comments read and counted under no theme, per reason."""

    total: int
    reasons: list[tuple[str, str, int]]  # (code, label, comments), in the list's order


def considered_summary(session: DbSession, consultation: Consultation) -> ConsideredSummary:
    """How many published comments were considered with no theme, and for which reasons."""
    counts = dict(session.execute(
        select(CommentConsidered.reason, func.count())
        .join(Comment, Comment.id == CommentConsidered.comment_id)
        .where(Comment.consultation_id == consultation.id, Comment.status == PUBLISHED)
        .group_by(CommentConsidered.reason)).all())
    reasons = [(code, label, counts[code]) for code, label in REASON_LABELS.items()
               if counts.get(code)]
    return ConsideredSummary(sum(counts.values()), reasons)
