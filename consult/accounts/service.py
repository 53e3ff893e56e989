"""The accounts journey as plain functions: register, confirm, sign in, reset, change, delete.

Every function takes the database session and plain values (never the request or the
signed-in user) and leaves committing to the caller. Tokens are signed with the app's secret
key and carry the moment they were issued, so expiry is checked against an explicit `now`.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from consult.accounts.models import LoginAttempt, MailRequest, UserSession
from consult.models import Role, User, utcnow
from consult.passwords import hash_password, needs_rehash, verify_password
from consult.text import clean_name
from consult.users import MIN_PASSWORD, UserError, find_by_email, normalise_email
from moderation.db import DbSession

FORMER_PARTICIPANT = "a former participant"
# Invisible characters a display name may keep: paired direction controls (as in an Arabic name
# with a Latin part), the direction marks, and the joiners that Persian, Indic scripts and emoji
# sequences need. Any other control or format character is refused.
_NAME_FORMAT = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                         "\u200e\u200f\u061c\u200c\u200d")
# Not an argon2 hash, so verify_password() always refuses it.
UNUSABLE_PASSWORD = "!account-deleted"
MAX_PASSWORD = 1024

# Failed sign-ins, counted in a sliding window (see README, "Signing in and sessions"):
# per account *and* source together, so that a stranger who knows an address cannot lock its
# owner out; per source across accounts, so one address cannot try many accounts; and per
# account across sources, so that a botnet gets at most 100 guesses an hour at one account
# (OWASP ASVS 4.0 2.2.1). Browsers the owner has signed in with before are exempt from the
# last two, so not even a botnet can keep the owner out of their own account.
LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_SOURCE = 5     # one account from one IP address
MAX_FAILURES_PER_IP = 20        # any accounts from one IP address
MAX_FAILURES_PER_ACCOUNT = 25   # one account from anywhere: 4 windows an hour, 100 guesses
# How long a sign-in lasts at most, however active, before the password is asked again.
SESSION_MAX_AGE = timedelta(days=30)
# How long a browser stays "known" to the accounts signed in with it (the throttle exemption).
DEVICE_MAX_AGE = timedelta(days=365)
# Mail sent on request (a reset link, a new confirmation link): per typed address and per IP.
MAIL_WINDOW = timedelta(hours=1)
MAX_MAILS_PER_EMAIL = 3
MAX_MAILS_PER_IP = 10
CONFIRM_MAX_AGE = timedelta(days=3)
RESET_MAX_AGE = timedelta(hours=1)

WRONG_CREDENTIALS = "Email or password is not right."


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


@dataclass
class Confirmation:
    """What confirm_email() did: whose address it confirmed, and whether to sign them in."""

    user: User
    sign_in: bool


# ---------------------------------------------------------------------------- validation

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
        raise AccountError("Enter the name to show with your comments." if not typed else
                           "Enter the name to show with your comments: the name sent has only "
                           "invisible characters.", "display_name")
    if len(name) > 80:
        raise AccountError("Use a name of 80 characters or fewer.", "display_name")
    if any(unicodedata.category(c)[0] == "C" and c not in _NAME_FORMAT for c in name):
        raise AccountError("Use letters, numbers and punctuation only.", "display_name")
    if name.casefold() == FORMER_PARTICIPANT.casefold():
        raise AccountError("Choose a different name: this one marks deleted accounts.",
                           "display_name")
    return name


def check_new_password(password: str, confirm: str, field: str = "password") -> str:
    """A new password checked for length and matched against its confirmation."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Choose a password of at least {MIN_PASSWORD} characters.", field)
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"Use a password of {MAX_PASSWORD} characters or fewer.", field)
    if password != (confirm or ""):
        raise AccountError("The two passwords are not the same.", "confirm")
    return password


def _email(email: str) -> str:
    try:
        return normalise_email(email)
    except UserError as exc:
        raise AccountError(str(exc), "email") from None


# ---------------------------------------------------------------------------- tokens

def _serializer(secret_key: str, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=f"consult.accounts.{purpose}")


def _stamp(when: datetime) -> int:
    return int(when.timestamp() if when.tzinfo else (when - datetime(1970, 1, 1)).total_seconds())


