"""The accounts journey: register, confirm, sign in and out, passwords, deletion, roles."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from consult.accounts import confirmed_required, role_required, service
from consult.accounts.models import LoginAttempt, MailRequest
from consult.extensions import db
from consult.models import User, utcnow
from consult.passwords import hash_password, verify_password
from tests.helpers import PASSWORD, get_user, last_link, log_in, outbox

WRONG = "Email or password is not right"


@pytest.fixture
def app(app):
    """The app with two tiny routes standing in for commenting and moderation."""

    @app.route("/test/comment", methods=["GET", "POST"])
    @confirmed_required
    def _comment():
        return "comment form"

    @app.route("/test/queue")
    @role_required("moderator")
    def _queue():
        return "moderation queue"

    return app


@pytest.fixture
def ada(make_user) -> int:
    """A confirmed citizen, Ada."""
    return make_user("ada@example.org", name="Ada")


def _html(response) -> str:
    return response.get_data(as_text=True)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------------------- the journey

def test_register_confirm_from_outbox_then_sign_in_and_comment(app, client):
    page = client.get("/register?next=/c/parking")
    assert page.status_code == 200
    assert 'autocomplete="new-password"' in _html(page)
    assert '<label class="field-label" for="email">' in _html(page)

    response = client.post("/register", data={
        "email": "  Bea@Example.org ", "display_name": "Bea", "password": PASSWORD,
        "confirm": PASSWORD, "next": "/c/parking",
    })
    assert response.status_code == 302
    check = client.get(response.headers["Location"])
    assert "We have sent an email to bea@example.org" in _html(check)

    # Signed in but unconfirmed: reading is fine, commenting is not.
    assert log_in(client, "bea@example.org").status_code == 302
    refused = client.get("/test/comment")
    assert refused.status_code == 403
    assert "Confirm your email address first" in _html(refused)

    [mail] = outbox(app)
    assert mail.to == "bea@example.org" and "Confirm your email" in mail.subject
    link = last_link(app, "bea@example.org")
    assert link.startswith("/confirm/")
    confirmed = client.get(link)
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"].endswith("/account") is False  # carries next
    assert confirmed.headers["Location"] == "/c/parking"
    assert client.get("/test/comment").get_data(as_text=True) == "comment form"

    # A fresh browser signs in with the new account and lands where it started.
    other = app.test_client()
    signed = log_in(other, "bea@example.org", next="/c/parking")
    assert signed.headers["Location"] == "/c/parking"
    assert other.get("/test/comment").status_code == 200


def _register(client, email: str, next: str | None = None):
    data = {"email": email, "display_name": email.split("@")[0], "password": PASSWORD,
            "confirm": PASSWORD}
    if next is not None:
        data["next"] = next
    return client.post("/register", data=data)


def test_confirming_in_the_registering_browser_signs_in_and_returns_to_the_page(app, client):
    assert client.get("/register?next=/c/parking/p/fees").status_code == 200
    _register(client, "cy@example.org", next="/c/parking/p/fees")
    response = client.get(last_link(app))
    assert response.status_code == 302
    assert response.headers["Location"] == "/c/parking/p/fees"
    assert client.get("/test/comment").get_data(as_text=True) == "comment form"
    assert "Your email address is confirmed. You can now comment." in _html(client.get("/"))
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "cy@example.org"))
        assert user.email_confirmed_at is not None


def test_creating_an_account_from_a_paragraph_returns_there_signed_in_ready_to_comment(app, client):
    from consult.consultations.service import create_consultation
    from tests.helpers import PARKING

    with app.app_context():
        now = utcnow()
        consultation = create_consultation(
            db.session, slug="parking", files=[("parking.md", PARKING)], publish=True,
            opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=10))
        db.session.commit()
        anchor = consultation.versions[0].paragraphs[-1].anchor
    paragraph = f"/c/parking/p/{anchor}"
    html = _html(client.get(paragraph))
    join = re.search(r'<p class="join">.*?</p>', html, re.S).group(0)
    register_link = re.search(r'href="(/register[^"]*)"', join).group(1).replace("&amp;", "&")
    assert client.get(register_link).status_code == 200
    form = _html(client.get(register_link))
    next_value = re.search(r'id="next" name="next" type="hidden" value="([^"]*)"', form).group(1)
    assert next_value == paragraph

    _register(client, "cy@example.org", next=next_value)
    landed = client.get(last_link(app, "cy@example.org"))
    assert landed.headers["Location"] == paragraph
    assert 'name="body"' in _html(client.get(paragraph))  # the comment form, no more sign-in


def test_confirming_in_another_browser_confirms_but_asks_to_sign_in(app, client):
    _register(client, "cy@example.org", next="/c/parking")
    link = last_link(app)
    elsewhere = app.test_client()  # e.g. the mail opened on a phone, or by a link scanner
    response = elsewhere.get(link)
    assert response.headers["Location"] == "/login?next=/c/parking"
    assert "Your email address is confirmed. Sign in" in _html(elsewhere.get("/login"))
    assert elsewhere.get("/account").status_code == 302
    assert get_user(app, 1).email_confirmed_at is not None
    # Signing in there lands on the page the account was created from.
    signed = log_in(elsewhere, "cy@example.org", next="/c/parking")
    assert signed.headers["Location"] == "/c/parking"


def test_a_confirmation_link_signs_in_only_once(app, client):
    _register(client, "cy@example.org")
    link = last_link(app)
    assert client.get(link).headers["Location"] == "/account"
    client.post("/logout")
    # The same link, opened again in the same browser, confirms nothing new and signs no one in.
    again = client.get(link)
    assert again.headers["Location"] == "/login"
    assert client.get("/account").status_code == 302


def test_a_confirmation_link_never_redirects_off_site(app, client):
    _register(client, "cy@example.org", next="https://evil.example/")
    link = last_link(app)
    assert "evil" not in link
    assert client.get(link).headers["Location"] == "/account"
    client.post("/logout")
    # Nor when someone appends their own next to a genuine link.
    _register(app.test_client(), "dot@example.org")
    crafted = last_link(app, "dot@example.org") + "?next=//evil.example/"
    assert client.get(crafted).headers["Location"] == "/login"


def test_registering_a_taken_unconfirmed_address_does_not_sign_the_registrant_in(app, client, make_user):
    uid = make_user("dee@example.org", confirmed=False)
    _register(client, "dee@example.org")  # someone else's address, and their own password
    client.get(last_link(app, "dee@example.org"))
    assert client.get("/account").status_code == 302
    assert get_user(app, uid).email_confirmed_at is not None


def test_forged_or_stale_confirmation_links_are_refused(app, client, make_user):
    uid = make_user("dee@example.org", confirmed=False)
    assert client.get("/confirm/not-a-token").status_code == 400
    with app.app_context():
        user = db.session.get(User, uid)
        old = service.confirmation_token(app.config["SECRET_KEY"], user,
                                         now=utcnow() - timedelta(days=4))
        other_key = service.confirmation_token("another-secret", user)
    expired = client.get(f"/confirm/{old}")
    assert expired.status_code == 400 and "This link has expired" in _html(expired)
    assert client.get(f"/confirm/{other_key}").status_code == 400
    assert get_user(app, uid).email_confirmed_at is None


def test_register_errors_are_shown_on_the_form_keeping_what_was_typed(client):
    response = client.post("/register", data={
        "email": "eve@example.org", "display_name": "Eve Example",
        "password": "short", "confirm": "short",
    })
    html = _html(response)
    assert response.status_code == 200
    assert "There is a problem" in html
    assert re.search(r'<a href="#password">[^<]*' + re.escape('Choose a password of at least 10 characters.</a>'), html)
    assert 'aria-describedby="password-hint password-error"' in html
    assert 'value="eve@example.org"' in html and 'value="Eve Example"' in html
    assert 'value="short"' not in html  # passwords are never echoed back

    # Every problem is listed at once, each linked to its field.
    several = _html(client.post("/register", data={
        "email": "not-an-email", "display_name": "", "password": PASSWORD,
        "confirm": PASSWORD + "x"}))
    assert re.search(r'<a href="#email">[^<]*' + re.escape('Enter an email address'), several)
    assert re.search(r'<a href="#display_name">[^<]*' + re.escape('Enter the name to show'), several)
    assert re.search(r'<a href="#confirm">[^<]*' + re.escape('The two passwords are not the same.</a>'), several)


def test_registering_a_taken_address_looks_the_same_but_mails_the_owner(app, client, ada):
    response = client.post("/register", data={
        "email": "ada@example.org", "display_name": "Impostor", "password": PASSWORD + "!",
        "confirm": PASSWORD + "!"})
    assert response.status_code == 302
    assert "We have sent an email to ada@example.org" in _html(client.get(response.headers["Location"]))
    [mail] = outbox(app)
    assert "You already have" in mail.subject
    assert get_user(app, ada).display_name == "Ada"
    assert _count(app, User) == 1


def test_the_session_after_registering_does_not_tell_whether_the_address_was_taken(app, ada, make_user):
    """The session cookie is signed, not encrypted: anyone holding it can read it."""
    make_user("dee@example.org", confirmed=False)
    seen = {}
    for email in ("new@example.org", "ada@example.org", "dee@example.org"):
        browser = app.test_client()
        assert _register(browser, email).status_code == 302
        with browser.session_transaction() as stored:
            seen[email] = {key: len(str(value)) for key, value in stored.items()
                           if key != "_flashes"}
    assert seen["new@example.org"] == seen["ada@example.org"] == seen["dee@example.org"]


@pytest.mark.parametrize("name", ["\u200b\u200b", "\u3164\u3164", "\u2800", "\u202e", " \u200d\u2060 "])
def test_a_display_name_of_only_invisible_characters_is_refused_like_an_empty_one(app, client, name):
    response = client.post("/register", data={"email": "eve@example.org", "display_name": name,
                                              "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 200
    assert re.search(r'<a href="#display_name">[^<]*' + re.escape(
        "Enter the name to show with your comments: the name sent has only invisible characters."),
        _html(response))
    assert _count(app, User) == 0


@pytest.mark.parametrize("typed, stored", [
    ("Eve\u202e", "Eve"),  # an override never closed would turn the text after the name around
    ("\u202eEve  Example", "Eve Example"),
    ("Eve\u202c", "Eve"),  # a closer with nothing to close
    ("\u202bعلي\u202c Smith", "\u202bعلي\u202c Smith"),  # paired: only affects its own words
    ("نرگس\u200cزاده", "نرگس\u200cزاده"),  # the zero-width non-joiner Persian spelling needs
])
def test_a_display_name_is_stored_without_direction_controls_left_open(app, client, typed, stored):
    response = client.post("/register", data={"email": "eve@example.org", "display_name": typed,
                                              "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302, _html(response)
    with app.app_context():
        assert db.session.scalar(select(User.display_name)) == stored


# ---------------------------------------------------------------------------- signing in

def test_wrong_password_and_unknown_email_get_the_same_answer(client, ada):
    wrong = client.post("/login", data={"email": "ada@example.org", "password": "nope-nope-nope"})
    unknown = client.post("/login", data={"email": "zed@example.org", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 200
    assert WRONG in _html(wrong) and WRONG in _html(unknown)
    assert 'value="ada@example.org"' in _html(wrong)  # the email is kept
    assert client.get("/account").status_code == 302  # still signed out


def test_sign_in_with_any_capitalisation_of_the_email(client, ada):
    response = log_in(client, " ADA@example.org ")
    assert response.status_code == 302
    assert client.get("/account").status_code == 200


def _from(app, ip: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def test_too_many_failures_for_an_account_from_one_network_are_refused_there(app, ada, make_user):
    attacker = _from(app, "203.0.113.5")
    for _ in range(5):
        assert WRONG in _html(log_in(attacker, "ada@example.org", "wrong-password"))
    # From there even the right password is refused now, and the page says how long to wait.
    blocked = log_in(attacker, "ada@example.org")
    assert blocked.status_code == 429
    assert "too many attempts to sign in to this account from your network" in _html(blocked)
    assert "wait 15 minutes" in _html(blocked)
    assert 840 <= int(blocked.headers["Retry-After"]) <= 900
    assert attacker.get("/account").status_code == 302
    # Another account from the same place is unaffected.
    make_user("bo@example.org")
    assert log_in(attacker, "bo@example.org").status_code == 302


def test_a_stranger_who_knows_the_address_cannot_lock_the_owner_out(app, ada):
    stranger = _from(app, "203.0.113.5")
    for _ in range(6):
        log_in(stranger, "ada@example.org", "guessing-the-password")
    owner = _from(app, "198.51.100.20")  # at home, never signed in from there before
    assert log_in(owner, "ada@example.org").status_code == 302
    assert owner.get("/account").status_code == 200


def test_many_sources_guessing_one_account_are_capped_but_the_owners_browser_gets_in(app, ada):
    owner = _from(app, "198.51.100.20")
    assert log_in(owner, "ada@example.org").status_code == 302
    owner.post("/logout")
    # A botnet: 25 guesses from 25 addresses, under every per-address limit.
    for i in range(25):
        log_in(_from(app, f"203.0.113.{i + 1}"), "ada@example.org", f"guess {i}")
    newcomer = log_in(_from(app, "192.0.2.99"), "ada@example.org")
    assert newcomer.status_code == 429
    assert "from different places" in _html(newcomer)
    # The owner's browser, known from its earlier sign-in, is not held up, even on a new network.
    owner.environ_base["REMOTE_ADDR"] = "192.0.2.100"
    assert log_in(owner, "ada@example.org").status_code == 302
    assert owner.get("/account").status_code == 200


def test_the_known_browser_cookie_reaches_the_sign_in_page_under_a_script_root(app, ada):
    """Served at https://example.gov/consult/ (SCRIPT_NAME=/consult), not at the site root."""
    root = "http://localhost/consult"

    def sign_in(client, password=PASSWORD):
        return client.post("/login", base_url=root,
                           data={"email": "ada@example.org", "password": password})

    owner = app.test_client()
    signed_in = sign_in(owner)
    assert signed_in.status_code == 302
    [cookie] = [c for c in signed_in.headers.getlist("Set-Cookie")
                if c.startswith("consult_known_browser=")]
    assert "Path=/consult/login;" in cookie
    owner.post("/logout", base_url=root)
    for i in range(25):
        guesser = app.test_client()
        guesser.environ_base["REMOTE_ADDR"] = f"203.0.113.{i + 1}"
        sign_in(guesser, f"guess {i}")
    assert sign_in(app.test_client()).status_code == 429
    assert sign_in(owner).status_code == 302  # the owner's browser is still known there


