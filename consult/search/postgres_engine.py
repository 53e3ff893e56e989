"""PostgreSQL's own full-text search: no index folder, no change log, no follower, no rebuild.

Each searchable table has a GIN index over the tsvector of its text (`INDEXES`, created by the
migration on PostgreSQL only). An index over an expression is maintained by PostgreSQL in the
same transaction as the row: a comment is findable the moment its publication commits, on
every host and every read replica, and there is nothing to rebuild. (No stored tsvector column:
it would double the text on disk and need a column SQLite cannot have; the price is computing
the vector again for the matches that are ranked, at most MAX_RANKED, and the page shown.)

What is searchable is decided in the query, by the same rules as the Whoosh index's documents
(records.py): published consultations and their current version's paragraphs (in the main text
and in each other language's text), published comments, published responses and their themes.
The query syntax is query.py's, translated here into a tsquery from bound parameters only
(plainto_tsquery, phraseto_tsquery, and to_tsquery on lexemes reduced to letters and digits):
user text is never part of the SQL, nor of tsquery syntax. Highlights come from ts_headline over
the HTML-escaped text, so the only markup in a highlight is its <mark>s. Ranking (ts_rank_cd)
and counting follow the Whoosh engine: at most MAX_RANKED matches are ranked, in table order,
and past that the total is estimated from how far through the table they reached.
"""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from html import escape
from typing import Any

