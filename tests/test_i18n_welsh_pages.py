"""The main pages read in Welsh hold no English (issue 21, checks): every text node and every attribute
read aloud or shown (title, alt, aria-label, placeholder, a submit input's value) is searched for English
words, once the names, document text and comments the test wrote itself are taken out, with a small
allow-list of names, brands and symbols that read the same in both languages.

Pages: home, a consultation, a paragraph with the comment form, the general comments, My comments,
the account, register and sign-in pages, the archive, a search, the published response, the
moderation queue and an item, and an official's manage pages and response analysis.
"""
from __future__ import annotations

import html
import re
from datetime import datetime

from sqlalchemy import select

from consult.extensions import db
from consult.models import Consultation
from tests.helpers import make_user
from tests.support import welsh_check
from tests.support.welsh_check import LICENCE

# What the test writes itself: the document, its title, people's names and comments, a theme.
DOCUMENT = """---
title: Parking Policy
summary: How parking permits work.
---
# Parking Policy

## 1. Fees {#fees}

Residents pay a yearly fee for a permit.

Visitors pay by the hour.
"""
DATA = ["Parking Policy", "How parking permits work.", "Fees", "Residents pay a yearly fee for a permit.",
        "Visitors pay by the hour.", "Permits cost too much for carers.", "Cost of permits",
        "We read every comment and lowered the fee.", "Next we review the zones.",
        "The fee is now lower.", "Ann", "Olive", "Mo", "Bea", LICENCE]


def english_in(page: str, data=DATA) -> list[str]:
    """The text nodes of a page that still hold English words once the test's own data is taken
    out (the check itself: tests/support/welsh_check.py)."""
    return welsh_check.english_in(page, data)


def test_the_check_finds_english_and_lets_welsh_names_and_data_by():
    page = ('<html lang="cy"><body><h1>Ymgynghoriadau</h1><p>Read the document</p>'
            '<a title="Open the page" href="/">Parking Policy</a><bdi>Ann</bdi>'
            '<div lang="en"><p>Residents pay the fee</p></div><span lang="en">English</span>'
            '<script>var x = "the comment";</script><button>Anfon</button>'
            '<input type="submit" value="Send it"></body></html>')
    assert english_in(page) == ["Read the document", "Open the page", "Send it"]
    assert english_in('<p>Cost of permits: 2 sylw</p>') == []  # the test's own data is not interface text


def _read(client, url: str) -> str:
    response = client.get(url + ("&" if "?" in url else "?") + "lang=cy")
    assert response.status_code == 200, url
    page = response.get_data(as_text=True)
    assert re.search(r'<html lang="cy"', page), url
    return page


def _world(app, make_consultation, make_comment):
    """A consultation with a published comment counted under a theme, a held one, a published
    response; a citizen, a moderator and an official. Their ids and the paragraph's anchor."""
    from consult import search
    from consult.responses import service as responses

    made = make_consultation("parking", DOCUMENT, "post")
    ann = make_user(app, "ann@example.org", name="Ann")
    mo = make_user(app, "mo@example.org", name="Mo", role="moderator")
    olive = make_user(app, "olive@example.org", name="Olive", role="official")
    bea = make_user(app, "bea@example.org", name="Bea")
    fee = made.anchors["Residents pay a yearly fee for a permit."]
    counted = make_comment(made, ann, "Permits cost too much for carers.", fee)
    make_comment(made, bea, "Ring me on 07700 900123 about the fee.", fee)  # held: a phone number
    with app.test_request_context():
        consultation = db.session.get(Consultation, made.id)
        theme = responses.create_theme(db.session, consultation, "Cost of permits", olive)
        responses.assign(db.session, theme, [counted], olive)
        responses.update_theme(db.session, theme, expected_revision=theme.revision, actor_id=olive,
                               title=theme.title, said="The fee is now lower.", outcome="changed",
                               reasons="The fee is now lower.")
        responses.save_draft(db.session, consultation, "We read every comment and lowered the fee.",
                             "Next we review the zones.")
        consultation.closes_at = datetime(2026, 1, 1)
        responses.publish(db.session, consultation, olive)
        db.session.commit()
        search.engine(app.config).apply_changes(db.session)
    return {"ann": ann, "mo": mo, "olive": olive, "anchor": fee}


