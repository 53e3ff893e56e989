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
from bisect import bisect_left
from itertools import accumulate
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path

from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index
from whoosh.collectors import TopCollector
from whoosh.analysis import StemmingAnalyzer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, HtmlFormatter, highlight
from whoosh.matching import ReadTooFar
from whoosh.qparser import MultifieldParser
from whoosh.query import And, NullQuery, NumericRange, Or, Phrase, Require, Term
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.util.numeric import byte_to_length

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

# Stems are cached without bound: the vocabulary is finite, and a full reindex stems the same
# few tens of thousands of words millions of times.
ANALYZER = StemmingAnalyzer(cachesize=-1)
SCHEMA = Schema(
    key=ID(unique=True, stored=True),
    kind=ID(stored=True),
    cid=ID,
    slug=ID(stored=True),
    consultation=STORED,
    # Only consultations and responses (and a response's themes) have a title of their own.
    # Paragraphs and comments carry their consultation's title as `consultation`, stored
    # for display but not searched: a word of the title would otherwise match every one of a
    # consultation's 100,000 comments, and indexing it doubles the work of a reindex.
    title=TEXT(stored=True, analyzer=ANALYZER),
    # Every search matches and ranks on `text`, which keeps each word's frequency but not its
    # positions: whoosh stores a posting's positions in the same pickled block as its document
    # numbers, and unpickling them was most of the time of a search pairing a rare word with a
    # common one (the common word's blocks are read for every candidate the rare one offers).
    text=TEXT(stored=True, analyzer=ANALYZER, phrase=False),
    # The same words with their positions, read only by phrase queries ("waiting list"): see
    # `_document` (which fills it) and `_phrases_by_position` (which points phrases at it).
    phrases=TEXT(analyzer=ANALYZER),
    number=STORED,
    anchor=STORED,
    version=STORED,
    item_id=STORED,
    date=STORED,
    # The day (proleptic ordinal) for the from/to filters, which are whole days: one term per
    # document, where a DATETIME field indexes eight.
    day=NUMERIC(int, bits=32, shift_step=0),
)
# Bump when SCHEMA or ANALYZER changes: the writer then rebuilds an index made by older code.
SCHEMA_VERSION = "4"
KINDS = {"paragraph": "Document paragraph", "comment": "Comment", "response": "Response",
         "consultation": "Consultation"}
MAX_QUERY = 500
POSITION_FILE = "applied-change-id"
SCHEMA_FILE = "schema-version"
# A search ranks at most this many matching documents (see _RankFirst).
MAX_RANKED = 500
# A rebuild of more comments than this indexes them in two processes (see `rebuild`).
PARALLEL_FROM = 20_000
# Memory for each rebuilding process's postings before whoosh spills them to sorted runs on
# disk and merges the runs at the end, in Python, posting by posting. At 100,000 comments 128 MB
# spilled and the merge was 40% of the rebuild (101 s -> 56-62 s with 512 MB on the bench
# machine); each process then peaks at ~700 MB, only during a full rebuild.
REBUILD_LIMIT_MB = 512
# Every writer keeps a segment's files apart rather than in one compound file: whoosh maps plain
# files into memory (shared by every process reading them) but copies each part of a compound
# file into private memory, which cost every gunicorn worker ~90 MB over 100,000 comments.
WRITER_OPTIONS = {"compound": False}


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
    """Open the index, rebuilding it when it is missing, unreadable or made by older code."""
    path = Path(index_dir)
    try:
        if whoosh_index.exists_in(path):
            if _schema_version(index_dir) == SCHEMA_VERSION:
                return whoosh_index.open_dir(path)
            log.warning("search index at %s has an older layout: rebuilding", path)
    except Exception as exc:  # noqa: BLE001 - any corruption means: rebuild
        log.warning("search index at %s unreadable (%s): rebuilding", path, exc)
    return rebuild(index_dir, session)


def _schema_version(index_dir: str) -> str:
    try:
        return (Path(index_dir) / SCHEMA_FILE).read_text().strip()
    except OSError:
        return ""


