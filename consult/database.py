"""Database engine tuning: SQLite pragmas and IMMEDIATE write transactions.

SQLite's default deferred transaction takes its write lock only at the first write; when two
connections both read and then try to write, one fails at once with "database is locked"
whatever the busy timeout. Beginning every write transaction IMMEDIATE makes the second writer
wait (up to the busy timeout) instead. Reads stay deferred so they never queue behind writers.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

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


def configure_engine(engine: Engine, busy_timeout_ms: int) -> None:
    """Install SQLite pragmas and transaction handling on an engine; no-op for other backends."""
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
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")
