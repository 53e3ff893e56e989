"""The queue at scale (issue 20, item 4): text search, sorts (oldest, newest, most reported, campaign
size) that page without repeats, deciding every item on a page without a script, finding a person,
and wrong filter values named instead of an empty queue."""
from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest
import test_moderation_views
from sqlalchemy import select, update
from test_moderation_views import make_people

from consult.extensions import db
from consult.models import utcnow
from moderation import service
from moderation.models import DECIDED, Flag, QueueItem

DOC = """---
title: Parking Policy
---
# Parking Policy

## 1. Fees {#fees}

Visitors pay by the hour.
"""


def _rows(response) -> list[str]:
    """The excerpts of the queue's rows, in order."""
    return [html_lib.unescape(t) for t in
            re.findall(r'<p class="excerpt" dir="auto">(.*?)</p>', response.get_data(as_text=True), re.S)]


@pytest.fixture
def queue(app, make_user, make_consultation, auth, monkeypatch):
    """Eight items waiting on a pre-moderated consultation: made a minute apart, oldest first,
    three of them one campaign and two reported by readers (item 'five' three times)."""
    from consult.comments import service as comments_service

    monkeypatch.setattr(comments_service, "RATE_PER_MINUTE", 100)
    consultation = make_consultation("parking", DOC, "pre")
    people = make_people(make_user)
    anchor = consultation.anchors["Visitors pay by the hour."]
    texts = ["one: the fees are too high", "two: cheaper permits please", "three: 50% off for carers",
             "four: more bays near the station", "five: fees hurt small shops",
             "six: keep the first hour free", "seven: keep the first hour free", "eight: zones"]
    for i, text in enumerate(texts):
        author = auth.client_for(people[["ann", "cat", "dan", "eve"][i % 4]])
        assert author.post(f"/c/parking/p/{anchor}/comments", data={
            "body": text, "submission_key": f"k{i}", "respondent_type": "individual",
            "show_name": "name"}).status_code == 303
    with app.app_context():
        items = list(db.session.scalars(select(QueueItem).order_by(QueueItem.id)))
        start = utcnow() - timedelta(hours=10)
        by_text = {}
        for n, item in enumerate(items):
            item.created_at = start + timedelta(minutes=n)
            by_text[item.text.split(":")[0]] = item
        for name in ("six", "seven", "three"):
            by_text[name].campaign_key = "c" * 40
        for name, readers in (("five", ("ann", "cat", "dan")), ("two", ("eve",))):
            for reader in readers:
                db.session.add(Flag(comment_id=by_text[name].comment_id, user_id=people[reader],
                                    rule="no-spam"))
        db.session.commit()
        ids = {name: item.id for name, item in by_text.items()}
    return {"mo": auth.client_for(people["mo"]), "ids": ids, "people": people,
            "consultation": consultation}


def _names(response) -> list[str]:
    return [row.split(":")[0] for row in _rows(response)]


def test_sorts_order_the_queue(app, queue):
    mo = queue["mo"]
    assert _names(mo.get("/moderation/")) == ["one", "two", "three", "four", "five", "six", "seven", "eight"]
    assert _names(mo.get("/moderation/?sort=newest"))[:3] == ["eight", "seven", "six"]
    flagged = mo.get("/moderation/?sort=flagged")
    assert _names(flagged)[:2] == ["five", "two"]
    assert "Reported 3 times by readers" in flagged.get_data(as_text=True)
    campaign = mo.get("/moderation/?sort=campaign")
    assert _names(campaign)[:3] == ["three", "six", "seven"]
    assert "Campaign group (3 open)" in campaign.get_data(as_text=True)


@pytest.mark.parametrize("sort", ["oldest", "newest", "flagged", "campaign"])
def test_every_sort_pages_through_every_item_once(app, queue, sort, monkeypatch):
    monkeypatch.setattr(service.queue, "PAGE_SIZE", 3)
    mo, seen, url, pages = queue["mo"], [], f"/moderation/?sort={sort}", 0
    for _page in range(5):
        response = mo.get(url)
        assert response.status_code == 200
        pages += 1
        seen += _names(response)
        assert len(_names(response)) <= 3
        following = re.search(r'<a rel="next" href="([^"]+)"', response.get_data(as_text=True))
        if not following:
            break
        url = html_lib.unescape(following.group(1))
        assert f"sort={sort}" in url
    assert sorted(seen) == sorted(queue["ids"]) and len(seen) == 8 and pages == 3


