"""Comments: the pages that show them (threads, my comments) and the counts per paragraph."""
from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import bindparam, event, exists, func, select, union_all
from sqlalchemy.orm import Session, aliased, joinedload
from sqlalchemy.sql.elements import BindParameter, ColumnElement

import documents
from consult.comments.validation import CommentError
from consult.consultations.service import current_version
from consult.i18n import gettext
from consult.models import Comment, CommentStatus, Consultation, Paragraph
from consult.text import whole_number
from consult.text_language import clean_code
from moderation.db import DbSession

PAGE_SIZE = 20
VISIBLE = (CommentStatus.PUBLISHED.value, CommentStatus.REMOVED.value)
# Published counts per consultation, kept per process (see published_counts).
COUNTS_MAX_AGE = 5.0
# Languages on offer change seldom, and a stale list costs little (a filter that finds nothing,
# or a language offered a minute late); reading them is a DISTINCT over every comment.
LANGUAGES_MAX_AGE = 60.0
COUNTS_CACHE_SIZE = 256
_counts: OrderedDict[tuple, tuple[float, dict[str | None, int]]] = OrderedDict()
_languages: OrderedDict[tuple, tuple[float, dict[str | None, set[str]]]] = OrderedDict()
_counts_lock = threading.Lock()
_generation = 0  # bumped whenever counts are dropped
_CHANGED = "consult.comments.changed_consultations"  # session.info keys
_UNSURE = "consult.comments.languages_unsure"  # comments changed: their languages read again
_PUBLISHED = "consult.comments.published_languages"  # new published comments' languages
T = TypeVar("T")


def _kept(cache: OrderedDict, session: DbSession, consultation: Consultation, compute: Callable[[], T],
          same: Callable[[T, T], bool] = lambda old, new: False, max_age: float | None = None) -> T:
    """A consultation's figure from this process's cache when under `max_age` (COUNTS_MAX_AGE) seconds old,
    else computed and kept (unless forget_counts ran meanwhile: the new reading may predate the
    change). With `same`, an unchanged figure keeps its old object, so callers may key on it."""
    # The database as well as the id: tests and a reset demo reuse ids in a new database.
    key = (session.get_bind().engine.url, consultation.id, consultation.created_at)
    now = time.monotonic()
    with _counts_lock:
        cached = cache.get(key)
        generation = _generation
    if cached is not None and now - cached[0] < (COUNTS_MAX_AGE if max_age is None else max_age):
        return cached[1]
    value = compute()
    if cached is not None and same(cached[1], value):
        value = cached[1]
    with _counts_lock:
        if generation == _generation:
            cache[key] = (now, value)
            cache.move_to_end(key)
            while len(cache) > COUNTS_CACHE_SIZE:
                cache.popitem(last=False)
    return value


def published_counts(session: DbSession, consultation: Consultation) -> dict[str | None, int]:
    """Published comments per anchor (None: the whole document), a few seconds old at most.

    Counting is a GROUP BY over all of a consultation's comments (tens of milliseconds with
    100,000), and the document page shows the counts on every view, so they are kept per
    process for a few seconds. A comment stored or changed through this process's sessions
    drops its consultation's counts at commit, so an author sees their comment counted at
    once; other processes catch up within COUNTS_MAX_AGE seconds. The dict is shared: never change it. It
    stays the same object while the counts do not change, so callers may key work on it.
    """
    def count() -> dict[str | None, int]:
        rows = session.execute(
            select(Comment.anchor, func.count())
            .where(Comment.consultation_id == consultation.id,
                   Comment.status == CommentStatus.PUBLISHED.value)
            .group_by(Comment.anchor)
        )
        return {anchor: n for anchor, n in rows}

    return _kept(_counts, session, consultation, count, same=lambda old, new: old == new)


def published_languages(session: DbSession, consultation: Consultation) -> dict[str | None, set[str]]:
    """The languages of each anchor's published comments (None: the whole document): a paragraph
    page offers to filter by language only when its comments are in more than one. Kept per
    process up to LANGUAGES_MAX_AGE seconds; this process's own changes show at once (a published
    comment adds its language, any other change drops the lists), other processes' within that."""
    def languages() -> dict[str | None, set[str]]:
        found: dict[str | None, set[str]] = {}
        for anchor, language in session.execute(
                select(Comment.anchor, Comment.language).distinct()
                .where(Comment.consultation_id == consultation.id,
                       Comment.status == CommentStatus.PUBLISHED.value)):
            if language is not None:  # a comment of unknown language is in every list, and in no filter
                found.setdefault(anchor, set()).add(language)
        return found

    return _kept(_languages, session, consultation, languages, max_age=LANGUAGES_MAX_AGE)


