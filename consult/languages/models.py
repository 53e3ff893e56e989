"""Tables of a consultation offered in more than one language.

The main text of each version stays where it always was (document_versions.source and its
paragraphs): its anchors, numbers and comments are the consultation's. Each other language has,
per version, its source (`VersionText`) and one translated block per paragraph of the main text
(`ParagraphText`), so a comment on a paragraph is on it whatever language it was read in. A
consultation with no `ConsultationLanguage` rows is in English only, as every consultation was
before languages came.
"""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from moderation.db import Base


class ConsultationLanguage(Base):
    """A language a consultation is offered in; position 0 is the language of its main text."""

    __tablename__ = "consultation_languages"
    __table_args__ = (UniqueConstraint("consultation_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    code: Mapped[str] = mapped_column(String(8))
    position: Mapped[int] = mapped_column(default=0)


class VersionText(Base):
    """A version's document in one other language: its title and Markdown source."""

    __tablename__ = "version_texts"
    __table_args__ = (UniqueConstraint("version_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(Text)


class ParagraphText(Base):
    """One paragraph of the main text, as its translation reads in another language."""

    __tablename__ = "paragraph_texts"
    __table_args__ = (UniqueConstraint("paragraph_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("paragraphs.id"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))


class ResponseText(Base):
    """The response's summary and next steps in one other language."""

    __tablename__ = "response_texts"
    __table_args__ = (UniqueConstraint("consultation_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    summary: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")


class ThemeText(Base):
    """A theme's title, what people said and the department's reasons in one other language."""

    __tablename__ = "theme_texts"
    __table_args__ = (UniqueConstraint("theme_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200), default="")
    said: Mapped[str] = mapped_column(Text, default="")
    reasons: Mapped[str] = mapped_column(Text, default="")


class ConsultationText(Base):
    """The consultation's own words in one other language: its summary, department and the
    scope statement readers see under "About this consultation" (the main language's stay on
    the consultation). An empty field is not written yet: the reader gets the main text's."""

    __tablename__ = "consultation_texts"
    __table_args__ = (UniqueConstraint("consultation_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    summary: Mapped[str] = mapped_column(Text, default="")
    department: Mapped[str] = mapped_column(String(200), default="")
    scope_about: Mapped[str] = mapped_column(Text, default="")
    scope_open: Mapped[str] = mapped_column(Text, default="")
    scope_closed: Mapped[str] = mapped_column(Text, default="")
    scope_outcome: Mapped[str] = mapped_column(Text, default="")
    response_expected: Mapped[str] = mapped_column(String(200), default="")
