"""A comment screening holds tells its author why, under which rule, who decides by when, and
how to edit it so that it is published at once; the form promises what the mode does."""
from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import select

from consult.extensions import db
from consult.models import Comment, Consultation
from moderation import service as moderation
from moderation.models import RELEASED, AuditEntry, QueueItem
from tests.helpers import PARKING

PHONE_TEXT = "Ring me on 07700 900123 about the hourly fees."
PARAGRAPH = "Visitors pay by the hour."


@pytest.fixture
def make_world(make_consultation, make_user):
    """`make_world(mode="post")`: the parking consultation in that moderation mode, and Ann, a
    citizen; returns the commented paragraph's anchor and Ann's id."""
    def make(mode: str = "post") -> dict:
        anchor = make_consultation("parking", PARKING, mode).anchors[PARAGRAPH]
        return {"anchor": anchor, "citizen": make_user("ann@example.org", name="Ann")}
    return make


@pytest.fixture
def world(make_world, auth):
    """The consultation in post-moderation, with Ann signed in on the test's client."""
    w = make_world()
    auth.login(w["citizen"])
    return w


def _post(client, world, body, key="k1", **headers):
    return client.post(f"/c/parking/p/{world['anchor']}/comments", headers=headers, data={
        "body": body, "submission_key": key, "respondent_type": "individual", "show_name": "name"})


INLINE_TAG = re.compile(r"</?(?:a|strong|em|bdi|span|time)\b[^>]*>")


def _text(page: str) -> str:
    """The page's words, without tags or repeated spaces, as a reader would read them."""
    page = re.sub(r"<[^>]+>", " ", INLINE_TAG.sub("", page))
    return re.sub(r"\s+", " ", html_lib.unescape(page))


def _comment(app) -> Comment:
    with app.app_context():
        comment = db.session.scalars(select(Comment)).one()
        db.session.expunge(comment)
        return comment


def test_after_sending_without_javascript_the_author_is_told_why_it_waits_and_how_to_fix_it(
        client, world, app):
    response = _post(client, world, PHONE_TEXT)
    assert response.status_code == 303
    comment = _comment(app)
    assert comment.status == "pending"
    page = client.get(response.headers["Location"].split("#")[0]).get_data(as_text=True)
    words = _text(page)
    # The flash message, in plain words.
    assert "Your comment is awaiting moderation. Our automatic check found a phone number, " \
           "under rule 2 (Do not share personal information)." in words
    assert "A moderator will decide whether to publish it, usually within 2 working days." in words
    assert "If you edit it to remove the phone number, it will be published at once." in words
    # Beside the comment itself: the rule linked, and the way to edit it.
    notice = page[page.index(f'id="held-{comment.id}"'):]
    notice = notice[:notice.index("</div>")]
    assert ('under <a href="/house-rules#personal-information">rule 2 (Do not share personal '
            'information)</a>') in notice
    assert f'<a href="/me/comments/{comment.id}/edit">Edit this comment</a> to remove the phone number, ' \
           "and it will be published at once." in notice
    # Nobody else sees any of it.
    other = app.test_client().get(f"/c/parking/p/{world['anchor']}").get_data(as_text=True)
    assert "07700" not in other and "held-" not in other


def test_my_comments_says_why_each_held_comment_waits(client, world):
    _post(client, world, "See https://example.org/fees and mail jo@example.org", key="a")
    _post(client, world, "You idiot authors have clearly never parked here. Morons.", key="b")
    _post(client, world, "Hourly fees are fair.", key="c")
    page = client.get("/me/comments").get_data(as_text=True)
    words = _text(page)
    assert "Our automatic check found: an email address, under rule 2 (Do not share personal " \
           "information) a link, under rule 4 (No spam, advertising or repeated posting)" in words
    assert "Edit this comment to remove the email address and remove the link (you can name the " \
           "page or document instead), and it will be published at once." in words
    assert "words that insult people, under rule 3 (No abuse, threats or discrimination)" in words
    assert "to reword it without the insults, and it will be published at once" in words
    assert page.count("Why this comment is waiting") == 2  # the published one needs no notice
    assert '<a href="/house-rules#no-abuse">' in page


