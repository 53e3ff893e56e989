"""Account words that were English on Welsh pages (the audit's items 1, 2, 5 and 15): the name a
comment shows when its author's is not shown, the name of a deleted account, the refusal a
deactivated account meets at sign-in, and the admin pages' account history and refusals."""
from __future__ import annotations

import html as html_lib

import pytest
from helpers import PASSWORD, log_in
from sqlalchemy import select

from consult.accounts.service import admin as admin_service
from consult.accounts.service.common import AccountError
from consult.extensions import db
from consult.models import User
from moderation.service import audit

VISITORS = "Visitors pay by the hour."


def _html(response) -> str:
    """The page as text to search: entities decoded, <bdi> isolation left out."""
    return html_lib.unescape(response.get_data(as_text=True)).replace("<bdi>", "").replace("</bdi>", "")


def _paragraph(client, consultation, lang: str) -> str:
    url = f"/c/{consultation.slug}/p/{consultation.anchors[VISITORS]}?lang={lang}"
    response = client.get(url)
    assert response.status_code == 200, url
    return _html(response)


# ------------------------------------------------------------------ a comment's author, unnamed

def test_an_unnamed_author_reads_in_welsh_on_a_welsh_page(app, auth, make_user, make_consultation,
                                                           make_comment):
    parking = make_consultation("parking")
    ann = make_user("ann@example.org", name="Ann")
    make_comment(parking, ann, body="Carers need an hour free.", anchor=parking.anchors[VISITORS],
                 show_name=False)
    reader = auth.as_("citizen")  # someone else: the report link names the author too

    welsh = _paragraph(reader, parking, "cy")
    assert "<strong>aelod o'r cyhoedd</strong>" in welsh
    assert "am y sylw gan aelod o'r cyhoedd</span>" in welsh
    assert "a member of the public" not in welsh and "Ann" not in welsh

    english = _paragraph(reader, parking, "en")
    assert "<strong>a member of the public</strong>" in english
    assert "the comment by a member of the public" in english
    assert "aelod o'r cyhoedd" not in english


def test_the_downloads_keep_the_english_words(app, client, make_user, make_consultation, make_comment):
    parking = make_consultation("parking")
    make_comment(parking, make_user("ann@example.org", name="Ann"), anchor=parking.anchors[VISITORS],
                 show_name=False)
    data = client.get("/c/parking/comments.json?lang=cy").get_json()
    assert [c["name"] for c in data["comments"]] == ["a member of the public"]


# ------------------------------------------------------------------ a deleted account

def test_deleting_an_account_names_its_comments_in_welsh(app, client, make_user, make_consultation,
                                                         make_comment):
    parking = make_consultation("parking")
    make_user("ann@example.org", name="Ann")
    make_comment(parking, "ann@example.org", body="Carers need an hour free.",
                 anchor=parking.anchors[VISITORS])
    log_in(client, "ann@example.org")

    asked = _html(client.get("/account/delete?lang=cy"))
    assert "“cyn-gyfranogwr”" in asked and "a former participant" not in asked
    assert "“a former participant”" in _html(client.get("/account/delete?lang=en"))

    done = client.post("/account/delete?lang=cy", data={"password": PASSWORD}, follow_redirects=True)
    said = _html(done)
    assert "“cyn-gyfranogwr”" in said and "a former participant" not in said

    welsh = _paragraph(app.test_client(), parking, "cy")
    assert "<strong>cyn-gyfranogwr</strong>" in welsh and "a former participant" not in welsh
    assert "<strong>a former participant</strong>" in _paragraph(app.test_client(), parking, "en")


# ------------------------------------------------------------------ a deactivated account

DEACTIVATED_CY = "Mae gweinyddwr wedi dadactifadu'r cyfrif hwn, felly ni all fewngofnodi."


def test_a_deactivated_account_is_told_so_in_welsh(app, auth, make_user):
    ann = make_user("ann@example.org", name="Ann")
    admin = auth.as_("admin")
    assert admin.post(f"/admin/users/{ann}/deactivate", data={"reason": "Spam"}).status_code == 303

    welsh_client = app.test_client()
    welsh_client.set_cookie("lang", "cy")
    welsh = _html(log_in(welsh_client, "ann@example.org", PASSWORD))
    assert DEACTIVATED_CY in welsh and "deactivated by an administrator" not in welsh

    english = _html(log_in(app.test_client(), "ann@example.org", PASSWORD))
    assert "This account has been deactivated by an administrator" in english
    assert DEACTIVATED_CY not in english


# ------------------------------------------------------------------ the admin pages

