"""The house rules in the reader's language wherever moderation names them: the report form, the
queue (its rule filter, reason lines and bulk form), an item's page and the decision mail (in the
author's language). Rules an administrator wrote stay as written, marked with their language."""
from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import select, update
from test_moderation_views import decide, make_world, open_item, post_comment

from consult import rules_language
from consult.extensions import db
from consult.models import Comment, Notification, User
from moderation import service
from moderation.models import QueueItem

HOURS = "Libraries open at nine."
NO_ABUSE_CY = "Dim cam-drin, bygythiadau na gwahaniaethu"
PERSONAL_CY = "Peidiwch â rhannu gwybodaeth bersonol"
ADMIN_RULES = """---
title: House rules
---
# House rules

## 1. Be kind {#be-kind}

No insults.

## 2. Stay on topic {#on-topic}

Talk about the consultation.
"""


@pytest.fixture
def world(make_user, make_consultation):
    return make_world(make_user, make_consultation)


def _text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def _held(app, auth, world) -> tuple[int, int]:
    """Ann's comment held by screening for personal information (rule 2): (comment id, item id)."""
    post_comment(auth.client_for(world["ann"]), "libraries", world["anchors"][HOURS],
                 "Nine is too late, write to me at ann.jones@example.org about it.", "k1")
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id))
        item_id = db.session.scalar(select(QueueItem.id).where(QueueItem.comment_id == comment_id))
    assert item_id is not None
    return comment_id, item_id


def test_the_report_form_lists_the_rules_in_welsh(app, world, auth):
    post_comment(auth.client_for(world["ann"]), "libraries", world["anchors"][HOURS], "Too late.", "k1")
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id))
    url = f"/c/libraries/comments/{comment_id}/flag"
    welsh = _text(auth.client_for(world["cat"]).get(url + "?lang=cy"))
    assert NO_ABUSE_CY in welsh and PERSONAL_CY in welsh
    assert "No abuse, threats" not in welsh and "Do not share personal information" not in welsh
    english = _text(auth.client_for(world["cat"]).get(url + "?lang=en"))
    assert "No abuse, threats or discrimination" in english and NO_ABUSE_CY not in english


def test_the_queue_and_an_item_name_the_rules_in_welsh(app, world, auth):
    _comment_id, item_id = _held(app, auth, world)
    mo = auth.client_for(world["mo"])
    queue = _text(mo.get("/moderation/?lang=cy"))
    filter_options = queue[queue.index('id="f-rule"'):queue.index("</select>", queue.index('id="f-rule"'))]
    assert NO_ABUSE_CY in filter_options and "No abuse" not in filter_options
    assert f"(rheol 2 ({PERSONAL_CY}))" in queue  # the reason line
    bulk = queue[queue.index('class="bulk"'):]
    assert PERSONAL_CY in bulk and "Do not share" not in bulk
    assert "No abuse, threats" not in queue and "Do not share personal information" not in queue

    welsh_item = _text(mo.get(f"/moderation/items/{item_id}?lang=cy"))
    assert f"(rheol 2 ({PERSONAL_CY}))" in re.sub(r"<[^>]+>", "", welsh_item)
    assert NO_ABUSE_CY in welsh_item  # the decision form's rules
    assert "No abuse, threats" not in welsh_item and "Do not share personal information" not in welsh_item
    # English readers still read English.
    english = _text(mo.get(f"/moderation/items/{item_id}?lang=en"))
    assert "(rule 2 (Do not share personal information))" in re.sub(r"<[^>]+>", "", english)


def test_the_decision_mail_names_the_rule_in_the_authors_language(app, world, auth):
    comment_id, item_id = _held(app, auth, world)
    with app.app_context():
        db.session.execute(update(User).where(User.id == world["ann"]).values(language="cy"))
        db.session.commit()
    mo = auth.client_for(world["mo"])
    _page, version = open_item(mo, item_id)
    assert decide(mo, item_id, version, "reject", rules=["personal-information"]).status_code == 303
    with app.app_context():
        body = db.session.scalar(select(Notification.body).where(Notification.user_id == world["ann"]))
    assert f"rheol 2 ({PERSONAL_CY})" in body and "Do not share personal information" not in body


