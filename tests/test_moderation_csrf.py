"""With CSRF protection on, as in production: every moderation form needs its token.

The moderation views do not check the token themselves: the site-wide check (Flask-WTF's
CSRFProtect) refuses a POST without it before any view runs, with the one site-wide message.
These tests hold that in place for each moderation form, and show the same forms still work
when the token the page gave is sent back.
"""
from __future__ import annotations

import re

import pytest
from helpers import fresh_app
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Comment
from moderation.models import Appeal, Decision, Flag, HouseRulesVersion, QueueItem, Sanction

REFUSED = "expired or was sent from another site"
FEE = "Visitors pay by the hour."
HOURS = "Libraries open at nine."
PARKING = f"""---
title: Parking Policy
---
# Parking Policy

## 1. Fees {{#fees}}

{FEE}
"""
LIBRARIES = f"""---
title: Libraries
---
# Libraries

## 1. Opening hours {{#hours}}

{HOURS}
"""


@pytest.fixture
def app(database_url, tmp_path):
    """The app with CSRF protection on, as in production (the shared fixtures build on it)."""
    yield from fresh_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)


@pytest.fixture
def world(make_user, make_consultation):
    """A pre-moderated and a post-moderated consultation, two citizens, a moderator, an official."""
    return {"parking": make_consultation("parking", PARKING, "pre"),
            "libraries": make_consultation("libraries", LIBRARIES, "post"),
            "ann": make_user(name="Ann"), "cat": make_user(name="Cat"),
            "mo": make_user(name="Mo", role="moderator"),
            "ola": make_user(name="Ola", role="official")}


def _token(client, url: str) -> str:
    """The CSRF token in the form on the page at `url` (the page a person would send it from)."""
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.get_data(as_text=True))
    assert found, f"no CSRF token in the form on {url}"
    return found.group(1)


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalars(select(func.count()).select_from(model).where(*where)).one()


def _refused_without_token(client, url: str, data: dict) -> None:
    response = client.post(url, data=data)
    assert response.status_code == 400, f"{url} accepted a POST without its CSRF token"
    assert REFUSED in response.get_data(as_text=True)


def _comment(make_comment, world, where: str, text: str, body: str) -> int:
    """A comment by Ann on the paragraph with this text; its id."""
    return make_comment(world[where], world["ann"], body=body, anchor=world[where].anchors[text])


def _item_of(app, comment_id: int) -> int:
    with app.app_context():
        return db.session.scalars(select(QueueItem.id).where(QueueItem.comment_id == comment_id)).one()


def _version_of(app, item_id: int) -> str:
    with app.app_context():
        return str(db.session.get_one(QueueItem, item_id).version)


def test_with_csrf_on_a_report_needs_the_token_from_the_form(app, world, auth, make_comment):
    comment_id = _comment(make_comment, world, "libraries", HOURS, "Nine is far too late for workers.")
    cat = auth.client_for(world["cat"])
    url = f"/c/libraries/comments/{comment_id}/flag"
    token = _token(cat, url)
    _refused_without_token(cat, url, {"rule": "no-abuse", "note": "rude"})
    assert _count(app, Flag) == 0
    sent = cat.post(url, data={"rule": "no-abuse", "note": "rude", "csrf_token": token})
    assert sent.status_code == 303 and _count(app, Flag) == 1


def test_with_csrf_on_decisions_and_appeals_need_the_token_from_the_form(app, world, auth,
                                                                        make_comment):
    comment_id = _comment(make_comment, world, "parking", FEE, "Rubbish plan by rubbish people.")
    item_id = _item_of(app, comment_id)
    mo = auth.client_for(world["mo"])
    token = _token(mo, f"/moderation/items/{item_id}")
    decision = {"outcome": "reject", "rules": ["no-abuse"], "version": _version_of(app, item_id)}
    _refused_without_token(mo, f"/moderation/items/{item_id}/decide", decision)
    assert _count(app, Decision) == 0
    decided = mo.post(f"/moderation/items/{item_id}/decide", data={**decision, "csrf_token": token})
    assert decided.status_code == 303 and _count(app, Decision) == 1

    with app.app_context():
        decision_id = db.session.scalars(select(Decision.id)).one()
    ann = auth.client_for(world["ann"])
    url = f"/me/decisions/{decision_id}/appeal"
    token = _token(ann, url)
    _refused_without_token(ann, url, {"reason": "It was about the plan, not people."})
    assert _count(app, Appeal) == 0
    sent = ann.post(url, data={"reason": "It was about the plan, not people.", "csrf_token": token})
    assert sent.status_code == 303 and _count(app, Appeal) == 1


def test_with_csrf_on_a_bulk_decision_needs_the_token_from_the_queue(app, world, auth, make_comment):
    ids = [_item_of(app, _comment(make_comment, world, "parking", FEE, f"Comment number {n} on fees."))
           for n in range(2)]
    mo = auth.client_for(world["mo"])
    token = _token(mo, "/moderation/")
    selection = {"item_ids": [str(i) for i in ids], "outcome": "approve"}
    _refused_without_token(mo, "/moderation/bulk", selection)
    assert _count(app, Comment, Comment.status == "published") == 0
    sent = mo.post("/moderation/bulk", data={**selection, "csrf_token": token})
    assert sent.status_code == 303
    assert _count(app, Comment, Comment.status == "published") == 2


def test_with_csrf_on_imposing_and_lifting_a_measure_need_the_token(app, world, auth):
    mo = auth.client_for(world["mo"])
    page = f"/moderation/users/{world['ann']}"
    token = _token(mo, page)
    measure = {"kind": "ban", "reason": "Repeated abuse"}
    _refused_without_token(mo, f"{page}/sanctions", measure)
    assert _count(app, Sanction) == 0
    assert mo.post(f"{page}/sanctions", data={**measure, "confirmed": "1", "csrf_token": token}).status_code == 303
    with app.app_context():
        sanction_id = db.session.scalars(select(Sanction.id)).one()

    token = _token(mo, page)  # the page now offers to lift the measure
    _refused_without_token(mo, f"/moderation/sanctions/{sanction_id}/revoke", {})
    assert _count(app, Sanction, Sanction.revoked_at.is_(None)) == 1
    lifted = mo.post(f"/moderation/sanctions/{sanction_id}/revoke", data={"csrf_token": token})
    assert lifted.status_code == 303
    assert _count(app, Sanction, Sanction.revoked_at.is_(None)) == 0


def test_with_csrf_on_publishing_house_rules_needs_the_token_from_the_form(app, world, auth):
    ola = auth.client_for(world["ola"])
    token = _token(ola, "/moderation/rules/new")
    before = _count(app, HouseRulesVersion)
    source = "# House rules\n\nBe kind.\n\n## 1. Be kind {#be-kind}\n\nNo insults.\n"
    rules = {"source": source, "note": "Shorter", "publish": "Publish"}
    _refused_without_token(ola, "/moderation/rules/new", rules)
    assert _count(app, HouseRulesVersion) == before
    assert ola.post("/moderation/rules/new", data={**rules, "csrf_token": token}).status_code == 303
    assert 'id="be-kind"' in app.test_client().get("/house-rules").get_data(as_text=True)
