"""Services run without a request: notifications record site-relative links, and the mail,
delivered later inside the app, links to the configured external address (SITE_URL)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import fresh_app, outbox
from sqlalchemy import select

from consult import config as config_module
from consult.comments.service import CommentInput, submit_comment
from consult.consultations.service import create_consultation
from consult.extensions import db
from consult.jobs.kinds import run_job
from consult.mail import read_outbox
from consult.models import BackgroundJob, Comment, Notification, utcnow
from consult.notifications import SITE_PATHS, absolute_links, deliver_due, site_path
from consult.users import create_user
from moderation import service as moderation
from moderation.models import QueueItem

SITE = "https://consult.example.gov"
DOC = "# Roads\n\n## 1. Speed\n\nThe limit is 20mph in town.\n\nCameras enforce it.\n"


@pytest.fixture
def app(database_url, tmp_path):
    """The app with an external address that is not the test client's host."""
    yield from fresh_app(database_url, tmp_path, SITE_URL=SITE)


def _held_comment(app) -> dict:
    """A pre-moderated consultation with one comment waiting, a citizen and a moderator."""
    with app.app_context():
        now = utcnow()
        consultation = create_consultation(
            db.session, slug="roads", files=[("r.md", DOC)], publish=True, moderation_mode="pre",
            opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=5))
        ann = create_user(db.session, "ann@example.org", "a-long-password", confirmed=True)
        mod = create_user(db.session, "mod@example.org", "a-long-password", role="moderator",
                          confirmed=True)
        anchor = next(p.anchor for p in consultation.versions[0].paragraphs
                      if p.text.startswith("Cameras"))
        comment, _ = submit_comment(db.session, consultation, anchor, ann,
                                    CommentInput(body="Cameras are fine.", submission_key="k1"))
        db.session.commit()
        item_id = db.session.scalar(select(QueueItem.id).where(QueueItem.comment_id == comment.id))
        return {"comment": comment.id, "item": item_id, "ann": ann.id, "mod": mod.id,
                "consultation": consultation.id}


def test_every_notification_path_is_the_route_the_app_serves(app):
    values = {"moderation.appeal": {"decision_id": 7}, "responses.show": {"slug": "roads"},
              "consultations.show": {"slug": "roads"},
              "consultations.changes": {"slug": "roads", "from": 1, "to": 2}}
    with app.test_request_context():
        from flask import url_for

        for endpoint in SITE_PATHS:
            assert site_path(endpoint, **values.get(endpoint, {})) == url_for(
                endpoint, **values.get(endpoint, {}))
        assert site_path("moderation.rules", version=2, anchor="no-abuse") == url_for(
            "moderation.rules", version=2, _anchor="no-abuse")
        assert site_path("moderation.rules", version=None) == url_for("moderation.rules", version=None)


def test_only_this_sites_paths_become_absolute():
    text = ("Read /house-rules?version=1#no-abuse and appeal: /me/decisions/3/appeal\n"
            "/c/roads/response#theme-2\nnot a/c/path, nor /elsewhere, nor http://x.org/c/y")
    assert absolute_links(text, SITE + "/") == (
        f"Read {SITE}/house-rules?version=1#no-abuse and appeal: {SITE}/me/decisions/3/appeal\n"
        f"{SITE}/c/roads/response#theme-2\nnot a/c/path, nor /elsewhere, nor http://x.org/c/y")


def test_the_external_address_comes_from_the_environment():
    assert config_module.defaults("/tmp")["SITE_URL"] == "http://127.0.0.1:5000"
    assert config_module.from_environment({"SITE_URL": "https://consult.example.gov/"}) == {
        "SITE_URL": "https://consult.example.gov"}


def test_a_decision_outside_any_request_is_mailed_with_links_on_the_site_address(app):
    world = _held_comment(app)
    with app.app_context():  # a job or the CLI: an app, but no request to build URLs from
        decision_id = moderation.decide(db.session, world["item"], world["mod"],
                                        moderation.DecisionRequest("reject", ["no-abuse"])).id
        db.session.commit()
        note = db.session.scalars(select(Notification)).one()
        assert note.link == f"/me/comments#comment-{world['comment']}"
        assert f"/me/decisions/{decision_id}/appeal" in note.body
        assert deliver_due(db.session, app.config).sent == 1
    [mail] = outbox(app)  # the mail job queued by the commit finds it sent already
    assert mail.to == "ann@example.org" and "was not published" in mail.subject
    assert f"{SITE}/house-rules?version=1#no-abuse" in mail.body
    assert f"{SITE}/me/decisions/{decision_id}/appeal" in mail.body
    assert mail.body.rstrip().endswith(f"{SITE}/me/comments#comment-{world['comment']}")
    assert "localhost" not in mail.body


def test_mail_a_job_recorded_is_sent_by_the_send_mail_command_once_with_the_site_address(app):
    world = _held_comment(app)
    with app.app_context():
        moderation.decide(db.session, world["item"], world["mod"],
                          moderation.DecisionRequest("approve"))
        db.session.commit()  # outside a request: the mail goes on the queue, no worker is running
        assert db.session.scalar(select(Comment.status).where(Comment.id == world["comment"])) == "published"
    assert read_outbox(app.config["OUTBOX_DIR"]) == []
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 message(s)" in result.output
    [mail] = outbox(app)  # the queued mail job runs too, and sends nothing twice
    assert f"{SITE}/me/comments#comment-{world['comment']}" in mail.body


