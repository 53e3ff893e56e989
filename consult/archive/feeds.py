"""The public archive: Atom feeds of new consultations, responses and comments."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from sqlalchemy import func, select

from consult.archive.downloads import comment_query, comment_records
from consult.models import (
    Comment,
    Consultation,
    Response,
)
from moderation.db import DbSession

FEED_LENGTH = 50
ATOM = "http://www.w3.org/2005/Atom"


@dataclass
class FeedEntry:
    """One Atom entry."""

    id: str
    title: str
    updated: datetime
    link: str
    summary: str = ""
    author: str | None = None


def latest_consultations(session: DbSession, limit: int = FEED_LENGTH) -> list[Consultation]:
    """The most recently published consultations."""
    return list(session.scalars(select(Consultation).where(Consultation.published_at.is_not(None))
                                .order_by(Consultation.published_at.desc(), Consultation.id.desc())
                                .limit(limit)))


def latest_responses(session: DbSession, limit: int = FEED_LENGTH) -> list[tuple[Response, Consultation]]:
    """The most recently published responses with their consultations."""
    return list(session.execute(
        select(Response, Consultation).join(Consultation, Consultation.id == Response.consultation_id)
        .where(Response.published_at.is_not(None))
        .order_by(Response.published_at.desc(), Response.id.desc()).limit(limit)).all())


def latest_comments(session: DbSession, consultation: Consultation, limit: int = FEED_LENGTH) -> list[dict]:
    """The most recently published comments of a consultation, as records."""
    rows = session.execute(comment_query(consultation.id)
                           .order_by(func.coalesce(Comment.published_at, Comment.created_at).desc(),
                                     Comment.id.desc()).limit(limit)).all()
    return comment_records(session, rows, consultation.slug, False)


def _atom_time(value: datetime) -> str:
    return value.replace(tzinfo=UTC, microsecond=0).isoformat().replace("+00:00", "Z")


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
