"""English and Welsh (issue 21), continued from tests/test_i18n.py (which is near the size limit):
the published response's body and its public lists, and the staff pages.

As there, a test that seeds data inside a request context leaves it before reading pages: a held
application context keeps the first request's language for the next (Flask-Babel caches it on g).
"""
from __future__ import annotations

import html
import re
from datetime import datetime

from consult.extensions import db
from consult.models import Consultation
from tests.helpers import make_user


def _page(client, url: str, language: str) -> str:
    """The page at url read in `language`, its entities unescaped; its <html lang> must say so."""
    response = client.get(url + ("&" if "?" in url else "?") + f"lang={language}")
    assert response.status_code == 200, url
    page = html.unescape(response.get_data(as_text=True))
    assert re.search(r'<html lang="([^"]+)">', page).group(1) == language
    return page


def _published_response(app, made, make_comment):
    """A published response: a theme (outcome: changed) with three comments, one later withdrawn, and
    a comment considered off topic; a correction. The theme's id and the readers' user ids."""
    from consult.comments.editing import withdraw_comment
    from consult.responses import service as responses

    official = make_user(app, "olive@example.org", name="Olive", role="official")
    ann, bob, cai, dai = (make_user(app, f"{name.lower()}@example.org", name=name)
                          for name in ("Ann", "Bob", "Cai", "Dai"))
    fee = made.anchors["Residents pay a yearly fee for a permit."]
    counted = [make_comment(made, ann, "Permits cost too much.", fee),
               make_comment(made, bob, "Too dear for me.", fee),
               make_comment(made, dai, "Half the price would do.", fee)]
    off_topic = make_comment(made, cai, "The bins are never emptied.", made.anchors["Visitors pay by the hour."])
    with app.test_request_context():  # publishing tells people, with links; left before reading
        consultation = db.session.get(Consultation, made.id)
        theme = responses.create_theme(db.session, consultation, "Cost of permits", official)
        responses.assign(db.session, theme, counted, official)
        responses.update_theme(db.session, theme, expected_revision=theme.revision, actor_id=official,
                               title=theme.title, said="Said.", outcome="changed", reasons="Reasons.")
        responses.mark_considered(db.session, consultation, off_topic, "", official, reason="off_topic")
        responses.save_draft(db.session, consultation, "We read every comment.", "Next.")
        theme_id = theme.id
        consultation.closes_at = datetime(2026, 1, 1)
        responses.publish(db.session, consultation, official)
        responses.correct(db.session, consultation, "A figure was wrong.", official)
        withdraw_comment(db.session, counted[1], bob)
        db.session.commit()
    return theme_id, ann


def test_the_response_body_and_its_public_lists_in_welsh(app, client, make_consultation, make_comment):
    from tests.helpers import put_signed_in

    made = make_consultation("parking")
    theme_id, ann = _published_response(app, made, make_comment)

    english = _page(client, "/c/parking/response", "en")
    assert '<h2 id="themes-heading">What you said, what we did</h2>' in english
    assert "Cost of permits</a> (2 comments)</li>" in english
    assert '2<span class="visually-hidden"> comments counted under “Cost of permits”</span>' in english
    assert "<h4>What we did: We changed the text</h4>" in english
    assert "1 comment was read and considered, and counted under no theme: <a" in english
    assert ">Off topic for this consultation</a>: 1 comment</li>" in english
    assert "<strong>Correction, <time" in english

    welsh = _page(client, "/c/parking/response", "cy")
    assert '<h2 id="themes-heading">Yr hyn a ddywedoch chi, yr hyn a wnaethom ni</h2>' in welsh
    assert "Cost of permits</a> (2 sylw)</li>" in welsh and "<h2 id=\"summary-heading\">Crynodeb</h2>" in welsh
    assert '2<span class="visually-hidden"> sylw wedi\'u cyfrif o dan “Cost of permits”</span>' in welsh
    assert "<dt>Canlyniad</dt><dd><strong class=\"outcome\">Fe wnaethom newid y testun</strong>" in welsh
    assert "<h4>Yr hyn a wnaethom: Fe wnaethom newid y testun</h4>" in welsh
    assert "Darllenwyd ac ystyriwyd 1 sylw, ac ni chafodd ei gyfrif o dan unrhyw thema: <a" in welsh
    assert ">Y tu allan i bwnc yr ymgynghoriad hwn</a>: 1 sylw</li>" in welsh
    assert "<strong>Cywiriad, <time" in welsh and "<h2 id=\"next-heading\">Y camau nesaf</h2>" in welsh
    for english_words in ("What you said", "What we did", "comments)", "counted under no theme", "Off topic",
                          "Correction", "Next steps", "We changed the text", "How we counted"):
        assert english_words not in welsh, english_words

    listed = _page(client, f"/c/parking/response/themes/{theme_id}", "cy")
    assert "<h1>Sylwadau a gyfrifwyd o dan “Cost of permits”</h1>" in listed
    assert "Cyfrifwyd 2 sylw cyhoeddedig o dan y thema hon." in listed
    assert "1 sylw a gyfrifwyd yma: yn ddiweddarach, tynnwyd yn ôl gan yr awdur, ac nid yw'n" in listed
    assert ">Fe wnaethom newid y testun</a>." in listed and "Yr ymateb: Parking Policy</a>" in listed
    english_list = _page(client, f"/c/parking/response/themes/{theme_id}", "en")
    assert "2 published comments were counted under this theme." in english_list
    assert "1 comment counted here was later withdrawn by the author, and is not shown or counted here." in english_list

    considered = _page(client, "/c/parking/response/considered?reason=off_topic", "cy")
    assert "<h1>Wedi'u darllen a'u hystyried, heb eu cyfrif o dan unrhyw thema: Y tu allan i bwnc" in considered
    assert "(rheswm: y tu allan i bwnc yr ymgynghoriad hwn)" in considered
    assert '<strong aria-current="page">Y tu allan i bwnc yr ymgynghoriad hwn</strong>' in considered
    assert "Pob rheswm</a>" in considered and "Every reason" not in considered
    english_considered = _page(client, "/c/parking/response/considered?reason=off_topic", "en")
    assert ("1 published comment was read and considered by the department and found off topic for this "
            "consultation, and counted under no theme.") in english_considered

    # Where a comment is read and listed for its author, its theme's outcome is Welsh too.
    paragraph = _page(client, f"/c/parking/p/{made.anchors['Residents pay a yearly fee for a permit.']}", "cy")
    assert "Cost of permits</a> — Fe wnaethom newid y testun</li>" in paragraph
    put_signed_in(client, app, f"{ann}:1")
    mine = _page(client, "/me/comments", "cy")
    assert "Cost of permits</a> — canlyniad: fe wnaethom newid y testun" in mine
    assert "Cost of permits</a> — outcome: we changed the text" in _page(client, "/me/comments", "en")


