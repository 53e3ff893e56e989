"""English that showed on Welsh moderation pages (the audit of pages after POSTs and refusals):
an appeal's outcome on "My comments" and the appeal page, the decision and the rules on the appeal
page, the queue's filter refusals, rule names on the moderators' user and audit pages, the
decision and measure refusals moderation words itself, the house-rules editor's refusals, and a
lost race or a text changed while deciding. Each is read in Welsh and in English."""
from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import select

from consult.extensions import db
from consult.models import Comment
from moderation import service
from moderation.models import Decision
from tests.test_moderation_views import FEE, decide, make_world, only_item, open_item, post_comment

ABUSE_EN = "rule 3 (No abuse, threats or discrimination)"
ABUSE_CY = "rheol 3 (Dim cam-drin, bygythiadau na gwahaniaethu)"
PERSONAL_CY = "rheol 2 (Peidiwch â rhannu gwybodaeth bersonol)"


@pytest.fixture
def world(make_user, make_consultation):
    return make_world(make_user, make_consultation)


def _welsh(client):
    client.set_cookie("lang", "cy")
    return client


def _text(response) -> str:
    """A page's text: tags removed, entities read, spaces collapsed."""
    page = response.get_data(as_text=True)
    page = re.sub(r"<script\b.*?</script>", " ", page, flags=re.S)
    text = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    return re.sub(r" (?=[.,])", "", text)


def _rejected(app, world, auth):
    """Ann's comment rejected by Mo under rule 3; returns her client, Mo's and the decision's id."""
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    post_comment(ann, "parking", world["anchors"][FEE], "Rubbish plan by rubbish people.", "k1")
    item_id = only_item(app)
    _html, version = open_item(mo, item_id)
    assert decide(mo, item_id, version, "reject", rules=["no-abuse"]).status_code == 303
    with app.app_context():
        return ann, mo, db.session.scalar(select(Decision.id))


def _appeal_decided(app, world, auth, outcome: str):
    """Ann appeals and Bea decides the appeal (`outcome`); returns Ann's client and the first decision."""
    ann, _mo, decision_id = _rejected(app, world, auth)
    assert ann.post(f"/me/decisions/{decision_id}/appeal", data={"reason": "Please look again."}).status_code == 303
    bea = auth.client_for(world["bea"])
    appeal_item = only_item(app)
    _html, version = open_item(bea, appeal_item)
    rules = ["no-abuse"] if outcome == "reject" else []
    assert decide(bea, appeal_item, version, outcome, rules=rules).status_code == 303
    return ann, decision_id


# --- 1. the appeal's outcome on "My comments" and on the appeal page ------------------------------

@pytest.mark.parametrize("outcome, welsh, english", [
    ("approve", "gwrthdrowyd y penderfyniad", "the decision was overturned"),
    ("reject", "cadarnhawyd y penderfyniad", "the decision was upheld"),
])
def test_an_appeals_outcome_is_said_in_welsh_on_my_comments_and_the_appeal_page(app, world, auth, outcome,
                                                                                 welsh, english):
    ann, decision_id = _appeal_decided(app, world, auth, outcome)
    word = english.rsplit(" ", 1)[1]  # "overturned", "upheld"
    mine = _text(_welsh(ann).get("/me/comments"))
    assert f"Fe wnaethoch apelio: {welsh}." in mine, mine
    assert word not in mine
    page = _text(ann.get(f"/me/decisions/{decision_id}/appeal"))
    assert f"Penderfynwyd ar yr apêl: {welsh}. Mae canlyniad apêl yn derfynol." in page, page
    assert word not in page

    ann.set_cookie("lang", "en")
    assert f"You appealed: {english}." in _text(ann.get("/me/comments"))
    assert (f"The appeal was decided: {english}. The outcome of an appeal is final."
            in _text(ann.get(f"/me/decisions/{decision_id}/appeal")))


# --- 2. the appeal page: the decision and the rules it cites --------------------------------------

