"""Managing users in the browser (issue 20, item 2): invite with a role, deactivate and reactivate,
find by name, email or role, see one account's roles and assignments; every change audited."""
from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

from helpers import PASSWORD, get_user, last_link, log_in, outbox
from sqlalchemy import func, select

from consult.accounts.service import invitations
from consult.extensions import db
from consult.models import Comment, User, utcnow
from moderation.models import Assignment, AuditEntry

NEW_PASSWORD = "a brand new password"


def _html(response) -> str:
    """The page as text to search: entities decoded, <bdi> isolation left out."""
    return html_lib.unescape(response.get_data(as_text=True)).replace("<bdi>", "").replace("</bdi>", "")


def _actions(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.subject_type == "user",
                                            AuditEntry.subject_id == user_id)
            .order_by(AuditEntry.id)))


def test_an_admin_invites_a_moderator_whose_link_sets_the_password(app, auth):
    admin = auth.login(auth.user_id("admin"))
    form = _html(admin.get("/admin/users/invite"))
    assert "Invite someone" in form and "works once, for 7 days" in form
    response = admin.post("/admin/users/invite", data={
        "email": " Mo@Example.org ", "display_name": "Mo Moderator", "role": "moderator"})
    assert response.status_code == 303
    page = _html(admin.get(response.headers["Location"]))
    assert "We have sent an invitation to mo@example.org" in page
    assert "Invited" in page and "Send the invitation again" in page

    mail = next(m for m in outbox(app) if m.to == "mo@example.org")
    assert "with the role of moderator" in mail.body and "7 days" in mail.body
    link = last_link(app, "mo@example.org")
    assert link.startswith("/invitation/")
    with app.app_context():
        invited = db.session.scalar(select(User).where(User.email == "mo@example.org"))
        assert invited.role == "moderator" and invited.email_confirmed_at is None
        invited_id = invited.id
    # Before the link is used nobody can sign in, whatever password they try.
    assert "Email or password is not right." in _html(log_in(app.test_client(), "mo@example.org",
                                                             invited.password_hash))

    person = app.test_client()
    choose = _html(person.get(link))
    assert "Choose your password" in choose and "Mo Moderator" in choose
    mismatch = person.post(link, data={"password": NEW_PASSWORD, "confirm": "something else"})
    assert "The two passwords are not the same." in _html(mismatch)
    done = person.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert "Your password is saved and you are signed in" in _html(person.get("/account"))
    assert person.get("/moderation/").status_code == 200  # the role came with the invitation
    assert get_user(app, invited_id).email_confirmed_at is not None

    # The link works once.
    again = app.test_client().get(link)
    assert again.status_code == 400 and "already been used" in _html(again)
    assert _actions(app, invited_id) == ["invited", "invitation_accepted"]


def test_an_invitation_link_expires_after_a_week(app, auth):
    admin = auth.login(auth.user_id("admin"))
    admin.post("/admin/users/invite", data={"email": "late@example.org", "display_name": "Late",
                                            "role": "official"})
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "late@example.org"))
        old = invitations.invitation_token(app.config["SECRET_KEY"], user,
                                           now=utcnow() - timedelta(days=8))
    expired = app.test_client().get(f"/invitation/{old}")
    assert expired.status_code == 400
    assert "This link has expired." in _html(expired) and "send the invitation again" in _html(expired)
    assert app.test_client().get("/invitation/not-a-token").status_code == 400


def test_inviting_refuses_an_existing_address_and_bad_values_beside_their_fields(app, auth, make_user):
    make_user("ada@example.org", name="Ada")
    admin = auth.login(auth.user_id("admin"))
    taken = admin.post("/admin/users/invite", data={"email": "ADA@example.org", "display_name": "A",
                                                    "role": "moderator"})
    assert taken.status_code == 400
    assert "There is already an account for ada@example.org" in _html(taken)
    bad = admin.post("/admin/users/invite", data={"email": "not an address", "display_name": "B",
                                                  "role": "emperor"})
    assert bad.status_code == 400
    assert "Enter an email address in the form name@example.org." in _html(bad)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_the_invitation_can_be_sent_again_until_a_password_is_chosen(app, auth):
    admin = auth.login(auth.user_id("admin"))
    admin.post("/admin/users/invite", data={"email": "ivy@example.org", "display_name": "Ivy",
                                            "role": "citizen"})
    with app.app_context():
        ivy = db.session.scalar(select(User.id).where(User.email == "ivy@example.org"))
    response = admin.post(f"/admin/users/{ivy}/invitation", follow_redirects=True)
    assert "We have sent the invitation to ivy@example.org again." in _html(response)
    assert len([m for m in outbox(app) if m.to == "ivy@example.org"]) == 2
    link = last_link(app, "ivy@example.org")
    app.test_client().post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    refused = admin.post(f"/admin/users/{ivy}/invitation", follow_redirects=True)
    assert "there is no invitation to send" in _html(refused)
    assert "invitation_resent" in _actions(app, ivy)


