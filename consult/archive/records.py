"""The public archive: the read-only API's records of consultations, versions and responses."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from consult.archive.downloads import iso, response_is_published
from consult.archive.listing import MAX_INT, ArchiveError, ArchivePage, archive_page
from consult.i18n import gettext
from consult.models import (
    Comment,
    CommentStatus,
    Consultation,
    DocumentVersion,
    Paragraph,
    Response,
    ResponseCorrection,
    Theme,
    ThemeComment,
    ThemeParagraph,
)
from moderation.db import DbSession


def consultation_record(session: DbSession, consultation: Consultation) -> dict:
    """A consultation as the API shows it."""
    current = session.scalar(select(func.max(DocumentVersion.number))
                             .where(DocumentVersion.consultation_id == consultation.id))
    return {
        "slug": consultation.slug,
        "title": consultation.title,
        "department": consultation.department,
        "summary": consultation.summary,
        "status": consultation.status.value,
        "opens_at": iso(consultation.opens_at),
        "closes_at": iso(consultation.closes_at),
        "published_at": iso(consultation.published_at),
        "responded_at": iso(consultation.responded_at),
        "archived_at": iso(consultation.archived_at),
        "current_version": current,
        "response_published": response_is_published(session, consultation.id),
    }


def consultations_page(session: DbSession, *, status: str | None, page: int, per_page: int,
                       now: datetime | None = None) -> tuple[list[dict], ArchivePage]:
    """A page of public consultations as API records, newest first."""
    result = archive_page(session, status=status, sort="newest", page=page, per_page=per_page, now=now)
    return [consultation_record(session, c) for c in result.consultations], result


def versions_of(session: DbSession, consultation: Consultation) -> list[dict]:
    """Every version of a consultation's document, with its paragraph count."""
    counts = dict(session.execute(
        select(Paragraph.version_id, func.count()).join(DocumentVersion)
        .where(DocumentVersion.consultation_id == consultation.id).group_by(Paragraph.version_id)).all())
    return [{"number": v.number, "title": v.title, "note": v.note, "created_at": iso(v.created_at),
             "paragraphs": counts.get(v.id, 0)}
            for v in session.scalars(select(DocumentVersion)
                                     .where(DocumentVersion.consultation_id == consultation.id)
                                     .order_by(DocumentVersion.number))]


def version_record(session: DbSession, consultation: Consultation, number: int) -> dict:
    """One version with its paragraphs in reading order; ArchiveError (404) if there is none."""
    version = None
    if 1 <= number <= MAX_INT:
        version = session.scalar(select(DocumentVersion).where(
            DocumentVersion.consultation_id == consultation.id, DocumentVersion.number == number))
    if version is None:
        raise ArchiveError(gettext("The consultation '%(slug)s' has no version %(number)s.",
                                   slug=consultation.slug, number=number), 404)
    paragraphs = session.scalars(select(Paragraph).where(Paragraph.version_id == version.id)
                                 .order_by(Paragraph.position))
    return {"number": version.number, "title": version.title, "note": version.note,
            "created_at": iso(version.created_at),
            "paragraphs": [{"anchor": p.anchor, "number": p.number, "kind": p.kind, "text": p.text,
                            "html": p.html} for p in paragraphs]}


def _published_response(session: DbSession, consultation: Consultation) -> Response:
    response = session.scalar(select(Response).where(Response.consultation_id == consultation.id))
    if response is None or response.published_at is None:
        raise ArchiveError(gettext("The consultation '%(slug)s' has no published response yet.",
                                   slug=consultation.slug), 404)
    return response


def themes_record(session: DbSession, consultation: Consultation) -> list[dict]:
    """The themes of a published response: what people said, what was done, and counts."""
    _published_response(session, consultation)
    themes = list(session.scalars(select(Theme).where(Theme.consultation_id == consultation.id,
                                                      Theme.merged_into_id.is_(None))
                                  .order_by(Theme.position, Theme.id)))
    ids = [t.id for t in themes]
    counts: dict[int, int] = {}
    anchors: dict[int, list[str]] = {}
    if ids:
        counts = dict(session.execute(
            select(ThemeComment.theme_id, func.count()).join(Comment, Comment.id == ThemeComment.comment_id)
            .where(ThemeComment.theme_id.in_(ids), Comment.status == CommentStatus.PUBLISHED.value)
            .group_by(ThemeComment.theme_id)).all())
        for theme_id, anchor in session.execute(select(ThemeParagraph.theme_id, ThemeParagraph.anchor)
                                                .where(ThemeParagraph.theme_id.in_(ids))
                                                .order_by(ThemeParagraph.id)):
            anchors.setdefault(theme_id, []).append(anchor)
    return [{"id": t.id, "title": t.title, "said": t.said, "outcome": t.outcome,
             "outcome_label": t.outcome_label, "reasons": t.reasons,
             "comments": counts.get(t.id, 0), "paragraphs": anchors.get(t.id, [])} for t in themes]


def response_record(session: DbSession, consultation: Consultation) -> dict:
    """The published response with its themes and corrections."""
    response = _published_response(session, consultation)
    corrections = session.scalars(select(ResponseCorrection)
                                  .where(ResponseCorrection.response_id == response.id)
                                  .order_by(ResponseCorrection.id))
    return {"summary": response.summary, "next_steps": response.next_steps,
            "from_version": response.from_version, "to_version": response.to_version,
            "published_at": iso(response.published_at),
            "themes": themes_record(session, consultation),
            "corrections": [{"note": c.note, "at": iso(c.at)} for c in corrections]}
