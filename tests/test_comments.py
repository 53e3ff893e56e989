"""The commenting journey: paragraph by paragraph, with and without JavaScript."""
from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, insert, select
from support.factories import AuthActions, ConsultationFactory, UserFactory  # tests/ is on sys.path

from consult.comments import service, threads
from consult.consultations.service import publish_version
from consult.extensions import db
from consult.models import Comment, CommentEdit, Consultation, Paragraph, User, utcnow
from tests.helpers import PARKING, PARKING_V2, csrf_token

DOC, DOC_V2 = PARKING, PARKING_V2


@pytest.fixture
def world(make_consultation, make_user):
    """An open consultation and a confirmed citizen."""
    return _make_world(make_consultation, make_user)


def _make_world(make_consultation, make_user):
    made = make_consultation("parking", DOC)
    return {"slug": made.slug, "citizen_id": make_user("ann@example.org", name="Ann"),
            "anchors": made.anchors}


def _citizen(world):
    return db.session.get(User, world["citizen_id"])


def _post(client, world, anchor, body="I agree with this.", key="k1", **extra):
    data = {"body": body, "submission_key": key, "respondent_type": "individual",
            "show_name": "name", **extra}
    return client.post(f"/c/{world['slug']}/p/{anchor}/comments", data=data)


def _anchor(world, text):
    return world["anchors"][text]


def test_document_page_offers_comment_link_and_count_beside_each_paragraph(client, world, auth):
    anchor = _anchor(world, "Visitors pay by the hour.")
    auth.login(world["citizen_id"])
    _post(client, world, anchor)
    html = client.get("/c/parking").get_data(as_text=True)
    assert "Comment on 1.2" in html
    assert "1 comment<span" in html
    assert f'href="/c/parking/p/{anchor}#comment-form-heading"' in html


def test_citizen_comments_without_javascript_and_sees_it_published(client, world, auth, app):
    anchor = _anchor(world, "Visitors pay by the hour.")
    auth.login(world["citizen_id"])
    response = _post(client, world, anchor, body="Hourly fees hurt *carers*.", stance="oppose")
    assert response.status_code == 303
    page = client.get(response.headers["Location"].split("#")[0])
    html = page.get_data(as_text=True)
    assert "Your comment is published" in html
    assert "Hourly fees hurt <em>carers</em>." in html
    assert "Oppose" in html and "Ann" in html
    with app.app_context():
        comment = db.session.scalars(select(Comment)).one()
        assert comment.paragraph_text == "Visitors pay by the hour."
        assert comment.version.number == 1


