"""Moderation wording and consistency: one name for each rule, plain words, times in the site's zone."""
from __future__ import annotations

import html as html_lib
import re
from datetime import datetime

import pytest
from helpers import fresh_app, outbox
from sqlalchemy import select

from consult.extensions import db
from consult.models import Comment, Paragraph, utcnow
from moderation import service
from moderation.models import Decision, QueueItem
from tests.test_moderation_views import make_people

DOC = """---
title: Parking Policy
---
# Parking Policy

## 1. Fees {#fees}

Residents pay a yearly fee for a permit.

Visitors pay by the hour.
"""

LIBRARIES = """---
title: Libraries
---
# Libraries

## Opening hours {#hours}

Libraries open at nine.
"""

# Rules whose titles are not numbered 1..n in order: a rule's position is not its number.
RULES = """---
title: House rules
---
# House rules

What may be published here.

## 5. Do not share personal information {#personal-information}

No phone numbers or addresses.

## 9. No abuse, threats or discrimination {#no-abuse}

Disagree with ideas, not people.

## 4. No spam {#no-spam}

No adverts.

## 1. Stay on the consultation's subject {#on-topic}

Comment on the document.
"""

FEE = "Visitors pay by the hour."
PHONE = "Ring me on 07700 900123 about the fees."


@pytest.fixture
def app(database_url, tmp_path):
    """The application with its site time zone set, as the pages and mail show times in it."""
    yield from fresh_app(database_url, tmp_path, SITE_TIMEZONE="Europe/London")


@pytest.fixture
def world(app, make_user, make_consultation):
    """A pre-moderated and a post-moderated consultation, house rules version 2 (numbered out of
    order), citizens, two moderators, an administrator and an official."""
    make_consultation("parking", DOC, "pre")
    make_consultation("libraries", LIBRARIES, "post")
    with app.app_context():
        service.current_rules(db.session)
        service.publish_rules(db.session, RULES, "Renumbered.", actor_id=None)
        db.session.commit()
        anchors = {p.text: p.anchor for p in db.session.scalars(select(Paragraph))}
    return {"anchors": anchors, **make_people(make_user, ada="admin")}


def post_comment(client, slug, anchor, body, key):
    return client.post(f"/c/{slug}/p/{anchor}/comments",
                       data={"body": body, "submission_key": key, "respondent_type": "individual",
                             "show_name": "name"})


def latest_item(app, **where) -> QueueItem:
    with app.app_context():
        query = select(QueueItem).order_by(QueueItem.id.desc())
        for key, value in where.items():
            query = query.where(getattr(QueueItem, key) == value)
        item = db.session.scalars(query).first()
        db.session.expunge(item)
        return item


def open_item(client, item_id):
    response = client.get(f"/moderation/items/{item_id}")
    assert response.status_code == 200, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', html)
    return html, version.group(1) if version else None


def decide(client, item_id, version, outcome, rules=(), note=""):
    return client.post(f"/moderation/items/{item_id}/decide",
                       data={"outcome": outcome, "version": version, "rules": list(rules), "note": note})


INLINE_TAG = re.compile(r"</?(?:a|strong|em|bdi|span|time|kbd)\b[^>]*>")


def words(page: str) -> str:
    """The page's words as a reader reads them: no tags, single spaces."""
    page = re.sub(r"<[^>]+>", " ", INLINE_TAG.sub("", page))
    return re.sub(r"\s+", " ", html_lib.unescape(page))


def flashes(client, response) -> str:
    return words(client.get(response.headers["Location"]).get_data(as_text=True))


PERSONAL = "rule 5 (Do not share personal information)"
ABUSE = "rule 9 (No abuse, threats or discrimination)"
PERSONAL_LINK = f'<a href="/house-rules?version=2#personal-information">{PERSONAL}</a>'
ABUSE_LINK = f'<a href="/house-rules?version=2#no-abuse">{ABUSE}</a>'


