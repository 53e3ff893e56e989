"""A comment on a paragraph of an earlier version is cited so that its author finds it today
(citizen walkthrough: "paragraph 0.1.2" and "6.21" were quoted as if current, in "Your comments"
and in the response's mail): "2.1 of version 1 (now 2.2)", "1.2 of version 1 (not in version 2)",
and plainly "1.1" when the number did not change."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from helpers import PARKING, fresh_app
from support.jobs import run_jobs

from consult.consultations.versions import publish_version
from consult.extensions import db
from consult.models import Consultation, utcnow

SITE = "https://consult.example.gov"
V2 = """---
title: Parking Policy
---
# Parking Policy

## 1. Fees {#fees}

Residents pay a yearly fee for a permit.

## 2. Zones

Zones were drawn in 2020.

The town is split into four zones.
"""
STAYS, REMOVED, MOVES = ("Residents pay a yearly fee for a permit.", "Visitors pay by the hour.",
                         "The town is split into four zones.")


@pytest.fixture
def app(database_url, tmp_path, smtp_server):
    yield from fresh_app(database_url, tmp_path, SITE_URL=SITE, **smtp_server.config())


@pytest.fixture
def revised(app, make_consultation, make_user, make_comment):
    made = make_consultation("parking", PARKING)
    ann = make_user("ann@example.org", name="Ann")
    ids = {text: make_comment(made, ann, f"On: {text}", made.anchors[text]) for text in (STAYS, REMOVED, MOVES)}
    with app.test_request_context():
        publish_version(db.session, db.session.get(Consultation, made.id), [("parking.md", V2)], note="Zones.")
        db.session.commit()
    return made, ann, ids


def test_your_comments_cite_an_earlier_versions_paragraph_with_its_number_now(app, auth, revised):
    _made, ann, ids = revised
    page = " ".join(auth.client_for(ann).get("/me/comments").get_data(as_text=True).split())
    assert re.search(rf'#comment-{ids[MOVES]}">paragraph 2\.1 of version 1 \(now 2\.2\)</a>', page)
    assert re.search(rf'#comment-{ids[REMOVED]}">paragraph 1\.2 of version 1 \(not in version 2\)</a>', page)
    assert re.search(rf'#comment-{ids[STAYS]}">paragraph 1\.1</a>', page)


def test_the_response_mail_cites_them_the_same_way(app, smtp_server, make_user, revised):
    from consult.responses import service as responses

    made, _ann, ids = revised
    official = make_user("olive@example.org", role="official", name="Olive")
    with app.test_request_context("/?lang=en"):
        consultation = db.session.get(Consultation, made.id)
        theme = responses.create_theme(db.session, consultation, "Zones", official)
        responses.assign(db.session, theme, [ids[MOVES], ids[STAYS]], official)
        responses.update_theme(db.session, theme, expected_revision=theme.revision, actor_id=official,
                               title=theme.title, said="Said.", outcome="changed", reasons="Reasons.")
        responses.mark_considered(db.session, consultation, ids[REMOVED], "", official, reason="off_topic")
        responses.save_draft(db.session, consultation, "We read every comment.", "Next.")
        consultation.closes_at = utcnow() - timedelta(minutes=1)
        responses.publish(db.session, consultation, official)
        db.session.commit()
    run_jobs(app)
    [mail] = [m for m in smtp_server.messages if m["To"] == "ann@example.org" and "response" in m["Subject"]]
    body = mail.get_content().replace("\r\n", "\n")
    assert "Your comment on 2.1 of version 1 (now 2.2) was counted under:" in body
    assert "Your comment on 1.1 was counted under:" in body
    assert "Your comment on 1.2 of version 1 (not in version 2) was read and considered" in body
