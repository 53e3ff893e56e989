"""Sending mail to a real SMTP server (aiosmtpd in the test process), or to the outbox without one.

Delivery of notifications: batches over one connection, each message marked before the next,
temporary failures tried again later (never lost, never doubled), permanent ones recorded.
"""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from support.jobs import run_jobs
from support.server import free_port

from consult.extensions import db
from consult.mail import MailError, PermanentMailError, TemporaryMailError, open_mailer, read_outbox, send_mail
from consult.models import Notification, User, utcnow
from consult.notifications import (
    GIVE_UP_AFTER,
    RETRY_LONGEST,
    deliver_all_due,
    deliver_due,
    failed_mail,
    notify,
    retry_failed_mail,
)

SITE = "https://consult.example.gov"


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


def test_with_a_mail_server_a_message_arrives_with_its_headers(app, smtp_server):
    app.config.update(smtp_server.config())
    with app.app_context():
        send_mail("ann@example.org", "Your comment", "It was published: é")
    [message] = smtp_server.messages
    assert message["To"] == "ann@example.org" and message["From"] == "consult@example.gov"
    assert message["Subject"] == "Your comment"
    assert message["Message-ID"].endswith("@example.gov>") and message["Date"]
    assert message.get_content().strip() == "It was published: é"
    assert read_outbox(app.config["OUTBOX_DIR"]) == []