def _position(index_dir: str) -> int:
    try:
        return int((Path(index_dir) / POSITION_FILE).read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def _write_file(index_dir: str, name: str, value: str) -> None:
    target = Path(index_dir) / name
    tmp = target.with_suffix(".tmp")
    tmp.write_text(value)
    os.replace(tmp, target)


def _set_position(index_dir: str, value: int) -> None:
    _write_file(index_dir, POSITION_FILE, str(value))


def _day(value: datetime) -> int:
    return value.toordinal()


def _document(**fields) -> dict:
    """A document's fields as given, with its text also indexed with positions for phrases."""
    if "text" in fields:
        fields["phrases"] = fields["text"]
    return fields


def _comment_document(comment_id: int, body: str, number: str | None, anchor: str | None,
                      when: datetime, version: int, slug: str, title: str) -> dict:
    """The fields of a published comment's document (one place for rebuild and updates).

    No `cid`: only a consultation's own documents and its response are found by it (to be
    replaced); a comment is replaced by its key.
    """
    return _document(key=f"comment:{comment_id}", kind="comment", slug=slug, consultation=title,
                     text=body, number=number or "", anchor=anchor or "", version=version,
                     item_id=comment_id, date=when, day=_day(when))


def _index_consultation(writer, session: Session, consultation_id: int) -> None:
    writer.delete_by_query(And([Term("cid", str(consultation_id)),
                                Or([Term("kind", "paragraph"), Term("kind", "consultation")])]))
    consultation = session.get(Consultation, consultation_id)
    if consultation is None or consultation.published_at is None:
        return
    version = session.scalar(select(DocumentVersion).where(DocumentVersion.consultation_id == consultation_id)
                             .order_by(DocumentVersion.number.desc()).limit(1))
    common = {"cid": str(consultation.id), "slug": consultation.slug, "consultation": consultation.title}
    writer.add_document(**_document(
        key=f"consultation:{consultation.id}", kind="consultation", title=consultation.title,
        text=f"{consultation.summary}\n{consultation.scope_about}", date=consultation.published_at,
        day=_day(consultation.published_at), **common))
    if version is None:
        return
    for p in session.scalars(select(Paragraph).where(Paragraph.version_id == version.id)):
        writer.add_document(**_document(
            key=f"paragraph:{consultation.id}:{p.anchor}", kind="paragraph", text=p.text,
            number=p.number, anchor=p.anchor, version=version.number, date=version.created_at,
            day=_day(version.created_at), **common))


def _index_comment(writer, session: Session, comment_id: int) -> None:
    key = f"comment:{comment_id}"
    comment = session.get(Comment, comment_id)
    consultation = session.get(Consultation, comment.consultation_id) if comment else None
    if (comment is None or comment.status != CommentStatus.PUBLISHED.value
            or consultation is None or consultation.published_at is None):
        writer.delete_by_term("key", key)
        return
    writer.update_document(**_comment_document(
        comment.id, comment.body, comment.paragraph_number, comment.anchor,
        comment.published_at or comment.created_at, comment.version.number,
        consultation.slug, consultation.title))


def _index_response(writer, session: Session, consultation_id: int) -> None:
    writer.delete_by_query(And([Term("cid", str(consultation_id)), Term("kind", "response")]))
    consultation = session.get(Consultation, consultation_id)
    response = session.scalar(select(Response).where(Response.consultation_id == consultation_id))
    if consultation is None or response is None or response.published_at is None:
        return
    common = {"cid": str(consultation.id), "slug": consultation.slug, "consultation": consultation.title,
              "kind": "response", "date": response.published_at, "day": _day(response.published_at)}
    writer.add_document(**_document(
        key=f"response:{consultation.id}:summary", title=f"Response: {consultation.title}",
        text=f"{response.summary}\n{response.next_steps}", anchor="", **common))
    for theme in session.scalars(select(Theme).where(Theme.consultation_id == consultation_id,
                                                     Theme.merged_into_id.is_(None))):
        writer.add_document(**_document(
            key=f"response:{consultation.id}:{theme.id}", title=theme.title,
            text=f"{theme.title}\n{theme.said}\n{theme.reasons}", anchor=f"theme-{theme.id}",
            item_id=theme.id, **common))


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
    writer = ix.writer(timeout=30, **WRITER_OPTIONS)
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


def rebuild(index_dir: str, session: Session, procs: int | None = None):
    """Recreate the index from the database: derived data, so this is always safe.

    Indexing is pure Python and CPU-bound, so a large rebuild (more than PARALLEL_FROM
    published comments) runs in whoosh's multiprocessing writer: worker processes analyse the
    documents and each writes its own segment, kept as is rather than merged into one
    (`multisegment`), which a search reads at the same speed. `procs` overrides the choice.
    """
    path = Path(index_dir)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    last = session.scalar(select(func.max(SearchChange.id))) or 0
    published = (Comment.status == CommentStatus.PUBLISHED.value, Consultation.published_at.is_not(None))
    if procs is None:
        count = session.scalar(select(func.count()).select_from(Comment)
                               .join(Consultation, Consultation.id == Comment.consultation_id)
                               .where(*published)) or 0
        procs = min(2, os.cpu_count() or 1) if count > PARALLEL_FROM else 1
    ix = whoosh_index.create_in(path, SCHEMA)
    if procs > 1:
        writer = ix.writer(procs=procs, multisegment=True, limitmb=REBUILD_LIMIT_MB, **WRITER_OPTIONS)
    else:
        writer = ix.writer(limitmb=REBUILD_LIMIT_MB, **WRITER_OPTIONS)
    for cid in session.scalars(select(Consultation.id)):
        _index_consultation(writer, session, cid)
        _index_response(writer, session, cid)
    # One streamed, joined query for every published comment (not a lookup per comment).
    rows = session.execute(
        select(Comment.id, Comment.body, Comment.paragraph_number, Comment.anchor,
               func.coalesce(Comment.published_at, Comment.created_at), DocumentVersion.number,
               Consultation.slug, Consultation.title)
        .join(DocumentVersion, DocumentVersion.id == Comment.version_id)
        .join(Consultation, Consultation.id == Comment.consultation_id)
        .where(*published)
        .execution_options(yield_per=2000))
    for row in rows:
        writer.add_document(**_comment_document(*row))
    writer.commit()
    _write_file(index_dir, SCHEMA_FILE, SCHEMA_VERSION)
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


def _skip_to(self, targetid) -> None:
    """W3LeafMatcher.skip_to, finding the target inside a block by bisection.

    whoosh skips whole blocks of postings by their last document number, then steps through
    the block one posting at a time (three Python calls each). An all-words search pairing a
    rare word with a common one skips the common word's postings once per candidate, half a
    block each time on average, and that stepping was the largest part of such a search. Same
    contract as the original: stop on the first posting >= targetid, or become inactive. (The
    matcher's is_active() and id() are inlined: this runs about five times per match.)
    """
    if self._atend or self._i >= self._blocklength:
        raise ReadTooFar
    if self._ids is None:
        self._read_ids()
    if targetid <= self._ids[self._i]:
        return
    if targetid > self._maxid:  # the block's last document number: skip whole blocks
        while targetid > self._maxid:
            self._next_block()  # reads the next block's header only
            if self._atend:
                return
        self._read_ids()
    # targetid <= the block's last id, so it lands inside this block.
    self._i = bisect_left(self._ids, targetid, self._i)


def _read_ids(self) -> None:
    """W3LeafMatcher._read_ids, undoing the delta encoding in C (itertools.accumulate) rather
    than in whoosh's Python generator: every block a search touches is decoded this way."""
    if self._data is None:
        self._read_data()
    ids = self._data[0]
    self._ids = ids if self._byteids else tuple(accumulate(ids))


W3LeafMatcher.skip_to = _skip_to
W3LeafMatcher._read_ids = _read_ids

# Field lengths as whoosh stores them (one byte per document, decoded by byte_to_length).
_LENGTH_OF_BYTE = [byte_to_length(code) for code in range(256)]


class _BM25F(BM25F):
    """whoosh's BM25F, reading a segment's field lengths once per term, not once per match.

    The stock scorer looks up each match's field length with a seek and a one-byte read of the
    lengths column (~9 us, twice per match of a two-word search, most of the scoring time).
    Here the column of the segment is read whole (one byte per document: ~50 KB per 50,000)
    when the term's scorer is made, and each match indexes it. Same scores.
    """

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, BM25FScorer):
            lengths = _field_lengths(searcher.reader(), fieldname)
            if lengths is not None:
                scorer.dfl = lengths
        return scorer


