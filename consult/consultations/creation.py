"""Creating a consultation: checking its address, importing its Markdown, storing its versions.

Everything here checks before it stores: a refused request raises ServiceError with a message
fit to show, and nothing is written. Publishing later versions is in versions.py.
"""
from __future__ import annotations

import html as htmllib
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

import documents
from consult.i18n import N_, gettext, ngettext
from consult.models import (
    MODERATION_MODES,
    Consultation,
    ConsultationEvent,
    DocumentVersion,
    MediaFile,
    Paragraph,
    VersionMedia,
    utcnow,
)
from documents.media import MEDIA_URL, MISSING, ImageFile, Images, MediaError, Upload, sort_upload
from documents.parse import own_number
from documents.render import DOCUMENT_TAGS, shows_missing_image
from moderation.db import DbSession

# The images of an import, by their path in it (documents.media.sort_upload's result).
ImageMap = Mapping[str, ImageFile]

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,78})[a-z0-9]$")


class ServiceError(ValueError):
    """A request the service refuses, with a message fit to show the person who made it."""


def validate_slug(session: DbSession, slug: str) -> str:
    """Check a slug's shape and that no consultation already uses it."""
    slug = (slug or "").strip()
    if not SLUG_RE.match(slug) or "--" in slug:
        raise ServiceError(gettext(
            "The address '%(slug)s' is not usable: use 3 to 80 lower-case letters, digits and "
            "single hyphens, starting and ending with a letter or digit.", slug=slug))
    if session.scalar(select(Consultation.id).where(Consultation.slug == slug)):
        raise ServiceError(gettext("The address '%(slug)s' is already taken by another consultation.", slug=slug))
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


def read_upload(items: Iterable[tuple[str, bytes]], *, strict: bool = True) -> Upload:
    """Sort uploaded files (Word documents, Markdown, images, zips of them) and check every
    image, or raise ServiceError naming the file refused; nothing of a refused upload is kept."""
    items = list(items)
    try:
        upload = sort_upload(items, strict=strict)
    except MediaError as exc:
        raise ServiceError(str(exc)) from exc
    return _name_conversions(items, upload)


def _name_conversions(items: Sequence[tuple[str, bytes]], upload: Upload) -> Upload:
    """Name the Markdown made from a Word document after the document ("policy.docx (converted)"):
    documents.media calls it policy.md, a file the official never had, and the form and the
    import report would cite it."""
    made: dict[str, list[str]] = {}  # the name documents.media gives -> the Word documents'
    for name, _data in items:
        if name.lower().endswith(".docx"):
            folder, base = posixpath.split(name)
            made.setdefault(posixpath.join(folder, posixpath.splitext(base)[0] + ".md"), []).append(name)
    if not made:
        return upload
    given = set(items)  # a Markdown file uploaded as it is keeps its name
    renamed = []
    for name, data in upload.markdown:
        if made.get(name) and (name, data) not in given:
            name = gettext("%(name)s (converted)", name=made[name].pop(0))
        renamed.append((name, data))
    upload.markdown = renamed
    return upload


@dataclass
class Imported:
    """A parsed document, the images it shows, and the import report to show before publishing."""

    document: documents.Document
    images: Images
    report: ImportReport


def import_document(files: Sequence[tuple[str, str]], images: ImageMap | None = None,
                    skipped: Sequence[str] = (), kept: Sequence[ImageFile] = ()) -> Imported:
    """Parse Markdown files with the images supplied beside them, or raise ServiceError.

    This is the one entry for every importer (the browser form, the CLI, the demo, a Word
    conversion): Markdown files as (name, text) and images by their path in the import;
    `kept`, the previous version's images, for the paths the import does not supply.
    """
    if not files:
        raise ServiceError(gettext("Give at least one Markdown file."))
    for name, text in files:
        if not text.strip():
            raise ServiceError(gettext("%(name)s: the file is empty: the document has no paragraphs.", name=name))
    resolver = Images(dict(images or {}), kept)
    try:
        document = documents.parse_files(files, images=resolver)
    except documents.DocumentError as exc:
        raise ServiceError(str(exc)) from exc
    return Imported(document, resolver, import_report(document, resolver, files, skipped))


