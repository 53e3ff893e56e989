"""Signed-in browsers: the server-side record each session cookie points at."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from consult.accounts.models import UserSession
from consult.accounts.service.common import digest, live_user
from consult.models import User, utcnow
from moderation.db import DbSession

# How long a sign-in lasts at most, however active, before the password is asked again.
SESSION_MAX_AGE = timedelta(days=30)


def start_session(session: DbSession, user_id: int, now: datetime | None = None,
                  max_age: timedelta = SESSION_MAX_AGE) -> str:
    """Record a newly signed-in browser; returns the key its session cookie is to carry."""
    now = now or utcnow()
    key = secrets.token_urlsafe(32)
    session.execute(delete(UserSession).where(UserSession.expires_at <= now))
    session.add(UserSession(key_hash=digest(key), user_id=user_id, created_at=now,
                            expires_at=now + max_age))
    return key


def session_is_live(session: DbSession, user_id: int, key: str | None,
                    now: datetime | None = None) -> bool:
    """True when `key` names an unexpired, not signed-out session of this user."""
    if not key or not isinstance(key, str) or len(key) > 100:
        return False
    found = session.scalar(select(UserSession.id).where(
        UserSession.key_hash == digest(key), UserSession.user_id == user_id,
        UserSession.expires_at > (now or utcnow())))
    return found is not None


def end_session(session: DbSession, key: str | None) -> None:
    """Sign one browser out: its session cookie, even if copied, no longer signs anyone in."""
    if key and isinstance(key, str):
        session.execute(delete(UserSession).where(UserSession.key_hash == digest(key)))


def end_sessions_of(session: DbSession, user_id: int, keep: str | None = None) -> None:
    """Delete every session record of a user but the one whose key is `keep`."""
    condition = [UserSession.user_id == user_id]
    if keep:
        condition.append(UserSession.key_hash != digest(keep))
    session.execute(delete(UserSession).where(*condition))


def end_all_sessions(session: DbSession, user_id: int) -> User:
    """Sign a user out of every browser and device."""
    user = live_user(session, user_id)
    end_sessions_of(session, user.id)
    user.session_version = (user.session_version or 0) + 1
    return user