def test_text_search_finds_words_in_the_comments(app, queue):
    mo = queue["mo"]
    assert _names(mo.get("/moderation/?q=FIRST+HOUR")) == ["six", "seven"]
    assert _names(mo.get("/moderation/?q=50%25")) == ["three"]  # % is a character, not a wildcard
    assert _names(mo.get("/moderation/?q=_")) == []
    empty = html_lib.unescape(mo.get("/moderation/?q=bicycles").get_data(as_text=True))
    assert "No comment waiting contains “bicycles”" in empty and "Clear the filters" in empty
    assert _names(mo.get("/moderation/?q=fees&sort=newest")) == ["five", "one"]


@pytest.mark.parametrize(("query", "message"), [
    ("sort=loudest", "“loudest” is not an order"),
    ("source=pigeon", "“pigeon” is not a source"),
    ("reason=vibes", "“vibes” is not a reason"),
    ("rule=be-nice", "“be-nice” is not a house rule"),
    ("older_than=soon", "Waiting: “soon” is not a number of hours"),
    ("consultation=999999", "There is no such consultation among those you moderate"),
    ("consultation=abc", "There is no such consultation among those you moderate"),
    ("state=sleeping", "“sleeping” is not a part of the queue"),
    ("campaign=<script>", "That campaign group link is not valid"),
    ("q=" + "x" * 201, "Search for at most 200 characters"),
])
def test_a_wrong_filter_value_is_named_instead_of_an_empty_queue(app, queue, query, message):
    response = queue["mo"].get(f"/moderation/?{query}")
    page = html_lib.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert message in page and "These filters cannot be used" in page
    assert _rows(response) == [] and "Nothing waiting" not in page


def _confirm_fields(page: str) -> dict[str, list[str]]:
    """The hidden fields of the confirmation page's form, as its Confirm button sends them."""
    form = page[page.index('class="confirm-form"'):]
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form):
        fields.setdefault(name, []).append(html_lib.unescape(value))
    return fields


def test_every_item_on_the_page_is_decided_without_ticking_each(app, queue, monkeypatch):
    monkeypatch.setattr(service.queue, "PAGE_SIZE", 3)
    mo = queue["mo"]
    page = mo.get("/moderation/?q=keep").get_data(as_text=True)
    assert "Apply to every item on this page (2)" in page
    shown = re.findall(r'name="shown" value="(\d+)"', page)
    versions = dict(re.findall(r'name="version-(\d+)" value="(\d+)"', page))
    data = {"outcome": "approve", "scope": "page", "shown": shown, "back": "/moderation/?q=keep",
            **{f"version-{i}": v for i, v in versions.items()}}
    asked = mo.post("/moderation/bulk", data=data)  # a confirmation page first: nothing decided yet
    assert asked.status_code == 200 and "Decide these 2 items?" in asked.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(QueueItem.id).where(QueueItem.state == DECIDED)) is None
    response = mo.post("/moderation/bulk", data=_confirm_fields(asked.get_data(as_text=True)),
                       follow_redirects=True)
    assert "2 items decided: Approved." in html_lib.unescape(response.get_data(as_text=True))
    with app.app_context():
        decided = set(db.session.scalars(select(QueueItem.id).where(QueueItem.state == DECIDED)))
    assert decided == {queue["ids"]["six"], queue["ids"]["seven"]}
    # "Apply to the selection" still decides only the ticked boxes.
    page = mo.get("/moderation/").get_data(as_text=True)
    shown = re.findall(r'name="shown" value="(\d+)"', page)
    response = mo.post("/moderation/bulk", data={"outcome": "approve", "shown": shown,
                                                 "item_ids": [shown[0]]}, follow_redirects=True)
    assert "1 item decided: Approved." in html_lib.unescape(response.get_data(as_text=True))


