"""Consultations in several languages: which languages, importing a translation, reading it.

A translation is checked before anything is stored: it is parsed, aligned with the main text
(documents.align) and refused with a report naming every paragraph that does not align, so a
paragraph present in one language only is an error to fix, never a silent gap.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, select

import documents
from consult.i18n import LANGUAGES, gettext, lazy_gettext
from consult.languages.models import ConsultationLanguage, ParagraphText, VersionText
from consult.models import Consultation, ConsultationEvent, DocumentVersion, Paragraph
from documents.align import Alignment, Mismatch, align
from moderation.db import DbSession

DEFAULT = "en"
_SHORT = 60  # letters of a paragraph quoted in the import report


class TranslationError(ValueError):
    """A translation that cannot be stored; `problems` says each thing to fix."""

    def __init__(self, message: str, problems: Sequence[str] = ()):
        super().__init__(message)
        self.problems = list(problems)


# The languages' names in the reader's language ("Welsh", "Cymraeg"), for sentences.
NAMES = {"en": lazy_gettext("English"), "cy": lazy_gettext("Welsh")}


# "in Welsh" as a sentence says it: Welsh mutates the name after "yn" (yn Gymraeg, yn Saesneg).
IN_LANGUAGE = {"en": lazy_gettext("in English"), "cy": lazy_gettext("in Welsh")}


def in_language(code: str) -> str:
    """"in Welsh" (or "in cy" for a language the site does not know), in the reader's language."""
    return str(IN_LANGUAGE.get(code) or gettext("in %(language)s", language=LANGUAGES.get(code, code)))


# The kinds of block, as the officials' pages name them (manage/_form.html's kind_name).
KIND_NAMES = {"heading": lazy_gettext("Heading"), "paragraph": lazy_gettext("Paragraph"),
              "list_item": lazy_gettext("List item"), "blockquote": lazy_gettext("Quotation"),
              "table": lazy_gettext("Table"), "code": lazy_gettext("Code"), "html": lazy_gettext("HTML block"),
              "footnote": lazy_gettext("Footnote")}


def kind_name(kind: str) -> str:
    """A kind of block in the reader's language ("List item")."""
    return str(KIND_NAMES.get(kind, kind))


def language_label(code: str) -> str:
    """A language's name in the reader's language ("Welsh"), for sentences; else its own name, or
    its code. (A comment's language is labelled with its own name: text_language.language_name.)"""
    return str(NAMES.get(code) or LANGUAGES.get(code, code))


def languages_of(session: DbSession, consultation_id: int) -> list[str]:
    """The consultation's languages, its main text's first (English alone when none is set)."""
    codes = session.scalars(
        select(ConsultationLanguage.code).where(ConsultationLanguage.consultation_id == consultation_id)
        .order_by(ConsultationLanguage.position)).all()
    return list(codes) or [DEFAULT]


def set_main_language(session: DbSession, consultation: Consultation, code: str,
                      actor_id: int | None = None) -> None:
    """Say which language the main text is in (English unless set); only before a translation
    is added, since the translations were aligned as texts in the other languages."""
    if code not in LANGUAGES:
        raise TranslationError(gettext("Choose one of the site's languages."))
    rows = session.scalars(select(ConsultationLanguage).where(
        ConsultationLanguage.consultation_id == consultation.id)).all()
    if len(rows) > 1:
        raise TranslationError(gettext("The consultation already has a text in another language: its main "
                                       "language can no longer change."))
    if rows:
        rows[0].code = code
    else:
        session.add(ConsultationLanguage(consultation_id=consultation.id, code=code, position=0))
    session.add(ConsultationEvent(consultation_id=consultation.id, actor_id=actor_id, kind="language",
                                  detail=f"main text in {LANGUAGES[code]}"))


def _short(paragraph: documents.Paragraph) -> str:
    text = " ".join(paragraph.text.split())
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


def _where(paragraph: documents.Paragraph) -> str:
    if paragraph.source:
        return gettext("%(file)s, line %(line)s", file=paragraph.source, line=paragraph.line)
    return gettext("line %(line)s", line=paragraph.line)