def _read_token(secret_key: str, purpose: str, token: str, max_age: timedelta,
                now: datetime) -> dict:
    try:
        data = _serializer(secret_key, purpose).loads(token)
    except BadSignature:
        raise InvalidToken("This link is not valid. Check you copied all of it.") from None
    if not isinstance(data, dict) or not isinstance(data.get("t"), int):
        raise InvalidToken("This link is not valid. Check you copied all of it.")
    if _stamp(now) - data["t"] > max_age.total_seconds():
        raise InvalidToken("This link has expired.")
    return data


def _password_fingerprint(user: User) -> str:
    # Changes whenever the password does (argon2 salts every hash), so a reset link works once.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_browser_secret() -> str:
    """A random value a browser keeps in its session, to recognise it later."""
    return secrets.token_urlsafe(32)


def confirmation_token(secret_key: str, user: User, now: datetime | None = None,
                       browser: str | None = None) -> str:
    """A signed token confirming that the user owns their current email address.

    `browser` is the secret of the browser that registered (new_browser_secret, kept in its
    session): opening the link in that same browser also signs the new user in.
    """
    payload = {"u": user.id, "e": user.email, "t": _stamp(now or utcnow())}
    if browser:
        payload["b"] = _digest(browser)  # the digest: the mail never holds the secret itself
    return _serializer(secret_key, "confirm").dumps(payload)


def reset_token(secret_key: str, user: User, now: datetime | None = None) -> str:
    """A signed, single-use token for choosing a new password."""
    payload = {"u": user.id, "p": _password_fingerprint(user), "t": _stamp(now or utcnow())}
    return _serializer(secret_key, "reset").dumps(payload)


# ---------------------------------------------------------------------------- registration

@dataclass
class Registration:
    """What register() did: a new account, or a notice to the owner of an existing one."""

    user: User
    created: bool


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
    for check, args in ((_email, (email,)), (check_display_name, (display_name,)),
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
    data = _read_token(secret_key, "confirm", token, CONFIRM_MAX_AGE, now)
    user = session.get(User, data.get("u"))
    if user is None or user.deleted_at or user.email != data.get("e"):
        raise InvalidToken("This link is no longer valid.")
    first = user.email_confirmed_at is None
    if first:
        user.email_confirmed_at = now
    same_browser = bool(browser) and isinstance(data.get("b"), str) and hmac.compare_digest(
        data["b"], _digest(browser))
    return Confirmation(user, sign_in=first and same_browser)


def is_confirmed(user) -> bool:
    """True for a signed-in, undeleted user whose email address is confirmed."""
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "email_confirmed_at", None)
        and not getattr(user, "deleted_at", None)
    )


# ---------------------------------------------------------------------------- signing in

def _retry_at(session: DbSession, model, limit: int, since: datetime, window: timedelta,
              *conditions) -> datetime | None:
    """When the count of `model` rows matching `conditions` since `since` drops below `limit`
    again, or None if it is below already."""
    times = session.scalars(
        select(model.created_at)
        .where(*conditions, model.created_at > since)
        .order_by(model.created_at)
    ).all()
    if len(times) < limit:
        return None
    # Once the oldest rows leave the window the count drops below the limit again.
    return times[len(times) - limit] + window


def source_of(address: str | None) -> str:
    """The network a client address is counted as for throttling: an IPv4 address itself, an
    IPv6 address its /64 (an IPv4-mapped one as the IPv4 address).

    One subscriber is given a whole IPv6 /64 and can use a new address in it for every
    request, so counting single IPv6 addresses would limit nobody.
    """
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return (address or "unknown").strip()[:45] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


