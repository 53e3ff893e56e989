"""The declarative base and metadata shared by every table, in plain SQLAlchemy.

It lives here, in the lowest package that has tables, so that moderation's models can be
declared without importing consult (imports point consult -> moderation -> documents), and
without Flask: a worker or a script maps the same tables with a plain Session.
consult.extensions builds Flask-SQLAlchemy's `db` on this base (`SQLAlchemy(model_class=Base)`),
and consult's models subclass it directly too: consult's and moderation's tables are one schema.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeAlias

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session

# What every service function takes: a plain Session (a script, a worker, a test), or
# Flask-SQLAlchemy's scoped proxy for the request's one (`db.session`, in views).
DbSession: TypeAlias = Session | scoped_session[Any]

# A naming convention keeps constraint names identical on SQLite and PostgreSQL, so
# migrations generated on one backend apply cleanly on the other.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base carrying the shared metadata naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time as a naive UTC datetime (the form every column stores)."""
    return datetime.now(UTC).replace(tzinfo=None)
