"""Inviting someone by email: an administrator creates the account with its role, and the link in
the invitation mail lets its owner choose a password (as a reset link does, for longer)."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from consult.accounts.service.admin import INVITED_PREFIX, ROLE_VALUES, is_invited
from consult.accounts.service.common import (
    AccountError,
    check_display_name,
    check_email,
    live_user,
)
from consult.accounts.service.new_password import choose_password_from_link, link_token, user_for_link
from consult.i18n import LANGUAGES, N_, gettext, ngettext, written_in
from consult.models import User, utcnow
from consult.users import find_by_email
from moderation.db import DbSession
from moderation.service import audit

INVITATION_MAX_AGE = timedelta(days=7)


def invite(session: DbSession, actor_id: int, email: str, display_name: str, role: str,
           language: str | None = None) -> User:
    """Create an account for someone else, with a role and no usable password yet (audited);
    `language` is the one the invitation (and later mail, until they choose) is written in."""
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
        problems["role"] = gettext("Choose a role from the list.")
    if language is not None and language not in LANGUAGES:
        problems["language"] = gettext("Choose a language from the list.")
    if "email" not in problems:
        existing = find_by_email(session, email)
        if existing is not None:
            problems["email"] = gettext("There is already an account for %(email)s: find it in the list "
                                        "of users to change its role.", email=email)
    if problems:
        raise AccountError(next(iter(problems.values())), problems=problems)
    user = User(email=email, display_name=display_name, role=role, language=language,
                password_hash=INVITED_PREFIX + secrets.token_hex(16))
    session.add(user)
    session.flush()
    audit(session, "invited", "user", user.id, actor_id=actor_id, role=role)
    return user


def pending_invitation(session: DbSession, user_id: int) -> User:
    """An invited account whose owner has not chosen a password yet (to send the mail again)."""
    user = live_user(session, user_id)
    if not is_invited(user) or user.deactivated_at is not None:
        raise AccountError(gettext("This person has already chosen a password, or the account is "
                                   "deactivated: there is no invitation to send."))
    return user


def record_invitation_sent(session: DbSession, actor_id: int, user: User, again: bool) -> None:
    """Note in the audit trail that an invitation mail went out."""
    if again:
        audit(session, "invitation_resent", "user", user.id, actor_id=actor_id)


def invitation_token(secret_key: str, user: User, now: datetime | None = None) -> str:
    """A signed token for the invitation link: it works until a password is chosen, for a week."""
    return link_token(secret_key, "invite", user, now)


def user_for_invitation(session: DbSession, secret_key: str, token: str,
                        now: datetime | None = None) -> User:
    """The invited account a token is for, if it is genuine, fresh and not yet used."""
    return user_for_link(session, secret_key, "invite", token, INVITATION_MAX_AGE, now or utcnow(),
                         gettext("This invitation has already been used or is no longer valid."))


def accept_invitation(session: DbSession, secret_key: str, token: str, new: str, confirm: str,
                      now: datetime | None = None) -> User:
    """Choose the account's first password from the invitation; the link then stops working."""
    now = now or utcnow()
    user = choose_password_from_link(session, user_for_invitation(session, secret_key, token, now),
                                     new, confirm, now)
    audit(session, "invitation_accepted", "user", user.id, actor_id=user.id)
    return user


def invitation_message(site_name: str, user: User, inviter: str, link: str) -> tuple[str, str]:
    """Subject and body of the invitation mail."""
    days = INVITATION_MAX_AGE.days
    # In the invited person's language: the one the administrator chose for them (English for an
    # account invited before the choice).
    with written_in(user.language):
        return (
            gettext("You have been invited to %(site)s", site=site_name),
            gettext("Hello %(name)s,", name=user.display_name) + "\n\n"
            + gettext(_INVITED_AS.get(user.role, _INVITED_AS["citizen"]), inviter=inviter, site=site_name)
            + " " + gettext("To choose your password and sign in, open this link:") + f"\n\n{link}\n\n"
            + ngettext("The link works once, for %(num)s day. If it has expired, ask %(inviter)s to send the "
                       "invitation again.",
                       "The link works once, for %(num)s days. If it has expired, ask %(inviter)s to send the "
                       "invitation again.", days, inviter=inviter) + "\n\n"
            + gettext("If you were not expecting this, ignore this email: nobody can use the account until a "
                      "password is chosen with this link.") + "\n",
        )


# "... with the role of moderator", one sentence for each role (Welsh mutates the role).
_INVITED_AS = {
    "citizen": N_("%(inviter)s has created a %(site)s account for you, with the role of citizen."),
    "moderator": N_("%(inviter)s has created a %(site)s account for you, with the role of moderator."),
    "official": N_("%(inviter)s has created a %(site)s account for you, with the role of official."),
    "admin": N_("%(inviter)s has created a %(site)s account for you, with the role of admin."),
}
