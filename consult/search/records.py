"""What search indexes and answers, whatever the engine: no whoosh here.

The change log (rows appended to search_changes in the same transaction as the change, see
`install_change_log`) and what each change means for the index (`pending_changes`,
`replacement`); the documents built from the database, of which only what the public may see:
published consultations' current paragraphs, published comments (redactions applied) and
published responses; the errors and result types a search returns; and the checks and
messages for a query before any engine reads it. whoosh_engine.py writes and reads the index.
"""
from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session

from consult.i18n import gettext
from consult.languages.models import ParagraphText, VersionText
from consult.models import (
    Comment,
    CommentStatus,
    Consultation,
    DocumentVersion,
    Paragraph,
    Response,
    ResponseCorrection,
    SearchChange,
    Theme,
)
from moderation.db import DbSession

from . import query as syntax

KINDS = {"paragraph": "Document paragraph", "comment": "Comment", "response": "Response",
         "consultation": "Consultation"}
MAX_QUERY = 500


# --- capturing changes in the same transaction ----------------------------------------------

def _changes_for(obj) -> tuple[str, int] | None:
    if isinstance(obj, Comment):
        return ("comment", obj.id)
    if isinstance(obj, (Consultation,)):
        return ("consultation", obj.id)
    if isinstance(obj, DocumentVersion):
        return ("consultation", obj.consultation_id)
    if isinstance(obj, (Response, Theme)):
        return ("response", obj.consultation_id)
    if isinstance(obj, ResponseCorrection):
        return ("response_correction", obj.response_id)
    return None


# Database engines whose search needs no change log (the PostgreSQL engine: see
# `without_change_log`); every other engine's sessions log, as before.
_UNLOGGED: weakref.WeakSet = weakref.WeakSet()


def without_change_log(engine) -> None:
    """Stop logging changes made through this database engine: its search reads the tables."""
    _UNLOGGED.add(engine)


def _after_flush(session: DbSession, _context) -> None:
    rows: dict[tuple[str, int], bool] = {}
    # A version's text in another language (and each of its paragraphs' texts) changes what its
    # consultation's documents hold: found through the version or paragraph it belongs to.
    versions: set[int] = set()
    paragraphs: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, VersionText) and obj.version_id is not None:
            versions.add(obj.version_id)
        elif isinstance(obj, ParagraphText) and obj.paragraph_id is not None:
            paragraphs.add(obj.paragraph_id)
        elif (change := _changes_for(obj)) and change[1] is not None:
            rows[change] = True
    if not (rows or versions or paragraphs) or (connection := session.connection()).engine in _UNLOGGED:
        return
    found: list[int] = []
    if versions:
        found += connection.scalars(select(DocumentVersion.consultation_id)
                                    .where(DocumentVersion.id.in_(versions)).distinct()).all()
    if paragraphs:
        found += connection.scalars(select(DocumentVersion.consultation_id)
                                    .join(Paragraph, Paragraph.version_id == DocumentVersion.id)
                                    .where(Paragraph.id.in_(paragraphs)).distinct()).all()
    for consultation_id in found:
        rows[("consultation", consultation_id)] = True
    if rows:
        connection.execute(
            insert(SearchChange),
            [{"kind": kind, "object_id": object_id} for kind, object_id in rows])