def test_the_appeal_page_names_the_decision_and_its_rule_in_welsh(app, world, auth):
    ann, _mo, decision_id = _rejected(app, world, auth)
    url = f"/me/decisions/{decision_id}/appeal"
    _welsh(ann)
    for response in (ann.get(url), ann.post(url, data={"reason": ""})):  # the page, and its refusal (400)
        page = _text(response)
        assert f"Heb ei gyhoeddi, gan nodi {ABUSE_CY}" in page, page
        assert "Not published" not in page and ABUSE_EN not in page and "No abuse" not in page
    assert f'#no-abuse">{ABUSE_CY}</a>' in ann.get(url).get_data(as_text=True)

    ann.set_cookie("lang", "en")
    page = _text(ann.get(url))
    assert f"Not published under {ABUSE_EN}" in page, page


# --- 3. the queue's filter refusals ---------------------------------------------------------------

QUEUE_BAD = ("/moderation/?state=zz&consultation=999&source=yy&reason=xx&rule=qq&campaign=ZZ"
             "&older_than=abc&sort=up&q=" + "x" * 300)


def test_the_queues_filter_refusals_are_welsh(app, world, auth):
    mo = _welsh(auth.client_for(world["mo"]))
    response = mo.get(QUEUE_BAD)
    page = _text(response)
    for welsh in ("Nid yw “zz” yn rhan o'r ciw: dewiswch yn aros neu wedi'u cyfeirio.",
                  "Nid oes ymgynghoriad o'r fath ymhlith y rhai rydych yn eu cymedroli: dewiswch un o'r rhestr.",
                  "Nid yw “yy” yn ffynhonnell: dewiswch un o'r rhestr.",
                  "Nid yw “xx” yn rheswm: dewiswch un o'r rhestr.",
                  "Nid yw “qq” yn un o reolau'r wefan, nawr nac mewn fersiwn gynharach: dewiswch un o'r rhestr.",
                  "Nid yw dolen y grŵp ymgyrch honno'n ddilys: agorwch y grŵp eto o eitem yn y ciw.",
                  "Yn aros: nid yw “abc” yn nifer o oriau: dewiswch un o'r rhestr.",
                  "Defnyddiwch 200 nod ar y mwyaf yn eich chwiliad.",
                  "Nid yw “up” yn drefn: dewiswch un o'r rhestr."):
        assert welsh in page, welsh
    for english in ("is not a part of the queue", "among those you moderate", "is not a source",
                    "is not a reason", "is not a house rule", "campaign group link", "is not a number of hours",
                    "Search for at most", "is not an order"):
        assert english not in page, english
    people = _text(mo.get("/moderation/people?q=" + "x" * 300))
    assert "Defnyddiwch 200 nod ar y mwyaf yn eich chwiliad." in people and "Search for at most" not in people

    mo.set_cookie("lang", "en")
    page = _text(mo.get(QUEUE_BAD))
    assert "“zz” is not a part of the queue: choose waiting or escalated." in page
    assert "Waiting: “abc” is not a number of hours: choose one from the list." in page
    assert "Search for at most 200 characters." in page
    assert "Search for at most 200 characters." in _text(mo.get("/moderation/people?q=" + "x" * 300))


# --- 4. rule names on the moderators' user and audit pages ----------------------------------------

def test_the_user_and_audit_pages_name_rules_in_welsh(app, world, auth):
    _ann, mo, _decision_id = _rejected(app, world, auth)
    _welsh(mo)
    user = mo.get(f"/moderation/users/{world['ann']}")
    assert f'#no-abuse">{ABUSE_CY}</a>' in user.get_data(as_text=True)
    assert ABUSE_EN not in _text(user)
    refused = mo.post(f"/moderation/users/{world['ann']}/sanctions", data={"kind": "premoderate", "reason": ""})
    assert refused.status_code == 400 and ABUSE_CY in _text(refused) and ABUSE_EN not in _text(refused)
    audit = mo.get("/moderation/audit").get_data(as_text=True)
    assert '<option value="on-topic">rheol 1 (Cadwch at bwnc yr ymgynghoriad)</option>' in audit
    assert "Stay on the consultation" not in audit

    mo.set_cookie("lang", "en")
    assert f'#no-abuse">{ABUSE_EN}</a>' in mo.get(f"/moderation/users/{world['ann']}").get_data(as_text=True)
    assert ('<option value="on-topic">rule 1 (Stay on the consultation&#39;s subject)</option>'
            in mo.get("/moderation/audit").get_data(as_text=True))