def test_the_moderation_pages_in_welsh(app, client, make_consultation, make_comment):
    from sqlalchemy import select

    from moderation.models import QueueItem
    from tests.helpers import put_signed_in

    made = make_consultation("parking", mode="pre")
    author = make_user(app, "ann@example.org", name="Ann")
    make_comment(made, author, "Permits cost too much.", made.anchors["Visitors pay by the hour."])
    with app.app_context():
        item_id = db.session.scalars(select(QueueItem.id)).one()
    moderator = make_user(app, "mo@example.org", name="Mo", role="moderator")
    put_signed_in(client, app, f"{moderator}:1")

    english = _page(client, "/moderation/", "en")
    assert "<h1>Moderation queue</h1>" in english and "Oldest first. We promise to moderate within 2" in english
    assert "0 hours" in english and '<label for="bulk-approve">Approve</label>' in english

    queue = _page(client, "/moderation/", "cy")
    assert "<h1>Ciw cymedroli</h1>" in queue
    assert "Yr hynaf yn gyntaf. Rydym yn addo cymedroli o fewn 2 ddiwrnod gwaith" in queue
    assert '<option value="pre">Cyn-gymedroli</option>' in queue and ">Llwybrau byr y bysellfwrdd</h2>" in queue
    assert f">Eitem {item_id}</a> ar <em><span lang=\"en\">Parking Policy</span></em>" in queue and "0 awr" in queue
    assert "<dd>amlygu'r eitem nesaf</dd>" in queue and "Gweithredu ar y detholiad" in queue
    for english_words in ("Moderation queue", "Oldest first", "working day", "Keyboard shortcuts", "Approve<",
                          "Filter the queue", "Decide the selected", "highlight the next item"):
        assert english_words not in queue, english_words

    item = _page(client, f"/moderation/items/{item_id}", "cy")
    assert f"<h1>Eitem {item_id}: sylw ar “Parking Policy”</h1>" in item
    assert "<dt>Pam mae yma</dt><dd>Cyn-gymedroli</dd>" in item and "Gan <a href=" in item
    assert "ar baragraff 1.2. Diwygiad 1." in item and ">Cymeradwyo a chyhoeddi</button>" in item
    assert "Rheolau'r wefan a dorrwyd (nodwch o leiaf un i wrthod neu olygu)" in item
    assert '<label for="note">Nodyn (dewisol): i\'r awdur; wrth gyfeirio at swyddog, i\'r swyddog</label>' in item
    for english_words in ("Why it is here", "Approve and publish", "The author's history", "Note to the author"):
        assert english_words not in item, english_words

    version = re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', item)
    response = client.post(f"/moderation/items/{item_id}/decide",
                           data={"outcome": "approve", "version": version.group(1) or version.group(2)})
    assert response.status_code == 303
    told = _page(client, "/moderation/", "cy")
    assert "Penderfynwyd: Cymeradwywyd. Rydym wedi rhoi gwybod i'r awdur." in told
    assert "Does dim yn aros." in told

    statistics = _page(client, "/moderation/statistics", "cy")
    assert "<h1>Ystadegau cymedroli</h1>" in statistics and "<dt>Sylwadau a ddaeth i law</dt>" in statistics
    assert "Ble mae'r 1 sylw a ddaeth i law yn sefyll nawr" in statistics
    assert "Where the 1 comment received stand now" in _page(client, "/moderation/statistics", "en")

    person = _page(client, f"/moderation/users/{author}", "cy")
    assert "Rôl: Dinesydd." in person and "<h2>Sut y penderfynwyd ar eu sylwadau</h2>" in person
    assert "<li>Cymeradwywyd: 1</li>" in person and ">Rhoi'r mesur ar waith</button>" in person
    assert "Gwirio eu sylwadau cyn eu cyhoeddi" in person and "Check their comments" not in person

    trail = _page(client, "/moderation/audit", "cy")
    assert "<h1>Trywydd archwilio cymedroli</h1>" in trail and "Eu lawrlwytho fel CSV" in trail
    found = _page(client, "/moderation/people?q=ann", "cy")
    assert "1 person yn cyfateb i “ann”." in found and "<th scope=\"col\">Mesurau mewn grym</th>" in found