def test_deactivating_ends_sessions_keeps_comments_and_refuses_sign_in(app, auth, make_user,
                                                                       make_consultation, make_comment):
    consultation = make_consultation("parking")
    ada = make_user("ada@example.org", name="Ada")
    comment = make_comment(consultation, ada, body="Keep the fees low for carers.")
    ada_client = auth.client_for(ada)
    assert ada_client.get("/account").status_code == 200
    admin = auth.login(auth.user_id("admin"))

    detail = _html(admin.get(f"/admin/users/{ada}"))
    assert "Comments written" in detail and "Deactivate Ada’s account" in detail
    confirm = _html(admin.get(f"/admin/users/{ada}/deactivate"))
    assert "Deactivate Ada’s account?" in confirm
    assert "Their 1 comment stay" in confirm.replace("comments", "comment")
    assert get_user(app, ada).deactivated_at is None  # asking changed nothing

    response = admin.post(f"/admin/users/{ada}/deactivate", data={"reason": "Repeated spam"})
    assert response.status_code == 303
    page = _html(admin.get(response.headers["Location"]))
    assert "is deactivated: they have been signed out everywhere" in page
    assert "Reactivate the account" in page and "Repeated spam" in page

    assert ada_client.get("/account").status_code == 302  # the session ended
    with app.app_context():
        kept = db.session.get(Comment, comment)
        assert kept is not None and kept.body == "Keep the fees low for carers."
    # The right password is told the account is deactivated; a wrong one learns nothing new.
    right = _html(log_in(app.test_client(), "ada@example.org", PASSWORD))
    assert "This account has been deactivated by an administrator" in right
    wrong = _html(log_in(app.test_client(), "ada@example.org", "not the password"))
    assert "Email or password is not right." in wrong and "deactivated" not in wrong
    # Nor can a reset link bring it back.
    app.test_client().post("/reset", data={"email": "ada@example.org"})
    assert not [m for m in outbox(app) if m.to == "ada@example.org" and "new password" in m.subject]

    again = admin.post(f"/admin/users/{ada}/reactivate", follow_redirects=True)
    assert "is active again" in _html(again)
    signed_in = log_in(app.test_client(), "ada@example.org", PASSWORD)
    assert signed_in.status_code == 302
    assert _actions(app, ada) == ["deactivated", "reactivated"]


def test_a_session_of_a_deactivated_account_is_refused_even_if_it_was_not_ended(app, auth, make_user):
    """A second safeguard: an account marked deactivated by any path signs nobody in."""
    ada = make_user("ada@example.org", name="Ada")
    ada_client = auth.client_for(ada)
    assert ada_client.get("/account").status_code == 200
    with app.app_context():
        db.session.get(User, ada).deactivated_at = utcnow()  # the session version is left as it was
        db.session.commit()
    assert ada_client.get("/account").status_code == 302


def test_a_reset_link_sent_before_deactivating_stops_working(app, auth, make_user):
    ada = make_user("ada@example.org", name="Ada")
    app.test_client().post("/reset", data={"email": "ada@example.org"})
    link = last_link(app, "ada@example.org")
    assert link.startswith("/reset/")
    admin = auth.login(auth.user_id("admin"))
    assert admin.post(f"/admin/users/{ada}/deactivate", data={"reason": "Left"}).status_code == 303
    person = app.test_client()
    for response in (person.get(link), person.post(link, data={"password": NEW_PASSWORD,
                                                               "confirm": NEW_PASSWORD})):
        assert response.status_code == 400
        assert "This link has already been used or is no longer valid." in _html(response)
    # The password did not change: once reactivated, the old one signs in.
    admin.post(f"/admin/users/{ada}/reactivate")
    assert log_in(app.test_client(), "ada@example.org", PASSWORD).status_code == 302


def test_an_admin_cannot_deactivate_themselves(app, auth):
    admin_id = auth.user_id("admin")
    admin = auth.login(admin_id)
    refused = admin.post(f"/admin/users/{admin_id}/deactivate", data={})
    assert refused.status_code == 400
    assert "You cannot deactivate your own account" in _html(refused)
    assert get_user(app, admin_id).deactivated_at is None


