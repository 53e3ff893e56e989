"""Sending mail: through SMTP when a server is configured, else to the log and the outbox."""
from __future__ import annotations

import json
import smtplib
from pathlib import Path

import pytest

from consult import mail
from consult.mail import MailError, read_outbox, send_mail


class FakeSMTP:
    """Stands in for smtplib.SMTP and records what the app asked of it."""

    sent: list = []
    calls: list = []
    fail = False

    def __init__(self, host, port, timeout=None):
        FakeSMTP.calls.append(("connect", host, port))
        if FakeSMTP.fail:
            raise ConnectionRefusedError(111, "Connection refused")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        FakeSMTP.calls.append(("starttls",))

    def login(self, user, password):
        FakeSMTP.calls.append(("login", user, password))

    def send_message(self, message):
        FakeSMTP.sent.append(message)


@pytest.fixture
def fake_smtp(monkeypatch):
    FakeSMTP.sent, FakeSMTP.calls, FakeSMTP.fail = [], [], False
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


def test_without_a_mail_server_messages_go_to_the_outbox_and_the_log(app, caplog):
    with app.app_context(), caplog.at_level("INFO"):
        send_mail("ann@example.org", "First", "Hello\nhttp://localhost/confirm/abc")
        send_mail("bob@example.org", "Second", "Bonjour é")
    files = sorted(Path(app.config["OUTBOX_DIR"]).glob("*.json"))
    assert len(files) == 2
    record = json.loads(files[0].read_text(encoding="utf-8"))
    assert record["to"] == "ann@example.org" and record["subject"] == "First"
    assert "http://localhost/confirm/abc" in record["body"]
    assert [m.subject for m in read_outbox(app.config["OUTBOX_DIR"])] == ["Second", "First"]
    assert read_outbox(app.config["OUTBOX_DIR"])[0].body.strip() == "Bonjour é"
    assert "ann@example.org" in caplog.text and "First" in caplog.text


def test_with_a_mail_server_messages_go_through_smtp(app, fake_smtp):
    app.config.update(MAIL_SERVER="smtp.example.org", MAIL_PORT=587, MAIL_USE_TLS=True,
                      MAIL_USERNAME="consult", MAIL_PASSWORD="s3cret",
                      MAIL_FROM="consult@example.org")
    with app.app_context():
        send_mail("ann@example.org", "Your comment", "It was published.")
    assert fake_smtp.calls == [("connect", "smtp.example.org", 587), ("starttls",),
                               ("login", "consult", "s3cret")]
    [message] = fake_smtp.sent
    assert message["To"] == "ann@example.org" and message["From"] == "consult@example.org"
    assert message["Subject"] == "Your comment"
    assert message.get_content().strip() == "It was published."
    assert read_outbox(app.config["OUTBOX_DIR"]) == []


def test_an_unreachable_mail_server_raises_mail_error(app, fake_smtp):
    app.config["MAIL_SERVER"] = "smtp.example.org"
    fake_smtp.fail = True
    with app.app_context(), pytest.raises(MailError, match="ann@example.org"):
        send_mail("ann@example.org", "Subject", "Body")


def test_a_failed_email_is_explained_on_the_page(app, client, fake_smtp):
    app.config["MAIL_SERVER"] = "smtp.example.org"
    fake_smtp.fail = True
    response = client.post("/register", data={
        "email": "ann@example.org", "display_name": "Ann",
        "password": "a long enough password", "confirm": "a long enough password"},
        follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "We could not send the email just now" in html
    assert "We have sent" not in html
    assert "<h1>Sign in</h1>" in html


def test_smtp_errors_are_wrapped(app, monkeypatch):
    class Refusing(FakeSMTP):
        def send_message(self, message):
            raise smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"no")})

    FakeSMTP.calls, FakeSMTP.fail = [], False
    monkeypatch.setattr(mail.smtplib, "SMTP", Refusing)
    app.config["MAIL_SERVER"] = "smtp.example.org"
    with app.app_context(), pytest.raises(MailError):
        send_mail("x@example.org", "Subject", "Body")
