"""The response in every language of the consultation: its texts, and what is still missing.

The main language's texts stay on the response and its themes; each other language has a
`ResponseText` (summary, next steps) and a `ThemeText` per theme (title, what people said, the
department's reasons). Publishing is refused until each is there (`missing`), and the public
page shows the reader's language (`localised`). Themes are passed in, so this module does not
depend on consult.responses, which depends on it.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select

from consult.i18n import gettext
from consult.languages.models import ResponseText, ThemeText
from consult.languages.service import in_language, languages_of
from consult.models import Theme
from moderation.db import DbSession

MAX_TEXT = 20_000


def response_text(session: DbSession, consultation_id: int, language: str) -> ResponseText | None:
    """The response's summary and next steps in one language, if written."""
    return session.scalar(select(ResponseText).where(ResponseText.consultation_id == consultation_id,
                                                     ResponseText.language == language))


def theme_texts(session: DbSession, themes: Sequence[Theme], language: str) -> dict[int, ThemeText]:
    """Theme id -> its texts in one language, for those written."""
    if not themes:
        return {}
    rows = session.scalars(select(ThemeText).where(ThemeText.theme_id.in_([t.id for t in themes]),
                                                   ThemeText.language == language))
    return {row.theme_id: row for row in rows}


def missing(session: DbSession, consultation_id: int, themes: Sequence[Theme]) -> list[str]:
    """What the response still lacks in the consultation's other languages (empty: nothing)."""
    out = []
    for code in languages_of(session, consultation_id)[1:]:
        name = in_language(code)
        text = response_text(session, consultation_id, code)
        if text is None or not text.summary.strip():
            out.append(gettext("The summary %(in_language)s", in_language=name))
        written = theme_texts(session, themes, code)
        for theme in themes:
            row = written.get(theme.id)
            if row is None or not row.title.strip() or (theme.said.strip() and not row.said.strip()) \
                    or (theme.reasons.strip() and not row.reasons.strip()):
                out.append(gettext("The theme “%(title)s” %(in_language)s", title=theme.title, in_language=name))
    return out


@dataclass
class ThemeWords:
    """A theme's texts in one language, as the official types them."""

    title: str = ""
    said: str = ""
    reasons: str = ""


def save(session: DbSession, consultation_id: int, language: str, summary: str, next_steps: str,
         themes: Sequence[Theme], words: Mapping[int, ThemeWords]) -> None:
    """Store the response's texts in one of the consultation's other languages."""
    if language not in languages_of(session, consultation_id)[1:]:
        raise ValueError(gettext("This consultation is not offered in that language."))
    if any(len(value) > MAX_TEXT for value in (summary, next_steps)):
        raise ValueError(gettext("A text is longer than %(limit)s characters.", limit=f"{MAX_TEXT:,}"))
    text = response_text(session, consultation_id, language)
    if text is None:
        text = ResponseText(consultation_id=consultation_id, language=language)
        session.add(text)
    text.summary, text.next_steps = summary.strip(), next_steps.strip()
    existing = theme_texts(session, themes, language)
    for theme in themes:
        given = words.get(theme.id)
        if given is None:
            continue
        row = existing.get(theme.id)
        if row is None:
            row = ThemeText(theme_id=theme.id, language=language)
            session.add(row)
        row.title, row.said, row.reasons = given.title.strip()[:200], given.said.strip()[:MAX_TEXT], \
            given.reasons.strip()[:MAX_TEXT]


@dataclass
class Localised:
    """A response or theme read in another language: the translated fields over the original."""

    original: Any
    texts: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        texts = self.__dict__.get("texts", {})
        if texts.get(name):
            return texts[name]
        return getattr(self.__dict__["original"], name)


def localised(session: DbSession, consultation_id: int, language: str, response: Any,
              reports: list) -> tuple[Any, list, str]:
    """The response and its theme reports in `language` when the consultation has it written
    there, else as they are, and the language they are in; `reports` are publication.ThemeReport."""
    codes = languages_of(session, consultation_id)
    if language not in codes[1:]:
        return response, reports, codes[0]
    text = response_text(session, consultation_id, language)
    if text is not None:
        response = Localised(response, {"summary": text.summary, "next_steps": text.next_steps})
    written = theme_texts(session, [r.theme for r in reports], language)
    out = []
    for report in reports:
        row = written.get(report.theme.id)
        if row is not None:
            report = replace(report, theme=Localised(report.theme, {"title": row.title, "said": row.said,
                                                                    "reasons": row.reasons}))
        out.append(report)
    return response, out, language
