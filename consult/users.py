"""User records: creating accounts and changing roles."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from consult.i18n import N_
from consult.models import Role, User, utcnow
from consult.passwords import hash_password
from moderation.db import DbSession

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10


class UserError(ValueError):
    """A user request refused, with a message fit to show."""


def normalise_email(email: str) -> str:
    """Trim and lower-case an email address, refusing anything that is not one."""
    email = (email or "").strip().lower()
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise UserError(N_("Enter an email address in the form name@example.org."))
    return email


def find_by_email(session: DbSession, email: str) -> User | None:
    """The user with this email address (case-insensitive), or None."""
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    session: DbSession,
    email: str,
    password: str,
    *,
    display_name: str = "",
    role: str = Role.CITIZEN.value,
    confirmed: bool = False,
) -> User:
    """Create an account; the email must be new and the password long enough."""
    email = normalise_email(email)
    if role not in {r.value for r in Role}:
        raise UserError(f"Unknown role '{role}': use one of citizen, moderator, official, admin.")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"Choose a password of at least {MIN_PASSWORD} characters.")
    if find_by_email(session, email):
        raise UserError(f"An account for {email} already exists.")
    user = User(
        email=email,
        password_hash=hash_password(password),
        display_name=(display_name or email.split("@")[0]).strip()[:80],
        role=role,
        email_confirmed_at=utcnow() if confirmed else None,
    )
    session.add(user)
    session.flush()
    return user