def describe(mismatch: Mismatch, main_language: str, language: str) -> str:
    """One line of the import report for something that does not align."""
    main_name, name = language_label(main_language), language_label(language)
    m, t = mismatch.main, mismatch.translation
    if mismatch.kind == "missing" and m is not None:
        return gettext("Paragraph %(number)s (“%(text)s”) is in the %(main)s text but not in the %(other)s "
                       "text: translate it, or remove it from both.",
                       number=m.number, text=_short(m), main=main_name, other=name)
    if mismatch.kind == "extra" and t is not None:
        return gettext("The %(other)s text has a block at %(where)s (“%(text)s”) that is not in the %(main)s "
                       "text: remove it, or add it to both.",
                       other=name, where=_where(t), text=_short(t), main=main_name)
    if mismatch.kind == "pinned" and t is not None:
        return gettext("The %(other)s text pins the anchor {#%(anchor)s} at %(where)s, which the %(main)s "
                       "text does not have: pin the same anchors in both, or none.",
                       other=name, anchor=t.anchor, where=_where(t), main=main_name)
    if mismatch.kind == "number" and m is not None and t is not None:
        return gettext("Heading %(number)s (“%(text)s”) is numbered differently in the %(other)s text "
                       "(“%(translated)s”, %(where)s).",
                       number=m.number, text=_short(m), other=name, translated=_short(t), where=_where(t))
    if m is not None and t is not None:
        return gettext("Paragraph %(number)s is not the same kind of block in the two texts (%(main)s: "
                       "%(kind)s; %(other)s: %(other_kind)s, %(where)s): make them the same.",
                       number=m.number, kind=kind_name(m.kind), main=main_name,
                       other_kind=kind_name(t.kind), other=name, where=_where(t))
    return gettext("A block does not align with the other language.")


@dataclass
class Translation:
    """A parsed translation, aligned with the main text, and the problems that stop it."""

    language: str
    files: list[tuple[str, str]]
    document: documents.Document
    alignment: Alignment
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every paragraph has its counterpart in the other language."""
        return not self.problems


def check_translation(main: documents.Document, main_language: str, language: str,
                      files: Sequence[tuple[str, str]]) -> Translation:
    """Parse a translation of `main` and align it; never stores anything."""
    if language not in LANGUAGES:
        raise TranslationError(gettext("“%(code)s” is not one of the site's languages.", code=language))
    if language == main_language:
        raise TranslationError(gettext("The main text is already %(in_language)s: choose another language.",
                                       in_language=in_language(language)))
    if not files or not any(text.strip() for _name, text in files):
        raise TranslationError(gettext("Give the %(name)s text: upload its Markdown file or paste it.",
                                       name=language_label(language)))
    try:
        document = documents.parse_files(list(files))
    except documents.DocumentError as exc:
        raise TranslationError(str(exc)) from exc
    alignment = align(main.paragraphs, document.paragraphs)
    problems = [describe(m, main_language, language) for m in alignment.mismatches]
    return Translation(language, list(files), document, alignment, problems)


def store_translation(session: DbSession, version: DocumentVersion, main: documents.Document,
                      translation: Translation) -> None:
    """Store an aligned translation as the version's text in its language (replacing any)."""
    if not translation.ok:
        raise TranslationError(gettext("The %(name)s text does not align with the main text.",
                                       name=language_label(translation.language)), translation.problems)
    session.flush()
    ids: dict[str, int] = {anchor: pid for anchor, pid in session.execute(
        select(Paragraph.anchor, Paragraph.id).where(Paragraph.version_id == version.id))}
    session.execute(delete(ParagraphText).where(
        ParagraphText.paragraph_id.in_(ids.values()), ParagraphText.language == translation.language))
    session.execute(delete(VersionText).where(VersionText.version_id == version.id,
                                              VersionText.language == translation.language))
    source = "\n\n".join(text for _name, text in translation.files).replace("\x00", "\ufffd")
    session.add(VersionText(version_id=version.id, language=translation.language,
                            title=(translation.document.title or version.title)[:300], source=source))
    by_anchor = translation.alignment.translation_of(main.paragraphs, translation.document.paragraphs)
    session.add_all(ParagraphText(paragraph_id=ids[anchor], language=translation.language, text=p.text,
                                  html=p.html, fingerprint=p.fingerprint)
                    for anchor, p in by_anchor.items() if anchor in ids)