def parse_document(files: Sequence[tuple[str, str]], images: ImageMap | None = None) -> documents.Document:
    """Parse one or more Markdown files into a single document, or raise ServiceError."""
    return import_document(files, images).document


# --------------------------------------------------------------------------- the import report


@dataclass
class ImportReport:
    """What an import resolved and what it did not, grouped for the person importing.

    Everything here is a warning: it never stops a publication (errors raise ServiceError).
    """

    images_found: list[str] = field(default_factory=list)
    images_missing: list[str] = field(default_factory=list)
    images_other: list[str] = field(default_factory=list)  # no alt text, elsewhere, unused
    links: list[str] = field(default_factory=list)
    numbering: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    raw_html: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def sections(self) -> list[tuple[str, list[str]]]:
        """(heading, lines) for each part of the report that has something to say, headings in the
        reader's language (English on the command line)."""
        parts = [
            (N_("Images shown"), self.images_found),
            (N_("Images missing"), self.images_missing),
            (N_("Other notes on images"), self.images_other),
            (N_("Links left as text or leading elsewhere"), self.links),
            (N_("Numbering"), self.numbering),
            (N_("Empty paragraphs"), self.empty),
            (N_("Raw HTML removed"), self.raw_html),
            (N_("Files in the zip that were not used"), self.skipped),
        ]
        return [(gettext(title), lines) for title, lines in parts if lines]

    @property
    def warning_count(self) -> int:
        """How many warnings there are (the images found are not warnings)."""
        return sum(len(lines) for lines in (self.images_missing, self.images_other, self.links, self.numbering,
                                            self.empty, self.raw_html, self.skipped))

    def lines(self) -> list[str]:
        """The report as plain text lines, for the command line."""
        out: list[str] = []
        for title, items in self.sections():
            out.append(f"{title} ({len(items)}):")
            out.extend(f"  - {item}" for item in items)
        return out


def _kb(n: int) -> str:
    return f"{n / 1024:,.0f} KB" if n < 1024 * 1024 else f"{n / (1024 * 1024):.1f} MB"


def import_report(document: documents.Document, images: Images,
                  files: Sequence[tuple[str, str]] = (), skipped: Sequence[str] = ()) -> ImportReport:
    """Build the import report from a parsed document, its image record and its source files."""
    report = ImportReport(skipped=list(skipped))
    where: dict[str, str] = {}
    for paragraph in document.paragraphs:
        if "<img" in paragraph.html:
            for image in images.used:
                if image.url in paragraph.html:
                    where.setdefault(image.path, paragraph.number)
    for image in images.used:
        size = (gettext(", %(width)s x %(height)s pixels", width=image.width, height=image.height)
                if image.width and image.height else "")
        kind = image.extension.upper().replace("JPG", "JPEG")
        report.images_found.append(gettext("%(path)s (%(kind)s%(size)s, %(weight)s), in paragraph %(number)s",
                                           path=image.path, kind=kind, size=size, weight=_kb(image.size),
                                           number=where.get(image.path, "?")))
    for warning in images.warnings():
        (report.images_missing if getattr(warning, "kind", None) == MISSING else report.images_other).append(warning)
    report.images_missing.extend(_html_images(document, images))
    report.links = list(document.warnings)
    report.numbering = _numbering_notes(document)
    for paragraph in document.paragraphs:
        if (not paragraph.text.strip() and "<img" not in paragraph.html and "[Image" not in paragraph.html
                and not shows_missing_image(paragraph.html)):
            report.empty.append(
                gettext("paragraph %(number)s (%(source)s, line %(line)s) has no text", number=paragraph.number,
                        source=paragraph.source, line=paragraph.line) if paragraph.source else
                gettext("paragraph %(number)s (line %(line)s) has no text", number=paragraph.number,
                        line=paragraph.line))
    report.raw_html = _dropped_html(files)
    return report


_MISSING_SPAN = re.compile(r'<span title="([^"]*)">\[(.*?)\]</span>', re.DOTALL)
_RAW_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_IMG_SRC = re.compile(r'\ssrc="([^"]*)"')
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")