from sqlalchemy import (
    DDL,
    Column,
    DateTime,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    any_,
    bindparam,
    case,
    cast,
    event,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import aliased
from sqlalchemy.types import TypeDecorator

from consult.database import unprepared
from consult.languages.models import ParagraphText
from consult.models import Comment, CommentStatus, Consultation, DocumentVersion, Paragraph, Response, Theme
from moderation.db import Base, DbSession

from . import query as syntax
from . import records
from .compiled import Array, execute
from .records import Hit, Results

# English stemming. Words the English dictionary does not know are indexed as written (the
# configuration's own 'simple' fallback for numbers, codes, e-mail addresses and other
# languages' words), so a query reaches them the same way.
CONFIG: Any = literal_column("'english'::regconfig")
# Comments in other languages are indexed word for word (COMMENT_CONFIG_SQL, below), so a query
# is also read that way and a comment matches either reading (see `search`).
SIMPLE: Any = literal_column("'simple'::regconfig")
TITLE_WEIGHT: Any = literal_column("'A'::\"char\"")
MAX_RANKED = 500  # as whoosh_engine.MAX_RANKED
# Set for a search's transaction (SET LOCAL), in the statement that reads the query. Each source
# is read from its first row, in one process: a scan of a large table may otherwise join one
# already under way and start where it is (synchronised scans), or be shared by parallel
# workers whose rows arrive in no set order, either giving other hits and another "about N" for
# the same search (and parallel workers cost each search the CPU of starting them).
SEARCH_SETTINGS = (("synchronize_seqscans", "off"), ("max_parallel_workers_per_gather", "0"))
HEADLINE = 'StartSel=<mark>, StopSel=</mark>, MaxFragments=2, MaxWords=30, MinWords=12, FragmentDelimiter=" … "'


def _vector(value):
    return func.to_tsvector(CONFIG, value)


def _titled(title, body):
    """A title's words weighted A (what `title:` finds), then the text's."""
    return func.setweight(_vector(title), TITLE_WEIGHT).op("||")(_vector(body))


def _joined(*parts):
    value = parts[0]
    for part in parts[1:]:
        value = value.op("||")(literal(" ")).op("||")(part)
    return value


class _Vector(TypeDecorator):
    """tsvector on PostgreSQL; plain text elsewhere (SQLite's copy of the table stays empty)."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(TSVECTOR() if dialect.name == "postgresql" else Text())


# Comments are the one big table: their vectors are stored (a row per comment, written by a
# trigger in the comment's own transaction), so that matching, ranking and the table-order
# sample read a vector rather than parse the text again (~60 us a comment). Other tables are
# small enough for an index over the expression alone.
COMMENT_VECTORS = Table(
    "comment_search", Base.metadata,
    Column("comment_id", ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True),
    Column("vector", _Vector(), nullable=False),
    Index("ix_comment_search_vector", "vector", postgresql_using="gin"),
)
# A comment's vector is made with its language's configuration: English stemming for English
# and for comments whose language is not known (all those written before languages were
# recorded), 'simple' (words as written, lowercased, no stemming, no stop words) for any other
# language. The migration a9d4e1c7b352 writes the same function and trigger.
COMMENT_CONFIG_SQL = ("(CASE WHEN coalesce(split_part({language}, '-', 1), 'en') = 'en' "
                      "THEN 'english' ELSE 'simple' END)::regconfig")
TRIGGER_FUNCTION = f"""CREATE OR REPLACE FUNCTION comment_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO comment_search (comment_id, vector)
    VALUES (NEW.id, to_tsvector({COMMENT_CONFIG_SQL.format(language="NEW.language")}, NEW.body))
    ON CONFLICT (comment_id) DO UPDATE SET vector = EXCLUDED.vector;
    RETURN NULL;
END $$"""
TRIGGER = ("CREATE TRIGGER comment_search_vector AFTER INSERT OR UPDATE OF body, language ON comments "
           "FOR EACH ROW EXECUTE FUNCTION comment_search_vector()")
BACKFILL = ("INSERT INTO comment_search (comment_id, vector) "
            f"SELECT id, to_tsvector({COMMENT_CONFIG_SQL.format(language='language')}, body) "
            "FROM comments ORDER BY id ON CONFLICT (comment_id) DO NOTHING")
for _statement in (TRIGGER_FUNCTION, TRIGGER):
    event.listen(COMMENT_VECTORS, "after_create", DDL(_statement).execute_if(dialect="postgresql"))

PARAGRAPH_TEXT = Paragraph.__table__.c.text
# A paragraph's text in another language (paragraph_texts) is indexed with its language's
# configuration, as a comment is (COMMENT_CONFIG_SQL): English stemming for English, words as
# written for any other language. The choice is made per row, by an immutable function of the
# row's language and text that the index is over (an index expression must be immutable, which a
# cast of text to regconfig is not; and a function call reads back as written, so alembic sees
# the model's index and the migration's as one). The migration b7f2d4e6a8c1 makes the same.
TRANSLATION_FUNCTION = """CREATE OR REPLACE FUNCTION paragraph_text_vector(language varchar, body text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector(CASE WHEN split_part(language, '-', 1) = 'en' THEN 'english'::regconfig
                            ELSE 'simple'::regconfig END, body)
$$"""
_TRANSLATED = ParagraphText.__table__.c
TRANSLATION_TEXT = _TRANSLATED.text
TRANSLATION_CONFIG: Any = case(
    (func.split_part(_TRANSLATED.language, literal_column("'-'"), literal_column("1")) == literal_column("'en'"),
     CONFIG), else_=SIMPLE)
event.listen(ParagraphText.__table__, "before_create", DDL(TRANSLATION_FUNCTION).execute_if(dialect="postgresql"))
CONSULTATION_TEXT = _joined(Consultation.__table__.c.summary, Consultation.__table__.c.scope_about)
THEME_TEXT = _joined(Theme.__table__.c.title, Theme.__table__.c.said, Theme.__table__.c.reasons)
VECTORS = {
    "paragraphs": _vector(PARAGRAPH_TEXT),
    "consultations": _titled(Consultation.__table__.c.title, CONSULTATION_TEXT),
    "themes": _titled(Theme.__table__.c.title, THEME_TEXT),
    "paragraph_texts": func.paragraph_text_vector(_TRANSLATED.language, TRANSLATION_TEXT),
}
# On PostgreSQL only (`ddl_if`): SQLite has no tsvector, and the Whoosh engine needs none.
INDEXES = {
    name: Index(f"ix_{name}_search", vector, postgresql_using="gin").ddl_if(dialect="postgresql")
    for name, vector in VECTORS.items()
}
for _model, _index in zip((Paragraph, Consultation, Theme, ParagraphText), INDEXES.values(), strict=True):
    table: Table = _model.__table__  # type: ignore[assignment]
    table.append_constraint(_index)


# --- the query -----------------------------------------------------------------------------------

class _Builder:
    """A query tree as a tsquery expression of bound parameters, in one text search configuration."""

    def __init__(self, config: Any = CONFIG, params: dict[str, str] | None = None) -> None:
        self.config = config
        self.params: dict[str, str] = {} if params is None else params

    def _param(self, node):
        name = f"w{len(self.params)}"
        self.params[name] = _value(node)
        return bindparam(name, type_=String)

    def build(self, node):
        if isinstance(node, syntax.Term):
            if node.prefix or node.field:
                return func.to_tsquery(self.config, self._param(node))
            return func.plainto_tsquery(self.config, self._param(node))
        if isinstance(node, syntax.Phrase):
            return func.phraseto_tsquery(self.config, self._param(node))
        if isinstance(node, syntax.Not):
            return func.tsquery_not(self.build(node.part))
        combine = func.tsquery_and if isinstance(node, syntax.All) else func.tsquery_or
        built = [self.build(part) for part in node.parts]
        # Paired off level by level, not chained: a pasted paragraph of 150 words nests 8 calls
        # deep rather than 150 (deeper than SQLAlchemy's compiler can recurse).
        while len(built) > 1:
            built = [combine(*built[n:n + 2]) if n + 1 < len(built) else built[n]
                     for n in range(0, len(built), 2)]
        return built[0]


def _value(node) -> str:
    """The one parameter of a word or phrase (the query's text only ever reaches PostgreSQL so)."""
    if isinstance(node, syntax.Term) and (node.prefix or node.field):
        # Lexemes of letters and digits only, quoted: nothing else reaches to_tsquery.
        parts = syntax.word_parts(node.text)
        weight = {"title": "A", "text": "D"}.get(node.field or "", "")
        value = " & ".join(f"'{part}'" + (":" if weight or node.prefix else "") + weight
                           + ("*" if node.prefix and n == len(parts) - 1 else "")
                           for n, part in enumerate(parts))
    else:
        value = node.text
    return value.replace("\x00", "")  # PostgreSQL's text cannot hold NUL


def _shape(node) -> tuple:
    """What the SQL of a query tree depends on (not its words): the key it is compiled under."""
    if isinstance(node, syntax.Term):
        return ("term", bool(node.prefix or node.field))
    if isinstance(node, syntax.Phrase):
        return ("phrase",)
    if isinstance(node, syntax.Not):
        return ("not", _shape(node.part))
    return (type(node).__name__, tuple(_shape(part) for part in node.parts))


def _values(node) -> list[str]:
    """The parameters of a query tree, in the order _Builder numbers them."""
    if isinstance(node, (syntax.Term, syntax.Phrase)):
        return [_value(node)]
    if isinstance(node, syntax.Not):
        return _values(node.part)
    return [value for part in node.parts for value in _values(part)]


def _readings_statement(tree, settings: bool):
    english = _Builder()
    plain = _Builder(SIMPLE, english.params)  # one set of parameters for both readings
    columns: list[Any] = [cast(english.build(tree), Text), cast(plain.build(tree), Text)]
    if settings:
        columns += [func.set_config(name, value, literal_column("true")) for name, value in SEARCH_SETTINGS]
    return select(*columns)


def _readings(session: DbSession, tree, settings: bool = False) -> tuple[str, str]:
    """tsquery_texts of a parsed query; with `settings`, SEARCH_SETTINGS made in the same statement."""
    values = _values(tree)
    params = {f"w{n}": value for n, value in enumerate(values + values)}
    row = execute(session, ("readings", _shape(tree), settings), lambda: _readings_statement(tree, settings),
                   params)[0]
    return row[0] or "", row[1] or ""


def tsquery_text(session: DbSession, query: str) -> str:
    """PostgreSQL's own text of the tsquery for a search ('' when no word is left to find)."""
    return tsquery_texts(session, query)[0]


def tsquery_texts(session: DbSession, query: str) -> tuple[str, str]:
    """The tsquery's text read with English stemming and read word for word ('simple')."""
    tree = syntax.parse(query)
    if tree is None:
        raise records.nothing_to_find(query)
    return _readings(session, tree)


# --- where each kind of result comes from ----------------------------------------------------------

def _day_bounds(date_from: datetime | None, date_to: datetime | None):
    """Whole days, as the Whoosh index filters them: [from's midnight, the day after 'to')."""
    start = datetime.combine(date_from.date(), time.min) if date_from else None
    end = datetime.combine(date_to.date() + timedelta(days=1), time.min) if date_to else None
    return start, end


def _within(column, bounds) -> list:
    start, end = bounds
    return ([column >= start] if start is not None else []) + ([column < end] if end is not None else [])


def _part(src: str, key, vector, q):
    """SELECT src, key, rank FROM the matches of one source."""
    return select(literal(src).label("src"), key.label("key"),
                  func.ts_rank_cd(vector, q, 1).label("rank")).where(vector.op("@@")(q))


def _samples(q, kinds, slugs, bounds, q_comments=None) -> list[tuple[str, Any]]:
    """(source, SELECT src, key, block, rank) for each kind asked for, in the order whoosh
    indexes them (consultations, responses, paragraphs, comments). Comments are matched by
    `q_comments` (both readings of the query) when given."""
    q_comments = q if q_comments is None else q_comments
    published = Consultation.published_at.is_not(None)
    # Slugs as a tuple of values, or as one bound array (a compiled search: `_filters`).
    scope = ([] if slugs is None else [Consultation.slug.in_(slugs)] if isinstance(slugs, tuple)
             else [Consultation.slug == any_(slugs)])
    parts = []
    if not kinds or "consultation" in kinds:
        parts.append(("consultation", _part("consultation", Consultation.id, VECTORS["consultations"], q)
                      .where(published, *scope, *_within(Consultation.published_at, bounds))))
    if not kinds or "response" in kinds:
        # One response per consultation, its title the consultation's: a vector made here.
        title = literal("Response: ").op("||")(Consultation.title)
        vector = _titled(title, _joined(Response.summary, Response.next_steps))
        parts.append(("response", _part("response", Response.consultation_id, vector, q)
                      .join(Consultation, Consultation.id == Response.consultation_id)
                      .where(Response.published_at.is_not(None), *scope, *_within(Response.published_at, bounds))))
        parts.append(("theme", _part("theme", Theme.id, VECTORS["themes"], q)
                      .join(Response, Response.consultation_id == Theme.consultation_id)
                      .join(Consultation, Consultation.id == Theme.consultation_id)
                      .where(Response.published_at.is_not(None), Theme.merged_into_id.is_(None),
                             *scope, *_within(Response.published_at, bounds))))
    if not kinds or "paragraph" in kinds:
        newer = aliased(DocumentVersion)
        current = ~select(newer.id).where(newer.consultation_id == DocumentVersion.consultation_id,
                                          newer.number > DocumentVersion.number).exists()
        parts.append(("paragraph", _part("paragraph", Paragraph.id, VECTORS["paragraphs"], q)
                      .join(DocumentVersion, DocumentVersion.id == Paragraph.version_id)
                      .join(Consultation, Consultation.id == DocumentVersion.consultation_id)
                      .where(published, current, *scope, *_within(DocumentVersion.created_at, bounds))))
        # The same paragraphs in the version's other languages, matched by either reading of the
        # query (their vectors are 'simple' unless English), as comments are.
        parts.append(("translation", _part("translation", ParagraphText.id, VECTORS["paragraph_texts"], q_comments)
                      .join(Paragraph, Paragraph.id == ParagraphText.paragraph_id)
                      .join(DocumentVersion, DocumentVersion.id == Paragraph.version_id)
                      .join(Consultation, Consultation.id == DocumentVersion.consultation_id)
                      .where(published, current, *scope, *_within(DocumentVersion.created_at, bounds))))
    if not kinds or "comment" in kinds:
        # A semi-join on the consultation keeps the comments in table order (see `_total`).
        visible = select(Consultation.id).where(published, *scope)
        vectors = COMMENT_VECTORS
        parts.append(("comment", _part("comment", vectors.c.comment_id, vectors.c.vector, q_comments)
                      .join(Comment, Comment.id == vectors.c.comment_id)
                      .where(Comment.status == CommentStatus.PUBLISHED.value, Comment.consultation_id.in_(visible),
                             *_within(func.coalesce(Comment.published_at, Comment.created_at), bounds))))
    return parts


# The key each source is sampled by, for how far through the source a sample got.
KEYS = {"consultation": Consultation.id, "response": Response.consultation_id, "theme": Theme.id,
        "paragraph": Paragraph.id, "translation": ParagraphText.id, "comment": COMMENT_VECTORS.c.comment_id}


def _union(parts: list[tuple[str, Any]]):
    """The first MAX_RANKED matches of these sources, in their order: (src, key, rank) rows."""
    # Each part limited too: the planner then reads each source in table order and stops
    # (rather than, say, hashing every comment to join the first 500 matches).
    limited = [part.limit(MAX_RANKED) for _src, part in parts]
    return union_all(*limited).limit(MAX_RANKED) if len(limited) > 1 else limited[0]


def _sources(kinds: tuple[str, ...]) -> list[str]:
    """The sources `_samples` reads for these kinds, in its order."""
    wanted = {"consultation": ["consultation"], "response": ["response", "theme"],
              "paragraph": ["paragraph", "translation"], "comment": ["comment"]}
    return [src for kind, srcs in wanted.items() if not kinds or kind in kinds for src in srcs]


class _Search:
    """One search's statements, each compiled once for its shape (compiled.py): the kinds asked
    for, which filters are set, whether comments are matched by two readings of the query."""

    def __init__(self, session: DbSession, kinds: tuple[str, ...], slugs: tuple[str, ...] | None, bounds,
                 tsquery: str, plain: str) -> None:
        self.session = session
        both = bool(plain and plain != tsquery)
        self.params: dict[str, Any] = {"q": tsquery, **({"q_plain": plain} if both else {})}
        start, end = bounds
        scope = None
        if slugs is not None:
            scope = bindparam("slugs", [""], type_=Array("VARCHAR[]"))
            self.params["slugs"] = list(slugs)
        if start is not None:
            self.params["start"] = start
        if end is not None:
            self.params["end"] = end
        self.q = cast(bindparam("q", "", type_=String), TSQUERY)
        # A comment matches the query read with English stemming (English comments, and older
        # ones of unknown language) or read word for word (comments in other languages, whose
        # vectors are 'simple'), as the Whoosh engine matches either of its two readings.
        self.q_comments = self.q.op("||")(cast(bindparam("q_plain", "", type_=String), TSQUERY)) if both else self.q
        self._bounds = (bindparam("start", start, type_=DateTime) if start is not None else None,
                        bindparam("end", end, type_=DateTime) if end is not None else None)
        self._scope = scope
        self.key = (kinds, slugs is not None, start is not None, end is not None, both, MAX_RANKED)
        self.sources = _sources(kinds)

    def parts(self) -> list[tuple[str, Any]]:
        return _samples(self.q, self.key[0], self._scope, self._bounds, self.q_comments)

    def sample(self, first: int = 0) -> list:
        """The first MAX_RANKED matches of the sources from the `first`th on."""
        return execute(self.session, ("sample", first, *self.key), lambda: _union(self.parts()[first:]),
                        self.params)

    def total(self, rows: list, first: int = 0) -> tuple[int, bool]:
        """How many match in all, and whether exactly. Under MAX_RANKED: exactly. Else estimated:
        the sources before the cut were read whole; the one it stopped in is scaled up by how far
        through its keys it got (rows are read in key order, or in table order, which follows
        the keys: rows are appended), and any after it were not reached and are sampled the same
        way. Two figures, as the Whoosh engine gives them."""
        if len(rows) < MAX_RANKED:
            return len(rows), True
        counts: dict[str, int] = {}
        reached: dict[str, int] = {}
        for src, key, _rank in rows:
            counts[src] = counts.get(src, 0) + 1
            reached[src] = max(reached.get(src, key), key)
        cut = rows[-1][0]
        (low, high), = execute(self.session, ("keys", cut), lambda: select(func.min(KEYS[cut]), func.max(KEYS[cut])),
                                {})
        total: float = sum(n for src, n in counts.items() if src != cut)
        total += counts[cut] * (high - low + 1) / max(reached[cut] - low + 1, 1)
        later = self.sources.index(cut, first) + 1
        if later < len(self.sources):
            total += self.total(self.sample(later), later)[0]
        return max(len(rows), int(float(f"{total:.2g}"))), False

    def details(self, src: str, keys: list[int]) -> dict[int, Hit]:
        """The hits of one source, by key, with their highlights."""
        q = self.q_comments if src in ("comment", "translation") else self.q
        bound = bindparam("keys", [0], type_=Array("INTEGER[]"))
        rows = execute(self.session, ("details", src, self.key[4]), lambda: _detail_statement(src, bound, q),
                        {"q": self.params["q"], **({"q_plain": self.params["q_plain"]} if self.key[4] else {}),
                         "keys": keys})
        return _hits(src, rows)


# --- what a hit shows ----------------------------------------------------------------------------

def _headline(value, q, config=CONFIG):
    escaped = func.replace(func.replace(func.replace(value, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")
    return func.ts_headline(config, escaped, q, HEADLINE)


# A comment's own configuration, as its vector was made (COMMENT_CONFIG_SQL).
COMMENT_CONFIG: Any = literal_column(COMMENT_CONFIG_SQL.format(language="comments.language"))


_MARK = re.compile(r"</?mark>")


def _marked(headline: str | None, plain: str) -> str:
    """ts_headline's output as safe HTML: the text was escaped before it was read, so its only
    tags are the <mark>s; anything else is escaped again. Unmarked: the text's start."""
    if not headline or "<mark>" not in headline:
        return escape(plain[:300])
    pieces = _MARK.split(headline)
    marks = _MARK.findall(headline)
    safe = [re.sub(r"&(?!(?:amp|lt|gt);)", "&amp;", p).replace("<", "&lt;").replace(">", "&gt;") for p in pieces]
    out = safe[0]
    for mark, piece in zip(marks, safe[1:], strict=True):
        out += ('<mark class="match">' if mark == "<mark>" else "</mark>") + piece
    return out


def _detail_statement(src: str, keys, q):
    """What the hits of one source show, for the keys in the bound array `keys`."""
    if src == "comment":
        return (select(Comment.id, Comment.body, Comment.paragraph_number, Comment.anchor,
                       func.coalesce(Comment.published_at, Comment.created_at), DocumentVersion.number,
                       Consultation.slug, Consultation.title, _headline(Comment.body, q, COMMENT_CONFIG),
                       Comment.language)
                .join(DocumentVersion, DocumentVersion.id == Comment.version_id)
                .join(Consultation, Consultation.id == Comment.consultation_id).where(Comment.id == any_(keys)))
    if src == "paragraph":
        return (select(Paragraph.id, Paragraph.text, Paragraph.number, Paragraph.anchor, DocumentVersion.created_at,
                       DocumentVersion.number, Consultation.slug, Consultation.title, _headline(Paragraph.text, q))
                .join(DocumentVersion, DocumentVersion.id == Paragraph.version_id)
                .join(Consultation, Consultation.id == DocumentVersion.consultation_id)
                .where(Paragraph.id == any_(keys)))
    if src == "translation":
        return (select(ParagraphText.id, ParagraphText.text, Paragraph.number, Paragraph.anchor,
                       DocumentVersion.created_at, DocumentVersion.number, Consultation.slug, Consultation.title,
                       _headline(ParagraphText.text, q, TRANSLATION_CONFIG), ParagraphText.language)
                .join(Paragraph, Paragraph.id == ParagraphText.paragraph_id)
                .join(DocumentVersion, DocumentVersion.id == Paragraph.version_id)
                .join(Consultation, Consultation.id == DocumentVersion.consultation_id)
                .where(ParagraphText.id == any_(keys)))
    if src == "consultation":
        body = _joined(Consultation.summary, Consultation.scope_about)
        return (select(Consultation.id, Consultation.summary, Consultation.scope_about, Consultation.slug,
                       Consultation.title, Consultation.published_at, _headline(body, q))
                .where(Consultation.id == any_(keys)))
    if src == "response":
        body = _joined(Response.summary, Response.next_steps)
        return (select(Response.consultation_id, Response.summary, Response.next_steps, Consultation.slug,
                       Consultation.title, Response.published_at, _headline(body, q))
                .join(Consultation, Consultation.id == Response.consultation_id)
                .where(Response.consultation_id == any_(keys)))
    return (select(Theme.id, Theme.title, Theme.said, Theme.reasons, Consultation.slug, Consultation.title,
                   Response.published_at, _headline(THEME_TEXT, q))
            .join(Consultation, Consultation.id == Theme.consultation_id)
            .join(Response, Response.consultation_id == Theme.consultation_id)
            .where(Theme.id == any_(keys)))


def _hits(src: str, rows: list) -> dict[int, Hit]:
    """The hits of one source's rows (`_detail_statement`), by key."""
    if src == "comment":
        return {r[0]: Hit("comment", r[6], r[7], "", r[2] or "", r[3] or "", r[5], r[0], r[4], _marked(r[8], r[1]),
                          r[9]) for r in rows}
    if src == "paragraph":
        return {r[0]: Hit("paragraph", r[6], r[7], "", r[2], r[3], r[5], None, r[4], _marked(r[8], r[1]))
                for r in rows}
    if src == "translation":
        return {r[0]: Hit("paragraph", r[6], r[7], "", r[2], r[3], r[5], None, r[4], _marked(r[8], r[1]), r[9])
                for r in rows}
    if src == "consultation":
        return {r[0]: Hit("consultation", r[3], r[4], r[4], "", "", None, None, r[5],
                          _marked(r[6], f"{r[1]}\n{r[2]}")) for r in rows}
    if src == "response":
        return {r[0]: Hit("response", r[3], r[4], f"Response: {r[4]}", "", "", None, None, r[5],
                          _marked(r[6], f"{r[1]}\n{r[2]}")) for r in rows}
    return {r[0]: Hit("response", r[4], r[5], r[1], "", f"theme-{r[0]}", None, r[0], r[6],
                      _marked(r[7], f"{r[1]}\n{r[2]}\n{r[3]}")) for r in rows}


def search(session: DbSession, query: str, *, kinds: tuple[str, ...] = (),
           slugs: tuple[str, ...] | None = None, date_from: datetime | None = None,
           date_to: datetime | None = None, page: int = 1, pagelen: int = 20) -> Results:
    """Search what the public may see, as whoosh_engine.search does: all the words, best first."""
    query = records.check_query(query, page)
    tree = syntax.parse(query)
    if tree is None:
        raise records.nothing_to_find(query)
    # The sample and the estimate read each source from its first row (SEARCH_SETTINGS), set in
    # the statement that reads the query.
    tsquery, plain = _readings(session, tree, settings=True)
    if not tsquery:  # stop words alone find nothing, in any language (as the Whoosh engine)
        raise records.nothing_to_find(query)
    if slugs is not None and not slugs:
        return Results(page=page)
    run = _Search(session, tuple(kinds), tuple(slugs) if slugs is not None else None,
                  _day_bounds(date_from, date_to), tsquery, plain)
    try:
        with unprepared(session):  # planned for these words: see consult.database.unprepared
            rows = run.sample()
            total, exact = run.total(rows)
    except DBAPIError as exc:  # a query PostgreSQL cannot run (e.g. too deeply nested): say so plainly
        session.rollback()
        raise records.unreadable() from exc
    order = sorted(range(len(rows)), key=lambda n: (-rows[n][2], n))
    shown = [rows[n] for n in order[(page - 1) * pagelen:page * pagelen]]
    found: dict[tuple[str, int], Hit] = {}
    for src in dict.fromkeys(row[0] for row in shown):
        matched = run.details(src, [row[1] for row in shown if row[0] == src])
        found.update({(src, key): hit for key, hit in matched.items()})
    hits = [found[(row[0], row[1])] for row in shown if (row[0], row[1]) in found]
    pages = (min(total, MAX_RANKED) + pagelen - 1) // pagelen
    return Results(hits, total, page, pages, exact)
