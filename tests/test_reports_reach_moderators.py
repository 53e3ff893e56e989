"""Every reader's report reaches a moderator (as Decidim and Consul do): the first puts the comment
in the queue while it stays public, later ones add to that item, the threshold still hides it;
a reader who reported a comment is told so instead of a blank form; a withdrawn comment is said
to be withdrawn; deciding every item on a queue page asks for a confirmation first."""
from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import func, select
from test_moderation_views import decide, make_world, open_item, post_comment

from consult.extensions import db
from consult.models import Comment
from moderation.models import DECIDED, OPEN_STATES, AuditEntry, Flag, QueueItem

HOURS = "Libraries open at nine."


@pytest.fixture
def world(make_user, make_consultation):
    return make_world(make_user, make_consultation)


def _comment(app, auth, world, text="Nine is far too late for workers.") -> tuple[int, str]:
    anchor = world["anchors"][HOURS]
    post_comment(auth.client_for(world["ann"]), "libraries", anchor, text, "k-" + text[:8])
    with app.app_context():
        return db.session.scalar(select(Comment.id).where(Comment.body == text)), anchor


def _open_items(app, comment_id) -> list[QueueItem]:
    with app.app_context():
        items = list(db.session.scalars(select(QueueItem).where(QueueItem.comment_id == comment_id,
                                                                QueueItem.state.in_(OPEN_STATES))))
        db.session.expunge_all()
        return items


def _text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def test_the_first_report_reaches_the_queue_and_the_comment_stays_public(app, world, auth):
    comment_id, anchor = _comment(app, auth, world)
    url = f"/c/libraries/comments/{comment_id}/flag"
    mo = auth.client_for(world["mo"])
    assert "Nothing waiting" in _text(mo.get("/moderation/?source=flags"))

    told = auth.client_for(world["cat"]).post(url, data={"rule": "no-abuse", "note": "Rude to staff."},
                                              follow_redirects=True)
    assert "A moderator will check the comment against the house rules." in _text(told)
    assert "It is hidden" not in _text(told)
    # Still public, and waiting for a moderator under the rule the reader cited.
    assert "Nine is far too late" in _text(app.test_client().get(f"/c/libraries/p/{anchor}"))
    queue = _text(mo.get("/moderation/?source=flags"))
    assert "Nine is far too late" in queue and "Nothing waiting" not in queue
    assert "Reported by readers under rule 3 (No abuse, threats or discrimination)." in queue
    assert "Reported 1 time by readers" in queue and "already public" in queue
    [item] = _open_items(app, comment_id)
    assert item.source == "flags" and item.published
    with app.app_context():
        actions = [(e.action, e.detail.get("item_id")) for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.subject_id == comment_id, AuditEntry.action.in_(
                ("flagged", "hidden_pending_review"))))]
    assert actions == [("flagged", item.id)]

    # A second report, under another rule, joins the same item: one item, two reports, both rules.
    auth.client_for(world["dan"]).post(url, data={"rule": "on-topic"})
    [same] = _open_items(app, comment_id)
    assert same.id == item.id and same.version == item.version  # a moderator reading it can still decide
    page, _version = open_item(mo, item.id)
    page = re.sub(r"<[^>]+>", "", html_lib.unescape(page))
    assert "Reported 2 times by readers" in page and "Rude to staff." in page
    assert "Reported by readers under rule 3 (No abuse" in page
    assert "Reported by readers under rule 1 (Stay on the consultation" in page
    assert "Nine is far too late" in _text(app.test_client().get(f"/c/libraries/p/{anchor}"))

    # The third reaches the threshold: hidden pending review, still the one item.
    hidden = auth.client_for(world["eve"]).post(url, data={"rule": "no-abuse"}, follow_redirects=True)
    assert "It is hidden until they have." in _text(hidden)
    assert "Nine is far too late" not in _text(app.test_client().get(f"/c/libraries/p/{anchor}"))
    assert [i.id for i in _open_items(app, comment_id)] == [item.id]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.subject_id == comment_id, AuditEntry.action == "hidden_pending_review")) == 1