def test_throttle_lifts_after_the_window_and_success_clears_only_its_source(session, ada):
    start = utcnow()
    for i in range(5):
        with pytest.raises(service.AccountError):
            service.authenticate(session, "ada@example.org", "wrong", "10.0.0.1",
                                 now=start + timedelta(minutes=i))
    with pytest.raises(service.LoginThrottled) as caught:
        service.authenticate(session, "ada@example.org", PASSWORD, "10.0.0.1",
                             now=start + timedelta(minutes=5))
    assert caught.value.retry_at == start + timedelta(minutes=15)
    assert "wait 10 minutes" in caught.value.message
    with pytest.raises(service.AccountError):
        service.authenticate(session, "ada@example.org", "wrong", "10.0.0.2",
                             now=start + timedelta(minutes=6))
    # Once the first failure is 15 minutes old, one more try is allowed; it succeeds.
    user = service.authenticate(session, "ada@example.org", PASSWORD, "10.0.0.1",
                                now=start + timedelta(minutes=15, seconds=1))
    assert user.email == "ada@example.org"
    remaining = session.scalars(select(LoginAttempt.ip)
                                .where(LoginAttempt.email == "ada@example.org")).all()
    assert remaining == ["10.0.0.2"]  # someone else's guess still counts against the account


def test_a_known_browser_token_is_refused_for_another_account_or_after_a_reset(app, session, ada, make_user):
    bo = make_user("bo@example.org")
    secret = app.config["SECRET_KEY"]
    ada_user, bo_user = session.get(User, ada), session.get(User, bo)
    token = service.device_token(secret, ada_user)
    assert service.is_known_browser(secret, token, ada_user)
    assert not service.is_known_browser(secret, token, bo_user)
    assert not service.is_known_browser("another-secret", token, ada_user)
    assert not service.is_known_browser(secret, token, ada_user,
                                        now=utcnow() + timedelta(days=366))
    ada_user.session_version += 1  # signed out on every device
    assert not service.is_known_browser(secret, token, ada_user)
    assert service.is_known_browser(secret, service.device_token(secret, ada_user), ada_user)
    ada_user.password_hash = hash_password("a brand new password")
    assert not service.is_known_browser(secret, token, ada_user)


