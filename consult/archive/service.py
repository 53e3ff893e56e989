"""The public archive: listing consultations, open data downloads, Atom feeds and API records.

Everything here is read-only and shows only what the public may see: consultations past draft,
published comments (with redactions applied), and published responses. Nothing here ever reads
an email address; a commenter's name is published only when they chose to show it.
"""
from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree as ET

from sqlalchemy import and_, extract, func, or_, select
from sqlalchemy.orm import Session

from consult.models import (
    THEME_OUTCOMES,
    Comment,
    CommentStatus,
    Consultation,
    DocumentVersion,
    Paragraph,
    Response,
    ResponseCorrection,
    Status,
    Theme,
    ThemeComment,
    ThemeParagraph,
    User,
    utcnow,
)
from consult.text import whole_number

PUBLIC_STATUSES = ("open", "upcoming", "closed", "responded", "archived")
SORTS = {"closing": "Closing date", "newest": "Newest", "title": "Title"}
PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
BATCH = 1000
CLOSING_SOON = timedelta(days=14)
FEED_LENGTH = 50
# Slugs are 3-80 lower-case letters, digits and hyphens; anything else cannot exist, and a
# value the database cannot even compare (a NUL byte on PostgreSQL) must never reach it.
SLUG_SHAPE = re.compile(r"^[a-z0-9-]{1,80}$")
MAX_INT = 2**31 - 1
ANONYMOUS = "a member of the public"
FORMER = "a former participant"
CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START = frozenset(CSV_DANGEROUS)  # all one character, so a set lookup of the first
# Downloads are sent in pieces of about this many characters: one write per comment would
# cost a system call (and, behind gunicorn, a socket send) for each of 100,000 lines.
CHUNK = 64 * 1024
CSV_COLUMNS = ("comment_id", "consultation", "version", "paragraph_anchor", "paragraph_number",
               "paragraph_text", "reply_to", "comment", "stance", "respondent_type",
               "organisation", "name", "published_at", "themes", "outcomes")
ATOM = "http://www.w3.org/2005/Atom"


class ArchiveError(ValueError):
    """A request the archive refuses, with a plain message and an HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# --- consultations --------------------------------------------------------------------------

def plausible_slug(slug: str) -> bool:
    """True when a string could be a slug (so it is safe and worth looking up)."""
    return bool(SLUG_SHAPE.match(slug or ""))


def public_consultation(session: Session, slug: str) -> Consultation | None:
    """The consultation at this slug if the public may see it (past draft), else None."""
    if not plausible_slug(slug):
        return None
    consultation = session.scalar(select(Consultation).where(Consultation.slug == slug))
    if consultation is None or consultation.published_at is None:
        return None
    return consultation


def status_condition(status: str, now: datetime):
    """A SQL condition matching consultations whose status_at(now) is `status`."""
    not_done = and_(Consultation.archived_at.is_(None), Consultation.responded_at.is_(None),
                    Consultation.published_at.is_not(None))
    started = or_(Consultation.opens_at.is_(None), Consultation.opens_at <= now)
    if status == Status.ARCHIVED.value:
        return Consultation.archived_at.is_not(None)
    if status == Status.RESPONDED.value:
        return and_(Consultation.archived_at.is_(None), Consultation.responded_at.is_not(None))
    if status == Status.UPCOMING.value:
        return and_(not_done, Consultation.opens_at > now)
    if status == Status.CLOSED.value:
        return and_(not_done, started, Consultation.closes_at <= now)
    if status == Status.OPEN.value:
        return and_(not_done, started,
                    or_(Consultation.closes_at.is_(None), Consultation.closes_at > now))
    raise ArchiveError(f"Unknown status '{status}': choose one of {', '.join(PUBLIC_STATUSES)}.")


def slugs_with_status(session: Session, status: str, now: datetime | None = None) -> tuple[str, ...]:
    """The slugs of public consultations with this status (for filtering search results)."""
    now = now or utcnow()
    return tuple(session.scalars(select(Consultation.slug).where(
        Consultation.published_at.is_not(None), status_condition(status, now))))


def _year_of():
    return func.coalesce(Consultation.closes_at, Consultation.published_at)


@dataclass
class ArchivePage:
    """One page of the archive, with what the filters may offer."""

    consultations: list[Consultation]
    total: int
    page: int
    per_page: int
    pages: int
    departments: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)


def parse_page(value: str | None, default: int = 1) -> int:
    """A page number from the query string; refuses anything but a positive whole number."""
    if value in (None, ""):
        return default
    number = whole_number(value)
    if number is None or number < 1:
        raise ArchiveError(f"'{value[:20]}' is not a page number: pages are numbered from 1.", 400)
    return number


# English month names, not calendar.month_name: that follows the server's locale.
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
DATE_EXAMPLE = "31 January 2024"
_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})")
_MONTH_DAY_YEAR = re.compile(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")
_NUMERIC_DAY = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")


def _month(word: str) -> int | None:
    if len(word) < 3:
        return None
    return next((n for n, name in enumerate(_MONTHS, 1) if name.startswith(word)), None)


class DateError(ArchiveError):
    """A date typed in a form that cannot be read; `field` names the form field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message, 400)
        self.field = field