def _field_lengths(reader, fieldname):
    """docnum -> this field's length in one segment, from the lengths column read whole; None
    where the reader is not the plain whoosh 3 segment reader this relies on."""
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is None or not hasattr(perdoc, "_cached_reader"):
        return None
    column = perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
    if column is None or getattr(column, "_fixedlen", None) != 1:
        return None
    codes = column._dbfile.get(column._basepos, column._count)
    decode = _LENGTH_OF_BYTE[:]
    decode[0] = perdoc.min_field_length(fieldname)  # as W3PerDocReader.doc_field_length does
    stored = len(codes)  # the column stops at the last document with a length

    def length(docnum: int) -> int:
        return decode[codes[docnum]] if docnum < stored else decode[0]
    return length


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
        searcher = ix.searcher(weighting=_BM25F())
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


class _Enough(Exception):
    """Raised by _RankFirst when it has ranked as many matches as it may."""


class _RankFirst(TopCollector):
    """Keep the best `limit` of the first `budget` matches (in index order), counting them.

    whoosh scores matches one at a time in Python, a few microseconds each: a two-word search
    whose words are both common matches half of 100,000 comments and would take a third of a
    second to rank in full, and as long again to count. Past `budget` matches the ranking stops,
    and the total is estimated from how far through the index the budget reached. Every match
    is counted as it is ranked, so no second pass counts them (whoosh's block-skipping
    optimisation is off: it saves little on all-words queries and needs that second pass).
    """

    def __init__(self, limit: int, budget: int) -> None:
        # replace=0: never swap in a matcher that leaves out documents that cannot reach the
        # top `limit`, as whoosh otherwise does, which would stop the count short.
        super().__init__(limit=limit, usequality=False, replace=0)
        self.budget = budget
        self.stopped_at: int | None = None

    def set_subsearcher(self, subsearcher, offset) -> None:
        super().set_subsearcher(subsearcher, offset)
        self.matcher = self.matcher.replace()  # drop parts of the query this segment lacks

    def collect_matches(self) -> None:
        for sub_docnum in self.matches():
            self.collect(sub_docnum)
            if self.total >= self.budget:
                self.stopped_at = self.offset + sub_docnum
                raise _Enough


