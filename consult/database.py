"""Database engine tuning: SQLite pragmas, IMMEDIATE write transactions, reads ended by COMMIT.

SQLite's default deferred transaction takes its write lock only at the first write; when two
connections both read and then try to write, one fails at once with "database is locked"
whatever the busy timeout. Beginning every write transaction IMMEDIATE makes the second writer
wait (up to the busy timeout) instead. Reads stay deferred so they never queue behind writers.
On every backend a transaction that only read ends in COMMIT (`end_read_transaction`).

A view ends a change with `unit_of_work`; one that must read a lot before a short write (posting
a comment) uses `read_then_write` instead, so that SQLite's write lock is held only for the write.
"""
from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import scoped_session

BEGIN_RETRY_SECONDS = 0.001  # how often a writer tries again for SQLite's write lock

_write_intent: ContextVar[bool] = ContextVar("consult_write_intent", default=False)


def set_write_intent(value: bool) -> None:
    """Declare whether the transactions that follow in this context may write."""
    _write_intent.set(value)


@contextlib.contextmanager
def writing() -> Iterator[None]:
    """Run a block whose transaction writes (CLI commands, background jobs)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


@contextlib.contextmanager
def reading() -> Iterator[None]:
    """Run a block whose transactions only read, inside a job that otherwise writes (a long
    read, like rebuilding the search index, must not hold SQLite's write lock)."""
    token = _write_intent.set(False)
    try:
        yield
    finally:
        _write_intent.reset(token)


@contextlib.contextmanager
def unit_of_work(session) -> Iterator[None]:
    """Commit what the block did, or roll all of it back when the block raises.

    The one way a view ends a change: ``with unit_of_work(db.session): service.do(...)``, inside
    a ``try`` that turns the service's refusal into a message. The refusal (or any error) leaves
    nothing half-done behind it and propagates; on success the block is committed once.
    """
    try:
        yield
        session.commit()
    except BaseException:  # the block's error, or the commit's own (then the session is usable again)
        session.rollback()
        raise


@contextlib.contextmanager
def read_then_write(session) -> Iterator[Callable[[], None]]:
    """Read without SQLite's write lock, then write under it: one read and one write transaction.

    ``with read_then_write(db.session) as write:`` begins the block's statements as a plain
    (deferred) read, even in a POST, so checking and rendering never wait for the lock or hold
    it. Calling ``write()`` ends that read (COMMIT: it wrote nothing) and declares write intent:
    the next statement begins the write transaction (on SQLite ``BEGIN IMMEDIATE``, waiting for
    the lock up to the busy timeout). The block is committed once at its end; if it raises,
    everything is rolled back and the error propagates, as with `unit_of_work`. A block left
    before ``write()`` (a refusal, a redirect) only read. What the block needs from the write
    transaction it reads before it ends: committing expires the session's objects. The request's
    transactions after the block are reads (typically the page that shows a refusal).

    The reads and the write are separate transactions, so the write must not rely on what the
    reads found staying true: whatever can change meanwhile (a rate limit, a duplicate) is
    checked again after ``write()``.
    """
    writing_now = False

    def write() -> None:
        nonlocal writing_now
        if not writing_now:
            end_read_transaction(session)
            _write_intent.set(True)
            writing_now = True

    _write_intent.set(False)
    try:
        yield write
        if writing_now:
            session.commit()
        else:
            end_read_transaction(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        _write_intent.set(False)


_WROTE = "consult.wrote"  # key in a connection's info: this transaction sent a write


def end_read_transaction(session) -> None:
    """End the session's transaction: COMMIT when it only read, else ROLLBACK.

    For a transaction that wrote nothing the two are the same, but psycopg forgets every
    statement it has prepared on a connection at each ROLLBACK. Ending every request's reads
    with ROLLBACK (as closing the session does) meant PostgreSQL parsed and planned every
    statement of every request afresh; a read ending in COMMIT keeps them prepared.
    A transaction that sent any INSERT, UPDATE or DELETE, or has unflushed changes, is rolled
    back: nothing is ever committed here that a view did not commit itself.
    """
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        return
    try:
        if session.new or session.dirty or session.deleted or session.connection().info.get(_WROTE):
            session.rollback()
            return
        # Like closing the session, keep what was loaded as it is (nothing was written).
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire
    except SQLAlchemyError:  # a transaction already failed: it can only be rolled back
        # If the connection is gone as well, closing the session discards it.
        with contextlib.suppress(SQLAlchemyError):
            session.rollback()


@contextlib.contextmanager
def unprepared(session) -> Iterator[None]:
    """Run these statements planned for their values, not as prepared statements.

    psycopg prepares a statement it has run five times on a connection, and PostgreSQL may then
    plan it once for any value. That suits the app's small lookups, not a full-text search,
    whose best plan depends on how common its words are: prepared, a two-word search over
    1,000,000 comments took 350 ms where it takes 30 (docs/performance.md, issue 19).
    """
    driver = getattr(session.connection().connection, "driver_connection", None)
    if driver is None or not hasattr(driver, "prepare_threshold"):  # SQLite
        yield
        return
    threshold = driver.prepare_threshold
    driver.prepare_threshold = None
    try:
        yield
    finally:
        driver.prepare_threshold = threshold


def configure_engine(engine: Engine, busy_timeout_ms: int) -> None:
    """Install transaction handling on an engine, and SQLite's pragmas on a SQLite one."""

    @event.listens_for(engine, "begin")
    def _forget_writes(connection):
        connection.info.pop(_WROTE, None)

    @event.listens_for(engine, "before_cursor_execute")
    def _note_writes(connection, _cursor, statement, _parameters, _context, _executemany):
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            connection.info[_WROTE] = True

    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised via every test
        # Take transaction control away from the sqlite3 module so that BEGIN is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if _write_intent.get():
            _begin_immediate(connection, busy_timeout_ms)
        else:
            connection.exec_driver_sql("BEGIN")


def _begin_immediate(connection, busy_timeout_ms: int) -> None:
    """BEGIN IMMEDIATE, waiting for the write lock by trying again every millisecond.

    SQLite's own busy handler backs off (it sleeps 1, 2, 5, 10 ... then 100 ms between tries),
    so the writer that has waited longest tries least often and newcomers overtake it: with 50
    people posting at once, the slowest 1% of comments waited several times the median. Trying
    at the same short interval gives every waiting writer the same chance. Statements other
    than this BEGIN keep SQLite's handler and the busy timeout. When the timeout passes, the
    last try raises "database is locked" (OperationalError), which the views answer with 503.
    """
    raw = connection.connection.driver_connection
    deadline = time.monotonic() + busy_timeout_ms / 1000
    raw.execute("PRAGMA busy_timeout=0")
    try:
        while time.monotonic() < deadline:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    break  # not a lock held by another writer: the last try reports it
            time.sleep(BEGIN_RETRY_SECONDS)
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