def test_too_many_failures_from_one_ip_are_refused(session, ada):
    start = utcnow()
    for i in range(20):
        session.add(LoginAttempt(email=f"guess{i}@example.org", ip="203.0.113.9",
                                 created_at=start + timedelta(seconds=i)))
    session.flush()
    with pytest.raises(service.LoginThrottled) as caught:
        service.authenticate(session, "ada@example.org", PASSWORD, "203.0.113.9",
                             now=start + timedelta(minutes=1))
    assert "from your network" in caught.value.message
    assert caught.value.retry_at == start + timedelta(minutes=15)
    # A different address is not affected, and the block lifts after the window.
    assert service.authenticate(session, "ada@example.org", PASSWORD, "198.51.100.1",
                                now=start + timedelta(minutes=1))
    assert service.authenticate(session, "ada@example.org", PASSWORD, "203.0.113.9",
                                now=start + timedelta(minutes=16))


@pytest.mark.parametrize("target, expected", [
    ("/c/parking", "/c/parking"),
    ("/c/parking/p/fees?x=1#c2", "/c/parking/p/fees?x=1#c2"),
    ("https://evil.example/", None),
    ("//evil.example/", None),
    ("/\\evil.example", None),
    ("\\\\evil.example", None),
    ("/\t/evil.example", None),
    ("javascript:alert(1)", None),
    ("JaVaScRiPt:alert(1)", None),
    ("evil.example", None),
    ("", None),
    (None, None),
])
def test_safe_next_keeps_only_paths_on_this_site(target, expected):
    assert service.safe_next(target) == expected


