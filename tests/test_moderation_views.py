"""Moderation through the browser's eyes: the queue, decisions, flags, appeals, sanctions, statistics."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from helpers import outbox
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Comment, Notification, utcnow
from moderation import service
from moderation.models import AuditEntry, Decision, Flag, QueueItem

DOC = """---
title: Parking Policy
---
# Parking Policy

## 1. Fees {#fees}

Residents pay a yearly fee for a permit.

Visitors pay by the hour.
"""

OTHER = """---
title: "=SUM(1+1) Libraries"
---
# Libraries

## Opening hours {#hours}

Libraries open at nine.
"""


@pytest.fixture
def world(make_user, make_consultation):
    """A pre-moderated and a post-moderated consultation, citizens, two moderators, an official."""
    return make_world(make_user, make_consultation)


def make_world(make_user, make_consultation) -> dict:
    """The `world` fixture's set-up, for other test files to build the same one."""
    pre = make_consultation("parking", DOC, "pre")
    post = make_consultation("libraries", OTHER, "post")
    return {"anchors": {**pre.anchors, **post.anchors}, "ids": {"pre": pre.id, "post": post.id},
            **make_people(make_user)}


PEOPLE = {"ann": "citizen", "cat": "citizen", "dan": "citizen", "eve": "citizen",
          "mo": "moderator", "bea": "moderator", "ola": "official"}


def make_people(make_user, **more_roles) -> dict[str, int]:
    """The moderation tests' cast by first name (four citizens, two moderators, an official)."""
    return {name: make_user(f"{name}@example.org", name=name.title(), role=role)
            for name, role in {**PEOPLE, **more_roles}.items()}


def post_comment(client, slug, anchor, body, key):
    return client.post(f"/c/{slug}/p/{anchor}/comments",
                       data={"body": body, "submission_key": key, "respondent_type": "individual",
                             "show_name": "name"})


def only_item(app, comment_text=None) -> int:
    with app.app_context():
        query = select(QueueItem.id).order_by(QueueItem.id.desc())
        if comment_text:
            query = query.where(QueueItem.text == comment_text)
        return db.session.scalars(query).first()


def version_on_page(html: str) -> str:
    return re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', html).group(1)


def open_item(client, item_id):
    response = client.get(f"/moderation/items/{item_id}")
    assert response.status_code == 200, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    return html, version_on_page(html)


def decide(client, item_id, version, outcome, rules=(), note="", redacted=None):
    data = {"outcome": outcome, "version": version, "rules": list(rules), "note": note}
    if redacted is not None:
        data["redacted_text"] = redacted
    return client.post(f"/moderation/items/{item_id}/decide", data=data)


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


FEE = "Visitors pay by the hour."