def test_an_approved_comment_reported_again_is_queued_again_once(app, world, auth):
    comment_id, anchor = _comment(app, auth, world)
    url = f"/c/libraries/comments/{comment_id}/flag"
    mo = auth.client_for(world["mo"])
    auth.client_for(world["cat"]).post(url, data={"rule": "no-abuse"})
    [item] = _open_items(app, comment_id)
    _page, version = open_item(mo, item.id)
    assert decide(mo, item.id, version, "approve").status_code == 303
    assert _open_items(app, comment_id) == []
    assert "Nine is far too late" in _text(app.test_client().get(f"/c/libraries/p/{anchor}"))
    auth.client_for(world["dan"]).post(url, data={"rule": "on-topic"})
    auth.client_for(world["eve"]).post(url, data={"rule": "on-topic"})
    [again] = _open_items(app, comment_id)
    assert again.id != item.id
    # Reports before the approval do not count towards hiding it again: two since, not three.
    assert "Nine is far too late" in _text(app.test_client().get(f"/c/libraries/p/{anchor}"))


def test_a_reader_who_reported_is_told_so_instead_of_a_blank_form(app, world, auth):
    comment_id, _anchor = _comment(app, auth, world)
    url = f"/c/libraries/comments/{comment_id}/flag"
    cat = auth.client_for(world["cat"])
    assert 'class="flag-form"' in cat.get(url).get_data(as_text=True)
    cat.post(url, data={"rule": "no-abuse"})
    page = cat.get(url)
    text = _text(page)
    assert page.status_code == 409
    assert "You reported this comment on" in text and "under rule 3 (No abuse" in text
    assert 'class="flag-form"' not in text and "Send the report" not in text
    again = cat.post(url, data={"rule": "on-topic"})
    assert again.status_code == 409 and "You reported this comment on" in _text(again)
    assert "flagged" not in _text(again).lower().replace("flagged by readers", "")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Flag)) == 1


def test_reporting_a_withdrawn_comment_says_it_was_withdrawn(app, world, auth):
    comment_id, _anchor = _comment(app, auth, world)
    ann = auth.client_for(world["ann"])
    assert ann.post(f"/me/comments/{comment_id}/withdraw").status_code in (302, 303)
    with app.app_context():
        assert db.session.get(Comment, comment_id).status == "withdrawn"
    url = f"/c/libraries/comments/{comment_id}/flag"
    own = _text(ann.get(url))
    assert "You withdrew this comment, so there is nothing to report." in own
    assert "Conflict" not in own and "moderators are already looking" not in own
    other = auth.client_for(world["cat"]).post(url, data={"rule": "no-abuse"})
    assert other.status_code == 410
    assert "Its author withdrew this comment, so there is nothing to report." in _text(other)
    assert "Nine is far too late" not in _text(other)


def _queue_fields(page: str) -> dict:
    shown = re.findall(r'name="shown" value="(\d+)"', page)
    versions = dict(re.findall(r'name="version-(\d+)" value="(\d+)"', page))
    return {"shown": shown, **{f"version-{i}": v for i, v in versions.items()}}


def test_deciding_every_item_on_the_page_asks_for_a_confirmation_first(app, world, auth):
    texts = ["Nine is far too late for workers.", "Saturday mornings matter most to families.",
             "Close the branch on Mondays instead."]
    ids = [_comment(app, auth, world, text)[0] for text in texts]
    for comment_id in ids:
        auth.client_for(world["cat"]).post(f"/c/libraries/comments/{comment_id}/flag", data={"rule": "no-abuse"})
    mo = auth.client_for(world["mo"])
    queue = mo.get("/moderation/?source=flags").get_data(as_text=True)
    assert "Apply to every item on this page (3)" in queue
    data = {"outcome": "reject", "rules": ["no-abuse"], "note": "Keep it civil.", "scope": "page",
            "back": "/moderation/?source=flags", **_queue_fields(queue)}
    asked = mo.post("/moderation/bulk", data=data)
    page = _text(asked)
    assert asked.status_code == 200
    assert "Decide these 3 items?" in page and "Nothing is decided until you confirm." in page
    assert "Not published" in page and "rule 3 (No abuse, threats or discrimination)" in page
    assert "Keep it civil." in page and "Comments already public are removed" in page
    assert all(text in page for text in texts)
    assert "Confirm: decide 3 items" in page and 'href="/moderation/?source=flags">Cancel' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QueueItem).where(QueueItem.state == DECIDED)) == 0
    # Confirming sends what the page holds (its hidden fields) and decides them.
    form = page[page.index('class="confirm-form"'):]
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form):
        fields.setdefault(name, []).append(value)
    done = _text(mo.post("/moderation/bulk", data=fields, follow_redirects=True))
    assert "3 items decided: Removed." in done
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QueueItem).where(QueueItem.state == DECIDED)) == 3


