"""The set-up every app test shares: make users, consultations and comments; sign clients in.

conftest.py turns these into the `auth`, `make_user`, `make_consultation` and `make_comment`
fixtures (flaskr's AuthActions, indico's factory fixtures), so a test file keeps no copy of its
own. Each factory works both outside an app context (it opens a short one, as tests/helpers.py
does, so `g` never leaks between clients) and inside one (it writes through the caller's session,
which on SQLite may already hold the write lock), commits, and returns ids or plain values, never
an object bound to a session that has gone.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count

from flask import Flask, has_app_context
from flask.testing import FlaskClient
from helpers import PARKING, PASSWORD, put_signed_in  # tests/ is on sys.path (rootdir conftest)
from sqlalchemy import select

from consult.extensions import db
from consult.models import Consultation, User, utcnow


@contextmanager
def _context(app: Flask):
    """The caller's app context if one is open, else a short one of our own."""
    if has_app_context():
        yield db.session
    else:
        with app.app_context():
            yield db.session


class UserFactory:
    """`make_user(...)`: an account straight in the database; returns its id."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._numbers = count(1)

    def __call__(self, email: str | None = None, role: str = "citizen", name: str | None = None,
                 confirmed: bool = True, *, password: str = PASSWORD) -> int:
        """Create one account; the email defaults from the name (or a number), the name from the email."""
        from consult.users import create_user

        if email is None:
            email = f"{name.lower().replace(' ', '.')}@example.org" if name else \
                f"person{next(self._numbers)}@example.org"
        if name is None:
            name = email.partition("@")[0].replace(".", " ").title()
        with _context(self.app) as session:
            user = create_user(session, email, password, display_name=name, role=role,
                               confirmed=confirmed)
            session.commit()
            return user.id


@dataclass(frozen=True)
class MadeConsultation:
    """What a test needs of a consultation it made: its id, slug and paragraph anchors by text."""

    id: int
    slug: str
    anchors: dict[str, str] = field(default_factory=dict)


class ConsultationFactory:
    """`make_consultation(...)`: a published consultation from one Markdown file."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def __call__(self, slug: str = "parking", text: str = PARKING, mode: str = "post",
                 open: bool = True, *, now: datetime | None = None, **details) -> MadeConsultation:
        """Open for ten more days (or, with open=False, closed a minute ago); `details` go to
        create_consultation (title, summary, opens_at, closes_at, publish ...)."""
        from consult.consultations.service import create_consultation

        now = now or utcnow()
        if open:
            dates = {"opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=10)}
        else:
            dates = {"opens_at": now - timedelta(days=10), "closes_at": now - timedelta(minutes=1)}
        options = {"publish": True, **dates, **details}
        with _context(self.app) as session:
            c = create_consultation(session, slug=slug, files=[(f"{slug}.md", text)],
                                    moderation_mode=mode, **options)
            session.commit()
            anchors = {p.text: p.anchor for p in c.versions[-1].paragraphs}
            return MadeConsultation(c.id, c.slug, anchors)


class CommentFactory:
    """`make_comment(...)`: a comment submitted through the service, as the form would; its id."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._keys = count(1)

    def __call__(self, consultation: MadeConsultation | int | str, author: int | str,
                 body: str = "Hourly fees hurt carers.", anchor: str | None = None, *,
                 key: str | None = None, now: datetime | None = None, **form) -> int:
        """`consultation` by made record, id or slug; `author` by id or email; `anchor` None for
        a general comment; `form` is the rest of CommentInput (stance, parent_id ...)."""
        from consult.comments.service import CommentInput, submit_comment

        with _context(self.app) as session:
            c = _consultation(session, consultation)
            user = _user(session, author)
            comment, _ = submit_comment(
                session, c, anchor, user,
                CommentInput(body=body, submission_key=key or f"made-{next(self._keys)}", **form),
                now=now)
            session.commit()
            return comment.id


def _consultation(session, which: MadeConsultation | int | str) -> Consultation:
    if isinstance(which, MadeConsultation):
        which = which.id
    if isinstance(which, str):
        return session.scalars(select(Consultation).where(Consultation.slug == which)).one()
    return session.get_one(Consultation, which)


def _user(session, who: int | str | User) -> User:
    if isinstance(who, User):
        who = who.id
    if isinstance(who, str):
        return session.scalars(select(User).where(User.email == who)).one()
    return session.get_one(User, who)


class AuthActions:
    """`auth`: sign test clients in and out with the session record a real sign-in makes.

    No password form, so no argon2 cost; tests of the form itself post to /login (helpers.log_in).
    """

    def __init__(self, app: Flask, client: FlaskClient, make_user: UserFactory) -> None:
        self.app = app
        self.client = client
        self._make_user = make_user
        self._by_role: dict[str, int] = {}

    def login(self, user: int | str | User, client: FlaskClient | None = None) -> FlaskClient:
        """Sign `client` (the test's `client` fixture unless given) in as a user (id, email or
        row); returns that client."""
        client = client or self.client
        with _context(self.app) as session:
            session_id = _user(session, user).get_id()
        put_signed_in(client, self.app, session_id)
        return client

    def client_for(self, user: int | str | User) -> FlaskClient:
        """A new test client signed in as the user: one per person in a test with several."""
        return self.login(user, self.app.test_client())

    def logout(self, client: FlaskClient | None = None) -> None:
        """Sign out through the sign-out button (a POST: CSRF must be off, as tests have it)."""
        response = (client or self.client).post("/logout")
        assert response.status_code == 302, response.status_code

    def as_(self, role: str) -> FlaskClient:
        """A new test client signed in as a confirmed person with this role: `<role>@example.org`,
        made on first use (or the account of that address, if the test made it already)."""
        return self.client_for(self.user_id(role))

    def user_id(self, role: str) -> int:
        """The id of the person `as_(role)` signs in."""
        if role not in self._by_role:
            email = f"{role}@example.org"
            with _context(self.app) as session:
                existing = session.scalar(select(User.id).where(User.email == email))
            self._by_role[role] = existing or self._make_user(email, role=role)
        return self._by_role[role]