def test_sign_in_never_redirects_off_site(client, ada):
    for target in ("https://evil.example/", "//evil.example", "/\\evil.example",
                   "javascript:alert(1)"):
        response = log_in(client, "ada@example.org", next=target)
        assert response.status_code == 302
        assert response.headers["Location"] == "/", target
        client.post("/logout")
    response = log_in(client, "ada@example.org", next="/c/parking?tab=2")
    assert response.headers["Location"] == "/c/parking?tab=2"


def test_login_page_drops_an_off_site_next(client):
    html = _html(client.get("/login?next=//evil.example"))
    assert "evil.example" not in html


def test_sign_out_ends_the_session(client, ada):
    log_in(client, "ada@example.org")
    assert client.get("/account").status_code == 200
    assert client.get("/logout").status_code == 405  # a link cannot sign you out
    response = client.post("/logout")
    assert response.status_code == 302
    page = client.get("/account")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")
    assert "Sign in" in _html(client.get("/"))


def test_nav_shows_sign_in_or_account_links(client, ada):
    html = _html(client.get("/"))
    assert 'href="/login' in html and 'href="/register' in html
    log_in(client, "ada@example.org")
    html = _html(client.get("/"))
    assert 'href="/me/comments"' in html and 'action="/logout"' in html
    assert 'href="/login' not in html


