"""Issue 18, the officials' side: before publishing a version they see how many comments will
follow, be marked changed or be orphaned, and they may re-attach orphaned comments (at publish
or later, after a confirmation); the move is recorded, shown and searchable."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select
from support.factories import AuthActions, UserFactory  # tests/ is on sys.path

from consult import search
from consult.extensions import db
from consult.models import Comment, ConsultationEvent, DocumentVersion, Paragraph
from consult.reattachment import ReattachedComment, Reattachment
from tests.helpers import PARKING, PARKING_V2, csrf_token

KEPT = "The town is split into four zones."
EDITED = "Residents pay a yearly fee for a permit."
REMOVED = "Visitors pay by the hour."
NEW = "Zones are reviewed every year."



@pytest.fixture
def parking(app, make_consultation, make_user, make_comment):
    """Version 1 of the parking policy with comments on a paragraph version 2 keeps (2), one it
    edits (1 published, 1 awaiting moderation, 1 withdrawn) and one it removes (2 published, a
    reply, and a rejected one); returns the anchors and the comment ids on the removed one."""
    c = make_consultation("parking", PARKING)
    # Several people, as the rate limit allows a few comments a minute each.
    cid, ann, bea = (make_user(f"{n}@example.org", name=n.title()) for n in ("cid", "ann", "bea"))
    kept, edited, removed = c.anchors[KEPT], c.anchors[EDITED], c.anchors[REMOVED]
    make_comment(c, cid, "Four zones is about right.", kept)
    make_comment(c, ann, "Zone C is too large.", kept)
    make_comment(c, bea, "A yearly fee is fair.", edited)
    held = make_comment(c, cid, "Fees hurt carers.", edited)
    gone = make_comment(c, ann, "Changed my mind.", edited)
    first = make_comment(c, bea, "Hourly parking penalises quick errands in town.", removed)
    reply = make_comment(c, cid, "Agreed about errands.", removed, parent_id=first)
    second = make_comment(c, ann, "Visitors should get a free first hour.", removed)
    rejected = make_comment(c, bea, "Rude words here.", removed)
    with app.app_context():
        for comment_id, status in ((held, "pending"), (gone, "withdrawn"), (rejected, "rejected")):
            db.session.get(Comment, comment_id).status = status
        db.session.commit()
    return {"kept": kept, "edited": edited, "removed": removed,
            "on_removed": [first, reply, second, rejected], "first": first}


def _html(response):
    return response.get_data(as_text=True)


def _preview(client, text=PARKING_V2, **extra):
    return client.post("/manage/parking/versions/new",
                       data={"markdown": text, "note": "", "action": "preview", **extra})


def _option(html: str, label_start: str) -> str:
    """The value of the first <option> whose label starts with these words."""
    match = re.search(r'<option value="([^"]+)"[^>]*>' + re.escape(label_start), html)
    assert match, f"no option {label_start!r}"
    return match.group(1)


def _publish(client, **extra):
    response = client.post("/manage/parking/versions/new", data={
        "markdown": PARKING_V2, "note": "Fees are monthly; visitors' rule dropped.", "action": "publish",
        **extra})
    assert response.status_code == 303, _html(response)
    return response


def _anchors_of(app, ids):
    with app.app_context():
        return {db.session.get(Comment, i).anchor for i in ids}


# --------------------------------------------------------------------------- the preview


def test_preview_says_how_many_comments_follow_are_marked_changed_or_are_orphaned(app, as_official, parking):
    html = _html(_preview(as_official))
    # Published and awaiting moderation count; withdrawn and rejected ones do not.
    assert "<strong>2</strong> follow their paragraph" in html
    assert "<strong>2</strong> marked “paragraph changed”" in html
    assert "<strong>3</strong> orphaned (their paragraph is removed)" in html
    assert "2 will be marked “paragraph changed” and 3 will be left on a removed paragraph" in html
    assert "published comments and comments awaiting moderation" in html
    # Per row: the edited paragraph and the removed one, with a link to the orphaned comments.
    assert "2 comments will be marked “paragraph changed”" in html
    link = f'<a href="/c/parking/p/{parking["removed"]}">3 comments</a> will be orphaned unless re-attached'
    assert link in html
    page = _html(as_official.get(f"/c/parking/p/{parking['removed']}"))
    assert "Hourly parking penalises quick errands" in page and "free first hour" in page
    # The choice to re-attach, leaving them where they are by default.
    select_tag = re.search(r'<select id="reattach-' + parking["removed"] + r'".*?</select>', html, re.S).group(0)
    assert '<option value="">Leave them on the removed paragraph</option>' in select_tag
    assert " selected" not in select_tag
    assert _option(select_tag, "2.2: Zones are reviewed every year.")


def test_comments_orphaned_by_an_earlier_version_are_not_counted_again(app, as_official, parking):
    _publish(as_official)
    html = _html(_preview(as_official, PARKING_V2.replace("four zones", "five zones")))
    assert "<strong>3</strong> orphaned" not in html
    assert "<strong>0</strong> orphaned (their paragraph is removed)" in html
    assert "<strong>2</strong> marked “paragraph changed”" in html  # the kept paragraph, now edited
    assert "reattach-heading" not in html  # nothing to re-attach from this preview


def test_reattaching_at_publish_moves_the_comments_in_the_same_transaction(app, as_official, parking, official):
    target = _option(_html(_preview(as_official)), "2.2: Zones are reviewed")
    response = _publish(as_official, **{f"reattach-{parking['removed']}": target})
    assert _anchors_of(app, parking["on_removed"]) == {target}
    with app.app_context():
        record = db.session.scalar(select(Reattachment))
        assert (record.from_anchor, record.from_version, record.from_number) == (parking["removed"], 1, "1.2")
        assert (record.to_anchor, record.to_version, record.to_number) == (target, 2, "2.2")
        assert record.comments == 4 and record.actor_id == official
        moved = db.session.get(Comment, parking["first"])
        # What it was written on does not change.
        assert moved.paragraph_number == "1.2" and moved.paragraph_text == REMOVED
        assert moved.version.number == 1
    assert "re-attached" in _html(as_official.get(response.headers["Location"]))  # the flash
    page = _html(as_official.get(f"/c/parking/p/{target}"))
    assert "Written on 1.2 of version 1, re-attached to 2.2 of version 2" in page
    assert "Hourly parking penalises quick errands" in page
    # No longer listed as on a removed paragraph.
    assert "Hourly parking" not in _html(as_official.get("/c/parking/comments"))


def test_a_bad_choice_at_publish_publishes_nothing(app, as_official, parking):
    response = as_official.post("/manage/parking/versions/new", data={
        "markdown": PARKING_V2, "note": "Monthly fees.", "action": "publish",
        f"reattach-{parking['removed']}": "no-such-paragraph"})
    assert response.status_code == 400
    assert "has no paragraph “no-such-paragraph”" in _html(response)
    with app.app_context():
        assert db.session.scalar(select(DocumentVersion.number).order_by(DocumentVersion.number.desc())) == 1
    assert _anchors_of(app, parking["on_removed"]) == {parking["removed"]}


# --------------------------------------------------------------------------- later, with confirmation


def test_orphaned_comments_are_listed_and_reattached_after_a_confirmation(app, as_official, parking, official):
    _publish(as_official)
    manage = _html(as_official.get("/manage/parking"))
    assert 'href="/manage/parking/orphaned"' in manage
    general = _html(as_official.get("/c/parking/comments"))
    assert 'href="/manage/parking/orphaned"' in general  # officials only: see the access test
    page = _html(as_official.get("/manage/parking/orphaned"))
    assert "Paragraph 1.2 of version 1: 3 comments" in page
    assert REMOVED in page and "Hourly parking penalises quick errands" in page
    assert "With 1 withdrawn, rejected or removed" in page
    target = _option(page, "2.2: Zones are reviewed")
    confirm_url = f"/manage/parking/orphaned/{parking['removed']}/reattach?to={target}"
    assert f'action="/manage/parking/orphaned/{parking["removed"]}/reattach"' in page
    confirm = _html(as_official.get(confirm_url))
    assert "Re-attach 4 comments to paragraph 2.2?" in confirm
    assert REMOVED in confirm and NEW in confirm
    assert _anchors_of(app, parking["on_removed"]) == {parking["removed"]}  # asking moves nothing
    response = as_official.post(f"/manage/parking/orphaned/{parking['removed']}/reattach", data={"to": target})
    assert response.status_code == 303 and response.headers["Location"].endswith("/manage/parking/orphaned")
    done = _html(as_official.get(response.headers["Location"]))
    assert "4 comments on paragraph 1.2 are now on paragraph 2.2 of version 2." in done
    assert "No comments are on removed paragraphs." in done
    assert _anchors_of(app, parking["on_removed"]) == {target}
    with app.app_context():
        assert len(db.session.scalars(select(ReattachedComment)).all()) == 4
        event = db.session.scalar(select(ConsultationEvent).where(ConsultationEvent.kind == "reattached"))
        assert event.actor_id == official
    history = _html(as_official.get("/manage/parking"))
    assert ("<strong>Comments re-attached</strong>: 4 comments (3 published or awaiting moderation) on "
            "paragraph 1.2 of version 1, which is not in version 2, re-attached to paragraph 2.2 of "
            "version 2.") in history
    assert ("Ailgysylltwyd 4 sylw (3 wedi'u cyhoeddi neu'n aros am gymedrolwr) ar baragraff 1.2 o fersiwn 1, "
            "nad yw yn fersiwn 2, â pharagraff 2.2 o fersiwn 2.") in _html(as_official.get("/manage/parking?lang=cy"))
    assert "Written on 1.2 of version 1, re-attached to 2.2 of version 2" in _html(
        as_official.get(f"/c/parking/p/{target}?lang=en"))


def test_reattaching_is_refused_for_a_target_not_current_or_a_paragraph_not_removed(app, as_official, parking):
    _publish(as_official)
    url = f"/manage/parking/orphaned/{parking['removed']}/reattach"
    # A paragraph of no current version (the removed one itself), or none at all.
    for bad in (parking["removed"], "no-such-paragraph"):
        response = as_official.post(url, data={"to": bad})
        assert response.status_code == 400
        assert f"Version 2, the current version, has no paragraph “{bad}”" in _html(response)
    assert "Choose a paragraph of the current version" in _html(as_official.get(url))
    # From a paragraph still in the current version: its comments are not orphaned.
    response = as_official.post(f"/manage/parking/orphaned/{parking['kept']}/reattach",
                                data={"to": parking["edited"]})
    assert response.status_code == 400
    assert "is in the current version, so its comments already follow it" in _html(response)
    assert _anchors_of(app, parking["on_removed"]) == {parking["removed"]}
    with app.app_context():
        assert db.session.scalar(select(Reattachment)) is None
        assert {c.anchor for c in db.session.scalars(select(Comment))} == {
            parking["kept"], parking["edited"], parking["removed"]}


def test_reattaching_the_same_paragraph_twice_is_refused_and_moves_nothing_again(app, as_official, parking):
    """As when two officials confirm the same move: the second is told, and nothing is recorded twice."""
    _publish(as_official)
    page = _html(as_official.get("/manage/parking/orphaned"))
    first, other = _option(page, "2.2: Zones are reviewed"), _option(page, "2.1: The town is split")
    url = f"/manage/parking/orphaned/{parking['removed']}/reattach"
    assert as_official.post(url, data={"to": first}).status_code == 303
    again = as_official.post(url, data={"to": other})
    assert again.status_code == 400
    assert "has no comments left to re-attach: they may have been re-attached already" in _html(again)
    assert _anchors_of(app, parking["on_removed"]) == {first}
    with app.app_context():
        assert len(db.session.scalars(select(Reattachment)).all()) == 1
        assert len(db.session.scalars(select(ReattachedComment)).all()) == 4


def test_a_nul_character_in_an_anchor_is_refused_with_a_message(app, as_official, parking):
    """PostgreSQL's text cannot hold a NUL: an anchor with one was a 500 error page there."""
    _publish(as_official)
    target = _option(_html(as_official.get("/manage/parking/orphaned")), "2.2: Zones are reviewed")
    response = as_official.post(f"/manage/parking/orphaned/{parking['removed']}/reattach", data={"to": "x\x00"})
    assert response.status_code == 400 and "has no paragraph" in _html(response)
    response = as_official.post("/manage/parking/orphaned/x%00/reattach", data={"to": target})
    assert response.status_code == 400 and "No version of this document has a paragraph" in _html(response)
    assert _anchors_of(app, parking["on_removed"]) == {parking["removed"]}


