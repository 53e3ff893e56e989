"""Services run without a request: notifications record site-relative links, and the mail,
delivered later inside the app, links to the configured external address (SITE_URL)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from consult import config as config_module
from consult.comments.service import CommentInput, submit_comment
from consult.consultations.service import create_consultation
from consult.extensions import db
from consult.models import Comment, Notification, utcnow
from consult.notifications import SITE_PATHS, absolute_links, deliver_pending, site_path
from consult.users import create_user
from helpers import fresh_app, outbox
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
    values = {"moderation.appeal": {"decision_id": 7}, "responses.show": {"slug": "roads"}}
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
        assert deliver_pending(db.session) == 1
    [mail] = outbox(app)
    assert mail.to == "ann@example.org" and "was not published" in mail.subject
    assert f"{SITE}/house-rules?version=1#no-abuse" in mail.body
    assert f"{SITE}/me/decisions/{decision_id}/appeal" in mail.body
    assert mail.body.rstrip().endswith(f"{SITE}/me/comments#comment-{world['comment']}")
    assert "localhost" not in mail.body


def test_mail_a_job_recorded_is_sent_by_the_send_mail_command_with_the_site_address(app):
    world = _held_comment(app)
    with app.app_context():
        moderation.decide(db.session, world["item"], world["mod"],
                          moderation.DecisionRequest("approve"))
        db.session.commit()
        assert db.session.scalar(select(Comment.status).where(Comment.id == world["comment"])) == "published"
    # Nothing was delivered outside a request; the next request that notifies would, and so does
    # `consult send-mail`.
    assert outbox(app) == []
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    [mail] = outbox(app)
    assert f"{SITE}/me/comments#comment-{world['comment']}" in mail.body
