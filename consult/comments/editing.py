"""Comments: an author editing or withdrawing their own comment."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

import documents
import moderation.service as moderation
from consult.comments.validation import CommentError, clean_body, ensure_open, posting_refusal
from consult.i18n import gettext
from consult.models import Comment, CommentEdit, CommentStatus, utcnow
from moderation.db import DbSession

EDIT_WINDOW = timedelta(minutes=15)


def can_edit(comment: Comment, now: datetime) -> bool:
    """Authors may edit while awaiting moderation, or within 15 minutes of publication."""
    if comment.status == CommentStatus.PENDING.value:
        return True
    return (comment.status == CommentStatus.PUBLISHED.value and comment.published_at is not None
            and now - comment.published_at <= EDIT_WINDOW)


def get_own_comment(session: DbSession, comment_id: int, author_id: int) -> Comment:
    """One of the author's own comments, or a 404-style CommentError."""
    comment = session.get(Comment, comment_id)
    if comment is None or comment.author_id != author_id:
        raise CommentError(gettext("That comment is not one of yours."), status=404)
    return comment


def edit_comment(session: DbSession, comment_id: int, author_id: int, body: str,
                 now: datetime | None = None, zone: ZoneInfo | None = None) -> Comment:
    """Change a comment's text, keeping the previous text on record (`zone` as for prepare_comment)."""
    now = now or utcnow()
    comment = get_own_comment(session, comment_id, author_id)
    if not can_edit(comment, now):
        raise CommentError(
            gettext("This comment can no longer be edited: comments can be changed while awaiting "
            "moderation or within 15 minutes of being published."), status=409,
        )
    ensure_open(comment.consultation, now)
    refusal = posting_refusal(session, author_id, now, zone=zone)
    if refusal:
        # A banned or suspended author cannot post, and an edit is posting new words.
        raise CommentError(refusal, status=403)
    text = clean_body(body)
    if text == comment.body:
        return comment
    session.add(CommentEdit(comment_id=comment.id, previous_body=comment.body, edited_at=now))
    comment.body = text
    comment.body_html = documents.render_comment(text)
    comment.edited_at = now
    comment.revision += 1
    if comment.status == CommentStatus.PENDING.value:
        # Held by screening alone and now clean: published at once, as the author was told.
        if not _release_after_edit(session, comment, now):
            # A moderator must judge the text as it is now, not as it was.
            moderation.text_edited(session, comment.id, text, comment.revision)
    elif moderation.rescreen(session, comment_id=comment.id, consultation_id=comment.consultation_id,
                             author_id=author_id, text=text, revision=comment.revision, now=now):
        comment.status = CommentStatus.PENDING.value
        comment.status_reason = "Held for a moderator after your edit."
    return comment


def _release_after_edit(session: DbSession, comment: Comment, now: datetime) -> bool:
    """Publish a comment that screening alone held, now that its edited text passes screening.

    Only in post-moderation and reactive consultations; moderation decides whether anything
    else still holds it (see moderation.release_after_edit).
    """
    if comment.consultation.moderation_mode == "pre":
        return False
    if not moderation.release_after_edit(session, comment.id, comment.author_id, comment.body,
                                         comment.revision, now):
        return False
    comment.status = CommentStatus.PUBLISHED.value
    comment.published_at = now
    comment.status_reason = None
    return True


def withdraw_comment(session: DbSession, comment_id: int, author_id: int,
                     now: datetime | None = None) -> Comment:
    """Withdraw one's own comment: it leaves the public page but stays in one's own list."""
    comment = get_own_comment(session, comment_id, author_id)
    if comment.status in (CommentStatus.WITHDRAWN.value, CommentStatus.REMOVED.value,
                          CommentStatus.REJECTED.value):
        raise CommentError(gettext("This comment is not published, so there is nothing to withdraw."),
                           status=409)
    comment.status = CommentStatus.WITHDRAWN.value
    comment.withdrawn_at = now or utcnow()
    comment.revision += 1
    moderation.withdrawn(session, comment.id, author_id)
    return comment


def edits_of(session: DbSession, comment_id: int) -> list[CommentEdit]:
    """The recorded earlier texts of a comment, oldest first."""
    return list(session.scalars(
        select(CommentEdit).where(CommentEdit.comment_id == comment_id).order_by(CommentEdit.id)
    ))