@pytest.mark.parametrize("role", ["citizen", "moderator"])
def test_only_officials_may_see_or_reattach_orphaned_comments(app, auth, parking, as_official, role):
    _publish(as_official)
    target = _option(_html(as_official.get("/manage/parking/orphaned")), "2.2: Zones are reviewed")
    client = auth.as_(role)
    assert client.get("/manage/parking/orphaned").status_code == 403
    url = f"/manage/parking/orphaned/{parking['removed']}/reattach"
    assert client.get(url, query_string={"to": target}).status_code == 403
    assert client.post(url, data={"to": target}).status_code == 403
    assert "/manage/parking/orphaned" not in _html(client.get("/c/parking/comments"))
    assert _anchors_of(app, parking["on_removed"]) == {parking["removed"]}
    anonymous = app.test_client().post(url, data={"to": target})
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["Location"]
    assert app.test_client().get("/manage/parking/orphaned/x/reattach").status_code in (302, 303)
    assert client.get("/manage/no-such/orphaned").status_code == 403
    assert as_official.get("/manage/no-such/orphaned").status_code == 404


def test_reattaching_needs_the_csrf_token_of_the_confirmation_page(csrf_app):
    official = UserFactory(csrf_app)("olive@example.org", role="official", name="olive")
    citizen = UserFactory(csrf_app)("cid@example.org", name="Cid")
    from support.factories import CommentFactory, ConsultationFactory

    c = ConsultationFactory(csrf_app)("parking", PARKING)
    CommentFactory(csrf_app)(c, citizen, "Hourly parking penalises errands.", c.anchors[REMOVED])
    with csrf_app.app_context():
        from consult.consultations.service import publish_version

        consultation = db.session.get(DocumentVersion, 1).consultation
        publish_version(db.session, consultation, [("p.md", PARKING_V2)], "Monthly fees.")
        db.session.commit()
        target = db.session.scalar(select(Paragraph.anchor).where(Paragraph.text == NEW))
    client = AuthActions(csrf_app, csrf_app.test_client(), UserFactory(csrf_app)).login(official)
    url = f"/manage/parking/orphaned/{c.anchors[REMOVED]}/reattach"
    forged = client.post(url, data={"to": target})
    assert forged.status_code == 400 and "expired or was sent from another site" in _html(forged)
    token = csrf_token(_html(client.get(url, query_string={"to": target})))
    assert client.post(url, data={"to": target, "csrf_token": token}).status_code == 303
    with csrf_app.app_context():
        assert db.session.scalar(select(Comment.anchor)) == target