def check_throttle(session: DbSession, email: str, ip: str, now: datetime | None = None,
                   *, known_browser: bool = False,
                   per_source: int = MAX_FAILURES_PER_SOURCE,
                   per_ip: int = MAX_FAILURES_PER_IP,
                   per_account: int = MAX_FAILURES_PER_ACCOUNT) -> None:
    """Raise LoginThrottled when this account-and-IP, IP or account failed too often lately.

    The account alone never blocks a browser the owner has signed in with before
    (`known_browser`), so failures caused by someone else cannot lock the owner out.
    """
    ip = source_of(ip)  # idempotent: a network from source_of() stays itself
    checks = [
        (per_source, [LoginAttempt.email == email, LoginAttempt.ip == ip],
         "There have been too many attempts to sign in to this account from your network. "
         "For your security, please wait {wait} and try again, or choose a new password "
         "with the \u201cForgotten your password?\u201d link."),
    ]
    if not known_browser:
        checks += [
            (per_ip, [LoginAttempt.ip == ip],
             "There have been too many attempts to sign in from your network. "
             "Please wait {wait} and try again."),
            (per_account, [LoginAttempt.email == email],
             "There have been many attempts to sign in to this account from different places. "
             "For your security, a browser not used with this account before must wait "
             "{wait}. You can sign in now from a browser you have used before, or choose a new "
             "password with the \u201cForgotten your password?\u201d link."),
        ]
    _refuse_when_over(session, LoginAttempt, LOGIN_WINDOW, now or utcnow(), LoginThrottled,
                      checks)


def _refuse_when_over(session: DbSession, model, window: timedelta, now: datetime, refusal,
                      checks: list[tuple[int, list, str]]) -> None:
    """Raise `refusal` (message, retry_at) for the first check whose rows in the window reach
    its limit; its message's {wait} says how long until the next try is accepted."""
    for limit, conditions, message in checks:
        retry = _retry_at(session, model, limit, now - window, window, *conditions)
        if retry is not None:
            raise refusal(message.format(wait=_wait(retry, now)), retry)


def record_mail_request(session: DbSession, kind: str, email: str, ip: str,
                        now: datetime | None = None) -> None:
    """Count a request that mails an address, or raise MailThrottled if there were too many.

    Counted per address as typed, whether or not an account has it (the answer must not tell
    which), and per IP: nobody can have the site mail someone over and over.
    """
    now = now or utcnow()
    key = (email or "").strip().lower()[:254]
    ip = source_of(ip)
    _refuse_when_over(session, MailRequest, MAIL_WINDOW, now, MailThrottled, [
        (MAX_MAILS_PER_EMAIL, [MailRequest.kind == kind, MailRequest.email == key],
         "This address has asked for several links in the last hour. If there is an account "
         "for it, use the latest link we sent, or ask again in {wait}."),
        (MAX_MAILS_PER_IP, [MailRequest.ip == ip],
         "Many links have been asked for from your network in the last hour. Please wait "
         "{wait} and try again."),
    ])
    session.execute(delete(MailRequest).where(MailRequest.created_at < now - 4 * MAIL_WINDOW))
    session.add(MailRequest(kind=kind, email=key, ip=ip, created_at=now))


def _wait(retry_at: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((retry_at - now).total_seconds() / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def authenticate(session: DbSession, email: str, password: str, ip: str,
                 now: datetime | None = None, *, secret_key: str = "",
                 browser_token: str | None = None, **limits: int) -> User:
    """The user these credentials belong to; records failures and throttles repeated ones.

    `browser_token` is the one this browser was given at an earlier sign-in (device_token);
    when it is this account's, failures elsewhere do not stop this browser.
    """
    now = now or utcnow()
    key = (email or "").strip().lower()[:254]
    ip = source_of(ip)
    user = find_by_email(session, key) if key else None
    usable = user is not None and not user.deleted_at
    known = usable and browser_token is not None and is_known_browser(
        secret_key, browser_token, user, now)
    check_throttle(session, key, ip, now, known_browser=known, **limits)
    # verify_password checks a dummy hash when there is no account, so both take as long.
    if not verify_password(user.password_hash if usable else None, (password or "")[:MAX_PASSWORD]):
        session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < now - 4 * LOGIN_WINDOW))
        session.add(LoginAttempt(email=key, ip=ip, created_at=now))
        raise AccountError(WRONG_CREDENTIALS, "email")
    # Only this source's failures: someone else's guesses from elsewhere still count.
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == key, LoginAttempt.ip == ip))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def device_token(secret_key: str, user: User, now: datetime | None = None) -> str:
    """A signed token a browser keeps after signing in, so it is known at the next sign-in."""
    payload = {"u": user.id, "p": _password_fingerprint(user), "v": user.session_version,
               "t": _stamp(now or utcnow())}
    return _serializer(secret_key, "device").dumps(payload)