def _html_images(document: documents.Document, images: Images) -> list[str]:
    """Images the document names in raw HTML (<img src=…>), which the import does not look up:
    one it cannot show stands as its alt text, one it leaves as HTML would be a broken image.
    Markdown images are in Images.warnings() already."""
    notes: list[str] = []
    reported = {_TEMPLATE.sub("", use.src).strip() for use in images.uses if use.image is None}

    def where(paragraph: documents.Paragraph) -> str:
        return (gettext("%(source)s, line %(line)s (paragraph %(number)s)", source=paragraph.source,
                        line=paragraph.line, number=paragraph.number) if paragraph.source else
                gettext("line %(line)s (paragraph %(number)s)", line=paragraph.line, number=paragraph.number))

    for paragraph in document.paragraphs:
        if "<img" in paragraph.html:
            for tag in _RAW_IMG.findall(paragraph.html):
                found = _IMG_SRC.search(tag)
                src = htmllib.unescape(found.group(1)) if found else ""
                if src.startswith(MEDIA_URL):
                    continue  # an image the import found and Consult serves
                notes.append(gettext("%(where)s: the image %(src)s is written in HTML, which Consult does not look "
                                     "up: readers would see a broken image; write it as ![alt text](%(src)s) "
                                     "and supply the file", where=where(paragraph), src=src))
        if shows_missing_image(paragraph.html):
            for path, label in _MISSING_SPAN.findall(paragraph.html):
                path = htmllib.unescape(path)
                if path in reported:
                    continue  # a Markdown image, reported with its alt text already
                notes.append(gettext("%(where)s: the image %(src)s was not found: shown as “%(label)s”",
                                     where=where(paragraph), src=path or "?",
                                     label="[" + htmllib.unescape(label) + "]"))
    return notes


def _numbering_notes(document: documents.Document) -> list[str]:
    """Heading numbers given twice, and gaps in a run of numbered headings (6.1, 6.3)."""
    notes: list[str] = []
    owns: list[tuple[str, documents.Paragraph]] = []
    for paragraph in document.headings():
        number = own_number(paragraph.text)
        if number:
            owns.append((number, paragraph))
    seen: dict[str, list[documents.Paragraph]] = {}
    for number, paragraph in owns:
        seen.setdefault(number, []).append(paragraph)
    for number, paragraphs in seen.items():
        if len(paragraphs) > 1:
            lines = ", ".join(str(p.line) for p in paragraphs[:5])
            notes.append(ngettext("the heading number %(number)s is on %(num)s headings (lines %(lines)s): "
                                  "readers cannot quote it, so they are numbered beneath their section",
                                  "the heading number %(number)s is on %(num)s headings (lines %(lines)s): "
                                  "readers cannot quote it, so they are numbered beneath their section",
                                  len(paragraphs), number=number, lines=lines))
    last: dict[str, int] = {}
    for number, paragraph in owns:
        if not re.fullmatch(r"\d+(?:\.\d+)*", number) or len(seen[number]) > 1:
            continue
        parent, _, tail = number.rpartition(".")
        value = int(tail)
        before = last.get(parent)
        if before is not None and value > before + 1:
            missing = f"{parent}.{before + 1}" if parent else str(before + 1)
            notes.append(gettext("heading %(number)s (line %(line)s) follows %(before)s: is %(missing)s missing?",
                                 number=number, line=paragraph.line,
                                 before=f"{parent}.{before}" if parent else str(before), missing=missing))
        last[parent] = value
        # A new section restarts the count of its subsections.
        for key in [k for k in last if k.startswith(number + ".")]:
            del last[key]
    return notes


_FENCE = re.compile(r"^\s*(```|~~~)")
_RAW_TAG = re.compile(r"(?<!\\)<(/?)([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])")
_HARMLESS = frozenset({"html", "head", "body"})