def install_change_log() -> None:
    """Record search-relevant changes in every session's flush (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


def pending_changes(session: DbSession, after: int, batch: int) -> tuple[list[tuple[str, int]], int, int]:
    """The changes logged after id `after`: (distinct (kind, id) in order, rows read, last id)."""
    changes = session.execute(select(SearchChange.id, SearchChange.kind, SearchChange.object_id)
                              .where(SearchChange.id > after).order_by(SearchChange.id).limit(batch)).all()
    if not changes:
        return [], 0, after
    todo = list(dict.fromkeys((kind, object_id) for _id, kind, object_id in changes))
    return todo, len(changes), changes[-1][0]


def last_change_id(session: DbSession) -> int:
    """The id of the newest change logged (0 when there is none)."""
    return session.scalar(select(func.max(SearchChange.id))) or 0


# --- the documents ------------------------------------------------------------------------------

def day(value: datetime) -> int:
    """The day (proleptic ordinal) a document is filtered by: the date filters are whole days."""
    return value.toordinal()


def stemmed_in_english(language: str | None) -> bool:
    """True for a text searched with English stemming: English, and a language not known (every
    comment written before languages were recorded). Others are searched word for word."""
    return (language or "en").split("-")[0] == "en"


def comment_fields(comment_id: int, body: str, number: str | None, anchor: str | None,
                   when: datetime, version: int, slug: str, title: str,
                   language: str | None = None) -> dict[str, Any]:
    """The fields of a published comment's document (one place for rebuild and updates).

    No `cid`: only a consultation's own documents and its response are found by it (to be
    replaced); a comment is replaced by its key. `language`: the comment's, which decides how its
    words are indexed (`stemmed_in_english`).
    """
    return dict(key=f"comment:{comment_id}", kind="comment", slug=slug, consultation=title,
                text=body, number=number or "", anchor=anchor or "", version=version,
                item_id=comment_id, date=when, day=day(when), language=language or "")


def consultation_documents(session: DbSession, consultation_id: int) -> list[dict[str, Any]]:
    """A published consultation's own document and its current paragraphs, in the main text and
    in each other language the current version has a text in (none if unpublished)."""
    consultation = session.get(Consultation, consultation_id)
    if consultation is None or consultation.published_at is None:
        return []
    version = session.scalar(select(DocumentVersion).where(DocumentVersion.consultation_id == consultation_id)
                             .order_by(DocumentVersion.number.desc()).limit(1))
    common = {"cid": str(consultation.id), "slug": consultation.slug, "consultation": consultation.title}
    documents = [dict(
        key=f"consultation:{consultation.id}", kind="consultation", title=consultation.title,
        text=f"{consultation.summary}\n{consultation.scope_about}", date=consultation.published_at,
        day=day(consultation.published_at), **common)]
    if version is None:
        return documents
    for p in session.scalars(select(Paragraph).where(Paragraph.version_id == version.id)):
        documents.append(dict(
            key=f"paragraph:{consultation.id}:{p.anchor}", kind="paragraph", text=p.text,
            number=p.number, anchor=p.anchor, version=version.number, date=version.created_at,
            day=day(version.created_at), **common))
    translated = session.execute(
        select(ParagraphText.language, ParagraphText.text, Paragraph.number, Paragraph.anchor)
        .join(Paragraph, Paragraph.id == ParagraphText.paragraph_id)
        .where(Paragraph.version_id == version.id).order_by(ParagraphText.language, Paragraph.position))
    for language, text, number, anchor in translated:
        # Keyed by language too; found by the same anchor, its words indexed as its language's
        # (whoosh_engine._document, `stemmed_in_english`), shown with its lang.
        documents.append(dict(
            key=f"paragraph:{consultation.id}:{anchor}:{language}", kind="paragraph", text=text,
            number=number, anchor=anchor, version=version.number, date=version.created_at,
            day=day(version.created_at), language=language, **common))
    return documents


def comment_document(session: DbSession, comment_id: int) -> dict[str, Any] | None:
    """A comment's document while it is published in a published consultation, else None."""
    comment = session.get(Comment, comment_id)
    consultation = session.get(Consultation, comment.consultation_id) if comment else None
    if (comment is None or comment.status != CommentStatus.PUBLISHED.value
            or consultation is None or consultation.published_at is None):
        return None
    return comment_fields(
        comment.id, comment.body, comment.paragraph_number, comment.anchor,
        comment.published_at or comment.created_at, comment.version.number,
        consultation.slug, consultation.title, comment.language)


def response_documents(session: DbSession, consultation_id: int) -> list[dict[str, Any]]:
    """A published response's summary and its themes (none until it is published)."""
    consultation = session.get(Consultation, consultation_id)
    response = session.scalar(select(Response).where(Response.consultation_id == consultation_id))
    if consultation is None or response is None or response.published_at is None:
        return []
    common = {"cid": str(consultation.id), "slug": consultation.slug, "consultation": consultation.title,
              "kind": "response", "date": response.published_at, "day": day(response.published_at)}
    documents = [dict(
        key=f"response:{consultation.id}:summary", title=f"Response: {consultation.title}",
        text=f"{response.summary}\n{response.next_steps}", anchor="", **common)]
    for theme in session.scalars(select(Theme).where(Theme.consultation_id == consultation_id,
                                                     Theme.merged_into_id.is_(None))):
        documents.append(dict(
            key=f"response:{consultation.id}:{theme.id}", title=theme.title,
            text=f"{theme.title}\n{theme.said}\n{theme.reasons}", anchor=f"theme-{theme.id}",
            item_id=theme.id, **common))
    return documents


