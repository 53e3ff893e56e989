"""Deleting an account: the person's details go, the row (and their published comments) stay."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from consult.accounts.models import LoginAttempt
from consult.accounts.service.common import FORMER_PARTICIPANT, MAX_PASSWORD, AccountError, live_user
from consult.accounts.service.sessions import end_sessions_of
from consult.i18n import gettext
from consult.models import Role, User, utcnow
from consult.passwords import verify_password
from moderation.db import DbSession

# Not an argon2 hash, so verify_password() always refuses it.
UNUSABLE_PASSWORD = "!account-deleted"


def delete_account(session: DbSession, user_id: int, password: str,
                   now: datetime | None = None) -> User:
    """Anonymise an account: the row stays so published comments keep their author."""
    user = live_user(session, user_id)
    if not verify_password(user.password_hash, (password or "")[:MAX_PASSWORD]):
        raise AccountError(gettext("Your password is not right."), "password")
    anonymise(user, now)
    return user


def anonymise(user: User, now: datetime | None = None) -> None:
    """Remove everything that identifies a person from their user row."""
    old_email = user.email
    user.email = f"deleted-{user.id}-{secrets.token_hex(6)}@deleted.invalid"
    user.display_name = FORMER_PARTICIPANT
    user.password_hash = UNUSABLE_PASSWORD
    user.role = Role.CITIZEN.value
    user.email_confirmed_at = None
    user.deleted_at = now or utcnow()
    user.session_version = (user.session_version or 0) + 1
    session = Session.object_session(user)
    if session is not None:
        session.execute(delete(LoginAttempt).where(LoginAttempt.email == old_email))
        end_sessions_of(session, user.id)
