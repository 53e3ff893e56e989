"""A moderator who reads Consult in Welsh and loses a race, or finds the text changed, is told
so in Welsh: who decided, what, under which rule and when (issue 21: these were English
sentences put together in moderation/)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consult.extensions import db
from consult.models import Comment
from tests.test_moderation_views import FEE, decide, make_world, only_item, open_item, post_comment

ENGLISH = ("already decided", "decided at", "Another moderator", "Your decision was not stored.",
           "Nothing was stored", "changed while you were reading", "under rule", "Not published")


@pytest.fixture
def world(make_user, make_consultation):
    return make_world(make_user, make_consultation)


def _welsh(client):
    client.set_cookie("lang", "cy")
    return client


def _alert(html: str) -> str:
    """The text of the page's 'not stored' box, tags removed."""
    box = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', html, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", box).split())


def test_a_welsh_moderator_who_lost_the_race_is_told_who_decided_what_in_welsh(app, world, auth):
    ann = auth.client_for(world["ann"])
    mo, bea = auth.client_for(world["mo"]), _welsh(auth.client_for(world["bea"]))
    post_comment(ann, "parking", world["anchors"][FEE], "Ring me on 07700 900123.", "k1")
    item_id = only_item(app)
    _html, mo_version = open_item(mo, item_id)
    _html, bea_version = open_item(bea, item_id)
    assert decide(mo, item_id, mo_version, "reject", rules=["personal-information"]).status_code == 303

    response = decide(bea, item_id, bea_version, "approve")
    assert response.status_code == 409
    said = _alert(response.get_data(as_text=True))
    assert "Ni chadwyd eich penderfyniad" in said
    # The outcome, the rule (its Welsh title: the default rules are in force) and the time.
    assert ("Mae Mo eisoes wedi penderfynu: heb ei gyhoeddi, gan nodi rheol 2 (Peidiwch â rhannu "
            "gwybodaeth bersonol)") in said
    assert re.search(r"Penderfynodd Mo am \d\d:\d\d ar \d{1,2} \w+ \d{4}: Heb ei gyhoeddi, gan nodi rheol 2 ",
                     said), said
    assert not [words for words in ENGLISH if words in said], said


def test_a_welsh_bulk_decision_on_an_item_already_decided_says_so_in_welsh(app, world, auth):
    ann = auth.client_for(world["ann"])
    mo, bea = auth.client_for(world["mo"]), _welsh(auth.client_for(world["bea"]))
    post_comment(ann, "parking", world["anchors"][FEE], "Fees should be lower.", "k1")
    item_id = only_item(app)
    _html, stale = open_item(bea, item_id)
    _html, version = open_item(mo, item_id)
    assert decide(mo, item_id, version, "approve").status_code == 303
    response = bea.post("/moderation/bulk", data={"item_ids": [str(item_id)], f"version-{item_id}": stale,
                                                  "outcome": "approve", "back": "/moderation/"})
    page = bea.get(response.headers["Location"]).get_data(as_text=True)
    flashed = " ".join(re.findall(r'<p class="flash[^"]*">(.*?)</p>', page))
    assert "Mae Mo eisoes wedi penderfynu: wedi&#39;i gymeradwyo a&#39;i gyhoeddi." in flashed, flashed
    assert not [words for words in ENGLISH if words in flashed], flashed


def test_a_text_edited_meanwhile_is_refused_in_welsh(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), _welsh(auth.client_for(world["mo"]))
    post_comment(ann, "parking", world["anchors"][FEE], "First words.", "k1")
    item_id = only_item(app)
    _html, version = open_item(mo, item_id)
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id))
    assert ann.post(f"/me/comments/{comment_id}/edit", data={"body": "Second words."}).status_code == 303
    response = decide(mo, item_id, version, "approve")
    assert response.status_code == 409
    said = _alert(response.get_data(as_text=True))
    assert "Newidiodd y sylw tra oeddech yn ei ddarllen" in said
    assert not [words for words in ENGLISH if words in said], said
