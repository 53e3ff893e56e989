"""Registering an account and confirming its email address."""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from consult.accounts.service.common import (
    AccountError,
    InvalidToken,
    check_display_name,
    check_email,
    check_new_password,
    digest,
    make_token,
    read_token,
    stamp,
)
from consult.i18n import current_language, gettext, ngettext, written_in
from consult.models import Role, User, utcnow
from consult.passwords import hash_password
from consult.users import find_by_email, normalise_email
from moderation.db import DbSession

CONFIRM_MAX_AGE = timedelta(days=3)


@dataclass
class Registration:
    """What register() did: a new account, or a notice to the owner of an existing one."""

    user: User
    created: bool


@dataclass
class Confirmation:
    """What confirm_email() did: whose address it confirmed, and whether to sign them in."""

    user: User
    sign_in: bool


def new_browser_secret() -> str:
    """A random value a browser keeps in its session, to recognise it later."""
    return secrets.token_urlsafe(32)


def confirmation_token(secret_key: str, user: User, now: datetime | None = None,
                       browser: str | None = None) -> str:
    """A signed token confirming that the user owns their current email address.

    `browser` is the secret of the browser that registered (new_browser_secret, kept in its
    session): opening the link in that same browser also signs the new user in.
    """
    payload = {"u": user.id, "e": user.email, "t": stamp(now or utcnow())}
    if browser:
        payload["b"] = digest(browser)  # the digest: the mail never holds the secret itself
    return make_token(secret_key, "confirm", payload)


def register(session: DbSession, email: str, display_name: str, password: str,
             confirm: str) -> Registration:
    """Create an unconfirmed citizen account, or find the existing one for this email.

    The caller shows the same "check your email" page either way, so the form does not tell
    a stranger which addresses have accounts; the email sent differs.
    """
    problems = registration_problems(email, display_name, password, confirm)
    if problems:
        field, message = next(iter(problems.items()))
        raise AccountError(message, field, problems)
    email, display_name = normalise_email(email), check_display_name(display_name)
    existing = find_by_email(session, email)
    if existing is not None:
        return Registration(existing, created=False)
    user = User(email=email, display_name=display_name, password_hash=hash_password(password),
                role=Role.CITIZEN.value)
    session.add(user)
    session.flush()
    return Registration(user, created=True)


def registration_problems(email: str, display_name: str, password: str,
                          confirm: str) -> dict[str, str]:
    """Everything wrong with a registration, by field (empty when it is acceptable)."""
    problems: dict[str, str] = {}
    for check, args in ((check_email, (email,)), (check_display_name, (display_name,)),
                        (check_new_password, (password, confirm))):
        try:
            check(*args)
        except AccountError as exc:
            problems.setdefault(exc.field or "", exc.message)
    return problems


def confirm_email(session: DbSession, secret_key: str, token: str,
                  now: datetime | None = None, browser: str | None = None) -> Confirmation:
    """Mark the email address in a confirmation token as confirmed.

    The new user is to be signed in only when the link is opened in the browser that
    registered (`browser` matches the secret the token was made with) and this is the first
    confirmation. The link alone is not enough: it travels by mail, which is forwarded, read
    on shared machines and opened by link scanners, and it stays valid for days; a link that
    signed in whoever opened it would be a password. The registering browser typed the
    password a moment ago, and the link proves the mailbox, so together they are as strong as
    signing in; and only once, so an old link opened again signs nobody in.
    """
    now = now or utcnow()
    data = read_token(secret_key, "confirm", token, CONFIRM_MAX_AGE, now)
    user = session.get(User, data.get("u"))
    if user is None or user.deleted_at or user.email != data.get("e"):
        raise InvalidToken(gettext("This link is no longer valid."))
    first = user.email_confirmed_at is None
    if first:
        user.email_confirmed_at = now
    same_browser = False
    if browser and isinstance(data.get("b"), str):
        same_browser = hmac.compare_digest(data["b"], digest(browser))
    return Confirmation(user, sign_in=first and same_browser)


def is_confirmed(user) -> bool:
    """True for a signed-in, undeleted user whose email address is confirmed."""
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "email_confirmed_at", None)
        and not getattr(user, "deleted_at", None)
    )


def confirmation_message(site_name: str, user: User, link: str) -> tuple[str, str]:
    """Subject and body of the email asking a new user to confirm their address (in the language
    they registered in)."""
    with written_in(user.language or current_language()):
        return (
            gettext("Confirm your email address for %(site)s", site=site_name),
            gettext("Hello %(name)s,", name=user.display_name) + "\n\n"
            + gettext("To finish creating your %(site)s account, open this link:", site=site_name)
            + f"\n\n{link}\n\n"
            + ngettext("The link works for %(num)s day. Once your address is confirmed you can comment on "
                       "consultations.",
                       "The link works for %(num)s days. Once your address is confirmed you can comment on "
                       "consultations.", CONFIRM_MAX_AGE.days) + "\n\n"
            + gettext("If you did not create an account, ignore this email: nothing will happen.") + "\n",
        )


def already_registered_message(site_name: str, user: User, login_link: str,
                               reset_link: str) -> tuple[str, str]:
    """Subject and body sent when someone registers with an address that has an account (in the
    owner's stored language, else the one the form was read in)."""
    with written_in(user.language or current_language()):
        return (
            gettext("You already have a %(site)s account", site=site_name),
            gettext("Hello %(name)s,", name=user.display_name) + "\n\n"
            + gettext("Someone, probably you, tried to create a %(site)s account with this email address. "
                      "You already have one.", site=site_name) + "\n\n"
            + gettext("Sign in here: %(link)s", link=login_link) + "\n\n"
            + gettext("If you have forgotten your password, choose a new one here: %(link)s", link=reset_link)
            + "\n\n"
            + gettext("If it was not you, ignore this email: your account has not changed.") + "\n",
        )