def test_a_page_decision_without_a_rule_is_refused_before_any_confirmation(app, world, auth):
    comment_id, _anchor = _comment(app, auth, world)
    auth.client_for(world["cat"]).post(f"/c/libraries/comments/{comment_id}/flag", data={"rule": "no-abuse"})
    mo = auth.client_for(world["mo"])
    queue = mo.get("/moderation/").get_data(as_text=True)
    response = mo.post("/moderation/bulk", data={"outcome": "reject", "scope": "page", "back": "/moderation/",
                                                 **_queue_fields(queue)}, follow_redirects=True)
    text = _text(response)
    assert "Cite the house rule the comment breaks" in text and "Decide this 1 item?" not in text
    assert _open_items(app, comment_id)


def test_approving_a_reported_comment_cites_no_rule_even_with_the_reported_rule_ticked(app, world, auth):
    from consult.models import Notification
    from moderation.models import Decision

    comment_id, _anchor = _comment(app, auth, world)
    auth.client_for(world["cat"]).post(f"/c/libraries/comments/{comment_id}/flag", data={"rule": "no-abuse"})
    [item] = _open_items(app, comment_id)
    mo = auth.client_for(world["mo"])
    page, version = open_item(mo, item.id)
    # The form starts with the reported rule ticked (for a rejection); approving leaves it ticked.
    assert decide(mo, item.id, version, "approve", rules=["no-abuse"]).status_code == 303
    with app.app_context():
        decision = db.session.scalar(select(Decision).where(Decision.comment_id == comment_id))
        assert decision.outcome == "approve" and not decision.rules
        told = db.session.scalars(select(Notification).where(Notification.user_id == world["ann"])).all()
        assert told and not any("no-abuse" in (n.body or "") or "rule 3" in (n.body or "") for n in told)


def test_a_comment_the_reports_hid_is_not_said_to_be_public(app, world, auth):
    comment_id, anchor = _comment(app, auth, world)
    url = f"/c/libraries/comments/{comment_id}/flag"
    auth.client_for(world["cat"]).post(url, data={"rule": "no-abuse"})
    mo = auth.client_for(world["mo"])
    [item] = _open_items(app, comment_id)
    assert "(the comment is public)" in _text(mo.get(f"/moderation/items/{item.id}"))
    for reader in ("dan", "eve"):
        auth.client_for(world[reader]).post(url, data={"rule": "no-abuse"})
    assert "Nine is far too late" not in _text(app.test_client().get(f"/c/libraries/p/{anchor}"))
    page = _text(mo.get(f"/moderation/items/{item.id}"))
    assert "(hidden after readers' reports until a moderator decides)" in page
    assert "(the comment is public)" not in page
    queue = _text(mo.get("/moderation/?source=flags"))
    assert "hidden after readers' reports" in queue and "already public" not in queue


def test_a_reader_who_reported_a_comment_sees_that_they_did_instead_of_report(app, world, auth):
    comment_id, anchor = _comment(app, auth, world)
    cat, dan = auth.client_for(world["cat"]), auth.client_for(world["dan"])
    report = f'href="/c/libraries/comments/{comment_id}/flag"'
    before = _text(cat.get(f"/c/libraries/p/{anchor}"))
    assert report in before and "You reported" not in before
    cat.post(f"/c/libraries/comments/{comment_id}/flag", data={"rule": "no-abuse"})
    after = _text(cat.get(f"/c/libraries/p/{anchor}"))
    # Their own report is linked (the page says when and under which rule), not offered again.
    assert re.search(rf'<p class="report-link"><a {re.escape(report)} rel="nofollow">You reported</a> this comment',
                     after), after
    assert ">Report<" not in after
    # Another reader is still offered the link, in Welsh too.
    assert ">Report<" in _text(dan.get(f"/c/libraries/p/{anchor}"))
    welsh = _text(cat.get(f"/c/libraries/p/{anchor}?lang=cy"))
    assert "Rhoesoch wybod</a> am y sylw hwn" in welsh and "You reported" not in welsh