def test_premoderated_comment_is_queued_with_its_paragraph_and_published_on_approve(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    anchor = world["anchors"][FEE]
    assert post_comment(ann, "parking", anchor, "Hourly fees hurt carers.", "k1").status_code == 303
    public = app.test_client()
    assert "Hourly fees hurt carers." not in public.get(f"/c/parking/p/{anchor}").get_data(as_text=True)

    queue = mo.get("/moderation/").get_data(as_text=True)
    assert "Hourly fees hurt carers." in queue and "Parking Policy" in queue
    assert "Keyboard shortcuts" in queue
    for key, what in [("j", "highlight the next item"), ("k", "highlight the previous item"),
                      ("a", "approve the highlighted item"), ("r", "reject the highlighted item"),
                      ("e", "redact: opens the highlighted item")]:
        assert f"<kbd>{key}</kbd></dt><dd>{what}" in queue
    assert "js/moderation.js" in queue and "<script>" not in queue
    # An item younger than a working day says its age in hours (it read "0.0 working days").
    assert "within 2 working days" in queue and "0 hours" in queue and "0.0 working days" not in queue

    item_id = only_item(app)
    html, version = open_item(mo, item_id)
    assert FEE in html  # the paragraph as context
    assert "Pre-moderation" in html
    response = decide(mo, item_id, version, "approve")
    assert response.status_code == 303
    page = public.get(f"/c/parking/p/{anchor}").get_data(as_text=True)
    assert "Hourly fees hurt carers." in page
    assert "Report" in page  # others may report a published comment
    assert "Report" not in ann.get(f"/c/parking/p/{anchor}").get_data(as_text=True).split("comment-body")[-1]
    mail = [m for m in outbox(app) if m.to == "ann@example.org"]
    assert mail and "approved" in mail[0].subject


def test_reject_citing_a_rule_is_shown_in_my_comments_with_rule_link_and_appeal(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    post_comment(ann, "parking", world["anchors"][FEE], "You are all idiots.", "k1")
    item_id = only_item(app)
    _html, version = open_item(mo, item_id)
    response = decide(mo, item_id, version, "reject", rules=["no-abuse"], note="Please stay civil.")
    assert response.status_code == 303
    mine = ann.get("/me/comments").get_data(as_text=True)
    assert 'Not published under <a href="/house-rules?version=1#no-abuse">rule 3 (' in mine
    assert 'href="/house-rules?version=1#no-abuse"' in mine
    # In Welsh the outcome, the word "rule" and the rule's title are Welsh too.
    welsh = ann.get("/me/comments?lang=cy").get_data(as_text=True)
    assert "Not published" not in welsh and "rule 3" not in welsh
    assert "Heb ei gyhoeddi" in welsh and "rheol 3 (Dim cam-drin, bygythiadau na gwahaniaethu)" in welsh
    with app.app_context():
        decision_id = db.session.scalar(select(Decision.id))
        notes = db.session.scalars(select(Notification).where(Notification.user_id == world["ann"])).all()
    assert f'href="/me/decisions/{decision_id}/appeal"' in mine
    assert len(notes) == 1 and "rule 3" in notes[0].body and "Please stay civil." in notes[0].body
    mail = [m for m in outbox(app) if m.to == "ann@example.org"]
    assert mail and "was not published" in mail[0].subject
    rules_page = app.test_client().get("/house-rules").get_data(as_text=True)
    assert 'id="no-abuse"' in rules_page and "No abuse, threats or discrimination" in rules_page


def test_redact_publishes_the_redacted_text_and_never_the_original(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    anchor = world["anchors"][FEE]
    body = "Call me on 07700 900123 about the fees."
    post_comment(ann, "parking", anchor, body, "k1")
    item_id = only_item(app)
    html, version = open_item(mo, item_id)
    assert "Call me on [removed] about the fees." in html  # prefilled from screening's spans
    assert "phone number" in html
    # A redaction only takes words out (walkthrough: any text could be published under her name).
    for invented in ("I fully support this policy.", "Call me on [removed] about the fees. The Minister is right.",
                     "Call [removed] about the low fees."):
        refused = decide(mo, item_id, version, "redact", rules=["personal-information"], redacted=invented)
        assert refused.status_code == 400 and "these words are not theirs" in refused.get_data(as_text=True)
    assert count(app, Decision) == 0
    response = decide(mo, item_id, version, "redact", rules=["personal-information"],
                      redacted="Call me on [removed] about the fees.")
    assert response.status_code == 303
    public = app.test_client()
    for url in (f"/c/parking/p/{anchor}", "/c/parking", f"/c/parking/p/{anchor}?order=oldest"):
        page = public.get(url).get_data(as_text=True)
        assert "07700 900123" not in page
    assert "Call me on [removed] about the fees." in public.get(f"/c/parking/p/{anchor}").get_data(as_text=True)


def test_two_moderators_racing_store_one_decision_and_the_second_sees_who_decided(app, world, auth):
    ann = auth.client_for(world["ann"])
    mo, bea = auth.client_for(world["mo"]), auth.client_for(world["bea"])
    post_comment(ann, "parking", world["anchors"][FEE], "Fees should be lower.", "k1")
    item_id = only_item(app)
    _html, mo_version = open_item(mo, item_id)
    bea_html, bea_version = open_item(bea, item_id)
    assert "<bdi>Mo</bdi> is looking at this too." in bea_html
    assert decide(mo, item_id, mo_version, "approve").status_code == 303
    response = decide(bea, item_id, bea_version, "reject", rules=["on-topic"])
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Your decision was not stored" in html
    assert "Mo decided" in html and "Approved" in html
    assert "Fees should be lower." in html
    assert count(app, Decision) == 1
    with app.app_context():
        assert db.session.scalar(select(Comment.status)) == "published"


def test_a_text_edited_meanwhile_is_refused_and_the_new_text_shown(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    post_comment(ann, "parking", world["anchors"][FEE], "First words.", "k1")
    item_id = only_item(app)
    _html, version = open_item(mo, item_id)
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id))
    assert ann.post(f"/me/comments/{comment_id}/edit", data={"body": "Second words."}).status_code == 303
    response = decide(mo, item_id, version, "approve")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "changed while you were reading" in html and "Second words." in html
    assert count(app, Decision) == 0
    # Deciding again on the new version works.
    assert decide(mo, item_id, version_on_page(html), "approve").status_code == 303


def test_flags_hide_a_comment_at_the_threshold_and_queue_it(app, world, auth):
    ann = auth.client_for(world["ann"])
    anchor = world["anchors"]["Libraries open at nine."]
    post_comment(ann, "libraries", anchor, "Nine is far too late for workers.", "k1")
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id))
    url = f"/c/libraries/comments/{comment_id}/flag"

    own = ann.get(url)
    assert own.status_code == 403 and "cannot report your own comment" in own.get_data(as_text=True)
    refused = ann.post(url, data={"rule": "no-abuse"})
    assert refused.status_code == 403 and count(app, Flag) == 0

    form = auth.client_for(world["cat"]).get(url).get_data(as_text=True)
    assert 'value="no-abuse"' in form and "No abuse, threats or discrimination" in form
    for who in ("cat", "dan"):
        response = auth.client_for(world[who]).post(url, data={"rule": "no-abuse", "note": "rude"})
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"#comment-{comment_id}")  # back to the comment
    again = auth.client_for(world["cat"]).post(url, data={"rule": "no-abuse"})
    assert again.status_code == 409 and "You reported this comment on" in again.get_data(as_text=True)
    unknown = auth.client_for(world["eve"]).post(url, data={"rule": "no-such-rule"})
    assert unknown.status_code == 400 and "Choose the house rule" in unknown.get_data(as_text=True)
    public = app.test_client()
    assert "Nine is far too late" in public.get(f"/c/libraries/p/{anchor}").get_data(as_text=True)

    response = auth.client_for(world["eve"]).post(url, data={"rule": "no-abuse"}, follow_redirects=True)
    assert "It is hidden until they have." in response.get_data(as_text=True)
    assert "Nine is far too late" not in public.get(f"/c/libraries/p/{anchor}").get_data(as_text=True)
    queue = auth.client_for(world["mo"]).get("/moderation/?source=flags").get_data(as_text=True)
    assert "Nine is far too late" in queue and "Flagged by readers" in queue


def test_flag_threshold_comes_from_the_configuration(app, world, auth):
    app.config["FLAG_THRESHOLD"] = 1
    ann = auth.client_for(world["ann"])
    anchor = world["anchors"]["Libraries open at nine."]
    post_comment(ann, "libraries", anchor, "Open at seven.", "k1")
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id))
    auth.client_for(world["cat"]).post(f"/c/libraries/comments/{comment_id}/flag", data={"rule": "on-topic"})
    assert "Open at seven." not in app.test_client().get(f"/c/libraries/p/{anchor}").get_data(as_text=True)


