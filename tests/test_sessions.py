"""Sessions end on the server: signing out, signing out everywhere, password changes, expiry.

A session cookie is a bearer token: whoever holds a copy is signed in. These tests copy the
cookie the way a thief would (from the test client's cookie jar) and replay it from another
client, after the owner has signed out.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from consult.accounts import service
from consult.accounts.models import UserSession
from consult.extensions import db
from tests.helpers import PASSWORD, fresh_app, last_link, log_in, make_user

COOKIE = "session"


@pytest.fixture
def ada(app) -> int:
    """A confirmed citizen, Ada."""
    return make_user(app, "ada@example.org", name="Ada")


def _copy_cookie(client) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None, "no session cookie to copy"
    return cookie.value


def _replay(app, value: str):
    """A different browser presenting a copied session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, value)
    return thief


def _signed_out(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def _sessions(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(UserSession)
                                 .where(UserSession.user_id == user_id))


def test_a_copied_cookie_stops_working_when_its_owner_signs_out(app, client, ada):
    assert log_in(client, "ada@example.org").status_code == 302
    copied = _copy_cookie(client)
    assert _replay(app, copied).get("/account").status_code == 200  # the copy works...

    assert client.post("/logout").status_code == 302
    assert _signed_out(client.get("/account"))
    # ... until the owner signs out: the server has forgotten that session.
    assert _signed_out(_replay(app, copied).get("/account"))
    assert _sessions(app, ada) == 0


def test_signing_out_ends_only_this_browser(app, ada):
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, "ada@example.org")
    log_in(phone, "ada@example.org")
    laptop.post("/logout")
    assert _signed_out(laptop.get("/account"))
    assert phone.get("/account").status_code == 200


def test_sign_out_everywhere_ends_copies_of_every_session(app, ada):
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, "ada@example.org")
    log_in(phone, "ada@example.org")
    copied = _copy_cookie(phone)
    laptop.post("/account/sign-out-everywhere")
    assert _signed_out(phone.get("/account"))
    assert _signed_out(_replay(app, copied).get("/account"))
    assert _sessions(app, ada) == 0


def test_password_change_ends_copies_of_other_sessions_and_keeps_mine(app, ada):
    mine, other = app.test_client(), app.test_client()
    log_in(mine, "ada@example.org")
    log_in(other, "ada@example.org")
    copied = _copy_cookie(other)
    changed = mine.post("/account/password", data={
        "current_password": PASSWORD, "password": "a brand new password",
        "confirm": "a brand new password"})
    assert changed.status_code == 302
    assert mine.get("/account").status_code == 200
    assert _signed_out(_replay(app, copied).get("/account"))
    assert _sessions(app, ada) == 1


def test_a_password_reset_ends_every_earlier_session(app, client, ada):
    other = app.test_client()
    log_in(other, "ada@example.org")
    client.post("/reset", data={"email": "ada@example.org"})
    done = client.post(last_link(app), data={"password": "my new password!",
                                              "confirm": "my new password!"})
    assert done.status_code == 302
    assert client.get("/account").status_code == 200
    assert _signed_out(other.get("/account"))
    assert _sessions(app, ada) == 1


def test_sessions_expire_after_thirty_days_however_active(app, client, ada):
    log_in(client, "ada@example.org")
    assert client.get("/account").status_code == 200
    with app.app_context():
        db.session.execute(update(UserSession).values(
            expires_at=UserSession.created_at - timedelta(seconds=1)))
        db.session.commit()
    assert _signed_out(client.get("/account"))


def test_session_records_hold_only_a_digest_of_the_cookie_key(session, ada):
    key = service.start_session(session, ada)
    stored = session.scalar(select(UserSession.key_hash))
    assert key not in stored and len(stored) == 64
    assert service.session_is_live(session, ada, key)
    assert not service.session_is_live(session, ada + 1, key)  # another user's id
    service.end_session(session, key)
    assert not service.session_is_live(session, ada, key)


def test_a_session_without_a_record_is_refused(database_url, tmp_path):
    """A cookie naming a user but no server-side session record (forged, or from before) is out."""
    for app in fresh_app(database_url, tmp_path):
        uid = make_user(app, "ada@example.org")
        client = app.test_client()
        with app.app_context():
            from consult.models import User
            forged_id = db.session.get(User, uid).get_id()
        with client.session_transaction() as s:
            s["_user_id"] = forged_id
            s["_fresh"] = True
        assert _signed_out(client.get("/account"))
        assert log_in(client, "ada@example.org").status_code == 302
        assert client.get("/account").status_code == 200


# ---------------------------------------------------------------------------- CSRF at sign-in

def _token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_the_csrf_token_from_before_sign_in_is_not_valid_after(app, client, ada):
    app.config["WTF_CSRF_ENABLED"] = True
    before = _token(client.get("/login").get_data(as_text=True))
    signed = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD,
                                         "csrf_token": before})
    assert signed.status_code == 302
    # A token planted before sign-in (or read from the sign-in page) cannot sign the user out,
    # nor make any other signed-in request.
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    assert client.get("/account").status_code == 200
    after = _token(client.get("/account").get_data(as_text=True))
    assert after != before
    assert client.post("/logout", data={"csrf_token": after}).status_code == 302
    assert _signed_out(client.get("/account"))


def _guess_from_many_places(app, email: str, times: int = 25) -> None:
    """A botnet: one wrong password from each of many addresses, under every per-address limit."""
    for i in range(times):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{i + 1}"
        log_in(client, email, f"guess {i}")


def test_signing_out_everywhere_makes_a_lost_browser_a_stranger_to_the_sign_in_limits(app, ada):
    lost, mine = app.test_client(), app.test_client()
    assert log_in(lost, "ada@example.org").status_code == 302   # the laptop left on a train
    assert log_in(mine, "ada@example.org").status_code == 302
    assert mine.post("/account/sign-out-everywhere").status_code == 302
    _guess_from_many_places(app, "ada@example.org")
    # The lost browser still holds its known-browser cookie, but it no longer counts...
    refused = log_in(lost, "ada@example.org")
    assert refused.status_code == 429
    assert "from different places" in refused.get_data(as_text=True)
    # ... while the browser that signed out everywhere is still known and gets in.
    assert log_in(mine, "ada@example.org").status_code == 302
    assert mine.get("/account").status_code == 200
