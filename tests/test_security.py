"""Walks the whole URL map: CSRF on every state change, and the access table for every page."""
from __future__ import annotations

import pytest
from access_table import ACCESS, ROLES  # noqa: I001 - tests/ is on sys.path (rootdir conftest)
from helpers import fresh_app
from support.factories import AuthActions, UserFactory
from werkzeug.routing import Rule

from consult import create_app

DUMMY_ARGS = {"slug": "no-such-consultation", "anchor": "no-such-anchor", "number": 1,
              "comment_id": 999999, "user_id": 999999, "token": "not-a-token",
              "filename": "css/consult.css", "item_id": 999999, "decision_id": 999999, "reattachment_id": 999999,
              "sanction_id": 999999, "theme_id": 999999, "job_id": 999999,
              "proposal_id": 999999, "media": "0" * 64 + ".png", "code": "cy"}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _rules(app) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: r.rule)


def _url(rule: Rule) -> str:
    args = {name: DUMMY_ARGS[name] for name in rule.arguments}
    return rule.build(args, append_unknown=False)[1]


@pytest.fixture
def csrf_app(database_url, tmp_path):
    """The app with CSRF protection on, as in production."""
    yield from fresh_app(database_url, tmp_path, SECRET_KEY="s", CONSULT_ENV="production",
                         WTF_CSRF_ENABLED=True)


@pytest.fixture
def csrf_auth(csrf_app):
    """The `auth` fixture's sign-ins, for the CSRF-protected app."""
    return AuthActions(csrf_app, csrf_app.test_client(), UserFactory(csrf_app))


def test_every_endpoint_is_in_the_access_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - ACCESS.keys()) == [], "add new routes to tests/access_table.py"
    assert sorted(ACCESS.keys() - endpoints) == [], "remove stale routes from the table"


def test_every_state_changing_route_refuses_a_request_without_csrf_token(csrf_app, csrf_auth):
    for role in ROLES:
        csrf_auth.user_id(role)
    checked = 0
    for rule in _rules(csrf_app):
        if not rule.methods & STATE_CHANGING:
            continue
        for who in (None, "admin"):
            client = csrf_auth.as_(who) if who else csrf_app.test_client()
            response = client.post(_url(rule), data={"body": "x", "role": "admin"})
            assert response.status_code == 400, f"{rule.rule} accepted a POST without CSRF token"
            assert "expired or was sent from another site" in response.get_data(as_text=True)
        checked += 1
    assert checked >= 10


def test_state_changing_only_routes_refuse_get(app):
    readable = {rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    for rule in _rules(app):
        methods = rule.methods - {"HEAD", "OPTIONS"}
        # (a path may also have a separate page for reading, e.g. /c/<slug>/comments)
        if methods and methods <= STATE_CHANGING and rule.rule not in readable:
            response = app.test_client().get(_url(rule))
            assert response.status_code == 405, f"GET {rule.rule} gave {response.status_code}"


def _expectation(level: str, role: str | None) -> str:
    """What should happen: 'ok' (not refused), 'login' (sent to sign in) or 'forbidden'."""
    if level in ("public", "anonymous"):
        return "ok"
    if role is None:
        return "login"
    if level == "signed_in":
        return "ok"
    if role == "admin" or role == level or (isinstance(level, tuple) and role in level):
        return "ok"
    return "forbidden"


def _outcome(response) -> str:
    location = response.headers.get("Location", "")
    # Flask-Login sends refused visitors to /login?next=...; a plain /login redirect is a
    # completed action (e.g. "sign out everywhere").
    if response.status_code in (301, 302, 303) and "/login?next=" in location:
        return "login"
    if response.status_code in (401,):
        return "login"
    if response.status_code == 403:
        return "forbidden"
    return "ok"


@pytest.mark.parametrize("role", [None, *ROLES])
def test_access_table_holds_for_every_page_and_role(app, auth, role):
    for each in ROLES:
        auth.user_id(each)  # <role>@example.org: one account per role before any page is read
    for rule in _rules(app):
        level = ACCESS[rule.endpoint]
        if level == "dev" or rule.endpoint == "static":
            continue
        # A new sign-in for each page: "sign out everywhere" ends the sessions issued before it.
        client = auth.as_(role) if role else app.test_client()
        method = "get" if "GET" in rule.methods else "post"
        response = getattr(client, method)(_url(rule))
        assert response.status_code < 500, f"{method.upper()} {rule.rule} as {role}: 500"
        expected, got = _expectation(level, role), _outcome(response)
        assert got == expected, f"{method.upper()} {rule.rule} as {role or 'anonymous'}: {got}, expected {expected}"


def test_dev_outbox_is_hidden_in_production(csrf_app):
    assert csrf_app.test_client().get("/dev/outbox").status_code == 404


def test_hsts_only_over_https_and_session_cookie_flags(csrf_app):
    client = csrf_app.test_client()
    assert "Strict-Transport-Security" not in client.get("/").headers
    assert "max-age=" in client.get("/", base_url="https://localhost").headers["Strict-Transport-Security"]
    response = client.get("/login")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_https_setting_makes_cookies_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("HTTPS", "true")
    app = create_app({"SECRET_KEY": "s", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'h.db'}"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_passwords_are_stored_with_memory_hard_argon2id(_quick_password_hashing):
    from argon2 import Type

    from consult.passwords import hash_password, verify_password

    production = _quick_password_hashing
    assert production.type is Type.ID
    assert production.memory_cost >= 19 * 1024  # OWASP's minimum for argon2id, in KiB
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "wrong horse battery")
    assert not verify_password(None, "anything")
