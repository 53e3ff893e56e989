"""A consultation's document: looking it up, its versions and paragraphs, what changed between
versions, and publishing the next one."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import defer

import documents
from consult.consultations.announce import announce_version
from consult.consultations.creation import (
    ImageMap,
    Imported,
    ImportReport,
    ServiceError,
    import_document,
    plausible_slug,
    store_version,
)
from consult.consultations.orphans import counted_by_anchor, paragraph_label, reattach_all
from consult.i18n import gettext
from consult.languages import service as languages
from consult.models import Consultation, ConsultationEvent, DocumentVersion, MediaFile, Paragraph, VersionMedia
from documents.media import EXTENSION_OF, ImageFile
from moderation.db import DbSession


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


def get_consultation(session: DbSession, slug: str) -> Consultation | None:
    """The consultation with this slug, or None."""
    if not plausible_slug(slug):
        return None
    return session.scalar(_BY_SLUG, {"slug": slug})


def get_with_current_version(session: DbSession, slug: str) -> tuple[Consultation | None, DocumentVersion | None]:
    """The consultation with this slug and its current version, in one query (the document page)."""
    if not plausible_slug(slug):
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


def stored_images(session: DbSession, version: DocumentVersion) -> list[ImageFile]:
    """The images a version shows, by their path in its import, without their bytes (stored
    already, by SHA-256): a next version naming the same path shows the same image."""
    rows = session.execute(select(VersionMedia.path, MediaFile.sha256, MediaFile.media_type, MediaFile.width,
                                  MediaFile.height, MediaFile.size)
                           .join(MediaFile, MediaFile.sha256 == VersionMedia.sha256)
                           .where(VersionMedia.version_id == version.id))
    return [ImageFile(path=path, data=b"", sha256=sha, media_type=media_type,
                      extension=EXTENSION_OF.get(media_type, ""), width=width, height=height, stored_size=size)
            for path, sha, media_type, width, height, size in rows]


def current_source(session: DbSession, consultation: Consultation) -> str:
    """The Markdown of the current version (its files joined), to start the next one from."""
    return session.scalar(select(DocumentVersion.source)
                          .where(DocumentVersion.consultation_id == consultation.id)
                          .order_by(DocumentVersion.number.desc()).limit(1)) or ""


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
    new: Paragraph | documents.Paragraph | None  # a stored paragraph, or one of a previewed version
    diff_html: str | None = None
    split_from: Paragraph | None = None  # a new paragraph split off this old one
    comments: int = 0  # counted comments on the old paragraph (the new-version preview)


def compare_versions(
    session: DbSession, old: DocumentVersion, new: DocumentVersion, language: str | None = None
) -> list[ChangeRow]:
    """Compare two versions paragraph by paragraph; removed paragraphs stay in place. With a
    `language` both versions have a text in (languages.comparable_language), their texts in it."""
    old_paragraphs = languages.paragraphs_in(session, old, paragraphs_of(session, old), language)
    new_paragraphs = languages.paragraphs_in(session, new, paragraphs_of(session, new), language)
    old_by_anchor = {p.anchor: p for p in old_paragraphs}
    rows: list[ChangeRow] = []
    position_of_row: dict[str, int] = {}
    for p in new_paragraphs:
        before = old_by_anchor.get(p.anchor)
        if before is None:
            rows.append(ChangeRow("new", None, p, split_from=old_by_anchor.get(p.split_from or "")))
        elif before.fingerprint == p.fingerprint and figures_of(before.html) == figures_of(p.html):
            rows.append(ChangeRow("unchanged", before, p))
        else:
            rows.append(ChangeRow("edited", before, p, diff_html(before, p)))
        position_of_row[p.anchor] = len(rows) - 1
    return place_removed(rows, old_paragraphs, position_of_row)


_IMG = re.compile(r"<img\b[^>]*>")
_SRC = re.compile(r'\ssrc="([^"]*)"')


def figures_of(html: str) -> list[str]:
    """The addresses of the images a paragraph's HTML shows, in order."""
    if "<img" not in html:
        return []
    return [m.group(1) for tag in _IMG.findall(html) if (m := _SRC.search(tag))]


def diff_html(old: Paragraph | documents.Paragraph, new: Paragraph | documents.Paragraph) -> str:
    """A paragraph's word-level changes, with its figures: a replaced figure is shown struck
    through and its successor marked inserted, so a changed image is never silent."""
    html = documents.diff(old.text, new.text).html
    before, after = _IMG.findall(old.html), _IMG.findall(new.html)
    if not before and not after:
        return html
    if figures_of(old.html) == figures_of(new.html):
        return html + '<span class="diff-figures">' + "".join(after) + "</span>"
    return (html + '<span class="diff-figures">' + "".join(f"<del>{tag}</del>" for tag in before)
            + "".join(f"<ins>{tag}</ins>" for tag in after) + "</span>")


