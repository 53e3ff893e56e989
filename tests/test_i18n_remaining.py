"""Welsh (issue 21, item 1): the messages that were still English from code, read on a Welsh page and
on an English one: a throttled sign-in, an import refused in the browser and the import report's
headings and notes, a refused publication, a held comment's explanation, the background jobs page,
and the house rules page, whose default text is shown in Welsh under the same rule anchors.
"""
from __future__ import annotations

import html
import io
import re

from sqlalchemy import select
from support.jobs import run_jobs

from consult.extensions import db
from consult.models import Comment
from moderation import service as moderation
from moderation.models import HouseRulesVersion
from tests.helpers import PARKING

RULE_ANCHORS = ["on-topic", "personal-information", "no-abuse", "no-spam", "nothing-illegal",
                "no-impersonation", "pre-election", "language"]


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _words(response) -> str:
    """The page's words without tags, as a reader reads them."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", _text(response)))


def test_a_throttled_sign_in_says_how_long_to_wait_in_the_readers_language(app, make_user):
    make_user("ada@example.org", name="Ada")
    for language, wrong, throttled, wait in (
            ("cy", "Nid yw'r e-bost na'r cyfrinair yn gywir",
             "Bu gormod o ymdrechion i fewngofnodi i'r cyfrif hwn o'ch rhwydwaith", "arhoswch 15 munud"),
            ("en", "Email or password is not right",
             "too many attempts to sign in to this account from your network", "wait 15 minutes")):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "203.0.113.5" if language == "cy" else "198.51.100.7"
        for _ in range(5):
            assert wrong in _text(client.post(f"/login?lang={language}",
                                              data={"email": "ada@example.org", "password": "wrong-password"}))
        blocked = client.post(f"/login?lang={language}", data={"email": "ada@example.org", "password": "x" * 12})
        assert blocked.status_code == 429
        page = _text(blocked)
        assert throttled in page and wait in page
        if language == "cy":
            assert "too many attempts" not in page and "minutes" not in page


ODD = """# 1 Aims

## 1.1 Scope

Text of the scope.

## 1.3 Fees

Fees.

## 1.4 Again

&nbsp;