def add_translation(session: DbSession, consultation: Consultation, version: DocumentVersion,
                    main: documents.Document, language: str, files: Sequence[tuple[str, str]],
                    actor_id: int | None = None) -> Translation:
    """Check a translation of a version and store it, adding the language to the consultation;
    raises TranslationError (with every problem) and stores nothing when it does not align."""
    codes = languages_of(session, consultation.id)
    translation = check_translation(main, codes[0], language, files)
    store_translation(session, version, main, translation)
    if language not in codes:
        if not session.scalar(select(ConsultationLanguage.id).where(
                ConsultationLanguage.consultation_id == consultation.id)):
            session.add(ConsultationLanguage(consultation_id=consultation.id, code=codes[0], position=0))
        session.add(ConsultationLanguage(consultation_id=consultation.id, code=language, position=len(codes)))
        # A record, kept as written (not translated): the language by its own name.
        stored = f"{LANGUAGES.get(language, language)} text added to version {version.number}"
        session.add(ConsultationEvent(consultation_id=consultation.id, actor_id=actor_id, kind="language",
                                      detail=stored))
    return translation


def check_version_translations(session: DbSession, consultation: Consultation, main: documents.Document,
                               given: Mapping[str, Sequence[tuple[str, str]]]) -> list[Translation]:
    """For a new version: every language of the consultation but the main one needs its text,
    aligned; raises TranslationError listing what is missing or does not align."""
    codes = languages_of(session, consultation.id)
    translations, problems = [], []
    for code in codes[1:]:
        files = given.get(code) or []
        if not any(text.strip() for _name, text in files):
            problems.append(gettext("This consultation is also %(in_language)s: give the text of the new "
                                    "version %(in_language)s too.", in_language=in_language(code)))
            continue
        try:
            translation = check_translation(main, codes[0], code, files)
        except TranslationError as exc:
            problems.append(str(exc))
            continue
        problems.extend(translation.problems)
        translations.append(translation)
    if problems:
        raise TranslationError(gettext("The new version's texts do not align: fix each problem below."), problems)
    return translations


def texts_for(session: DbSession, version_id: int, language: str) -> dict[int, ParagraphText]:
    """Paragraph id -> its text in `language`, for one version (empty for the main language)."""
    rows = session.scalars(select(ParagraphText).join(Paragraph, Paragraph.id == ParagraphText.paragraph_id)
                           .where(Paragraph.version_id == version_id, ParagraphText.language == language))
    return {row.paragraph_id: row for row in rows}


def version_title(session: DbSession, version: DocumentVersion, language: str) -> str:
    """The version's title in `language`, else its main title."""
    title = session.scalar(select(VersionText.title).where(VersionText.version_id == version.id,
                                                           VersionText.language == language))
    return title or version.title


def version_languages(session: DbSession, version_id: int) -> list[str]:
    """The other languages this version has a text in."""
    return list(session.scalars(select(VersionText.language).where(VersionText.version_id == version_id)
                                .order_by(VersionText.language)))


@dataclass
class TextIn:
    """A stored paragraph read in another language: its text, HTML and fingerprint replaced."""

    paragraph: Paragraph
    text: str
    html: str
    fingerprint: str

    def __getattr__(self, name: str):
        return getattr(self.__dict__["paragraph"], name)


def comparable_language(session: DbSession, old: DocumentVersion, new: DocumentVersion,
                        language: str | None) -> str | None:
    """The language two versions can be compared in for this reader: theirs when both versions
    have a text in it and it is not the main one, else None (compare the main texts)."""
    if not language or language == languages_of(session, new.consultation_id)[0]:
        return None
    have = set(version_languages(session, old.id)) & set(version_languages(session, new.id))
    return language if language in have else None


def paragraphs_in(session: DbSession, version: DocumentVersion, paragraphs: Sequence[Paragraph],
                  language: str | None) -> list:
    """The paragraphs as they read in `language` (None: as they are)."""
    if language is None:
        return list(paragraphs)
    texts = texts_for(session, version.id, language)
    return [TextIn(p, row.text, row.html, row.fingerprint) if (row := texts.get(p.id)) is not None else p
            for p in paragraphs]