def place_removed(rows: list[ChangeRow], old_paragraphs: Sequence[Paragraph], row_of_old: dict[str, int]
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


def publish_version(
    session: DbSession,
    consultation: Consultation,
    files: Sequence[tuple[str, str]],
    note: str,
    actor_id: int | None = None,
    images: ImageMap | None = None,
    reattach: dict[str, str] | None = None,
    translations: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> DocumentVersion:
    """Add the next version with the images it shows, carrying paragraph anchors over from the
    current one; an image the previous version stored is not stored again. `reattach` maps the
    anchor of a paragraph this version removes to the paragraph of it its comments go to.
    A consultation in several languages needs the version's text in each (`translations`, by
    language), aligned with the main text, or languages.TranslationError is raised."""
    if not note.strip():
        raise ServiceError(gettext("Say what changed in this version: the note is shown to readers."))
    previous = current_version(session, consultation)
    imported = _import_version(session, consultation, files, images)
    texts = languages.check_version_translations(session, consultation, imported.document, translations or {})
    version = store_version(
        session, consultation, previous.number + 1, files, imported.document, note=note.strip(),
        images=imported.images,
    )
    for translation in texts:
        languages.store_translation(session, version, imported.document, translation)
    session.add(
        ConsultationEvent(
            consultation_id=consultation.id, actor_id=actor_id, kind="version",
            detail=f"Version {version.number}: {note.strip()}",
        )
    )
    session.flush()
    if reattach:
        reattach_all(session, consultation, reattach, actor_id, version)
    announce_version(session, consultation, version, actor_id)
    return version


def preview_version(
    session: DbSession, consultation: Consultation, files: Sequence[tuple[str, str]],
    images: ImageMap | None = None,
) -> documents.Document:
    """Parse a candidate next version and carry anchors over, without storing anything."""
    return _import_version(session, consultation, files, images).document


def _import_version(session: DbSession, consultation: Consultation, files: Sequence[tuple[str, str]],
                    images: ImageMap | None = None, skipped: Sequence[str] = ()) -> Imported:
    previous = current_version(session, consultation)
    imported = import_document(files, images, skipped, kept=stored_images(session, previous))
    reserved = session.scalars(
        select(Paragraph.anchor)
        .join(DocumentVersion)
        .where(DocumentVersion.consultation_id == consultation.id)
        .distinct()
    ).all()
    old = as_document(previous)
    imported.document = documents.carry_anchors(old, imported.document, reserved=reserved)
    # The fingerprint is of the text (an image's alt text): a figure replaced under the same
    # caption is still a change readers must be shown.
    for paragraph in imported.document.paragraphs:
        if paragraph.status == "unchanged" and paragraph.previous_anchor:
            before = old.by_anchor(paragraph.previous_anchor)
            if before is not None and figures_of(before.html) != figures_of(paragraph.html):
                paragraph.status = "edited"
    return imported


@dataclass
class VersionPreview:
    """What publishing a candidate next version would change, paragraph by paragraph."""

    document: documents.Document
    number: int
    rows: list[ChangeRow]
    counts: dict[str, int]
    report: ImportReport | None = None
    images: list[ImageFile] = field(default_factory=list)  # those the new version shows
    # Counted comments (see consult.consultations.orphans.COUNTED) that will follow their
    # paragraph, be marked "paragraph changed", or stay on a removed paragraph.
    comments: dict[str, int] = field(default_factory=dict)
    targets: list[tuple[str, str]] = field(default_factory=list)  # (anchor, label) to re-attach to

    @property
    def orphans(self) -> list[ChangeRow]:
        """The removed paragraphs that have comments."""
        return [row for row in self.rows if row.change == "removed" and row.comments]


def preview_version_changes(
    session: DbSession, consultation: Consultation, files: Sequence[tuple[str, str]],
    images: ImageMap | None = None, skipped: Sequence[str] = (),
) -> VersionPreview:
    """Preview the next version against the current one, storing nothing."""
    current = current_version(session, consultation)
    imported = _import_version(session, consultation, files, images, skipped)
    document = imported.document
    old_paragraphs = paragraphs_of(session, current)
    old_by_anchor = {p.anchor: p for p in old_paragraphs}
    rows: list[ChangeRow] = []
    row_of_old: dict[str, int] = {}
    for p in document.paragraphs:
        before = old_by_anchor.get(p.previous_anchor or "") if p.previous_anchor else None
        if before is None or p.status == "new":
            rows.append(ChangeRow("new", None, p, split_from=old_by_anchor.get(p.split_from or "")))
        elif p.status == "unchanged":
            rows.append(ChangeRow("unchanged", before, p))
        else:
            rows.append(ChangeRow("edited", before, p, diff_html(before, p)))
        if before is not None:
            row_of_old[before.anchor] = len(rows) - 1
    # As on the public changes page: a removed paragraph sits after the last survivor before it.
    merged = place_removed(rows, old_paragraphs, row_of_old)
    counts = counted_by_anchor(session, consultation.id)
    outlook = {"follow": 0, "changed": 0, "orphaned": 0}
    for row in merged:
        if row.old is not None and row.change != "new":
            row.comments = counts.get(row.old.anchor, 0)
            outlook[{"unchanged": "follow", "edited": "changed", "removed": "orphaned"}[row.change]] += row.comments
    return VersionPreview(document, current.number + 1, merged, summarise_changes(merged),
                          imported.report, imported.images.used, outlook,
                          [(p.anchor, paragraph_label(p)) for p in document.paragraphs])