# --------------------------------------------------------------------------- search and open data


def test_a_moved_comment_is_found_under_its_new_paragraph_and_exported_with_the_move(
        app, as_official, parking):
    engine = search.engine(app.config)  # Whoosh on SQLite; PostgreSQL's own search on PostgreSQL
    _publish(as_official)
    with app.app_context():
        engine.apply_changes(db.session)
        [hit] = engine.search(db.session, "errands", kinds=("comment",)).hits[:1]
        assert hit.anchor == parking["removed"]
    target = _option(_html(as_official.get("/manage/parking/orphaned")), "2.2: Zones are reviewed")
    as_official.post(f"/manage/parking/orphaned/{parking['removed']}/reattach", data={"to": target})
    with app.app_context():
        engine.apply_changes(db.session)
        hits = engine.search(db.session, "errands", kinds=("comment",)).hits
        assert {h.anchor for h in hits} == {target}
        assert {h.number for h in hits} == {"1.2"}  # the number it was written on
    rows = list(csv.DictReader(io.StringIO(_html(as_official.get("/c/parking/comments.csv")))))
    moved = next(r for r in rows if r["comment"].startswith("Hourly parking"))
    assert (moved["paragraph_anchor"], moved["paragraph_number"], moved["version"]) == (target, "1.2", "1")
    assert (moved["reattached_to_version"], moved["reattached_to_paragraph_number"]) == ("2", "2.2")
    stayed = next(r for r in rows if r["comment"].startswith("Four zones"))
    assert stayed["reattached_to_version"] == "" and stayed["reattached_to_paragraph_number"] == ""
    items = as_official.get("/c/parking/comments.json").get_json()["comments"]
    by_text = {i["comment"]: i for i in items}
    assert by_text["Agreed about errands."]["reattached_to_paragraph_number"] == "2.2"
    assert by_text["Zone C is too large."]["reattached_to_version"] is None


