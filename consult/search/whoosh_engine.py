"""The Whoosh search engine: the only module that imports whoosh.

The schema and analyser, the index folder (opened, or rebuilt when missing, unreadable or made by
older code), the single writer that applies the change log (`apply_changes`, remembering the
last id applied in a file inside the index folder) or recreates the index (`rebuild`), and the
searcher: query parsing, filters, ranking and highlighting. What is indexed and what a change
means come from records.py, which knows nothing of whoosh.
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer
from whoosh.collectors import TopCollector
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, HtmlFormatter, highlight
from whoosh.lang import porter2
from whoosh.qparser import MultifieldParser, QueryParser
from whoosh.query import And, NullQuery, NumericRange, Or, Phrase, Require, Term
from whoosh.scoring import BM25F

from consult.i18n import gettext
from moderation.db import DbSession

from . import records
from .records import Hit, Results, SearchUnavailable, day

log = logging.getLogger(__name__)
# Stems are cached without bound: the vocabulary is finite, and a full reindex stems the same
# few tens of thousands of words millions of times.
# The words PostgreSQL's 'english' configuration leaves out (its english.stop) and its stemmer
# (Snowball English, porter2), with one-letter words kept as it keeps them: the two engines then
# find the same comments for the same words (with whoosh's own 34 stop words and the original
# Porter stemmer, 4 of 20 two-word queries matched different comments at 1,000,000).
_ENGLISH_STOP = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can did do does doing don down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own s same she should so some such t than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom why will with you your yours yourself yourselves
"""
ENGLISH_STOP_WORDS = frozenset(_ENGLISH_STOP.split())
ANALYZER = StemmingAnalyzer(stoplist=ENGLISH_STOP_WORDS, minsize=1, stemfn=porter2.stem, cachesize=-1)
# Comments in a language other than English (records.stemmed_in_english) are indexed word for
# word: lowercased, no stemming, no stop words, one-letter words kept (Welsh "a", "i", "o"), as
# PostgreSQL's 'simple' configuration does, in fields of their own (`plain`, `plain_phrases`).
PLAIN_ANALYZER = StandardAnalyzer(stoplist=None, minsize=1)
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
    # A comment or translated paragraph not in English: its text, and its words with positions
    # (see `_document`).
    plain=TEXT(stored=True, analyzer=PLAIN_ANALYZER, phrase=False),
    plain_phrases=TEXT(analyzer=PLAIN_ANALYZER),
    language=STORED,
    number=STORED,
    anchor=STORED,
    version=STORED,
    item_id=STORED,
    date=STORED,
    # The day (proleptic ordinal) for the from/to filters, which are whole days: one term per
    # document, where a DATETIME field indexes eight.
    day=NUMERIC(int, bits=32, shift_step=0),
)
# Bump when SCHEMA or ANALYZER changes, or what is indexed: the writer then rebuilds an index made
# by older code (6: the translated paragraphs of a consultation's current version; 7: PostgreSQL's
# English stop words and stemmer).
SCHEMA_VERSION = "7"
POSITION_FILE = "applied-change-id"
SCHEMA_FILE = "schema-version"
BUILD_FILE = "build-id"  # a rebuild's own id: a cached searcher knows a swapped-in index by it
STALE_BUILD_SECONDS = 24 * 3600  # a half-built index this old was left by a rebuild that was killed
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

# --- the index ---------------------------------------------------------------------------------

