"""Full-text search with Whoosh (the only module that imports whoosh).

The index is derived data. Every change that matters to search appends a row to the
search_changes log in the same transaction (see `install_change_log`); a single writer per
index applies the log outside requests (`apply_changes`), remembering the last id applied in a
file inside the index folder. `rebuild` recreates the index from the database at any time, and
a missing or corrupt index is rebuilt rather than failing. Only what the public may see is
indexed: published consultations' current paragraphs, published comments (redactions applied)
and published responses.
"""
from __future__ import annotations

import logging
import os
import shutil
import threading
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path

from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, HtmlFormatter
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.query import And, DateRange, NullQuery, Or, Term

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

log = logging.getLogger(__name__)

SCHEMA = Schema(
    key=ID(unique=True, stored=True),
    kind=ID(stored=True),
    cid=ID(stored=True),
    slug=ID(stored=True),
    consultation=STORED,
    title=TEXT(stored=True, analyzer=StemmingAnalyzer()),
    text=TEXT(stored=True, analyzer=StemmingAnalyzer()),
    number=STORED,
    anchor=STORED,
    version=STORED,
    item_id=STORED,
    date=DATETIME(stored=True),
)
KINDS = {"paragraph": "Document paragraph", "comment": "Comment", "response": "Response",
         "consultation": "Consultation"}
MAX_QUERY = 500
POSITION_FILE = "applied-change-id"


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


def _after_flush(session: Session, _context) -> None:
    rows = {}
    for obj in (*session.new, *session.dirty, *session.deleted):
        change = _changes_for(obj)
        if change and change[1] is not None:
            rows[change] = True
    if rows:
        session.connection().execute(
            insert(SearchChange.__table__),
            [{"kind": kind, "object_id": object_id} for kind, object_id in rows])


def install_change_log() -> None:
    """Record search-relevant changes in every session's flush (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


# --- the index ---------------------------------------------------------------------------------

def _open(index_dir: str, session: Session):
    """Open the index, rebuilding it when it is missing or unreadable."""
    path = Path(index_dir)
    try:
        if whoosh_index.exists_in(path):
            return whoosh_index.open_dir(path)
    except Exception as exc:  # noqa: BLE001 - any corruption means: rebuild
        log.warning("search index at %s unreadable (%s): rebuilding", path, exc)
    return rebuild(index_dir, session)


def _position(index_dir: str) -> int:
    try:
        return int((Path(index_dir) / POSITION_FILE).read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def _set_position(index_dir: str, value: int) -> None:
    target = Path(index_dir) / POSITION_FILE
    tmp = target.with_suffix(".tmp")
    tmp.write_text(str(value))
    os.replace(tmp, target)


def _index_consultation(writer, session: Session, consultation_id: int) -> None:
    writer.delete_by_query(And([Term("cid", str(consultation_id)),
                                Or([Term("kind", "paragraph"), Term("kind", "consultation")])]))
    consultation = session.get(Consultation, consultation_id)
    if consultation is None or consultation.published_at is None:
        return
    version = session.scalar(select(DocumentVersion).where(DocumentVersion.consultation_id == consultation_id)
                             .order_by(DocumentVersion.number.desc()).limit(1))
    common = {"cid": str(consultation.id), "slug": consultation.slug, "consultation": consultation.title}
    writer.add_document(key=f"consultation:{consultation.id}", kind="consultation",
                        title=consultation.title, text=f"{consultation.summary}\n{consultation.scope_about}",
                        date=consultation.published_at, **common)
    if version is None:
        return
    for p in session.scalars(select(Paragraph).where(Paragraph.version_id == version.id)):
        writer.add_document(key=f"paragraph:{consultation.id}:{p.anchor}", kind="paragraph",
                            title=consultation.title, text=p.text, number=p.number, anchor=p.anchor,
                            version=version.number, date=version.created_at, **common)


def _index_comment(writer, session: Session, comment_id: int) -> None:
    key = f"comment:{comment_id}"
    comment = session.get(Comment, comment_id)
    consultation = session.get(Consultation, comment.consultation_id) if comment else None
    if (comment is None or comment.status != CommentStatus.PUBLISHED.value
            or consultation is None or consultation.published_at is None):
        writer.delete_by_term("key", key)
        return
    writer.update_document(
        key=key, kind="comment", cid=str(consultation.id), slug=consultation.slug,
        consultation=consultation.title, title=consultation.title, text=comment.body,
        number=comment.paragraph_number or "", anchor=comment.anchor or "",
        version=comment.version.number, item_id=comment.id,
        date=comment.published_at or comment.created_at)


def _index_response(writer, session: Session, consultation_id: int) -> None:
    writer.delete_by_query(And([Term("cid", str(consultation_id)), Term("kind", "response")]))
    consultation = session.get(Consultation, consultation_id)
    response = session.scalar(select(Response).where(Response.consultation_id == consultation_id))
    if consultation is None or response is None or response.published_at is None:
        return
    common = {"cid": str(consultation.id), "slug": consultation.slug, "consultation": consultation.title,
              "kind": "response", "date": response.published_at}
    writer.add_document(key=f"response:{consultation.id}:summary", title=f"Response: {consultation.title}",
                        text=f"{response.summary}\n{response.next_steps}", anchor="", **common)
    for theme in session.scalars(select(Theme).where(Theme.consultation_id == consultation_id,
                                                     Theme.merged_into_id.is_(None))):
        writer.add_document(key=f"response:{consultation.id}:{theme.id}", title=theme.title,
                            text=f"{theme.title}\n{theme.said}\n{theme.reasons}", anchor=f"theme-{theme.id}",
                            item_id=theme.id, **common)


def apply_changes(index_dir: str, session: Session, batch: int = 2000) -> int:
    """Apply the change log to this host's index; returns how many entries were applied."""
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    ix = _open(index_dir, session)
    position = _position(index_dir)
    changes = session.execute(select(SearchChange.id, SearchChange.kind, SearchChange.object_id)
                              .where(SearchChange.id > position).order_by(SearchChange.id).limit(batch)).all()
    if not changes:
        return 0
    todo = dict.fromkeys((kind, object_id) for _id, kind, object_id in changes)
    writer = ix.writer(timeout=30)
    try:
        for kind, object_id in todo:
            if kind == "comment":
                _index_comment(writer, session, object_id)
            elif kind == "consultation":
                _index_consultation(writer, session, object_id)
            elif kind == "response":
                _index_response(writer, session, object_id)
            elif kind == "response_correction":
                response = session.get(Response, object_id)
                if response is not None:
                    _index_response(writer, session, response.consultation_id)
        writer.commit()
    except Exception:
        writer.cancel()
        raise
    _set_position(index_dir, changes[-1][0])
    session.rollback()  # end the read transaction; nothing was written to the database
    return len(changes)