def test_editing_out_what_screening_found_publishes_the_comment_at_once(client, world, make_user, app):
    _post(client, world, PHONE_TEXT)
    comment = _comment(app)
    edit = client.get(f"/me/comments/{comment.id}/edit").get_data(as_text=True)
    assert "Change the text below to remove the phone number, and it will be published as soon " \
           "as you save it." in _text(edit)
    saved = client.post(f"/me/comments/{comment.id}/edit",
                        data={"body": "Ring the council about the hourly fees."})
    assert saved.status_code == 303
    assert "now published" in client.get(saved.headers["Location"]).get_data(as_text=True)
    assert _comment(app).status == "published"
    reader = app.test_client().get(f"/c/parking/p/{world['anchor']}").get_data(as_text=True)
    assert "Ring the council about the hourly fees." in reader
    moderator = make_user("mo@example.org", role="moderator", name="Mo")
    with app.app_context():
        item = db.session.scalars(select(QueueItem)).one()
        assert item.state == RELEASED and item.text == "Ring the council about the hourly fees."
        assert db.session.scalar(select(AuditEntry.action).where(
            AuditEntry.action == "released_after_edit")) == "released_after_edit"
        # A moderator deciding on what they saw before the edit is told it changed, and why.
        with pytest.raises(moderation.Conflict, match="Its author edited the comment"):
            moderation.decide(db.session, item.id, moderator,
                              moderation.DecisionRequest("reject", ["personal-information"],
                                                         expected_version=1))
        # The public statistics count it as published after the edit, not as withdrawn.
        figures = moderation.statistics(db.session)
        assert figures["published_after_edit"] == 1 and figures["withdrawn_before_decision"] == 0
        assert figures["received"] == sum(figures[k] for k in moderation.STANDING)
    stats_page = _text(app.test_client().get("/moderation/statistics").get_data(as_text=True))
    assert "Published once their authors edited out what screening found 1" in stats_page


def test_an_edit_that_still_needs_a_look_stays_held_and_says_what_is_found_now(client, world, app):
    _post(client, world, PHONE_TEXT)
    comment = _comment(app)
    saved = client.post(f"/me/comments/{comment.id}/edit",
                        data={"body": "See www.example.org/fees about the hourly fees."})
    assert "still awaits moderation" in client.get(saved.headers["Location"]).get_data(as_text=True)
    assert _comment(app).status == "pending"
    words = _text(client.get("/me/comments").get_data(as_text=True))
    assert "Our automatic check found: a link" in words and "phone number" not in words
    with app.app_context():
        item = db.session.scalars(select(QueueItem)).one()
        assert item.state == "waiting" and item.text.startswith("See www.example.org")
        # The moderator reads why the text as it is now is held, not the phone number's reason.
        assert [r["code"] for r in item.reasons] == ["link"]


def test_in_pre_moderation_an_edit_never_publishes_and_nothing_promises_it(app, client, make_world, auth):
    world = make_world("pre")
    auth.login(world["citizen"])
    response = _post(client, world, PHONE_TEXT)
    words = _text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "found a phone number" in words
    assert "Every comment on this consultation is checked by a moderator before it appears." in words
    assert "published at once" not in words
    comment = _comment(app)
    client.post(f"/me/comments/{comment.id}/edit", data={"body": "Ring the council instead."})
    assert _comment(app).status == "pending"


def test_an_author_on_pre_moderation_is_not_published_by_editing(client, world, make_user, app):
    moderator = make_user("mo@example.org", role="moderator", name="Mo")
    with app.test_request_context():  # the author is told by mail, with links
        moderation.impose_sanction(db.session, world["citizen"], "premoderate",
                                   "Repeated personal attacks", moderator)
        db.session.commit()
    _post(client, world, PHONE_TEXT)
    comment = _comment(app)
    words = _text(client.get("/me/comments").get_data(as_text=True))
    assert "Your comments are checked by a moderator before they appear." in words
    assert "published at once" not in words
    client.post(f"/me/comments/{comment.id}/edit", data={"body": "Ring the council instead."})
    assert _comment(app).status == "pending"


def test_the_inline_form_gets_the_reasons_and_the_rule_links(client, world):
    response = _post(client, world, PHONE_TEXT, Accept="application/json")
    data = response.get_json()
    assert data["ok"] and data["status"] == "pending" and data["anchor"] == world["anchor"]
    assert "Your comment is awaiting moderation." in data["message"]
    assert "a phone number" in data["message"] and "published at once" in data["message"]
    assert '<a href="/house-rules#personal-information">' in data["held_html"]
    published = _post(client, world, "Hourly fees are fair.", key="k2", Accept="application/json")
    assert published.get_json()["message"] == "Thank you. Your comment is published."
    assert "held_html" not in published.get_json()


