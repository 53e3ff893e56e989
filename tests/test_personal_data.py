"""A person downloads everything the site holds about them from their account (the right of
access): the account, every comment in any state with its earlier texts and the decisions on it,
their reports, appeals, measures and the messages sent to them; nobody else's."""
from __future__ import annotations

import json

import test_moderation_views
from test_moderation_views import FEE, decide, only_item, open_item, post_comment

from consult.extensions import db
from consult.models import Comment

world = test_moderation_views.world


def _data(client) -> dict:
    response = client.get("/account/data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="consult-my-data-')
    assert response.headers["Cache-Control"] == "no-store"
    return json.loads(response.get_data(as_text=True))


def test_the_download_holds_the_persons_comments_decisions_reports_and_messages(app, world, auth):
    ann, mo, cat = (auth.client_for(world[k]) for k in ("ann", "mo", "cat"))
    assert post_comment(ann, "parking", world["anchors"][FEE], "Go away, idiots.", "k1").status_code == 303
    item_id = only_item(app)
    _html, version = open_item(mo, item_id)
    assert decide(mo, item_id, version, "reject", rules=["no-abuse"]).status_code == 303
    nine = world["anchors"]["Libraries open at nine."]
    assert post_comment(cat, "libraries", nine, "Open at seven, please.", "k2").status_code == 303
    with app.app_context():
        cats = db.session.query(Comment).filter_by(author_id=world["cat"]).one()
    reported = ann.post(f"/c/libraries/comments/{cats.id}/flag",
                        data={"rule": "no-abuse", "note": "Looks like spam"})
    assert reported.status_code == 303

    data = _data(ann)
    assert data["format"] == "consult-personal-data/1"
    assert data["account"]["email"] == "ann@example.org"
    [comment] = data["comments"]
    assert comment["text"] == "Go away, idiots." and comment["status"] == "rejected"
    assert comment["consultation"] == "parking" and comment["paragraph"] and comment["version"] == 1
    [decision] = comment["decisions"]
    assert decision["outcome"] == "reject" and decision["rules_cited"] == ["no-abuse"]
    assert data["reports_made"] == [{"comment": cats.id, "rule": "no-abuse", "note": "Looks like spam",
                                     "made_at": data["reports_made"][0]["made_at"]}]
    assert any("not published" in m["subject"].lower() or "not published" in m["text"].lower()
               for m in data["messages"])
    assert "Open at seven" not in json.dumps(data)  # nobody else's words

    assert cat.post(f"/me/comments/{cats.id}/edit", data={"body": "Open at eight."}).status_code == 303
    theirs = _data(cat)
    assert [c["text"] for c in theirs["comments"]] == ["Open at eight."]
    assert [e["text_before"] for e in theirs["comments"][0]["earlier_texts"]] == ["Open at seven, please."]
    assert theirs["reports_made"] == [] and "Go away" not in json.dumps(theirs)


def test_the_account_and_delete_pages_offer_it_and_it_needs_a_sign_in(app, world, auth, client):
    ann = auth.client_for(world["ann"])
    assert 'href="/account/data.json" download>Download everything we hold about you' in \
        ann.get("/account").get_data(as_text=True)
    assert 'href="/account/data.json" download>download everything we hold about you' in \
        ann.get("/account/delete").get_data(as_text=True)
    anonymous = client.get("/account/data.json")
    assert anonymous.status_code in (302, 401) and "data.json" not in anonymous.headers.get("Content-Disposition", "")


def test_an_escalations_note_to_the_official_is_not_in_the_authors_download(app, world, auth):
    # Review: an escalation's note is written to the official and never sent to the author.
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    assert post_comment(ann, "parking", world["anchors"][FEE], "Is this allowed?", "k1").status_code == 303
    item_id = only_item(app)
    _html, version = open_item(mo, item_id)
    assert decide(mo, item_id, version, "escalate", note="Official: is this a legal claim?").status_code == 303
    [comment] = _data(ann)["comments"]
    assert [d["outcome"] for d in comment["decisions"]] == ["escalate"]
    assert comment["decisions"][0]["note_to_author"] == "" and "legal claim" not in json.dumps(_data(ann))
