"""Numbers from query strings and forms: a value that is not a plain whole number is refused with a
message (or ignored where the page says so), never a server error.

str.isdigit() is also true of "²", which int() refuses; a very long number overflows the
database's integers; a 5,000-digit one is more than int() will read.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

import documents
from consult.comments import service as comments_service
from consult.extensions import db
from moderation.models import QueueItem

DOC = """---
title: Parking Policy
---
# Parking Policy

## 1. Fees {#fees}

Visitors pay by the hour.
"""

BAD = ["²", "²⁰²⁴", "abc", "-1", "9" * 30, "9" * 5000]

# (who, method, url, form data, status allowed, message shown when refused)
# "{v}" is the bad value, "{i}" its position; "{item}" a queue item's id (one per bad value, so
# that a decision on one does not turn the next into a conflict). A message of None: the value is
# ignored.
CASES = {
    "paragraph page ?after": (None, "GET", "/c/parking/p/fees?after={v}", None,
                              "That page link is not valid"),
    "general comments ?after": (None, "GET", "/c/parking/comments?after={v}", None,
                                "That page link is not valid"),
    "document changes ?from": (None, "GET", "/c/parking/changes?from={v}", None,
                               "is not a version number"),
    "document changes ?to": (None, "GET", "/c/parking/changes?to={v}", None,
                             "is not a version number"),
    "house rules ?version": (None, "GET", "/house-rules?version={v}", None,
                             "There is no version"),
    "archive ?year": (None, "GET", "/consultations?year={v}", None, "is not a year"),
    # A page number only too large to exist is "no page" (404), not "not a page number".
    "archive ?page": (None, "GET", "/consultations?page={v}", None, ("is not a page number", "There is no page 9")),
    "archive ?per_page": (None, "GET", "/consultations?per_page={v}", None, "is not a page size"),
    "search ?page": (None, "GET", "/search?q=fees&page={v}", None, ("is not a page number", "There is no page 9")),
    "api ?per_page": (None, "GET", "/api/v1/consultations?per_page={v}", None,
                      "is not a page size"),
    "api comments ?limit": (None, "GET", "/api/v1/consultations/parking/comments?limit={v}", None,
                            "is not a page size"),
    "reply parent_id": ("ann", "POST", "/c/parking/p/fees/comments",
                        {"body": "A reply.", "submission_key": "k-reply-{i}", "parent_id": "{v}",
                         "respondent_type": "individual", "show_name": "name"},
                        "no longer published"),
    "audit ?before": ("mo", "GET", "/moderation/audit?before={v}", None,
                      "That page link is not valid"),
    "queue ?after": ("mo", "GET", "/moderation/?after=2024-01-01T00:00:00_{v}", None,
                     "That page link is not valid"),
    "queue filters": ("mo", "GET", "/moderation/?consultation={v}&older_than={v}", None, None),
    "decision version": ("mo", "POST", "/moderation/items/{item}/decide",
                         {"outcome": "approve", "version": "{v}"}, "This form has expired"),
    "decision next": ("mo", "POST", "/moderation/items/{item}/decide",
                      {"outcome": "approve", "next": "{v}"}, None),
    "bulk item ids": ("mo", "POST", "/moderation/bulk",
                      {"outcome": "approve", "item_ids": "{v}"}, "Select at least one item"),
    "bulk versions": ("mo", "POST", "/moderation/bulk",
                      {"outcome": "approve", "item_ids": "{item}", "version-{item}": "{v}"}, None),
    "unassign ?user_id": ("admin", "GET",
                          "/moderation/assignments/remove?user_id={v}&consultation_id={v}", None,
                          "not assigned"),
    "users ?page": ("admin", "GET", "/admin/users?page={v}", None, None),
}


@pytest.fixture
def world(app, monkeypatch, auth, make_user, make_consultation):
    """A pre-moderated consultation with comments waiting, a citizen, a moderator, an admin."""
    monkeypatch.setattr(comments_service, "RATE_PER_MINUTE", 100)  # one citizen posts them all
    assert "fees" in make_consultation("parking", DOC, "pre").anchors.values()
    people = {"ann": make_user("ann@example.org", name="Ann"),
              "mo": make_user("mo@example.org", name="Mo", role="moderator"),
              "admin": make_user("admin@example.org", name="Ad", role="admin")}
    ann = auth.client_for(people["ann"])
    for i in range(len(BAD)):
        response = ann.post("/c/parking/p/fees/comments",
                            data={"body": f"Hourly fees hurt carers ({i}).", "submission_key": f"k{i}",
                                  "respondent_type": "individual", "show_name": "name"})
        assert response.status_code == 303
    with app.app_context():
        items = list(db.session.scalars(select(QueueItem.id).order_by(QueueItem.id)))
    return {"items": items, **people}


def _fill(template, value, i, item):
    return template.replace("{v}", value).replace("{i}", str(i)).replace("{item}", str(item))


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_number_is_refused_with_a_message_never_a_server_error(app, world, case, auth):
    who, method, url, data, message = CASES[case]
    client = app.test_client()
    if who:
        auth.login(world[who], client)
    for i, value in enumerate(BAD):
        item = world["items"][i]
        target = _fill(url, value, i, item)
        form = {_fill(k, value, i, item): _fill(v, value, i, item) for k, v in (data or {}).items()}
        response = client.open(target, method=method, data=form or None, follow_redirects=True)
        shown = response.get_data(as_text=True)
        assert response.status_code < 500, f"{case} with {value[:40]!r}: {response.status_code}"
        if message and (response.status_code >= 400 or method == "POST"):
            expected = message if isinstance(message, tuple) else (message,)
            assert any(m in shown for m in expected), f"{case} with {value[:40]!r}: no message {message!r}"


@pytest.mark.parametrize("value", ["abc", "²", "0", "7"])
def test_the_house_rules_page_names_the_version_in_force_when_asked_for_another(app, value):
    response = app.test_client().get(f"/house-rules?version={value}")
    assert response.status_code == 404
    assert f"There is no version {value} of the house rules: the one in force is version 1." \
        in response.get_data(as_text=True)


@pytest.mark.parametrize("value", BAD + ["2147483648", "999999999999"])  # past PostgreSQL's INTEGER
def test_an_id_in_the_path_that_is_not_a_plain_number_finds_nothing(app, world, value, auth):
    client = auth.client_for(world["admin"])
    for url in ["/moderation/items/{v}", "/moderation/users/{v}", "/me/comments/{v}/edit",
                "/c/parking/v/{v}", "/api/v1/consultations/parking/versions/{v}"]:
        response = client.get(url.replace("{v}", value))
        assert response.status_code == 404, (url, value[:40], response.status_code)


def test_a_forged_session_id_signs_nobody_in(app, world):
    client = app.test_client()
    with client.session_transaction() as s:
        s["_user_id"] = "²:1"
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("value", ["²", "9" * 5000])
def test_a_list_item_value_that_is_not_a_plain_number_is_kept_but_not_counted(value):
    document = documents.parse(f'# T\n\n<ol><li value="{value}">three</li><li>four</li></ol>\n')
    items = [p for p in document.paragraphs if p.kind == "list_item"]
    assert [p.text for p in items] == ["three", "four"]
    assert 'start="2"' in items[1].html  # numbered on from the start, as if there were no value
