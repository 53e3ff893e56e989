"""The audit trail staff can use (issue 20, item 3): filters by consultation, person, action, rule and
dates; paging; one plain-English sentence per entry; the filtered view as CSV; wrong filter values
named on the page instead of an empty list."""
from __future__ import annotations

import csv
import html as html_lib
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from test_moderation_views import FEE, decide, make_world, only_item, open_item, post_comment

from consult.extensions import db
from consult.models import utcnow
from moderation.models import AuditEntry


def _text(response) -> str:
    """The page's text: tags dropped, entities decoded, spaces collapsed."""
    page = re.sub(r"<[^>]+>", "", response.get_data(as_text=True))
    return " ".join(html_lib.unescape(page).split())


def _rows(response) -> str:
    """The text of the trail's table alone (the filters name people and actions too)."""
    body = response.get_data(as_text=True)
    table = body[body.find("<tbody>"):body.find("</tbody>")] if "<tbody>" in body else ""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", table)).split())


@pytest.fixture
def trail(app, make_user, make_consultation, auth):
    """Ann's comment rejected by Mo under rule 3 on 'Parking Policy', Cat's approved by Bea on
    'Libraries': two consultations, two moderators, two outcomes."""
    world = make_world(make_user, make_consultation)
    ann, cat = auth.client_for(world["ann"]), auth.client_for(world["cat"])
    mo, bea = auth.client_for(world["mo"]), auth.client_for(world["bea"])
    post_comment(ann, "parking", world["anchors"][FEE], "You are all idiots.", "k1")
    rejected = only_item(app)
    _page, version = open_item(mo, rejected)
    assert decide(mo, rejected, version, "reject", rules=["no-abuse"], note="Abusive").status_code == 303
    post_comment(cat, "libraries", world["anchors"]["Libraries open at nine."],
                 "Ring me on 020 7946 0958 about it.", "k2")  # held by screening in post-moderation
    approved = only_item(app)
    _page, version = open_item(bea, approved)
    assert decide(bea, approved, version, "approve").status_code == 303
    with app.app_context():
        comment_id = db.session.scalar(select(AuditEntry.subject_id).where(
            AuditEntry.action == "decided", AuditEntry.actor_id == world["mo"]))
    return {**world, "mo_client": mo, "rejected_comment": comment_id}


def test_each_entry_reads_as_a_sentence(app, trail):
    page = _text(trail["mo_client"].get("/moderation/audit"))
    number = "1.2"  # "Visitors pay by the hour." is the second block under section 1
    assert (f"Mo (moderator) rejected comment {trail['rejected_comment']} on {number} of "
            "‘Parking Policy’, citing rule 3: No abuse, threats or discrimination.") in page
    assert "Bea (moderator) approved comment" in page and "of ‘=SUM(1+1) Libraries’" in page
    assert "Automatic screening held comment" in page and "(personal information)" in page
    assert "Mo (moderator) opened comment" in page


def test_filters_narrow_the_trail(app, trail):
    mo = trail["mo_client"]
    by_person = _rows(mo.get(f"/moderation/audit?who={trail['mo']}"))
    assert "Mo (moderator) rejected" in by_person and "Bea (moderator)" not in by_person
    by_consultation = _rows(mo.get(f"/moderation/audit?consultation={trail['ids']['post']}"))
    assert "Bea (moderator) approved" in by_consultation and "Parking Policy’" not in by_consultation
    by_rule = _rows(mo.get("/moderation/audit?rule=no-abuse"))
    assert "Mo (moderator) rejected" in by_rule and "approved" not in by_rule
    assert "1 entry matches these filters" in _text(mo.get("/moderation/audit?rule=no-abuse"))
    by_outcome = _rows(mo.get("/moderation/audit?action=decided:approve"))
    assert "Bea (moderator) approved" in by_outcome and "rejected comment" not in by_outcome
    by_action = _rows(mo.get("/moderation/audit?action=held"))
    assert "Automatic screening held" in by_action and "opened comment" not in by_action
    automatic = _rows(mo.get("/moderation/audit?who=automatic"))
    assert "Automatic screening held" in automatic and "(moderator)" not in automatic


def test_a_date_range_is_inclusive_of_both_days(app, trail):
    mo = trail["mo_client"]
    today = utcnow().date()
    assert "Mo (moderator) rejected" in _text(mo.get(f"/moderation/audit?from={today}&to={today}"))
    with app.app_context():
        # Entries are append-only: move them in time through the table, as if made last week.
        db.session.execute(update(AuditEntry.__table__).values(created_at=utcnow() - timedelta(days=7)))
        db.session.commit()
    empty = _text(mo.get(f"/moderation/audit?from={today}"))
    assert "rejected comment" not in _rows(mo.get(f"/moderation/audit?from={today}"))
    assert "No entries match these filters" in empty
    week_ago = today - timedelta(days=7)
    assert "rejected" in _text(mo.get(f"/moderation/audit?from={week_ago}&to={week_ago}"))