# ---------------------------------------------------------------------------- measures in force

def test_account_page_shows_measures_in_force_with_reason_and_end(app, client, ada, make_user):
    from moderation import service as moderation

    moderator = make_user("mo@example.org", role="moderator", name="Mo")
    # A request context: imposing a measure mails the user, with links to the site.
    with app.test_request_context():
        now = utcnow()
        # Noon UTC: the same date in any time zone the site may display.
        until = (now + timedelta(days=30)).replace(hour=12, minute=0, second=0, microsecond=0)
        moderation.impose_sanction(db.session, ada, "premoderate", "Links to <b>spam</b> sites",
                                   moderator, ends_at=until, now=now)
        moderation.impose_sanction(db.session, ada, "suspend", "Repeated personal attacks",
                                   moderator, ends_at=until, now=now)
        lifted = moderation.impose_sanction(db.session, ada, "ban", "Lifted on appeal",
                                            moderator, now=now)
        moderation.revoke_sanction(db.session, lifted.id, moderator)
        db.session.commit()
    log_in(client, "ada@example.org")
    html = " ".join(_html(client.get("/account")).split())
    when = f"{until.day} {until:%B %Y}"
    assert "Measures on your account" in html
    assert re.search(r"Your comments are held for a moderator before they are published until "
                     r'<time datetime="[^"]+">' + when, html)
    assert "Reason: Links to &lt;b&gt;spam&lt;/b&gt; sites" in html  # shown as text, not markup
    assert re.search(r'You cannot post comments until <time datetime="[^"]+">' + when, html)
    assert "Reason: Repeated personal attacks" in html
    assert "Lifted on appeal" not in html and "no longer post" not in html