def _phrases_by_position(query):
    """A phrase in `text` is looked for in `phrases`, the field that keeps positions (SCHEMA)."""
    if isinstance(query, Phrase) and query.fieldname == "text":
        return Phrase("phrases", query.words, slop=query.slop, boost=query.boost,
                      char_ranges=query.char_ranges)
    return query


def _words_to_mark(query, reader) -> set[str]:
    """The indexed words of the text fields that a query names, prefixes expanded.

    Both `text` and `phrases` (a phrase's words) hold the same analysed words. (whoosh's own
    Query.existing_terms cannot do this: its field filter is overwritten by its loop variable.)
    """
    words = set()
    for leaf in query.leaves():
        if leaf.field() not in ("text", "phrases"):
            continue
        for name, text in leaf.expanded_terms(reader, phrases=True):
            field = SCHEMA[name]
            btext = field.to_bytes(text) if isinstance(text, str) else text
            if (name, btext) in reader:
                words.add(field.from_bytes(btext))
    return words


def search(index_dir: str, session: Session, query: str, *, kinds: tuple[str, ...] = (),
           slugs: tuple[str, ...] | None = None, date_from: datetime | None = None,
           date_to: datetime | None = None, page: int = 1, pagelen: int = 20) -> Results:
    """Search the public index for documents holding all the words, best matches first.

    Phrase ("...") and prefix (word*) queries are understood, and so are OR and NOT.
    """
    query = (query or "").strip()
    if not query:
        raise SearchError("Type one or more words to search for.")
    if len(query) > MAX_QUERY:
        raise SearchError(f"Your search is {len(query):,} characters long; use at most {MAX_QUERY}.")
    if page < 1 or page > 1000:
        raise SearchError("That results page does not exist.")
    # Every word must match (the parser's default AndGroup): what people expect of a search
    # box, and far cheaper than ranking every document holding any one common word.
    parser = MultifieldParser(["title", "text"], SCHEMA)
    try:
        parsed = parser.parse(query)
    except Exception:  # noqa: BLE001 - whoosh raises assorted errors on odd syntax
        raise SearchError("We could not read that search. Try plain words, or a phrase in quotes.") from None
    if parsed is None or parsed is NullQuery:
        if not any(ch.isalnum() for ch in query):
            # Emoji and punctuation are not indexed: say so, not that they were operators.
            raise SearchError(f"Search finds words and numbers, and “{query[:40]}” has none. "
                              "Try a word or two.")
        raise SearchError("Type one or more words to search for (operators alone find nothing).")
    parsed = parsed.accept(_phrases_by_position)
    searcher = _searcher(index_dir)
    filters = []
    if kinds:
        filters.append(Or([Term("kind", k) for k in kinds]))
    if slugs is not None:
        if not slugs:
            return Results(page=page)
        filters.append(Or([Term("slug", s) for s in slugs]))
    if date_from or date_to:
        # The filters are whole days (the form asks for dates), so documents carry their day.
        filters.append(NumericRange("day", date_from and _day(date_from), date_to and _day(date_to)))
    # Require: the filters narrow the matches without touching their scores, and are matched
    # inside the query (skipping along the postings) rather than as a set of every filtered
    # document built for each search. (Require's block-skipping path is broken in whoosh 2.7;
    # _RankFirst never takes it.)
    collector = _RankFirst(limit=page * pagelen, budget=MAX_RANKED)
    try:
        searcher.search_with_collector(Require(parsed, And(filters)) if filters else parsed, collector)
    except _Enough:
        pass
    results = collector.results()
    if collector.stopped_at is None:
        total, exact = collector.total, True
    else:
        # The budget ran out a fraction of the way through the index: scale up, to two figures.
        estimate = collector.total * searcher.doc_count_all() / (collector.stopped_at + 1)
        total, exact = max(collector.total, int(float(f"{estimate:.2g}"))), False
    # Highlight the words searched for (prefixes expanded to the words found in the index) in
    # each hit's text, rather than have whoosh record the matched terms of every match.
    words = _words_to_mark(parsed, searcher.reader())
    formatter = HtmlFormatter(tagname="mark", classname="match", termclass="")
    fragmenter = ContextFragmenter(maxchars=300, surround=60)
    hits = []
    for hit in results[(page - 1) * pagelen:page * pagelen]:
        text = hit.get("text", "")
        # whoosh's HtmlFormatter escapes the text around the <mark>s; the fallback escapes too.
        marked = highlight(text, words, ANALYZER, fragmenter, formatter, top=2) if words else ""
        hits.append(Hit(kind=hit["kind"], slug=hit.get("slug", ""), consultation=hit.get("consultation", ""),
                        title=hit.get("title", ""), number=hit.get("number", "") or "",
                        anchor=hit.get("anchor", "") or "", version=hit.get("version"),
                        item_id=hit.get("item_id"), date=hit.get("date"),
                        highlight=marked or escape(text[:300])))
    # Only the ranked matches can be shown, so the pages end there.
    pages = (min(total, MAX_RANKED) + pagelen - 1) // pagelen
    return Results(hits, total, page, pages, exact)


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
