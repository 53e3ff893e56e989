"""Sending email: SMTP when MAIL_SERVER is configured, otherwise the log and an outbox folder.

Two ways in, both plain-text messages:

- `send_mail(to, subject, body)` sends one message now (account mail: confirmations, resets).
- `open_mailer(config)` opens one connection for a batch (the job queue's notification mail):
  `mailer.send(to, subject, body, message_id)` per message, each failure classified as
  `TemporaryMailError` (try again later: the server is down, busy, or answered 4xx) or
  `PermanentMailError` (5xx for this address, or an address no server would take).

Without a mail server (a laptop, the test suite) each message is written as one JSON file in
OUTBOX_DIR, which the development page /dev/outbox lists so links can be followed.
"""
from __future__ import annotations

import contextlib
import json
import logging
import re
import smtplib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy, quoprimime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from flask import current_app

from consult.i18n import N_, gettext, ngettext

log = logging.getLogger(__name__)

# Why a message was not sent, as stored in notifications.mail_error: always in English (a worker
# writes it, for whoever reads it later), the server's own words at the end as it said them.
# /admin/mail shows the sentence around them in the reader's language (`reason_for_reader`).
NOT_AN_ADDRESS = N_("%(address)s is not an email address a server would accept.")
REFUSED = N_("The mail server refused %(address)s: %(server)s")
NOT_NOW = N_("The mail server could not take mail for %(address)s now: %(server)s")
NOT_SENT = N_("Could not send mail to %(address)s: %(server)s")


class MailError(RuntimeError):
    """The mail server refused or could not be reached; the message was not sent."""


class TemporaryMailError(MailError):
    """Not sent this time, worth trying again later (no connection, a 4xx answer, a time-out).

    `this_message_only`: the server answered 4xx about this message; others may go now.
    """

    def __init__(self, message: str, this_message_only: bool = False):
        super().__init__(message)
        self.this_message_only = this_message_only


class PermanentMailError(MailError):
    """Never going to be sent as it is (a 5xx answer for this address, a malformed address)."""


@dataclass(frozen=True)
class OutboxMessage:
    """A message written to the outbox folder instead of being sent."""

    id: str
    to: str
    subject: str
    body: str
    sender: str
    date: datetime


def _message(config: Mapping, to: str, subject: str, body: str, message_id: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.get("MAIL_FROM", "consult@localhost")
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id or make_msgid(domain=mail_domain(config))
    message.set_content(body)
    return message


def mail_domain(config: Mapping) -> str:
    """The domain of the sender's address, for Message-IDs."""
    return str(config.get("MAIL_FROM", "consult@localhost")).rpartition("@")[2] or "localhost"


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text email (raises MailError when the SMTP server fails)."""
    config = current_app.config
    with open_mailer(config) as mailer:
        mailer.send(to, subject, body)


class Mailer:
    """One connection to the mail server (or the outbox) for a batch of messages."""

    def __init__(self, config: Mapping):
        self.config = config
        self._smtp: smtplib.SMTP | None = None
        self._headers: dict[str, bytes] = {}  # From and Subject, encoded, by subject
        self._sender = parseaddr(str(config.get("MAIL_FROM", "consult@localhost")))[1]

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None

    def send(self, to: str, subject: str, body: str, message_id: str | None = None) -> None:
        """Send one message; raises TemporaryMailError or PermanentMailError."""
        if not _PLAUSIBLE_ADDRESS.fullmatch(to or ""):
            raise PermanentMailError(NOT_AN_ADDRESS % {"address": repr(to)})
        if not self.config.get("MAIL_SERVER"):
            _write_outbox(self.config, _message(self.config, to, subject, body, message_id))
            return
        try:
            if _ASCII_ADDRESS.fullmatch(to) and (message_id is None or _ASCII_ID.fullmatch(message_id)):
                data = self._bytes(to, subject, body, message_id)
                smtp = self._connection()
                options = ["BODY=8BITMIME"] if not data.isascii() and smtp.has_extn("8bitmime") else []
                smtp.sendmail(self._sender, [to], data, mail_options=options)
            else:  # an address needing SMTPUTF8: the email package works out the envelope
                self._connection().send_message(_message(self.config, to, subject, body, message_id))
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
            # The server answered about this message: 5xx means never, 4xx means not now.
            code = _code(exc) or 0
            if 500 <= code < 600:
                raise PermanentMailError(REFUSED % {"address": to, "server": f"{code} {_text(exc)}"}) from exc
            raise TemporaryMailError(NOT_NOW % {"address": to, "server": f"{code} {_text(exc)}"},
                                     this_message_only=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            # No connection, a time-out, our sender or login refused: nothing to do with this
            # address, so try again later, on a new connection.
            self.close()
            log.warning("Mail to %s failed: %s", to, exc)
            raise TemporaryMailError(NOT_SENT % {"address": to, "server": exc}) from exc

    def _bytes(self, to: str, subject: str, body: str, message_id: str | None) -> bytes:
        """The message as sent, made without the email package's per-header parsing (which
        was most of a worker's time): From and Subject encoded by it once per subject, then this
        message's To, Date and Message-ID, and the body (UTF-8 lines, or quoted-printable when a
        line is too long for SMTP)."""
        shared = self._headers.get(subject)
        if shared is None:
            message = EmailMessage()
            message["From"] = self.config.get("MAIL_FROM", "consult@localhost")
            message["Subject"] = subject
            shared = message.as_bytes(policy=policy.SMTP).rstrip(b"\r\n") + b"\r\n"
            if len(self._headers) > 100:  # a batch of many different subjects: keep the latest
                self._headers.clear()
            self._headers[subject] = shared
        encoding, content = _text_body(body)
        own = (f"To: {to}\r\nDate: {format_datetime(datetime.now(UTC))}\r\n"
               f"Message-ID: {message_id or make_msgid(domain=mail_domain(self.config))}\r\n"
               f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"utf-8\"\r\n"
               f"Content-Transfer-Encoding: {encoding}\r\n\r\n")
        return shared + own.encode("ascii") + content

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            config = self.config
            smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25),
                                timeout=config.get("MAIL_TIMEOUT", 15))
            try:
                if config.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            except BaseException:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    smtp.close()
                raise
            self._smtp = smtp
        return self._smtp


# The stored reasons read back: each sentence above, the address without white space (a repr for
# NOT_AN_ADDRESS), the server's words to the end. Also the notifications' wrapper for mail given
# up after failing for days (consult/notifications.py `_defer`), around one of these.
_STORED_REASONS = tuple(
    (message, re.compile(re.escape(message).replace(re.escape("%(address)s"), address)
                         .replace(re.escape("%(server)s"), "(?P<server>.*)"), re.DOTALL))
    for message, address in ((REFUSED, r"(?P<address>\S+)"), (NOT_NOW, r"(?P<address>\S+)"),
                             (NOT_SENT, r"(?P<address>\S+)"), (NOT_AN_ADDRESS, r"(?P<address>'.*'|\".*\")")))
_GAVE_UP = re.compile(r"Gave up after (?P<num>\d+) attempts over (?P<days>\d+) days: (?P<reason>.*)", re.DOTALL)


def reason_for_reader(stored: str) -> str:
    """A stored mail_error in the reader's language: the sentences are ours, the server's words
    stay as the server said them, and a reason in any other form (an older release's, or one cut
    short at 500 characters) is shown as stored."""
    gave_up = _GAVE_UP.fullmatch(stored)
    if gave_up:
        attempts = int(gave_up["num"])
        return ngettext("Gave up after %(num)s attempt over %(days)s days: %(reason)s",
                        "Gave up after %(num)s attempts over %(days)s days: %(reason)s", attempts,
                        days=gave_up["days"], reason=reason_for_reader(gave_up["reason"]))
    for message, pattern in _STORED_REASONS:
        found = pattern.fullmatch(stored)
        if found:
            return gettext(message, **found.groupdict())
    return stored


def _text_body(body: str) -> tuple[str, bytes]:
    """A plain-text body as SMTP carries it: its transfer encoding and its CRLF-ended lines."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").removesuffix("\n").split("\n")
    if all(len(line.encode("utf-8")) <= 990 for line in lines):  # as the email package chooses
        return "7bit" if body.isascii() else "8bit", "".join(line + "\r\n" for line in lines).encode("utf-8")
    utf8 = "".join(line + "\n" for line in lines).encode("utf-8").decode("latin-1")  # a character a byte
    encoded = quoprimime.body_encode(utf8, eol="\r\n").encode("ascii")
    return "quoted-printable", encoded if encoded.endswith(b"\r\n") else encoded + b"\r\n"


