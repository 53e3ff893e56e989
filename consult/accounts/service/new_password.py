"""Choosing a new password: by a reset link sent by mail, or by changing it when signed in."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from consult.accounts.models import LoginAttempt
from consult.accounts.service.common import (
    MAX_PASSWORD,
    AccountError,
    InvalidToken,
    check_email,
    check_new_password,
    live_user,
    make_token,
    password_fingerprint,
    read_token,
    stamp,
)
from consult.accounts.service.sessions import end_sessions_of
from consult.i18n import current_language, gettext, ngettext, written_in
from consult.models import User, utcnow
from consult.passwords import hash_password, verify_password
from consult.users import find_by_email
from moderation.db import DbSession

RESET_MAX_AGE = timedelta(hours=1)


def link_token(secret_key: str, purpose: str, user: User, now: datetime | None = None) -> str:
    """A signed token for a link that sets the password ("reset", "invite"): it names the
    password it replaces, so it stops working once a password is chosen."""
    payload = {"u": user.id, "p": password_fingerprint(user), "t": stamp(now or utcnow())}
    return make_token(secret_key, purpose, payload)


def user_for_link(session: DbSession, secret_key: str, purpose: str, token: str, max_age: timedelta,
                  now: datetime, refused: str) -> User:
    """The live, active account a password link is for, if the link is genuine, fresh and unused;
    else InvalidToken with the message `refused`."""
    data = read_token(secret_key, purpose, token, max_age, now)
    user = session.get(User, data.get("u"))
    if (user is None or user.deleted_at or user.deactivated_at
            or password_fingerprint(user) != data.get("p")):
        raise InvalidToken(refused)
    return user


def choose_password_from_link(session: DbSession, user: User, new: str, confirm: str,
                              now: datetime) -> User:
    """Set the password a link sent by mail was for: every session ends (whoever knew the old
    password is signed out too), the address counts as confirmed (the link came to it), and the
    guesses at the old password are forgotten, the owner's own included."""
    new = check_new_password(new, confirm)
    _set_password(user, new)
    end_sessions_of(session, user.id)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
    return user


def reset_token(secret_key: str, user: User, now: datetime | None = None) -> str:
    """A signed, single-use token for choosing a new password."""
    return link_token(secret_key, "reset", user, now)


def change_password(session: DbSession, user_id: int, current: str, new: str, confirm: str,
                    keep_session: str | None = None) -> User:
    """Change a password after checking the current one; every session but `keep_session` ends."""
    user = live_user(session, user_id)
    if not verify_password(user.password_hash, (current or "")[:MAX_PASSWORD]):
        raise AccountError(gettext("Your current password is not right."), "current_password")
    new = check_new_password(new, confirm)
    _set_password(user, new)
    end_sessions_of(session, user.id, keep=keep_session)
    return user


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    # Sessions also carry the version (User.get_id): bumping it ends them even without their
    # records (the caller keeps its own browser signed in by signing it in again).
    user.session_version = (user.session_version or 0) + 1


def user_for_reset(session: DbSession, secret_key: str, token: str,
                   now: datetime | None = None) -> User:
    """The user a password-reset token is for, if it is genuine, fresh and unused (and the
    account not deactivated)."""
    return user_for_link(session, secret_key, "reset", token, RESET_MAX_AGE, now or utcnow(),
                         gettext("This link has already been used or is no longer valid."))


def reset_password(session: DbSession, secret_key: str, token: str, new: str, confirm: str,
                   now: datetime | None = None) -> User:
    """Set a new password from a reset link; the link then stops working."""
    now = now or utcnow()
    return choose_password_from_link(session, user_for_reset(session, secret_key, token, now),
                                     new, confirm, now)


def user_for_reset_request(session: DbSession, email: str) -> User | None:
    """The live account a reset was asked for, or None (the caller answers the same way)."""
    user = find_by_email(session, check_email(email))
    return None if user is None or user.deleted_at else user


def reset_message(site_name: str, user: User, link: str) -> tuple[str, str]:
    """Subject and body of the password-reset email."""
    minutes = int(RESET_MAX_AGE.total_seconds() // 60)
    with written_in(user.language or current_language()):  # the owner's, else the form's
        return (
            gettext("Choose a new password for %(site)s", site=site_name),
            gettext("Hello %(name)s,", name=user.display_name) + "\n\n"
            + gettext("Someone asked to reset the password of your %(site)s account. To choose a new password, "
                      "open this link:", site=site_name) + f"\n\n{link}\n\n"
            + ngettext("The link works once, for %(num)s minute.", "The link works once, for %(num)s minutes.",
                       minutes) + "\n\n"
            + gettext("If you did not ask, ignore this email: your password has not changed.") + "\n",
        )


def password_changed_message(site_name: str, user: User) -> tuple[str, str]:
    """Subject and body telling the owner that their password was changed."""
    with written_in(user.language or current_language()):
        return (
            gettext("Your %(site)s password was changed", site=site_name),
            gettext("Hello %(name)s,", name=user.display_name) + "\n\n"
            + gettext("The password of your %(site)s account was just changed, and every other browser signed "
                      "in to it was signed out.", site=site_name) + "\n\n"
            + gettext("If you did not do this, choose a new password straight away with the \"Forgotten your "
                      "password?\" link on the sign-in page.") + "\n",
        )
