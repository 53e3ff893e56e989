"""Whose address is it: throttling behind a reverse proxy, and IPv6 networks counted as one."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.accounts.models import LoginAttempt
from consult.extensions import db

from tests.helpers import fresh_app, log_in, make_user, outbox

PROXY = "10.0.0.1"  # the address every request arrives from behind a reverse proxy


@pytest.fixture
def make_app(database_url, tmp_path, monkeypatch):
    """Build an app with PROXY_FIX_X_FOR set in the environment, as a deployment would."""
    made = []

    def build(hops: str | None):
        if hops is None:
            monkeypatch.delenv("PROXY_FIX_X_FOR", raising=False)
        else:
            monkeypatch.setenv("PROXY_FIX_X_FOR", hops)
        gen = fresh_app(database_url, tmp_path)
        made.append(gen)
        return next(gen)

    yield build
    for gen in made:
        next(gen, None)


def _behind_proxy(app, client_ip: str | None):
    """A browser whose requests reach the app through the proxy, which names the client."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = PROXY
    if client_ip:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = client_ip
        client.environ_base["HTTP_X_FORWARDED_PROTO"] = "https"
    return client


def test_behind_a_trusted_proxy_two_clients_are_throttled_separately(make_app):
    app = make_app("1")
    make_user(app, "ada@example.org")
    guesser = _behind_proxy(app, "203.0.113.7")
    for _ in range(5):
        assert log_in(guesser, "ada@example.org", "wrong-password").status_code == 200
    assert log_in(guesser, "ada@example.org").status_code == 429
    # Ada, behind the same proxy, is not held up by a stranger's guesses.
    owner = _behind_proxy(app, "198.51.100.20")
    assert log_in(owner, "ada@example.org").status_code == 302
    with app.app_context():
        assert set(db.session.scalars(select(LoginAttempt.ip))) == {"203.0.113.7"}
    # The proxy said the client used https, so links in mail are https too.
    owner.post("/logout")
    owner.post("/reset", data={"email": "ada@example.org"})
    with app.app_context():
        assert "https://localhost/reset/" in outbox(app)[0].body


@pytest.mark.parametrize("hops", [None, "0"])
def test_without_a_proxy_x_forwarded_for_is_ignored_so_it_cannot_be_spoofed(make_app, hops):
    app = make_app(hops)
    make_user(app, "ada@example.org")
    for i in range(5):
        # A new made-up client address every time, straight to the app.
        log_in(_behind_proxy(app, f"203.0.113.{i + 1}"), "ada@example.org", "wrong-password")
    assert log_in(_behind_proxy(app, "203.0.113.99"), "ada@example.org").status_code == 429
    with app.app_context():
        assert set(db.session.scalars(select(LoginAttempt.ip))) == {PROXY}