@contextlib.contextmanager
def _swap_lock(index_dir: str):
    """Held to swap a rebuilt index in, and by whoever reads or writes the live one meanwhile:
    a lock file beside the index, shared by the processes of this host (the web's indexer
    thread, a worker's rebuild job, the CLI), so none meets the moment between the two renames."""
    path = Path(index_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _live(index_dir: str):
    """The live index, opened; None when it is missing, unreadable or made by older code (to be
    rebuilt). Called with the swap lock held."""
    path = Path(index_dir)
    try:
        if whoosh_index.exists_in(path):
            if _schema_version(index_dir) == SCHEMA_VERSION:
                return whoosh_index.open_dir(path)
            log.warning("search index at %s has an older layout: rebuilding", path)
    except Exception as exc:  # noqa: BLE001 - any corruption means: rebuild
        log.warning("search index at %s unreadable (%s): rebuilding", path, exc)
    return None


def _build_id(index_dir: str) -> str:
    """Which build of the index is at this path (written by each rebuild; "" for an older index)."""
    try:
        return (Path(index_dir) / BUILD_FILE).read_text().strip()
    except FileNotFoundError:
        os.stat(index_dir)  # no index at all: the caller says search is being rebuilt
        return ""


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


def _document(**fields) -> dict:
    """A document's fields as given, with its text also indexed with positions for phrases; the
    text of a comment or a translated paragraph not in English goes to the fields indexed word
    for word instead (documents without a language are the main text: English stemming)."""
    if "text" in fields:
        if not records.stemmed_in_english(fields.get("language")):
            fields["plain"] = fields["plain_phrases"] = fields.pop("text")
        else:
            fields["phrases"] = fields["text"]
    return fields



def _add(writer, documents, progress: Callable[[int], None] | None = None) -> None:
    for count, fields in enumerate(documents, 1):
        writer.add_document(**_document(**fields))
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)


def _replace(writer, scope: str, ident: str, documents: list[dict]) -> None:
    """Replace what the index holds for one change (see records.replacement) by `documents`."""
    if scope == "comment":
        if documents:
            writer.update_document(**_document(**documents[0]))
        else:
            writer.delete_by_term("key", ident)
        return
    own = ([Term("kind", "paragraph"), Term("kind", "consultation")] if scope == "consultation"
           else [Term("kind", "response")])
    writer.delete_by_query(And([Term("cid", ident), Or(own) if len(own) > 1 else own[0]]))
    _add(writer, documents)


def apply_changes(index_dir: str, session: DbSession, batch: int = 2000) -> int:
    """Apply the change log to this host's index; returns how many entries were applied. The
    index is opened once, under the swap lock (a rebuild is not about to replace it); one that
    must be rebuilt first is rebuilt outside the lock, which the rebuild takes to swap it in."""
    with _swap_lock(index_dir):
        ix = _live(index_dir)
        if ix is not None:
            return _apply(ix, index_dir, session, batch)
    rebuild(index_dir, session)
    with _swap_lock(index_dir):
        return _apply(whoosh_index.open_dir(index_dir), index_dir, session, batch)


def _apply(ix, index_dir: str, session: DbSession, batch: int) -> int:
    todo, applied, last = records.pending_changes(session, _position(index_dir), batch)
    if not applied:
        return 0
    writer = ix.writer(timeout=30, **WRITER_OPTIONS)
    try:
        for kind, object_id in todo:
            change = records.replacement(session, kind, object_id)
            if change is not None:
                _replace(writer, *change)
        writer.commit()
    except Exception:
        writer.cancel()
        raise
    _set_position(index_dir, last)
    session.rollback()  # end the read transaction; nothing was written to the database
    return applied


PROGRESS_EVERY = 500  # comments indexed between two calls of a rebuild's progress callback