def test_account_page_without_measures_says_nothing_about_them(client, ada):
    log_in(client, "ada@example.org")
    assert "Measures on your account" not in _html(client.get("/account"))


# ---------------------------------------------------------------------------- passwords

def test_password_change_ends_other_sessions_but_not_mine(app, ada):
    mine, other = app.test_client(), app.test_client()
    log_in(mine, "ada@example.org")
    log_in(other, "ada@example.org")
    assert other.get("/account").status_code == 200

    wrong = mine.post("/account/password", data={
        "current_password": "not-my-password", "password": "a brand new password",
        "confirm": "a brand new password"})
    assert "Your current password is not right." in _html(wrong)

    changed = mine.post("/account/password", data={
        "current_password": PASSWORD, "password": "a brand new password",
        "confirm": "a brand new password"})
    assert changed.status_code == 302
    assert mine.get("/account").status_code == 200          # I carry on
    assert other.get("/account").status_code == 302        # the other browser is out
    assert "password was changed" in outbox(app)[0].subject
    fresh = app.test_client()
    assert WRONG in _html(log_in(fresh, "ada@example.org", PASSWORD))
    assert log_in(fresh, "ada@example.org", "a brand new password").status_code == 302


def test_sign_out_everywhere(app, ada):
    mine, other = app.test_client(), app.test_client()
    log_in(mine, "ada@example.org")
    log_in(other, "ada@example.org")
    mine.post("/account/sign-out-everywhere")
    assert mine.get("/account").status_code == 302
    assert other.get("/account").status_code == 302


def test_reset_link_works_once(app, client, ada):
    client.post("/reset", data={"email": "ADA@example.org"})
    [mail] = outbox(app)
    assert mail.to == "ada@example.org" and "new password" in mail.subject
    link = last_link(app)
    assert client.get(link).status_code == 200

    mismatch = client.post(link, data={"password": "my new password!", "confirm": "other"})
    assert "The two passwords are not the same." in _html(mismatch)

    done = client.post(link, data={"password": "my new password!",
                                   "confirm": "my new password!"})
    assert done.status_code == 302
    assert client.get("/account").status_code == 200  # signed in by the reset
    # Told by mail, as a change on the account page is (walkthrough: a reset sent nothing).
    changed = outbox(app)[0]
    assert changed.to == "ada@example.org" and "password was changed" in changed.subject

    again = app.test_client().get(link)
    assert again.status_code == 400
    assert "already been used" in _html(again)
    fresh = app.test_client()
    assert WRONG in _html(log_in(fresh, "ada@example.org", PASSWORD))
    assert log_in(fresh, "ada@example.org", "my new password!").status_code == 302


def test_reset_link_expires_after_an_hour(app, client, ada):
    with app.app_context():
        user = db.session.get(User, ada)
        old = service.reset_token(app.config["SECRET_KEY"], user,
                                  now=utcnow() - timedelta(minutes=61))
        fresh = service.reset_token(app.config["SECRET_KEY"], user,
                                    now=utcnow() - timedelta(minutes=59))
    response = client.post(f"/reset/{old}", data={"password": "my new password!",
                                                   "confirm": "my new password!"})
    assert response.status_code == 400
    assert "This link has expired" in _html(response)
    assert "Ask for a new link" in _html(response)
    assert client.get(f"/reset/{fresh}").status_code == 200