def test_an_item_changed_since_the_page_was_shown_is_not_decided_with_the_page(app, queue):
    mo = queue["mo"]
    page = mo.get("/moderation/?q=keep").get_data(as_text=True)
    shown = re.findall(r'name="shown" value="(\d+)"', page)
    versions = dict(re.findall(r'name="version-(\d+)" value="(\d+)"', page))
    with app.app_context():  # the author edits "six" meanwhile
        db.session.execute(update(QueueItem).where(QueueItem.id == queue["ids"]["six"])
                           .values(version=QueueItem.version + 1))
        db.session.commit()
    response = mo.post("/moderation/bulk", data={
        "outcome": "approve", "scope": "page", "shown": shown, "confirmed": "1",
        **{f"version-{i}": v for i, v in versions.items()}}, follow_redirects=True)
    page = html_lib.unescape(response.get_data(as_text=True))
    assert "1 item decided" in page and f"Item {queue['ids']['six']} was not changed" in page


def test_moderators_find_a_person_and_see_their_comments_and_measures(app, queue, auth):
    mo = queue["mo"]
    assert "Search by name or email" in mo.get("/moderation/people").get_data(as_text=True)
    found = html_lib.unescape(mo.get("/moderation/people?q=ANN@").get_data(as_text=True))
    assert "ann@example.org" in found and "cat@example.org" not in found
    assert "1 person matching" in found
    by_name = html_lib.unescape(mo.get("/moderation/people?q=eve").get_data(as_text=True))
    assert "eve@example.org" in by_name
    nobody = html_lib.unescape(mo.get("/moderation/people?q=zed").get_data(as_text=True))
    assert "Nobody’s name or email address contains “zed”" in nobody
    too_long = mo.get("/moderation/people?q=" + "x" * 201)
    assert too_long.status_code == 400 and "Search for at most 200 characters" in too_long.get_data(as_text=True)

    ann = queue["people"]["ann"]
    mo.post(f"/moderation/users/{ann}/sanctions", data={"kind": "premoderate", "reason": "Spam"})
    listed = html_lib.unescape(mo.get("/moderation/people?q=ann").get_data(as_text=True))
    assert "Pre-moderation" in listed
    record = html_lib.unescape(mo.get(f"/moderation/users/{ann}").get_data(as_text=True))
    assert "Their comments" in record and "one: the fees are too high" in record
    assert "five: fees hurt small shops" in record and "2 in all" in record
    assert auth.as_("citizen").get("/moderation/people?q=ann").status_code == 403
    assert auth.as_("official").get("/moderation/people?q=ann").status_code == 403


def test_a_nul_character_in_a_search_gets_a_plain_message(app, queue):
    """PostgreSQL's text cannot hold a NUL: a search holding one was a 500 error page there."""
    for url in ("/moderation/?q=fees%00", "/moderation/people?q=mo%00", "/moderation/audit?rule=%00"):
        response = queue["mo"].get(url)
        assert response.status_code == 400, url
        assert "holds a NUL character" in html_lib.unescape(response.get_data(as_text=True))


def test_a_refused_bulk_decision_shows_the_queue_again_with_what_was_ticked_and_typed(app, make_user,
                                                                                   make_consultation, auth):
    # Staff walkthrough: "Cite the house rule" came back with the ticks, the choice and the note gone.
    from test_moderation_views import FEE, count, post_comment

    from moderation.models import Decision

    world = test_moderation_views.make_world(make_user, make_consultation)
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    for n in range(3):
        post_comment(ann, "parking", world["anchors"][FEE], f"Comment number {n} on fees.", f"k{n}")
    with app.app_context():
        ids = db.session.scalars(select(QueueItem.id).order_by(QueueItem.id)).all()
    refused = mo.post("/moderation/bulk", data={"item_ids": [str(i) for i in ids[:2]], "outcome": "reject",
                                                "note": "My note to the authors", "back": "/moderation/?sort=newest"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Cite the house rule" in page
    for item_id in ids[:2]:
        assert f'value="{item_id}" id="select-{item_id}" checked' in page
    assert f'value="{ids[2]}" id="select-{ids[2]}">' in page  # not ticked, not ticked now
    assert 'value="reject" id="bulk-reject" checked' in page and ">My note to the authors</textarea>" in page
    assert 'name="back" value="/moderation/?sort=newest"' in page
    assert count(app, Decision) == 0
