"""Comments: submitting one (checked, stored once, screened), and the comments service's names.

The rest of the service is in modules of its own, re-exported here for the views, the CLI,
the demo and the tests: validation (what may be sent), threads (the pages and the counts),
held (why a comment awaits moderation) and editing (an author's edits and withdrawals).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

import documents
import moderation.service as moderation
from consult.comments.editing import EDIT_WINDOW, can_edit, edit_comment, edits_of, get_own_comment, withdraw_comment
from consult.comments.held import MODERATION_PROMISE, Finding, HeldNotice, RuleRef, held_notices
from consult.comments.threads import (
    PAGE_SIZE,
    VISIBLE,
    Thread,
    comments_on_removed_paragraphs,
    forget_counts,
    my_comments,
    paragraph_changed,
    parse_cursor,
    published_counts,
    published_languages,
    thread,
)
from consult.comments.validation import (
    MAX_LENGTH,
    CommentError,
    CommentInput,
    RateLimited,
    can_comment,
    clean_body,
    ensure_open,
    posting_refusal,
    validate_input,
)
from consult.i18n import gettext
from consult.models import Comment, CommentStatus, Consultation, DocumentVersion, Paragraph, User, utcnow
from consult.text_language import detect_language
from moderation.db import DbSession

__all__ = [
    "EDIT_WINDOW", "MAX_LENGTH", "MODERATION_PROMISE", "PAGE_SIZE", "RATE_PER_HOUR", "RATE_PER_MINUTE",
    "VISIBLE", "CommentError", "CommentInput", "Draft", "Finding", "HeldNotice", "RateLimited",
    "RuleRef", "Thread", "can_comment", "can_edit", "clean_body", "comments_on_removed_paragraphs",
    "edit_comment", "edits_of", "ensure_open", "forget_counts", "get_own_comment", "held_notices",
    "my_comments", "paragraph_changed", "parse_cursor", "prepare_comment", "published_counts", "published_languages",
    "store_comment", "submit_comment", "thread", "validate_input", "withdraw_comment",
]

RATE_PER_MINUTE = 5
RATE_PER_HOUR = 60


# Statements on the posting path, built once with bound parameters: building a statement costs
# SQLAlchemy several times what the database takes to run it.
_BY_SUBMISSION_KEY = select(Comment.id).where(Comment.author_id == bindparam("author"),
                                              Comment.submission_key == bindparam("key"))
_CURRENT_VERSION = (select(DocumentVersion.id)
                    .where(DocumentVersion.consultation_id == bindparam("consultation"))
                    .order_by(DocumentVersion.number.desc()).limit(1))
_CURRENT_PARAGRAPH = (select(Paragraph.id, Paragraph.version_id, Paragraph.number, Paragraph.text,
                             Paragraph.fingerprint)
                      .where(Paragraph.version_id == _CURRENT_VERSION.scalar_subquery(),
                             Paragraph.anchor == bindparam("anchor")))
_RECENT_BY_AUTHOR = (select(Comment.created_at)
                     .where(Comment.author_id == bindparam("author"), Comment.created_at > bindparam("since"))
                     .order_by(Comment.created_at.desc()))


@dataclass
class Draft:
    """A checked comment, ready to store: everything `store_comment` needs, read beforehand."""

    comment: Comment  # transient: not yet in any session
    moderation_mode: str
    now: datetime
    stored: Comment | None = None  # this form was sent before: the comment it stored
    premoderated: bool = False  # the author's comments are checked before publication


def prepare_comment(
    session: DbSession,
    consultation: Consultation,
    anchor: str | None,
    author: User,
    data: CommentInput,
    now: datetime | None = None,
    zone: ZoneInfo | None = None,
) -> Draft:
    """Check a comment and render it, reading only; `store_comment` writes it.

    `zone`: the site's time zone, for the end of a suspension in a refusal (UTC without it).

    Kept apart so that a caller can read in one transaction and write in a short second one
    (on SQLite a writing transaction holds the database's only write lock throughout).
    """
    now = now or utcnow()
    data = validate_input(data)
    existing_id = session.connection().execute(
        _BY_SUBMISSION_KEY, {"author": author.id, "key": data.submission_key}).scalar()
    if existing_id is not None:
        existing = session.get_one(Comment, existing_id)  # its id was read just now
        return Draft(existing, consultation.moderation_mode, now, stored=existing)
    ensure_open(consultation, now)
    if author.email_confirmed_at is None or author.deleted_at is not None:
        raise CommentError(gettext("Confirm your email address before commenting."), status=403)
    refusal = posting_refusal(session, author.id, now, zone=zone)
    if refusal:
        raise CommentError(refusal, status=403)
    # Read with the refusal (the same query): intake need not ask again while writing.
    premoderated = any(s.kind == "premoderate" for s in moderation.active_sanctions(session, author.id, now))
    paragraph = None
    if anchor is None:
        version_id = session.connection().execute(_CURRENT_VERSION, {"consultation": consultation.id}).scalar_one()
    else:
        paragraph = session.connection().execute(
            _CURRENT_PARAGRAPH, {"consultation": consultation.id, "anchor": anchor}).first()
        if paragraph is None:
            raise CommentError(
                gettext("That paragraph is not in the current version of the document, so it cannot "
                "take new comments. Your text is kept: comment on the document as a whole, or "
                "on the paragraph that replaced it."), status=404,
            )
        version_id = paragraph.version_id
    parent = None
    if data.parent_id is not None:
        parent = session.get(Comment, data.parent_id)
        if (parent is None or parent.consultation_id != consultation.id
                or parent.anchor != anchor or parent.status != CommentStatus.PUBLISHED.value):
            raise CommentError(
                gettext("The comment you are replying to is no longer published, so it cannot take "
                "replies. Your text is kept below: you can post it as a new comment."),
                field="body", status=409,
            )
        # Threads are one level deep: a reply to a reply joins the top-level thread.
        if parent.parent_id is not None:
            parent = session.get(Comment, parent.parent_id)
    comment = Comment(
        consultation_id=consultation.id,
        version_id=version_id,
        paragraph_id=paragraph.id if paragraph else None,
        anchor=anchor,
        paragraph_number=paragraph.number if paragraph else None,
        paragraph_text=paragraph.text if paragraph else None,
        paragraph_fingerprint=paragraph.fingerprint if paragraph else None,
        parent_id=parent.id if parent else None,
        author_id=author.id,
        body=data.body,
        body_html=documents.render_comment(data.body),
        # Any well-formed language is accepted, offered by the consultation or not: it is shown
        # with its name. Left to detection, a text too short to tell is the form's language.
        language=data.language or detect_language(data.body) or data.form_language,
        stance=data.stance,
        respondent_type=data.respondent_type,
        organisation=data.organisation,
        show_name=data.show_name,
        status=CommentStatus.PENDING.value,
        submission_key=data.submission_key,
        created_at=now,
    )
    return Draft(comment, consultation.moderation_mode, now, premoderated=premoderated)


def store_comment(
    session: DbSession,
    draft: Draft,
    word_lists: tuple[Sequence[str], Sequence[str]] = ((), ()),
) -> tuple[Comment, bool]:
    """Store a prepared comment once and screen it; returns (comment, created).

    Only the rate limit is checked here (it must count comments stored meanwhile); whether the
    comment is published at once or waits for a moderator is moderation's call.
    """
    if draft.stored is not None:
        return draft.stored, False
    comment, now = draft.comment, draft.now
    _check_rate(session, comment.author_id, now)

    def insert(intake: moderation.Intake) -> int:
        # Moderation has decided: the comment is written once, with its status.
        if intake.publish:
            comment.status = CommentStatus.PUBLISHED.value
            comment.published_at = now
        else:
            comment.status_reason = intake.status_reason
        try:
            with session.begin_nested():
                session.add(comment)
                session.flush()
        except IntegrityError:
            # A concurrent request with the same submission key won the race: theirs is ours.
            existing_id = session.connection().execute(
                _BY_SUBMISSION_KEY, {"author": comment.author_id, "key": comment.submission_key}).scalar()
            if existing_id is None:
                raise
            raise _StoredMeanwhile(session.get_one(Comment, existing_id)) from None
        return comment.id

    try:
        moderation.take_in(
            session, consultation_id=comment.consultation_id, author_id=comment.author_id,
            text=comment.body, mode=draft.moderation_mode, premoderated=draft.premoderated,
            banned=word_lists[0], suspect=word_lists[1], now=now, store=insert,
        )
    except _StoredMeanwhile as stored:  # so moderation records nothing for this copy
        return stored.comment, False
    return comment, True


class _StoredMeanwhile(Exception):
    """The same form was stored by a concurrent request while this one was screened."""

    def __init__(self, comment: Comment) -> None:
        super().__init__(comment.id)
        self.comment = comment


def submit_comment(
    session: DbSession,
    consultation: Consultation,
    anchor: str | None,
    author: User,
    data: CommentInput,
    now: datetime | None = None,
    word_lists: tuple[Sequence[str], Sequence[str]] = ((), ()),
) -> tuple[Comment, bool]:
    """Check, store and screen a comment in the caller's transaction; returns (comment, created).

    Resubmitting the same form is a no-op. Whether the comment is published at once or waits
    for a moderator is moderation's call (the consultation's mode, screening, sanctions).
    """
    return store_comment(session, prepare_comment(session, consultation, anchor, author, data, now),
                         word_lists)


def _check_rate(session: DbSession, author_id: int, now: datetime) -> None:
    recent = session.connection().execute(
        _RECENT_BY_AUTHOR, {"author": author_id, "since": now - timedelta(hours=1)}).scalars().all()
    last_minute = [t for t in recent if t > now - timedelta(minutes=1)]
    if len(last_minute) >= RATE_PER_MINUTE:
        raise RateLimited(max(1, int((last_minute[-1] + timedelta(minutes=1) - now).total_seconds())))
    if len(recent) >= RATE_PER_HOUR:
        raise RateLimited(max(1, int((recent[-1] + timedelta(hours=1) - now).total_seconds())))
