"""Sending email: SMTP when MAIL_SERVER is configured, otherwise the log and an outbox folder.

The whole API is `send_mail(to, subject, body)`: plain-text messages, sent synchronously.
Without a mail server (a laptop, the test suite) each message is written as one JSON file in
OUTBOX_DIR, which the development page /dev/outbox lists so links can be followed.
"""
from __future__ import annotations

import json
import smtplib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app


class MailError(RuntimeError):
    """The mail server refused or could not be reached; the message was not sent."""


@dataclass(frozen=True)
class OutboxMessage:
    """A message written to the outbox folder instead of being sent."""

    id: str
    to: str
    subject: str
    body: str
    sender: str
    date: datetime


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text email (raises MailError when the SMTP server fails)."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config.get("MAIL_FROM", "consult@localhost")
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=message["From"].rpartition("@")[2] or None)
    message.set_content(body)
    if config.get("MAIL_SERVER"):
        _send_smtp(config, message)
    else:
        _write_outbox(config, message)


def _send_smtp(config, message: EmailMessage) -> None:
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25),
                          timeout=config.get("MAIL_TIMEOUT", 15)) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        current_app.logger.error("Mail to %s failed: %s", message["To"], exc)
        raise MailError(f"Could not send mail to {message['To']}: {exc}") from exc


def _write_outbox(config, message: EmailMessage) -> None:
    body = message.get_content()
    if config.get("CONSULT_ENV") == "production":
        current_app.logger.warning("MAIL_SERVER is not set: mail is not being delivered.")
    current_app.logger.info(
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