def test_the_admins_moderation_pages_in_welsh(app, client, make_consultation):
    from tests.helpers import put_signed_in

    make_consultation("parking")
    make_user(app, "mo@example.org", name="Mo", role="moderator")
    put_signed_in(client, app, f"{make_user(app, 'ada@example.org', name='Ada', role='admin')}:1")

    assignments = _page(client, "/moderation/assignments", "cy")
    assert "<h1>Pwy sy'n cymedroli beth</h1>" in assignments
    assert "Pob ymgynghoriad (dim wedi'i neilltuo)" in assignments and ">Neilltuo</button>" in assignments
    assert "Who moderates what" in _page(client, "/moderation/assignments", "en")

    rules = _page(client, "/moderation/rules/new", "cy")
    assert "<h1>Cyhoeddi fersiwn newydd o reolau'r wefan</h1>" in rules and 'value="Rhagolwg"' in rules
    assert "Publish a new version" not in rules


def test_the_pages_managing_a_consultation_in_welsh(app, client, make_consultation):
    from tests.helpers import PARKING_V2, put_signed_in

    make_consultation("parking")
    put_signed_in(client, app, f"{make_user(app, 'olive@example.org', name='Olive', role='official')}:1")

    listed = _page(client, "/manage/", "cy")
    assert "<h1>Rheoli ymgynghoriadau</h1>" in listed and "Dechrau ymgynghoriad newydd" in listed
    assert "0 wedi'u cyhoeddi" in listed and "Manage consultations" not in listed
    assert "<h1>Manage consultations</h1>" in _page(client, "/manage/", "en")

    managed = _page(client, "/manage/parking", "cy")
    assert "<h2>Beth allwch chi ei wneud nawr</h2>" in managed and "<dt>Cyfeiriad gwe</dt>" in managed
    assert "<dt>Statws</dt><dd>Ar agor</dd>" in managed
    assert "<strong>Crëwyd</strong> a chyhoeddwyd" in managed and "What you can do now" not in managed

    new = _page(client, "/manage/new", "cy")
    assert "<h1>Ymgynghoriad newydd</h1>" in new and "<legend>Y ddogfen</legend>" in new
    assert "Sut mae sylwadau'n cael eu cymedroli" in new and "Cyn-gymedroli: mae cymedrolwr yn gwirio" in new
    assert "Upload Markdown files" not in new and "How comments are moderated" not in new

    response = client.post("/manage/parking/versions/new?lang=cy",
                           data={"markdown": PARKING_V2, "note": "", "action": "preview"})
    preview = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "<h1>Cyhoeddi fersiwn 2 o “Parking Policy”</h1>" in preview
    assert "<strong>1</strong> wedi'u golygu" in preview and "Beth sy'n digwydd i'r sylwadau" in preview
    assert ">Cyhoeddi fersiwn 2</button>" in preview and "Publish version 2" not in preview
    refused = html.unescape(client.post("/manage/parking/versions/new?lang=cy",
                                        data={"markdown": PARKING_V2, "note": " ", "action": "publish"})
                            .get_data(as_text=True))
    assert "Dywedwch beth a newidiodd yn y fersiwn hon" in refused and "Say what changed" not in refused

    close = _page(client, "/manage/parking/close", "cy")
    assert "<h1>Cau “Parking Policy” yn gynnar?</h1>" in close and "Cau'r ymgynghoriad nawr" in close