def _assert_welsh(pages: dict[str, str], data=DATA) -> None:
    problems = [f"{url}: {text!r}" for url, page in pages.items() for text in english_in(page, data)]
    assert not problems, "English in the Welsh pages:\n" + "\n".join(problems)


def test_the_public_pages_read_in_welsh_hold_no_english(app, client, make_consultation, make_comment):
    world = _world(app, make_consultation, make_comment)
    urls = ["/", "/c/parking", f"/c/parking/p/{world['anchor']}", "/c/parking/comments", "/c/parking/response",
            "/consultations", "/search?q=permit", "/register", "/login"]
    _assert_welsh({url: _read(client, url) for url in urls})


def test_a_citizens_pages_read_in_welsh_hold_no_english(app, auth, make_consultation, make_comment):
    world = _world(app, make_consultation, make_comment)
    client = auth.client_for(world["ann"])
    urls = ["/account", "/me/comments", f"/c/parking/p/{world['anchor']}"]
    _assert_welsh({url: _read(client, url) for url in urls})


def test_the_moderators_and_officials_pages_read_in_welsh_hold_no_english(app, auth, make_consultation,
                                                                         make_comment):
    from moderation.models import QueueItem

    world = _world(app, make_consultation, make_comment)
    with app.app_context():
        item = db.session.scalar(select(QueueItem.id).order_by(QueueItem.id.desc()))
    moderator = auth.client_for(world["mo"])
    held = ["Ring me on 07700 900123 about the fee.", "Ring me on [removed] about the fee."]
    _assert_welsh({url: _read(moderator, url) for url in ("/moderation/", f"/moderation/items/{item}")},
                  DATA + held)

    official = auth.client_for(world["olive"])
    urls = ["/manage/", "/manage/parking", "/manage/parking/details", "/manage/parking/analysis",
            "/manage/parking/themes"]
    _assert_welsh({url: html.unescape(_read(official, url)) for url in urls}, DATA + held)


def test_moderations_refusals_are_read_in_the_readers_language(app, auth, make_consultation, make_comment):
    """moderation/ marks its messages (it never imports consult); consult reads them in each reader's language."""
    from moderation import service as moderation
    from moderation.models import QueueItem

    world = _world(app, make_consultation, make_comment)
    moderator = auth.client_for(world["mo"])
    page = moderator.get("/moderation/?after=nonsense&lang=cy")
    assert page.status_code == 400
    assert ("Nid yw dolen y dudalen honno'n ddilys: ewch yn ôl i ddechrau'r ciw."
            in html.unescape(page.get_data(as_text=True)))
    english = html.unescape(moderator.get("/moderation/?after=nonsense&lang=en").get_data(as_text=True))
    assert "That page link is not valid: go back to the start of the queue." in english

    with app.app_context():
        item = db.session.scalar(select(QueueItem.id).order_by(QueueItem.id.desc()))
    for language, expected in (("cy", "Mae'r nodyn yn 2,001 nod; y terfyn yw 2,000."),
                               ("en", "The note is 2,001 characters; the limit is 2,000.")):
        with app.test_request_context(f"/?lang={language}"):
            refused = None
            try:
                moderation.decide(db.session, item, world["mo"],
                                  moderation.DecisionRequest("approve", note="x" * 2001))
            except moderation.ModerationError as exc:
                refused = exc
            assert refused is not None and refused.message == expected
            assert str(refused) == "The note is 2,001 characters; the limit is 2,000."  # logs stay English
            db.session.rollback()


