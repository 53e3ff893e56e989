"""The public archive: finding consultations (filters, dates, pages) and the home page."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from babel.dates import get_month_names
from sqlalchemy import ColumnElement, UnaryExpression, and_, extract, func, or_, select

from consult.i18n import current_language, gettext, ngettext
from consult.models import (
    Consultation,
    Status,
    utcnow,
)
from consult.text import whole_number
from moderation.db import DbSession

PUBLIC_STATUSES = ("open", "upcoming", "closed", "responded", "archived")
SORTS = {"closing": "Closing date", "newest": "Newest", "title": "Title"}
PER_PAGE = 20
MAX_PER_PAGE = 100
CLOSING_SOON = timedelta(days=14)
# Slugs are 3-80 lower-case letters, digits and hyphens; anything else cannot exist, and a
# value the database cannot even compare (a NUL byte on PostgreSQL) must never reach it.
SLUG_SHAPE = re.compile(r"^[a-z0-9-]{1,80}$")
MAX_INT = 2**31 - 1


class ArchiveError(ValueError):
    """A request the archive refuses, with a plain message and an HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def plausible_slug(slug: str) -> bool:
    """True when a string could be a slug (so it is safe and worth looking up)."""
    return bool(SLUG_SHAPE.match(slug or ""))


def public_consultation(session: DbSession, slug: str) -> Consultation | None:
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
    raise ArchiveError(gettext("Unknown status '%(status)s': choose one of %(statuses)s.", status=status,
                               statuses=", ".join(PUBLIC_STATUSES)))


def filter_condition(status: str, now: datetime):
    """A SQL condition for the archive's, search's and API's status filter.

    "closed" is every consultation no longer taking comments, whatever came after: closed and
    awaiting a response, responded, archived (a reader choosing "Closed" means finished, and the
    home page's "Recently closed" lists the responded ones too). "responded" is every one whose
    response is published, archived or not. The others are exactly that status.
    """
    if status == Status.CLOSED.value:
        return or_(Consultation.archived_at.is_not(None), Consultation.responded_at.is_not(None),
                   status_condition(status, now))
    if status == Status.RESPONDED.value:
        return Consultation.responded_at.is_not(None)
    return status_condition(status, now)


def slugs_with_status(session: DbSession, status: str, now: datetime | None = None) -> tuple[str, ...]:
    """The slugs of public consultations the status filter keeps (for filtering search results)."""
    now = now or utcnow()
    return tuple(session.scalars(select(Consultation.slug).where(
        Consultation.published_at.is_not(None), filter_condition(status, now))))


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
    if number is None and re.fullmatch(r"[0-9]+", value) and value.strip("0"):
        # A page number, only too large to exist (walkthrough: "not a page number" was wrong).
        raise ArchiveError(gettext("There is no page %(value)s.", value=value[:20] + ("…" if len(value) > 20 else "")),
                           404)
    if number is None or number < 1:
        raise ArchiveError(gettext("'%(value)s' is not a page number: pages are numbered from 1.",
                                   value=value[:20]), 400)
    return number


# English month names, not calendar.month_name: that follows the server's locale. A date typed
# on a page in another language may also name the month in that language (Babel's names).
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")


@lru_cache(maxsize=8)
def _month_names(language: str) -> tuple[str, ...]:
    """The twelve months' names in a language, January first (Babel's, read once)."""
    names = get_month_names("wide", locale=language)
    return tuple(names[n] for n in range(1, 13))


def _month_name(number: int) -> str:
    """A month's name in the reader's language ('February', 'Chwefror')."""
    return _month_names(current_language())[number - 1]


def date_example() -> str:
    """A date as a person may type it, in the reader's language: '31 January 2024'."""
    return f"31 {_month_name(1)} 2024"


_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})")