def forget_counts(consultation_ids: Iterable[int], languages: bool = True) -> None:
    """Drop this process's cached counts (and, unless told otherwise, languages) for these
    consultations (their comments changed)."""
    global _generation
    ids = set(consultation_ids)
    with _counts_lock:
        _generation += 1
        for cache in (_counts, _languages) if languages else (_counts,):
            for key in [k for k in cache if k[1] in ids]:
                del cache[key]


def _learn_languages(published: set[tuple[int, str | None, str]]) -> None:
    """Add the languages of newly published comments to the cached lists, which only grow when
    comments are published: so a page of a busy consultation does not read every comment's
    language again after each new comment (the generation still moves, so a list being read
    meanwhile, which may predate these comments, is not kept)."""
    global _generation
    with _counts_lock:
        _generation += 1
        for key, (_when, found) in _languages.items():
            for consultation_id, anchor, language in published:
                if key[1] == consultation_id:
                    found.setdefault(anchor, set()).add(language)


@event.listens_for(Session, "after_flush")
def _note_changed_comments(session: DbSession, _context) -> None:
    # Every path that publishes, hides or withdraws a comment (this module, moderation's
    # decisions through consult.moderate.glue, account deletion) goes through the ORM.
    changed = {obj.consultation_id for obj in (*session.new, *session.dirty, *session.deleted)
               if isinstance(obj, Comment)}
    if changed:
        session.info.setdefault(_CHANGED, set()).update(changed)
        # A new comment only adds its language, if published; any other change (a comment
        # hidden, withdrawn, edited, deleted) may take one away: those lists are read again.
        unsure = {obj.consultation_id for obj in (*session.dirty, *session.deleted)
                  if isinstance(obj, Comment)}
        published = {(obj.consultation_id, obj.anchor, obj.language) for obj in session.new
                     if isinstance(obj, Comment) and obj.status == CommentStatus.PUBLISHED.value
                     and obj.language is not None}
        session.info.setdefault(_UNSURE, set()).update(unsure)
        session.info.setdefault(_PUBLISHED, set()).update(published)


@event.listens_for(Session, "after_commit")
def _forget_changed_counts(session: DbSession) -> None:
    changed = session.info.pop(_CHANGED, None)
    unsure = session.info.pop(_UNSURE, set())
    published = session.info.pop(_PUBLISHED, set())
    if changed:
        forget_counts(changed, languages=False)
        if unsure:
            forget_counts(unsure)
        if published:
            _learn_languages(published)


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: DbSession, transaction) -> None:
    if transaction.parent is None:  # rolled back (or committed, above): start afresh
        for key in (_CHANGED, _UNSURE, _PUBLISHED):
            session.info.pop(key, None)


@dataclass
class Thread:
    """One page of a paragraph's comments with their replies."""

    comments: list[Comment]
    replies: dict[int, list[Comment]] = field(default_factory=dict)
    next_cursor: str | None = None
    order: str = "newest"
    total: int = 0
    language: str | None = None  # only the comments in this language (their replies in any)


def parse_cursor(cursor: str | None) -> int | None:
    """A page cursor is the id of the last comment shown; anything else is refused."""
    if cursor in (None, ""):
        return None
    number = whole_number(cursor, 18)
    if number is None:
        raise CommentError(gettext("That page link is not valid: go back to the first page."), status=400)
    return number


