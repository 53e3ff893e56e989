"""Reading a consultation in the reader's language, with the other languages a click away.

The reader sees the document in their language when the consultation has it, else in the
main text's; either way the text carries its `lang`, and each paragraph offers its text in the
consultation's other languages beside it (a <details>: no JavaScript needed). The paragraph
keeps its anchor and number in every language, so its comments are the same.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from flask import Flask, has_request_context, request
from markupsafe import Markup, escape
from sqlalchemy import select

from consult.extensions import db
from consult.i18n import current_language, lazy_gettext
from consult.languages import service
from consult.languages.models import ConsultationLanguage
from consult.models import Consultation, DocumentVersion, Paragraph

# "Show in ..." for each language, in the reader's language.
SHOW_IN = {"en": lazy_gettext("Show in English"), "cy": lazy_gettext("Show in Welsh")}
# Said to a reader whose language the document is not in, by the reader's language.
NOT_AVAILABLE = {"en": lazy_gettext("This document is not available in English: it is shown in its main language."),
                 "cy": lazy_gettext("This document is not available in Welsh: it is shown in its main language.")}


@dataclass
class Shown:
    """A paragraph as the page shows it: the stored paragraph's fields, its text in the shown
    language, and its text in each other language of the consultation."""

    paragraph: Paragraph
    html: str
    text: str
    lang: str
    beside: list[tuple[str, str]] = field(default_factory=list)  # (language, html)

    def __getattr__(self, name: str):
        return getattr(self.__dict__["paragraph"], name)


T = TypeVar("T")


def _once_per_request(key: tuple, compute: Callable[[], T]) -> T:
    """A value computed once per request (a page asks for a consultation's languages in its
    header, its document and its scope); outside a request, every time."""
    if not has_request_context():
        return compute()
    memo = request.environ.setdefault("consult.languages", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _languages(consultation_id: int) -> list[str]:
    return _once_per_request(("languages", consultation_id),
                             lambda: service.languages_of(db.session, consultation_id))


@dataclass
class Reading:
    """Which language a version is shown in, and which others it has."""

    lang: str  # the language of the text shown
    main: str  # the language of the main text
    others: list[str]  # the version's other languages (besides the one shown)
    title: str

    @property
    def languages(self) -> list[str]:
        """Every language the version can be read in, the shown one first."""
        return [self.lang, *self.others]


def reading(version: DocumentVersion, language: str | None = None) -> Reading:
    """The language to show a version in for this reader (theirs if the version has it)."""
    language = language or current_language()
    return _once_per_request(("reading", version.id, language), lambda: _reading(version, language))


def _reading(version: DocumentVersion, language: str) -> Reading:
    main = _languages(version.consultation_id)[0]
    available = [main, *service.version_languages(db.session, version.id)]
    shown = language if language in available else main
    title = version.title if shown == main else service.version_title(db.session, version, shown)
    return Reading(shown, main, [code for code in available if code != shown], title)


def shown_paragraphs(version: DocumentVersion, paragraphs: Sequence[Paragraph],
                     read: Reading | None = None) -> list[Shown]:
    """The version's paragraphs in the reader's language, each with the others beside it."""
    read = read or reading(version)
    texts = {code: service.texts_for(db.session, version.id, code)
             for code in read.languages if code != read.main}

    def text_in(p: Paragraph, code: str) -> tuple[str, str]:
        row = texts.get(code, {}).get(p.id)
        return (row.html, row.text) if row is not None else (p.html, p.text)

    out = []
    for p in paragraphs:
        html, text = text_in(p, read.lang)
        out.append(Shown(p, html, text, read.lang, [(code, text_in(p, code)[0]) for code in read.others]))
    return out


def shown_paragraph(paragraph: Paragraph) -> Shown:
    """One paragraph (of any version) in the reader's language, for its own page."""
    version = db.session.get(DocumentVersion, paragraph.version_id)
    assert version is not None
    return shown_paragraphs(version, [paragraph])[0]


def consultation_languages(consultation: Consultation) -> list[str]:
    """The consultation's languages, the main text's first."""
    return _languages(consultation.id)


def main_lang(consultation: Consultation) -> str:
    """The language of the consultation's own texts (title, scope, main document)."""
    return _languages(consultation.id)[0]


def main_langs(consultations: Sequence[Consultation]) -> dict[int, str]:
    """Each listed consultation's main language by id, read in one query (a list of cards marks
    each title and summary with it); `main_lang` then answers from the same memo."""
    if not consultations:
        return {}
    memo: dict = request.environ.setdefault("consult.languages", {}) if has_request_context() else {}
    wanted = [c.id for c in consultations]
    missing = [i for i in wanted if ("languages", i) not in memo]
    if missing:
        found: dict[int, list[str]] = {}
        rows = db.session.execute(
            select(ConsultationLanguage.consultation_id, ConsultationLanguage.code)
            .where(ConsultationLanguage.consultation_id.in_(missing))
            .order_by(ConsultationLanguage.consultation_id, ConsultationLanguage.position))
        for consultation_id, code in rows:
            found.setdefault(consultation_id, []).append(code)
        for i in missing:
            memo[("languages", i)] = found.get(i) or [service.DEFAULT]
    return {i: memo[("languages", i)][0] for i in wanted}


def lang_text(text: str | None, code: str | None) -> Markup:
    """A text an official wrote, escaped, in a ``<span lang>`` when its language is not the
    page's (an English title in a Welsh sentence); as it is otherwise. For where an element of
    its own cannot carry `lang_attr`."""
    if not text:
        return Markup("")
    if not code or code == current_language():
        return escape(text)
    return Markup('<span lang="%s">%s</span>') % (code, text)


def init_app(app: Flask) -> None:
    """Give templates the reading helpers."""
    app.jinja_env.globals.update(shown_paragraph=shown_paragraph, language_reading=reading,
                                 consultation_languages=consultation_languages, main_lang=main_lang,
                                 main_langs=main_langs, lang_text=lang_text,
                                 language_label=service.language_label, in_language=service.in_language,
                                 show_in=SHOW_IN,
                                 not_available=NOT_AVAILABLE)
    app.jinja_env.filters["language_label"] = service.language_label  # (| language_name: a text's own name)