def is_known_browser(secret_key: str, token: str, user: User,
                     now: datetime | None = None) -> bool:
    """True when `token` is a fresh device_token of this user under their current password
    and session version.

    Tied to both, so that after a reset, or signing out on every device (which bumps the
    version), a browser an intruder used or the owner lost is a stranger again.
    """
    try:
        data = _read_token(secret_key, "device", token, DEVICE_MAX_AGE, now or utcnow())
    except InvalidToken:
        return False
    return (data.get("u") == user.id and data.get("p") == _password_fingerprint(user)
            and data.get("v") == user.session_version)


# ---------------------------------------------------------------------------- sessions

def start_session(session: DbSession, user_id: int, now: datetime | None = None,
                  max_age: timedelta = SESSION_MAX_AGE) -> str:
    """Record a newly signed-in browser; returns the key its session cookie is to carry."""
    now = now or utcnow()
    key = secrets.token_urlsafe(32)
    session.execute(delete(UserSession).where(UserSession.expires_at <= now))
    session.add(UserSession(key_hash=_digest(key), user_id=user_id, created_at=now,
                            expires_at=now + max_age))
    return key


def session_is_live(session: DbSession, user_id: int, key: str | None,
                    now: datetime | None = None) -> bool:
    """True when `key` names an unexpired, not signed-out session of this user."""
    if not key or not isinstance(key, str) or len(key) > 100:
        return False
    found = session.scalar(select(UserSession.id).where(
        UserSession.key_hash == _digest(key), UserSession.user_id == user_id,
        UserSession.expires_at > (now or utcnow())))
    return found is not None


def end_session(session: DbSession, key: str | None) -> None:
    """Sign one browser out: its session cookie, even if copied, no longer signs anyone in."""
    if key and isinstance(key, str):
        session.execute(delete(UserSession).where(UserSession.key_hash == _digest(key)))


def _end_sessions(session: DbSession, user_id: int, keep: str | None = None) -> None:
    condition = [UserSession.user_id == user_id]
    if keep:
        condition.append(UserSession.key_hash != _digest(keep))
    session.execute(delete(UserSession).where(*condition))


# ---------------------------------------------------------------------------- passwords

def change_password(session: DbSession, user_id: int, current: str, new: str, confirm: str,
                    keep_session: str | None = None) -> User:
    """Change a password after checking the current one; every session but `keep_session` ends."""
    user = _live_user(session, user_id)
    if not verify_password(user.password_hash, (current or "")[:MAX_PASSWORD]):
        raise AccountError("Your current password is not right.", "current_password")
    new = check_new_password(new, confirm)
    _set_password(user, new)
    _end_sessions(session, user.id, keep=keep_session)
    return user


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    # Sessions also carry the version (User.get_id): bumping it ends them even without their
    # records (the caller keeps its own browser signed in by signing it in again).
    user.session_version = (user.session_version or 0) + 1


def user_for_reset(session: DbSession, secret_key: str, token: str,
                   now: datetime | None = None) -> User:
    """The user a password-reset token is for, if it is genuine, fresh and unused."""
    data = _read_token(secret_key, "reset", token, RESET_MAX_AGE, now or utcnow())
    user = session.get(User, data.get("u"))
    if user is None or user.deleted_at or _password_fingerprint(user) != data.get("p"):
        raise InvalidToken("This link has already been used or is no longer valid.")
    return user


def reset_password(session: DbSession, secret_key: str, token: str, new: str, confirm: str,
                   now: datetime | None = None) -> User:
    """Set a new password from a reset link; the link then stops working."""
    now = now or utcnow()
    user = user_for_reset(session, secret_key, token, now)
    new = check_new_password(new, confirm)
    _set_password(user, new)
    _end_sessions(session, user.id)  # whoever knew the old password is signed out too
    # Following the link proved the address is theirs.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
    # A new password makes the guesses at the old one moot, including the owner's own.
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == user.email))
    return user


def user_for_reset_request(session: DbSession, email: str) -> User | None:
    """The live account a reset was asked for, or None (the caller answers the same way)."""
    try:
        email = normalise_email(email)
    except UserError as exc:
        raise AccountError(str(exc), "email") from None
    user = find_by_email(session, email)
    return None if user is None or user.deleted_at else user


