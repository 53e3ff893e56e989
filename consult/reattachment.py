"""Re-attached comments: the record of an official moving a removed paragraph's comments to a
paragraph of a later version, and what a page needs to say so beside each comment.

A module of its own, outside the areas, because the reading pages (comments), the open data
(archive) and the officials' pages (consultations) all read it; consult.models is full.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from consult.models import utcnow
from moderation.db import Base, DbSession


class Reattachment(Base):
    """One re-attachment: every comment on a removed paragraph moved to a current one."""

    __tablename__ = "reattachments"
    __table_args__ = (Index("ix_reattachments_consultation", "consultation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The removed paragraph, as the last version that had it showed it.
    from_anchor: Mapped[str] = mapped_column(String(100))
    from_version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"))
    from_version: Mapped[int]  # its number, as said on the page
    from_number: Mapped[str] = mapped_column(String(40))
    # The paragraph of the then current version the comments now belong to.
    to_anchor: Mapped[str] = mapped_column(String(100))
    to_version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"))
    to_version: Mapped[int]
    to_number: Mapped[str] = mapped_column(String(40))
    comments: Mapped[int] = mapped_column(default=0)  # every comment moved, replies included
    # Undone: its comments went back to the removed paragraph (those still on the target then).
    undone_at: Mapped[datetime | None]
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ReattachedComment(Base):
    """A comment one re-attachment moved (a comment moved twice has two)."""

    __tablename__ = "reattached_comments"
    __table_args__ = (Index("ix_reattached_comments_comment", "comment_id", "reattachment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reattachment_id: Mapped[int] = mapped_column(ForeignKey("reattachments.id"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"))


@dataclass(frozen=True)
class Moved:
    """Where a re-attached comment now is: the paragraph number and version it was moved to."""

    to_number: str
    to_version: int
    to_anchor: str


def reattachments_for(session: DbSession, comment_ids: Iterable[int]) -> dict[int, Moved]:
    """The latest re-attachment of each of these comments that was ever moved, in one query."""
    ids = sorted(set(comment_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(ReattachedComment.comment_id, Reattachment.to_number, Reattachment.to_version,
               Reattachment.to_anchor)
        .join(Reattachment, Reattachment.id == ReattachedComment.reattachment_id)
        .where(ReattachedComment.comment_id.in_(ids), Reattachment.undone_at.is_(None))
        .order_by(ReattachedComment.reattachment_id))
    return {comment_id: Moved(number, version, anchor) for comment_id, number, version, anchor in rows}
