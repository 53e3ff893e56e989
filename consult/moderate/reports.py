"""Readers' reports on comments, apart from the request: which comment may be reported, by whom,
whether this person already reported it, and recording a report (moderation.service.flag).

Like consult.moderate.operations, every function takes the session and plain values and raises
moderation.service.ModerationError with the message to show; none commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from consult.i18n import N_
from consult.models import Comment, CommentStatus, Status
from moderation import service
from moderation.db import DbSession


@dataclass(frozen=True)
class Refusal:
    """Why the report form is not offered: the message, its status, and when this person
    reported the comment (None unless that is the reason)."""

    error: service.ModerationError
    reported_at: datetime | None = None
    rule: str | None = None  # the rule anchor their report cited


def flaggable(session: DbSession, slug: str, comment_id: int, user_id: int | None = None) -> Comment:
    """A published comment readers may report, or an error saying why not."""
    comment = session.get(Comment, comment_id)
    if (comment is None or comment.consultation.slug != slug
            or comment.consultation.status is Status.DRAFT):
        raise service.ModerationError(N_("There is no such comment."), status=404)
    if comment.status == CommentStatus.WITHDRAWN.value:
        if user_id is not None and comment.author_id == user_id:
            raise service.ModerationError(N_("You withdrew this comment, so there is nothing to report."),
                                          status=410)
        raise service.ModerationError(N_("Its author withdrew this comment, so there is nothing to report."),
                                      status=410)
    if comment.status != CommentStatus.PUBLISHED.value:
        raise service.ModerationError(N_(
            "This comment is not published (any more), so there is nothing to report: moderators "
            "are already looking at it or have decided."), status=409)
    return comment


def flag_refusal(session: DbSession, comment: Comment, user_id: int) -> Refusal | None:
    """Why this person may not report this comment (their own, or reported already), or None."""
    if comment.author_id == user_id:
        return Refusal(service.ModerationError(N_("You cannot report your own comment; withdraw or edit "
                                                  "it instead."), status=403))
    earlier = service.reported_by(session, comment.id, user_id)
    if earlier is not None:
        return Refusal(service.ModerationError(N_("You have already reported this comment; each person can "
                                                  "report a comment once."), status=409),
                       reported_at=earlier.created_at, rule=earlier.rule)
    return None


def report(session: DbSession, comment: Comment, user_id: int, rule: str, note: str,
           threshold: int) -> bool:
    """Record a reader's report on a comment (it reaches the moderators' queue); True when the
    comment is hidden until a moderator decides."""
    refusal = flag_refusal(session, comment, user_id)
    if refusal is not None:
        raise refusal.error
    _record, hidden = service.flag(
        session, comment_id=comment.id, consultation_id=comment.consultation_id,
        comment_author_id=comment.author_id, comment_text=comment.body,
        comment_revision=comment.revision, user_id=user_id, rule=rule, note=note,
        threshold=threshold)
    return hidden