def test_inline_form_gets_json_answer(client, world, auth):
    anchor = _anchor(world, "Visitors pay by the hour.")
    auth.login(world["citizen_id"])
    response = client.post(f"/c/parking/p/{anchor}/comments",
                           data={"body": "Inline!", "submission_key": "js1"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 200
    data = response.get_json()
    assert data["ok"] and data["status"] == "published" and "#comment-" in data["url"]
    bad = client.post(f"/c/parking/p/{anchor}/comments", data={"body": "  ", "submission_key": "js2"},
                      headers={"Accept": "application/json"})
    assert bad.status_code == 400 and bad.get_json()["error"].startswith("Write your comment")


def test_double_submit_makes_one_comment(client, world, auth, app):
    anchor = _anchor(world, "Visitors pay by the hour.")
    auth.login(world["citizen_id"])
    first = _post(client, world, anchor, key="same")
    second = _post(client, world, anchor, key="same")
    assert first.status_code == second.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 1
    assert "stored once" in client.get(second.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(
    "body, message",
    [
        ("", "Write your comment"),
        ("   \n\t  ", "Write your comment"),
        ("x" * 5001, "5,001 characters long"),
        ("bad \x00 byte", "control characters"),
        ("broken \ufffd text", "could not be read"),
        ("\u200b\u200c\u200d\u2060\ufeff", "no visible text"),
        ("\u200b \u3164\u2800\n\u200b", "no visible text"),
        ("\u202e\u202e", "Write your comment"),
        # Nothing shows once rendered: Markdown marks alone, an empty link, references to
        # invisible characters.
        ("-", "only formatting marks"),
        ("***", "only formatting marks"),
        (">", "only formatting marks"),
        ("[](https://example.org)", "only formatting marks"),
        ("&#8203;&nbsp;&zwnj;&#173;", "only formatting marks"),
        ("**\u200b**", "only formatting marks"),
    ],
)
def test_bad_comment_is_refused_on_the_same_form_with_text_kept(client, world, auth, app, body, message):
    anchor = _anchor(world, "Visitors pay by the hour.")
    auth.login(world["citizen_id"])
    response = _post(client, world, anchor, body=body)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    # The summary links to the box, and the form posts back to its error (walkthrough: no link,
    # and without JavaScript the refused page opened at the top, the error far below).
    assert re.search(r'<div class="error-summary"[^>]*id="comment-form-error">\s*<h3>[^<]*</h3>\s*'
                     r'<p><a href="#comment-form-body">', html)
    assert re.search(r'<form class="comment-form" id="comment-form" method="post" '
                     r'action="[^"#]+#comment-form-error"', html)
    if body.strip() and "\x00" not in body:
        assert html_lib.escape(body[:50], quote=False) in html  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_organisation_needs_a_name_and_is_shown(client, world, auth):
    anchor = _anchor(world, "Visitors pay by the hour.")
    auth.login(world["citizen_id"])
    missing = _post(client, world, anchor, body="For the club.", respondent_type="organisation")
    assert missing.status_code == 400
    assert "name of the organisation" in missing.get_data(as_text=True)
    assert ('<p><a href="#comment-form-organisation">Give the name of the organisation'
            in missing.get_data(as_text=True))
    assert "For the club." in missing.get_data(as_text=True)
    ok = _post(client, world, anchor, body="For the club.", key="k2",
               respondent_type="organisation", organisation="Cycling Club", show_name="anonymous")
    html = client.get(ok.headers["Location"]).get_data(as_text=True)
    assert "a member of the public" in html and "Cycling Club" in html
    assert "<strong><bdi>Ann</bdi></strong>" not in html


def test_unknown_paragraph_keeps_the_text(client, world, auth):
    auth.login(world["citizen_id"])
    response = _post(client, world, "no-such-paragraph", body="Where did it go?")
    assert response.status_code == 404
    assert "no paragraph" in response.get_data(as_text=True)


def test_forged_role_field_changes_nothing(client, world, auth, app):
    anchor = _anchor(world, "Visitors pay by the hour.")
    auth.login(world["citizen_id"])
    _post(client, world, anchor, role="admin", status="published", author_id="999")
    with app.app_context():
        comment = db.session.scalars(select(Comment)).one()
        assert comment.author_id == world["citizen_id"]
        assert _citizen(world).role == "citizen"


def test_anonymous_reader_sees_sign_in_prompt_not_a_form(client, world):
    anchor = _anchor(world, "Visitors pay by the hour.")
    html = client.get(f"/c/parking/p/{anchor}").get_data(as_text=True)
    assert "Sign in</a> or" in html and "<textarea" not in html
    response = client.post(f"/c/parking/p/{anchor}/comments", data={"body": "x", "submission_key": "a"})
    assert response.status_code in (302, 401)


@pytest.mark.parametrize("path", ["/c/parking/p/{anchor}/comments", "/c/parking/comments"])
def test_signed_out_comment_is_sent_to_sign_in_and_stores_nothing(client, world, app, path):
    anchor = _anchor(world, "Visitors pay by the hour.")
    response = client.post(path.format(anchor=anchor), data={
        "body": "Let me in", "submission_key": "a", "respondent_type": "individual", "show_name": "name"})
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_comment_on_a_consultation_that_does_not_exist_is_not_found(client, world, auth):
    auth.login(world["citizen_id"])
    response = client.post("/c/no-such-thing/comments", data={
        "body": "Hello", "submission_key": "a", "respondent_type": "individual", "show_name": "name"})
    assert response.status_code == 404


def test_unconfirmed_account_cannot_comment(client, world, auth, make_user):
    anchor = _anchor(world, "Visitors pay by the hour.")
    auth.login(make_user("new@example.org", name="new", confirmed=False))
    assert "Confirm your email address" in client.get(f"/c/parking/p/{anchor}").get_data(as_text=True)
    response = _post(client, world, anchor, body="Let me in")
    assert response.status_code == 403


def test_pre_moderation_shows_awaiting_to_author_only(client, world, auth, app):
    anchor = _anchor(world, "Visitors pay by the hour.")
    with app.app_context():
        db.session.scalars(select(Consultation)).one().moderation_mode = "pre"
        db.session.commit()
    auth.login(world["citizen_id"])
    response = _post(client, world, anchor, body="Please check me.")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "awaiting moderation" in html and "within 2 working days" in html
    assert "Please check me." in html
    other = client.application.test_client()
    assert "Please check me." not in other.get(f"/c/parking/p/{anchor}").get_data(as_text=True)
    mine = client.get("/me/comments").get_data(as_text=True)
    assert "Awaiting moderation" in mine


def test_closed_consultation_hides_forms_and_refuses_posts(client, world, auth, app):
    anchor = _anchor(world, "Visitors pay by the hour.")
    # Signed in outside the context that writes below: signing in stores a session record
    # from a context of its own, which SQLite would not let a reading transaction overtake.
    auth.login(world["citizen_id"])
    _post(client, world, anchor, body="Just in time.", key="before-close")
    with app.app_context():
        db.session.scalars(select(Consultation)).one().closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    page = client.get(f"/c/parking/p/{anchor}").get_data(as_text=True)
    assert "no longer accepts comments" in page and "<textarea" not in page
    assert "Just in time." in page  # submitted before the close: still counts
    assert "Comment on 1.2" not in client.get("/c/parking").get_data(as_text=True)
    late = _post(client, world, anchor, body="Too late!", key="after-close")
    assert late.status_code == 409
    text = late.get_data(as_text=True)
    assert "closed" in text and "Too late!" in text


def test_replies_thread_under_their_comment_and_removed_parent_refuses(client, world, auth, app):
    anchor = _anchor(world, "Visitors pay by the hour.")
    auth.login(world["citizen_id"])
    _post(client, world, anchor, body="Parent comment", key="p")
    with app.app_context():
        parent = db.session.scalars(select(Comment)).one()
        parent_id = parent.id
    _post(client, world, anchor, body="A reply", key="r", parent_id=str(parent_id))
    html = client.get(f"/c/parking/p/{anchor}").get_data(as_text=True)
    assert html.index("Parent comment") < html.index("A reply")
    assert 'class="replies"' in html
    with app.app_context():
        db.session.get(Comment, parent_id).status = "removed"
        db.session.commit()
    refused = _post(client, world, anchor, body="Reply to removed", key="r2", parent_id=str(parent_id))
    assert refused.status_code == 409
    assert "Reply to removed" in refused.get_data(as_text=True)


def test_each_reply_form_has_its_own_key_so_two_replies_from_one_page_are_both_stored(
        client, world, auth, app):
    """The reply forms of a page are rendered from one stamp: each still names its own comment
    and carries its own submission key (a shared key would store the second reply as the first)."""
    anchor = _anchor(world, "Visitors pay by the hour.")
    auth.login(world["citizen_id"])
    for n in (1, 2):
        _post(client, world, anchor, body=f"Comment {n}", key=f"c{n}")
    html = client.get(f"/c/parking/p/{anchor}").get_data(as_text=True)
    forms = re.findall(r'<form class="comment-form" id="reply-(\d+)".*?</form>', html, re.S)
    bodies = re.findall(r'<form class="comment-form" id="reply-\d+".*?</form>', html, re.S)
    with app.app_context():
        ids = {str(c.id) for c in db.session.scalars(select(Comment))}
    assert sorted(forms) == sorted(ids)
    keys = {}
    for parent, form in zip(forms, bodies, strict=True):
        assert f'name="parent_id" value="{parent}"' in form
        assert f'id="reply-{parent}-body"' in form and f'for="reply-{parent}-body"' in form
        keys[parent] = re.search(r'name="submission_key" value="([0-9a-f]{32})"', form).group(1)
    main_key = re.search(r'id="comment-form".*?name="submission_key" value="([0-9a-f]{32})"', html, re.S)
    assert len(set(keys.values()) | {main_key.group(1)}) == 3
    for parent, key in keys.items():  # both replies sent from the page as it was loaded
        assert _post(client, world, anchor, body=f"Reply to {parent}", key=key,
                     parent_id=parent).status_code == 303
    with app.app_context():
        replies = db.session.scalars(select(Comment.body).where(Comment.parent_id.is_not(None))).all()
    assert sorted(replies) == sorted(f"Reply to {p}" for p in ids)


def test_rate_limit_says_when_to_retry_and_keeps_text(client, world, auth):
    anchor = _anchor(world, "Visitors pay by the hour.")
    auth.login(world["citizen_id"])
    for i in range(service.RATE_PER_MINUTE):
        assert _post(client, world, anchor, body=f"Comment {i}", key=f"k{i}").status_code == 303
    limited = _post(client, world, anchor, body="One too many", key="extra")
    assert limited.status_code == 429
    html = limited.get_data(as_text=True)
    assert "try again in" in html and "One too many" in html


def test_comments_follow_their_paragraph_to_the_next_version(client, world, auth, app):
    residents = _anchor(world, "Residents pay a yearly fee for a permit.")
    visitors = _anchor(world, "Visitors pay by the hour.")
    auth.login(world["citizen_id"])
    _post(client, world, residents, body="Yearly is fine.", key="a")
    _post(client, world, visitors, body="Keep hourly fees.", key="b")
    with app.app_context():
        c = db.session.scalars(select(Consultation)).one()
        publish_version(db.session, c, [("parking.md", DOC_V2)], note="Monthly fees; visitors dropped")
        db.session.commit()
    # the edited paragraph keeps its anchor, and the comment shows what changed
    html = client.get(f"/c/parking/p/{residents}").get_data(as_text=True)
    assert "Yearly is fine." in html
    assert "has changed since this comment was written" in html
    assert "<del>yearly</del>" in html and "<ins>monthly</ins>" in html
    # the removed paragraph's comment is still visible, with the original text
    general = client.get("/c/parking/comments").get_data(as_text=True)
    assert "Comments on removed paragraphs" in general
    assert "Keep hourly fees." in general and "Visitors pay by the hour." in general


def test_paragraph_comments_paginate_by_cursor(client, world, app):
    anchor = _anchor(world, "Visitors pay by the hour.")
    with app.app_context():
        c = db.session.scalars(select(Consultation)).one()
        version = c.versions[0]
        paragraph = db.session.scalar(select(Paragraph).where(Paragraph.anchor == anchor))
        now = utcnow()
        db.session.add_all(
            Comment(consultation_id=c.id, version_id=version.id, paragraph_id=paragraph.id,
                    anchor=anchor, author_id=world["citizen_id"], body=f"Comment number {i}",
                    body_html=f"<p>Comment number {i}</p>", status="published",
                    submission_key=f"seed{i}", created_at=now, published_at=now)
            for i in range(45)
        )
        db.session.commit()
    first = client.get(f"/c/parking/p/{anchor}").get_data(as_text=True)
    assert "Comment number 44<" in first and "Comment number 25<" in first
    assert "Comment number 24<" not in first
    assert "(45)" in first
    after = re.search(r'after=(\d+)" rel="next"', first).group(1)
    second = client.get(f"/c/parking/p/{anchor}?order=newest&after={after}").get_data(as_text=True)
    assert "Comment number 24<" in second and "Comment number 44<" not in second
    oldest = client.get(f"/c/parking/p/{anchor}?order=oldest").get_data(as_text=True)
    assert "Comment number 0<" in oldest and "Comment number 44<" not in oldest
    assert client.get(f"/c/parking/p/{anchor}?after=drop%20table").status_code == 400


def test_thread_pages_show_exactly_what_each_reader_may_see_in_order(world, make_user, app):
    anchor = _anchor(world, "Visitors pay by the hour.")
    other = _anchor(world, "The town is split into four zones.")
    statuses = ["published", "removed", "pending", "rejected", "withdrawn"]
    bob_id = make_user("bob@example.org", name="Bob")
    with app.app_context():
        c = db.session.scalars(select(Consultation)).one()
        rows = []
        for i in range(70):
            author = world["citizen_id"] if i % 3 else bob_id
            parent = rows[i - 1] if i % 7 == 6 and rows[i - 1].parent_id is None else None
            rows.append(Comment(
                consultation_id=c.id, version_id=c.versions[0].id, author_id=author,
                anchor=other if i % 11 == 10 else (None if i % 13 == 12 else anchor),
                parent_id=parent.id if parent else None, body=f"n{i}", body_html=f"<p>n{i}</p>",
                status=statuses[i % len(statuses)], submission_key=f"t{i}"))
            db.session.add(rows[-1])
            db.session.flush()
        db.session.commit()

        for a in (anchor, None):
            for viewer in (None, world["citizen_id"], bob_id):
                def may_see(r, viewer=viewer):
                    return (r.status in ("published", "removed")
                            or (r.status == "pending" and r.author_id == viewer))
                def replied(r):  # a withdrawn comment stays, as a note, above its published replies
                    return r.status == "withdrawn" and any(
                        x.parent_id == r.id and x.status == "published" for x in rows)
                expected = [r.id for r in rows
                            if r.anchor == a and r.parent_id is None and (may_see(r) or replied(r))]
                for order, wanted in (("newest", expected[::-1]), ("oldest", expected)):
                    seen, cursor = [], None
                    while True:
                        page = service.thread(db.session, c, a, viewer_id=viewer, order=order,
                                              cursor=cursor, limit=4)
                        seen += [x.id for x in page.comments]
                        for x in page.comments:
                            assert [r.id for r in page.replies.get(x.id, [])] == [
                                r.id for r in rows if r.parent_id == x.id and may_see(r)]
                        if page.next_cursor is None:
                            break
                        cursor = page.next_cursor
                    assert seen == wanted, (a, viewer, order)


def test_document_page_query_count_does_not_grow_with_comments(client, world, app):
    anchor = _anchor(world, "Visitors pay by the hour.")

    def count_queries(n_comments):
        with app.app_context():
            c = db.session.scalars(select(Consultation)).one()
            db.session.add_all(
                Comment(consultation_id=c.id, version_id=c.versions[0].id, anchor=anchor,
                        author_id=world["citizen_id"], body="x", body_html="<p>x</p>",
                        status="published", submission_key=f"q{n_comments}-{i}")
                for i in range(n_comments)
            )
            db.session.commit()
            engine = db.engine
        statements = []
        listener = lambda *args, **kw: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/c/parking").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    client.get("/c/parking")  # the paragraphs' HTML is rendered once per version, then reused
    assert count_queries(2) == count_queries(200)


def test_my_comments_edit_within_window_is_recorded_and_withdraw_confirms(client, world, auth, app):
    anchor = _anchor(world, "Visitors pay by the hour.")
    auth.login(world["citizen_id"])
    _post(client, world, anchor, body="First thoughts", key="e")
    with app.app_context():
        comment_id = db.session.scalars(select(Comment)).one().id
    mine = client.get("/me/comments").get_data(as_text=True)
    assert "Published" in mine and "paragraph 1.2" in mine and "Edit" in mine
    edit = client.post(f"/me/comments/{comment_id}/edit", data={"body": "Second thoughts"})
    assert edit.status_code == 303
    with app.app_context():
        assert db.session.get(Comment, comment_id).body == "Second thoughts"
        assert db.session.scalars(select(CommentEdit)).one().previous_body == "First thoughts"
        # after the 15-minute window the edit is refused
        db.session.get(Comment, comment_id).published_at = utcnow() - timedelta(minutes=16)
        db.session.commit()
    late = client.post(f"/me/comments/{comment_id}/edit", data={"body": "Third thoughts"})
    assert late.status_code == 409 and "Third thoughts" in late.get_data(as_text=True)
    confirm = client.get(f"/me/comments/{comment_id}/withdraw").get_data(as_text=True)
    assert "Withdraw this comment?" in confirm
    client.post(f"/me/comments/{comment_id}/withdraw")
    assert "Withdrawn" in client.get("/me/comments").get_data(as_text=True)
    assert "Second thoughts" not in client.get(f"/c/parking/p/{anchor}").get_data(as_text=True)


def test_someone_elses_comment_cannot_be_edited(client, world, auth, make_user, app):
    anchor = _anchor(world, "Visitors pay by the hour.")
    auth.login(world["citizen_id"])
    _post(client, world, anchor, body="Mine", key="m")
    with app.app_context():
        comment_id = db.session.scalars(select(Comment)).one().id
    auth.login(make_user("bob@example.org", name="bob"))
    assert client.post(f"/me/comments/{comment_id}/edit", data={"body": "Hacked"}).status_code == 404
    assert client.post(f"/me/comments/{comment_id}/withdraw").status_code == 404


def test_busy_database_answers_503_with_retry_after_and_keeps_the_text(client, world, auth, monkeypatch):
    from sqlalchemy.exc import OperationalError

    anchor = _anchor(world, "Visitors pay by the hour.")
    auth.login(world["citizen_id"])

    def locked(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(service, "store_comment", locked)  # where the write lock is taken
    response = _post(client, world, anchor, body="Please keep this text.")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    html = response.get_data(as_text=True)
    assert "Please keep this text." in html and "very busy" in html
    assert "database is locked" not in html


def test_counts_beside_paragraphs_are_current_even_when_the_document_html_is_reused(client, world, auth):
    anchor = _anchor(world, "Visitors pay by the hour.")
    assert "1 comment<span" not in client.get("/c/parking").get_data(as_text=True)
    auth.login(world["citizen_id"])
    _post(client, world, anchor)
    html = client.get("/c/parking").get_data(as_text=True)
    assert f'href="/c/parking/p/{anchor}#comments-heading">1 comment<span' in html
    assert "\x02" not in html and "\x03" not in html


def test_counts_change_at_once_when_this_process_publishes_or_withdraws(client, world, auth, app):
    anchor = _anchor(world, "Visitors pay by the hour.")
    count = f'href="/c/parking/p/{anchor}#comments-heading">1 comment<span'
    assert count not in client.get("/c/parking").get_data(as_text=True)  # counts now cached
    auth.login(world["citizen_id"])
    _post(client, world, anchor)
    assert count in client.get("/c/parking").get_data(as_text=True)
    with app.app_context():
        comment = db.session.scalars(select(Comment)).one()
        service.withdraw_comment(db.session, comment.id, world["citizen_id"])
        db.session.commit()
    assert count not in client.get("/c/parking").get_data(as_text=True)


def test_counts_written_by_another_process_show_once_the_cache_window_passes(client, world, app, monkeypatch):
    anchor = _anchor(world, "Visitors pay by the hour.")
    count = f'href="/c/parking/p/{anchor}#comments-heading">1 comment<span'
    assert count not in client.get("/c/parking").get_data(as_text=True)
    with app.app_context():
        c = db.session.scalars(select(Consultation)).one()
        # Written past this process's ORM session, as another gunicorn worker's would be.
        db.session.execute(insert(Comment).values(
            consultation_id=c.id, version_id=c.versions[0].id, anchor=anchor,
            author_id=world["citizen_id"], body="x", body_html="<p>x</p>", status="published",
            submission_key="elsewhere"))
        db.session.commit()
    assert count not in client.get("/c/parking").get_data(as_text=True)  # within the window
    monkeypatch.setattr(threads, "COUNTS_MAX_AGE", 0)  # where the counts are kept
    assert count in client.get("/c/parking").get_data(as_text=True)


def test_document_page_shares_only_the_document_between_readers(client, world, auth, make_user, app):
    bob, visitor = auth.client_for(make_user("bob@example.org", name="Bob")), app.test_client()
    auth.login(world["citizen_id"])
    pages = [c.get("/c/parking") for c in (client, bob, visitor, client)]
    for response in pages:
        assert response.headers["Content-Length"] == str(len(response.get_data()))
    ann_html, bob_html, visitor_html, ann_again = (r.get_data(as_text=True) for r in pages)
    assert "Signed in as <bdi>Ann</bdi>" in ann_html and "Bob" not in ann_html
    assert "Under my display name (<bdi>Ann</bdi>)" in ann_html
    assert "Signed in as <bdi>Bob</bdi>" in bob_html and "Ann" not in bob_html
    assert "Under my display name (<bdi>Bob</bdi>)" in bob_html
    assert "Signed in as" not in visitor_html and "inline-comment-form" not in visitor_html
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    assert token.search(ann_html).group(1) != token.search(bob_html).group(1)
    key = re.compile(r'name="submission_key" value="([0-9a-f]+)"')
    assert key.search(ann_html).group(1) != key.search(ann_again).group(1)  # one per form shown

    def document(html):
        return html[html.index('<div class="document-layout">'):html.index("</article>")]
    assert document(ann_html) == document(bob_html) == document(visitor_html)


def test_a_reply_or_an_edit_of_only_invisible_characters_is_refused_like_an_empty_one(
        client, world, auth, app):
    anchor = _anchor(world, "Visitors pay by the hour.")
    auth.login(world["citizen_id"])
    _post(client, world, anchor, body="A real comment", key="parent")
    with app.app_context():
        parent_id = db.session.scalars(select(Comment)).one().id
    reply = _post(client, world, anchor, body="\u200b\u2060\ufeff", key="reply", parent_id=str(parent_id))
    assert reply.status_code == 400 and "no visible text" in reply.get_data(as_text=True)
    edit = client.post(f"/me/comments/{parent_id}/edit", data={"body": "\u200d\u200c"})
    assert edit.status_code == 400 and "no visible text" in edit.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Comment.body)).all() == ["A real comment"]


def test_unclosed_direction_overrides_are_removed_and_names_and_texts_are_isolated(
        client, world, auth, make_user, app):
    """A right-to-left override left open would reverse the text after it on the page."""
    anchor = _anchor(world, "Visitors pay by the hour.")
    auth.login(make_user("rtl@example.org", name="\u202eNadia"))
    arabic = "I agree with \u2067\u0645\u0648\u0627\u0641\u0642\u2069 here."  # a paired isolate: kept
    _post(client, world, anchor, body="Fees are \u202etoo high\u2069", key="a")
    _post(client, world, anchor, body=arabic, key="b", respondent_type="organisation",
          organisation="\u202bCycling Club")
    with app.app_context():
        bodies = db.session.scalars(select(Comment.body).order_by(Comment.id)).all()
        assert bodies == ["Fees are too high", arabic]
        assert db.session.scalars(select(Comment.organisation).where(
            Comment.organisation.is_not(None))).all() == ["Cycling Club"]
    html = client.get(f"/c/parking/p/{anchor}").get_data(as_text=True)
    assert html.count('<div class="comment-body" dir="auto">') == 2
    assert "<strong><bdi>\u202eNadia</bdi></strong>" in html  # the name cannot turn what follows
    assert "<strong><bdi>Cycling Club</bdi></strong>" in html
    mine = client.get("/me/comments").get_data(as_text=True)
    assert mine.count('<div class="comment-body" dir="auto">') == 2


def test_an_organisation_name_of_invisible_characters_counts_as_missing(client, world, auth):
    anchor = _anchor(world, "Visitors pay by the hour.")
    auth.login(world["citizen_id"])
    response = _post(client, world, anchor, body="For the club.", respondent_type="organisation",
                     organisation="\u200b\u200b")
    assert response.status_code == 400
    assert "name of the organisation" in response.get_data(as_text=True)


def test_direction_controls_pair_up_line_by_line():
    from consult.text import strip_unpaired_bidi as strip  # where the comments service gets it
    assert strip("plain text") == "plain text"
    assert strip("a \u202eb") == "a b"  # never closed
    assert strip("a \u202eb\u202c c") == "a \u202eb\u202c c"  # closed: kept
    assert strip("\u202c\u2069ok") == "ok"  # closers with nothing to close
    assert strip("a \u2067b \u202ec\u2069 d") == "a \u2067b c\u2069 d"  # the PDI ends the isolate
    assert strip("a \u202bb\nc\u202c") == "a b\nc"  # a new line ends every embedding
    from consult.text import has_visible_text  # where the comments service gets it
    assert not has_visible_text("\u200b\u200c\u200d\u2060\ufeff\u00a0\u3164")
    assert has_visible_text("\U0001F44D") and has_visible_text("\u0645")


def test_a_direction_override_written_as_a_reference_is_dropped_like_the_character(client, world, auth, app):
    anchor = _anchor(world, "Visitors pay by the hour.")
    auth.login(world["citizen_id"])
    response = _post(client, world, anchor, body="ok &#x202e; reversed, and &#8238; again")
    assert response.status_code == 303
    with app.app_context():
        comment = db.session.scalars(select(Comment)).one()
        assert "\u202e" not in comment.body_html and "202e" not in comment.body.lower()
        assert "reversed, and" in comment.body_html


def test_a_banned_author_cannot_edit_a_held_comment_into_publication(client, world, auth, make_user, app):
    from consult.comments.service import CommentError, edit_comment
    from moderation import service as moderation

    anchor = _anchor(world, "Visitors pay by the hour.")
    auth.login(world["citizen_id"])
    _post(client, world, anchor, body="Ring me on 07700 900123 about fees.")
    moderator_id = make_user("mo@example.org", role="moderator", name="mo")
    with app.test_request_context():
        comment = db.session.scalars(select(Comment)).one()
        assert comment.status == "pending"
        moderation.impose_sanction(db.session, world["citizen_id"], "ban", "Abuse", moderator_id)
        db.session.commit()
        with pytest.raises(CommentError, match="may no longer post"):
            edit_comment(db.session, comment.id, world["citizen_id"], "About fees.")
        db.session.rollback()
        assert db.session.get(Comment, comment.id).status == "pending"


@pytest.fixture
def csrf_world(csrf_app):
    """The world on the CSRF-protected app, with Ann signed in: (world, anchor, her client, the
    token from the paragraph's page)."""
    world = _make_world(ConsultationFactory(csrf_app), UserFactory(csrf_app))
    anchor = _anchor(world, "Visitors pay by the hour.")
    client = AuthActions(csrf_app, csrf_app.test_client(), UserFactory(csrf_app)).login(
        world["citizen_id"])
    return world, anchor, client, csrf_token(client.get(f"/c/parking/p/{anchor}").get_data(as_text=True))


def test_with_csrf_on_a_comment_needs_the_token_once_in_the_form_or_the_header(csrf_app, csrf_world):
    # The site-wide check (Flask-WTF's CSRFProtect) is the one that decides: without the token
    # nothing is stored and the page says why; the token is accepted in the form or, as scripts
    # send it, in the X-CSRFToken header.
    world, anchor, client, token = csrf_world
    json_answer = {"Accept": "application/json"}
    forged = _post(client, world, anchor, body="Sent from another site.", key="c0")
    assert forged.status_code == 400
    assert "expired or was sent from another site" in forged.get_data(as_text=True)
    in_form = _post(client, world, anchor, body="Sent with the form.", key="c1", csrf_token=token)
    assert in_form.status_code == 303
    in_header = client.post(f"/c/parking/p/{anchor}/comments", headers={**json_answer, "X-CSRFToken": token},
                            data={"body": "Sent by the page's script.", "submission_key": "c2"})
    assert in_header.status_code == 200 and in_header.get_json()["ok"]
    with csrf_app.app_context():
        assert sorted(db.session.scalars(select(Comment.body))) == [
            "Sent by the page's script.", "Sent with the form."]


def test_with_csrf_on_an_edit_sent_with_the_token_in_the_header_is_saved(csrf_app, csrf_world):
    world, anchor, client, token = csrf_world
    assert _post(client, world, anchor, body="First thoughts", key="e1", csrf_token=token).status_code == 303
    with csrf_app.app_context():
        comment_id = db.session.scalars(select(Comment.id)).one()
    forged = client.post(f"/me/comments/{comment_id}/edit", data={"body": "Forged thoughts"})
    assert forged.status_code == 400
    assert "expired or was sent from another site" in forged.get_data(as_text=True)
    edit = client.post(f"/me/comments/{comment_id}/edit", data={"body": "Second thoughts"},
                       headers={"X-CSRFToken": token})
    assert edit.status_code == 303
    with csrf_app.app_context():
        assert db.session.get(Comment, comment_id).body == "Second thoughts"
