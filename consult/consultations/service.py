"""Consultations and their document versions: create, revise, read and compare."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import defer

import documents
from consult.models import (
    MODERATION_MODES,
    Comment,
    CommentStatus,
    Consultation,
    ConsultationEvent,
    DocumentVersion,
    Paragraph,
    Status,
    User,
    utcnow,
)
from moderation.db import DbSession

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,78})[a-z0-9]$")


class ServiceError(ValueError):
    """A request the service refuses, with a message fit to show the person who made it."""


def validate_slug(session: DbSession, slug: str) -> str:
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
    try:
        return [(name, documents.decode(data, source=name)) for name, data in files]
    except documents.DocumentError as exc:
        raise ServiceError(str(exc)) from exc


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
    session: DbSession,
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
    session: DbSession,
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
    session: DbSession, consultation: Consultation, files: Sequence[tuple[str, str]]
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
    session: DbSession,
    consultation: Consultation,
    number: int,
    files: Sequence[tuple[str, str]],
    document: documents.Document,
    note: str,
) -> DocumentVersion:
    # PostgreSQL cannot store NUL; documents.parse reads it as U+FFFD, and so does the source.
    source = "\n\n".join(text for _name, text in files).replace("\x00", "\ufffd")
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


def _plausible_slug(slug: str | None) -> bool:
    """Never send a malformed slug (a NUL byte, say) to the database."""
    return bool(slug) and len(slug) <= 80 and bool(SLUG_RE.match(slug))


def get_consultation(session: DbSession, slug: str) -> Consultation | None:
    """The consultation with this slug, or None."""
    if not _plausible_slug(slug):
        return None
    return session.scalar(_BY_SLUG, {"slug": slug})


def get_with_current_version(session: DbSession, slug: str) -> tuple[Consultation | None, DocumentVersion | None]:
    """The consultation with this slug and its current version, in one query (the document page)."""
    if not _plausible_slug(slug):
        return None, None
    row = session.execute(_WITH_CURRENT_VERSION, {"slug": slug}).first()
    return (row[0], row[1]) if row else (None, None)


# Built once: every public page looks its consultation up by slug, and building the statement
# costs SQLAlchemy more than running it.
_BY_SLUG = select(Consultation).where(Consultation.slug == bindparam("slug"))
_WITH_CURRENT_VERSION = (
    select(Consultation, DocumentVersion)
    .outerjoin(DocumentVersion, DocumentVersion.consultation_id == Consultation.id)
    .options(defer(DocumentVersion.source))
    .where(Consultation.slug == bindparam("slug"))
    .order_by(DocumentVersion.number.desc())
    .limit(1)
)


def list_public(session: DbSession) -> list[Consultation]:
    """Consultations the public can see (past draft), newest first."""
    return list(
        session.scalars(
            select(Consultation)
            .where(Consultation.published_at.is_not(None))
            .order_by(Consultation.closes_at.desc().nulls_last(), Consultation.id.desc())
        )
    )


def current_version(session: DbSession, consultation: Consultation) -> DocumentVersion:
    """The latest version of a consultation's document."""
    return session.scalars(_CURRENT_VERSION, {"consultation": consultation.id}).one()


# Built once: the document page and every paragraph page ask for it.
_CURRENT_VERSION = (
    select(DocumentVersion)
    # The Markdown source (hundreds of KB for a long document) loads only if read.
    .options(defer(DocumentVersion.source))
    .where(DocumentVersion.consultation_id == bindparam("consultation"))
    .order_by(DocumentVersion.number.desc())
    .limit(1)
)


def get_version(session: DbSession, consultation: Consultation, number: int) -> DocumentVersion | None:
    """A numbered version of a consultation's document, or None."""
    return session.scalar(
        select(DocumentVersion).where(
            DocumentVersion.consultation_id == consultation.id, DocumentVersion.number == number
        )
    )


def paragraphs_of(session: DbSession, version: DocumentVersion) -> list[Paragraph]:
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
    latest: DocumentVersion  # the consultation's current version