def rebuild(index_dir: str, session: Session):
    """Recreate the index from the database: derived data, so this is always safe."""
    path = Path(index_dir)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    last = session.scalar(select(func.max(SearchChange.id))) or 0
    ix = whoosh_index.create_in(path, SCHEMA)
    writer = ix.writer(limitmb=128)
    for cid in session.scalars(select(Consultation.id)):
        _index_consultation(writer, session, cid)
        _index_response(writer, session, cid)
    # One streamed, joined query for every published comment (not a lookup per comment).
    rows = session.execute(
        select(Comment.id, Comment.body, Comment.paragraph_number, Comment.anchor,
               Comment.published_at, Comment.created_at, DocumentVersion.number,
               Consultation.id, Consultation.slug, Consultation.title)
        .join(DocumentVersion, DocumentVersion.id == Comment.version_id)
        .join(Consultation, Consultation.id == Comment.consultation_id)
        .where(Comment.status == CommentStatus.PUBLISHED.value, Consultation.published_at.is_not(None))
        .execution_options(yield_per=2000))
    for (comment_id, body, number, anchor, published_at, created_at, version,
         cid, slug, title) in rows:
        writer.add_document(key=f"comment:{comment_id}", kind="comment", cid=str(cid), slug=slug,
                            consultation=title, title=title, text=body, number=number or "",
                            anchor=anchor or "", version=version, item_id=comment_id,
                            date=published_at or created_at)
    writer.commit()
    _set_position(index_dir, last)
    return ix


