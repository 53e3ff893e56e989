"""Helpers for app tests: a fresh app per database, make users, sign in through the form, read the outbox.

They open their own short application context, so a test can mix them freely with requests
from the test client (a request made *inside* an open app context shares its `g`, which is
where Flask-Login caches the signed-in user, and would leak it between clients).
"""
from __future__ import annotations

import atexit
import re
import shutil
import sqlite3
import tempfile
from pathlib import Path

from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy.engine import make_url

from consult.extensions import db
from consult.mail import OutboxMessage, read_outbox
from consult.models import User
from consult.users import create_user

PASSWORD = "correct horse battery"
LINK_RE = re.compile(r"https?://[^/\s]+(/\S+)")


def make_user(app, email: str = "ada@example.org", *, password: str = PASSWORD,
              role: str = "citizen", confirmed: bool = True, name: str = "Ada") -> int:
    """Create an account directly in the database and return its id."""
    with app.app_context():
        user = create_user(db.session, email, password, display_name=name, role=role,
                           confirmed=confirmed)
        db.session.commit()
        return user.id


def get_user(app, user_id: int) -> User:
    """A fresh, detached copy of a user row (attributes loaded)."""
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def _session_record(session_id: str) -> str:
    """Record a signed-in session for the user in the current app context; its cookie key."""
    from consult.accounts.service import start_session

    key = start_session(db.session, int(session_id.partition(":")[0]))
    db.session.commit()
    return key


def put_signed_in(client, app, session_id: str) -> None:
    """Give a test client the session a real sign-in makes: Flask-Login's id and its record."""
    from flask import has_app_context

    from consult.accounts import SESSION_KEY

    if has_app_context():  # the caller's session may hold the database: write through it
        key = _session_record(session_id)
    else:
        with app.app_context():
            key = _session_record(session_id)
    with client.session_transaction() as s:
        s["_user_id"] = session_id
        s["_fresh"] = True
        s[SESSION_KEY] = key


def log_in(client, email: str, password: str = PASSWORD, next: str | None = None):
    """Sign in through the form, as a person would; returns the response (not followed)."""
    data = {"email": email, "password": password}
    if next is not None:
        data["next"] = next
    return client.post("/login", data=data)


def csrf_token(html: str) -> str:
    """The CSRF token in a page's form (Flask-WTF's hidden field), for an app with CSRF on."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def outbox(app) -> list[OutboxMessage]:
    """The emails the app has 'sent' (written to its outbox), newest first, once its queued jobs have run."""
    from support.jobs import run_jobs

    run_jobs(app)
    return read_outbox(app.config["OUTBOX_DIR"])


def last_link(app, to: str | None = None) -> str:
    """The path of the first link in the newest email (to one address, if given)."""
    for message in outbox(app):
        if to is None or message.to == to:
            match = LINK_RE.search(message.body)
            assert match, f"no link in {message.subject!r}"
            return match.group(1)
    raise AssertionError(f"no email to {to or 'anyone'}")


# A small two-version document several test modules share.
PARKING = """---
title: Parking Policy
---
# Parking Policy

## 1. Fees {#fees}

Residents pay a yearly fee for a permit.

Visitors pay by the hour.

## 2. Zones

The town is split into four zones.
"""

PARKING_V2 = """---
title: Parking Policy
---
# Parking Policy

## 1. Fees {#fees}

Residents pay a monthly fee for a permit.

## 2. Zones

The town is split into four zones.

Zones are reviewed every year.
"""


def fresh_app(database_url: str, tmp_path: Path, **config):
    """An application on an empty schema, torn down afterwards (a generator for fixtures).

    Tests get CSRF off and test paths by default; `config` overrides any of it. A new SQLite file
    starts as a copy of the schema this process made once (what `db.create_all()` makes, at a
    fraction of the cost), and is left with tmp_path. PostgreSQL keeps the schema between tests
    and has its rows deleted and its id sequences restarted before each one, as long as the
    schema is exactly what `db.create_all()` made last (a test that dropped, migrated or altered
    anything makes the next one drop everything and create it afresh).
    """
    from consult import create_app

    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "QUEUE_FILE": str(tmp_path / "queue.sqlite3"),
        "WTF_CSRF_ENABLED": False,
        **config,
    })
    app.jinja_env.bytecode_cache = _TEMPLATES  # each app compiles the same templates: once will do
    with app.app_context():
        empty_schema(database_url)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def empty_schema(database_url: str) -> None:
    """The models' schema with no rows, in the current app's database (inside an app context),
    made as fresh_app makes it: a new SQLite file copied from the empty schema; PostgreSQL
    emptied in place, or dropped and created afresh when its schema is not create_all's."""
    sqlite_file = _new_sqlite_file(database_url)
    if sqlite_file is not None:
        _copy_empty_schema(sqlite_file)
    elif not _emptied(database_url):
        _drop_everything()
        db.create_all()
        _SCHEMA_MADE[database_url] = _schema_print()