# --------------------------------------------------------------------------- a script, no app


def test_a_script_decides_and_publishes_with_a_plain_session_and_the_mail_links_the_site(app):
    """What a worker or the CLI does: no app context, no request, a plain SQLAlchemy Session.

    The schema and the data come from the app (created once, which imports
    consult.moderate.glue and so connects its receivers); the work is done without it.
    """
    from flask import has_app_context, has_request_context
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from consult.models import Consultation, Theme
    from consult.responses import service as responses

    with app.app_context():
        now = utcnow()
        consultation = create_consultation(
            db.session, slug="roads", files=[("r.md", DOC)], publish=True, moderation_mode="pre",
            opens_at=now - timedelta(days=3), closes_at=now + timedelta(days=5))
        ann = create_user(db.session, "ann@example.org", "a-long-password", confirmed=True)
        bob = create_user(db.session, "bob@example.org", "a-long-password", confirmed=True)
        mod = create_user(db.session, "mod@example.org", "a-long-password", role="moderator",
                          confirmed=True)
        official = create_user(db.session, "olive@example.org", "a-long-password",
                               role="official", confirmed=True)
        anchor = consultation.versions[0].paragraphs[-1].anchor
        ids = {}
        for who, body in ((ann, "Cameras are fine."), (bob, "Cameras are a menace.")):
            comment, _ = submit_comment(db.session, consultation, anchor, who,
                                        CommentInput(body=body, submission_key=who.email),
                                        now=now - timedelta(days=1))
            ids[who.email] = comment.id
        db.session.commit()
        items = dict(db.session.execute(select(QueueItem.comment_id, QueueItem.id)).all())
        people = {"ann": ann.id, "bob": bob.id, "mod": mod.id, "official": official.id,
                  "consultation": consultation.id}

    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        assert not has_app_context() and not has_request_context()
        with Session(engine) as session:
            moderation.decide(session, items[ids["ann@example.org"]], people["mod"],
                              moderation.DecisionRequest("approve"))
            rejected = moderation.decide(session, items[ids["bob@example.org"]], people["mod"],
                                         moderation.DecisionRequest("reject", ["no-abuse"]))
            consultation = session.get(Consultation, people["consultation"])
            consultation.closes_at = utcnow() - timedelta(minutes=1)
            theme = responses.create_theme(session, consultation, "Cameras", people["official"])
            responses.count_under_theme(session, consultation, theme.id,
                                        [ids["ann@example.org"]], people["official"])
            responses.update_theme(session, theme, expected_revision=theme.revision,
                                   actor_id=people["official"], title="Cameras", said="Fine.",
                                   outcome="no_change", reasons="They work.")
            responses.save_draft(session, consultation, "We read every comment.", "None.")
            responses.publish(session, consultation, people["official"])
            session.commit()
            # Telling the participants is a job; a worker runs it with a plain session too.
            job_id = session.scalar(select(BackgroundJob.id).where(BackgroundJob.kind == "tell_response"))
            assert run_job(session, job_id, {}) is True
            theme_id, decision_id = theme.id, rejected.id
            notes = {(n.user_id, n.kind): n for n in session.scalars(select(Notification))}
        assert not has_app_context()
    finally:
        engine.dispose()

    # Recorded in the script's transaction: the decisions (glue's receivers ran) and the response.
    assert set(notes) == {(people["ann"], "decision"), (people["bob"], "decision"),
                          (people["ann"], "response")}
    assert notes[people["ann"], "decision"].link == f"/me/comments#comment-{ids['ann@example.org']}"
    assert notes[people["ann"], "response"].link == "/c/roads/response"
    assert f"/c/roads/response#theme-{theme_id}" in notes[people["ann"], "response"].body
    assert f"/me/decisions/{decision_id}/appeal" in notes[people["bob"], "decision"].body
    with app.app_context():
        assert db.session.get(Comment, ids["ann@example.org"]).status == "published"
        assert db.session.get(Theme, theme_id).outcome == "no_change"

    # Delivered later inside the app: every link is absolute, on SITE_URL.
    with app.app_context():
        assert deliver_due(db.session, app.config).sent == 3
    assert len(outbox(app)) == 3
    response_mail = next(m for m in outbox(app) if "response" in m.subject)
    assert response_mail.to == "ann@example.org"
    assert f"{SITE}/c/roads/response#theme-{theme_id}" in response_mail.body
    assert response_mail.body.rstrip().endswith(f"{SITE}/c/roads/response")
    bob_mail = next(m for m in outbox(app) if m.to == "bob@example.org")
    assert f"{SITE}/me/decisions/{decision_id}/appeal" in bob_mail.body
    assert f"{SITE}/house-rules?version=1#no-abuse" in bob_mail.body
    for message in outbox(app):
        assert " /" not in message.body and "\n/" not in message.body  # no link left relative