<script>alert(1)</script>
"""


def test_an_import_refused_and_the_import_report_in_welsh_and_in_english(app, auth, make_user):
    official = auth.login(make_user("olive@example.org", role="official", name="Olive"))

    def post(language: str, files, slug: str = "odd-one"):
        return official.post(f"/manage/new?lang={language}", content_type="multipart/form-data",
                             data={"slug": slug, "moderation_mode": "post", "action": "preview", "files": files})

    refused = _text(post("cy", [(io.BytesIO(b"   \n"), "empty.md")]))
    assert "empty.md: mae'r ffeil yn wag: nid oes gan y ddogfen unrhyw baragraffau." in refused
    assert "the file is empty" not in refused
    assert "empty.md: the file is empty: the document has no paragraphs." in _text(
        post("en", [(io.BytesIO(b"   \n"), "empty.md")]))
    bad_address = _text(post("cy", [(io.BytesIO(ODD.encode()), "odd.md")], slug="Not A Slug"))
    assert "Ni ellir defnyddio'r cyfeiriad 'Not A Slug'" in bad_address and "is not usable" not in bad_address

    report = _text(post("cy", [(io.BytesIO(ODD.encode()), "odd.md")]))
    assert "Adroddiad mewnforio" in report
    for heading in ("Rhifo", "Paragraffau gwag", "HTML crai a dynnwyd"):
        assert f"<h4>{heading} (1)</h4>" in report, heading
    assert "mae pennawd 1.3 (llinell 7) yn dilyn 1.1: a yw 1.2 ar goll?" in report
    assert "odd.md, llinell 15: tynnwyd <script> a'i gynnwys" in report
    assert "nid oes testun ym mharagraff 1.4.1 (odd.md, llinell 13)" in report
    for english in ("Numbering", "Empty paragraphs", "Raw HTML removed", "is 1.2 missing", "has no text"):
        assert english not in report, english

    report = _text(post("en", [(io.BytesIO(ODD.encode()), "odd.md")]))
    assert "<h4>Numbering (1)</h4>" in report and "<h4>Raw HTML removed (1)</h4>" in report
    assert "heading 1.3 (line 7) follows 1.1: is 1.2 missing?" in report
    assert "odd.md, line 15: <script> and its contents were removed" in report


def test_a_refused_publication_says_why_in_the_readers_language(app, auth, make_user, make_consultation):
    make_consultation("parking")  # still open
    official = auth.login(make_user("olive@example.org", role="official", name="Olive"))
    welsh = official.post("/manage/parking/response/publish?lang=cy")
    assert welsh.status_code == 409
    assert "Cyhoeddwch yr ymateb ar ôl i'r ymgynghoriad gau." in _text(welsh)
    assert "Publish the response once the consultation has closed." not in _text(welsh)
    english = official.post("/manage/parking/response/publish?lang=en")
    assert "Publish the response once the consultation has closed." in _text(english)


def test_a_held_comments_explanation_is_in_welsh_with_the_welsh_rule(app, auth, make_user, make_consultation):
    anchor = make_consultation("parking", PARKING).anchors["Visitors pay by the hour."]
    client = auth.login(make_user("ann@example.org", name="Ann"))
    sent = client.post(f"/c/parking/p/{anchor}/comments?lang=cy", data={
        "body": "Ring me on 07700 900123 about the hourly fees.", "submission_key": "k1",
        "respondent_type": "individual", "show_name": "name"}, follow_redirects=True)
    said = _words(sent)
    assert "Canfu ein gwiriad awtomatig: rhif ffôn, yn erbyn rheol 2 (Peidiwch â rhannu gwybodaeth " \
           "bersonol)." in said
    assert "Os byddwch chi'n ei olygu er mwyn tynnu'r rhif ffôn, caiff ei gyhoeddi ar unwaith." in said
    assert "Our automatic check" not in said and "phone number" not in said

    mine = _words(client.get("/me/comments?lang=cy"))
    assert "rhif ffôn, yn erbyn rheol 2 (Peidiwch â rhannu gwybodaeth bersonol)" in mine
    assert "er mwyn tynnu'r rhif ffôn, a bydd yn cael ei gyhoeddi ar unwaith" in mine and "Do not share" not in mine
    english = _words(client.get("/me/comments?lang=en"))
    assert "a phone number, under rule 2 (Do not share personal information)" in english
    assert "remove the phone number" in english


def test_the_jobs_pages_in_welsh(app, auth, make_consultation, make_user, make_comment):
    app.config["SEARCH_ENGINE"] = "whoosh"
    parking = make_consultation()
    for name in ("Ann", "Bob"):
        make_comment(parking, make_user(f"{name.lower()}@example.org", name=name), body=f"{name} dislikes fees.")
    admin = auth.as_("admin")
    location = admin.post("/admin/jobs/reindex").headers["Location"]
    waiting = _text(admin.get(location + "?lang=cy"))
    assert "<h1>Ailadeiladu'r mynegai chwilio</h1>" in waiting
    assert "Yn aros i weithiwr ddechrau: 2 sylw i'w mynegeio." in waiting
    assert "<dd>Yn aros am weithiwr</dd>" in waiting and "Waiting for a worker" not in waiting
    assert run_jobs(app) >= 1
    done = _text(admin.get(location + "?lang=cy"))
    assert "Mae'r mynegai chwilio wedi'i ailadeiladu: mynegeiwyd 2 sylw." in done
    assert "<dd>Wedi gorffen</dd>" in done and "comments indexed" not in done
    listed = _text(admin.get("/admin/jobs?lang=cy"))
    assert "Ailadeiladu'r mynegai chwilio</a>" in listed and "Wedi gorffen" in listed
    assert "Rebuilding the search index" not in listed and ">Finished<" not in listed
    english = _text(admin.get("/admin/jobs?lang=en"))
    assert "Rebuilding the search index</a>" in english and "Finished" in english
    progress = admin.get(location.replace("/admin/jobs/", "/jobs/") + "/progress?lang=cy").get_json()
    assert progress["text"] == "Mae'r mynegai chwilio wedi'i ailadeiladu: mynegeiwyd 2 sylw."


def _rule_sections(page: str) -> list[str]:
    return re.findall(r'<section class="house-rule" id="([^"]+)"', page)


def test_the_default_house_rules_in_welsh_keep_their_anchors(app, client):
    welsh = _text(client.get("/house-rules?lang=cy"))
    assert _rule_sections(welsh) == RULE_ANCHORS
    assert "Peidiwch â rhannu gwybodaeth bersonol" in welsh and "Dim cam-drin, bygythiadau na gwahaniaethu" in welsh
    assert 'aria-label="Rheol 2 (Peidiwch â rhannu gwybodaeth bersonol)"' in welsh
    assert "Do not share personal information" not in welsh and "Disagree with ideas" not in welsh
    assert 'lang="en"' not in welsh.split("<main", 1)[1]
    english = _text(client.get("/house-rules?lang=en"))
    assert _rule_sections(english) == RULE_ANCHORS
    assert "Do not share personal information" in english and "Peidiwch" not in english

    # Once stored (a decision publishes the default text as version 1), the same: the record keeps
    # the English text, and decisions cite the same anchors.
    with app.app_context():
        version = moderation.current_rules(db.session)
        db.session.commit()
        assert "Do not share personal information" in version.source
    assert _rule_sections(_text(client.get("/house-rules?lang=cy"))) == RULE_ANCHORS
    assert "Peidiwch â rhannu" in _text(client.get("/house-rules?lang=cy"))


def test_house_rules_an_administrator_wrote_are_shown_as_written_with_their_language(app, client):
    custom = "---\ntitle: Our rules\n---\n# Our rules\n\nBe kind.\n\n## 1. Be civil {#civil}\n\nNo insults.\n"
    with app.app_context():
        moderation.current_rules(db.session)
        moderation.publish_rules(db.session, custom, "Shorter.", None)
        db.session.commit()
        assert db.session.scalar(select(HouseRulesVersion.number).order_by(HouseRulesVersion.number.desc())) == 2
    welsh = _text(client.get("/house-rules?lang=cy"))
    assert _rule_sections(welsh) == ["civil"]
    assert re.search(r'<section class="house-rule" id="civil" aria-label="[^"]*" lang="en">', welsh)
    assert "No insults." in welsh and "Peidiwch" not in welsh
    # The earlier, default version is still shown in Welsh by its number.
    earlier = _text(client.get("/house-rules?version=1&lang=cy"))
    assert _rule_sections(earlier) == RULE_ANCHORS and "Peidiwch â rhannu" in earlier
    assert 'lang="en"' not in _text(client.get("/house-rules?lang=en")).split("<main", 1)[1]



def test_the_audit_trail_reads_in_welsh(app, make_user, make_consultation, auth):
    from test_moderation_views import FEE, decide, make_world, only_item, open_item, post_comment

    world = make_world(make_user, make_consultation)
    ann, mo = auth.client_for(world["ann"]), auth.client_for(world["mo"])
    post_comment(ann, "parking", world["anchors"][FEE], "You are all idiots.", "k1")
    item = only_item(app)
    _page, version = open_item(mo, item)
    assert decide(mo, item, version, "reject", rules=["no-abuse"], note="Abusive").status_code == 303
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id))
    welsh = _words(mo.get("/moderation/audit?lang=cy"))
    # The rule's title as the Welsh house rules give it (the default rules are in force).
    assert f"Gwrthododd Mo (cymedrolwr) sylw {comment_id} ar 1.2 o ‘Parking Policy’, gan nodi rheol 3: " \
           "Dim cam-drin, bygythiadau na gwahaniaethu." in welsh
    assert "No abuse, threats" not in welsh
    assert f"Agorodd Mo (cymedrolwr) sylw {comment_id}" in welsh
    assert f"Daliodd y gwirio awtomatig sylw {comment_id} ar 1.2 o ‘Parking Policy’ i gymedrolwr" in welsh
    assert "Penderfyniadau: cymeradwywyd" in welsh and "O dan: rheol 3" in welsh
    for english in ("rejected comment", "opened comment", "Decisions: approved", "Held for a moderator"):
        assert english not in welsh, english
    assert "Nid yw “nope” yn weithred y mae'r trywydd yn ei chofnodi" in _words(
        mo.get("/moderation/audit?action=nope&lang=cy"))
    english = _words(mo.get("/moderation/audit?lang=en"))
    assert f"Mo (moderator) rejected comment {comment_id} on 1.2 of ‘Parking Policy’, citing rule 3: " \
           "No abuse, threats or discrimination." in english
    # The CSV is data: English whoever downloads it.
    assert f"Mo (moderator) rejected comment {comment_id}" in mo.get("/moderation/audit.csv?lang=cy").get_data(
        as_text=True)


def test_the_site_pages_default_texts_in_welsh_and_a_saved_page_as_written(app, client, auth):
    app.config["SITE_OPERATOR"] = "Cyngor Sir Enghraifft"
    for path, welsh_words, english_words in (
            ("/privacy", "Beth rydym yn ei gadw", "What we keep"),
            ("/accessibility", "Sut mae'r wefan yn gweithio i chi", "How the site works for you"),
            ("/contact", "Pwy sy'n rhedeg Consult: Cyngor Sir Enghraifft.",
             "Consult is run by Cyngor Sir Enghraifft.")):
        welsh = _text(client.get(f"{path}?lang=cy"))
        assert welsh_words in welsh and english_words not in welsh, path
        assert '<div lang="en">' not in welsh
        english = _text(client.get(f"{path}?lang=en"))
        assert english_words in english and welsh_words not in english, path

    admin = auth.as_("admin")
    assert admin.post("/admin/pages/contact", data={"body": "Write to us at the town hall.",
                                                    "action": "save"}).status_code == 303
    welsh = _text(client.get("/contact?lang=cy"))
    assert '<div lang="en"><p>Write to us at the town hall.</p>' in welsh and "Pwy sy'n rhedeg" not in welsh
    assert '<div lang="en">' not in _text(client.get("/contact?lang=en"))


def test_a_suspended_author_is_refused_in_welsh(app, auth, make_user, make_consultation):
    from datetime import datetime

    anchor = make_consultation("parking", PARKING).anchors["Visitors pay by the hour."]
    ann = make_user("ann@example.org", name="Ann")
    moderator = make_user("mo@example.org", name="Mo", role="moderator")
    with app.app_context():
        moderation.impose_sanction(db.session, ann, "suspend", "Repeated abuse.", moderator,
                                   ends_at=datetime(2099, 3, 1, 12, 0))
        db.session.commit()
    client = auth.login(ann)
    data = {"body": "Hourly fees are fair.", "submission_key": "k9", "respondent_type": "individual",
            "show_name": "name"}
    welsh = _words(client.post(f"/c/parking/p/{anchor}/comments?lang=cy", data=data))
    assert "Mae eich cyfrif wedi'i atal rhag postio tan 1 Mawrth 2099, 12:00. Y rheswm: Repeated abuse." in welsh
    english = _words(client.post(f"/c/parking/p/{anchor}/comments?lang=en", data=data))
    assert "Your account is suspended from posting until 1 March 2099, 12:00. Reason: Repeated abuse." in english