def test_the_officials_response_pages_in_welsh(app, client, make_consultation, make_comment):
    from consult.responses import service as responses
    from tests.helpers import put_signed_in

    made = make_consultation("parking")
    official = make_user(app, "olive@example.org", name="Olive", role="official")
    fee = made.anchors["Residents pay a yearly fee for a permit."]
    counted = make_comment(made, make_user(app, "ann@example.org", name="Ann"), "Permits cost too much.", fee)
    make_comment(made, make_user(app, "bob@example.org", name="Bob"), "Fees should fall.", fee)
    with app.app_context():
        consultation = db.session.get(Consultation, made.id)
        theme = responses.create_theme(db.session, consultation, "Cost of permits", official)
        responses.assign(db.session, theme, [counted], official)
        theme_id = theme.id
        db.session.commit()
    put_signed_in(client, app, f"{official}:1")

    analysis = _page(client, "/manage/parking/analysis", "cy")
    assert "<h1>Dadansoddi: Parking Policy</h1>" in analysis and "2 sylw cyhoeddedig." in analysis
    assert ">1 heb eu cyfrif eto</a> o dan thema." in analysis
    assert '<h2 id="heat-heading">Sylwadau fesul paragraff</h2>' in analysis
    assert '<nav class="response-nav" aria-label="Dadansoddi ac ymateb">' in analysis
    assert "2 published comments." in _page(client, "/manage/parking/analysis", "en")

    themes = _page(client, "/manage/parking/themes", "cy")
    assert "<h1>Themâu: Parking Policy</h1>" in themes and "Dim canlyniad eto" in themes
    assert "Nid yw 1 sylw cyhoeddedig wedi'i gyfrif eto</a> o dan thema." in themes
    one = _page(client, f"/manage/parking/themes/{theme_id}", "cy")
    assert "<h1>Thema: Cost of permits</h1>" in one and "Sylwadau a gyfrifwyd o dan y thema hon (1)" in one
    assert "Cadw'r thema" in one and "Save the theme" not in one

    uncounted = _page(client, "/manage/parking/uncounted", "cy")
    assert "heb thema a heb ei farcio fel un a ystyriwyd." in uncounted
    assert '<option value="off_topic">Y tu allan i bwnc yr ymgynghoriad hwn</option>' in uncounted
    found = _page(client, "/manage/parking/comments/search?q=fees", "cy")
    assert "1 sylw wedi'u canfod" in found and "<h1>Chwilio'r sylwadau</h1>" in found
    draft = _page(client, "/manage/parking/response", "cy")
    assert "<h1>Yr ymateb: Parking Policy</h1>" in draft and "Cadw a rhagweld" in draft
    assert "Rhagolwg: yr ymateb fel y bydd y cyhoedd yn ei weld" in draft
    publish = _page(client, "/manage/parking/response/publish", "cy")
    assert "<h2>Cyn i chi gyhoeddi</h2>" in publish and "Does gan 1 thema ddim canlyniad:" in publish
    suggestions = _page(client, "/manage/parking/suggestions/", "cy")
    assert "<h1>Themâu a awgrymwyd a chyfrif â chymorth</h1>" in suggestions


def test_the_administrators_pages_in_welsh(app, client):
    from tests.helpers import put_signed_in

    citizen = make_user(app, "ann@example.org", name="Ann")
    put_signed_in(client, app, f"{make_user(app, 'ada@example.org', name='Ada', role='admin')}:1")

    users = _page(client, "/admin/users", "cy")
    assert "<h1>Defnyddwyr</h1>" in users and "2 cyfrif." in users and ">Gwahodd rhywun</a>" in users
    assert '<option value="deactivated">Wedi\'i ddadactifadu</option>' in users
    assert "<option value=\"moderator\">Cymedrolwr</option>" in users and "Any role" not in users
    assert "2 accounts." in _page(client, "/admin/users", "en")
    person = _page(client, f"/admin/users/{citizen}", "cy")
    assert "<h2>Ymgynghoriadau y maent yn eu cymedroli</h2>" in person and "Dadactifadu cyfrif Ann" in person
    deactivate = _page(client, f"/admin/users/{citizen}/deactivate", "cy")
    assert "<h1>Dadactifadu cyfrif <bdi>Ann</bdi>?</h1>" in deactivate and "Ie, dadactifadu'r cyfrif" in deactivate

    jobs = _page(client, "/admin/jobs", "cy")
    assert "Ailadeiladu'r mynegai chwilio" in jobs and "Rebuild the search index" not in jobs
    mail = _page(client, "/admin/mail", "cy")
    assert "Mae 0 neges yn aros i gael eu hanfon." in mail and "Does dim e-bost wedi methu'n barhaol." in mail