# --- 1. one label for each rule, linked in its version --------------------------------------

def test_every_page_and_notice_names_a_rule_by_the_number_in_its_title_and_links_its_version(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    sent = post_comment(ann, "parking", world["anchors"][FEE], PHONE, "k1")
    assert sent.status_code == 303
    told = flashes(ann, sent)
    assert f"Our automatic check found a phone number, under {PERSONAL}." in told

    mine = ann.get("/me/comments").get_data(as_text=True)
    notice = mine[mine.index('class="held-notice"'):]
    notice = notice[:notice.index("</div>")]
    assert f"a phone number, under {PERSONAL_LINK}" in notice
    assert "rule 1" not in words(notice)

    item = latest_item(app)
    queue = mo.get("/moderation/").get_data(as_text=True)
    assert f"({PERSONAL})" in words(queue) and "(rule 1)" not in words(queue)

    html, version = open_item(mo, item.id)
    assert PERSONAL_LINK in html
    assert decide(mo, item.id, version, "reject", rules=["personal-information", "no-abuse"]).status_code == 303

    mine = ann.get("/me/comments").get_data(as_text=True)
    decided = mine[mine.index('class="decisions"'):]
    decided = decided[:decided.index("</ul>")]
    assert f"Not published under {PERSONAL_LINK} and {ABUSE_LINK}" in decided
    assert "rule 1" not in words(decided) and "rule 2" not in words(decided)

    html, _version = open_item(mo, item.id)
    history = html[html.index("Decisions on this comment"):]
    assert f"under {PERSONAL_LINK}, {ABUSE_LINK}" in history[:history.index("</ul>")]

    person = mo.get(f"/moderation/users/{world['ann']}").get_data(as_text=True)
    assert f"{PERSONAL_LINK}, {ABUSE_LINK}" in person and "rule 1<" not in person

    mail = [m for m in outbox(app) if m.to == "ann@example.org"][0]
    assert f"was not published under {PERSONAL} and {ABUSE}" in mail.body

    rules_page = app.test_client().get("/house-rules").get_data(as_text=True)
    assert 'aria-label="Rule 5 (Do not share personal information)"' in rules_page


def test_readers_reports_name_the_rule_by_its_label_in_the_queue_and_on_the_item(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    post_comment(ann, "libraries", world["anchors"]["Libraries open at nine."], "Open at eight.", "k2")
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id).where(Comment.body == "Open at eight."))
    for reader in ("cat", "dan", "eve"):
        auth.client_for(world[reader]).post(f"/c/libraries/comments/{comment_id}/flag",
                                            data={"rule": "on-topic"})
    label = "rule 1 (Stay on the consultation's subject)"
    queue = words(mo.get("/moderation/").get_data(as_text=True))
    assert f"Reported by readers under {label}." in queue
    html, _version = open_item(mo, latest_item(app).id)
    assert (f'Reported by readers under <a href="/house-rules?version=2#on-topic">'
            f"{label.replace(chr(39), '&#39;')}</a>.") in html


# --- 2. no internal values ------------------------------------------------------------------