class _SharedBytecode(BytecodeCache):
    """Compiled templates kept in memory for every app of the test process (Jinja checks each
    against its template's source before using it)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _SharedBytecode()
_EMPTY_SCHEMA: list[Path] = []  # the file, once made


def _new_sqlite_file(database_url: str) -> Path | None:
    """The file of a SQLite URL that does not exist yet, else None (PostgreSQL, or a file in use)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    path = Path(url.database)
    return None if path.exists() else path


def _copy_empty_schema(path: Path) -> None:
    """Give a new SQLite file the models' empty schema: made by create_all the first time in this
    process and kept as a file, copied after that."""
    if not _EMPTY_SCHEMA:
        db.create_all()
        db.engine.dispose()  # the last connection closed: the WAL is checkpointed into the file
        template = Path(tempfile.mkdtemp(prefix="consult-schema-")) / "empty.sqlite3"
        source, copy = sqlite3.connect(path), sqlite3.connect(template)
        try:
            source.backup(copy)
        finally:
            source.close()
            copy.close()
        atexit.register(shutil.rmtree, template.parent, ignore_errors=True)
        _EMPTY_SCHEMA.append(template)
    else:
        shutil.copyfile(_EMPTY_SCHEMA[0], path)


# Everything in PostgreSQL's public schema that create_all makes or a test could change: relations
# (tables, indexes, sequences, views), columns with their types, defaults and NOT NULL,
# constraints, index definitions, triggers, functions (with their source) and types. About 10 ms,
# where dropping and creating the schema takes over a second.
_SCHEMA_PRINT = """
SELECT md5(coalesce(string_agg(x, E'\\n' ORDER BY x), '')) FROM (
  SELECT 'rel ' || c.relkind::text || ' ' || c.relname FROM pg_class c
  WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'col ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
         || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
         || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'con ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'idx ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
  WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'trg ' || pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
  UNION ALL
  SELECT 'fn ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc) FROM pg_proc p
  WHERE p.pronamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'type ' || t.typname || ' ' || t.typtype::text FROM pg_type t
  WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd')
) AS schema(x)
"""
# Every sequence back to its start, so ids begin at 1 again as in a new schema.
_RESTART_SEQUENCES = ("SELECT count(setval(c.oid, 1, false)) FROM pg_class c "
                      "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace")
_SCHEMA_MADE: dict[str, str] = {}  # PostgreSQL URL -> the print of the schema create_all made there


def _schema_print() -> str:
    """A digest of the PostgreSQL schema as it stands (see _SCHEMA_PRINT)."""
    from sqlalchemy import text

    with db.engine.connect() as connection:
        return str(connection.execute(text(_SCHEMA_PRINT)).scalar())


def _emptied(database_url: str) -> bool:
    """Empty the PostgreSQL database in place if its schema is the one create_all made there last:
    every row deleted (DELETE: TRUNCATE of 40 tables takes a second), every sequence restarted.
    False, with nothing changed, when the schema is not that one (or was never made)."""
    made = _SCHEMA_MADE.get(database_url)
    if made is None or _schema_print() != made:
        return False
    # One round trip: the statements as one script, children before parents.
    script = ";\n".join([*(f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)),
                         _RESTART_SEQUENCES])
    with db.engine.begin() as connection:
        connection.exec_driver_sql(script)
    return True


def _drop_everything() -> None:
    """Drop the models' tables and Alembic's version table (a migration test leaves it)."""
    from sqlalchemy import text

    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def run_postgres() -> bool:
    """Whether the PostgreSQL tests run (CI=true, or TEST_DATABASE_URL set), as conftest decides.
    Test modules ask here: `from conftest import ...` can find tests/browser/conftest.py first."""
    import os

    in_ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    return in_ci or bool(os.environ.get("TEST_DATABASE_URL"))
