"""Participants are told when a consultation closes early or takes comments for longer (keep
participants informed): a job mails everyone with a published comment, in their language, with
the department's reason and the dates in the site's zone; the management page shows how far it got."""
from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import fresh_app
from support.jobs import run_jobs
from test_i18n_mail import SITE, _mail_to, _speaking

from consult.consultations import lifecycle
from consult.extensions import db
from consult.models import Consultation, utcnow


@pytest.fixture
def app(database_url, tmp_path, smtp_server):
    yield from fresh_app(database_url, tmp_path, SITE_URL=SITE, SITE_TIMEZONE="Europe/London",
                         **smtp_server.config())


@pytest.fixture
def parking(app, make_user, make_consultation, make_comment):
    made = make_consultation("parking")
    people = _speaking(app, make_user, {"Ann": "cy", "Bob": "en"})
    for user_id in people.values():
        make_comment(made, user_id, "Permits cost too much.", made.anchors["Visitors pay by the hour."])
    make_user("carol@example.org", name="Carol")  # no comment: not a participant
    return made


def test_closing_early_tells_each_participant_why_in_their_language(app, smtp_server, parking, auth, official):
    client = auth.login(official)
    page = client.post("/manage/parking/close", data={"reason": "The bill was withdrawn."}, follow_redirects=True)
    assert page.status_code == 200
    run_jobs(app)

    subject, body = _mail_to(smtp_server, "bob@example.org")
    assert subject == "“Parking Policy” has closed early"
    assert "before its closing date. It takes no more comments." in body
    assert "The department's reason: The bill was withdrawn." in body
    assert body.rstrip().endswith(f"{SITE}/c/parking")
    subject, body = _mail_to(smtp_server, "ann@example.org")
    assert subject == "Mae “Parking Policy” wedi cau'n gynnar"
    assert "Rheswm yr adran: The bill was withdrawn." in body
    assert not [m for m in smtp_server.messages if m["To"] == "carol@example.org"]
    manage = client.get("/manage/parking").get_data(as_text=True)
    assert "All 2 participants have been told." in manage
    # Titled for what it tells (staff walkthrough: "Telling the participants about version 1").
    assert "Telling the participants about the closing date" in manage and "about version" not in manage


def test_an_extension_tells_them_the_new_and_the_old_closing_date(app, smtp_server, parking):
    new = (utcnow() + timedelta(days=30)).replace(hour=15, minute=0, second=0, microsecond=0, month=7, day=1)
    with app.test_request_context():
        consultation = db.session.get(Consultation, parking.id)
        old = consultation.closes_at
        lifecycle.extend(db.session, consultation, new, "Many asked for more time.", None)
        db.session.commit()
    run_jobs(app)
    subject, body = _mail_to(smtp_server, "bob@example.org")
    assert subject == "More time to comment on “Parking Policy”"
    # 1 July is summer time in London: an hour after UTC.
    assert f"The consultation now closes on 1 July {new.year}, 16:00 (it was " in body
    assert old.strftime("%Y") in body and "The department's reason: Many asked for more time." in body
    assert "You can comment until then:" in body
    subject, body = _mail_to(smtp_server, "ann@example.org")
    assert subject == "Mwy o amser i wneud sylwadau ar “Parking Policy”"
    assert f"1 Gorffennaf {new.year}, 16:00" in body


@pytest.mark.parametrize("days, subject", [(40, "More time to comment on “Parking Policy”"),
                                           (-1, "“Parking Policy” closes sooner")])
def test_a_closing_date_changed_with_the_details_is_told_too(app, smtp_server, parking, days, subject):
    # Staff walkthrough: moving the date on the Details page told nobody (Extend and Close early did).
    from dataclasses import replace

    from consult.consultations import editing

    with app.test_request_context():
        consultation = db.session.get(Consultation, parking.id)
        old = consultation.closes_at
        new = old + timedelta(days=days)
        editing.edit_details(db.session, consultation, replace(editing.details_of(consultation), closes_at=new),
                             reason="The minister asked.", actor_id=None)
        db.session.commit()
    run_jobs(app)
    got, body = _mail_to(smtp_server, "bob@example.org")
    assert got == subject
    assert "(it was " in body and "The department's reason: The minister asked." in body


def test_a_later_date_given_without_a_reason_says_no_empty_reason(app, smtp_server, parking):
    from dataclasses import replace

    from consult.consultations import editing

    with app.test_request_context():
        consultation = db.session.get(Consultation, parking.id)
        later = replace(editing.details_of(consultation), closes_at=consultation.closes_at + timedelta(days=9))
        editing.edit_details(db.session, consultation, later, actor_id=None)  # later needs no reason
        db.session.commit()
    run_jobs(app)
    _subject, body = _mail_to(smtp_server, "bob@example.org")
    assert "The department's reason" not in body and "You can comment until then:" in body


def test_nobody_is_told_when_nobody_has_commented(app, smtp_server, make_consultation):
    quiet = make_consultation("quiet")
    with app.test_request_context():
        lifecycle.close_early(db.session, db.session.get(Consultation, quiet.id), "Not needed.", None)
        db.session.commit()
    run_jobs(app)
    assert smtp_server.messages == []


def test_the_confirmation_pages_say_who_will_be_told(app, parking, auth, official):
    client = auth.login(official)
    for page in ("/manage/parking/close", "/manage/parking/extend"):
        assert ("The 2 people with a comment published or awaiting moderation will be told by email, with your "
                "reason." in client.get(page).get_data(as_text=True))
    assert "Bydd y 2 o bobl sydd â sylw" in client.get("/manage/parking/close?lang=cy").get_data(as_text=True)


def test_an_author_whose_comment_awaits_moderation_is_told_too(app, smtp_server, parking, make_user, make_comment):
    # Staff walkthrough: the 33 authors waiting for a moderator were not told the consultation closed.
    from consult.models import Comment

    dan = make_user("dan@example.org", name="Dan")
    hourly = parking.anchors["Visitors pay by the hour."]
    held = make_comment(parking, dan, "Ring me on 07700 900123 about permits.", hourly)
    with app.test_request_context():
        assert db.session.get(Comment, held).status == "pending"  # held by the screening
        lifecycle.close_early(db.session, db.session.get(Consultation, parking.id), "The bill was withdrawn.", None)
        db.session.commit()
    run_jobs(app)
    subject, body = _mail_to(smtp_server, "dan@example.org")
    assert subject == "“Parking Policy” has closed early" and "The bill was withdrawn." in body
