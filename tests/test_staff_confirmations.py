"""Staff decisions that ask first (staff walk-through F22, F10, F9).

- A change of role to moderator, official or admin shows a page saying what the role allows,
  with Confirm and Cancel; nothing changes (and nothing is audited) until it is confirmed.
  A change to citizen, and your own role, are as before.
- A ban or a suspension shows a page saying what happens, with Confirm and Cancel; a measure
  the service would refuse says so at once instead. Pre-moderation and lifting stay one click.
- Rejecting several ticked queue items shows the bulk confirmation page; approving them does not.
The pages work without JavaScript (plain forms) and their forms carry the CSRF token.
"""
from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest
from helpers import fresh_app, outbox
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import User, utcnow
from moderation.models import AuditEntry, Decision, QueueItem, Sanction

FEE = "Visitors pay by the hour."
PARKING = f"""---
title: Parking Policy
---
# Parking Policy

## 1. Fees {{#fees}}

{FEE}
"""


def _text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _role(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get_one(User, user_id).role


def _hidden(page: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page):
        fields.setdefault(name, []).append(html_lib.unescape(value))
    return fields


def _confirm_action(page: str) -> str:
    found = re.search(r'<form method="post" action="([^"]+)" class="confirm-form">', page)
    assert found, "no confirmation form"
    return html_lib.unescape(found.group(1))


# --------------------------------------------------------------------------- roles (F22)

@pytest.mark.parametrize("role, asked, allows", [
    ("official", "Make Ada an official?", "create consultations and change them, including drafts"),
    ("admin", "Make Ada an administrator?", "invite people, change anyone’s role"),
    ("moderator", "Make Ada a moderator?", "see the name and email address of everyone who comments"),
])
def test_a_change_to_a_staff_role_asks_first_saying_what_the_role_allows(app, auth, make_user, role, asked,
                                                                         allows):
    ada = make_user("ada@example.org", name="Ada")
    admin = auth.as_("admin")
    response = admin.post(f"/admin/users/{ada}/role?from=user", data={"role": role})
    page = _text(response)
    assert response.status_code == 200
    assert f"<h1>{asked.replace('Ada', '<bdi>Ada</bdi>')}</h1>" in page
    assert allows in page and "Their role now: Citizen." in page
    assert "Confirm the change of role" in page and f'href="/admin/users/{ada}">Cancel</a>' in page
    assert _role(app, ada) == "citizen"
    assert _count(app, AuditEntry, AuditEntry.action == "role_changed") == 0

    fields = _hidden(page)
    assert fields["role"] == [role] and fields["confirmed"] == ["1"]
    done = admin.post(_confirm_action(page), data={"role": role, "confirmed": "1"})
    assert done.status_code == 302 and done.headers["Location"] == f"/admin/users/{ada}"
    assert _role(app, ada) == role
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "role_changed"))
        assert entry.subject_id == ada and entry.detail == {"previous_role": "citizen", "role": role}
        assert abs(entry.created_at - utcnow()) < timedelta(minutes=1)  # recorded when confirmed


def test_the_confirmation_keeps_the_list_filters_and_a_change_to_citizen_is_one_click(app, auth, make_user):
    ada = make_user("ada@example.org", name="Ada", role="moderator")
    admin = auth.as_("admin")
    page = _text(admin.post(f"/admin/users/{ada}/role?q=ada&page=1", data={"role": "official"}))
    assert _confirm_action(page) == f"/admin/users/{ada}/role?q=ada&page=1"
    assert 'href="/admin/users?q=ada&page=1">Cancel</a>' in page
    done = admin.post(f"/admin/users/{ada}/role?q=ada&page=1", data={"role": "citizen"})
    assert done.status_code == 302 and _role(app, ada) == "citizen"
    # The same role again changes nothing, so nothing to confirm either.
    assert admin.post(f"/admin/users/{ada}/role", data={"role": "citizen"}).status_code == 302


def test_an_admin_changing_their_own_role_is_refused_without_a_confirmation(app, auth):
    admin = auth.as_("admin")
    me = auth.user_id("admin")
    response = admin.post(f"/admin/users/{me}/role?from=user", data={"role": "official"},
                          follow_redirects=True)
    assert "You cannot remove your own admin role" in _text(response)
    assert _role(app, me) == "admin"


def test_the_role_confirmation_is_in_welsh_on_a_welsh_page(app, auth, make_user):
    ada = make_user("ada@example.org", name="Ada")
    admin = auth.as_("admin")
    admin.set_cookie("lang", "cy")
    page = _text(admin.post(f"/admin/users/{ada}/role", data={"role": "moderator"}))
    assert "Gwneud <bdi>Ada</bdi> yn gymedrolwr?" in page and "Gall cymedrolwr:" in page
    assert "Cadarnhau'r newid rôl" in page
    assert "Make <bdi>Ada</bdi> a moderator?" not in page and "A moderator can:" not in page
    assert "Confirm the change of role" not in page
    english = _text(auth.as_("admin").post(f"/admin/users/{ada}/role", data={"role": "moderator"}))
    assert "A moderator can:" in english


