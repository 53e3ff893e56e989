"""Helpers for app tests: a fresh app per database, make users, sign clients in, read the outbox.

They open their own short application context, so a test can mix them freely with requests
from the test client (a request made *inside* an open app context shares its `g`, which is
where Flask-Login caches the signed-in user, and would leak it between clients).
"""
from __future__ import annotations

import re
from pathlib import Path

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


def sign_in(client, app, user_id: int) -> None:
    """Sign a test client in without the password form (no argon2 cost)."""
    with app.app_context():
        session_id = db.session.get(User, user_id).get_id()
    put_signed_in(client, app, session_id)


def log_in(client, email: str, password: str = PASSWORD, next: str | None = None):
    """Sign in through the form, as a person would; returns the response (not followed)."""
    data = {"email": email, "password": password}
    if next is not None:
        data["next"] = next
    return client.post("/login", data=data)


def outbox(app) -> list[OutboxMessage]:
    """The emails the app has 'sent' (written to its outbox), newest first."""
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


def sign_in_as(client, user: User) -> None:
    """Sign a test client in as a user object already loaded in the caller's app context."""
    from flask import current_app

    put_signed_in(client, current_app, user.get_id())


def fresh_app(database_url: str, tmp_path: Path, **config):
    """An application on an empty schema, torn down afterwards (a generator for fixtures).

    Tests get CSRF off and test paths by default; `config` overrides any of it.
    """
    from consult import create_app

    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "WTF_CSRF_ENABLED": False,
        **config,
    })
    with app.app_context():
        _drop_everything()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        _drop_everything()
        db.engine.dispose()


def _drop_everything() -> None:
    """Drop the models' tables and Alembic's version table (a migration test leaves it)."""
    from sqlalchemy import text

    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
