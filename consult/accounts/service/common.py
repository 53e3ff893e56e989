"""What every part of the accounts journey shares: its errors, the checks on what people type,
signed tokens, and finding a live account."""
from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeSerializer

from consult.i18n import N_, gettext
from consult.models import User
from consult.text import clean_name
from consult.users import MIN_PASSWORD, UserError, normalise_email
from moderation.db import DbSession

# The name a deleted account keeps, stored in English (it is data); pages show it through gettext.
FORMER_PARTICIPANT = N_("a former participant")
# Invisible characters a display name may keep: paired direction controls (as in an Arabic name
# with a Latin part), the direction marks, and the joiners that Persian, Indic scripts and emoji
# sequences need. Any other control or format character is refused.
_NAME_FORMAT = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                         "\u200e\u200f\u061c\u200c\u200d")
MAX_PASSWORD = 1024


class AccountError(ValueError):
    """A request refused, with a message fit to show next to the field it concerns."""

    def __init__(self, message: str, field: str | None = None,
                 problems: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # Every problem found, by field, so a form can show them all at once.
        self.problems = problems or ({field: message} if field else {})


class LoginThrottled(AccountError):
    """Too many failed sign-ins recently; `retry_at` says when the next try is accepted."""

    def __init__(self, message: str, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class MailThrottled(LoginThrottled):
    """Too many links asked for recently, for this address or from this network."""

    def __init__(self, message: str, retry_at: datetime) -> None:
        AccountError.__init__(self, message, "email")
        self.retry_at = retry_at


class InvalidToken(AccountError):
    """A link that is not genuine, has expired or was already used."""


# ---------------------------------------------------------------------------- validation

NUL_REFUSED = N_("What was sent holds a NUL character (character code 0), which nobody types and "
                 "which cannot be stored. Remove it, or type the text again, and send it once more.")


def nul_problem(fields: Iterable[tuple[str, list[str]]]) -> str | None:
    """NUL_REFUSED when a field's name or any of its values holds a NUL character (PostgreSQL's
    text cannot, and refuses the whole query), else None. `fields`: (name, values) pairs, as a
    MultiDict's lists() gives them."""
    for name, values in fields:
        if "\x00" in name or any("\x00" in value for value in values):
            return gettext(NUL_REFUSED)
    return None


def safe_next(target: str | None) -> str | None:
    """The target if it is a path on this site, else None (no open redirects)."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read "\" as "/" ("/\evil.example" is off-site) and drop tabs and newlines.
    if "\\" in target or any(unicodedata.category(c)[0] in "CZ" and c != " " for c in target):
        return None
    if " " in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def check_display_name(name: str) -> str:
    """A display name trimmed and checked: 1 to 80 characters, some of them visible, without
    direction controls left open (those are dropped, as in comments)."""
    typed = " ".join((name or "").split())
    # clean_name drops unpaired direction controls; blank when nothing in it would show.
    name = " ".join(clean_name(typed).split())
    if not name:
        raise AccountError(gettext("Enter the name to show with your comments.") if not typed else
                           gettext("Enter the name to show with your comments: the name sent has only "
                                   "invisible characters."), "display_name")
    if len(name) > 80:
        raise AccountError(gettext("Use a name of %(limit)s characters or fewer.", limit=80), "display_name")
    if any(unicodedata.category(c)[0] == "C" and c not in _NAME_FORMAT for c in name):
        raise AccountError(gettext("Use letters, numbers and punctuation only."), "display_name")
    if name.casefold() == FORMER_PARTICIPANT.casefold():
        raise AccountError(gettext("Choose a different name: this one marks deleted accounts."),
                           "display_name")
    return name


def check_new_password(password: str, confirm: str, field: str = "password") -> str:
    """A new password checked for length and matched against its confirmation."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        raise AccountError(gettext("Choose a password of at least %(limit)s characters.", limit=MIN_PASSWORD), field)
    if len(password) > MAX_PASSWORD:
        raise AccountError(gettext("Use a password of %(limit)s characters or fewer.", limit=MAX_PASSWORD), field)
    if password != (confirm or ""):
        raise AccountError(gettext("The two passwords are not the same."), "confirm")
    return password


def check_email(email: str) -> str:
    """An email address normalised, or AccountError on the email field."""
    try:
        return normalise_email(email)
    except UserError as exc:
        raise AccountError(gettext(str(exc)), "email") from None  # (consult/users.py marks it)


# ---------------------------------------------------------------------------- tokens

def _serializer(secret_key: str, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=f"consult.accounts.{purpose}")


def stamp(when: datetime) -> int:
    """A moment as whole seconds since the epoch (naive datetimes are UTC), as tokens carry it."""
    return int(when.timestamp() if when.tzinfo else (when - datetime(1970, 1, 1)).total_seconds())


def make_token(secret_key: str, purpose: str, payload: dict[str, Any]) -> str:
    """`payload` signed with the secret key, for this purpose only."""
    return _serializer(secret_key, purpose).dumps(payload)


def read_token(secret_key: str, purpose: str, token: str, max_age: timedelta,
               now: datetime) -> dict[str, Any]:
    """The payload of a genuine token for this purpose issued within `max_age`, else InvalidToken."""
    try:
        data = _serializer(secret_key, purpose).loads(token)
    except BadSignature:
        raise InvalidToken(gettext("This link is not valid. Check you copied all of it.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("t"), int):
        raise InvalidToken(gettext("This link is not valid. Check you copied all of it."))
    if stamp(now) - data["t"] > max_age.total_seconds():
        raise InvalidToken(gettext("This link has expired."))
    return data


def password_fingerprint(user: User) -> str:
    """A short digest of the user's password hash, for tokens that must die with the password."""
    # Changes whenever the password does (argon2 salts every hash), so a reset link works once.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def digest(value: str) -> str:
    """The SHA-256 of a secret, as stored or mailed in its place."""
    return hashlib.sha256(value.encode()).hexdigest()


# ---------------------------------------------------------------------------- accounts

def live_user(session: DbSession, user_id: int) -> User:
    """The account with this id, or AccountError when it does not exist or was deleted."""
    user = session.get(User, user_id)
    if user is None or user.deleted_at:
        raise AccountError(gettext("This account no longer exists."))
    return user