def test_rules_an_administrator_wrote_stay_as_written_marked_english(app, world, auth):
    with app.app_context():
        service.publish_rules(db.session, ADMIN_RULES, "Shorter.", None)
        db.session.commit()
    comment_id, item_id = _held(app, auth, world)
    mo = auth.client_for(world["mo"])
    item = mo.get(f"/moderation/items/{item_id}?lang=cy").get_data(as_text=True)
    assert '<label for="decide-rule-be-kind" lang="en">1. Be kind</label>' in item
    queue = mo.get("/moderation/?lang=cy").get_data(as_text=True)
    assert re.search(r'<option value="be-kind"[^>]* lang="en">1. Be kind', queue)
    assert '<label for="bulk-rule-be-kind" lang="en">1. Be kind</label>' in queue
    with app.app_context():  # published now, so a reader may report it under the administrator's rules
        db.session.execute(update(Comment).where(Comment.id == comment_id).values(status="published"))
        db.session.commit()
    form = auth.client_for(world["dan"]).get(f"/c/libraries/comments/{comment_id}/flag?lang=cy")
    assert '<label for="rule-be-kind" lang="en">1. Be kind</label>' in form.get_data(as_text=True)
    # The label helper: the word in Welsh, the title as written, marked English.
    with app.test_request_context("/?lang=cy"):
        assert str(rules_language.rule_name({"number": 1, "title": "1. Be kind", "lang": "en"})) == \
            'rheol 1 (<span lang="en">Be kind</span>)'
        assert str(rules_language.rule_name({"number": 3, "title": f"3. {NO_ABUSE_CY}", "lang": "cy"})) == \
            f"rheol 3 ({NO_ABUSE_CY})"


ADMIN_RULES_CY = """---
title: Rheolau'r wefan
---
# Rheolau'r wefan

## 1. Byddwch yn garedig {#be-kind}

Dim sarhau.

## 2. Cadwch at y pwnc {#on-topic}

Siaradwch am yr ymgynghoriad.
"""


def test_a_new_version_of_the_rules_keeps_its_welsh_text(app, world, auth):
    # Staff walkthrough: after any edit the Welsh house rules page showed the English text; the
    # editor had no Welsh box. Now the editor starts from the Welsh in force, and publishes both.
    ola = auth.client_for(world["ola"])
    editor = _text(ola.get("/moderation/rules/new"))
    assert NO_ABUSE_CY in editor  # the default Welsh text, to edit beside the English
    wrong = ola.post("/moderation/rules/new", data={"source": ADMIN_RULES, "source_cy": ADMIN_RULES_CY.replace(
        "{#on-topic}", "{#ar-bwnc}"), "note": "Shorter.", "preview": "Preview"})
    assert wrong.status_code == 400 and "missing: on-topic; not in the main text: ar-bwnc" in _text(wrong)
    done = ola.post("/moderation/rules/new", data={"source": ADMIN_RULES, "source_cy": ADMIN_RULES_CY,
                                                   "note": "Shorter.", "publish": "Publish this version"})
    assert done.status_code == 303
    welsh = _text(auth.client_for(world["ann"]).get("/house-rules?lang=cy"))
    assert "Byddwch yn garedig" in welsh and "Dim sarhau." in welsh and "Be kind" not in welsh
    english = _text(auth.client_for(world["ann"]).get("/house-rules?lang=en"))
    assert "Be kind" in english and "Byddwch yn garedig" not in english
    # The next edit starts from this Welsh; decisions name the rules in Welsh for Welsh readers.
    assert "Byddwch yn garedig" in _text(ola.get("/moderation/rules/new"))
    with app.test_request_context("/?lang=cy"):
        rules = rules_language.in_force(db.session).rules
        assert [r["title"] for r in rules] == ["1. Byddwch yn garedig", "2. Cadwch at y pwnc"]
        assert {r["lang"] for r in rules} == {"cy"}


def test_the_statistics_name_the_rules_in_welsh(app, world, auth):
    # Walkthrough: the per-rule table of the statistics was English on Welsh pages.
    _comment_id, item_id = _held(app, auth, world)
    mo = auth.client_for(world["mo"])
    _html, version = open_item(mo, item_id)
    assert decide(mo, item_id, version, "reject", rules=["no-abuse"]).status_code == 303
    welsh = _text(app.test_client().get("/moderation/statistics?lang=cy"))
    table = welsh[welsh.index('data-rule="no-abuse"'):][:400]
    assert NO_ABUSE_CY in table and "No abuse" not in table
    english = _text(app.test_client().get("/moderation/statistics?lang=en"))
    assert "No abuse, threats or discrimination" in english[english.index('data-rule="no-abuse"'):][:400]
