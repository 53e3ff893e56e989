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
    fraction of the cost), and is left with tmp_path; PostgreSQL is dropped and made afresh.
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
    sqlite_file = _new_sqlite_file(database_url)
    with app.app_context():
        if sqlite_file is None:
            _drop_everything()
            db.create_all()
        else:
            _copy_empty_schema(sqlite_file)
    yield app
    with app.app_context():
        db.session.remove()
        if sqlite_file is None:
            _drop_everything()
        db.engine.dispose()


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
