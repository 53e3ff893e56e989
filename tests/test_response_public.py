"""The public lists behind a published response: a theme's comments, and those considered with no theme."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

import documents
from consult.comments.service import CommentInput, submit_comment
from consult.consultations.service import create_consultation
from consult.extensions import db
from consult.models import (
    Comment,
    CommentConsidered,
    CommentStatus,
    Consultation,
    Notification,
    Response,
    Theme,
    ThemeComment,
    User,
    utcnow,
)
from consult.responses import service as responses
from consult.users import create_user
from tests.helpers import PARKING
from tests.support.jobs import run_jobs

YEARLY = "Residents pay a yearly fee for a permit."
HOURLY = "Visitors pay by the hour."
ZONES = "The town is split into four zones."
WORDS = ["pensioners", "carers", "students", "nurses", "builders", "bakers", "cyclists", "drivers",
         "teachers", "farmers", "painters", "doctors", "singers", "porters", "plumbers", "writers"]
MANY = 55  # more than one page of 50


def _text(i: int) -> str:
    # Texts far apart, so screening sees neither a duplicate nor a campaign.
    a, b, c = WORDS[i % 16], WORDS[(i * 7 + 3) % 16], WORDS[(i * 5 + 11) % 16]
    return f"Opinion {i}: the yearly fee weighs on {a}, and {b} ask for relief before {c} do."


def _slug_page(client, path):
    response = client.get(path)
    return response.status_code, response.get_data(as_text=True)


@pytest.fixture
def responded(app):
    """A closed consultation with a published response: one big theme, one small one, some
    comments considered with no theme, and, after publication, counted comments removed,
    withdrawn and hidden."""
    with app.app_context(), app.test_request_context():  # publishing tells people, with links
        now = utcnow()
        c = create_consultation(
            db.session, slug="parking", files=[("parking.md", PARKING)], publish=True,
            opens_at=now - timedelta(days=30), closes_at=now + timedelta(days=1),
            moderation_mode="post")
        official = create_user(db.session, "olive@example.org", "a-long-password",
                               display_name="Olive", role="official", confirmed=True)
        people = {name: create_user(db.session, f"{name.lower()}@example.org", "a-long-password",
                                    display_name=name, confirmed=True)
                  for name in ("Ann", "Bob", "Cat", "Dan")}
        anchors = {p.text: p.anchor for p in c.versions[0].paragraphs}
        when = now - timedelta(days=20)

        def say(who, anchor_text, body, key, **extra):
            nonlocal when
            when += timedelta(minutes=20)  # well inside the rate limit
            comment, _ = submit_comment(db.session, c, anchors[anchor_text] if anchor_text else None,
                                        people[who], CommentInput(body=body, submission_key=key, **extra),
                                        now=when)
            return comment

        fees = [say("Ann", YEARLY, _text(i), f"fee-{i}") for i in range(MANY)]
        hidden_name = say("Bob", YEARLY, "An unnamed view on the yearly fee.", "bob", show_name=False)
        visitors = [say("Cat", HOURLY, "Hourly visitor charges are fair.", "cat")]
        off_topic = say("Dan", None, "Please think about cycle lanes as well.", "dan")
        duplicate = say("Cat", ZONES, "Four zones is right, as I said on the fees.", "cat-zones")
        reply = say("Bob", YEARLY, "I agree with the first opinion entirely.", "bob-reply",
                    parent_id=fees[0].id)
        db.session.flush()
        statuses = {x.id: x.status for x in [*fees, hidden_name, *visitors, off_topic, duplicate, reply]}
        assert set(statuses.values()) == {CommentStatus.PUBLISHED.value}, statuses

        cost = responses.create_theme(db.session, c, "Cost of permits", official.id)
        hourly = responses.create_theme(db.session, c, "Visitors", official.id)
        responses.assign(db.session, cost, [x.id for x in fees] + [hidden_name.id, reply.id], official.id)
        responses.assign(db.session, hourly, [x.id for x in visitors], official.id)
        responses.mark_considered(db.session, c, off_topic.id, "Cycling is another policy.",
                                  official.id, reason="off_topic")
        responses.mark_considered(db.session, c, duplicate.id, "", official.id, reason="duplicate")
        for theme in (cost, hourly):
            responses.update_theme(db.session, theme, expected_revision=theme.revision,
                                   actor_id=official.id, title=theme.title, said="Said.",
                                   outcome="no_change", reasons="Reasons.")
        responses.save_draft(db.session, c, "We read every comment.", "Next.")
        c.closes_at = now - timedelta(minutes=1)
        responses.publish(db.session, c, official.id)
        # After publication some counted comments stop being public.
        removed, withdrawn, held = fees[1], fees[2], fees[3]
        removed.status = CommentStatus.REMOVED.value
        removed.status_reason = "Removed by a moderator under rule 4 (Keep it civil)."
        withdrawn.status = CommentStatus.WITHDRAWN.value
        held.status = CommentStatus.PENDING.value
        held.status_reason = "Hidden while a moderator reviews reports from readers."
        db.session.commit()
        return {"cost": cost.id, "hourly": hourly.id, "fees": [x.id for x in fees],
                "hidden_name": hidden_name.id, "reply": reply.id, "off_topic": off_topic.id,
                "duplicate": duplicate.id, "removed": removed.id, "withdrawn": withdrawn.id,
                "held": held.id, "official": official.id, "anchors": anchors,
                "consultation": c.id}


# --------------------------------------------------------------------------- item 14


def test_a_themes_count_links_to_a_paged_list_of_its_published_comments(client, app, responded):
    cost = responded["cost"]
    fee_anchor = responded["anchors"][YEARLY]
    html = client.get("/c/parking/response").get_data(as_text=True)
    section = html.split(f'id="theme-{cost}"')[1].split("</section>")[0]
    # 55 + Bob's + the reply counted, three of them no longer public: 54 shown, and linked.
    link = f'href="/c/parking/response/themes/{cost}"'
    assert (f'<dt>Comments</dt><dd><a {link}>54<span class="visually-hidden"> comments counted under '
            '“Cost of permits”') in section

    status, page1 = _slug_page(client, f"/c/parking/response/themes/{cost}")
    assert status == 200
    assert "<h1>Comments counted under “Cost of permits”</h1>" in page1
    assert "54 published comments were counted under this theme." in page1
    assert "This page lists comments 1 to 50, oldest first." in page1
    assert page1.count('<article class="response-comment"') == 50
    assert f'rel="next" href="/c/parking/response/themes/{cost}?page=2"' in page1
    assert 'rel="prev"' not in page1 and "Page 1 of 2" in page1
    # Each with its author as the comment page names them, and its paragraph's permalink.
    assert "Opinion 0: the yearly fee" in page1
    first = page1.split(f'id="comment-{responded["fees"][0]}"')[1].split("</article>")[0]
    assert "Ann" in first
    assert f'<a href="/c/parking/p/{fee_anchor}">paragraph 1.1</a>' in first
    thread = f'/c/parking/p/{fee_anchor}?after={responded["fees"][0] + 1}#comment-{responded["fees"][0]}'
    assert f'href="{thread}"' in first.replace("&amp;", "&")
    # The thread link opens the paragraph page at the comment.
    shown = client.get(thread.split("#")[0]).get_data(as_text=True)
    assert f'id="comment-{responded["fees"][0]}"' in shown

    # Never the text of a comment no longer public; the removal is said, with its rule.
    for key in ("removed", "withdrawn", "held"):
        assert f'id="comment-{responded[key]}"' not in page1
    for i in (1, 2, 3):
        assert f"Opinion {i}:" not in page1
    assert ("1 comment counted here was later removed by a moderator under rule 4 (Keep it civil), "
            "and is not shown or counted here.") in page1
    assert "1 comment counted here was later withdrawn by the author" in page1
    assert "1 comment counted here was later hidden for a moderator&#39;s review" in page1

    status, page2 = _slug_page(client, f"/c/parking/response/themes/{cost}?page=2")
    assert status == 200
    assert "This page lists comments 51 to 54, oldest first." in page2
    assert page2.count('<article class="response-comment"') == 4
    assert f'rel="prev" href="/c/parking/response/themes/{cost}?page=1"' in page2
    assert 'rel="next"' not in page2
    # The comment shown without its author's name says so, as on the comment page.
    hidden = page2.split(f'id="comment-{responded["hidden_name"]}"')[1].split("</article>")[0]
    assert "a member of the public" in hidden and "Bob" not in hidden
    # A reply is read in its thread under the comment it answers.
    reply = page2.split(f'id="comment-{responded["reply"]}"')[1].split("</article>")[0]
    assert f'after={responded["fees"][0] + 1}#comment-{responded["reply"]}' in reply.replace("&amp;", "&")
    # Every page together lists exactly the published comments counted there.
    listed = set(map(int, re.findall(r'<article class="response-comment" id="comment-(\d+)"', page1 + page2)))
    with app.app_context():
        theme = db.session.get(Theme, cost)
        expected = {c.id for c in responses.theme_comments(db.session, theme, limit=1000)
                    if c.status == CommentStatus.PUBLISHED.value}
    assert listed == expected and len(listed) == 54
    assert 'style="' not in page1 and "<script" not in page1.split("</main>")[0]

    for bad in ("?page=3", "?page=0", "?page=two"):
        assert client.get(f"/c/parking/response/themes/{cost}{bad}").status_code == 404


def test_the_lists_exist_only_once_the_response_is_published_and_stay_once_archived(client, app, responded):
    cost = responded["cost"]
    with app.app_context():
        consultation = db.session.get(Consultation, responded["consultation"])
        response = responses.get_response(db.session, consultation)
        response.published_at = None
        consultation.responded_at = None
        db.session.commit()
    for path in (f"/c/parking/response/themes/{cost}", "/c/parking/response/considered"):
        status, html = _slug_page(client, path)
        assert status == 404 and "no published response yet" in html
    with app.app_context():
        consultation = db.session.get(Consultation, responded["consultation"])
        responses.get_response(db.session, consultation).published_at = utcnow()
        consultation.responded_at = consultation.archived_at = utcnow()
        db.session.commit()
        assert consultation.status.value == "archived"
    assert client.get(f"/c/parking/response/themes/{cost}").status_code == 200
    assert client.get("/c/parking/response/considered").status_code == 200
    assert client.get("/c/parking/response/themes/999999").status_code == 404


def test_the_officials_preview_links_counts_to_their_theme_pages_before_publication(client, app, responded, auth):
    with app.app_context():
        consultation = db.session.get(Consultation, responded["consultation"])
        responses.get_response(db.session, consultation).published_at = None
        consultation.responded_at = None
        db.session.commit()
    auth.login(responded["official"])
    html = client.get("/manage/parking/response").get_data(as_text=True)
    assert f'href="/manage/parking/themes/{responded["cost"]}">54<' in html
    assert "/c/parking/response/themes/" not in html and "/c/parking/response/considered" not in html


# --------------------------------------------------------------------------- item 13


def test_the_response_says_how_many_were_considered_with_no_theme_and_why_and_lists_them(client, app, responded):
    html = client.get("/c/parking/response").get_data(as_text=True)
    assert '<a href="#considered">Read and considered, counted under no theme</a> (2 comments)' in html
    section = html.split('id="considered"')[1].split("</section>")[0]
    assert "2 comments were read and considered, and counted under no theme" in section
    assert '<a href="/c/parking/response/considered">read them, with the reason for each</a>' in section
    assert ('<a href="/c/parking/response/considered?reason=off_topic">Off topic for this consultation</a>: '
            "1 comment") in section
    assert ('<a href="/c/parking/response/considered?reason=duplicate">Duplicate of another comment</a>: '
            '1 comment') in section

    status, page = _slug_page(client, "/c/parking/response/considered")
    assert status == 200
    assert "2 published comments were read and considered by the department" in page
    off = page.split(f'id="comment-{responded["off_topic"]}"')[1].split("</article>")[0]
    assert "Please think about cycle lanes as well." in off
    assert "Off topic for this consultation. <q>Cycling is another policy.</q>" in off
    assert '<a href="/c/parking/comments">the whole document</a>' in off
    dup = page.split(f'id="comment-{responded["duplicate"]}"')[1].split("</article>")[0]
    assert "Duplicate of another comment</p>" in dup
    assert f'<a href="/c/parking/p/{responded["anchors"][ZONES]}">paragraph 2.1</a>' in dup

    status, page = _slug_page(client, "/c/parking/response/considered?reason=duplicate")
    assert status == 200 and f'id="comment-{responded["duplicate"]}"' in page
    assert f'id="comment-{responded["off_topic"]}"' not in page
    assert "<h1>Read and considered, counted under no theme: Duplicate of another comment</h1>" in page
    assert client.get("/c/parking/response/considered?reason=nonsense").status_code == 404

    md = client.get("/c/parking/response.md").get_data(as_text=True)
    assert "## Read and considered, counted under no theme" in md
    assert "- Off topic for this consultation: 1" in md


def test_a_considered_comment_later_removed_is_counted_out_and_its_text_not_shown(client, app, responded):
    with app.app_context():
        comment = db.session.get(Comment, responded["off_topic"])
        comment.status = CommentStatus.REMOVED.value
        comment.status_reason = "Removed by a moderator under rule 2 (No advertising)."
        db.session.commit()
    html = client.get("/c/parking/response").get_data(as_text=True)
    assert "1 comment was read and considered, and counted under no theme" in html
    page = client.get("/c/parking/response/considered").get_data(as_text=True)
    assert "cycle lanes" not in page
    assert "1 comment considered here was later removed by a moderator under rule 2 (No advertising)" in page


def test_marking_a_comment_considered_records_a_reason_from_the_list(client, app, responded, auth):
    # A fresh, unpublished consultation's comment to mark.
    with app.app_context():
        now = utcnow()
        c = create_consultation(db.session, slug="trees", files=[("trees.md", PARKING)], publish=True,
                                opens_at=now - timedelta(days=3), closes_at=now + timedelta(days=3),
                                moderation_mode="post")
        author = db.session.get(Comment, responded["off_topic"]).author_id
        comment, _ = submit_comment(db.session, c, None, db.session.get(User, author),
                                    CommentInput(body="Nothing to say really.", submission_key="t1"))
        db.session.commit()
        comment_id = comment.id
    auth.login(responded["official"])
    page = client.get("/manage/trees/uncounted").get_data(as_text=True)
    assert (f'<select class="select" name="reason" id="reason-{comment_id}" '
            f'aria-describedby="public-{comment_id}">') in page
    assert '<option value="no_view">No view expressed</option>' in page

    # Neither a reason nor a note: refused, saying what is needed.
    response = client.post(f"/manage/trees/comments/{comment_id}/consider",
                           data={"reason": "", "note": " "}, follow_redirects=True)
    assert "choose a reason from the list, or write one in the note" in response.get_data(as_text=True)
    response = client.post(f"/manage/trees/comments/{comment_id}/consider",
                           data={"reason": "because", "note": ""}, follow_redirects=True)
    assert "Choose a reason from the list." in response.get_data(as_text=True)
    # A reason from the list needs no note.
    response = client.post(f"/manage/trees/comments/{comment_id}/consider",
                           data={"reason": "no_view", "note": ""})
    assert response.status_code == 303
    with app.app_context():
        record = db.session.scalar(select(CommentConsidered).where(CommentConsidered.comment_id == comment_id))
        assert (record.reason, record.note) == ("no_view", "")


def test_a_participant_whose_comment_had_no_theme_is_told_where_it_is(app, responded):
    run_jobs(app)  # publishing started the job that tells every participant
    with app.app_context():
        author = db.session.get(Comment, responded["off_topic"]).author_id
        note = db.session.scalar(select(Notification).where(Notification.user_id == author,
                                                            Notification.kind == "response"))
        assert "was read and considered, and counted under no theme" in note.body
        assert "/c/parking/response#considered" in note.body


# --------------------------------------------------------------------------- the demo


@pytest.mark.slow  # loads the whole demo (`consult demo`): `make test` runs it, `make test-fast` does not
def test_the_demos_published_response_links_to_its_lists(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    client = app.test_client()
    html = client.get("/c/federal-source-code-policy/response").get_data(as_text=True)
    links = re.findall(r'href="(/c/federal-source-code-policy/response/themes/\d+)"', html)
    assert len(links) == 4
    assert 'href="/c/federal-source-code-policy/response/considered"' in html
    for link in links:
        page = client.get(link)
        assert page.status_code == 200
        assert '<article class="response-comment"' in page.get_data(as_text=True)
    page = client.get("/c/federal-source-code-policy/response/considered").get_data(as_text=True)
    assert '<article class="response-comment"' in page


def test_the_lists_show_untrusted_text_only_sanitised(client, app, responded):
    with app.app_context():
        record = db.session.scalar(select(CommentConsidered).where(
            CommentConsidered.comment_id == responded["off_topic"]))
        record.note = '<script>alert("note")</script>'
        comment = db.session.get(Comment, responded["fees"][0])
        comment.body_html = documents.render_comment('<img src=x onerror=alert(1)> **Bold**')
        db.session.commit()
    page = client.get("/c/parking/response/considered").get_data(as_text=True)
    assert '<script>alert("note")' not in page and "&lt;script&gt;alert(&#34;note&#34;)" in page
    page = client.get(f"/c/parking/response/themes/{responded['cost']}").get_data(as_text=True)
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<strong>Bold</strong>" in page


# --------------------------------------------------------------------------- review: only public comments


@pytest.mark.parametrize("status", [CommentStatus.PENDING, CommentStatus.REJECTED,
                                    CommentStatus.WITHDRAWN, CommentStatus.REMOVED])
def test_neither_list_shows_a_comment_that_is_no_longer_public(client, app, responded, status):
    with app.app_context():
        for key in ("off_topic", "hidden_name"):
            db.session.get(Comment, responded[key]).status = status.value
        db.session.commit()
    considered = client.get("/c/parking/response/considered").get_data(as_text=True)
    assert "cycle lanes" not in considered and f'id="comment-{responded["off_topic"]}"' not in considered
    assert "1 published comment was read and considered" in considered
    theme = client.get(f"/c/parking/response/themes/{responded['cost']}?page=2").get_data(as_text=True)
    assert "An unnamed view" not in theme and f'id="comment-{responded["hidden_name"]}"' not in theme
    assert "53 published comments were counted under this theme." in theme


def test_a_comment_of_another_consultation_never_made_public_is_never_listed(client, app, responded):
    with app.app_context():
        now = utcnow()
        other = create_consultation(db.session, slug="secret", files=[("s.md", PARKING)], publish=True,
                                    opens_at=now - timedelta(days=3), closes_at=now + timedelta(days=3),
                                    moderation_mode="post")
        author = db.session.get(User, db.session.get(Comment, responded["off_topic"]).author_id)
        comment, _ = submit_comment(db.session, other, None, author,
                                    CommentInput(body="A secret draft remark.", submission_key="s1"))
        assert comment.status == CommentStatus.PUBLISHED.value
        other.published_at = None  # back to a draft, as if it had never been published
        # A counting row that names it under the parking theme (never made by assign()).
        db.session.add(ThemeComment(theme_id=responded["cost"], comment_id=comment.id))
        db.session.commit()
    pages = [client.get(f"/c/parking/response/themes/{responded['cost']}?page={n}").get_data(as_text=True)
             for n in (1, 2)]
    assert not any("A secret draft remark." in page for page in pages)
    assert "54 published comments were counted under this theme." in pages[0]


def test_a_consultation_that_is_not_public_has_no_public_response_or_lists(client, app, responded):
    with app.app_context():
        db.session.get(Consultation, responded["consultation"]).published_at = None
        db.session.commit()
    for path in ("/c/parking/response", "/c/parking/response.md", "/c/parking/response/considered",
                 f"/c/parking/response/themes/{responded['cost']}"):
        status, html = _slug_page(client, path)
        assert status == 404, path
        assert "Opinion 0" not in html and "cycle lanes" not in html


@pytest.mark.parametrize("page", ["²", "-1", "1.0", "%C2%B2"])
def test_a_page_number_that_is_no_number_is_no_page(client, responded, page):
    for path in (f"/c/parking/response/themes/{responded['cost']}", "/c/parking/response/considered"):
        status, html = _slug_page(client, f"{path}?page={page}")
        assert status == 404 and "That page link is not valid" in html


def test_the_official_is_told_before_writing_that_the_reason_and_note_are_public(client, app, responded, auth):
    with app.app_context():
        now = utcnow()
        c = create_consultation(db.session, slug="trees", files=[("trees.md", PARKING)], publish=True,
                                opens_at=now - timedelta(days=3), closes_at=now + timedelta(days=3),
                                moderation_mode="post")
        author = db.session.get(User, db.session.get(Comment, responded["off_topic"]).author_id)
        comment, _ = submit_comment(db.session, c, None, author,
                                    CommentInput(body="Nothing to say really.", submission_key="t2"))
        db.session.commit()
        comment_id = comment.id
    auth.login(responded["official"])
    page = client.get("/manage/trees/uncounted").get_data(as_text=True)
    form = page.split(f'/manage/trees/comments/{comment_id}/consider"')[1].split("</form>")[0]
    hint = re.search(rf'<p class="hint" id="public-{comment_id}">(.*?)</p>', form)
    assert hint and "shown to the public with this comment" in hint[1]
    # Said before the fields, and read out with each of them.
    assert form.index(f'id="public-{comment_id}"') < form.index(f'id="reason-{comment_id}"')
    assert f'id="note-{comment_id}" maxlength="2000" aria-describedby="public-{comment_id}"' in form
    assert f'id="reason-{comment_id}" aria-describedby="public-{comment_id}"' in form
    assert f'<label class="field-label" for="note-{comment_id}">Public note' in form


# --------------------------------------------------------------------------- issue 13 item 8


def test_names_and_bodies_on_the_public_lists_are_isolated_from_the_text_around_them(client, app, responded):
    # U+202E (right-to-left override) in a name would otherwise turn the rest of the line around.
    evil = "Ann\u202eevil"
    org = "Trust\u202eyraC"
    with app.app_context():
        comment = db.session.get(Comment, responded["fees"][0])
        comment.author.display_name = evil
        comment.respondent_type, comment.organisation = "organisation", org
        db.session.commit()
    page = client.get(f"/c/parking/response/themes/{responded['cost']}").get_data(as_text=True)
    article = page.split(f'id="comment-{responded["fees"][0]}"')[1].split("</article>")[0]
    title = article.split("</h2>")[0]
    assert f"<bdi>{evil}</bdi>, on behalf of <bdi>{org}</bdi>," in title
    assert evil not in title.replace(f"<bdi>{evil}</bdi>", "")  # nowhere outside its <bdi>
    assert f'(the comment by <bdi>{evil}</bdi>' in article
    assert '<div class="comment-body" dir="auto"><p>Opinion 0:' in article
    # Every comment body on the page, not only this one.
    assert page.count('<div class="comment-body" dir="auto">') == page.count('class="comment-body"') == 50
    considered = client.get("/c/parking/response/considered").get_data(as_text=True)
    assert considered.count('<div class="comment-body" dir="auto">') == 2
    # The response's list of organisations isolates each name.
    response = client.get("/c/parking/response").get_data(as_text=True)
    assert f"<dt>Organisations</dt><dd><bdi>{org}</bdi></dd>" in response


def test_a_note_written_before_reasons_were_published_is_never_shown(client, app, responded):
    """Marks made before the reason list had only an internal note: listed, note withheld."""
    from consult.models import CommentConsidered

    with app.app_context():
        record = db.session.scalar(select(CommentConsidered).where(
            CommentConsidered.comment_id == responded["off_topic"]))
        record.reason, record.note = "earlier", "Internal: the usual cycling lobby again."
        db.session.commit()
    html = client.get("/c/parking/response").get_data(as_text=True)
    assert "Considered before reasons were recorded</a>: 1 comment" in html
    status, page = _slug_page(client, "/c/parking/response/considered?reason=earlier")
    assert status == 200 and f'id="comment-{responded["off_topic"]}"' in page
    assert "Considered before reasons were recorded</p>" in page
    assert "cycling lobby" not in page
    assert "cycling lobby" not in client.get("/c/parking/response/considered").get_data(as_text=True)


# --------------------------------------------------------------------------- issue 14: the rules live in the service


def test_counts_are_frozen_by_the_service_itself_once_the_response_is_published(app, responded):
    # A job or the CLI calls the service without the views: it must refuse, with the words
    # the pages use, to count any comment differently under a published response.
    frozen = "comments can no longer be counted differently"
    with app.app_context():
        c = db.session.get(Consultation, responded["consultation"])
        cost = db.session.get(Theme, responded["cost"])
        hourly = db.session.get(Theme, responded["hourly"])
        fee = responded["fees"][0]
        with pytest.raises(responses.ResponseError, match=frozen):
            responses.assign(db.session, hourly, [fee], responded["official"])
        with pytest.raises(responses.ResponseError, match=frozen):
            responses.count_under_theme(db.session, c, hourly.id, [fee], responded["official"])
        with pytest.raises(responses.ResponseError, match=frozen):
            responses.unassign(db.session, cost, fee)
        with pytest.raises(responses.ResponseError, match=frozen):
            responses.mark_considered(db.session, c, fee, "", responded["official"], reason="no_view")
        db.session.rollback()
        assert fee in {tc.comment_id for tc in db.session.scalars(
            select(ThemeComment).where(ThemeComment.theme_id == cost.id))}


def test_a_published_response_without_next_steps_has_no_empty_next_steps_section(client, app, responded):
    page = client.get("/c/parking/response").get_data(as_text=True)
    assert 'id="next-heading"' in page and "<p>Next.</p>" in page
    with app.app_context():
        db.session.scalars(select(Response)).one().next_steps = ""
        db.session.commit()
    page = client.get("/c/parking/response").get_data(as_text=True)
    assert 'id="next-heading"' not in page and "No next steps written yet" not in page
