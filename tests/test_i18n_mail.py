"""Mail in the recipient's language (issue 21, item 3): a notification is written in the language its
recipient chose on the site (users.language), else English, whoever's request or job made it; the
queue delivers it as before, its links made absolute on SITE_URL at delivery. The messages arrive
at a real SMTP server (aiosmtpd in the test process).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from helpers import PARKING, fresh_app
from sqlalchemy import select, update
from support.jobs import run_jobs

from consult.extensions import db
from consult.models import Consultation, User, utcnow
from moderation import service as moderation
from moderation.models import QueueItem

SITE = "https://consult.example.gov"


@pytest.fixture
def app(database_url, tmp_path, smtp_server):
    """The app sending to the test's SMTP server, with an external address unlike the client's."""
    yield from fresh_app(database_url, tmp_path, SITE_URL=SITE, SITE_TIMEZONE="Europe/London",
                         **smtp_server.config())


def _speaking(app, make_user, languages: dict[str, str | None]) -> dict[str, int]:
    """Citizens by name, each with the stored language given (None: never chose one)."""
    ids = {}
    for name, language in languages.items():
        ids[name] = make_user(f"{name.lower()}@example.org", name=name)
        with app.app_context():
            db.session.execute(update(User).where(User.id == ids[name]).values(language=language))
            db.session.commit()
    return ids


def _mail_to(smtp_server, address: str):
    found = [m for m in smtp_server.messages if m["To"] == address]
    assert len(found) == 1, [m["To"] for m in smtp_server.messages]
    # A subject folded straight after "Subject:" (Python folds some with an apostrophe so, as in
    # "wedi'i") unfolds with the usual space after the colon, which Python's parser keeps.
    return found[0]["Subject"].lstrip(), found[0].get_content().replace("\r\n", "\n")


def test_a_decision_is_mailed_in_each_authors_language(app, smtp_server, make_user, make_consultation,
                                                       make_comment):
    made = make_consultation("parking", mode="pre")
    people = _speaking(app, make_user, {"Ann": "cy", "Bob": "en", "Cai": None})
    moderator = make_user("mo@example.org", role="moderator", name="Mo")
    fee = made.anchors["Residents pay a yearly fee for a permit."]
    comments = {name: make_comment(made, user_id, f"{name} thinks permits cost too much.", fee)
                for name, user_id in people.items()}
    with app.test_request_context("/?lang=en"):  # the moderator reads English; each author is told in theirs
        for name, outcome in (("Ann", "reject"), ("Bob", "reject"), ("Cai", "approve")):
            item = db.session.scalar(select(QueueItem.id).where(QueueItem.comment_id == comments[name]))
            rules = ["no-abuse"] if outcome == "reject" else []
            moderation.decide(db.session, item, moderator, moderation.DecisionRequest(outcome, rules))
        db.session.commit()
    run_jobs(app)

    subject, body = _mail_to(smtp_server, "ann@example.org")
    assert subject.startswith("Mae eich sylw heb ei gyhoeddi yn unol â rheol ")
    assert body.startswith("Mae eich sylw ar “Parking Policy” heb ei gyhoeddi yn unol â rheol ")
    assert "Rheolau'r wefan (fersiwn 1):" in body
    assert "Os ydych yn credu bod y penderfyniad hwn yn anghywir gallwch apelio o fewn 30 diwrnod: " in body
    assert f"{SITE}/me/decisions/" in body and f"{SITE}/house-rules?version=1#no-abuse" in body
    for english in ("Your comment", "was not published", "under rule", "appeal within", "The house rules"):
        assert english not in subject + body

    subject, body = _mail_to(smtp_server, "bob@example.org")
    assert subject.startswith("Your comment was not published under rule ")
    assert body.startswith("Your comment on “Parking Policy” was not published under rule ")
    assert "If you think this decision is wrong you can appeal within 30 days: " in body
    assert "Mae eich sylw" not in subject + body

    subject, body = _mail_to(smtp_server, "cai@example.org")  # never chose a language: English
    assert subject == "Your comment was approved and is published"
    assert body.startswith("Your comment on “Parking Policy” was approved and is published.")


def test_a_measure_is_mailed_in_the_users_language_with_its_dates(app, smtp_server, make_user):
    people = _speaking(app, make_user, {"Ann": "cy", "Bob": "en"})
    moderator = make_user("mo@example.org", role="moderator", name="Mo")
    ends = datetime(utcnow().year + 1, 7, 15, 22, 59)  # 23:59 in London (summer time)
    with app.app_context():
        for user_id in people.values():
            moderation.impose_sanction(db.session, user_id, "suspend", "Repeated abuse", moderator, ends_at=ends)
        db.session.commit()
    run_jobs(app)

    subject, body = _mail_to(smtp_server, "ann@example.org")
    assert subject == f"Mae eich cyfrif wedi'i atal rhag postio sylwadau tan 15 Gorffennaf {ends.year}"
    assert "Y rheswm: Repeated abuse" in body
    assert f"Mae'n dod i ben ar 15 Gorffennaf {ends.year} am 23:59, amser Europe/London." in body
    assert f"{SITE}/house-rules" in body and "July" not in body and "suspended" not in body

    subject, body = _mail_to(smtp_server, "bob@example.org")
    assert subject == f"Your account is suspended from posting comments until 15 July {ends.year}"
    assert f"It ends on 15 July {ends.year} at 23:59, Europe/London time." in body


def test_the_published_response_is_mailed_to_each_participant_in_their_language(
        app, smtp_server, make_user, make_consultation, make_comment):
    from consult.responses import service as responses

    made = make_consultation("parking")
    people = _speaking(app, make_user, {"Ann": "cy", "Bob": None})
    official = make_user("olive@example.org", role="official", name="Olive")
    fee = made.anchors["Residents pay a yearly fee for a permit."]
    counted = make_comment(made, people["Ann"], "Permits cost too much.", fee)
    general = make_comment(made, people["Bob"], "The bins are never emptied.")  # on the whole document
    with app.test_request_context("/?lang=en"):  # the official works in English
        consultation = db.session.get(Consultation, made.id)
        theme = responses.create_theme(db.session, consultation, "Cost of permits", official)
        responses.assign(db.session, theme, [counted], official)
        responses.update_theme(db.session, theme, expected_revision=theme.revision, actor_id=official,
                               title=theme.title, said="Said.", outcome="changed", reasons="Reasons.")
        responses.mark_considered(db.session, consultation, general, "", official, reason="off_topic")
        responses.save_draft(db.session, consultation, "We read every comment.", "Next.")
        consultation.closes_at = utcnow() - timedelta(minutes=1)
        responses.publish(db.session, consultation, official)
        db.session.commit()
        theme_id = theme.id
    run_jobs(app)

    subject, body = _mail_to(smtp_server, "ann@example.org")
    assert subject == "Mae'r ymateb i “Parking Policy” wedi'i gyhoeddi"
    assert body.startswith("Mae'r adran wedi cyhoeddi'r hyn a wnaeth gyda'r hyn a ddywedodd pobl.")
    assert "Cafodd eich sylw ar 1.1 ei gyfrif o dan:" in body
    assert f"- “Cost of permits” (Fe wnaethom newid y testun): {SITE}/c/parking/response#theme-{theme_id}" in body
    assert "Your comment" not in body and "We changed the text" not in body

    subject, body = _mail_to(smtp_server, "bob@example.org")
    assert subject == "The response to “Parking Policy” is published"
    assert body.startswith("The department has published what it did with what people said.")
    assert ("Your comment on the whole document was read and considered, and counted under no theme: "
            f"{SITE}/c/parking/response#considered") in body


def test_a_new_version_is_announced_to_each_participant_in_their_language(
        app, smtp_server, make_user, make_consultation, make_comment):
    from consult.consultations.versions import publish_version

    made = make_consultation("parking")
    people = _speaking(app, make_user, {"Ann": "cy", "Bob": "en"})
    for user_id in people.values():
        make_comment(made, user_id, "Permits cost too much.", made.anchors["Visitors pay by the hour."])
    with app.test_request_context("/?lang=cy"):  # the official works in Welsh; Bob is still told in English
        consultation = db.session.get(Consultation, made.id)
        publish_version(db.session, consultation, [("parking.md", PARKING.replace("hour", "day"))],
                        "Visitors pay by the day.")
        db.session.commit()
    run_jobs(app)

    subject, body = _mail_to(smtp_server, "ann@example.org")
    assert subject == "Mae fersiwn 2 o “Parking Policy” wedi'i chyhoeddi"
    assert body.startswith("Mae'r adran wedi cyhoeddi fersiwn 2 o'r ddogfen y gwnaethoch sylw arni.")
    assert "Beth a newidiodd, yng ngeiriau'r adran: Visitors pay by the day." in body
    assert body.rstrip().endswith(f"Gweld pob newid, fesul paragraff:\n\n{SITE}/c/parking/changes?from=1&to=2")

    subject, body = _mail_to(smtp_server, "bob@example.org")
    assert subject == "Version 2 of “Parking Policy” is published"
    assert "See every change, paragraph by paragraph:" in body and "Mae'r adran" not in body


def test_account_mail_is_in_the_language_of_the_form_or_of_the_owner(app, smtp_server, make_user):
    client = app.test_client()
    client.post("/register?lang=cy", data={"email": "sian@example.org", "display_name": "Siân",
                                           "password": "a long enough password",
                                           "confirm": "a long enough password"})
    subject, body = _mail_to(smtp_server, "sian@example.org")
    assert subject == "Cadarnhewch eich cyfeiriad e-bost ar gyfer Consult"
    assert body.startswith("Helo Siân,\n\nI orffen creu eich cyfrif Consult, agorwch y ddolen hon:\n\n")
    assert "Mae'r ddolen yn gweithio am 3 diwrnod." in body and "Hello" not in body

    _speaking(app, make_user, {"Ann": "cy"})  # a Welsh user asks for a reset from an English page
    client.post("/reset?lang=en", data={"email": "ann@example.org"})
    subject, body = _mail_to(smtp_server, "ann@example.org")
    assert subject == "Dewiswch gyfrinair newydd ar gyfer Consult"
    assert "Gofynnodd rhywun am ailosod cyfrinair eich cyfrif Consult." in body