_MONTH_DAY_YEAR = re.compile(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")


_NUMERIC_DAY = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")


def _month(word: str) -> int | None:
    """The month a word (three letters or more) begins the name of, in English or the reader's
    language (one the two agree on, where both name one)."""
    if len(word) < 3:
        return None
    english = next((n for n, name in enumerate(_MONTHS, 1) if name.startswith(word)), None)
    local = next((n for n, name in enumerate(_month_names(current_language()), 1)
                  if name.lower().startswith(word)), None)
    if english is None or local in (None, english):
        return english or local
    return None  # the two languages name different months: neither is meant for sure


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
    elif (match := _DAY_MONTH_YEAR.fullmatch(text)) and (month := _month(match[2])):
        numbers = (int(match[3]), month, int(match[1]))
    elif (match := _MONTH_DAY_YEAR.fullmatch(text)) and (month := _month(match[1])):
        numbers = (int(match[3]), month, int(match[2]))
    elif match := _NUMERIC_DAY.fullmatch(text):
        first, second = int(match[1]), int(match[2])
        # Browsers show the date picker as dd/mm/yyyy or mm/dd/yyyy depending on the locale,
        # so 02/03/2024 could mean either: only a day above 12 says which is which.
        if first != second and 1 <= first <= 12 and 1 <= second <= 12:
            raise DateError(gettext(
                "%(label)s: “%(text)s” could be %(one)s or %(other)s: write the month as a word, for "
                "example %(example)s.", label=label, text=shown, one=f"{first} {_month_name(second)}",
                other=f"{second} {_month_name(first)}", example=date_example()), field)
        day, month = (first, second) if second <= 12 else (second, first)
        numbers = (int(match[3]), month, day)
    if numbers is None:
        raise DateError(gettext("%(label)s: “%(text)s” is not a date: use the date picker, or type a "
                                "date such as %(example)s.", label=label, text=shown,
                                example=date_example()), field)
    year, month, day = numbers
    try:
        return datetime(year, month, day)
    except ValueError:
        if not 1 <= month <= 12:
            message = gettext("%(label)s: “%(text)s” does not exist: there is no month %(month)s. Check "
                              "the day and the month.", label=label, text=shown, month=month)
        else:
            message = gettext("%(label)s: “%(text)s” does not exist: there is no %(date)s. Check the day "
                              "and the month.", label=label, text=shown,
                              date=f"{day} {_month_name(month)} {year}")
        raise DateError(message, field) from None


def date_range(date_from: str | None, date_to: str | None) -> tuple[datetime | None, datetime | None]:
    """The search form's dates: the whole 'to' day is included; 'from' after 'to' is refused."""
    start = parse_day(date_from, gettext("From date"), "from")
    end = parse_day(date_to, gettext("To date"), "to")
    if end is not None:
        end = end.replace(hour=23, minute=59, second=59)
    if start and end and start > end:
        raise DateError(gettext("The 'from' date is after the 'to' date."), "to")
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
        raise ArchiveError(gettext("'%(value)s' is not a page size: use a number from 1 to %(limit)s.",
                                   value=value[:20], limit=MAX_PER_PAGE))
    number = whole_number(value.lstrip("0"))
    return min(MAX_PER_PAGE if number is None else number, MAX_PER_PAGE)


def archive_page(session: DbSession, *, status: str | None = None, department: str | None = None,
                 year: int | None = None, sort: str = "closing", page: int = 1,
                 per_page: int = PER_PAGE, now: datetime | None = None) -> ArchivePage:
    """Public consultations filtered (status as filter_condition) and sorted; a page past the end
    is an ArchiveError (404)."""
    now = now or utcnow()
    if sort not in SORTS:
        raise ArchiveError(gettext("Unknown order '%(sort)s': choose one of %(sorts)s.", sort=sort,
                                   sorts=", ".join(SORTS)))
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    conditions: list[ColumnElement[bool]] = [Consultation.published_at.is_not(None)]
    if status:
        conditions.append(filter_condition(status, now))
    if department:
        conditions.append(Consultation.department == department)
    if year is not None:
        if not 1900 <= year <= 9999:
            raise ArchiveError(gettext("%(year)s is not a year we hold consultations for.", year=year))
        conditions.append(_year_of() >= datetime(year, 1, 1))
        if year < 9999:
            conditions.append(_year_of() < datetime(year + 1, 1, 1))
    total = session.scalar(select(func.count()).select_from(Consultation).where(*conditions)) or 0
    pages = max(1, (total + per_page - 1) // per_page)
    if page < 1 or page > pages:
        raise ArchiveError(ngettext("There is no page %(page)s: this list has %(num)s page.",
                                    "There is no page %(page)s: this list has %(num)s pages.", pages, page=page),
                           404)
    orders: dict[str, tuple[UnaryExpression[Any], ...]] = {
        "closing": (Consultation.closes_at.desc().nulls_last(), Consultation.id.desc()),
        "newest": (Consultation.published_at.desc(), Consultation.id.desc()),
        "title": (Consultation.title.asc(), Consultation.id.asc()),
    }
    order = orders[sort]
    consultations = list(session.scalars(select(Consultation).where(*conditions).order_by(*order)
                                         .limit(per_page).offset((page - 1) * per_page)))
    public = Consultation.published_at.is_not(None)
    departments = sorted(d for d in session.scalars(
        select(Consultation.department).where(public).distinct()) if d)
    years = sorted({int(y) for y in session.scalars(
        select(extract("year", _year_of())).where(public).distinct()) if y is not None}, reverse=True)
    return ArchivePage(consultations, total, page, per_page, pages, departments, years)


def public_consultations(session: DbSession) -> list[Consultation]:
    """Every public consultation, by title, in one query: the search form's choice (all of
    them, however many: a page of the archive stops at MAX_PER_PAGE) and the titles of the
    consultations its hits are in."""
    return list(session.scalars(select(Consultation).where(Consultation.published_at.is_not(None))
                                .order_by(Consultation.title, Consultation.id)))


@dataclass
class HomePage:
    """What the home page shows: open now, closing soon, and how many are in the archive."""

    open_now: list[Consultation]
    closing_soon: list[Consultation]
    upcoming: list[Consultation]
    recent: list[Consultation]
    archived_total: int


def home(session: DbSession, now: datetime | None = None, limit: int = 20) -> HomePage:
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