# --------------------------------------------------------------------------- split paragraphs

BIN_RULE = ("Bins must be put out by seven in the morning on collection day, and brought back in "
            "by nine in the evening, unless the resident has a medical exemption recorded with the council.")
BINS = f"# Rules\n\n## 1. Bins\n\n{BIN_RULE}\n\n## 2. Fines\n\nFines are fifty pounds.\n"
BINS_SPLIT = BINS.replace(" in the evening, unless", " in the evening.\n\nUnless")


def test_a_split_paragraph_says_which_paragraph_it_was_split_from(app, as_official, make_consultation):
    c = make_consultation("parking", BINS)
    preview = _html(_preview(as_official, BINS_SPLIT))
    assert ", split from 1.1 of version 1" in preview
    as_official.post("/manage/parking/versions/new",
                     data={"markdown": BINS_SPLIT, "note": "Exemptions in a paragraph of their own.",
                           "action": "publish"})
    with app.app_context():
        piece = db.session.scalar(select(Paragraph).where(Paragraph.text.startswith("Unless")))
        assert piece.split_from == c.anchors[BIN_RULE]
        assert piece.change == "new"
    changes = _html(as_official.get("/c/parking/changes?from=1&to=2"))
    split_from = c.anchors[BIN_RULE]
    assert (f', split from <a href="/c/parking/p/{split_from}">1.1</a> of version 1') in changes


