"""Consultations and their document versions: create, revise, read and compare."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

import documents
from consult.models import (
    MODERATION_MODES,
    Consultation,
    ConsultationEvent,
    DocumentVersion,
    Paragraph,
    utcnow,
)

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,78})[a-z0-9]$")


class ServiceError(ValueError):
    """A request the service refuses, with a message fit to show the person who made it."""


def validate_slug(session: Session, slug: str) -> str:
    """Check a slug's shape and that no consultation already uses it."""
    slug = (slug or "").strip()
    if not SLUG_RE.match(slug) or "--" in slug:
        raise ServiceError(
            f"The address '{slug}' is not usable: use 3 to 80 lower-case letters, digits and "
            "single hyphens, starting and ending with a letter or digit."
        )
    if session.scalar(select(Consultation.id).where(Consultation.slug == slug)):
        raise ServiceError(f"The address '{slug}' is already taken by another consultation.")
    return slug


def read_files(files: Sequence[tuple[str, bytes]]) -> list[tuple[str, str]]:
    """Decode uploaded or on-disk files, refusing anything that is not UTF-8 text."""
    return [(name, documents.decode(data, source=name)) for name, data in files]


def parse_document(files: Sequence[tuple[str, str]]) -> documents.Document:
    """Parse one or more Markdown files into a single document, or raise ServiceError."""
    if not files:
        raise ServiceError("Give at least one Markdown file.")
    for name, text in files:
        if not text.strip():
            raise ServiceError(f"{name}: the file is empty: the document has no paragraphs.")
    try:
        return documents.parse_files(files)
    except documents.DocumentError as exc:
        raise ServiceError(str(exc)) from exc


def create_consultation(
    session: Session,
    *,
    slug: str,
    files: Sequence[tuple[str, str]],
    title: str | None = None,
    department: str = "",
    summary: str = "",
    scope_about: str = "",
    scope_open: str = "",
    scope_closed: str = "",
    scope_outcome: str = "",
    response_expected: str = "",
    moderation_mode: str = "post",
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    publish: bool = False,
    actor_id: int | None = None,
) -> Consultation:
    """Create a consultation with version 1 of its document; nothing is stored on error."""
    slug = validate_slug(session, slug)
    if moderation_mode not in MODERATION_MODES:
        raise ServiceError(f"Unknown moderation mode '{moderation_mode}'.")
    if opens_at and closes_at and closes_at <= opens_at:
        raise ServiceError("The closing date must be after the opening date.")
    document = parse_document(files)
    consultation = Consultation(
        slug=slug,
        title=(title or document.title or slug).strip()[:300],
        department=department,
        summary=summary,
        scope_about=scope_about,
        scope_open=scope_open,
        scope_closed=scope_closed,
        scope_outcome=scope_outcome,
        response_expected=response_expected,
        moderation_mode=moderation_mode,
        opens_at=opens_at,
        closes_at=closes_at,
        published_at=utcnow() if publish else None,
    )
    session.add(consultation)
    _store_version(session, consultation, 1, files, document, note="First published version.")
    session.add(
        ConsultationEvent(
            consultation=consultation, actor_id=actor_id, kind="created",
            detail="published" if publish else "draft",
        )
    )
    session.flush()
    return consultation


def publish_version(
    session: Session,
    consultation: Consultation,
    files: Sequence[tuple[str, str]],
    note: str,
    actor_id: int | None = None,
) -> DocumentVersion:
    """Add the next version, carrying paragraph anchors over from the current one."""
    if not note.strip():
        raise ServiceError("Say what changed in this version: the note is shown to readers.")
    previous = current_version(session, consultation)
    document = preview_version(session, consultation, files)
    version = _store_version(
        session, consultation, previous.number + 1, files, document, note=note.strip()
    )
    session.add(
        ConsultationEvent(
            consultation_id=consultation.id, actor_id=actor_id, kind="version",
            detail=f"Version {version.number}: {note.strip()}",
        )
    )
    session.flush()
    return version


def preview_version(
    session: Session, consultation: Consultation, files: Sequence[tuple[str, str]]
) -> documents.Document:
    """Parse a candidate next version and carry anchors over, without storing anything."""
    previous = current_version(session, consultation)
    document = parse_document(files)
    reserved = session.scalars(
        select(Paragraph.anchor)
        .join(DocumentVersion)
        .where(DocumentVersion.consultation_id == consultation.id)
        .distinct()
    ).all()
    return documents.carry_anchors(as_document(previous), document, reserved=reserved)


def _store_version(
    session: Session,
    consultation: Consultation,
    number: int,
    files: Sequence[tuple[str, str]],
    document: documents.Document,
    note: str,
) -> DocumentVersion:
    source = "\n\n".join(text for _name, text in files)
    version = DocumentVersion(
        consultation=consultation,
        number=number,
        title=(document.title or consultation.title)[:300],
        source=source,
        meta=_jsonable(document.meta),
        note=note,
    )
    session.add(version)
    session.add_all(
        Paragraph(
            version=version,
            position=index,
            anchor=p.anchor,
            number=p.number,
            kind=p.kind,
            level=p.level,
            section=p.section,
            text=p.text,
            html=p.html,
            fingerprint=p.fingerprint,
            pinned=p.pinned,
            change=p.status,
            previous_anchor=p.previous_anchor,
        )
        for index, p in enumerate(document.paragraphs)
    )
    return version