@pytest.mark.parametrize(("query", "message"), [
    ("action=exploded", "“exploded” is not an action the trail records"),
    ("from=yesterday", "From: “yesterday” is not a date"),
    ("to=2026-02-30", "To: “2026-02-30” is not a date"),
    ("from=2026-03-10&to=2026-03-01", "the end date is before the start date"),
    ("rule=be-nice", "“be-nice” is not a house rule"),
    ("consultation=999999", "There is no such consultation"),
    ("who=abc", "There is no such person"),
    ("before=²", "That page link is not valid"),
])
def test_a_wrong_filter_value_is_named_instead_of_showing_nothing(app, trail, query, message):
    response = trail["mo_client"].get(f"/moderation/audit?{query}")
    page = _text(response)
    assert response.status_code == 400
    assert message in page and "These filters cannot be used" in page
    assert "No entries" not in page and "rejected comment" not in page
    assert trail["mo_client"].get(f"/moderation/audit.csv?{query}").status_code == 400


def test_the_trail_is_paged_and_pages_keep_the_filters(app, trail):
    with app.app_context():
        for _n in range(120):
            db.session.add(AuditEntry(action="claimed", subject_type="comment",
                                      subject_id=trail["rejected_comment"], actor_id=trail["bea"],
                                      consultation_id=trail["ids"]["pre"], detail={"item_id": 1}))
        db.session.commit()
    mo = trail["mo_client"]
    first = mo.get(f"/moderation/audit?who={trail['bea']}&action=claimed").get_data(as_text=True)
    assert first.count("Bea</bdi></a> (moderator) opened") == 50
    assert "121 entries match these filters" in _text(mo.get(f"/moderation/audit?who={trail['bea']}&action=claimed"))
    older = html_lib.unescape(re.search(r'<a rel="next" href="([^"]+)"', first).group(1))
    assert f"who={trail['bea']}" in older and "action=claimed" in older
    second = mo.get(older).get_data(as_text=True)
    assert second.count("Bea</bdi></a> (moderator) opened") == 50
    third = mo.get(html_lib.unescape(re.search(r'<a rel="next" href="([^"]+)"', second).group(1)))
    assert third.get_data(as_text=True).count("Bea</bdi></a> (moderator) opened") == 21
    assert 'rel="next"' not in third.get_data(as_text=True)


def test_the_csv_holds_the_filtered_view_with_formulas_neutralised(app, trail):
    mo = trail["mo_client"]
    response = mo.get(f"/moderation/audit.csv?consultation={trail['ids']['post']}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows and all(r["consultation"] == "'=SUM(1+1) Libraries" for r in rows)
    assert any(r["what_happened"].startswith("Bea (moderator) approved comment") for r in rows)
    assert not any("Parking" in r["what_happened"] for r in rows)
    rejected = list(csv.DictReader(io.StringIO(
        mo.get("/moderation/audit.csv?action=decided:reject").get_data(as_text=True))))
    assert len(rejected) == 1
    assert rejected[0]["rules"] == "rule 3: No abuse, threats or discrimination"
    assert rejected[0]["note"] == "Abusive" and rejected[0]["who_role"] == "Moderator"
    assert rejected[0]["paragraph"] == "1.2"


def test_the_trail_and_its_csv_are_for_moderators(app, trail, auth):
    for role in ("citizen", "official"):
        client = auth.as_(role)
        assert client.get("/moderation/audit").status_code == 403
        assert client.get("/moderation/audit.csv").status_code == 403
    anonymous = app.test_client().get("/moderation/audit.csv")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_dates_at_the_ends_of_the_calendar_are_read_not_an_error_page(app, trail):
    mo = trail["mo_client"]
    # The day after 31 December 9999 does not exist: that was a 500 error page.
    last = mo.get("/moderation/audit?from=9999-12-31&to=9999-12-31")
    assert last.status_code == 200 and "No entries match these filters" in _text(last)
    everything = mo.get("/moderation/audit?from=0001-01-01&to=9999-12-31")
    assert everything.status_code == 200 and "Mo (moderator) rejected" in _text(everything)
    assert "Mo (moderator) rejected" in mo.get("/moderation/audit.csv?to=9999-12-31").get_data(as_text=True)


def test_the_trail_scrolls_in_its_own_named_region_on_a_phone(app, trail):
    # Its four columns are wider than a 375 px phone: the table scrolls inside a focusable,
    # named region (as the queue's does) instead of widening the whole page (WCAG 1.4.10).
    html = trail["mo_client"].get("/moderation/audit").get_data(as_text=True)
    assert re.search(r'<div class="table-scroll" role="region" tabindex="0" aria-label="Moderation audit trail">'
                     r'\s*<table class="data audit">', html)