def _rejected(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    post_comment(ann, "parking", world["anchors"][FEE], "Rubbish plan by rubbish people.", "k1")
    item_id = only_item(app)
    _html, version = open_item(mo, item_id)
    decide(mo, item_id, version, "reject", rules=["no-abuse"])
    with app.app_context():
        return ann, mo, db.session.scalar(select(Decision.id))


def test_appeal_goes_to_a_different_moderator_and_only_once(app, world, auth):
    ann, mo, decision_id = _rejected(app, world, auth)
    url = f"/me/decisions/{decision_id}/appeal"
    assert "Send my appeal" in ann.get(url).get_data(as_text=True)
    assert auth.client_for(world["cat"]).get(url).status_code == 404  # not Cat's comment
    response = ann.post(url, data={"reason": "It was about the plan, not people."})
    assert response.status_code == 303
    appeal_item = only_item(app)
    queue = mo.get("/moderation/?source=appeal").get_data(as_text=True)
    assert "The author appeals: It was about the plan, not people." in queue

    html = mo.get(f"/moderation/items/{appeal_item}").get_data(as_text=True)
    assert "You cannot decide this appeal" in html and 'id="decision-form"' not in html
    with app.app_context():
        version = str(db.session.get(QueueItem, appeal_item).version)
    refused = decide(mo, appeal_item, version, "approve")
    assert refused.status_code == 403
    assert "another moderator must review it" in refused.get_data(as_text=True)
    bea = auth.client_for(world["bea"])
    _html, version = open_item(bea, appeal_item)
    assert decide(bea, appeal_item, version, "approve").status_code == 303
    assert "Rubbish plan" in app.test_client().get(
        f"/c/parking/p/{world['anchors'][FEE]}").get_data(as_text=True)

    assert "You appealed this decision" in ann.get(url).get_data(as_text=True)
    second = ann.post(url, data={"reason": "Again."})
    assert second.status_code == 409 and "appealed once" in second.get_data(as_text=True)


def test_a_late_appeal_is_refused(app, world, auth):
    ann, _mo, decision_id = _rejected(app, world, auth)
    made = (utcnow() - timedelta(days=31)).replace(hour=12)  # noon: the same day in the site's zone
    with app.app_context():
        db.session.get(Decision, decision_id).created_at = made
        db.session.commit()
    assert "Appeal</a>" not in ann.get("/me/comments").get_data(as_text=True).replace(
        '<span class="visually-hidden"> this decision</span>', "")
    response = ann.post(f"/me/decisions/{decision_id}/appeal", data={"reason": "Please."})
    assert response.status_code == 409 and "within 30 days" in response.get_data(as_text=True)
    # Says when the time ended (walkthrough: "this one was made on ..." read as the appeal's date).
    ended = made + timedelta(days=30)
    assert (f"The decision was made on {made:%-d %B %Y}, so the time to appeal it ended on {ended:%-d %B %Y}"
            in response.get_data(as_text=True))
    welsh = ann.post(f"/me/decisions/{decision_id}/appeal?lang=cy", data={"reason": "Os gwelwch yn dda."})
    text = welsh.get_data(as_text=True)
    assert "Gwnaed y penderfyniad ar" in text and f"{made:%B}" not in text.split("Gwnaed y penderfyniad ar")[1][:60]
    assert count(app, QueueItem, QueueItem.source == "appeal") == 0


def test_a_suspended_user_is_told_why_and_until_when(app, world, auth):
    mo, ann = auth.client_for(world["mo"]), auth.client_for(world["ann"])
    url = f"/moderation/users/{world['ann']}/sanctions"
    no_date = mo.post(url, data={"kind": "suspend", "reason": "Repeated abuse"})
    assert no_date.status_code == 400 and "end date in the future" in no_date.get_data(as_text=True)
    until = (utcnow() + timedelta(days=7)).date()
    assert mo.post(url, data={"kind": "suspend", "reason": "Repeated abuse",
                              "ends_at": until.isoformat(), "confirmed": "1"}).status_code == 303
    page = mo.get(f"/moderation/users/{world['ann']}").get_data(as_text=True)
    assert "Suspension" in page and "In force" in page
    # Said where the form was, before writing (staff walkthrough: the form was shown, and the
    # suspension learnt only on sending).
    reading = ann.get(f"/c/parking/p/{world['anchors'][FEE]}").get_data(as_text=True)
    assert "suspended from posting until" in reading and "Repeated abuse" in reading
    assert 'class="comment-form"' not in reading

    response = post_comment(ann, "parking", world["anchors"][FEE], "Let me post.", "k1")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "suspended from posting until" in html and f"{until:%-d %B %Y}" in html
    assert "Repeated abuse" in html

    with app.app_context():
        sanction_id = service.active_sanctions(db.session, world["ann"])[0].id
    assert mo.post(f"/moderation/sanctions/{sanction_id}/revoke").status_code == 303
    assert post_comment(ann, "parking", world["anchors"][FEE], "Let me post.", "k2").status_code == 303
    again = mo.post(f"/moderation/sanctions/{sanction_id}/revoke")
    assert again.status_code == 404 and "not in force" in again.get_data(as_text=True)


def test_statistics_page_and_csv_with_formula_escaping(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    post_comment(ann, "parking", world["anchors"][FEE], "Go away, idiots.", "k1")
    item_id = only_item(app)
    _html, version = open_item(mo, item_id)
    decide(mo, item_id, version, "reject", rules=["no-abuse"])

    page = app.test_client().get("/moderation/statistics")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Moderation statistics" in html
    assert "Parking Policy" in html and "No abuse, threats or discrimination" in html

    response = app.test_client().get("/moderation/statistics.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="moderation-statistics.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_slug = {r["slug"]: r for r in rows}
    assert by_slug["parking"]["rejected"] == "1" and by_slug["parking"]["rejected_rule_no-abuse"] == "1"
    assert by_slug["libraries"]["consultation"] == "'=SUM(1+1) Libraries"
    assert by_slug[""]["received"] == "1"


def test_a_moderator_outside_their_consultations_is_refused(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    post_comment(ann, "parking", world["anchors"][FEE], "Parking is too dear.", "k1")
    item_id = only_item(app)
    with app.app_context():
        service.assign(db.session, world["mo"], world["ids"]["post"], actor_id=world["mo"])
        db.session.commit()
    assert "Parking is too dear." not in mo.get("/moderation/").get_data(as_text=True)
    response = mo.get(f"/moderation/items/{item_id}")
    assert response.status_code == 403 and "You do not moderate this consultation" in response.get_data(as_text=True)
    response = decide(mo, item_id, "1", "approve")
    assert response.status_code == 403 and "You do not moderate this consultation" in response.get_data(as_text=True)
    assert count(app, Decision) == 0


def test_bad_decisions_get_clear_messages_and_leave_the_audit_trail_whole(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    post_comment(ann, "parking", world["anchors"][FEE], "Cheaper permits please.", "k1")
    item_id = only_item(app)
    _html, version = open_item(mo, item_id)
    before = count(app, AuditEntry)
    cases = [
        ({"outcome": "reject", "rules": ["no-such-rule"]}, 400, "That house rule has changed"),
        ({"outcome": "reject"}, 400, "Cite the house rule"),
        ({"outcome": "approve", "note": "x" * 2001}, 400, "the limit is 2,000"),
        ({"outcome": "redact", "rules": ["no-abuse"], "redacted_text": "Cheaper permits please."}, 400,
         "Remove the personal or offending words"),
    ]
    for data, status, message in cases:
        response = mo.post(f"/moderation/items/{item_id}/decide", data={"version": version, **data})
        assert response.status_code == status
        assert message in response.get_data(as_text=True)
    assert count(app, AuditEntry) == before and count(app, Decision) == 0
    assert decide(mo, item_id, version, "approve").status_code == 303
    again = decide(mo, item_id, version, "approve")
    assert again.status_code == 409 and "Mo decided" in again.get_data(as_text=True)
    assert count(app, Decision) == 1
    assert mo.get("/moderation/items/999999").status_code == 404
    assert mo.get("/moderation/?after=garbage").status_code == 400


def test_escalated_items_reach_officials_who_can_decide_them(app, world, auth):
    ann, mo, ola = (auth.client_for(world[w]) for w in ("ann", "mo", "ola"))
    post_comment(ann, "parking", world["anchors"][FEE], "Is this even legal?", "k1")
    item_id = only_item(app)
    assert ola.get(f"/moderation/items/{item_id}").status_code == 403  # not escalated yet
    assert "Is this even legal?" not in ola.get("/moderation/").get_data(as_text=True)
    _html, version = open_item(mo, item_id)
    assert decide(mo, item_id, version, "escalate", note="Legal question").status_code == 303
    queue = ola.get("/moderation/").get_data(as_text=True)
    assert "Items escalated to an official" in queue and "Is this even legal?" in queue
    _html, version = open_item(ola, item_id)
    assert decide(ola, item_id, version, "approve").status_code == 303
    assert "Is this even legal?" in app.test_client().get(
        f"/c/parking/p/{world['anchors'][FEE]}").get_data(as_text=True)


def test_bulk_decision_on_a_selection(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    anchor = world["anchors"][FEE]
    for n in range(3):
        post_comment(ann, "parking", anchor, f"Comment number {n} on fees.", f"k{n}")
    with app.app_context():
        ids = db.session.scalars(select(QueueItem.id).order_by(QueueItem.id)).all()
    response = mo.post("/moderation/bulk", data={"item_ids": [str(i) for i in ids[:2]],
                                                 "outcome": "approve"}, follow_redirects=True)
    assert "2 items decided" in response.get_data(as_text=True)
    page = app.test_client().get(f"/c/parking/p/{anchor}").get_data(as_text=True)
    assert "Comment number 0" in page and "Comment number 1" in page and "Comment number 2" not in page
    nothing = mo.post("/moderation/bulk", data={"outcome": "approve"}, follow_redirects=True)
    assert "Select at least one item." in nothing.get_data(as_text=True)


def test_bulk_decision_on_a_campaign_group(app, world, auth):
    anchor = world["anchors"][FEE]
    text = "Scrap the visitor fees now, says the campaign."
    for n, who in enumerate(("ann", "cat", "dan")):
        post_comment(auth.client_for(world[who]), "parking", anchor, text, f"c{n}")
    with app.app_context():
        key = db.session.scalar(select(QueueItem.campaign_key).where(QueueItem.campaign_key.is_not(None)))
    mo = auth.client_for(world["mo"])
    assert "Campaign group" in mo.get("/moderation/").get_data(as_text=True)
    assert "The whole campaign group" in mo.get(f"/moderation/?campaign={key}").get_data(as_text=True)
    response = mo.post("/moderation/bulk", data={"campaign": key, "outcome": "approve"},
                       follow_redirects=True)
    assert "3 items decided" in response.get_data(as_text=True)
    assert count(app, Comment, Comment.status == "published") == 3


def test_a_selection_is_decided_against_the_text_shown_in_the_queue(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    post_comment(ann, "parking", world["anchors"][FEE], "Fees are fine.", "k1")
    post_comment(ann, "parking", world["anchors"][FEE], "Fees should fund buses.", "k2")
    queue = mo.get("/moderation/").get_data(as_text=True)
    shown = dict(re.findall(r'name="version-(\d+)" value="(\d+)"', queue))
    assert len(shown) == 2 and "Fees should fund buses." in queue  # the whole text, not an excerpt
    edited = only_item(app, "Fees are fine.")
    with app.app_context():
        item = db.session.get(QueueItem, edited)
        service.text_edited(db.session, item.comment_id, "Fees are fine, but not on Sundays.", 2)
        db.session.commit()
    data = {"item_ids": list(shown), "outcome": "approve", **{f"version-{k}": v for k, v in shown.items()}}
    page = mo.post("/moderation/bulk", data=data, follow_redirects=True).get_data(as_text=True)
    assert "1 item decided: Approved" in page and f"Item {edited} was not changed" in page
    assert count(app, Comment, Comment.status == "published") == 1
    assert "Fees are fine, but not on Sundays." in mo.get("/moderation/").get_data(as_text=True)


def test_officials_publish_a_new_rules_version_after_a_preview(app, world, auth):
    ola = auth.client_for(world["ola"])
    form = ola.get("/moderation/rules/new").get_data(as_text=True)
    assert "{#on-topic}" in form  # the current source, to edit
    source = "# House rules\n\nBe kind.\n\n## 1. Be kind {#be-kind}\n\nNo insults.\n"
    preview = ola.post("/moderation/rules/new", data={"source": source, "note": "Shorter", "preview": "Preview"})
    assert preview.status_code == 200 and "Preview: 1 rule" in preview.get_data(as_text=True)
    assert "Version 2" not in app.test_client().get("/house-rules").get_data(as_text=True)
    bad = ola.post("/moderation/rules/new", data={"source": "# Nothing", "preview": "Preview"})
    assert bad.status_code == 400 and "at least one rule" in bad.get_data(as_text=True)
    done = ola.post("/moderation/rules/new", data={"source": source, "note": "Shorter", "publish": "Publish"})
    assert done.status_code == 303
    page = app.test_client().get("/house-rules").get_data(as_text=True)
    assert "Version 2" in page and 'id="be-kind"' in page
    assert "Version 1" in app.test_client().get("/house-rules?version=1").get_data(as_text=True)
    assert auth.client_for(world["mo"]).get("/moderation/rules/new").status_code == 403


def test_audit_trail_is_newest_first_and_paginated(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    post_comment(ann, "parking", world["anchors"][FEE], "A fair plan.", "k1")
    item_id = only_item(app)
    _html, version = open_item(mo, item_id)
    decide(mo, item_id, version, "approve")
    html = mo.get("/moderation/audit").get_data(as_text=True)
    assert html.index("Decided") < html.index("Opened to decide") < html.index("Held for a moderator")
    assert mo.get("/moderation/audit?before=abc").status_code == 400
    assert auth.client_for(world["ola"]).get("/moderation/audit").status_code == 403


def test_an_administrator_assigns_moderators_to_consultations_and_takes_them_off(app, world, auth, make_user):
    admin = auth.client_for(make_user("root@example.org", name="Root", role="admin"))
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    post_comment(ann, "parking", world["anchors"]["Residents pay a yearly fee for a permit."],
                 "Permits cost too much.", "k1")
    assert mo.get("/moderation/assignments").status_code == 403
    page = admin.get("/moderation/assignments").get_data(as_text=True)
    assert "Every consultation (none assigned)" in page and "Mo" in page

    response = admin.post("/moderation/assignments",
                          data={"user_id": world["mo"], "consultation_id": world["ids"]["post"]},
                          follow_redirects=True)
    assert "Mo now moderates =SUM(1+1) Libraries." in response.get_data(as_text=True)
    assert "Permits cost too much." not in mo.get("/moderation/").get_data(as_text=True)

    refusals = [
        ({"user_id": world["mo"], "consultation_id": world["ids"]["post"]}, 409, "already assigned"),
        ({"user_id": world["ola"], "consultation_id": world["ids"]["post"]}, 400, "give them the moderator role first"),
        ({"user_id": world["mo"], "consultation_id": 9999}, 404, "no such consultation"),
        ({"user_id": "", "consultation_id": ""}, 400, "Choose a moderator and a consultation"),
    ]
    for data, status, message in refusals:
        response = admin.post("/moderation/assignments", data=data)
        assert response.status_code == status and message in response.get_data(as_text=True), data
    response = admin.post("/moderation/assignments/remove",
                          data={"user_id": world["bea"], "consultation_id": world["ids"]["pre"]})
    assert response.status_code == 404 and "not assigned to that consultation" in response.get_data(as_text=True)

    # "Remove" asks first, and says that with nothing left assigned Mo moderates everything again.
    remove_link = re.search(r'href="(/moderation/assignments/remove\?[^"]+)"',
                            admin.get("/moderation/assignments").get_data(as_text=True)).group(1)
    confirm = admin.get(remove_link.replace("&amp;", "&"))
    assert confirm.status_code == 200
    assert "moderate <strong>every consultation</strong> again" in confirm.get_data(as_text=True)
    assert "Permits cost too much." not in mo.get("/moderation/").get_data(as_text=True)  # nothing changed yet
    missing = admin.get(f"/moderation/assignments/remove?user_id={world['bea']}&consultation_id={world['ids']['pre']}")
    assert missing.status_code == 404 and "not assigned to that consultation" in missing.get_data(as_text=True)
    response = admin.post("/moderation/assignments/remove",
                          data={"user_id": world["mo"], "consultation_id": world["ids"]["post"]}, follow_redirects=True)
    assert "Mo no longer moderates =SUM(1+1) Libraries." in response.get_data(as_text=True)
    assert "Permits cost too much." in mo.get("/moderation/").get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.action.in_(("assigned", "unassigned"))).order_by(AuditEntry.id)).all()
    assert actions == ["assigned", "unassigned"]


def _textarea(html: str, name: str) -> str:
    """A textarea's text exactly as the page sends it (WTForms starts it with a line break)."""
    import html as html_module
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    return html_module.unescape(found.group(1))


def test_keeping_the_prefilled_rules_publishes_the_same_rules_and_no_front_matter_rule(app, world, auth):
    ola = auth.client_for(world["ola"])
    source = _textarea(ola.get("/moderation/rules/new").get_data(as_text=True), "source")
    assert source.lstrip().startswith("---\ntitle: House rules")  # the default text, front matter first
    preview = ola.post("/moderation/rules/new", data={"source": source, "preview": "Preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Preview: 8 rules" in html
    assert "<strong>title: House rules</strong>" not in html
    assert "Title (from the front matter)" in html
    done = ola.post("/moderation/rules/new", data={"source": source, "note": "Same again",
                                                   "publish": "Publish"})
    assert done.status_code == 303
    with app.app_context():
        latest = service.current_rules(db.session)
        assert latest.number == 2
        assert [r["anchor"] for r in latest.rules][0] == "on-topic"
        assert len(latest.rules) == 8
    page = app.test_client().get("/house-rules").get_data(as_text=True)
    assert "<title>House rules" in page and 'id="title-house-rules"' not in page
    header = app.test_client().get("/moderation/statistics.csv").get_data(as_text=True).splitlines()[0]
    assert "title-house-rules" not in header and "rejected_rule_on-topic" in header
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    post_comment(ann, "parking", world["anchors"][FEE], "Off topic.", "k1")
    item_id = only_item(app)
    _html, version = open_item(mo, item_id)
    refused = decide(mo, item_id, version, "reject", rules=["title-house-rules"])
    assert refused.status_code == 400 and "That house rule has changed" in refused.get_data(as_text=True)
    assert "title-house-rules" not in refused.get_data(as_text=True).split('id="problem"')[1].split("</div>")[0]


@pytest.mark.parametrize("source, message", [
    ("---\ntitle: Rules\n---\n# Rules\n\nBe nice.\n", "at least one rule"),
    ("# Rules\n\n## {#empty}\n\nNo title.\n", "Line 3: this rule has no title"),
    ("# Rules\n\n## 4.\n\nOnly a number.\n", "this rule has no title"),
    ("# Rules\n\n---\ntitle: Rules\n---\n\n## 1. Be kind\n\nPlease.\n", "underlined with ---"),
    ("---\ntitle: Rules\nowner: Bea\n---\n## 1. Be kind\n\nPlease.\n", "may give only a title and a note"),
])
def test_a_rules_text_without_proper_rules_is_refused_with_a_message(app, world, source, message, auth):
    ola = auth.client_for(world["ola"])
    for button in ("preview", "publish"):
        response = ola.post("/moderation/rules/new", data={"source": source, button: "x"})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert service.current_rules(db.session).number == 1


def _appeal(app, client, decision_id, reason="Please look again."):
    response = client.post(f"/me/decisions/{decision_id}/appeal", data={"reason": reason})
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        return db.session.scalar(select(QueueItem.id).where(QueueItem.source == "appeal")
                                 .order_by(QueueItem.id.desc()))


def test_the_outcome_of_an_appeal_is_final(app, world, auth):
    ann, mo, first = _rejected(app, world, auth)
    appeal_item = _appeal(app, ann, first)
    bea = auth.client_for(world["bea"])
    _html, version = open_item(bea, appeal_item)
    assert decide(bea, appeal_item, version, "reject", rules=["no-abuse"]).status_code == 303
    with app.app_context():
        second = db.session.scalar(select(Decision.id).order_by(Decision.id.desc()))
    mail = outbox(app)[0]
    assert mail.subject.startswith("The outcome of your appeal")
    assert "final" in mail.body and "/appeal" not in mail.body

    mine = ann.get("/me/comments").get_data(as_text=True)
    assert "Outcome of your appeal (final)" in mine
    assert f"/me/decisions/{second}/appeal" not in mine and f"/me/decisions/{first}/appeal" not in mine
    page = ann.get(f"/me/decisions/{second}/appeal").get_data(as_text=True)
    assert "the outcome of an appeal is final" in page and "Send my appeal" not in page
    refused = ann.post(f"/me/decisions/{second}/appeal", data={"reason": "Again, please."})
    assert refused.status_code == 409 and "the outcome of an appeal is final" in refused.get_data(as_text=True)
    assert count(app, QueueItem, QueueItem.source == "appeal") == 1
    assert count(app, AuditEntry, AuditEntry.action == "appeal_decided") == 1


def test_no_one_who_took_part_in_an_earlier_decision_decides_the_appeal_or_claims_it(app, world, auth):
    ann, mo, ola = (auth.client_for(world[n]) for n in ("ann", "mo", "ola"))
    post_comment(ann, "parking", world["anchors"][FEE], "Rubbish plan by rubbish people.", "k1")
    item_id = only_item(app)
    _html, version = open_item(mo, item_id)
    assert decide(mo, item_id, version, "escalate").status_code == 303  # Mo takes part
    _html, version = open_item(ola, item_id)
    assert decide(ola, item_id, version, "reject", rules=["no-abuse"]).status_code == 303
    with app.app_context():
        decided = db.session.scalar(select(Decision.id).where(Decision.outcome == "reject"))
    appeal_item = _appeal(app, ann, decided)

    html = mo.get(f"/moderation/items/{appeal_item}").get_data(as_text=True)
    assert "You cannot decide this appeal" in html and "as did <bdi>Ola</bdi>" in html
    assert "Who may decide it: <bdi>Bea</bdi>." in html
    assert 'id="decision-form"' not in html and "Approve and publish" not in html
    with app.app_context():
        item = db.session.get(QueueItem, appeal_item)
        assert item.claimed_by is None
        version = str(item.version)
    assert count(app, AuditEntry, AuditEntry.action == "claimed", AuditEntry.actor_id == world["mo"]) == 1
    refused = decide(mo, appeal_item, version, "reject", rules=["no-abuse"])
    assert refused.status_code == 403 and "another moderator must review it" in refused.get_data(as_text=True)

    bea = auth.client_for(world["bea"])
    html, version = open_item(bea, appeal_item)
    assert "is looking at this too" not in html  # Mo only read it
    assert decide(bea, appeal_item, version, "approve").status_code == 303
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "appeal_decided"))
        assert entry.actor_id == world["bea"] and entry.detail["outcome"] == "overturned"


def _page_figures(html: str, consultation_id: int) -> dict[str, str]:
    section = html.split(f'aria-labelledby="stats-{consultation_id}"', 1)[1].split("</section>", 1)[0]
    figures = dict(re.findall(r'data-field="([a-z_]+)"><dt>[^<]*</dt><dd>([^<]*)</dd>', section))
    figures.update({f"rejected_rule_{a}": n for a, n in re.findall(
        r'data-rule="([a-z-]+)">.*?</td><td>(\d+)</td>', section)})
    return figures


def test_statistics_count_each_comment_once_by_where_it_stands_and_add_up(app, world, auth):
    ann, cat, dan, eve = (auth.client_for(world[n]) for n in ("ann", "cat", "dan", "eve"))
    mo, bea = auth.client_for(world["mo"]), auth.client_for(world["bea"])
    anchor = world["anchors"][FEE]

    def decide_latest(client, outcome, rules=(), redacted=None):
        item_id = only_item(app)
        _html, version = open_item(client, item_id)
        assert decide(client, item_id, version, outcome, rules, redacted=redacted).status_code == 303
        with app.app_context():
            return db.session.scalar(select(Decision.id).order_by(Decision.id.desc()))

    # Rejected, appealed, rejected again: one comment, not published.
    post_comment(ann, "parking", anchor, "Rubbish plan by rubbish people.", "k1")
    _appeal(app, ann, decide_latest(mo, "reject", ["no-abuse"]))
    decide_latest(bea, "reject", ["no-abuse"])
    # Rejected, redacted on appeal, then removed after readers' reports: one comment, removed.
    post_comment(cat, "parking", anchor, "Idiots, the fee is too high.", "k2")
    _appeal(app, cat, decide_latest(mo, "reject", ["no-abuse"]))
    decide_latest(bea, "redact", ["no-abuse"], redacted="[removed], the fee is too high.")
    with app.app_context():
        cat_comment = db.session.scalar(select(Comment.id).where(Comment.author_id == world["cat"]))
    for reader in (ann, dan, eve):
        assert reader.post(f"/c/parking/comments/{cat_comment}/flag",
                           data={"rule": "no-abuse"}).status_code == 303
    decide_latest(mo, "reject", ["no-abuse"])
    post_comment(dan, "parking", anchor, "A fair plan.", "k3")
    decide_latest(mo, "approve")
    post_comment(eve, "parking", anchor, "Still waiting.", "k4")
    post_comment(ann, "libraries", world["anchors"]["Libraries open at nine."], "Open at eight.", "k5")

    rows = {r["slug"]: r for r in csv.DictReader(io.StringIO(
        app.test_client().get("/moderation/statistics.csv").get_data(as_text=True)))}
    parking = rows["parking"]
    assert {k: parking[k] for k in ("received", "rejected", "redacted", "approved", "waiting",
                                    "published_without_review", "appealed", "overturned",
                                    "rejected_rule_no-abuse", "held", "flagged")} == {
        "received": "4", "rejected": "2", "redacted": "0", "approved": "1", "waiting": "1",
        "published_without_review": "0", "appealed": "2", "overturned": "1",
        "rejected_rule_no-abuse": "2", "held": "4", "flagged": "1"}
    for row in rows.values():
        assert sum(int(row[k]) for k in service.STANDING) == int(row["received"])
    assert rows[""]["received"] == "5" and rows["libraries"]["published_without_review"] == "1"

    html = app.test_client().get("/moderation/statistics").get_data(as_text=True)
    for slug, cid in (("parking", world["ids"]["pre"]), ("libraries", world["ids"]["post"])):
        on_page = _page_figures(html, cid)
        hours = on_page.pop("median_hours_to_decision")
        assert hours == "no decisions yet" if not rows[slug]["median_hours_to_decision"] else (
            hours == rows[slug]["median_hours_to_decision"] + " hours")
        assert on_page == {k: rows[slug][k] for k in on_page}
        assert set(service.STANDING) <= set(on_page)


def _flashes(client, response) -> str:
    """The page a redirect leads to, where the flashed messages are shown."""
    assert response.status_code == 303
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_bulk_decision_without_a_rule_is_refused_once_and_claims_nothing_decided(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    for key, text in (("k1", "Off topic one."), ("k2", "Off topic two.")):
        post_comment(ann, "parking", world["anchors"][FEE], text, key)
    with app.app_context():
        items = db.session.scalars(select(QueueItem)).all()
        data = {"item_ids": [str(i.id) for i in items], "outcome": "reject", "back": "/moderation/",
                **{f"version-{i.id}": str(i.version) for i in items}}
    refused = mo.post("/moderation/bulk", data=data)  # the queue again, with what was ticked
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and html.count("Cite the house rule the comment breaks") == 1
    assert "items decided" not in html and "have been told" not in html
    assert count(app, Decision) == 0


def test_pages_name_people_rules_and_outcomes_in_plain_english(app, world, auth):
    ann, mo, bea = (auth.client_for(world[n]) for n in ("ann", "mo", "bea"))
    post_comment(ann, "parking", world["anchors"][FEE], "Ring me on 07700 900123.", "k1")
    item_id = only_item(app)
    _html, stale = open_item(bea, item_id)
    _html, version = open_item(mo, item_id)
    decide(mo, item_id, version, "reject", rules=["personal-information"])
    # Bea decides the same item from the queue with the version she saw: told who decided what.
    html = _flashes(bea, bea.post("/moderation/bulk", data={
        "item_ids": [str(item_id)], f"version-{item_id}": stale, "outcome": "approve",
        "back": "/moderation/"}))
    flashed = " ".join(re.findall(r'<p class="flash[^"]*">(.*?)</p>', html))
    assert "Mo already decided: not published under rule 2 (Do not share personal information)" in flashed
    assert f"user {world['mo']}" not in flashed and "personal-information" not in flashed

    with app.app_context():
        decision_id = db.session.scalar(select(Decision.id))
    appeal_page = ann.get(f"/me/decisions/{decision_id}/appeal").get_data(as_text=True)
    assert "rule 2 (Do not share personal information)" in appeal_page and "rule 2 (2." not in appeal_page

    audit = mo.get("/moderation/audit").get_data(as_text=True)
    assert "Outcome: not published" in audit and "outcome: reject" not in audit
    assert "Under: rule 2 (Do not share personal information)" in audit
    assert "Why: personal information" in audit and "personal_data" not in audit
    assert f"user {world['mo']}" not in audit and f"user {world['ann']}" not in audit

    # A published comment reported by readers: the reason names the rule by its title.
    post_comment(ann, "libraries", world["anchors"]["Libraries open at nine."], "Open at eight.", "k2")
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id).where(Comment.body == "Open at eight."))
    for reader in ("cat", "dan", "eve"):
        auth.client_for(world[reader]).post(f"/c/libraries/comments/{comment_id}/flag",
                                            data={"rule": "on-topic"})
    item_html, _version = open_item(mo, only_item(app))
    assert "Reported by readers under" in item_html and "1. Stay on the consultation" in item_html
    assert "rule 'on-topic'" not in item_html
    assert "rule &#39;on-topic&#39;" not in mo.get("/moderation/").get_data(as_text=True)

    until = (utcnow() + timedelta(days=7)).date()
    done = mo.post(f"/moderation/users/{world['ann']}/sanctions",
                   data={"kind": "suspend", "reason": "Repeated abuse", "ends_at": until.isoformat(),
                         "confirmed": "1"})
    page = _flashes(mo, done)
    assert f"Suspension is in force for Ann until {until:%-d %B %Y}" in page
    assert "this suspension" in page and "this suspend<" not in page and "(suspend)" not in page


def test_a_user_placed_under_a_measure_is_told_by_mail_why_and_until_when(app, world, auth):
    mo = auth.client_for(world["mo"])
    until = (utcnow() + timedelta(days=7)).date()
    assert mo.post(f"/moderation/users/{world['ann']}/sanctions",
                   data={"kind": "suspend", "reason": "Repeated abuse",
                         "ends_at": until.isoformat(), "confirmed": "1"}).status_code == 303
    mail = outbox(app)[0]
    assert mail.to == "ann@example.org"
    assert mail.subject == f"Your account is suspended from posting comments until {until:%-d %B %Y}"
    assert "The reason: Repeated abuse" in mail.body
    assert f"It ends on {until:%-d %B %Y} at 23:59, Europe/London time." in mail.body
    assert mo.post(f"/moderation/users/{world['cat']}/sanctions",
                   data={"kind": "premoderate", "reason": "Links to adverts"}).status_code == 303
    mail = outbox(app)[0]
    assert mail.to == "cat@example.org" and "checked before they are published" in mail.subject
    assert "The reason: Links to adverts" in mail.body and "no end date" in mail.body
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.kind == "sanction")) == 2


def test_decision_mail_links_the_rules_in_the_version_cited(app, world, auth):
    ann, mo, decision_id = _rejected(app, world, auth)
    mail = outbox(app)[0]
    assert "/house-rules?version=1#no-abuse" in mail.body
    assert "rule 3 (No abuse, threats or discrimination)" in mail.body
    assert f"/me/decisions/{decision_id}/appeal" in mail.body


def test_names_and_texts_on_moderation_pages_are_isolated_from_the_text_around_them(app, world, auth, make_user):
    # U+202E (right-to-left override) would otherwise turn the rest of the line around: "By Nadia,
    # on paragraph 1.2" could read as anything. A paired override is kept (mixed scripts need it)
    # but stays inside the name's <bdi> or the text's dir="auto" block.
    name, body = "\u202eNadia\u202c", "Fees are \u202etoo high\u202c for carers."
    nadia = make_user("nadia@example.org", name=name)
    author, mo = auth.client_for(nadia), auth.client_for(world["mo"])
    anchor = world["anchors"][FEE]
    assert post_comment(author, "parking", anchor, body, "k1").status_code == 303
    item_id = only_item(app)
    assert f'<p class="excerpt" dir="auto">{body}</p>' in mo.get("/moderation/").get_data(as_text=True)
    html, version = open_item(mo, item_id)
    assert f'<pre class="item-text" dir="auto">{body}</pre>' in html
    assert f"By <a href=\"/moderation/users/{nadia}\"><bdi>{name}</bdi></a>" in html
    assert f"<h1><bdi>{name}</bdi></h1>" in mo.get(f"/moderation/users/{nadia}").get_data(as_text=True)
    assert decide(mo, item_id, version, "approve").status_code == 303

    with app.app_context():
        parent_id = db.session.scalar(select(Comment.id).where(Comment.author_id == nadia))
    ann = auth.client_for(world["ann"])
    reply = ann.post(f"/c/parking/p/{anchor}/comments",
                     data={"body": "I agree.", "submission_key": "k2", "parent_id": str(parent_id),
                           "respondent_type": "individual", "show_name": "name"})
    assert reply.status_code == 303
    html, _version = open_item(mo, only_item(app, "I agree."))
    assert f"<h3>In reply to <bdi>{name}</bdi></h3>" in html
    assert '<div class="comment-body quoted" dir="auto"><p>Fees are \u202etoo high\u202c' in html
    page = author.get("/account").get_data(as_text=True)
    assert f'<span class="signed-in">Signed in as <bdi>{name}</bdi></span>' in page
    assert f"<dd><bdi>{name}</bdi></dd>" in page
    assert "<title>Your account" in page and "<bdi>" not in page.split("</title>")[0]

    reason = "Adverts \u202efor a car park\u202c"
    assert mo.post(f"/moderation/users/{nadia}/sanctions",
                   data={"kind": "premoderate", "reason": reason}).status_code == 303
    assert f'<span dir="auto">{reason}</span><br><span class="hint">by <bdi>Mo</bdi></span>' \
        in mo.get(f"/moderation/users/{nadia}").get_data(as_text=True)
    audit = mo.get("/moderation/audit").get_data(as_text=True)
    assert f'"><bdi>{name}</bdi></a>' in audit and f"<li>Reason: <bdi>{reason}</bdi></li>" in audit
    assert "<li>Outcome: approved and published</li>" in audit  # our own words: not isolated


def test_pages_read_before_any_rules_are_stored_show_the_defaults_and_write_nothing(app, world, auth):
    """No page view writes (two first visits would race): init-db or the first decision publishes."""
    from moderation.models import HouseRulesVersion

    def stored():
        with app.app_context():
            return (db.session.scalar(select(func.count()).select_from(HouseRulesVersion)),
                    db.session.scalar(select(func.count()).select_from(AuditEntry)))

    before = stored()
    assert before[0] == 0
    rules = app.test_client().get("/house-rules")
    assert rules.status_code == 200 and "Version 1" in rules.get_data(as_text=True)
    assert app.test_client().get("/house-rules?version=1").status_code == 200
    assert app.test_client().get("/moderation/statistics").status_code == 200
    queue = auth.client_for(world["mo"]).get("/moderation/")
    assert queue.status_code == 200
    editor = auth.client_for(world["ola"]).get("/moderation/rules/new")
    assert editor.status_code == 200 and "on-topic" in editor.get_data(as_text=True)
    assert stored() == before

    ann = auth.client_for(world["ann"])
    post_comment(ann, "parking", world["anchors"]["Visitors pay by the hour."], "Too dear.", "k1")
    with app.app_context():
        item = db.session.scalar(select(QueueItem))
        item_id, version = item.id, item.version
    mo = auth.client_for(world["mo"])
    mo.get(f"/moderation/items/{item_id}")
    decided = mo.post(f"/moderation/items/{item_id}/decide",
                      data={"outcome": "reject", "rules": ["on-topic"], "version": version})
    assert decided.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Decision.rules_version)) == 1
        assert db.session.scalar(select(HouseRulesVersion.number)) == 1