# --- 5. the refusals moderation words itself ------------------------------------------------------

def _renamed_rules(app, *anchors: str) -> None:
    """A new rules version (the default text) with these anchors renamed ("x-" before them)."""
    with app.app_context():
        text = service.DEFAULT_RULES.read_text(encoding="utf-8")
        for anchor in anchors:
            text = text.replace("{#" + anchor + "}", "{#x-" + anchor + "}")
        service.current_rules(db.session)
        service.publish_rules(db.session, text, "Anchors renamed.", actor_id=None)
        db.session.commit()


def _refusal(page: str) -> str:
    """The page's problem box (its text up to the first heading or form that follows)."""
    box = re.search(r"(?:Mae problem|There is a problem)(.*)", page)
    return box.group(1)[:400] if box else page


def test_a_rule_changed_meanwhile_is_refused_in_welsh_one_rule_or_several(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), _welsh(auth.client_for(world["mo"]))
    post_comment(ann, "parking", world["anchors"][FEE], "A comment to decide.", "k1")
    item_id = only_item(app)
    _html, version = open_item(mo, item_id)
    _renamed_rules(app, "personal-information", "no-abuse")

    refused = decide(mo, item_id, version, "reject", rules=["no-such-rule"])
    unknown = _text(refused)
    assert refused.status_code == 400
    assert ("Mae'r rheol honno wedi newid ers i chi agor y dudalen hon: darllenwch y rheolau eto a "
            "dewiswch eto.") in unknown
    one = _text(decide(mo, item_id, version, "reject", rules=["personal-information"]))
    assert (f"Mae'r rheol honno ({PERSONAL_CY}) wedi newid ers i chi agor y dudalen hon: darllenwch hi "
            "eto a dewiswch eto.") in one, one
    two = _text(decide(mo, item_id, version, "reject", rules=["personal-information", "no-abuse"]))
    assert (f"Mae'r rheolau hynny ({PERSONAL_CY} a {ABUSE_CY}) wedi newid ers i chi agor y dudalen hon: "
            "darllenwch nhw eto a dewiswch eto.") in two, two
    for page in (_refusal(unknown), _refusal(one), _refusal(two)):
        assert "has changed" not in page and "have changed" not in page, page

    mo.set_cookie("lang", "en")
    two = _text(decide(mo, item_id, version, "reject", rules=["personal-information", "no-abuse"]))
    assert ("Those house rules (rule 2 (Do not share personal information) and rule 3 (No abuse, threats or "
            "discrimination)) have changed since you opened this page: read them again and choose again.") in two
    with app.app_context():
        assert db.session.scalar(select(Decision.id)) is None


def test_an_unknown_decision_or_measure_is_refused_in_welsh(app, world, auth):
    ann, mo = auth.client_for(world["ann"]), _welsh(auth.client_for(world["mo"]))
    post_comment(ann, "parking", world["anchors"][FEE], "A comment to decide.", "k1")
    item_id = only_item(app)
    _html, version = open_item(mo, item_id)
    decided = decide(mo, item_id, version, "zz")
    assert decided.status_code == 400 and "Penderfyniad anhysbys 'zz'." in _text(decided)
    assert "Unknown decision" not in _text(decided)
    measure = mo.post(f"/moderation/users/{world['ann']}/sanctions", data={"kind": "zz", "reason": "Because."})
    assert measure.status_code == 400
    assert ("Mesur anhysbys 'zz': defnyddiwch gyn-gymedroli, ataliad neu waharddiad."
            in _text(measure)) and "Unknown measure" not in _text(measure)

    mo.set_cookie("lang", "en")
    assert "Unknown decision 'zz'." in _text(decide(mo, item_id, version, "zz"))
    assert ("Unknown measure 'zz': use pre-moderation, suspension or ban." in _text(
        mo.post(f"/moderation/users/{world['ann']}/sanctions", data={"kind": "zz", "reason": "Because."})))