def end_all_sessions(session: DbSession, user_id: int) -> User:
    """Sign a user out of every browser and device."""
    user = _live_user(session, user_id)
    _end_sessions(session, user.id)
    user.session_version = (user.session_version or 0) + 1
    return user


# ---------------------------------------------------------------------------- deletion

def delete_account(session: DbSession, user_id: int, password: str,
                   now: datetime | None = None) -> User:
    """Anonymise an account: the row stays so published comments keep their author."""
    user = _live_user(session, user_id)
    if not verify_password(user.password_hash, (password or "")[:MAX_PASSWORD]):
        raise AccountError("Your password is not right.", "password")
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
        _end_sessions(session, user.id)


def _live_user(session: DbSession, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.deleted_at:
        raise AccountError("This account no longer exists.")
    return user


# ---------------------------------------------------------------------------- administration

@dataclass
class UserPage:
    """One page of the admin user list."""

    users: list[User]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, math.ceil(self.total / self.per_page))


def list_users(session: DbSession, search: str = "", page: int = 1, per_page: int = 50) -> UserPage:
    """Live accounts, oldest first, optionally those whose email contains `search`."""
    query = select(User).where(User.deleted_at.is_(None))
    search = (search or "").strip().lower()
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(User.email).like(f"%{escaped}%", escape="\\"))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    users = session.scalars(
        query.order_by(User.id).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return UserPage(list(users), total, page, per_page)


def set_role(session: DbSession, actor_id: int, user_id: int, role: str) -> User:
    """Give an account a role; an admin cannot take admin away from themselves."""
    if role not in {r.value for r in Role}:
        raise AccountError(f"Unknown role '{role}'.", "role")
    user = _live_user(session, user_id)
    if user.id == actor_id and user.role == Role.ADMIN.value and role != Role.ADMIN.value:
        raise AccountError(
            "You cannot remove your own admin role. Ask another admin to do it.", "role")
    user.role = role
    return user


# ---------------------------------------------------------------------------- messages

def confirmation_message(site_name: str, user: User, link: str) -> tuple[str, str]:
    """Subject and body of the email asking a new user to confirm their address."""
    return (
        f"Confirm your email address for {site_name}",
        f"Hello {user.display_name},\n\n"
        f"To finish creating your {site_name} account, open this link:\n\n{link}\n\n"
        f"The link works for {CONFIRM_MAX_AGE.days} days. Once your address is confirmed you "
        "can comment on consultations.\n\n"
        "If you did not create an account, ignore this email: nothing will happen.\n",
    )


def already_registered_message(site_name: str, user: User, login_link: str,
                               reset_link: str) -> tuple[str, str]:
    """Subject and body sent when someone registers with an address that has an account."""
    return (
        f"You already have a {site_name} account",
        f"Hello {user.display_name},\n\n"
        f"Someone, probably you, tried to create a {site_name} account with this email "
        "address. You already have one.\n\n"
        f"Sign in here: {login_link}\n\n"
        f"If you have forgotten your password, choose a new one here: {reset_link}\n\n"
        "If it was not you, ignore this email: your account has not changed.\n",
    )


def reset_message(site_name: str, user: User, link: str) -> tuple[str, str]:
    """Subject and body of the password-reset email."""
    minutes = int(RESET_MAX_AGE.total_seconds() // 60)
    return (
        f"Choose a new password for {site_name}",
        f"Hello {user.display_name},\n\n"
        f"Someone asked to reset the password of your {site_name} account. To choose a new "
        f"password, open this link:\n\n{link}\n\n"
        f"The link works once, for {minutes} minutes.\n\n"
        "If you did not ask, ignore this email: your password has not changed.\n",
    )


def password_changed_message(site_name: str, user: User) -> tuple[str, str]:
    """Subject and body telling the owner that their password was changed."""
    return (
        f"Your {site_name} password was changed",
        f"Hello {user.display_name},\n\n"
        f"The password of your {site_name} account was just changed, and every other "
        "browser signed in to it was signed out.\n\n"
        "If you did not do this, choose a new password straight away with the \"Forgotten "
        "your password?\" link on the sign-in page.\n",
    )