def locate_paragraph(
    session: DbSession, consultation: Consultation, anchor: str
) -> ParagraphLocation | None:
    """Find an anchor in the current version, or else the last version that had it."""
    row = session.execute(_LOCATE, {"consultation": consultation.id, "anchor": anchor}).first()
    if row is None:
        return None
    paragraph, version, latest_number = row
    latest = version if version.number == latest_number else current_version(session, consultation)
    section = None
    if paragraph.section:
        section = session.scalar(_SECTION, {"version": version.id, "anchor": paragraph.section})
    return ParagraphLocation(paragraph, version, version.id == latest.id, section, latest)


# Built once: every paragraph page (and every comment form) locates its paragraph.
_LOCATE = (
    select(Paragraph, DocumentVersion,
           select(func.max(DocumentVersion.number))
           .where(DocumentVersion.consultation_id == bindparam("consultation")).scalar_subquery())
    .join(DocumentVersion, Paragraph.version_id == DocumentVersion.id)
    .options(defer(DocumentVersion.source))  # hundreds of KB, not needed here
    .where(DocumentVersion.consultation_id == bindparam("consultation"),
           Paragraph.anchor == bindparam("anchor"))
    .order_by(DocumentVersion.number.desc())
    .limit(1)
)
_SECTION = select(Paragraph).where(Paragraph.version_id == bindparam("version"),
                                   Paragraph.anchor == bindparam("anchor"))


@dataclass
class ChangeRow:
    """One line of a comparison between two versions."""

    change: str  # unchanged, edited, new, removed
    old: Paragraph | None
    new: Paragraph | None
    diff_html: str | None = None


def compare_versions(
    session: DbSession, old: DocumentVersion, new: DocumentVersion
) -> list[ChangeRow]:
    """Compare two versions paragraph by paragraph; removed paragraphs stay in place."""
    old_paragraphs = paragraphs_of(session, old)
    new_paragraphs = paragraphs_of(session, new)
    old_by_anchor = {p.anchor: p for p in old_paragraphs}
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
    return place_removed(rows, old_paragraphs, position_of_row)


def place_removed(rows: list[ChangeRow], old_paragraphs: Sequence, row_of_old: dict[str, int]
                  ) -> list[ChangeRow]:
    """Insert each removed paragraph just after the nearest earlier paragraph that survived.

    row_of_old maps the anchor of every surviving old paragraph to its row in `rows`.
    """
    inserts: dict[int, list[ChangeRow]] = {}
    last_kept = -1
    for p in old_paragraphs:
        if p.anchor in row_of_old:
            last_kept = row_of_old[p.anchor]
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
    session: DbSession, consultation: Consultation, kind: str, detail: str, actor_id: int | None
) -> None:
    """Append an entry to a consultation's history."""
    session.add(
        ConsultationEvent(consultation_id=consultation.id, actor_id=actor_id, kind=kind, detail=detail)
    )


# --------------------------------------------------------------------------- managing (officials)


def read_uploads(files: Sequence[tuple[str, bytes]]) -> list[tuple[str, str]]:
    """Decode uploaded files like read_files, but refuse with a ServiceError (never a crash)."""
    try:
        return read_files(files)
    except documents.DocumentError as exc:
        raise ServiceError(str(exc)) from exc


# /manage/new is the form for a new consultation, so no consultation can be managed there.
RESERVED_SLUGS = frozenset({"new"})


@dataclass
class ConsultationPreview:
    """A candidate new consultation: its parsed document (if it parses) and every problem.

    Each problem is (field, message); field names the form field at fault, or is None for the
    document itself.
    """

    document: documents.Document | None
    errors: list[tuple[str | None, str]]


def preview_consultation(
    session: DbSession,
    *,
    slug: str,
    files: Sequence[tuple[str, str]] | None,
    moderation_mode: str,
    opens_at: datetime | None,
    closes_at: datetime | None,
    publish: bool = False,
    now: datetime | None = None,
) -> ConsultationPreview:
    """Check a new consultation the way create_consultation will, storing nothing."""
    errors: list[tuple[str | None, str]] = []
    if not (slug or "").strip():
        errors.append(("slug", "Enter a web address for the consultation, such as parking-2025."))
    elif slug.strip() in RESERVED_SLUGS:
        errors.append(("slug", f"The address '{slug.strip()}' is reserved: choose another."))
    else:
        try:
            validate_slug(session, slug)
        except ServiceError as exc:
            errors.append(("slug", str(exc)))
    if moderation_mode not in MODERATION_MODES:
        errors.append(("moderation_mode", "Choose how comments are moderated."))
    if opens_at and closes_at and closes_at <= opens_at:
        errors.append(("closes_at", "The closing date must be after the opening date."))
    elif publish and closes_at and closes_at <= (now or utcnow()):
        errors.append(("closes_at", "The closing date has passed: published now, the "
                       "consultation would be closed at once. Choose a later closing date, or "
                       "save it as a draft."))
    document = None
    if files is not None:
        try:
            document = parse_document(files)
        except ServiceError as exc:
            errors.append((None, str(exc)))
    return ConsultationPreview(document, errors)


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