# --------------------------------------------------------------------------- measures (F10, F11)

@pytest.fixture
def people(make_user):
    return {"ann": make_user("ann@example.org", name="Ann"),
            "mo": make_user("mo@example.org", name="Mo", role="moderator")}


def test_a_ban_asks_first_and_is_imposed_only_when_confirmed(app, auth, people):
    mo = auth.client_for(people["mo"])
    url = f"/moderation/users/{people['ann']}/sanctions"
    asked = mo.post(url, data={"kind": "ban", "reason": "Repeated abuse"})
    page = _text(asked)
    assert asked.status_code == 200
    assert "<h1>Ban <bdi>Ann</bdi> from posting?</h1>" in page
    assert "the ban has no end date, and stays until a moderator lifts it" in page
    assert "They are told by email at once, with your reason" in page and "Repeated abuse" in page
    assert f'href="/moderation/users/{people["ann"]}">Cancel</a>' in page
    assert _count(app, Sanction) == 0 and outbox(app) == []

    fields = _hidden(page)
    fields.pop("csrf_token", None)
    assert fields == {"kind": ["ban"], "reason": ["Repeated abuse"], "confirmed": ["1"]}
    done = mo.post(_confirm_action(page), data={k: v[0] for k, v in fields.items()})
    assert done.status_code == 303
    assert "Ban is in force for Ann." in _text(mo.get(done.headers["Location"]))
    assert _count(app, Sanction, Sanction.kind == "ban") == 1
    assert outbox(app)[0].to == "ann@example.org"


def test_a_suspension_asks_first_with_its_date_and_a_refused_measure_says_why_at_once(app, auth, people):
    mo = auth.client_for(people["mo"])
    url = f"/moderation/users/{people['ann']}/sanctions"
    until = (utcnow() + timedelta(days=7)).date()
    page = _text(mo.post(url, data={"kind": "suspend", "reason": "Abuse", "ends_at": until.isoformat()}))
    assert f"Suspend <bdi>Ann</bdi> from posting until {until:%-d %B %Y}?" in page
    assert _hidden(page)["ends_at"] == [until.isoformat()] and "Confirm the suspension" in page
    assert _count(app, Sanction) == 0

    no_date = mo.post(url, data={"kind": "suspend", "reason": "Abuse"})
    assert no_date.status_code == 400 and "end date in the future" in _text(no_date)
    no_reason = mo.post(url, data={"kind": "ban", "reason": "  "})
    assert no_reason.status_code == 400 and "Give the reason: the user is shown it." in _text(no_reason)
    assert "from posting?" not in _text(no_reason)
    own = auth.client_for(people["mo"]).post(f"/moderation/users/{people['mo']}/sanctions",
                                             data={"kind": "ban", "reason": "Test"})
    assert own.status_code == 400 and "your own account" in _text(own)
    long = mo.post(url, data={"kind": "ban", "reason": "x" * 2001})  # refused before the confirmation
    assert long.status_code == 400 and "limited to 2,000 characters" in _text(long)
    assert "from posting?" not in _text(long) and "x" * 2001 in _text(long)
    assert _count(app, Sanction) == 0

    # Pre-moderation is imposed at once, and lifting a measure is one click, as before.
    assert mo.post(url, data={"kind": "premoderate", "reason": "Links"}).status_code == 303
    with app.app_context():
        sanction_id = db.session.scalar(select(Sanction.id))
    assert mo.post(f"/moderation/sanctions/{sanction_id}/revoke").status_code == 303


def test_the_ban_confirmation_is_in_welsh_on_a_welsh_page(app, auth, people):
    mo = auth.client_for(people["mo"])
    mo.set_cookie("lang", "cy")
    page = _text(mo.post(f"/moderation/users/{people['ann']}/sanctions",
                         data={"kind": "ban", "reason": "Abuse"}))
    assert "Gwahardd <bdi>Ann</bdi> rhag postio?" in page and "Cadarnhau'r gwaharddiad" in page
    assert "Ban <bdi>Ann</bdi> from posting?" not in page and "Confirm the ban" not in page


# --------------------------------------------------------------------------- bulk (F9)

@pytest.fixture
def queue(app, auth, make_consultation, make_comment, people):
    parking = make_consultation("parking", PARKING, "pre")
    for n in range(3):
        make_comment(parking, people["ann"], body=f"Comment number {n} on fees.",
                     anchor=parking.anchors[FEE])
    with app.app_context():
        items = db.session.scalars(select(QueueItem).order_by(QueueItem.id)).all()
        versions = {f"version-{i.id}": str(i.version) for i in items}
        return {"mo": auth.client_for(people["mo"]), "ids": [str(i.id) for i in items],
                "versions": versions}