def _jsonable(value):
    """Front matter may hold dates and other YAML types: keep what JSON can carry."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def as_document(version: DocumentVersion) -> documents.Document:
    """Rebuild a documents.Document from a stored version, for carrying anchors."""
    return documents.Document(
        title=version.title,
        meta=dict(version.meta or {}),
        paragraphs=[
            documents.Paragraph(
                anchor=p.anchor, number=p.number, kind=p.kind, text=p.text, html=p.html,
                fingerprint=p.fingerprint, position=p.position, line=0, source=None,
                level=p.level, section=p.section, pinned=p.pinned,
            )
            for p in version.paragraphs
        ],
    )


def get_consultation(session: Session, slug: str) -> Consultation | None:
    """The consultation with this slug, or None."""
    return session.scalar(select(Consultation).where(Consultation.slug == slug))


def list_public(session: Session) -> list[Consultation]:
    """Consultations the public can see (past draft), newest first."""
    return list(
        session.scalars(
            select(Consultation)
            .where(Consultation.published_at.is_not(None))
            .order_by(Consultation.closes_at.desc().nulls_last(), Consultation.id.desc())
        )
    )


def current_version(session: Session, consultation: Consultation) -> DocumentVersion:
    """The latest version of a consultation's document."""
    return session.scalars(
        select(DocumentVersion)
        .where(DocumentVersion.consultation_id == consultation.id)
        .order_by(DocumentVersion.number.desc())
        .limit(1)
    ).one()


def get_version(session: Session, consultation: Consultation, number: int) -> DocumentVersion | None:
    """A numbered version of a consultation's document, or None."""
    return session.scalar(
        select(DocumentVersion).where(
            DocumentVersion.consultation_id == consultation.id, DocumentVersion.number == number
        )
    )


def paragraphs_of(session: Session, version: DocumentVersion) -> list[Paragraph]:
    """A version's paragraphs in reading order, in one query."""
    return list(
        session.scalars(
            select(Paragraph).where(Paragraph.version_id == version.id).order_by(Paragraph.position)
        )
    )


@dataclass
class ParagraphLocation:
    """Where an anchor lives: the paragraph, its version and whether it is still current."""

    paragraph: Paragraph
    version: DocumentVersion
    current: bool
    section: Paragraph | None


def locate_paragraph(
    session: Session, consultation: Consultation, anchor: str
) -> ParagraphLocation | None:
    """Find an anchor in the current version, or else the last version that had it."""
    row = session.execute(
        select(Paragraph, DocumentVersion)
        .join(DocumentVersion)
        .where(DocumentVersion.consultation_id == consultation.id, Paragraph.anchor == anchor)
        .order_by(DocumentVersion.number.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    paragraph, version = row
    latest = current_version(session, consultation)
    section = None
    if paragraph.section:
        section = session.scalar(
            select(Paragraph).where(
                Paragraph.version_id == version.id, Paragraph.anchor == paragraph.section
            )
        )
    return ParagraphLocation(paragraph, version, version.id == latest.id, section)


@dataclass
class ChangeRow:
    """One line of a comparison between two versions."""

    change: str  # unchanged, edited, new, removed
    old: Paragraph | None
    new: Paragraph | None
    diff_html: str | None = None


def compare_versions(
    session: Session, old: DocumentVersion, new: DocumentVersion
) -> list[ChangeRow]:
    """Compare two versions paragraph by paragraph; removed paragraphs stay in place."""
    old_paragraphs = paragraphs_of(session, old)
    new_paragraphs = paragraphs_of(session, new)
    old_by_anchor = {p.anchor: p for p in old_paragraphs}
    new_anchors = {p.anchor for p in new_paragraphs}
    rows: list[ChangeRow] = []
    position_of_row: dict[str, int] = {}
    for p in new_paragraphs:
        before = old_by_anchor.get(p.anchor)
        if before is None:
            rows.append(ChangeRow("new", None, p))
        elif before.fingerprint == p.fingerprint:
            rows.append(ChangeRow("unchanged", before, p))
        else:
            rows.append(ChangeRow("edited", before, p, documents.diff(before.text, p.text).html))
        position_of_row[p.anchor] = len(rows) - 1
    # Put each removed paragraph just after the nearest earlier paragraph that survived.
    inserts: dict[int, list[ChangeRow]] = {}
    last_kept = -1
    for p in old_paragraphs:
        if p.anchor in new_anchors:
            last_kept = position_of_row[p.anchor]
        else:
            inserts.setdefault(last_kept, []).append(ChangeRow("removed", p, None))
    merged: list[ChangeRow] = list(inserts.get(-1, []))
    for index, row in enumerate(rows):
        merged.append(row)
        merged.extend(inserts.get(index, []))
    return merged


def summarise_changes(rows: Sequence[ChangeRow]) -> dict[str, int]:
    """Count the rows of a comparison by kind of change."""
    counts = {"unchanged": 0, "edited": 0, "new": 0, "removed": 0}
    for row in rows:
        counts[row.change] += 1
    return counts


def record_event(
    session: Session, consultation: Consultation, kind: str, detail: str, actor_id: int | None
) -> None:
    """Append an entry to a consultation's history."""
    session.add(
        ConsultationEvent(consultation_id=consultation.id, actor_id=actor_id, kind=kind, detail=detail)
    )