def test_the_english_of_moderations_own_refusals_is_unchanged_without_a_reader():
    with pytest.raises(service.ModerationError) as raised:
        service.impose_sanction(None, 1, "zz", "Because.", 2)  # refused before any query
    assert str(raised.value) == "Unknown measure 'zz': use pre-moderation, suspension or ban."
    assert raised.value.message_id == "Unknown measure '%(kind)s': use pre-moderation, suspension or ban."


# --- 6. the house-rules editor's refusals ---------------------------------------------------------

@pytest.mark.parametrize("source, welsh, english", [
    ("", "rheolau'r wefan: ", "house rules: "),
    ("# Rules\n\n## 1. Be kind {#a}\n\nPlease.\n\n## 2. Be brief {#a}\n\nShort.\n",
     "rheolau'r wefan, llinell ", "house rules, line "),
])
def test_the_rules_editors_document_refusals_name_the_source_in_welsh(app, world, auth, source, welsh, english):
    ola = _welsh(auth.client_for(world["ola"]))
    response = ola.post("/moderation/rules/new", data={"source": source, "preview": "x"})
    said = _refusal(_text(response))
    assert response.status_code == 400 and welsh in said, said
    assert english not in said

    ola.set_cookie("lang", "en")
    response = ola.post("/moderation/rules/new", data={"source": source, "preview": "x"})
    assert response.status_code == 400 and english in _text(response)


# A moderator who loses a race, or finds the text changed, is told so in Welsh: who decided,
# what, under which rule and when (these were English sentences put together in moderation/).
CONFLICT_ENGLISH = ("already decided", "decided at", "Another moderator", "Your decision was not stored.",
           "Nothing was stored", "changed while you were reading", "under rule", "Not published")


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
    assert not [words for words in CONFLICT_ENGLISH if words in said], said


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
    assert not [words for words in CONFLICT_ENGLISH if words in flashed], flashed


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
    assert not [words for words in CONFLICT_ENGLISH if words in said], said


def test_a_welsh_comments_removed_words_are_marked_in_welsh(app, world, auth):
    """Staff walkthrough: the redaction mark "[removed]" stood in the middle of Welsh comments."""
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    ann.post(f"/c/parking/p/{world['anchors'][FEE]}/comments", data={
        "body": "Ffoniwch fi ar 07700 900123 am y ffioedd.", "submission_key": "cy1", "respondent_type": "individual",
        "show_name": "name", "language": "cy"})
    ann.post(f"/c/parking/p/{world['anchors'][FEE]}/comments", data={
        "body": "Ring me on 07700 900124 about the fees.", "submission_key": "en1", "respondent_type": "individual",
        "show_name": "name", "language": "en"})
    welsh_item = only_item(app, "Ffoniwch fi ar 07700 900123 am y ffioedd.")
    page = html_lib.unescape(mo.get(f"/moderation/items/{welsh_item}").get_data(as_text=True))
    assert "Ffoniwch fi ar [wedi'i dynnu] am y ffioedd." in page  # the prefilled redaction
    assert "marked words are replaced by [wedi'i dynnu]." in page and "[removed]" not in page
    english_item = only_item(app, "Ring me on 07700 900124 about the fees.")
    page = html_lib.unescape(mo.get(f"/moderation/items/{english_item}").get_data(as_text=True))
    assert "Ring me on [removed] about the fees." in page
