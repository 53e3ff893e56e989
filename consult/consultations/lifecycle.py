"""A consultation's life as officials run it: the lists, its history, publishing a draft,
closing early and extending (draft -> open -> closed; see Consultation.status_at)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from consult.consultations import history_words as words
from consult.consultations.announce import announce_dates
from consult.consultations.creation import ServiceError
from consult.i18n import N_, gettext
from consult.models import Comment, CommentStatus, Consultation, ConsultationEvent, Status, User, utcnow
from moderation.db import DbSession


def list_public(session: DbSession) -> list[Consultation]:
    """Consultations the public can see (past draft), newest first."""
    return list(
        session.scalars(
            select(Consultation)
            .where(Consultation.published_at.is_not(None))
            .order_by(Consultation.closes_at.desc().nulls_last(), Consultation.id.desc())
        )
    )


@dataclass
class ManagedConsultation:
    """A consultation as officials see it in their list, with its comment counts."""

    consultation: Consultation
    published: int
    pending: int
    total: int


def list_for_officials(session: DbSession) -> list[ManagedConsultation]:
    """Every consultation, drafts included, newest first, with comment counts (two queries)."""
    consultations = session.scalars(
        select(Consultation).order_by(Consultation.created_at.desc(), Consultation.id.desc())
    ).all()
    counts: dict[int, dict[str, int]] = {}
    rows = session.execute(
        select(Comment.consultation_id, Comment.status, func.count())
        .group_by(Comment.consultation_id, Comment.status)
    )
    for consultation_id, status, count in rows:
        counts.setdefault(consultation_id, {})[status] = count
    result = []
    for c in consultations:
        by_status = counts.get(c.id, {})
        result.append(ManagedConsultation(
            consultation=c,
            published=by_status.get(CommentStatus.PUBLISHED.value, 0),
            pending=by_status.get(CommentStatus.PENDING.value, 0),
            total=sum(by_status.values()),
        ))
    return result


@dataclass
class HistoryEntry:
    """One line of a consultation's history: what happened, when, and who did it."""

    event: ConsultationEvent
    actor_name: str | None


def history(session: DbSession, consultation: Consultation) -> list[HistoryEntry]:
    """A consultation's recorded events, oldest first, with the actor's name."""
    rows = session.execute(
        select(ConsultationEvent, User.display_name)
        .outerjoin(User, User.id == ConsultationEvent.actor_id)
        .where(ConsultationEvent.consultation_id == consultation.id)
        .order_by(ConsultationEvent.created_at, ConsultationEvent.id)
    )
    return [HistoryEntry(event, name) for event, name in rows]


def record_event(
    session: DbSession, consultation: Consultation, kind: str, detail: str | list[words.Sentence],
    actor_id: int | None
) -> ConsultationEvent:
    """Append an entry to a consultation's history: its words (consult.consultations.history_words),
    read in each reader's language, and their English kept as the detail; or a detail alone."""
    if isinstance(detail, str):
        event = ConsultationEvent(consultation_id=consultation.id, actor_id=actor_id, kind=kind, detail=detail)
    else:
        event = ConsultationEvent(consultation_id=consultation.id, actor_id=actor_id, kind=kind,
                                  detail=words.english(detail, words.site_zone()), words=detail)
    session.add(event)
    return event


def publish_draft(
    session: DbSession, consultation: Consultation, actor_id: int | None, now: datetime | None = None
) -> Consultation:
    """Make a draft public; it opens on its opening date (or at once if it has none)."""
    now = now or utcnow()
    if consultation.status_at(now) is not Status.DRAFT:
        raise ServiceError(gettext("This consultation is already published."))
    if consultation.closes_at and consultation.closes_at <= now:
        raise ServiceError(gettext(
            "The closing date has passed: published now, the consultation would be closed at "
            "once. Set a later closing date first (Extend), then publish."))
    consultation.published_at = now
    record_event(session, consultation, "published", [words.sentence(N_("Published: now visible to the public."))],
                 actor_id)
    session.flush()
    return consultation


def close_early(
    session: DbSession,
    consultation: Consultation,
    reason: str,
    actor_id: int | None,
    now: datetime | None = None,
) -> Consultation:
    """Stop taking comments now, before the closing date, with a reason on record."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(gettext("Give the reason for closing early: it is kept on record."))
    status = consultation.status_at(now)
    if status is not Status.OPEN:
        raise ServiceError(gettext(
            "Only an open consultation can be closed early; this one is %(status)s.", status=status.words))
    previous = consultation.closes_at
    consultation.closes_at = now
    said = [words.sentence("%(reason)s", reason=words.own(reason))]
    if previous:
        said.append(words.sentence(N_("(it was due to close %(time)s)"), time=words.time(previous)))
    record_event(session, consultation, "closed_early", said, actor_id)
    announce_dates(session, consultation, "closed_early", reason, previous, actor_id)
    session.flush()
    return consultation


def extend(
    session: DbSession,
    consultation: Consultation,
    closes_at: datetime | None,
    reason: str,
    actor_id: int | None,
    now: datetime | None = None,
) -> Consultation:
    """Move the closing date later, with a reason on record; a closed one stays closed."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if closes_at is None:
        raise ServiceError(gettext("Enter the new closing date and time."))
    if not reason:
        raise ServiceError(gettext("Give the reason for the extension: it is kept on record."))
    status = consultation.status_at(now)
    if status not in (Status.DRAFT, Status.UPCOMING, Status.OPEN):
        raise ServiceError(gettext(
            "This consultation is %(status)s: after the close it is read-only, so its "
            "closing date can no longer be moved.", status=status.words))
    if consultation.closes_at and closes_at <= consultation.closes_at:
        raise ServiceError(gettext("The new closing date must be after the current one."))
    if closes_at <= now:
        raise ServiceError(gettext("The new closing date must be in the future."))
    if consultation.opens_at and closes_at <= consultation.opens_at:
        raise ServiceError(gettext("The new closing date must be after the opening date."))
    previous = consultation.closes_at
    consultation.closes_at = closes_at
    was = words.time(previous) if previous else words.term(N_("no closing date"))
    record_event(session, consultation, "extended", [words.sentence(
        N_("Closing date moved from %(old)s to %(new)s: %(reason)s"), old=was, new=words.time(closes_at),
        reason=words.own(reason))], actor_id)
    announce_dates(session, consultation, "extended", reason, previous, actor_id)
    session.flush()
    return consultation
