"""The PostgreSQL engine's statements, each compiled once and then sent as compiled.

A search runs the same few statements with other words: each is built and compiled once per
shape (which kinds, which filters, the query's tree without its words: every value is a bound
parameter) and then sent as compiled, rather than built, given a cache key and looked up in
SQLAlchemy's cache on every search. That was about two thirds of the web worker's CPU for a
search, not counting the page (docs/performance.md, issue 19).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.types import UserDefinedType

from moderation.db import DbSession

_COMPILED: dict[tuple, tuple[Any, str | None, dict[str, Any]]] = {}
MAX_SHAPES = 2000  # query trees of every shape: the memory stays bounded


class Array(UserDefinedType):
    """An array parameter, sent as the Python list it is (psycopg makes it an array; the cast
    says of what), so that no value of a compiled search needs SQLAlchemy's processing."""

    cache_ok = True
    render_bind_cast = True

    def __init__(self, spec: str) -> None:
        self.spec = spec

    def get_col_spec(self, **_kw) -> str:
        return self.spec


def execute(session: DbSession, key: tuple, build: Callable[[], Any], params: dict[str, Any]) -> list:
    """The rows of the statement `build()` makes (built and compiled once per `key`, which must
    name everything its SQL depends on), run with these values."""
    connection = session.connection()
    entry = _COMPILED.get(key)
    if entry is None:
        statement = build()
        compiled = statement.compile(dialect=connection.dialect)
        sql = str(compiled)
        # Sent as compiled only when SQLAlchemy would not change a value on the way (no bind
        # processors) nor expand one (IN lists); else through SQLAlchemy, still built once.
        sendable = not compiled._bind_processors and "POSTCOMPILE" not in sql
        if len(_COMPILED) >= MAX_SHAPES:
            _COMPILED.clear()
        entry = _COMPILED[key] = (statement, sql if sendable else None, dict(compiled.params))
    statement, sql_text, defaults = entry
    if sql_text is None:
        return list(session.execute(statement, {**defaults, **params}).all())
    return list(connection.exec_driver_sql(sql_text, {**defaults, **params}).all())


def sent_as_compiled() -> list[tuple]:
    """The keys of the statements sent as compiled so far (the rest go through SQLAlchemy)."""
    return [key for key, (_statement, sql, _defaults) in _COMPILED.items() if sql is not None]
