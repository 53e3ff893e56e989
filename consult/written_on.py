"""The paragraph a comment was written on, said so that a reader finds it today: a number of an
earlier version is given with its version and the paragraph's number now ("6.21 of version 1
(now 6.6)"), the same way in "Your comments" and in the mail telling what was done with it.

A module of its own, outside the areas, because comments (its page) and responses (the mail)
both read it, as consult/reattachment.py."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from consult.i18n import gettext
from consult.models import Comment, DocumentVersion, Paragraph
from moderation.db import DbSession


@dataclass(frozen=True)
class WrittenOn:
    """A comment's paragraph: its number in the version written on, and in the latest version."""

    number: str
    version: int
    latest: int
    now: str | None  # None: the latest version has no paragraph with that anchor

    @property
    def label(self) -> str:
        """"6.21", or "6.21 of version 1 (now 6.6)", or "... (not in version 2)", in the
        reader's language."""
        if self.version == self.latest or self.now == self.number:
            return self.number
        if self.now is None:
            return gettext("%(number)s of version %(version)s (not in version %(latest)s)",
                           number=self.number, version=self.version, latest=self.latest)
        return gettext("%(number)s of version %(version)s (now %(now)s)", number=self.number,
                       version=self.version, now=self.now)


def written_on(session: DbSession, comments: Iterable[Comment]) -> dict[int, WrittenOn]:
    """Each paragraph comment's WrittenOn by comment id, in two queries for the lot."""
    on_paragraphs = [c for c in comments if c.anchor and c.paragraph_number]
    if not on_paragraphs:
        return {}
    versions = session.execute(select(DocumentVersion.id, DocumentVersion.consultation_id, DocumentVersion.number)
                               .where(DocumentVersion.consultation_id.in_({c.consultation_id for c in on_paragraphs})))
    number_of: dict[int, int] = {}
    latest: dict[int, tuple[int, int]] = {}  # consultation -> (number, version id)
    for version_id, consultation_id, number in versions:
        number_of[version_id] = number
        if number > latest.get(consultation_id, (0, 0))[0]:
            latest[consultation_id] = (number, version_id)
    now = {(version_id, anchor): number for version_id, anchor, number in session.execute(
        select(Paragraph.version_id, Paragraph.anchor, Paragraph.number)
        .where(Paragraph.version_id.in_({v for _n, v in latest.values()}),
               Paragraph.anchor.in_({c.anchor for c in on_paragraphs})))}
    out = {}
    for c in on_paragraphs:
        last, last_id = latest[c.consultation_id]
        out[c.id] = WrittenOn(c.paragraph_number or "", number_of[c.version_id], last,
                              now.get((last_id, c.anchor or "")))
    return out
