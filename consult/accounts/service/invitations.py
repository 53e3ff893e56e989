"""Inviting someone by email: an administrator creates the account with its role, and the link in
the invitation mail lets its owner choose a password (as a reset link does, for longer)."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from consult.accounts.service.admin import INVITED_PREFIX, ROLE_VALUES, is_invited
from consult.accounts.service.common import (
    AccountError,
    InvalidToken,
    check_display_name,
    check_email,
    check_new_password,
    live_user,
    make_token,
    password_fingerprint,
    read_token,
    stamp,
)
from consult.accounts.service.new_password import _set_password
from consult.accounts.service.sessions import end_sessions_of
from consult.models import User, utcnow
from consult.users import find_by_email
from moderation.db import DbSession
from moderation.service import audit

INVITATION_MAX_AGE = timedelta(days=7)


def invite(session: DbSession, actor_id: int, email: str, display_name: str, role: str) -> User:
    """Create an account for someone else, with a role and no usable password yet (audited)."""
    problems: dict[str, str] = {}
    try:
        email = check_email(email)
    except AccountError as exc:
        problems["email"] = exc.message
    try:
        display_name = check_display_name(display_name)
    except AccountError as exc:
        problems["display_name"] = exc.message
    if role not in ROLE_VALUES:
        problems["role"] = "Choose a role from the list."
    if "email" not in problems:
        existing = find_by_email(session, email)
        if existing is not None:
            problems["email"] = (f"There is already an account for {email}: find it in the list "
                                 "of users to change its role.")
    if problems:
        raise AccountError(next(iter(problems.values())), problems=problems)
    user = User(email=email, display_name=display_name, role=role,
                password_hash=INVITED_PREFIX + secrets.token_hex(16))
    session.add(user)
    session.flush()
    audit(session, "invited", "user", user.id, actor_id=actor_id, role=role)
    return user


def pending_invitation(session: DbSession, user_id: int) -> User:
    """An invited account whose owner has not chosen a password yet (to send the mail again)."""
    user = live_user(session, user_id)
    if not is_invited(user) or user.deactivated_at is not None:
        raise AccountError("This person has already chosen a password, or the account is "
                           "deactivated: there is no invitation to send.")
    return user


def record_invitation_sent(session: DbSession, actor_id: int, user: User, again: bool) -> None:
    """Note in the audit trail that an invitation mail went out."""
    if again:
        audit(session, "invitation_resent", "user", user.id, actor_id=actor_id)


def invitation_token(secret_key: str, user: User, now: datetime | None = None) -> str:
    """A signed token for the invitation link: it works until a password is chosen, for a week."""
    payload = {"u": user.id, "p": password_fingerprint(user), "t": stamp(now or utcnow())}
    return make_token(secret_key, "invite", payload)


def user_for_invitation(session: DbSession, secret_key: str, token: str,
                        now: datetime | None = None) -> User:
    """The invited account a token is for, if it is genuine, fresh and not yet used."""
    data = read_token(secret_key, "invite", token, INVITATION_MAX_AGE, now or utcnow())
    user = session.get(User, data.get("u"))
    if (user is None or user.deleted_at or user.deactivated_at
            or password_fingerprint(user) != data.get("p")):
        raise InvalidToken("This invitation has already been used or is no longer valid.")
    return user


def accept_invitation(session: DbSession, secret_key: str, token: str, new: str, confirm: str,
                      now: datetime | None = None) -> User:
    """Choose the account's first password from the invitation; the link then stops working."""
    now = now or utcnow()
    user = user_for_invitation(session, secret_key, token, now)
    new = check_new_password(new, confirm)
    _set_password(user, new)
    end_sessions_of(session, user.id)
    # The link came to the address: following it proves the address is theirs.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
    audit(session, "invitation_accepted", "user", user.id, actor_id=user.id)
    return user


def invitation_message(site_name: str, user: User, inviter: str, link: str) -> tuple[str, str]:
    """Subject and body of the invitation mail."""
    days = INVITATION_MAX_AGE.days
    return (
        f"You have been invited to {site_name}",
        f"Hello {user.display_name},\n\n"
        f"{inviter} has created a {site_name} account for you, with the role of {user.role}. "
        f"To choose your password and sign in, open this link:\n\n{link}\n\n"
        f"The link works once, for {days} days. If it has expired, ask {inviter} to send "
        "the invitation again.\n\n"
        "If you were not expecting this, ignore this email: nobody can use the account "
        "until a password is chosen with this link.\n",
    )