def open_mailer(config: Mapping) -> Mailer:
    """A mailer for a batch: `with open_mailer(app.config) as mailer: mailer.send(...)`."""
    return Mailer(config)


# One @, something before it, a dot after it, no white space or angle brackets: anything else
# no mail server takes, so it is a permanent failure without asking one.
_PLAUSIBLE_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
# An address that stands in a To header as it is (ASCII, no quoting or commas needed), and a
# Message-ID of the same kind: the quick way of sending (Mailer._bytes) takes only these.
_ASCII_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9.-]{1,190}")
_ASCII_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{1,200}>")


def _code(exc: smtplib.SMTPException) -> int | None:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return max(codes) if codes else None
    return getattr(exc, "smtp_code", None)


def _text(exc: smtplib.SMTPException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(m.decode("utf-8", "replace") if isinstance(m, bytes) else str(m)
                         for _, m in exc.recipients.values())
    error = getattr(exc, "smtp_error", b"")
    return error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)


def _write_outbox(config, message: EmailMessage) -> None:
    body = message.get_content()
    if config.get("CONSULT_ENV") == "production":
        log.warning("MAIL_SERVER is not set: mail is not being delivered.")
    log.info(
        "Mail (not sent, no MAIL_SERVER) to %s: %s\n%s", message["To"], message["Subject"], body
    )
    outbox = Path(config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    # The name sorts by time, so the newest message is the last name.
    name = f"{now:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.json"
    record = {
        "to": message["To"],
        "from": message["From"],
        "subject": message["Subject"],
        "date": now.isoformat(),
        "message_id": message["Message-ID"],
        "body": body,
    }
    (outbox / name).write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")


def read_outbox(outbox_dir: str | Path) -> list[OutboxMessage]:
    """The messages in an outbox folder, newest first."""
    folder = Path(outbox_dir)
    if not folder.is_dir():
        return []
    messages = []
    for path in sorted(folder.glob("*.json"), reverse=True):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        messages.append(OutboxMessage(
            id=path.stem,
            to=record.get("to", ""),
            subject=record.get("subject", ""),
            body=record.get("body", ""),
            sender=record.get("from", ""),
            date=datetime.fromisoformat(record["date"]).replace(tzinfo=None)
            if record.get("date") else datetime.min,
        ))
    return messages