def follow(index_dir: str, session_factory, interval: float = 2.0, stop: threading.Event | None = None) -> None:
    """Keep applying the change log until stopped (the `consult index --follow` worker)."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            with session_factory() as session:
                applied = apply_changes(index_dir, session)
        except Exception:  # noqa: BLE001 - the worker must survive a bad moment and retry
            log.exception("applying search changes failed; retrying")
            applied = 0
        if not applied:
            stop.wait(interval)


# --- searching ---------------------------------------------------------------------------------

class SearchError(ValueError):
    """A query we cannot run, with a plain message."""


class SearchUnavailable(SearchError):
    """The index is missing or being rebuilt; the query itself was fine."""


_searchers = threading.local()


def _searcher(index_dir: str):
    """This thread's searcher for an index, opened once and reopened when the index changed.

    Opening the index and its segments on every query costs far more than the query itself.
    (whoosh's own Searcher.refresh() reuses segment readers and misses new deletions, so a
    changed generation means a fresh reader.) Readers never write: a missing or broken index
    is rebuilt by the single writer.
    """
    cache = getattr(_searchers, "by_dir", None)
    if cache is None:
        cache = _searchers.by_dir = {}
    cached = cache.get(index_dir)
    try:
        if cached is not None and cached[0].latest_generation() == cached[1].reader().generation():
            return cached[1]
        if cached is not None:
            cached[1].close()
        ix = whoosh_index.open_dir(index_dir)
        searcher = ix.searcher()
    except Exception:  # noqa: BLE001 - missing or unreadable: the writer will rebuild it
        cache.pop(index_dir, None)
        raise SearchUnavailable("Search is being rebuilt. Please try again in a minute.") from None
    cache[index_dir] = (ix, searcher)
    return searcher


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

    @property
    def label(self) -> str:
        """What kind of thing this is, in words."""
        return KINDS.get(self.kind, self.kind)


@dataclass
class Results:
    """A page of hits."""

    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 0


def search(index_dir: str, session: Session, query: str, *, kinds: tuple[str, ...] = (),
           slugs: tuple[str, ...] | None = None, date_from: datetime | None = None,
           date_to: datetime | None = None, page: int = 1, pagelen: int = 20) -> Results:
    """Search the public index; phrase ("...") and prefix (word*) queries are understood."""
    query = (query or "").strip()
    if not query:
        raise SearchError("Type one or more words to search for.")
    if len(query) > MAX_QUERY:
        raise SearchError(f"Your search is {len(query):,} characters long; use at most {MAX_QUERY}.")
    if page < 1 or page > 1000:
        raise SearchError("That results page does not exist.")
    parser = MultifieldParser(["title", "text"], SCHEMA, group=OrGroup.factory(0.9))
    try:
        parsed = parser.parse(query)
    except Exception:  # noqa: BLE001 - whoosh raises assorted errors on odd syntax
        raise SearchError("We could not read that search. Try plain words, or a phrase in quotes.") from None
    if parsed is None or parsed is NullQuery:
        raise SearchError("Type one or more words to search for (operators alone find nothing).")
    searcher = _searcher(index_dir)
    filters = []
    if kinds:
        filters.append(Or([Term("kind", k) for k in kinds]))
    if slugs is not None:
        if not slugs:
            return Results(page=page)
        filters.append(Or([Term("slug", s) for s in slugs]))
    if date_from or date_to:
        filters.append(DateRange("date", date_from, date_to))
    results = searcher.search_page(parsed, page, pagelen=pagelen,
                                   filter=And(filters) if filters else None, terms=True)
    results.results.formatter = HtmlFormatter(tagname="mark", classname="match", termclass="")
    results.results.fragmenter = ContextFragmenter(maxchars=300, surround=60)
    hits = []
    for hit in results:
        text = hit.get("text", "")
        # whoosh's HtmlFormatter escapes the text around the <mark>s; the fallback escapes too.
        highlight = hit.highlights("text", text=text, top=2) or escape(text[:300])
        hits.append(Hit(kind=hit["kind"], slug=hit.get("slug", ""), consultation=hit.get("consultation", ""),
                        title=hit.get("title", ""), number=hit.get("number", "") or "",
                        anchor=hit.get("anchor", "") or "", version=hit.get("version"),
                        item_id=hit.get("item_id"), date=hit.get("date"), highlight=highlight))
    total = results.total
    return Results(hits, total, page, (total + pagelen - 1) // pagelen)


def start_background_indexer(app) -> threading.Thread:
    """For `make run`: a daemon thread that follows the change log in this process."""
    from consult.extensions import db

    stop = threading.Event()

    def run():
        with app.app_context():
            follow(app.config["SEARCH_INDEX_DIR"], lambda: Session(db.engine), stop=stop)

    thread = threading.Thread(target=run, name="search-indexer", daemon=True)
    thread.start()
    app.extensions["search_indexer_stop"] = stop
    return thread
