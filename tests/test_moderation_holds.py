"""What a held comment may and may not escape: appeals of replaced decisions, edits that
would launder a hold, withdrawn items (issue 13, found by review)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.comments.service import edit_comment, withdraw_comment
from consult.extensions import db
from consult.models import Comment
from moderation import service
from moderation.models import Decision, QueueItem
from tests.test_moderation_views import (
    FEE,
    _appeal,
    decide,
    make_world,
    only_item,
    open_item,
    post_comment,
)

LIBRARIES = "Libraries open at nine."


@pytest.fixture
def world(make_user, make_consultation):
    """The moderation tests' world: two consultations, citizens, two moderators, an official."""
    return make_world(make_user, make_consultation)


def _latest_decision(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Decision.id).order_by(Decision.id.desc()))


def _comment(app, author_id) -> Comment:
    with app.app_context():
        return db.session.scalars(select(Comment).where(Comment.author_id == author_id)
                                  .order_by(Comment.id.desc())).first()


def test_a_decision_a_later_one_replaced_cannot_be_appealed(app, world, auth):
    """Redacted (D1), then removed after reports (D2): appealing D1 would undo the removal."""
    ann, mo, bea = (auth.client_for(world[n]) for n in ("ann", "mo", "bea"))
    post_comment(ann, "parking", world["anchors"][FEE], "Call me on 07700 900123 about fees.", "k1")
    item = only_item(app)
    _html, version = open_item(mo, item)
    assert decide(mo, item, version, "redact", ["personal-information"],
                  redacted="Call me on [removed] about fees.").status_code == 303
    d1 = _latest_decision(app)
    cid = _comment(app, world["ann"]).id
    for reader in ("cat", "dan", "eve"):
        auth.client_for(world[reader]).post(f"/c/parking/comments/{cid}/flag", data={"rule": "no-abuse"})
    flagged = only_item(app)
    # While the reports are under review, the redaction cannot be appealed either.
    refused = ann.get(f"/me/decisions/{d1}/appeal").get_data(as_text=True)
    assert "A moderator is looking at this comment again now" in refused
    _html, version = open_item(bea, flagged)
    assert decide(bea, flagged, version, "reject", ["no-abuse"]).status_code == 303

    mine = ann.get("/me/comments").get_data(as_text=True)
    assert mine.count("Appeal<span") == 1  # only the removal, the latest decision
    page = ann.get(f"/me/decisions/{d1}/appeal").get_data(as_text=True)
    assert "A later decision on this comment replaced this one" in page
    response = ann.post(f"/me/decisions/{d1}/appeal", data={"reason": "Please"})
    assert response.status_code == 409
    assert _appeal(app, ann, _latest_decision(app), "The removal was wrong.")  # the later one can


def test_a_withdrawn_comment_has_nothing_left_to_appeal(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    post_comment(ann, "parking", world["anchors"][FEE], "Call me on 07700 900123 about fees.", "k1")
    item = only_item(app)
    _html, version = open_item(mo, item)
    decide(mo, item, version, "redact", ["personal-information"], redacted="Call me on [removed] about fees.")
    decision = _latest_decision(app)
    with app.app_context():
        withdraw_comment(db.session, _comment(app, world["ann"]).id, world["ann"])
        db.session.commit()
    assert "Appeal<span" not in ann.get("/me/comments").get_data(as_text=True)
    assert ann.post(f"/me/decisions/{decision}/appeal", data={"reason": "x"}).status_code == 409


def test_an_escalation_is_not_the_authors_to_read_or_appeal(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    post_comment(ann, "parking", world["anchors"][FEE], "Call me on 07700 900123 about fees.", "k1")
    item = only_item(app)
    _html, version = open_item(mo, item)
    decide(mo, item, version, "escalate", note="Internal: ask legal about this one")
    page = ann.get(f"/me/decisions/{_latest_decision(app)}/appeal")
    assert page.status_code == 404 and "ask legal" not in page.get_data(as_text=True)


def test_editing_never_launders_a_repeat_or_campaign_hold(app, world, auth):
    """Two edits (keep the link, then drop it) used to swap the hold's reasons for screening's."""
    anchor = world["anchors"][LIBRARIES]
    text = "Sign the petition at https://example.com/petition to keep libraries open late."
    for i, name in enumerate(("ann", "cat", "dan")):
        post_comment(auth.client_for(world[name]), "libraries", anchor, text, f"k{i}")
    dan = _comment(app, world["dan"])
    with app.test_request_context():
        edit_comment(db.session, dan.id, world["dan"], text + " Please!")
        db.session.commit()
        item = db.session.scalar(select(QueueItem).where(QueueItem.comment_id == dan.id))
        assert {r["code"] for r in item.reasons} >= {"campaign"}
        edit_comment(db.session, dan.id, world["dan"], "Sign the petition to keep libraries open late.")
        db.session.commit()
        assert db.session.get(Comment, dan.id).status == "pending"
        assert db.session.get(QueueItem, item.id).state == "waiting"


def test_editing_into_ones_own_earlier_text_does_not_publish_it(app, world, auth):
    anchor = world["anchors"][LIBRARIES]
    ann = auth.client_for(world["ann"])
    post_comment(ann, "libraries", anchor, "Open the libraries at eight, please.", "a1")
    post_comment(ann, "libraries", anchor, "Open at eight: ring 07700 900123.", "a2")
    held = _comment(app, world["ann"])
    assert held.status == "pending"
    with app.test_request_context():
        edit_comment(db.session, held.id, world["ann"], "Open the libraries at eight, please.")
        db.session.commit()
        assert db.session.get(Comment, held.id).status == "pending"


@pytest.mark.parametrize("step", ["escalated", "premoderated"])
def test_an_edit_does_not_release_what_a_moderator_holds_or_an_author_under_a_measure(app, world, step, auth):
    anchor = world["anchors"][LIBRARIES]
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    post_comment(ann, "libraries", anchor, "See https://example.com/leak about the opening hours", "k1")
    item = only_item(app)
    if step == "escalated":
        _html, version = open_item(mo, item)
        assert decide(mo, item, version, "escalate", note="possible defamation").status_code == 303
    with app.test_request_context():
        if step == "premoderated":
            service.impose_sanction(db.session, world["ann"], "premoderate", "Links to spam", world["mo"])
            db.session.commit()
        comment = _comment(app, world["ann"])
        edit_comment(db.session, comment.id, world["ann"], "See the site about the opening hours")
        db.session.commit()
        assert db.session.get(Comment, comment.id).status == "pending"
        assert db.session.get(QueueItem, item).state in ("waiting", "escalated")


def test_a_moderator_deciding_a_withdrawn_item_is_told_the_author_withdrew_it(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    post_comment(ann, "parking", world["anchors"][FEE], "Call me on 07700 900123 about fees.", "k1")
    item = only_item(app)
    _html, version = open_item(mo, item)
    with app.app_context():
        withdraw_comment(db.session, _comment(app, world["ann"]).id, world["ann"])
        db.session.commit()
    response = decide(mo, item, version, "reject", ["personal-information"])
    shown = mo.get(response.headers.get("Location", f"/moderation/items/{item}")).get_data(as_text=True)
    assert "Its author withdrew the comment" in shown + response.get_data(as_text=True)
    page = mo.get(f"/moderation/items/{item}").get_data(as_text=True)
    assert "Withdrawn by its author" in page
    with app.app_context():
        figures = service.statistics(db.session)
        assert figures["withdrawn_before_decision"] == 1