def rebuild(index_dir: str, session: DbSession, procs: int | None = None,
            progress: Callable[[int], None] | None = None):
    """Recreate the index from the database: derived data, so this is always safe.

    `progress(n)` is called as the published comments are added, n more each time (a CLI
    progress bar, a job's progress), with the total from `records.published_comment_count`.

    Indexing is pure Python and CPU-bound, so a large rebuild (more than PARALLEL_FROM
    published comments) runs in whoosh's multiprocessing writer: worker processes analyse the
    documents and each writes its own segment, kept as is rather than merged into one
    (`multisegment`), which a search reads at the same speed. `procs` overrides the choice.
    """
    path = Path(index_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Built beside the live index and swapped in when complete: searches (and the indexer's
    # changes) use the old one until then, and a failed rebuild leaves it as it was.
    building = path.with_name(f".{path.name}.building-{os.getpid()}-{threading.get_ident()}")
    for stale in path.parent.glob(f".{path.name}.building-*"):  # left by a rebuild killed a day ago
        with contextlib.suppress(OSError):
            if time.time() - stale.stat().st_mtime > STALE_BUILD_SECONDS:
                shutil.rmtree(stale, ignore_errors=True)
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    try:
        _build(building, session, procs, progress)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    _swap_in(building, path)
    return whoosh_index.open_dir(path)


def _swap_in(built: Path, live: Path) -> None:
    """Put a finished index where the live one is: two renames under the swap lock."""
    old = live.with_name(f".{live.name}.old-{os.getpid()}-{threading.get_ident()}")
    with _swap_lock(str(live)):
        if live.exists():
            os.rename(live, old)
        os.rename(built, live)
    shutil.rmtree(old, ignore_errors=True)  # open readers keep their files until they close


def _build(path: Path, session: DbSession, procs: int | None, progress: Callable[[int], None] | None) -> None:
    index_dir = str(path)
    last = records.last_change_id(session)
    if procs is None:
        count = records.published_comment_count(session)
        procs = min(2, os.cpu_count() or 1) if count > PARALLEL_FROM else 1
    ix = whoosh_index.create_in(path, SCHEMA)
    if procs > 1:
        writer = ix.writer(procs=procs, multisegment=True, limitmb=REBUILD_LIMIT_MB, **WRITER_OPTIONS)
    else:
        writer = ix.writer(limitmb=REBUILD_LIMIT_MB, **WRITER_OPTIONS)
    for cid in records.consultation_ids(session):
        _add(writer, records.consultation_documents(session, cid))
        _add(writer, records.response_documents(session, cid))
    _add(writer, records.published_comment_documents(session), progress)
    writer.commit()
    _write_file(index_dir, SCHEMA_FILE, SCHEMA_VERSION)
    _write_file(index_dir, BUILD_FILE, uuid.uuid4().hex)
    _set_position(index_dir, last)


# --- searching: through whoosh's own extension points only (a collector), nothing patched ------

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
        # A rebuilt index is another build at the same path (see _swap_in), whatever its generation.
        folder = _build_id(index_dir)
        if (cached is not None and cached[2] == folder
                and cached[0].latest_generation() == cached[1].reader().generation()):
            return cached[1]
        if cached is not None:
            cached[1].close()
        ix = whoosh_index.open_dir(index_dir)
        searcher = ix.searcher(weighting=BM25F())
    except Exception:  # noqa: BLE001 - missing or unreadable: the writer will rebuild it
        cache.pop(index_dir, None)
        raise SearchUnavailable(gettext("Search is being rebuilt. Please try again in a minute.")) from None
    cache[index_dir] = (ix, searcher, folder)
    return searcher



class _Enough(Exception):
    """Raised by _RankFirst when it has ranked as many matches as it may."""


def _share_read(searcher, kinds: tuple[str, ...], stopped_at: int) -> float:
    """1 / the share of the candidate documents a search stopped at `stopped_at` had read.

    Asked for some kinds only (comments, say), the candidates are the documents of those kinds:
    the others (a few thousand paragraphs, before the comments in each segment) are not counted
    as read, or a common word's "about N" comes out 2-4 times too low at 1,000,000 comments."""
    read = stopped_at + 1
    if not kinds:
        return searcher.doc_count_all() / read
    candidates = sum(searcher.doc_frequency("kind", kind) for kind in kinds)
    others = 0
    for kind in searcher.lexicon("kind"):
        name = kind.decode() if isinstance(kind, bytes) else kind
        if name in kinds:
            continue
        matcher = searcher.postings("kind", name)
        while matcher.is_active() and matcher.id() <= stopped_at:
            others += 1
            matcher.next()
    return candidates / max(read - others, 1)


class _RankFirst(TopCollector):
    """Keep the best `limit` of the first `budget` matches (in index order), counting them.

    whoosh scores matches one at a time in Python, a few microseconds each: a two-word search
    whose words are both common matches half of 100,000 comments and would take a third of a
    second to rank in full, and as long again to count. Past `budget` matches the ranking stops,
    and the total is estimated from how far through the index the budget reached. Every match
    is counted as it is ranked, so no second pass counts them (whoosh's block-skipping
    optimisation is off: it saves little on all-words queries and needs that second pass).
    """

    matcher: Any  # whoosh's Collector sets it per segment (set_subsearcher)

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
    if isinstance(query, Phrase) and query.fieldname in _POSITIONS:
        return Phrase(_POSITIONS[query.fieldname], query.words, slop=query.slop, boost=query.boost,
                      char_ranges=query.char_ranges)
    return query


_POSITIONS = {"text": "phrases", "plain": "plain_phrases"}


def _words_to_mark(query, reader) -> set[str]:
    """The indexed words of the text fields that a query names, prefixes expanded.

    Both `text` and `phrases` (a phrase's words) hold the same analysed words, as `plain` and
    `plain_phrases` do. (whoosh's own Query.existing_terms cannot do this: its field filter is
    overwritten by its loop variable.)
    """
    words = set()
    for leaf in query.leaves():
        if leaf.field() not in ("text", "phrases", "plain", "plain_phrases"):
            continue
        for name, text in leaf.expanded_terms(reader, phrases=True):
            field = SCHEMA[name]
            btext = field.to_bytes(text) if isinstance(text, str) else text
            if (name, btext) in reader:
                words.add(field.from_bytes(btext))
    return words


# `session` is unused (the index holds all a search shows); removed once callers stop passing it.
def search(index_dir: str, query: str, *, kinds: tuple[str, ...] = (),
           slugs: tuple[str, ...] | None = None, date_from: datetime | None = None,
           date_to: datetime | None = None, page: int = 1, pagelen: int = 20) -> Results:
    """Search the public index for documents holding all the words, best matches first.

    Phrase ("...") and prefix (word*) queries are understood, and so are OR and NOT.
    """
    query = records.check_query(query, page)
    # Every word must match (the parser's default AndGroup): what people expect of a search
    # box, and far cheaper than ranking every document holding any one common word. The query
    # is read twice, as PostgreSQL's engine reads it: with English stemming (titles and English
    # text), and word for word (the comments in other languages), a document matching either.
    parser = MultifieldParser(["title", "text"], SCHEMA)
    try:
        parsed = parser.parse(query)
        plain = QueryParser("plain", SCHEMA).parse(query)
    except Exception:  # noqa: BLE001 - whoosh raises assorted errors on odd syntax
        raise records.unreadable() from None
    if parsed is None or parsed is NullQuery:  # stop words alone find nothing, in any language
        raise records.nothing_to_find(query)
    if plain is not None and plain is not NullQuery:
        parsed = Or([parsed, plain])
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
        filters.append(NumericRange("day", date_from and day(date_from), date_to and day(date_to)))
    # Require: the filters narrow the matches without touching their scores, and are matched
    # inside the query (skipping along the postings) rather than as a set of every filtered
    # document built for each search. (Require's block-skipping path is broken in whoosh 2.7;
    # _RankFirst never takes it.)
    collector = _RankFirst(limit=page * pagelen, budget=MAX_RANKED)
    with contextlib.suppress(_Enough):  # the budget ran out: rank what was found (see _RankFirst)
        searcher.search_with_collector(Require(parsed, And(filters)) if filters else parsed, collector)
    results = collector.results()
    if collector.stopped_at is None:
        total, exact = collector.total, True
    else:
        # The budget ran out a fraction of the way through the index: scale up, to two figures.
        estimate = collector.total * _share_read(searcher, kinds, collector.stopped_at)
        total, exact = max(collector.total, int(float(f"{estimate:.2g}"))), False
    # Highlight the words searched for (prefixes expanded to the words found in the index) in
    # each hit's text, rather than have whoosh record the matched terms of every match.
    words = _words_to_mark(parsed, searcher.reader())
    formatter = HtmlFormatter(tagname="mark", classname="match", termclass="")
    fragmenter = ContextFragmenter(maxchars=300, surround=60)
    hits = []
    for hit in results[(page - 1) * pagelen:page * pagelen]:
        stemmed = "plain" not in hit
        text = hit.get("text", "") if stemmed else hit["plain"]
        # whoosh's HtmlFormatter escapes the text around the <mark>s; the fallback escapes too.
        marked = highlight(text, words, ANALYZER if stemmed else PLAIN_ANALYZER, fragmenter, formatter,
                           top=2) if words else ""
        hits.append(Hit(kind=hit["kind"], slug=hit.get("slug", ""), consultation=hit.get("consultation", ""),
                        title=hit.get("title", ""), number=hit.get("number", "") or "",
                        anchor=hit.get("anchor", "") or "", version=hit.get("version"),
                        item_id=hit.get("item_id"), date=hit.get("date"),
                        highlight=marked or escape(text[:300]), language=hit.get("language") or None))
    # Only the ranked matches can be shown, so the pages end there.
    pages = (min(total, MAX_RANKED) + pagelen - 1) // pagelen
    return Results(hits, total, page, pages, exact)
