"""Signing in: checking credentials, throttling repeated failures and mail requests, and
recognising browsers the owner has signed in with before."""
from __future__ import annotations

import ipaddress
import math
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from consult.accounts.models import LoginAttempt, MailRequest
from consult.accounts.service.common import (
    MAX_PASSWORD,
    AccountError,
    InvalidToken,
    LoginThrottled,
    MailThrottled,
    make_token,
    password_fingerprint,
    read_token,
    stamp,
)
from consult.i18n import N_, gettext, ngettext
from consult.models import User, utcnow
from consult.passwords import hash_password, needs_rehash, verify_password
from consult.users import find_by_email
from moderation.db import DbSession

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
# How long a browser stays "known" to the accounts signed in with it (the throttle exemption).
DEVICE_MAX_AGE = timedelta(days=365)
# Mail sent on request (a reset link, a new confirmation link): per typed address and per IP.
MAIL_WINDOW = timedelta(hours=1)
MAX_MAILS_PER_EMAIL = 3
MAX_MAILS_PER_IP = 10

WRONG_CREDENTIALS = N_("Email or password is not right.")


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
         N_("There have been too many attempts to sign in to this account from your network. "
            "For your security, please wait %(wait)s and try again, or choose a new password "
            "with the \u201cForgotten your password?\u201d link.")),
    ]
    if not known_browser:
        checks += [
            (per_ip, [LoginAttempt.ip == ip],
             N_("There have been too many attempts to sign in from your network. "
                "Please wait %(wait)s and try again.")),
            (per_account, [LoginAttempt.email == email],
             N_("There have been many attempts to sign in to this account from different places. "
                "For your security, a browser not used with this account before must wait "
                "%(wait)s. You can sign in now from a browser you have used before, or choose a new "
                "password with the \u201cForgotten your password?\u201d link.")),
        ]
    _refuse_when_over(session, LoginAttempt, LOGIN_WINDOW, now or utcnow(), LoginThrottled,
                      checks)


def _refuse_when_over(session: DbSession, model, window: timedelta, now: datetime, refusal,
                      checks: list[tuple[int, list, str]]) -> None:
    """Raise `refusal` (message, retry_at) for the first check whose rows in the window reach
    its limit; its message (marked, translated here) says in %(wait)s how long until the next try
    is accepted."""
    for limit, conditions, message in checks:
        retry = _retry_at(session, model, limit, now - window, window, *conditions)
        if retry is not None:
            raise refusal(gettext(message, wait=_wait(retry, now)), retry)


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
         N_("This address has asked for several links in the last hour. If there is an account "
            "for it, use the latest link we sent, or ask again in %(wait)s.")),
        (MAX_MAILS_PER_IP, [MailRequest.ip == ip],
         N_("Many links have been asked for from your network in the last hour. Please wait "
            "%(wait)s and try again.")),
    ])
    session.execute(delete(MailRequest).where(MailRequest.created_at < now - 4 * MAIL_WINDOW))
    session.add(MailRequest(kind=kind, email=key, ip=ip, created_at=now))


def _wait(retry_at: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((retry_at - now).total_seconds() / 60))
    return ngettext("%(num)s minute", "%(num)s minutes", minutes)


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
    found = find_by_email(session, key) if key else None
    user = found if found is not None and not found.deleted_at else None
    known = user is not None and browser_token is not None and is_known_browser(
        secret_key, browser_token, user, now)
    check_throttle(session, key, ip, now, known_browser=known, **limits)
    # verify_password checks a dummy hash when there is no account, so both take as long
    # (and it refuses every password then: `user is None` only tells the type checker so).
    verified = verify_password(user.password_hash if user is not None else None, (password or "")[:MAX_PASSWORD])
    if not verified or user is None:
        session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < now - 4 * LOGIN_WINDOW))
        session.add(LoginAttempt(email=key, ip=ip, created_at=now))
        raise AccountError(gettext(WRONG_CREDENTIALS), "email")
    # Only this source's failures: someone else's guesses from elsewhere still count.
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == key, LoginAttempt.ip == ip))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def device_token(secret_key: str, user: User, now: datetime | None = None) -> str:
    """A signed token a browser keeps after signing in, so it is known at the next sign-in."""
    payload = {"u": user.id, "p": password_fingerprint(user), "v": user.session_version,
               "t": stamp(now or utcnow())}
    return make_token(secret_key, "device", payload)


def is_known_browser(secret_key: str, token: str, user: User,
                     now: datetime | None = None) -> bool:
    """True when `token` is a fresh device_token of this user under their current password
    and session version.

    Tied to both, so that after a reset, or signing out on every device (which bumps the
    version), a browser an intruder used or the owner lost is a stranger again.
    """
    try:
        data = read_token(secret_key, "device", token, DEVICE_MAX_AGE, now or utcnow())
    except InvalidToken:
        return False
    return (data.get("u") == user.id and data.get("p") == password_fingerprint(user)
            and data.get("v") == user.session_version)