def publish_draft(
    session: DbSession, consultation: Consultation, actor_id: int | None, now: datetime | None = None
) -> Consultation:
    """Make a draft public; it opens on its opening date (or at once if it has none)."""
    now = now or utcnow()
    if consultation.status_at(now) is not Status.DRAFT:
        raise ServiceError("This consultation is already published.")
    if consultation.closes_at and consultation.closes_at <= now:
        raise ServiceError(
            "The closing date has passed: published now, the consultation would be closed at "
            "once. Set a later closing date first (Extend), then publish."
        )
    consultation.published_at = now
    record_event(session, consultation, "published", "Published: now visible to the public.",
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
        raise ServiceError("Give the reason for closing early: it is kept on record.")
    status = consultation.status_at(now)
    if status is not Status.OPEN:
        raise ServiceError(
            f"Only an open consultation can be closed early; this one is {status.words}.")
    previous = consultation.closes_at
    consultation.closes_at = now
    was = f" (it was due to close {previous:%Y-%m-%d %H:%M} UTC)" if previous else ""
    record_event(session, consultation, "closed_early", f"{reason}{was}", actor_id)
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
        raise ServiceError("Enter the new closing date and time.")
    if not reason:
        raise ServiceError("Give the reason for the extension: it is kept on record.")
    status = consultation.status_at(now)
    if status not in (Status.DRAFT, Status.UPCOMING, Status.OPEN):
        raise ServiceError(
            f"This consultation is {status.words}: after the close it is read-only, so its "
            "closing date can no longer be moved.")
    if consultation.closes_at and closes_at <= consultation.closes_at:
        raise ServiceError("The new closing date must be after the current one.")
    if closes_at <= now:
        raise ServiceError("The new closing date must be in the future.")
    if consultation.opens_at and closes_at <= consultation.opens_at:
        raise ServiceError("The new closing date must be after the opening date.")
    previous = consultation.closes_at
    consultation.closes_at = closes_at
    was = f"{previous:%Y-%m-%d %H:%M}" if previous else "no closing date"
    record_event(
        session, consultation, "extended",
        f"Closing date moved from {was} to {closes_at:%Y-%m-%d %H:%M} UTC: {reason}", actor_id)
    session.flush()
    return consultation


@dataclass
class VersionPreview:
    """What publishing a candidate next version would change, paragraph by paragraph."""

    document: documents.Document
    number: int
    rows: list[ChangeRow]
    counts: dict[str, int]


def preview_version_changes(
    session: DbSession, consultation: Consultation, files: Sequence[tuple[str, str]]
) -> VersionPreview:
    """Preview the next version against the current one, storing nothing."""
    current = current_version(session, consultation)
    document = preview_version(session, consultation, files)
    old_paragraphs = paragraphs_of(session, current)
    old_by_anchor = {p.anchor: p for p in old_paragraphs}
    rows: list[ChangeRow] = []
    row_of_old: dict[str, int] = {}
    for p in document.paragraphs:
        before = old_by_anchor.get(p.previous_anchor or "") if p.previous_anchor else None
        if before is None or p.status == "new":
            rows.append(ChangeRow("new", None, p))
        elif p.status == "unchanged":
            rows.append(ChangeRow("unchanged", before, p))
        else:
            rows.append(ChangeRow("edited", before, p, documents.diff(before.text, p.text).html))
        if before is not None:
            row_of_old[before.anchor] = len(rows) - 1
    # As on the public changes page: a removed paragraph sits after the last survivor before it.
    merged = place_removed(rows, old_paragraphs, row_of_old)
    return VersionPreview(document, current.number + 1, merged, summarise_changes(merged))