def replacement(session: DbSession, kind: str, object_id: int) -> tuple[str, str, list[dict[str, Any]]] | None:
    """What one logged change does to the index: (scope, id, documents), the documents
    replacing everything in that scope. Scopes: "comment" (by key), "consultation" (its own
    document and paragraphs), "response" (its summary and themes). None: nothing to do."""
    if kind == "comment":
        document = comment_document(session, object_id)
        return ("comment", f"comment:{object_id}", [document] if document else [])
    if kind == "consultation":
        return ("consultation", str(object_id), consultation_documents(session, object_id))
    if kind == "response":
        return ("response", str(object_id), response_documents(session, object_id))
    if kind == "response_correction":
        response = session.get(Response, object_id)
        if response is not None:
            return ("response", str(response.consultation_id),
                    response_documents(session, response.consultation_id))
    return None


def _published_comments():
    return (Comment.status == CommentStatus.PUBLISHED.value, Consultation.published_at.is_not(None))


def published_comment_count(session: DbSession) -> int:
    """How many comments a rebuild indexes."""
    return session.scalar(select(func.count()).select_from(Comment)
                          .join(Consultation, Consultation.id == Comment.consultation_id)
                          .where(*_published_comments())) or 0


def published_comment_documents(session: DbSession):
    """Every published comment's document, from one streamed, joined query (not a lookup each)."""
    rows = session.execute(
        select(Comment.id, Comment.body, Comment.paragraph_number, Comment.anchor,
               func.coalesce(Comment.published_at, Comment.created_at), DocumentVersion.number,
               Consultation.slug, Consultation.title, Comment.language)
        .join(DocumentVersion, DocumentVersion.id == Comment.version_id)
        .join(Consultation, Consultation.id == Comment.consultation_id)
        .where(*_published_comments())
        .execution_options(yield_per=2000))
    for row in rows:
        yield comment_fields(*row)


def consultation_ids(session: DbSession):
    """Every consultation's id, for a rebuild (unpublished ones index nothing)."""
    return session.scalars(select(Consultation.id))


# --- queries and results ------------------------------------------------------------------------

MAX_PAGE = 1000  # the last results page a search may ask for


class SearchError(ValueError):
    """A query we cannot run, with a plain message."""


class SearchUnavailable(SearchError):
    """The index is missing or being rebuilt; the query itself was fine."""


def check_query(query: str, page: int) -> str:
    """The query stripped, or SearchError saying why it cannot be run."""
    query = (query or "").strip()
    if not query:
        raise SearchError(gettext("Type one or more words to search for."))
    if len(query) > MAX_QUERY:
        raise SearchError(gettext("Your search is %(length)s characters long; use at most %(most)s.",
                                  length=f"{len(query):,}", most=MAX_QUERY))
    if page < 1 or page > MAX_PAGE:
        raise SearchError(gettext("That results page does not exist."))
    if syntax.depth(query) > syntax.MAX_DEPTH:
        raise SearchError(gettext("Your search has brackets inside brackets more than %(depth)s deep. "
                                  "Use fewer brackets, or plain words.", depth=syntax.MAX_DEPTH))
    return query


def unreadable() -> SearchError:
    """The error for a query the engine could not parse, in the reader's language."""
    return SearchError(gettext("We could not read that search. Try plain words, or a phrase in quotes."))


def nothing_to_find(query: str) -> SearchError:
    """The error for a query that parsed to nothing searchable."""
    if not any(ch.isalnum() for ch in query):
        # Emoji and punctuation are not indexed: say so, not that they were operators.
        return SearchError(gettext("Search finds words and numbers, and “%(query)s” has none. "
                                   "Try a word or two.", query=query[:40]))
    typed = re.sub(r"\b(?:title|text):", " ", query)  # the field names are not words searched for
    if any(word not in syntax.OPERATORS for word in re.findall(r"\w+", typed)):
        # Words were typed, but every one is a word too common to be indexed ("the", "and").
        return SearchError(gettext("“%(query)s” holds only very common words (such as “the” or “and”), "
                                   "which search leaves out. Add a word that says more.", query=query[:40]))
    return SearchError(gettext("Type one or more words to search for (operators alone find nothing)."))


@dataclass
class Hit:
    """One search result: what it is, where it is, and the matching words highlighted."""

    kind: str
    slug: str
    consultation: str
    title: str
    number: str
    anchor: str
    version: int | None
    item_id: int | None
    date: datetime | None
    highlight: str
    # A comment's or a translated paragraph's, for lang= on its text (None: not known, or the
    # main text).
    language: str | None = None

    @property
    def label(self) -> str:
        """What kind of thing this is, in words."""
        return KINDS.get(self.kind, self.kind)


@dataclass
class Results:
    """A page of hits, and how many documents match (estimated when `exact` is False)."""

    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 0
    exact: bool = True

    @property
    def total_text(self) -> str:
        """The number of matches for people: "12", "1,204", or "about 46,000" when estimated."""
        return f"{self.total:,}" if self.exact else f"about {self.total:,}"