def test_my_comments_names_the_paragraph_a_comment_was_re_attached_to(app, auth, as_official, parking):
    _publish(as_official)
    target = _option(_html(as_official.get("/manage/parking/orphaned")), "2.2: Zones are reviewed")
    moved = as_official.post(f"/manage/parking/orphaned/{parking['removed']}/reattach", data={"to": target})
    assert moved.status_code == 303
    with app.app_context():
        author = db.session.get(Comment, parking["first"]).author_id
    mine = _html(auth.client_for(author).get("/me/comments"))
    # 'paragraph 1.2' no longer exists: the author reads where the comment is now, and where it began.
    assert "paragraph 2.2 (re-attached from 1.2 of version 1)" in mine
    assert f'/c/parking/p/{target}#comment-{parking["first"]}' in mine


def test_reattaching_is_refused_in_welsh_on_a_welsh_page(app, as_official, parking):
    _publish(as_official)
    url = f"/manage/parking/orphaned/{parking['removed']}/reattach?lang=cy"
    page = _html(as_official.post(url, data={"to": "no-such-paragraph"}))
    assert "Nid oes paragraff “no-such-paragraph” yn fersiwn 2, y fersiwn gyfredol" in page
    assert "the current version, has no paragraph" not in page
    page = _html(as_official.post(f"/manage/parking/orphaned/{parking['kept']}/reattach?lang=cy",
                                  data={"to": parking["edited"]}))
    assert "felly mae ei sylwadau eisoes yn ei ddilyn" in page and "already follow it" not in page


def test_the_orphaned_page_suggests_the_closest_paragraphs_and_preselects_none(app, as_official, parking):
    """Staff walkthrough: each list started at paragraph 0.1 (one click from moving comments to the
    wrong place), suggested nothing, and a second try named the raw anchor."""
    _publish(as_official)
    page = _html(as_official.get("/manage/parking/orphaned"))
    select = re.search(r'<select id="to-1" name="to"[^>]*>(.*?)</select>', page, re.S).group(1)
    first = re.search(r"<option[^>]*>([^<]*)</option>", select)
    assert first.group(0).startswith('<option value="">') and first.group(1) == "Choose a paragraph"
    suggested = re.search(r'<optgroup label="Closest in wording">(.*?)</optgroup>', select, re.S).group(1)
    assert "1.1: Residents pay a monthly fee" in suggested  # shares "pay" with "Visitors pay by the hour."
    assert "Zones are reviewed" not in suggested  # shares no word
    target = _option(page, "2.2: Zones are reviewed")
    url = f"/manage/parking/orphaned/{parking['removed']}/reattach"
    assert as_official.post(url, data={"to": target}).status_code == 303
    again = as_official.get(f"{url}?to={target}")
    assert again.status_code == 400
    assert "Paragraph 1.2 of version 1 has no comments left on a removed paragraph" in _html(again)
    assert parking["removed"] not in _html(again).split("<main", 1)[-1].split("has no comments")[0]