def test_the_json_apis_errors_are_in_the_readers_language(client):
    unknown = client.get("/api/v1/consultations?status=nonsense", headers={"Accept-Language": "cy"})
    assert unknown.status_code == 400
    assert unknown.get_json()["message"] == (
        "Statws anhysbys 'nonsense': defnyddiwch un o open, upcoming, closed, responded, archived.")
    missing = client.get("/api/v1/consultations/nowhere?lang=cy").get_json()
    assert missing["message"] == "Nid oes ymgynghoriad cyhoeddus gyda'r slỳg 'nowhere'."
    page = client.get("/api/v1/consultations?page=0&lang=cy").get_json()
    assert page["message"] == "Nid yw '0' yn rhif tudalen: mae'r tudalennau wedi'u rhifo o 1."
    nothing = client.get("/api/v1/nothing-here?lang=cy").get_json()
    assert nothing["error"] == "Not Found"  # the name stays Werkzeug's, for clients that match on it
    assert nothing["message"].startswith("Nid oedd y cyfeiriad URL y gofynnwyd amdano ar y gweinydd.")
    english = client.get("/api/v1/consultations?status=nonsense&lang=en").get_json()
    assert english["message"] == "Unknown status 'nonsense': use one of open, upcoming, closed, responded, archived."


def test_an_admin_edits_and_restores_a_site_page_in_welsh(app, auth):
    admin = auth.as_("admin")
    edit = html.unescape(_read(admin, "/admin/pages/privacy"))
    assert "<h1>Golygu'r dudalen: hysbysiad preifatrwydd</h1>" in edit
    assert english_in(edit) == []
    saved = admin.post("/admin/pages/privacy?lang=cy", data={"body": "## Ein polisi\n\nDim.", "action": "save"},
                       follow_redirects=True)
    assert "Mae'r dudalen wedi'i chadw ac yn gyhoeddus: hysbysiad preifatrwydd." in html.unescape(
        saved.get_data(as_text=True))
    restore = html.unescape(_read(admin, "/admin/pages/privacy/default"))
    assert "Adfer testun diofyn y dudalen: hysbysiad preifatrwydd?" in restore
    assert english_in(restore, DATA + ["Ein polisi"]) == []


def test_the_accounts_refusals_are_in_welsh_on_welsh_forms(app, client, make_user):
    make_user("ann@example.org", name="Ann")
    refused = client.post("/register?lang=cy", data={"email": "not-an-address", "display_name": "Ann",
                                                     "password": "short", "confirm": "other"})
    page = html.unescape(refused.get_data(as_text=True))
    assert "Rhowch gyfeiriad e-bost ar y ffurf enw@example.org." in page
    assert "Dewiswch gyfrinair o 10 nod o leiaf." in page
    assert english_in(page) == []
    wrong = html.unescape(client.post("/login?lang=cy", data={"email": "ann@example.org", "password": "wrong"})
                          .get_data(as_text=True))
    assert "Nid yw'r e-bost na'r cyfrinair yn gywir." in wrong and english_in(wrong) == []
    english = client.post("/login?lang=en", data={"email": "ann@example.org", "password": "wrong"})
    assert "Email or password is not right." in html.unescape(english.get_data(as_text=True))


def test_the_response_services_refusals_are_in_welsh(app, auth, make_consultation, make_comment):
    from consult.responses import service as responses

    made = make_consultation("parking")
    olive = auth.user_id("official")
    for language, expected in (("cy", "Mae angen rhoi hwn: Teitl y thema."),
                               ("en", "The theme's title is required.")):
        with app.test_request_context(f"/?lang={language}"):
            consultation = db.session.get(Consultation, made.id)
            refused = None
            try:
                responses.create_theme(db.session, consultation, "  ", olive)
            except responses.ResponseError as exc:
                refused = exc
            assert refused is not None and refused.message == expected
            db.session.rollback()