def test_rejecting_several_ticked_items_asks_first_and_approving_them_does_not(app, queue):
    mo, ids = queue["mo"], queue["ids"]
    data = {"item_ids": ids[:2], "outcome": "reject", "rules": ["on-topic"], "back": "/moderation/",
            **queue["versions"]}
    asked = mo.post("/moderation/bulk", data=data)
    page = _text(asked)
    assert asked.status_code == 200 and "Decide these 2 items?" in page
    assert "You asked to reject the items you selected." in page
    assert _count(app, Decision) == 0
    fields = _hidden(page)
    assert fields["item_ids"] == ids[:2] and "scope" not in fields and "shown" not in fields
    done = mo.post("/moderation/bulk", data=fields, follow_redirects=True)
    assert "2 items decided: Not published." in _text(done)
    assert _count(app, Decision) == 2

    one = mo.post("/moderation/bulk", data={"item_ids": [ids[2]], "outcome": "approve",
                                            "back": "/moderation/"})
    assert one.status_code == 303 and _count(app, Decision) == 3


def test_the_bulk_reject_confirmation_is_in_welsh_on_a_welsh_page(app, queue):
    mo = queue["mo"]
    mo.set_cookie("lang", "cy")
    page = _text(mo.post("/moderation/bulk", data={"item_ids": queue["ids"], "outcome": "reject",
                                                   "rules": ["on-topic"], "back": "/moderation/"}))
    assert "Gofynnoch am wrthod yr eitemau a ddewisoch." in page
    assert "You asked to reject the items you selected." not in page


# --------------------------------------------------------------------------- CSRF

@pytest.fixture
def csrf_world(database_url, tmp_path):
    from support.factories import AuthActions, UserFactory

    for app in fresh_app(database_url, tmp_path, WTF_CSRF_ENABLED=True):
        users = UserFactory(app)
        yield app, AuthActions(app, app.test_client(), users), users


def test_the_confirmation_forms_carry_the_csrf_token_and_refuse_a_post_without_it(csrf_world):
    app, auth, users = csrf_world
    ada, ann = users("ada@example.org", name="Ada"), users("ann@example.org", name="Ann")
    admin, mo = auth.as_("admin"), auth.as_("moderator")

    def token(client, url):
        found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(url).get_data(as_text=True))
        return found.group(1)

    asked = admin.post(f"/admin/users/{ada}/role", data={"role": "admin", "csrf_token": token(admin, "/admin/users")})
    fields = _hidden(_text(asked))
    assert fields["csrf_token"]
    refused = admin.post(f"/admin/users/{ada}/role", data={"role": "admin", "confirmed": "1"})
    assert refused.status_code == 400 and _role(app, ada) == "citizen"
    assert admin.post(f"/admin/users/{ada}/role", data={k: v[0] for k, v in fields.items()}).status_code == 302
    assert _role(app, ada) == "admin"

    record = f"/moderation/users/{ann}"
    asked = mo.post(f"{record}/sanctions", data={"kind": "ban", "reason": "Abuse", "csrf_token": token(mo, record)})
    fields = _hidden(_text(asked))
    assert fields["csrf_token"]
    refused = mo.post(f"{record}/sanctions", data={"kind": "ban", "reason": "Abuse", "confirmed": "1"})
    assert refused.status_code == 400 and _count(app, Sanction) == 0
    assert mo.post(f"{record}/sanctions", data={k: v[0] for k, v in fields.items()}).status_code == 303
    assert _count(app, Sanction) == 1


def test_a_change_of_role_keeps_its_reason_and_too_long_a_reason_is_asked_again(app, auth, make_user):
    ada = make_user("ada@example.org", name="Ada")
    admin = auth.as_("admin")
    page = _text(admin.post(f"/admin/users/{ada}/role?from=user", data={"role": "moderator"}))
    assert "Reason (optional)" in page
    long = admin.post(_confirm_action(page), data={"role": "moderator", "confirmed": "1", "reason": "x" * 501})
    assert long.status_code == 400 and _role(app, ada) == "citizen"
    assert "Make <bdi>Ada</bdi> a moderator?" in _text(long) and "x" * 501 in _text(long)  # kept, to shorten
    done = admin.post(_confirm_action(page), data={"role": "moderator", "confirmed": "1",
                                                   "reason": "Joins the moderation team for the summer."})
    assert done.status_code == 302 and _role(app, ada) == "moderator"
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "role_changed"))
        assert entry.detail["reason"] == "Joins the moderation team for the summer."
    assert "Joins the moderation team for the summer." in _text(admin.get(f"/admin/users/{ada}"))
