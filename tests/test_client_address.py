"""Whose address is it: throttling behind a reverse proxy, and IPv6 networks counted as one."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.accounts.models import LoginAttempt, MailRequest
from consult.accounts.service import source_of
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


@pytest.mark.parametrize("address, counted_as", [
    ("203.0.113.7", "203.0.113.7"),
    ("::ffff:203.0.113.7", "203.0.113.7"),            # IPv4 seen through an IPv6 socket
    ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
    ("2001:DB8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
    ("2001:db8:1:3::1", "2001:db8:1:3::/64"),         # the neighbouring /64 is someone else
    ("fe80::1%eth0", "fe80::/64"),
    ("2001:db8:1:2::/64", "2001:db8:1:2::/64"),       # already a network: unchanged
    ("", "unknown"),
    (None, "unknown"),
])
def test_addresses_are_counted_by_ipv4_address_or_ipv6_64(address, counted_as):
    assert source_of(address) == counted_as


def test_rotating_ipv6_addresses_within_one_64_is_still_throttled(app):
    """120 wrong passwords over 30 accounts, each from a new address in 2001:db8:1:2::/64."""
    answers = []
    for n in range(1, 121):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"2001:db8:1:2::{n:x}"
        answers.append(log_in(client, f"user{n % 30}@example.org", "wrong-password").status_code)
    # The first 20 are answered (wrong password); from then on the network must wait.
    assert answers[:20] == [200] * 20
    assert answers[20:] == [429] * 100


def test_reset_mail_is_limited_per_ipv6_64(app):
    for n in range(1, 11):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"2001:db8:1:2::{n:x}"
        assert client.post("/reset", data={"email": f"user{n}@example.org"}).status_code == 302
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "2001:db8:1:2::beef"
    assert client.post("/reset", data={"email": "user11@example.org"}).status_code == 429
    with app.app_context():
        assert set(db.session.scalars(select(MailRequest.ip))) == {"2001:db8:1:2::/64"}


def test_an_ipv4_client_seen_through_an_ipv6_socket_is_the_same_client(app):
    make_user(app, "ada@example.org")
    mapped = app.test_client()
    mapped.environ_base["REMOTE_ADDR"] = "::ffff:203.0.113.7"
    for _ in range(5):
        log_in(mapped, "ada@example.org", "wrong-password")
    plain = app.test_client()
    plain.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    assert log_in(plain, "ada@example.org").status_code == 429
