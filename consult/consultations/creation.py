"""Creating a consultation: checking its address, importing its Markdown, storing its versions.

Everything here checks before it stores: a refused request raises ServiceError with a message
fit to show, and nothing is written. Publishing later versions is in versions.py.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

import documents
from consult.models import MODERATION_MODES, Consultation, ConsultationEvent, DocumentVersion, Paragraph, utcnow
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


def plausible_slug(slug: str | None) -> bool:
    """Never send a malformed slug (a NUL byte, say) to the database."""
    return slug is not None and len(slug) <= 80 and bool(SLUG_RE.match(slug))


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
    store_version(session, consultation, 1, files, document, note="First published version.")
    session.add(
        ConsultationEvent(
            consultation=consultation, actor_id=actor_id, kind="created",
            detail="published" if publish else "draft",
        )
    )
    session.flush()
    return consultation


def store_version(
    session: DbSession,
    consultation: Consultation,
    number: int,
    files: Sequence[tuple[str, str]],
    document: documents.Document,
    note: str,
) -> DocumentVersion:
    """Store a parsed document as the numbered version of a consultation, with its paragraphs."""
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


def _jsonable(value: Any) -> Any:
    """Front matter may hold dates and other YAML types: keep what JSON can carry."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
