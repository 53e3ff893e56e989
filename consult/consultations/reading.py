"""The blueprint of the public reading pages, named "consultations", and finding a paragraph
by the number a reader quotes.

Its pages about the document alone (home, versions, changes) are in consultations/views.py.
The document page and the paragraph page show comments and take new ones, so they are in
consult/comments/pages.py: comments depend on consultations, never the reverse, and both
modules add their routes to this one blueprint so the endpoint names stay `consultations.*`.

A printed response says "paragraph 4.2"; URLs use the paragraph's stable anchor
(/c/<slug>/p/p-4724dfed). `find_by_number` turns the one into the other for the current
version (views.py redirects), and says which earlier version had the number when the current
one has not.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint
from sqlalchemy import func, select

from consult.models import Consultation, DocumentVersion, Paragraph
from moderation.db import DbSession

bp = Blueprint("consultations", __name__)

# What an anchor can be (documents/parse.py: lower-case letters, digits and hyphens); a value
# of any other shape ("4.2", "A.3", "5(1)", "Annex 2") can only be a paragraph number.
ANCHOR_SHAPE = re.compile(r"[a-z0-9-]{1,100}")
MAX_NUMBER = 40  # Paragraph.number's length
# Words a reader may type before the number: "paragraph 4.2", "para. 4.2", "§ 4.2", "paragraff 4.2"
# (never a bare letter: "P.1" may be a lettered paragraph's number).
_LEAD_WORDS = re.compile(r"^(?:§+|paragraph|paragraff|para\.?)\s*", re.IGNORECASE)


def clean_number(raw: str | None) -> str:
    """A paragraph number as typed or quoted, without spaces around it, a word before it
    ("paragraph 4.2") or a full stop after it ("4.2."); "" for nothing usable."""
    text = " ".join((raw or "").split())[:MAX_NUMBER * 2]
    text = _LEAD_WORDS.sub("", text).rstrip(".").strip()
    return text if len(text) <= MAX_NUMBER else ""


def may_be_anchor(value: str) -> bool:
    """True when a value has the shape of an anchor (so /c/<slug>/p/<value> may name one)."""
    return bool(ANCHOR_SHAPE.fullmatch(value))


def anchor_exists(session: DbSession, consultation: Consultation, anchor: str) -> bool:
    """True when some version of the consultation has a paragraph with this anchor."""
    return session.scalar(
        select(Paragraph.id).join(DocumentVersion, DocumentVersion.id == Paragraph.version_id)
        .where(DocumentVersion.consultation_id == consultation.id, Paragraph.anchor == anchor)
        .limit(1)) is not None


@dataclass
class NumberLookup:
    """What a paragraph number names: the current paragraph with it, else the last earlier one."""

    number: str
    current: Paragraph | None = None  # the current version's paragraph with this number
    earlier: Paragraph | None = None  # else: the last earlier version's paragraph with it
    earlier_version: int | None = None  # that version's number
    now: Paragraph | None = None  # the earlier paragraph as it is in the current version, if it is


def _numbered(session: DbSession, number: str, *where) -> Paragraph | None:
    """The first paragraph matching `where` with this number: exactly as written, else in any
    case ("annex 2" for "Annex 2", "a.3" for "A.3")."""
    base = select(Paragraph).join(DocumentVersion, DocumentVersion.id == Paragraph.version_id).where(*where)
    order = (DocumentVersion.number.desc(), Paragraph.position)
    found = session.scalars(base.where(Paragraph.number == number).order_by(*order).limit(1)).first()
    if found is None:
        found = session.scalars(base.where(func.lower(Paragraph.number) == number.lower())
                                .order_by(*order).limit(1)).first()
    return found


def find_by_number(session: DbSession, consultation: Consultation, latest: DocumentVersion,
                   number: str) -> NumberLookup:
    """The paragraph numbered `number` in the current version `latest`; if none, the last
    earlier version that had the number, and where that paragraph (its anchor) is now."""
    found = NumberLookup(number)
    if not number:
        return found
    found.current = _numbered(session, number, Paragraph.version_id == latest.id)
    if found.current is not None:
        return found
    found.earlier = _numbered(session, number, DocumentVersion.consultation_id == consultation.id,
                              DocumentVersion.number < latest.number)
    if found.earlier is not None:
        found.earlier_version = session.scalar(
            select(DocumentVersion.number).where(DocumentVersion.id == found.earlier.version_id))
        found.now = session.scalars(select(Paragraph).where(
            Paragraph.version_id == latest.id, Paragraph.anchor == found.earlier.anchor)).first()
    return found