@pytest.mark.parametrize("mode, promised, not_promised", [
    ("pre", "Nothing you write appears until a moderator has checked it against the house rules "
            "and approved it, usually within 2 working days.", "Comments appear at once"),
    ("post", "Comments appear at once, unless our automatic check finds personal details (an email "
             "address, phone number, postcode, national insurance number or date of birth), a link,",
     "Nothing you write appears"),
    ("reactive", "Moderators review a published comment against the house rules when readers "
                 "report it.", "Nothing you write appears"),
])
def test_the_form_promises_what_the_moderation_mode_does(
        client, mode, promised, not_promised, make_world, auth):
    world = make_world(mode)
    auth.login(world["citizen"])
    words = _text(client.get(f"/c/parking/p/{world['anchor']}").get_data(as_text=True))
    assert promised in words
    assert not_promised not in words
    links_invited = "simple Markdown (*emphasis*, lists, links)" in words
    assert links_invited == (mode == "pre")  # where a link holds a comment, the hint does not invite one


def test_a_consultation_set_to_pre_after_the_form_was_shown_still_says_why(client, world, app):
    """The notice follows the consultation's mode at the time it is read."""
    client.get(_post(client, world, PHONE_TEXT).headers["Location"])  # the flash message is read
    with app.app_context():
        db.session.scalars(select(Consultation)).one().moderation_mode = "pre"
        db.session.commit()
    words = _text(client.get("/me/comments").get_data(as_text=True))
    assert "found: a phone number" in words and "published at once" not in words


# --- intake is one call: screened, stored once with its status, then recorded ---------------

def test_take_in_stores_a_held_comment_pending_with_its_reason_and_queues_that_comment(app, make_world):
    from consult.comments import service
    from consult.models import User

    w = make_world()
    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        author = db.session.get(User, w["citizen"])
        draft = service.prepare_comment(db.session, consultation, w["anchor"], author,
                                        service.CommentInput(body=PHONE_TEXT, submission_key="k1"))
        seen = []

        def store(intake):
            seen.append(intake.publish)
            draft.comment.status_reason = intake.status_reason
            db.session.add(draft.comment)
            db.session.flush()
            return draft.comment.id

        intake = moderation.take_in(db.session, consultation_id=consultation.id, author_id=author.id,
                                    text=PHONE_TEXT, mode="post", store=store)
        db.session.commit()
        assert seen == [False] and not intake.publish
        comment = db.session.scalars(select(Comment)).one()
        assert comment.status == "pending" and "phone number" in comment.status_reason.lower()
        item = db.session.scalars(select(QueueItem)).one()
        assert item.comment_id == comment.id and item.comment_revision == comment.revision == 1


def test_take_in_records_nothing_when_storing_the_comment_fails(app, make_world):
    from moderation.models import TextPrint

    make_world()

    class NotStored(Exception):
        pass

    def store(_intake):
        raise NotStored

    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        with pytest.raises(NotStored):
            moderation.take_in(db.session, consultation_id=consultation.id, author_id=1,
                               text=PHONE_TEXT, mode="pre", store=store)
        db.session.flush()
        assert db.session.scalars(select(QueueItem)).all() == []
        assert db.session.scalars(select(TextPrint)).all() == []
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "held")).all() == []


def test_the_same_form_stored_twice_at_once_is_one_comment_in_the_queue_once(app, make_world):
    """Two requests with one submission key both check it before either stores it: the second
    finds the first's comment on storing and returns it, and moderation records only one."""
    from consult.comments import service
    from consult.models import User
    from moderation.models import TextPrint

    w = make_world()
    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        author = db.session.get(User, w["citizen"])
        form = service.CommentInput(body=PHONE_TEXT, submission_key="same")
        first = service.prepare_comment(db.session, consultation, w["anchor"], author, form)
        second = service.prepare_comment(db.session, consultation, w["anchor"], author, form)
        stored, created = service.store_comment(db.session, first)
        db.session.commit()
        stored_id = stored.id
        again, created_again = service.store_comment(db.session, second)
        db.session.commit()
        assert created and not created_again and again.id == stored_id
        assert db.session.scalars(select(Comment.id)).all() == [stored_id]
        assert [i.comment_id for i in db.session.scalars(select(QueueItem))] == [stored_id]
        assert [p.comment_id for p in db.session.scalars(select(TextPrint))] == [stored_id]