def _dropped_html(files: Sequence[tuple[str, str]]) -> list[str]:
    """Raw HTML elements the sanitiser removes (scripts, styles, frames, forms...), by file and
    line: a cheap scan of the source outside code, counted once per element and file."""
    notes: list[str] = []
    for name, text in files:
        in_fence = False
        reported: set[str] = set()
        for number, line in enumerate(text.split("\n"), start=1):
            if _FENCE.match(line):
                in_fence = not in_fence
                continue
            if in_fence or line.startswith(("    ", "\t")) or "<" not in line:
                continue
            for closing, tag in _RAW_TAG.findall(re.sub(r"`[^`]*`", "", line)):
                tag = tag.lower()
                if closing or tag in DOCUMENT_TAGS or tag in _HARMLESS or tag in reported:
                    continue
                reported.add(tag)
                notes.append(gettext("%(name)s, line %(line)s: <%(tag)s> is not allowed in a document and was "
                                     "removed (its text, if any, is kept)", name=name, line=number, tag=tag)
                             if tag not in _CONTENT_DROPPED else
                             gettext("%(name)s, line %(line)s: <%(tag)s> and its contents were removed",
                                     name=name, line=number, tag=tag))
    return notes


_CONTENT_DROPPED = frozenset({"script", "style", "iframe", "object", "embed", "template", "noscript"})


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
    report: ImportReport | None = None
    images: list[ImageFile] = field(default_factory=list)  # those the document shows


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
    images: ImageMap | None = None,
    skipped: Sequence[str] = (),
) -> ConsultationPreview:
    """Check a new consultation the way create_consultation will, storing nothing."""
    errors: list[tuple[str | None, str]] = []
    if not (slug or "").strip():
        errors.append(("slug", gettext("Enter a web address for the consultation, such as parking-2025.")))
    elif slug.strip() in RESERVED_SLUGS:
        errors.append(("slug", gettext("The address '%(slug)s' is reserved: choose another.", slug=slug.strip())))
    else:
        try:
            validate_slug(session, slug)
        except ServiceError as exc:
            errors.append(("slug", str(exc)))
    if moderation_mode not in MODERATION_MODES:
        errors.append(("moderation_mode", gettext("Choose how comments are moderated.")))
    if opens_at and closes_at and closes_at <= opens_at:
        errors.append(("closes_at", gettext("The closing date must be after the opening date.")))
    elif publish and closes_at and closes_at <= (now or utcnow()):
        errors.append(("closes_at", gettext("The closing date has passed: published now, the "
                                            "consultation would be closed at once. Choose a later closing date, or "
                                            "save it as a draft.")))
    if files is not None:
        try:
            imported = import_document(files, images, skipped)
        except ServiceError as exc:
            errors.append((None, str(exc)))
        else:
            return ConsultationPreview(imported.document, errors, imported.report, imported.images.used)
    return ConsultationPreview(None, errors)


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
    images: ImageMap | None = None,
) -> Consultation:
    """Create a consultation with version 1 of its document and the images it shows (stored
    in the same transaction); nothing is stored on error."""
    slug = validate_slug(session, slug)
    if moderation_mode not in MODERATION_MODES:
        raise ServiceError(gettext("Unknown moderation mode '%(mode)s'.", mode=moderation_mode))
    if opens_at and closes_at and closes_at <= opens_at:
        raise ServiceError(gettext("The closing date must be after the opening date."))
    imported = import_document(files, images)
    document = imported.document
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
    store_version(session, consultation, 1, files, document, note="First published version.",
                  images=imported.images)
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
    images: Images | None = None,
) -> DocumentVersion:
    """Store a parsed document as the numbered version of a consultation, with its paragraphs
    and the images it shows (`images`: the resolver the document was parsed with)."""
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
            split_from=p.split_from,
        )
        for index, p in enumerate(document.paragraphs)
    )
    if images is not None:
        store_images(session, version, images)
    return version


def store_images(session: DbSession, version: DocumentVersion, images: Images) -> None:
    """Record the images a version shows; each image's bytes are stored once, by SHA-256, so
    a later version showing the same figure re-uses them."""
    alt: dict[str, str] = {}
    for use in images.uses:
        if use.image is not None:
            alt.setdefault(use.image.path, use.alt)
    added: set[str] = set()
    for image in images.used:
        if image.sha256 not in added and session.get(MediaFile, image.sha256) is None:
            session.add(MediaFile(sha256=image.sha256, media_type=image.media_type, size=len(image.data),
                                  width=image.width, height=image.height, data=image.data))
        added.add(image.sha256)
        session.add(VersionMedia(version=version, path=image.path[:500], sha256=image.sha256,
                                 alt=alt.get(image.path, "")))


def _jsonable(value: Any) -> Any:
    """Front matter may hold dates and other YAML types: keep what JSON can carry."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