def parse_day(value: str | None, label: str, field: str = "") -> datetime | None:
    """A date from a form: what a date picker sends (2024-01-31) or what a person types
    (31 January 2024, 31 Jan 2024, January 31, 2024, 31/01/2024); refuses the rest, saying why."""
    text = " ".join((value or "").split()).lower()
    if not text:
        return None
    shown = " ".join((value or "").split())[:30]
    numbers: tuple[int, int, int] | None = None  # (year, month, day)
    if match := _ISO_DAY.fullmatch(text):
        numbers = (int(match[1]), int(match[2]), int(match[3]))
    elif (match := _DAY_MONTH_YEAR.fullmatch(text)) and _month(match[2]):
        numbers = (int(match[3]), _month(match[2]) or 0, int(match[1]))
    elif (match := _MONTH_DAY_YEAR.fullmatch(text)) and _month(match[1]):
        numbers = (int(match[3]), _month(match[1]) or 0, int(match[2]))
    elif match := _NUMERIC_DAY.fullmatch(text):
        first, second = int(match[1]), int(match[2])
        # Browsers show the date picker as dd/mm/yyyy or mm/dd/yyyy depending on the locale,
        # so 02/03/2024 could mean either: only a day above 12 says which is which.
        if first != second and 1 <= first <= 12 and 1 <= second <= 12:
            raise DateError(
                f"{label}: “{shown}” could be {first} {_MONTHS[second - 1].title()} or "
                f"{second} {_MONTHS[first - 1].title()}: write the month as a word, for example "
                f"{DATE_EXAMPLE}.", field)
        day, month = (first, second) if second <= 12 else (second, first)
        numbers = (int(match[3]), month, day)
    if numbers is None:
        raise DateError(f"{label}: “{shown}” is not a date: use the date picker, or "
                        f"type a date such as {DATE_EXAMPLE}.", field)
    year, month, day = numbers
    try:
        return datetime(year, month, day)
    except ValueError:
        if not 1 <= month <= 12:
            reason = f"there is no month {month}"
        else:
            reason = f"there is no {day} {_MONTHS[month - 1].title()} {year}"
        raise DateError(f"{label}: “{shown}” does not exist: {reason}. Check the day "
                        "and the month.", field) from None


def date_range(date_from: str | None, date_to: str | None) -> tuple[datetime | None, datetime | None]:
    """The search form's dates: the whole 'to' day is included; 'from' after 'to' is refused."""
    start = parse_day(date_from, "From date", "from")
    end = parse_day(date_to, "To date", "to")
    if end is not None:
        end = end.replace(hour=23, minute=59, second=59)
    if start and end and start > end:
        raise DateError("The 'from' date is after the 'to' date.", "to")
    return start, end


def shown_day(value: str | None) -> str:
    """What a date control can show for a typed date: 2024-01-31, or nothing if unreadable."""
    try:
        day = parse_day(value, "")
    except DateError:
        return ""
    return day.date().isoformat() if day else ""