def test_users_are_found_by_name_email_or_role_and_paged(app, auth, make_user):
    make_user("ada@example.org", name="Ada Lovelace")
    make_user("grace@example.org", name="Grace Hopper", role="moderator")
    make_user("alan@example.org", name="Alan", role="official")
    admin = auth.login(auth.user_id("admin"))

    by_name = _html(admin.get("/admin/users?q=lovelace"))
    assert "ada@example.org" in by_name and "grace@example.org" not in by_name
    by_email = _html(admin.get("/admin/users?q=GRACE@"))
    assert "grace@example.org" in by_email and "ada@example.org" not in by_email
    by_role = _html(admin.get("/admin/users?role=moderator"))
    assert "grace@example.org" in by_role and "alan@example.org" not in by_role
    assert "1 account with the role moderator" in by_role
    wildcard = _html(admin.get("/admin/users?q=%25"))
    assert "No accounts match these filters" in wildcard

    with app.app_context():
        for i in range(55):
            db.session.add(User(email=f"mod{i:02d}@example.org", display_name=f"Mod {i}",
                                password_hash="x", role="moderator"))
        db.session.commit()
    first = _html(admin.get("/admin/users?role=moderator"))
    assert "56 accounts" in first and "Page 1 of 2" in first
    assert 'href="/admin/users?page=2&role=moderator"' in first
    second = _html(admin.get("/admin/users?role=moderator&page=2"))
    assert "mod54@example.org" in second and "ada@example.org" not in second


def test_a_wrong_filter_says_so_instead_of_listing_nobody(app, auth):
    admin = auth.login(auth.user_id("admin"))
    response = admin.get("/admin/users?role=emperor&standing=asleep")
    page = _html(response)
    assert response.status_code == 400
    assert "“emperor” is not a role" in page and "“asleep” is not an account state" in page
    assert "No accounts match" not in page and "0 accounts" not in page


def test_the_user_page_shows_roles_and_assignments(app, auth, make_user, make_consultation):
    consultation = make_consultation("parking")
    mo = make_user("mo@example.org", name="Mo", role="moderator")
    with app.app_context():
        db.session.add(Assignment(user_id=mo, consultation_id=consultation.id))
        db.session.commit()
    admin = auth.login(auth.user_id("admin"))
    page = _html(admin.get(f"/admin/users/{mo}"))
    assert "Consultations they moderate" in page and "Parking Policy" in page
    assert re.search(r'<option selected value="moderator">|<option value="moderator" selected>', page)
    assert admin.get("/admin/users/999999").status_code == 404


def test_changing_a_role_is_audited_and_can_return_to_the_user_page(app, auth, make_user):
    ada = make_user("ada@example.org", name="Ada")
    admin = auth.login(auth.user_id("admin"))
    response = admin.post(f"/admin/users/{ada}/role?from=user", data={"role": "official", "confirmed": "1"})
    assert response.headers["Location"] == f"/admin/users/{ada}"
    assert "Ada (ada@example.org) is now an official." in _html(admin.get(response.headers["Location"]))
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "role_changed"))
        assert entry.subject_id == ada and entry.detail == {"previous_role": "citizen", "role": "official"}


def test_only_admins_manage_users(app, auth, make_user):
    ada = make_user("ada@example.org", name="Ada")
    for role in ("citizen", "moderator", "official"):
        client = auth.as_(role)
        for method, url in (("get", f"/admin/users/{ada}"), ("get", "/admin/users/invite"),
                            ("post", f"/admin/users/{ada}/deactivate"),
                            ("post", f"/admin/users/{ada}/reactivate")):
            assert getattr(client, method)(url).status_code == 403, (role, url)
    assert get_user(app, ada).deactivated_at is None


def test_admin_forms_need_a_csrf_token(csrf_app):
    from support.factories import AuthActions, UserFactory

    auth = AuthActions(csrf_app, csrf_app.test_client(), UserFactory(csrf_app))
    ada = UserFactory(csrf_app)("ada@example.org", name="Ada")
    admin = auth.as_("admin")
    assert admin.post(f"/admin/users/{ada}/deactivate", data={"reason": "x"}).status_code == 400
    assert admin.post("/admin/users/invite", data={"email": "x@example.org", "display_name": "X",
                                                   "role": "admin"}).status_code == 400
    assert get_user(csrf_app, ada).deactivated_at is None


NUL_MESSAGE = "holds a NUL character"


def test_a_nul_character_in_a_search_or_an_email_gets_a_plain_message(app, auth, client):
    """A NUL (which PostgreSQL's text cannot hold) was a 500 error page there, in the user search,
    the invitation form, and the public sign-in, registration and reset forms."""
    admin = auth.login(auth.user_id("admin"))
    found = admin.get("/admin/users", query_string={"q": "mo\x00"})
    assert found.status_code == 400 and NUL_MESSAGE in _html(found)
    invited = admin.post("/admin/users/invite", data={"email": "mo\x00@example.org",
                                                      "display_name": "Mo", "role": "moderator"})
    assert invited.status_code == 400 and NUL_MESSAGE in _html(invited)
    for url, data in (("/login", {"email": "a\x00@example.org", "password": PASSWORD}),
                      ("/register", {"email": "a\x00@example.org", "display_name": "Ann",
                                     "password": PASSWORD, "confirm": PASSWORD}),
                      ("/reset", {"email": "a\x00@example.org"})):
        response = client.post(url, data=data)
        assert response.status_code == 400 and NUL_MESSAGE in _html(response), url
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.email.like("%example.org"))) == 1