def test_reset_request_answers_the_same_for_unknown_addresses(app, client):
    response = client.post("/reset", data={"email": "nobody@example.org"})
    assert response.status_code == 302
    assert "If there is an account for nobody@example.org" in _html(client.get(response.headers["Location"]))
    assert outbox(app) == []


def test_reset_links_are_limited_per_address_known_or_not(app, client, ada):
    """Nobody can have the site mail an address over and over: three links an hour, then a
    refusal that says when to ask again, the same for an address with no account."""
    for _ in range(service.MAX_MAILS_PER_EMAIL):
        assert client.post("/reset", data={"email": "ada@example.org"}).status_code == 302
        assert client.post("/reset", data={"email": "nobody@example.org"}).status_code == 302
    assert len(outbox(app)) == service.MAX_MAILS_PER_EMAIL
    for address in ("Ada@Example.org", "nobody@example.org"):
        refused = client.post("/reset", data={"email": address})
        assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= 3600
        assert "use the latest link we sent, or ask again in" in _html(refused)
        assert f'value="{address}"' in _html(refused)  # what was typed is kept
    assert len(outbox(app)) == service.MAX_MAILS_PER_EMAIL
    # An hour later the address may ask again.
    with app.app_context():
        db.session.execute(update(MailRequest).values(created_at=utcnow() - timedelta(minutes=61)))
        db.session.commit()
    assert client.post("/reset", data={"email": "ada@example.org"}).status_code == 302
    assert len(outbox(app)) == service.MAX_MAILS_PER_EMAIL + 1