def test_an_unreachable_mail_server_raises_mail_error(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing listens there
    with app.app_context(), pytest.raises(MailError, match="ann@example.org"):
        send_mail("ann@example.org", "Subject", "Body")


def test_a_failed_email_is_explained_on_the_page(app, client):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    response = client.post("/register", data={
        "email": "ann@example.org", "display_name": "Ann",
        "password": "a long enough password", "confirm": "a long enough password"},
        follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "We could not send the email just now" in html
    assert "We have sent" not in html
    assert "<h1>Sign in</h1>" in html


def test_the_server_refusing_an_address_is_permanent_and_busy_is_temporary(app, smtp_server):
    app.config.update(smtp_server.config())
    smtp_server.refuse_for_good.add("gone@example.org")
    smtp_server.refuse_for_now.add("busy@example.org")
    with app.app_context(), open_mailer(app.config) as mailer:
        with pytest.raises(PermanentMailError, match="550"):
            mailer.send("gone@example.org", "S", "B")
        with pytest.raises(TemporaryMailError, match="451"):
            mailer.send("busy@example.org", "S", "B")
        with pytest.raises(PermanentMailError, match="not an email address"):
            mailer.send("not an address", "S", "B")
        mailer.send("ann@example.org", "S", "B")  # the same connection still works
    assert [m["To"] for m in smtp_server.messages] == ["ann@example.org"]
    assert smtp_server.connections == 1


def test_a_batch_shares_its_subject_and_body_and_each_message_keeps_its_own_headers(app, smtp_server):
    app.config.update(smtp_server.config(), MAIL_FROM="Consult <consult@example.gov>")
    subject = "Ymateb i’r ymgynghoriad: ffyrdd ŵyn a’r afon, " + "hir iawn " * 8
    body = "Mae’r adran wedi cyhoeddi ei hymateb.\n.a line starting with a dot\n" + "é" * 120
    with app.app_context(), open_mailer(app.config) as mailer:
        for i in range(3):
            mailer.send(f"p{i}@example.org", subject, body, f"<n-{i}@example.gov>")
        mailer.send("zoë@example.org", subject, body, "<n-3@example.gov>")  # an address in UTF-8
        mailer.send("p4@example.org", "Plain", "A line of 1,200 letters: " + "a" * 1200, "<n-4@example.gov>")
    assert [m["To"] for m in smtp_server.messages] == ["p0@example.org", "p1@example.org", "p2@example.org",
                                                       "zoë@example.org", "p4@example.org"]
    assert smtp_server.message_ids == [f"<n-{i}@example.gov>" for i in range(5)]
    *same, long = smtp_server.messages
    assert long.get_content().rstrip() == "A line of 1,200 letters: " + "a" * 1200
    for message in same:
        assert message["Subject"] == subject and message["From"] == "Consult <consult@example.gov>"
        assert message["Date"] and message.get_content_type() == "text/plain"
        assert message.get_content().replace("\r\n", "\n").rstrip("\n") == body  # CRLF: as sent
    assert smtp_server.connections == 1


# --------------------------------------------------------------------------- notifications


def _people(app, *emails: str) -> list[int]:
    with app.app_context():
        users = [User(email=e, password_hash="x", display_name=e.split("@")[0].title()) for e in emails]
        db.session.add_all(users)
        db.session.commit()
        return [u.id for u in users]


def _notes(app, user_ids: list[int], **values) -> list[int]:
    """One notification per user, committed outside any request (as a job records them)."""
    with app.app_context():
        notes = [notify(db.session, uid, "decision", f"Note {i}", f"Body {i}: /me/comments",
                        link=f"/me/comments#comment-{i}") for i, uid in enumerate(user_ids, 1)]
        db.session.flush()
        if values:
            db.session.execute(update(Notification).where(Notification.id.in_([n.id for n in notes]))
                               .values(**values))
        ids = [n.id for n in notes]
        db.session.commit()
        return ids


def _state(app, note_id: int) -> Notification:
    with app.app_context():
        note = db.session.get(Notification, note_id)
        db.session.expunge(note)
        return note


@pytest.fixture
def mail_app(app, smtp_server):
    app.config.update(smtp_server.config(), SITE_URL=SITE)
    return app


def test_a_batch_goes_over_one_connection_with_fixed_message_ids_and_site_links(mail_app, smtp_server):
    ids = _notes(mail_app, _people(mail_app, *[f"p{i}@example.org" for i in range(5)]))
    assert run_jobs(mail_app) >= 1  # the commit put a mail job on the queue
    assert len(smtp_server.messages) == 5 and smtp_server.connections == 1
    assert smtp_server.message_ids == [
        f"<notification-{i}.{_state(mail_app, i).created_at:%Y%m%d%H%M%S}@example.gov>" for i in ids]
    first = smtp_server.messages[0]
    assert first["To"] == "p0@example.org" and first["Subject"] == "Note 1"
    assert f"Body 1: {SITE}/me/comments" in first.get_content()
    assert first.get_content().rstrip().endswith(f"{SITE}/me/comments#comment-1")
    assert all(_state(mail_app, i).mailed_at is not None for i in ids)
    # Nothing is due any more: running the queue again, or the CLI, sends nothing twice.
    with mail_app.app_context():
        assert deliver_all_due(db.session, mail_app.config).sent == 0
    assert len(smtp_server.messages) == 5


def test_a_permanent_failure_is_recorded_not_retried_and_can_be_retried_by_hand(mail_app, smtp_server):
    smtp_server.refuse_for_good.add("gone@example.org")
    gone, ann = _notes(mail_app, _people(mail_app, "gone@example.org", "ann@example.org"))
    run_jobs(mail_app)
    assert [m["To"] for m in smtp_server.messages] == ["ann@example.org"]
    note = _state(mail_app, gone)
    assert note.mailed_at is None and note.mail_failed_at is not None
    assert "550" in note.mail_error and note.mail_attempts == 1
    with mail_app.app_context():
        assert deliver_all_due(db.session, mail_app.config).sent == 0  # never retried by itself
        rows, total = failed_mail(db.session)
        assert total == 1 and rows[0][1].email == "gone@example.org"
        smtp_server.refuse_for_good.clear()  # the address was fixed
        assert retry_failed_mail(db.session, [gone]) == 1
        db.session.commit()
    run_jobs(mail_app)
    assert [m["To"] for m in smtp_server.messages] == ["ann@example.org", "gone@example.org"]
    assert _state(mail_app, gone).mail_failed_at is None


def test_a_server_down_for_an_hour_loses_nothing_and_doubles_nothing(app, smtp_server):
    app.config.update(SITE_URL=SITE, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(),
                      MAIL_FROM="consult@example.gov")  # no server there yet
    ids = _notes(app, _people(app, "ann@example.org", "bob@example.org", "cat@example.org"))
    waits = []
    with app.app_context():
        for _ in range(8):  # the server stays down: every attempt waits longer, up to a limit
            db.session.execute(update(Notification).values(mail_retry_at=None))  # an hour goes by
            db.session.commit()
            done = deliver_due(db.session, app.config)
            assert done.server_down and done.sent == 0 and done.deferred == 3 and done.failed == 0
            note = db.session.get(Notification, ids[0])
            waits.append(note.mail_retry_at - utcnow())
            db.session.commit()
        assert waits[1] > waits[0] and max(waits) <= RETRY_LONGEST
        assert deliver_due(db.session, app.config).sent == 0  # not due again yet
        # The server is back; once the wait is over, each message goes exactly once.
        app.config.update(smtp_server.config())
        db.session.execute(update(Notification).values(mail_retry_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert deliver_all_due(db.session, app.config).sent == 3
    assert sorted(m["To"] for m in smtp_server.messages) == ["ann@example.org", "bob@example.org",
                                                            "cat@example.org"]
    assert len(set(smtp_server.message_ids)) == 3
    assert all(_state(app, i).mail_attempts == 8 and _state(app, i).mail_error == "" for i in ids)


def test_temporary_failures_are_given_up_after_three_days(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    [old] = _notes(app, _people(app, "ann@example.org"), created_at=utcnow() - GIVE_UP_AFTER)
    with app.app_context():
        done = deliver_due(db.session, app.config)
    assert done.failed == 1 and done.deferred == 0
    note = _state(app, old)
    assert note.mail_failed_at is not None and "Gave up after 1 attempts over 3 days" in note.mail_error


def test_a_busy_mailbox_waits_while_the_rest_of_the_batch_goes(mail_app, smtp_server):
    smtp_server.refuse_for_now.add("busy@example.org")
    busy, ann = _notes(mail_app, _people(mail_app, "busy@example.org", "ann@example.org"))
    run_jobs(mail_app)
    assert [m["To"] for m in smtp_server.messages] == ["ann@example.org"]
    note = _state(mail_app, busy)
    assert note.mailed_at is None and note.mail_failed_at is None and note.mail_retry_at > utcnow()


def test_mail_to_an_erased_account_is_not_sent(mail_app, smtp_server):
    [note_id] = _notes(mail_app, _people(mail_app, "ann@example.org"))
    with mail_app.app_context():
        db.session.execute(update(User).values(deleted_at=utcnow()))
        db.session.commit()
    run_jobs(mail_app)
    assert smtp_server.messages == [] and _state(mail_app, note_id).mailed_at is not None


def test_a_claimed_message_is_left_to_its_worker_until_the_claim_runs_out(mail_app, smtp_server):
    [note_id] = _notes(mail_app, _people(mail_app, "ann@example.org"),
                       claimed_until=utcnow() + timedelta(minutes=5))
    run_jobs(mail_app)
    assert smtp_server.messages == []  # another worker is sending it
    with mail_app.app_context():
        db.session.execute(update(Notification).values(claimed_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()  # that worker died: its claim ran out
        assert deliver_all_due(db.session, mail_app.config).sent == 1
    assert len(smtp_server.messages) == 1


def test_a_moderation_decision_reaches_the_author_through_the_queue(mail_app, smtp_server, auth, make_user,
                                                                     make_consultation, make_comment):
    consultation = make_consultation(mode="pre")
    ann = make_user("ann@example.org", name="Ann")
    comment = make_comment(consultation, ann, body="Please make permits monthly.")
    moderator = auth.as_("moderator")
    with mail_app.app_context():
        from moderation.models import QueueItem

        item = db.session.scalar(select(QueueItem.id).where(QueueItem.comment_id == comment))
    response = moderator.post(f"/moderation/items/{item}/decide", data={"outcome": "approve"})
    assert response.status_code in (302, 303)
    assert smtp_server.messages == []  # the request did not send it ...
    run_jobs(mail_app)  # ... a worker did
    [message] = [m for m in smtp_server.messages if m["To"] == "ann@example.org"]
    assert f"{SITE}/me/comments#comment-{comment}" in message.get_content()


def test_a_worker_process_sends_at_most_mail_per_second_messages_a_second_across_its_threads():
    import threading

    from consult.notifications import Pace

    now = [100.0]
    slept: list[float] = []
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            slept.append(round(seconds, 6))

    pace = Pace(clock=lambda: now[0], sleep=sleep)
    threads = [threading.Thread(target=lambda: [pace.wait(4) for _ in range(3)]) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Six messages at 4 a second, the clock standing still: slots 0, 0.25, ... 1.25 s from now.
    assert sorted(slept) == [0.25, 0.5, 0.75, 1.0, 1.25]
    now[0] = 200.0  # a quiet minute later: the next goes at once
    pace.wait(4)
    assert len(slept) == 5
    pace.wait(0)  # no limit
    assert len(slept) == 5


def test_an_unexpected_error_mid_batch_still_records_what_went_out_and_is_raised(mail_app, smtp_server, monkeypatch):
    from consult import mail

    ids = _notes(mail_app, _people(mail_app, *[f"q{i}@example.org" for i in range(4)]))
    real_send, calls = mail.Mailer.send, []

    def send(self, to, *args):
        calls.append(to)
        if len(calls) == 3:
            raise RuntimeError("a bug in the third message")
        return real_send(self, to, *args)

    monkeypatch.setattr(mail.Mailer, "send", send)
    from consult.jobs import jobs_of

    with mail_app.app_context(), pytest.raises(RuntimeError, match="third message"):
        deliver_due(db.session, mail_app.config, marks=jobs_of(mail_app).marks)  # marks flushed at the end
    assert len(smtp_server.messages) == 2
    assert [_state(mail_app, i).mailed_at is not None for i in ids] == [True, True, False, False]