def test_an_accounts_history_reads_in_welsh(app, auth, make_user, make_consultation):
    parking = make_consultation("parking")
    admin = auth.as_("admin")
    invited = admin.post("/admin/users/invite", data={"email": "mo@example.org", "display_name": "Mo",
                                                      "role": "moderator"})
    assert invited.status_code == 303
    with app.app_context():
        mo = db.session.scalar(select(User.id).where(User.email == "mo@example.org"))
    assert admin.post(f"/admin/users/{mo}/invitation").status_code in (302, 303)
    assert admin.post(f"/admin/users/{mo}/role", data={"role": "official", "confirmed": "1"}).status_code in (302, 303)
    assert admin.post(f"/admin/users/{mo}/deactivate", data={"reason": ""}).status_code == 303
    assert admin.post(f"/admin/users/{mo}/reactivate").status_code in (302, 303)
    with app.app_context():
        # The rows an assignment and a measure write (their own pages are the moderation area's).
        audit(db.session, "assigned", "user", mo, actor_id=None, consultation_id=parking.id)
        audit(db.session, "unassigned", "user", mo, actor_id=None, consultation_id=parking.id)
        audit(db.session, "sanction", "user", mo, actor_id=None)
        audit(db.session, "sanction_revoked", "user", mo, actor_id=None)
        db.session.commit()

    welsh = _html(admin.get(f"/admin/users/{mo}?lang=cy"))
    for words in ("Gwahoddwyd, fel cymedrolwr", "Anfonwyd y gwahoddiad eto",
                  "Newidiwyd y rôl: cymedrolwr → swyddog", "Wedi'i ddadactifadu", "Wedi'i ailactifadu",
                  "Wedi'i neilltuo i gymedroli ymgynghoriad", "Wedi'i dynnu oddi ar ymgynghoriad",
                  "Rhoddwyd mesur ar waith", "Codwyd mesur", "Awtomatig"):
        assert words in welsh, words
    for english in ("Invited, as", "Invitation sent again", "Role changed", "Reactivated",
                    "Assigned to moderate", "Taken off", "Measure imposed", "Measure lifted", "Automatic"):
        assert english not in welsh, english

    english = _html(admin.get(f"/admin/users/{mo}?lang=en"))
    for words in ("Invited, as moderator", "Invitation sent again", "Role changed from moderator to official",
                  "Deactivated", "Reactivated", "Assigned to moderate a consultation",
                  "Taken off a consultation", "Measure imposed", "Measure lifted", "Automatic"):
        assert words in english, words


def test_an_older_entry_without_its_details_still_reads(app):
    with app.test_request_context("/?lang=cy"):
        assert admin_service.history_words("invited", {}) == "Wedi'i wahodd"
        assert admin_service.history_words("role_changed", {"role": "admin"}) == "Newidiwyd y rôl"
        assert admin_service.history_words("invited", {"role": "emperor"}) == "Gwahoddwyd, fel emperor"
        assert admin_service.history_words("something_new", {}) == "Something new"
    with app.test_request_context("/?lang=en"):
        assert admin_service.history_words("invited", {}) == "Invited"
        assert admin_service.history_words("invited", {"role": "admin"}) == "Invited, as admin"


def test_the_user_lists_filter_refusals_read_in_welsh(app, auth):
    admin = auth.as_("admin")
    query = "/admin/users?role=emperor&standing=asleep&q=" + "x" * 201
    welsh = admin.get(query + "&lang=cy")
    page = _html(welsh)
    assert welsh.status_code == 400
    assert "Nid yw “emperor” yn rôl" in page and "Nid yw “asleep” yn gyflwr cyfrif" in page
    assert "Defnyddiwch 200 nod ar y mwyaf yn eich chwiliad." in page
    assert "is not a role" not in page and "account state" not in page and "Search for at most" not in page

    english = _html(admin.get(query + "&lang=en"))
    assert "“emperor” is not a role: choose citizen, moderator, official or admin." in english
    assert "“asleep” is not an account state: choose active, invited or deactivated." in english
    assert "Search for at most 200 characters." in english


def test_inviting_an_existing_address_is_refused_in_welsh(app, auth, make_user):
    make_user("ada@example.org", name="Ada")
    admin = auth.as_("admin")
    welsh = admin.post("/admin/users/invite?lang=cy", data={"email": "ADA@example.org", "display_name": "A",
                                                            "role": "emperor"})
    page = _html(welsh)
    assert welsh.status_code == 400
    assert "Mae cyfrif eisoes ar gyfer ada@example.org" in page and "Dewiswch rôl o'r rhestr." in page
    assert "There is already an account" not in page and "Choose a role from the list." not in page

    english = _html(admin.post("/admin/users/invite?lang=en", data={
        "email": "ada@example.org", "display_name": "A", "role": "emperor"}))
    assert "There is already an account for ada@example.org: find it in the list of users" in english


def test_an_unknown_role_is_refused_in_welsh(app):
    with app.test_request_context("/?lang=cy"), pytest.raises(AccountError) as refused:
        admin_service.set_role(db.session, 1, 1, "emperor")
    assert refused.value.message == "Rôl anhysbys “emperor”."


def test_an_invitation_is_written_in_the_language_the_administrator_chose(app, auth):
    from helpers import outbox
    admin = auth.login(auth.user_id("admin"))
    # The form starts at the page's language; each language is named in its own, marked so.
    welsh_form = _html(admin.get("/admin/users/invite?lang=cy"))
    assert '<option lang="cy" selected value="cy">Cymraeg</option>' in welsh_form, welsh_form
    assert '<option lang="en" value="en">English</option>' in welsh_form
    assert '<option lang="en" selected value="en">English</option>' in _html(admin.get("/admin/users/invite?lang=en"))

    assert admin.post("/admin/users/invite?lang=en", data={
        "email": "dewi@example.org", "display_name": "Dewi", "role": "moderator", "language": "cy"}).status_code == 303
    mail = next(m for m in outbox(app) if m.to == "dewi@example.org")
    assert mail.subject == "Rydych wedi cael gwahoddiad i Consult", mail.subject
    assert "with the role of" not in mail.body and "Helo Dewi," in mail.body
    with app.app_context():
        assert db.session.scalar(select(User.language).where(User.email == "dewi@example.org")) == "cy"

    assert admin.post("/admin/users/invite?lang=cy", data={
        "email": "ann2@example.org", "display_name": "Ann", "role": "citizen", "language": "en"}).status_code == 303
    english = next(m for m in outbox(app) if m.to == "ann2@example.org")
    assert "with the role of citizen" in english.body

    refused = admin.post("/admin/users/invite?lang=en", data={
        "email": "x@example.org", "display_name": "X", "role": "citizen", "language": "fr"})
    assert refused.status_code == 400 and "Choose a language from the list." in _html(refused)