def test_a_rule_changed_since_the_page_was_opened_is_named_as_it_was_not_by_its_anchor(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    post_comment(ann, "parking", world["anchors"][FEE], PHONE, "k1")
    item = latest_item(app)
    _html, version = open_item(mo, item.id)
    with app.app_context():  # meanwhile an official renames the rule's anchor
        service.publish_rules(db.session, RULES.replace("{#personal-information}", "{#privacy}"),
                              "Anchor renamed.", actor_id=world["ola"])
        db.session.commit()
    refused = decide(mo, item.id, version, "reject", rules=["personal-information"])
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert (f"That house rule ({PERSONAL}) has changed since you opened this page: read it again "
            "and choose again.") in words(page)
    assert "personal-information" not in words(page) and "Unknown house rule" not in page
    assert 'value="privacy"' in page  # the rules in force, to choose again
    with app.app_context():
        assert db.session.scalar(select(Decision.id)) is None


def test_the_user_page_names_the_role_in_plain_words(app, world, auth):
    mo = auth.client_for(world["mo"])
    for who, role in [("ann", "Citizen"), ("bea", "Moderator"), ("ola", "Official"), ("ada", "Administrator")]:
        page = words(mo.get(f"/moderation/users/{world[who]}").get_data(as_text=True))
        assert f"Role: {role}." in page


def test_a_list_as_the_rules_note_is_refused_with_a_message_not_stored_as_python(app, world, auth):
    ola = auth.client_for(world["ola"])
    source = RULES.replace("title: House rules\n", "title: House rules\nnote:\n  - Rule 4 added\n  - Rule 9 clearer\n")
    for button in ("preview", "publish"):
        response = ola.post("/moderation/rules/new", data={"source": source, button: "x"})
        page = words(response.get_data(as_text=True))
        assert response.status_code == 400
        assert "The front matter's note must be text on one line" in page and "['" not in page
    with app.app_context():
        assert service.current_rules(db.session).number == 2
    fine = source.replace("note:\n  - Rule 4 added\n  - Rule 9 clearer\n", "note: 'Rule 4: added'\n")
    assert ola.post("/moderation/rules/new", data={"source": fine, "publish": "x"}).status_code == 303
    assert "Rule 4: added" in app.test_client().get("/house-rules").get_data(as_text=True)


# --- 3. the read-only appeal view ------------------------------------------------------------

def _appealed(app, world, auth):
    """Ann's comment rejected by Mo and appealed: (Mo's client, the appeal item's id)."""
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    post_comment(ann, "parking", world["anchors"][FEE], "Rubbish plan by rubbish people.", "k1")
    item = latest_item(app)
    _html, version = open_item(mo, item.id)
    assert decide(mo, item.id, version, "reject", rules=["no-abuse"]).status_code == 303
    with app.app_context():
        decision_id = db.session.scalar(select(Decision.id))
    assert ann.post(f"/me/decisions/{decision_id}/appeal",
                    data={"reason": "It was about the plan."}).status_code == 303
    return mo, latest_item(app, source="appeal").id


def _who_may_decide(html: str) -> str:
    return words(html[html.index("Who may decide it:"):].split("</p>")[0])


def test_the_read_only_appeal_view_offers_no_decision_shortcuts(app, world, auth):
    mo, appeal_id = _appealed(app, world, auth)
    html, _version = open_item(mo, appeal_id)
    assert "You cannot decide this appeal" in html
    assert "<kbd>a</kbd>" not in html and "<kbd>r</kbd>" not in html and "<kbd>e</kbd>" not in html
    bea = auth.client_for(world["bea"])
    html, _version = open_item(bea, appeal_id)  # Bea may decide: the shortcuts are hers to use
    assert "<kbd>a</kbd>" in html and "<kbd>e</kbd>" in html


def test_an_excluded_moderator_is_told_they_may_not_decide_before_anything_about_rules(app, world, auth):
    mo, appeal_id = _appealed(app, world, auth)
    with app.app_context():
        version = str(db.session.get(QueueItem, appeal_id).version)
    refused = decide(mo, appeal_id, version, "reject")  # no rule ticked
    page = words(refused.get_data(as_text=True))
    assert refused.status_code == 403
    assert "another moderator must review it" in page and "Cite the house rule" not in page


def test_who_may_decide_an_escalated_appeal_includes_officials(app, world, auth):
    mo, appeal_id = _appealed(app, world, auth)
    assert "Ola" not in _who_may_decide(open_item(mo, appeal_id)[0])
    bea = auth.client_for(world["bea"])
    _html, version = open_item(bea, appeal_id)
    assert decide(bea, appeal_id, version, "escalate").status_code == 303
    response = mo.get(f"/moderation/items/{appeal_id}")
    assert response.status_code == 200
    who = _who_may_decide(response.get_data(as_text=True))
    assert "Ola" in who and "Ada" in who and "Bea" in who


def test_and_others_is_said_only_when_more_may_decide_than_are_listed(app, world, make_user, auth):
    mo, appeal_id = _appealed(app, world, auth)
    # Bea and Ada may decide; 18 more moderators make exactly 20.
    for n in range(18):
        make_user(f"m{n}@example.org", name=f"Moderator {n:02d}", role="moderator")
    who = _who_may_decide(open_item(mo, appeal_id)[0])
    assert who.count(",") == 19 and "and others" not in who
    make_user("m18@example.org", name="Moderator 18", role="moderator")
    who = _who_may_decide(open_item(mo, appeal_id)[0])
    assert who.count(",") == 20 and who.endswith(", and others.") and "Moderator 18" not in who


# --- 4. appeals are never decided with a campaign ---------------------------------------------

def test_an_open_appeal_never_joins_a_campaign_group_nor_is_decided_with_one(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    text = "Scrap the hourly fee for carers now."
    post_comment(ann, "parking", world["anchors"][FEE], text, "k1")
    first = latest_item(app)
    _html, version = open_item(mo, first.id)
    assert decide(mo, first.id, version, "reject", rules=["on-topic"]).status_code == 303
    with app.app_context():
        decision_id = db.session.scalar(select(Decision.id))
    assert ann.post(f"/me/decisions/{decision_id}/appeal",
                    data={"reason": "It is about the fees."}).status_code == 303
    appeal_id = latest_item(app, source="appeal").id
    for n, who in enumerate(("cat", "dan")):  # Dan's copy makes three authors: a campaign
        post_comment(auth.client_for(world[who]), "parking", world["anchors"][FEE], text, f"c{n}")
    campaign = latest_item(app).campaign_key
    assert campaign
    with app.app_context():
        assert db.session.get(QueueItem, appeal_id).campaign_key is None
        assert appeal_id not in service.campaign_items(db.session, campaign)
    bea = auth.client_for(world["bea"])
    done = bea.post("/moderation/bulk", data={"campaign": campaign, "outcome": "approve",
                                              "back": "/moderation/"})
    assert done.status_code == 303 and "2 items decided" in flashes(bea, done)
    with app.app_context():
        assert db.session.get(QueueItem, appeal_id).state == "waiting"
        assert db.session.scalar(select(Decision.id).where(Decision.item_id == appeal_id)) is None


# --- 5. rejecting a public comment removes it, alone or in bulk --------------------------------

def test_a_bulk_reject_of_a_public_comment_removes_it_as_a_single_decision_does(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    anchor = world["anchors"]["Libraries open at nine."]
    ids = {}
    for key, body in (("single", "Open the car park at six."), ("bulk", "Open the car park at five.")):
        assert post_comment(ann, "libraries", anchor, body, key).status_code == 303
        with app.app_context():
            ids[key] = db.session.scalar(select(Comment.id).where(Comment.body == body))
        for reader in ("cat", "dan", "eve"):  # reported by readers: reviewed while public
            auth.client_for(world[reader]).post(f"/c/libraries/comments/{ids[key]}/flag",
                                                data={"rule": "on-topic"})
    with app.app_context():
        items = {key: db.session.scalar(select(QueueItem).where(QueueItem.comment_id == cid))
                 for key, cid in ids.items()}
        assert all(item.published for item in items.values())
        items = {key: (item.id, item.version) for key, item in items.items()}
    _html, version = open_item(mo, items["single"][0])
    assert decide(mo, items["single"][0], version, "reject", rules=["on-topic"]).status_code == 303
    done = mo.post("/moderation/bulk", data={
        "item_ids": [str(items["bulk"][0])], f"version-{items['bulk'][0]}": str(items["bulk"][1]),
        "outcome": "reject", "rules": ["on-topic"], "back": "/moderation/"})
    assert "1 item decided: Removed." in flashes(mo, done)
    with app.app_context():
        stored = {key: db.session.scalar(select(Decision.outcome).where(Decision.comment_id == cid))
                  for key, cid in ids.items()}
        comments = {key: db.session.get(Comment, cid) for key, cid in ids.items()}
        shown = {key: (c.status, c.status_reason) for key, c in comments.items()}
    assert stored == {"single": "remove", "bulk": "remove"}
    label = "rule 1 (Stay on the consultation's subject)"
    assert shown["single"] == shown["bulk"] == ("removed", f"Removed by a moderator under {label}.")
    page = app.test_client().get(f"/c/libraries/p/{anchor}").get_data(as_text=True)
    placeholder = f'">Removed by a moderator under {label.replace(chr(39), "&#39;")}.</p>'
    assert page.count(placeholder) == 2 and page.count('<p class="placeholder" id="comment-') == 2
    mine = words(ann.get("/me/comments").get_data(as_text=True))
    assert mine.count(f"Removed under {label}") == 2 and "Not published under" not in mine


# --- 6. a measure ends at the end of the chosen day where people read the time ------------------

@pytest.mark.parametrize("month, stored_hour", [(1, 23), (7, 22)], ids=["winter GMT", "summer BST"])
def test_a_suspension_ends_at_the_end_of_the_chosen_day_in_the_site_zone_everywhere(app, world, auth, month,
                                                                                    stored_hour):
    mo, ann = auth.client_for(world["mo"]), auth.client_for(world["ann"])
    year = utcnow().year + 1
    day = datetime(year, month, 15).date()
    done = mo.post(f"/moderation/users/{world['ann']}/sanctions",
                   data={"kind": "suspend", "reason": "Repeated abuse", "ends_at": day.isoformat(),
                         "confirmed": "1"})
    assert done.status_code == 303
    assert f"Suspension is in force for Ann until 15 {day:%B} {year}." in flashes(mo, done)
    with app.app_context():
        stored = service.active_sanctions(db.session, world["ann"])[0].ends_at
    assert stored == datetime(year, month, 15, stored_hour, 59)  # 23:59 in London, in UTC

    page = mo.get(f"/moderation/users/{world['ann']}").get_data(as_text=True)
    assert f"<td>15 {day:%B} {year}, 23:59</td>" in page
    mail = outbox(app)[0]
    assert mail.subject.endswith(f"until 15 {day:%B} {year}")
    assert f"It ends on 15 {day:%B} {year} at 23:59, Europe/London time." in mail.body
    assert "UTC" not in mail.body

    refused = post_comment(ann, "parking", world["anchors"][FEE], "Let me post.", "k1")
    said = words(refused.get_data(as_text=True))
    assert refused.status_code == 403
    assert f"Your account is suspended from posting until 15 {day:%B} {year}, 23:59." in said
    assert "UTC" not in said


def test_without_a_zone_the_refusal_says_its_time_is_utc(app, world):
    with app.test_request_context():  # the user is told by mail, with links
        ends = datetime(utcnow().year + 1, 7, 15, 22, 59)
        service.impose_sanction(db.session, world["ann"], "suspend", "Abuse", world["mo"], ends_at=ends)
        refusal = service.posting_refusal(db.session, world["ann"])
        db.session.rollback()
    assert f"until 15 July {ends.year}, 22:59 UTC." in refusal


# --- 7. the audit trail's rules entries -------------------------------------------------------

def test_the_audit_trail_names_a_published_rules_version_once_and_links_it(app, world, auth):
    audit = auth.client_for(world["mo"]).get("/moderation/audit").get_data(as_text=True)
    assert '<a href="/house-rules?version=2">The house rules, version 2</a>' in audit
    assert "<li>Note: <bdi>Renumbered.</bdi></li>" in audit
    assert "Version: 2" not in audit and "Number: 2" not in audit
