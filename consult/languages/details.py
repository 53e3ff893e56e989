"""A consultation's own words in its other languages: summary, department and scope statement.

The main language's words stay on the consultation (edited with the rest of its details); each
other language has a `ConsultationText`. A reader whose language is one of the consultation's
other languages reads each field in it when written, else the main language's, marked with its
`lang` (`About`). The consultation cards read titles, departments and summaries the same way,
in one query per list (`cards`).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import func, select

from consult.extensions import db
from consult.i18n import current_language, gettext
from consult.languages import reading
from consult.languages.models import ConsultationText, VersionText
from consult.languages.responses import MAX_TEXT
from consult.languages.service import languages_of
from consult.models import Consultation, DocumentVersion
from moderation.db import DbSession

SCOPE_FIELDS = ("scope_about", "scope_open", "scope_closed", "scope_outcome", "response_expected")
FIELDS = ("summary", "department", *SCOPE_FIELDS)


# A field's longest text: the English column's length where it has one (department, when we will
# respond: the limits consult.consultations.editing.LIMITS gives, read from the model because
# languages may not import consultations), else the other-language texts' limit.
LIMITS = {name: getattr(Consultation.__table__.c[name].type, "length", None) or MAX_TEXT for name in FIELDS}


def text_in(session: DbSession, consultation_id: int, language: str) -> ConsultationText | None:
    """The consultation's words in one language, if any are written."""
    return session.scalar(select(ConsultationText).where(ConsultationText.consultation_id == consultation_id,
                                                         ConsultationText.language == language))


def problems(words: Mapping[str, str]) -> list[tuple[str, str]]:
    """(field, message) for each text that is too long (empty: none)."""
    return [(name, gettext("Keep it to %(limit)s characters or fewer.", limit=f"{LIMITS[name]:,}"))
            for name in FIELDS if len((words.get(name) or "").strip()) > LIMITS[name]]


def save(session: DbSession, consultation: Consultation, language: str, words: Mapping[str, str]) -> None:
    """Store the consultation's words in one of its other languages (a field left empty is
    read in the main language); raises ValueError for a language it is not offered in or a
    text that is too long."""
    if language not in languages_of(session, consultation.id)[1:]:
        raise ValueError(gettext("This consultation is not offered in that language."))
    if found := problems(words):
        raise ValueError(found[0][1])
    row = text_in(session, consultation.id, language)
    if row is None:
        row = ConsultationText(consultation_id=consultation.id, language=language)
        session.add(row)
    for name in FIELDS:
        setattr(row, name, (words.get(name) or "").replace("\x00", "").strip())


@dataclass(frozen=True)
class About:
    """The consultation's own words as one reader reads them: each field's text and the
    language it is in (the reader's when written in it, else the main language)."""

    texts: dict[str, str] = field(default_factory=dict)
    langs: dict[str, str] = field(default_factory=dict)

    def text(self, name: str) -> str:
        """The field's text as shown ("" when it has none in any language)."""
        return self.texts.get(name, "")

    def lang(self, name: str) -> str:
        """The language of the field's text as shown."""
        return self.langs[name]

    @property
    def has_scope(self) -> bool:
        """True when any part of the scope statement has a text."""
        return any(self.texts.get(name) for name in SCOPE_FIELDS)


def read_about(consultation: Consultation, row: ConsultationText | None, language: str, main: str) -> About:
    """Each field in `language` where `row` has it, else the consultation's own in `main`."""
    texts, langs = {}, {}
    for name in FIELDS:
        own = (getattr(row, name) or "") if row is not None else ""
        if own.strip():
            texts[name], langs[name] = own, language
        else:
            texts[name], langs[name] = getattr(consultation, name) or "", main
    return About(texts, langs)


def about(consultation: Consultation, language: str | None = None) -> About:
    """The consultation's summary, department and scope in the reader's language where written
    (for its page; once per request)."""
    language = language or current_language()

    def compute() -> About:
        codes = reading.consultation_languages(consultation)
        row = text_in(db.session, consultation.id, language) if language in codes[1:] else None
        return read_about(consultation, row, language, codes[0])

    return reading._once_per_request(("about", consultation.id, language), compute)


@dataclass(frozen=True)
class Card:
    """A consultation's card as one reader reads it: its title (and language) and `about`."""

    title: str
    title_lang: str
    about: About


def cards(consultations: Sequence[Consultation], language: str | None = None) -> dict[int, Card]:
    """Each listed consultation's card texts by id: in the reader's language where the
    consultation is offered in it (the current version's title, and its words where written),
    else in its main language. Two queries for the whole list, none for an English-only one."""
    language = language or current_language()
    mains = reading.main_langs(consultations)
    wanted = [c.id for c in consultations if language in reading.consultation_languages(c)[1:]]
    titles: dict[int, str] = {}
    rows: dict[int, ConsultationText] = {}
    if wanted:
        latest = (select(DocumentVersion.consultation_id, func.max(DocumentVersion.number).label("number"))
                  .where(DocumentVersion.consultation_id.in_(wanted))
                  .group_by(DocumentVersion.consultation_id).subquery())
        titles = {consultation_id: title for consultation_id, title in db.session.execute(
            select(DocumentVersion.consultation_id, VersionText.title)
            .join(latest, (latest.c.consultation_id == DocumentVersion.consultation_id)
                  & (latest.c.number == DocumentVersion.number))
            .join(VersionText, VersionText.version_id == DocumentVersion.id)
            .where(VersionText.language == language))}
        rows = {row.consultation_id: row for row in db.session.scalars(select(ConsultationText).where(
            ConsultationText.consultation_id.in_(wanted), ConsultationText.language == language))}
    out = {}
    for c in consultations:
        main = mains[c.id]
        title = titles.get(c.id)
        out[c.id] = Card(title or c.title, language if title else main,
                         read_about(c, rows.get(c.id), language, main))
    return out


def init_app(app: Flask) -> None:
    """Give templates the consultation's words in the reader's language."""
    app.jinja_env.globals.update(consultation_about=about, consultation_cards=cards)