def parse_per_page(value: str | None, default: int = PER_PAGE) -> int:
    """A page size; absurdly large sizes are capped rather than refused."""
    if value in (None, ""):
        return default
    # ASCII digits only (str.isdigit() is also true of "²"), of any length: a long one is capped.
    if not re.fullmatch(r"[0-9]+", value) or not value.strip("0"):
        raise ArchiveError(f"'{value[:20]}' is not a page size: use a number from 1 to {MAX_PER_PAGE}.")
    number = whole_number(value.lstrip("0"))
    return min(MAX_PER_PAGE if number is None else number, MAX_PER_PAGE)


def archive_page(session: Session, *, status: str | None = None, department: str | None = None,
                 year: int | None = None, sort: str = "closing", page: int = 1,
                 per_page: int = PER_PAGE, now: datetime | None = None) -> ArchivePage:
    """Public consultations filtered and sorted; a page past the end is an ArchiveError (404)."""
    now = now or utcnow()
    if sort not in SORTS:
        raise ArchiveError(f"Unknown order '{sort}': choose one of {', '.join(SORTS)}.")
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    conditions = [Consultation.published_at.is_not(None)]
    if status:
        conditions.append(status_condition(status, now))
    if department:
        conditions.append(Consultation.department == department)
    if year is not None:
        if not 1900 <= year <= 9999:
            raise ArchiveError(f"{year} is not a year we hold consultations for.")
        conditions.append(_year_of() >= datetime(year, 1, 1))
        if year < 9999:
            conditions.append(_year_of() < datetime(year + 1, 1, 1))
    total = session.scalar(select(func.count()).select_from(Consultation).where(*conditions)) or 0
    pages = max(1, (total + per_page - 1) // per_page)
    if page < 1 or page > pages:
        raise ArchiveError(f"There is no page {page}: this list has {pages} page{'s' if pages != 1 else ''}.",
                           404)
    order = {
        "closing": (Consultation.closes_at.desc().nulls_last(), Consultation.id.desc()),
        "newest": (Consultation.published_at.desc(), Consultation.id.desc()),
        "title": (Consultation.title.asc(), Consultation.id.asc()),
    }[sort]
    consultations = list(session.scalars(select(Consultation).where(*conditions).order_by(*order)
                                         .limit(per_page).offset((page - 1) * per_page)))
    public = Consultation.published_at.is_not(None)
    departments = sorted(d for d in session.scalars(
        select(Consultation.department).where(public).distinct()) if d)
    years = sorted({int(y) for y in session.scalars(
        select(extract("year", _year_of())).where(public).distinct()) if y is not None}, reverse=True)
    return ArchivePage(consultations, total, page, per_page, pages, departments, years)


def consultation_choices(session: Session) -> list[tuple[str, str]]:
    """(slug, title) of every public consultation, by title: the search form's choice.

    All of them, however many (a page of the archive stops at MAX_PER_PAGE), and one small
    query rather than the archive page's four over whole rows.
    """
    return [tuple(row) for row in session.execute(
        select(Consultation.slug, Consultation.title)
        .where(Consultation.published_at.is_not(None))
        .order_by(Consultation.title, Consultation.id))]


@dataclass
class HomePage:
    """What the home page shows: open now, closing soon, and how many are in the archive."""

    open_now: list[Consultation]
    closing_soon: list[Consultation]
    upcoming: list[Consultation]
    recent: list[Consultation]
    archived_total: int


def home(session: Session, now: datetime | None = None, limit: int = 20) -> HomePage:
    """Open consultations split into closing soon and the rest, the upcoming and recently closed."""
    now = now or utcnow()
    open_ones = list(session.scalars(
        select(Consultation).where(status_condition("open", now))
        .order_by(Consultation.closes_at.asc().nulls_last(), Consultation.id.desc()).limit(limit * 2)))
    soon = [c for c in open_ones if c.closes_at is not None and c.closes_at <= now + CLOSING_SOON]
    rest = [c for c in open_ones if c not in soon][:limit]
    upcoming = list(session.scalars(
        select(Consultation).where(status_condition("upcoming", now))
        .order_by(Consultation.opens_at.asc(), Consultation.id).limit(limit)))
    recent = list(session.scalars(
        select(Consultation).where(or_(status_condition("closed", now), status_condition("responded", now)))
        .order_by(Consultation.closes_at.desc().nulls_last(), Consultation.id.desc()).limit(5)))
    total = session.scalar(select(func.count()).select_from(Consultation)
                           .where(Consultation.published_at.is_not(None))) or 0
    return HomePage(rest, soon[:limit], upcoming, recent, total)


# --- published comments as records ------------------------------------------------------------

def public_name(display_name: str | None, show_name: bool, deleted_at: datetime | None) -> str:
    """The name published with a comment: the display name only if its author chose to show it."""
    if deleted_at is not None:
        return FORMER
    return (display_name or ANONYMOUS) if show_name else ANONYMOUS


def iso(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 with a Z."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"


def response_is_published(session: Session, consultation_id: int) -> bool:
    """True when the consultation's response is public (themes are drafts until then)."""
    return session.scalar(select(Response.id).where(Response.consultation_id == consultation_id,
                                                    Response.published_at.is_not(None))) is not None


def _themes_by_comment(session: Session, comment_ids: Sequence[int]) -> dict[int, list[Theme]]:
    found: dict[int, list[Theme]] = {}
    if not comment_ids:
        return found
    rows = session.execute(
        select(ThemeComment.comment_id, Theme).join(Theme, Theme.id == ThemeComment.theme_id)
        .where(ThemeComment.comment_id.in_(list(comment_ids)), Theme.merged_into_id.is_(None))
        .order_by(Theme.position, Theme.id))
    for comment_id, theme in rows:
        found.setdefault(comment_id, []).append(theme)
    return found


_COMMENT_COLUMNS = (Comment.id, Comment.anchor, Comment.paragraph_number, Comment.paragraph_text,
                    Comment.parent_id, Comment.body, Comment.stance, Comment.respondent_type,
                    Comment.organisation, Comment.show_name, Comment.published_at,
                    Comment.created_at, DocumentVersion.number, User.display_name, User.deleted_at)


def _comment_query(consultation_id: int):
    return (select(*_COMMENT_COLUMNS)
            .join(DocumentVersion, DocumentVersion.id == Comment.version_id)
            .join(User, User.id == Comment.author_id)
            .where(Comment.consultation_id == consultation_id,
                   Comment.status == CommentStatus.PUBLISHED.value))


def _records(session: Session, rows, slug: str, with_themes: bool) -> list[dict]:
    themes = _themes_by_comment(session, [r[0] for r in rows]) if with_themes else {}
    records = []
    for (cid, anchor, number, paragraph_text, parent_id, body, stance, respondent_type,
         organisation, show_name, published_at, created_at, version, display_name, deleted_at) in rows:
        counted = themes.get(cid, [])
        records.append({
            "id": cid,
            "consultation": slug,
            "version": version,
            "paragraph_anchor": anchor,
            "paragraph_number": number,
            "paragraph_text": paragraph_text,
            "reply_to": parent_id,
            "comment": body,
            "stance": stance,
            "respondent_type": respondent_type,
            "organisation": organisation if respondent_type == "organisation" else None,
            "name": public_name(display_name, show_name, deleted_at),
            "published_at": iso(published_at or created_at),
            "themes": [t.title for t in counted],
            "outcomes": [THEME_OUTCOMES.get(t.outcome or "", "No outcome yet") for t in counted],
        })
    return records


def _record_batches(session: Session, consultation: Consultation, batch: int = BATCH) -> Iterator[list[dict]]:
    """Every published comment as plain records, a keyset batch at a time (constant memory)."""
    with_themes = response_is_published(session, consultation.id)
    after = 0
    while True:
        rows = session.execute(_comment_query(consultation.id).where(Comment.id > after)
                               .order_by(Comment.id).limit(batch)).all()
        if not rows:
            return
        yield _records(session, rows, consultation.slug, with_themes)
        after = rows[-1][0]
        if len(rows) < batch:
            return


def iter_published_comments(session: Session, consultation: Consultation,
                            batch: int = BATCH) -> Iterator[dict]:
    """Every published comment as a plain record, read in keyset batches (constant memory)."""
    for records in _record_batches(session, consultation, batch):
        yield from records


def encode_cursor(comment_id: int) -> str:
    """An opaque page cursor for the comments API."""
    return base64.urlsafe_b64encode(f"c:{comment_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The comment id behind a cursor; anything we did not issue is an ArchiveError (400)."""
    if cursor in (None, ""):
        return None
    bad = ArchiveError("That cursor is not valid: use the next_cursor value from a previous page, "
                       "or leave it out to start at the beginning.")
    if len(cursor) > 40:
        raise bad
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    kind, _, number = text.partition(":")
    comment_id = whole_number(number, 18)
    if kind != "c" or comment_id is None or encode_cursor(comment_id) != cursor:
        raise bad
    return comment_id


def comments_page(session: Session, consultation: Consultation, cursor: str | None,
                  limit: int = PER_PAGE) -> tuple[list[dict], str | None]:
    """A page of published comments, oldest first, and the cursor for the next page."""
    after = decode_cursor(cursor) or 0
    limit = max(1, min(limit, MAX_PER_PAGE))
    rows = session.execute(_comment_query(consultation.id).where(Comment.id > after)
                           .order_by(Comment.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    records = _records(session, rows, consultation.slug, response_is_published(session, consultation.id))
    return records, (encode_cursor(rows[-1][0]) if more else None)


# --- CSV and JSON downloads --------------------------------------------------------------------

def csv_safe(value) -> str:
    """A cell that a spreadsheet will show as text, never run as a formula."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(value)
    text = str(value)
    if text[:1] in _FORMULA_START:
        return "'" + text
    return text


def licence_note(consultation: Consultation, licence_name: str, licence_url: str) -> str:
    """The sentence naming the licence the data is published under."""
    return (f"Published comments on \u201c{consultation.title}\u201d, made available under the "
            f"{licence_name} ({licence_url}). Names are shown only where commenters chose to show "
            "them; no email addresses or other personal data are included.")


def comments_csv(session: Session, consultation: Consultation) -> Iterator[str]:
    """The published comments as CSV text, the column names first, in pieces of about CHUNK."""
    buffer = io.StringIO()  # reused: emptied after each piece is taken
    writer = csv.writer(buffer, lineterminator="\r\n")
    keys = tuple("id" if c == "comment_id" else c for c in CSV_COLUMNS)

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    # Line 1 is the header, as pandas, R and spreadsheets expect: the licence travels in the
    # response's Link header and the JSON download's metadata, not in a row of the data.
    writer.writerow(CSV_COLUMNS)
    yield take()  # the download starts at once, before the first query
    for records in _record_batches(session, consultation, BATCH):
        writer.writerows([csv_safe(record[k]) for k in keys] for record in records)
        if buffer.tell() >= CHUNK:
            yield take()
    if buffer.tell():
        yield take()


def comments_json(session: Session, consultation: Consultation, licence_name: str,
                  licence_url: str) -> Iterator[str]:
    """The published comments as one JSON document, produced piece by piece."""
    head = {
        "licence": {"name": licence_name, "url": licence_url,
                    "note": licence_note(consultation, licence_name, licence_url)},
        "consultation": {"slug": consultation.slug, "title": consultation.title,
                         "department": consultation.department,
                         "status": consultation.status.value},
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "comments": ['
    separator = "\n"
    for records in _record_batches(session, consultation, BATCH):  # a piece per batch of comments
        yield separator + ",\n".join(json.dumps(record, ensure_ascii=False) for record in records)
        separator = ",\n"
    yield "\n]}\n"


# --- feeds -------------------------------------------------------------------------------------

@dataclass
class FeedEntry:
    """One Atom entry."""

    id: str
    title: str
    updated: datetime
    link: str
    summary: str = ""
    author: str | None = None


def latest_consultations(session: Session, limit: int = FEED_LENGTH) -> list[Consultation]:
    """The most recently published consultations."""
    return list(session.scalars(select(Consultation).where(Consultation.published_at.is_not(None))
                                .order_by(Consultation.published_at.desc(), Consultation.id.desc())
                                .limit(limit)))


def latest_responses(session: Session, limit: int = FEED_LENGTH) -> list[tuple[Response, Consultation]]:
    """The most recently published responses with their consultations."""
    return list(session.execute(
        select(Response, Consultation).join(Consultation, Consultation.id == Response.consultation_id)
        .where(Response.published_at.is_not(None))
        .order_by(Response.published_at.desc(), Response.id.desc()).limit(limit)).all())


def latest_comments(session: Session, consultation: Consultation, limit: int = FEED_LENGTH) -> list[dict]:
    """The most recently published comments of a consultation, as records."""
    rows = session.execute(_comment_query(consultation.id)
                           .order_by(func.coalesce(Comment.published_at, Comment.created_at).desc(),
                                     Comment.id.desc()).limit(limit)).all()
    return _records(session, rows, consultation.slug, False)


def _atom_time(value: datetime) -> str:
    return value.replace(tzinfo=timezone.utc, microsecond=0).isoformat().replace("+00:00", "Z")


def atom_feed(*, feed_id: str, title: str, self_url: str, alternate_url: str, author: str,
              entries: Sequence[FeedEntry], updated: datetime | None = None) -> bytes:
    """A valid Atom 1.0 document (RFC 4287), escaped by ElementTree."""
    ET.register_namespace("", ATOM)

    def sub(parent, tag, text=None, **attrs):
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = _xml_text(text)
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "id", feed_id)
    sub(feed, "title", title)
    newest = max((e.updated for e in entries), default=None) or updated or datetime(2000, 1, 1)
    sub(feed, "updated", _atom_time(newest))
    sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    sub(feed, "link", rel="alternate", type="text/html", href=alternate_url)
    sub(sub(feed, "author"), "name", author)
    for e in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", e.id)
        sub(entry, "title", e.title)
        sub(entry, "updated", _atom_time(e.updated))
        sub(entry, "link", rel="alternate", type="text/html", href=e.link)
        if e.author:
            sub(sub(entry, "author"), "name", e.author)
        if e.summary:
            sub(entry, "summary", e.summary, type="text")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8",
                                                                      xml_declaration=False)


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: str) -> str:
    # XML 1.0 cannot carry most control characters, even escaped.
    return _XML_BAD.sub("", str(value))


# --- API records -------------------------------------------------------------------------------

def consultation_record(session: Session, consultation: Consultation) -> dict:
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


def consultations_page(session: Session, *, status: str | None, page: int, per_page: int,
                       now: datetime | None = None) -> tuple[list[dict], ArchivePage]:
    """A page of public consultations as API records, newest first."""
    result = archive_page(session, status=status, sort="newest", page=page, per_page=per_page, now=now)
    return [consultation_record(session, c) for c in result.consultations], result


def versions_of(session: Session, consultation: Consultation) -> list[dict]:
    """Every version of a consultation's document, with its paragraph count."""
    counts = dict(session.execute(
        select(Paragraph.version_id, func.count()).join(DocumentVersion)
        .where(DocumentVersion.consultation_id == consultation.id).group_by(Paragraph.version_id)).all())
    return [{"number": v.number, "title": v.title, "note": v.note, "created_at": iso(v.created_at),
             "paragraphs": counts.get(v.id, 0)}
            for v in session.scalars(select(DocumentVersion)
                                     .where(DocumentVersion.consultation_id == consultation.id)
                                     .order_by(DocumentVersion.number))]


def version_record(session: Session, consultation: Consultation, number: int) -> dict:
    """One version with its paragraphs in reading order; ArchiveError (404) if there is none."""
    version = None
    if 1 <= number <= MAX_INT:
        version = session.scalar(select(DocumentVersion).where(
            DocumentVersion.consultation_id == consultation.id, DocumentVersion.number == number))
    if version is None:
        raise ArchiveError(f"The consultation '{consultation.slug}' has no version {number}.", 404)
    paragraphs = session.scalars(select(Paragraph).where(Paragraph.version_id == version.id)
                                 .order_by(Paragraph.position))
    return {"number": version.number, "title": version.title, "note": version.note,
            "created_at": iso(version.created_at),
            "paragraphs": [{"anchor": p.anchor, "number": p.number, "kind": p.kind, "text": p.text,
                            "html": p.html} for p in paragraphs]}


def _published_response(session: Session, consultation: Consultation) -> Response:
    response = session.scalar(select(Response).where(Response.consultation_id == consultation.id))
    if response is None or response.published_at is None:
        raise ArchiveError(f"The consultation '{consultation.slug}' has no published response yet.", 404)
    return response


def themes_record(session: Session, consultation: Consultation) -> list[dict]:
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


def response_record(session: Session, consultation: Consultation) -> dict:
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