def test_reset_links_are_limited_per_network(app, client):
    for n in range(service.MAX_MAILS_PER_IP):
        assert client.post("/reset", data={"email": f"person{n}@example.org"}).status_code == 302
    refused = client.post("/reset", data={"email": "one-more@example.org"})
    assert refused.status_code == 429
    assert "from your network" in _html(refused)
    other = client.post("/reset", data={"email": "one-more@example.org"},
                        environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 302


def test_new_confirmation_links_are_limited_too(app, client, make_user):
    make_user("una@example.org", name="Una", confirmed=False)
    log_in(client, "una@example.org")
    sent = len([m for m in outbox(app) if m.to == "una@example.org"])
    for _ in range(service.MAX_MAILS_PER_EMAIL):
        page = _html(client.post("/account/confirm", follow_redirects=True))
        assert "We have sent a new link to una@example.org" in page
    page = _html(client.post("/account/confirm", follow_redirects=True))
    assert "ask again in" in page
    assert len([m for m in outbox(app) if m.to == "una@example.org"]) == sent + service.MAX_MAILS_PER_EMAIL


# ---------------------------------------------------------------------------- deletion

def test_delete_account_anonymises_and_the_user_cannot_sign_in(app, client, ada):
    log_in(client, "ada@example.org")
    page = _html(client.get("/account/delete"))
    assert "stay on the site" in page and "a former participant" in page

    refused = client.post("/account/delete", data={"password": "not my password"})
    assert "Your password is not right." in _html(refused)
    assert get_user(app, ada).deleted_at is None

    response = client.post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 302
    user = get_user(app, ada)
    assert user.deleted_at is not None
    assert user.display_name == "a former participant"
    # The address is gone (a random "deleted-…" address could contain "ada" by chance).
    assert user.email != "ada@example.org" and "@example.org" not in user.email
    assert user.email.endswith(".invalid")
    assert not verify_password(user.password_hash, PASSWORD)
    assert _count(app, User) == 1  # the row stays, for the comments that point at it

    assert client.get("/account").status_code == 302  # signed out
    assert WRONG in _html(log_in(client, "ada@example.org"))
    # The address is free again for a new account.
    client.post("/register", data={"email": "ada@example.org", "display_name": "Ada again",
                                   "password": PASSWORD, "confirm": PASSWORD})
    assert _count(app, User) == 2


def test_deleted_users_get_unique_placeholders(session):
    from consult.users import create_user

    emails = set()
    for name in ("a", "b"):
        user = create_user(session, f"{name}@example.org", PASSWORD)
        service.anonymise(user)
        session.flush()
        emails.add(user.email)
    assert len(emails) == 2


# ---------------------------------------------------------------------------- roles

def test_admin_grants_a_role(app, client, ada, auth, make_user):
    admin = make_user("root@example.org", role="admin", name="Root")
    auth.login(admin)
    page = _html(client.get("/admin/users?q=ADA@"))
    assert "ada@example.org" in page and "root@example.org" not in page
    assert f'action="/admin/users/{ada}/role?q=ADA@&amp;page=1"' in page

    response = client.post(f"/admin/users/{ada}/role", data={"role": "moderator", "confirmed": "1"})
    assert response.status_code == 302
    assert "Ada (ada@example.org) is now a moderator." in _html(client.get(response.headers["Location"]))
    assert get_user(app, ada).role == "moderator"

    ada_client = auth.client_for(ada)
    assert ada_client.get("/test/queue").get_data(as_text=True) == "moderation queue"


def test_admin_cannot_demote_themselves(app, client, auth, make_user):
    admin = make_user("root@example.org", role="admin", name="Root")
    auth.login(admin)
    response = client.post(f"/admin/users/{admin}/role", data={"role": "citizen"},
                           follow_redirects=True)
    assert "You cannot remove your own admin role" in _html(response)
    assert get_user(app, admin).role == "admin"


def test_admin_list_is_paginated(app, client, auth, make_user):
    admin = make_user("root@example.org", role="admin", name="Root")
    with app.app_context():
        for i in range(55):
            db.session.add(User(email=f"u{i:02d}@example.org", display_name=f"U{i}",
                                password_hash="x"))
        db.session.commit()
    auth.login(admin)
    first = _html(client.get("/admin/users"))
    assert "56 accounts" in first and "Page 1 of 2" in first and "u54@example.org" not in first
    second = _html(client.get("/admin/users?page=2"))
    assert "u54@example.org" in second and "Previous page" in second


def test_non_admins_are_refused_and_anonymous_visitors_sent_to_sign_in(app, client, ada, auth):
    anonymous = client.get("/admin/users")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"] == "/login?next=%2Fadmin%2Fusers"

    auth.login(ada)
    refused = client.get("/admin/users")
    assert refused.status_code == 403
    assert "This page is for admins" in _html(refused)
    assert client.post(f"/admin/users/{ada}/role", data={"role": "admin"}).status_code == 403
    assert get_user(app, ada).role == "citizen"
    assert client.get("/test/queue").status_code == 403


def test_role_required_rejects_unknown_roles():
    with pytest.raises(ValueError):
        role_required("moderater")


def test_confirmed_required_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/test/comment")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Ftest%2Fcomment"


# ---------------------------------------------------------------------------- CSRF and outbox

def test_posts_without_a_csrf_token_are_refused(app, client, ada):
    app.config["WTF_CSRF_ENABLED"] = True
    refused = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    assert refused.status_code == 400
    assert client.get("/account").status_code == 302

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      _html(client.get("/login"))).group(1)
    accepted = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD,
                                           "csrf_token": token})
    assert accepted.status_code == 302
    assert client.get("/account").status_code == 200
    # Signing out is a POST too, so a cross-site page cannot sign you out.
    assert client.post("/logout").status_code == 400


def test_outbox_page_lists_mail_newest_first_with_links(app, client):
    for name in ("first", "second"):
        client.post("/register", data={"email": f"{name}@example.org", "display_name": name,
                                       "password": PASSWORD, "confirm": PASSWORD})
    html = _html(client.get("/dev/outbox"))
    html = html[html.index('<ol class="outbox">'):]
    assert html.index("second@example.org") < html.index("first@example.org")
    assert re.search(r'<a href="http://localhost/confirm/[^"]+"', html)


def test_outbox_page_is_hidden_outside_development(app, client):
    app.config["CONSULT_ENV"] = "production"
    assert client.get("/dev/outbox").status_code == 404
    app.config["SHOW_OUTBOX"] = True
    assert client.get("/dev/outbox").status_code == 200