@functools.cache
def _thread_statements(general: bool, viewer: bool, paged: bool, newest: bool, languaged: bool = False):
    """The three statements of a thread page, built once per shape with bound parameters.

    Building them costs SQLAlchemy more than SQLite takes to run them, and every paragraph page
    (and every comment form) reads a thread.
    """
    visible: ColumnElement[bool] = Comment.status.in_(VISIBLE)
    if viewer:
        visible = visible | ((Comment.author_id == bindparam("viewer"))
                             & (Comment.status == CommentStatus.PENDING.value))
    anchor_match = Comment.anchor.is_(None) if general else Comment.anchor == bindparam("anchor")
    if languaged:  # the reader asked for one language: top-level comments in it, and their count
        anchor_match = anchor_match & (Comment.language == bindparam("language"))
    after: BindParameter[int] = bindparam("after")

    def in_order(*conditions):
        # Top-level comments in one status, in page order: one range of ix_comments_thread
        # (consultation, anchor, status, id), read only as far as the page needs. Written as
        # coalesce(), not IS NULL: SQLite's statistics cannot tell that nine comments in ten
        # have no parent, so for IS NULL it walks ix_comments_parent instead, through every
        # top-level comment on the site (~55 ms for a quiet paragraph among 100,000).
        query = select(Comment.id).where(
            Comment.consultation_id == bindparam("consultation"), anchor_match,
            func.coalesce(Comment.parent_id, 0) == 0, *conditions)
        if paged:
            query = query.where(Comment.id < after if newest else Comment.id > after)
        return select(query.order_by(Comment.id.desc() if newest else Comment.id)
                      .limit(bindparam("limit")).subquery().c.id)

    shown = [in_order(Comment.status == status) for status in VISIBLE]
    # A withdrawn comment that has published replies stays as a placeholder above them: the
    # replies (often other people's) must not vanish with it.
    replied = aliased(Comment)
    shown.append(in_order(Comment.status == CommentStatus.WITHDRAWN.value, exists().where(
        replied.parent_id == Comment.id, replied.status == CommentStatus.PUBLISHED.value)))
    if viewer:
        shown.append(in_order(Comment.author_id == bindparam("viewer"),
                              Comment.status == CommentStatus.PENDING.value))
    page = (select(Comment).options(joinedload(Comment.author))
            .where(Comment.id.in_(union_all(*shown)))
            .order_by(Comment.id.desc() if newest else Comment.id)
            .limit(bindparam("limit")))
    replies = (select(Comment).options(joinedload(Comment.author))
               .where(Comment.parent_id.in_(bindparam("parents", expanding=True)), visible)
               .order_by(Comment.id))
    count = select(func.count()).select_from(Comment).where(
        Comment.consultation_id == bindparam("consultation"), anchor_match,
        Comment.status == CommentStatus.PUBLISHED.value)
    return page, replies, count


def thread(
    session: DbSession,
    consultation: Consultation,
    anchor: str | None,
    *,
    viewer_id: int | None = None,
    order: str = "newest",
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    language: str | None = None,
) -> Thread:
    """A page of top-level comments on an anchor (keyset pagination), with their replies; only
    those in `language` when one is given (a tag that is not one is refused)."""
    after = parse_cursor(cursor)
    order = "oldest" if order == "oldest" else "newest"
    if language:
        try:
            language = clean_code(language)
        except ValueError:
            raise CommentError(gettext("That language is not one comments can be written in: show every "
                               "language instead."), status=400) from None
    page_query, replies_query, count_query = _thread_statements(
        anchor is None, viewer_id is not None, after is not None, order == "newest", bool(language))
    params = {"consultation": consultation.id, "anchor": anchor, "viewer": viewer_id,
              "after": after, "limit": limit + 1, "language": language}
    rows = list(session.scalars(page_query, params))
    page, more = rows[:limit], len(rows) > limit
    replies: dict[int, list[Comment]] = {}
    if page:
        for reply in session.scalars(replies_query, {"parents": [c.id for c in page], "viewer": viewer_id}):
            replies.setdefault(reply.parent_id, []).append(reply)
    total = session.execute(count_query, params).scalar()
    return Thread(page, replies, str(page[-1].id) if more else None, order, total or 0, language or None)


def paragraph_changed(comment: Comment, paragraph: Paragraph | None) -> str | None:
    """The word-level diff since the comment was written, or None if the text is the same."""
    if paragraph is None or comment.paragraph_text is None:
        return None
    if comment.paragraph_fingerprint == paragraph.fingerprint:
        return None
    return documents.diff(comment.paragraph_text, paragraph.text).html


def comments_on_removed_paragraphs(
    session: DbSession, consultation: Consultation, viewer_id: int | None = None
) -> list[Comment]:
    """Published comments whose paragraph is not in the current version, in document order."""
    version = current_version(session, consultation)
    current_anchors = select(Paragraph.anchor).where(Paragraph.version_id == version.id)
    visible: ColumnElement[bool] = Comment.status.in_(VISIBLE)
    if viewer_id is not None:
        visible = visible | ((Comment.author_id == viewer_id)
                             & (Comment.status == CommentStatus.PENDING.value))
    return list(session.scalars(
        select(Comment).options(joinedload(Comment.author))
        .where(Comment.consultation_id == consultation.id, Comment.anchor.is_not(None),
               Comment.anchor.not_in(current_anchors), visible)
        .order_by(Comment.id)
        .limit(500)
    ))


def my_comments(session: DbSession, user_id: int, cursor: str | None = None,
                limit: int = PAGE_SIZE) -> tuple[list[Comment], str | None]:
    """A page of everything a user has written, newest first."""
    after = parse_cursor(cursor)
    query = (select(Comment).options(joinedload(Comment.consultation))
             .where(Comment.author_id == user_id))
    if after is not None:
        query = query.where(Comment.id < after)
    rows = list(session.scalars(query.order_by(Comment.id.desc()).limit(limit + 1)))
    return rows[:limit], (str(rows[limit - 1].id) if len(rows) > limit else None)
