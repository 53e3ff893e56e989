"""The officials' pages a tester found wanting (session 12): merging a theme and publishing a new
consultation ask to confirm first, without JavaScript; the import names the Word file uploaded;
the analysis writes its days in the reader's language; the consultation search keeps its words
for the site-wide one; the manage page follows the latest telling and offers re-attaching only
when there is something to re-attach."""
from __future__ import annotations

import html as htmllib
import io
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser

import pypandoc
import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Comment, Consultation, Theme, ThemeComment, utcnow
from consult.responses import service as responses
from tests.helpers import PARKING, PARKING_V2

YEARLY = "Residents pay a yearly fee for a permit."
HOURLY = "Visitors pay by the hour."
ZONES = "The town is split into four zones."


def _html(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


class _Forms(HTMLParser):
    """The forms of a page: each one's method, action and the fields it would send."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (a.get("method") or "get").lower(), "action": a.get("action"),
                               "fields": {}, "buttons": {}})
        elif self.forms and tag == "input" and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""
        elif self.forms and tag == "button" and a.get("name"):
            self.forms[-1]["buttons"][a["value"]] = a["name"]


def _forms(page: str) -> list[dict]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


# --------------------------------------------------------------------------- merging a theme


@pytest.fixture
def themed(app, make_consultation, make_user, make_comment):
    """A closed consultation, three comments; "Cost" counts two, "Carers" two (one shared) and a
    paragraph; returns the two themes' ids and the official's id."""
    made = make_consultation("parking", PARKING)
    ids = [make_comment(made, make_user(f"p{n}@example.org", name=f"P{n}"), body, made.anchors[YEARLY])
           for n, body in enumerate(("Too dear.", "Carers visit daily.", "Carers need a pass."))]
    official = make_user("olive@example.org", role="official", name="Olive")
    with app.app_context():
        consultation = db.session.get(Consultation, made.id)
        consultation.closes_at = utcnow() - timedelta(minutes=1)
        cost = responses.create_theme(db.session, consultation, "Cost", official)
        carers = responses.create_theme(db.session, consultation, "Carers", official)
        responses.count_under_theme(db.session, consultation, cost.id, ids[:2], official)
        responses.count_under_theme(db.session, consultation, carers.id, ids[1:], official)
        responses.link_paragraphs(db.session, carers, [made.anchors[YEARLY]])
        db.session.commit()
        return {"cost": cost.id, "carers": carers.id, "official": official, "comments": ids}


def test_merge_asks_first_saying_which_theme_goes_into_which_and_what_moves(app, auth, themed):
    olive = auth.client_for(themed["official"])
    carers, cost = themed["carers"], themed["cost"]
    forms = _forms(olive.get(f"/manage/parking/themes/{carers}").get_data(as_text=True))
    merge = next(f for f in forms if f["action"] == f"/manage/parking/themes/{carers}/merge")
    assert merge["method"] == "get", "choosing the theme only leads to the confirmation"

    confirm = olive.get(f"/manage/parking/themes/{carers}/merge?into={cost}")
    assert confirm.status_code == 200
    page = _html(confirm)
    assert "Merge “Carers” into “Cost”?" in page
    assert "The 2 comments counted under “Carers” will be counted under “Cost”." in page
    assert "1 of them is counted there already: it is counted once." in page
    assert "1 paragraph linked to “Carers” will be linked to “Cost”." in page
    assert "This cannot be undone" in page
    assert f'<a class="manage-cancel" href="/manage/parking/themes/{carers}">No, keep both themes</a>' in page
    with app.app_context():  # asking changed nothing
        assert db.session.get(Theme, carers).merged_into_id is None
        assert db.session.scalar(select(func.count()).where(ThemeComment.theme_id == carers)) == 2

    form = next(f for f in _forms(confirm.get_data(as_text=True))
                if f["method"] == "post" and f["action"].endswith("/merge"))
    assert form["fields"]["into"] == str(cost)
    done = olive.post(form["action"], data=form["fields"])
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/themes/{cost}")
    with app.app_context():
        assert db.session.get(Theme, carers).merged_into_id == cost
        assert set(db.session.scalars(select(ThemeComment.comment_id).where(ThemeComment.theme_id == cost))) \
            == set(themed["comments"])


def test_a_merge_that_cannot_be_done_is_refused_before_the_confirmation(app, auth, themed):
    olive = auth.client_for(themed["official"])
    carers = themed["carers"]
    for into in (str(carers), "", "x"):
        response = olive.get(f"/manage/parking/themes/{carers}/merge?into={into}", follow_redirects=True)
        page = _html(response)
        assert response.status_code == 200 and "flash-error" in page and "Merge the themes" not in page
    with app.app_context():
        assert db.session.get(Theme, carers).merged_into_id is None


# Without a CSRF token the confirmation's POST is refused: test_security walks every POST route.


# --------------------------------------------------------------------------- publishing a new one


def _confirm_form(response) -> dict:
    """The confirmation's form, read from the page as sent (its values still escaped)."""
    return next(f for f in _forms(response.get_data(as_text=True))
                if f["method"] == "post" and f["action"] == "/manage/new")


NEW = {"title": "Parking \"in\" Town", "slug": "parking-2030", "department": "Transport",
       "summary": "How residents pay.\nTwo lines.", "scope_about": "We must set fees.",
       "scope_open": "The level of fees.", "scope_closed": "Whether to charge.",
       "scope_outcome": "We read every comment.", "response_expected": "By September",
       "opens_at": "2030-01-10T09:00", "closes_at": "2030-07-01T12:00", "moderation_mode": "pre"}


def test_publish_shows_the_preview_and_asks_first_carrying_everything_typed(app, as_official):
    response = as_official.post("/manage/new", data={**NEW, "markdown": PARKING, "action": "publish"})
    assert response.status_code == 200
    page = _html(response)
    assert _count(app, Consultation) == 0  # nothing stored yet
    assert "Publish “Parking \"in\" Town”?" in page
    assert "visible to everyone at <strong>/c/parking-2030</strong>" in page
    assert "It opens for comments on 10 January 2030, 09:00 and closes on 1 July 2030, 12:00." in re.sub(
        r"<[^>]+>", "", page)
    assert "Import report" in page and YEARLY in page  # the report and the preview
    assert "Pre-moderation" in page
    form = _confirm_form(response)
    assert form["buttons"] == {"publish": "action", "preview": "action", "draft": "action"}
    sent = form["fields"]
    for name, value in NEW.items():
        assert sent[name] == value, name
    assert sent["markdown"] == PARKING

    # Back to edit: the form again, everything kept.
    back = _html(as_official.post("/manage/new", data={**sent, "action": "preview"}))
    assert "We must set fees." in back and "How residents pay.\nTwo lines." in back
    assert 'value="2030-07-01T12:00"' in back and PARKING.split("\n")[-2] in back
    assert _count(app, Consultation) == 0

    # Publish now.
    done = as_official.post("/manage/new", data={**sent, "action": "publish"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/c/parking-2030")
    with app.app_context():
        c = db.session.scalar(select(Consultation))
        assert (c.title, c.summary, c.moderation_mode) == ("Parking \"in\" Town", "How residents pay.\nTwo lines.",
                                                           "pre")
        assert c.published_at is not None and c.closes_at == datetime(2030, 7, 1, 11, 0)


def test_uploaded_files_and_images_are_carried_through_the_confirmation(app, as_official):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "white").save(buffer, "PNG")
    text = b"# Fees\n\nResidents pay.\n\n![A chart](chart.png)\n"
    response = as_official.post("/manage/new", data={
        **NEW, "action": "publish",
        "files": [(io.BytesIO(text), "fees.md"), (io.BytesIO(buffer.getvalue()), "chart.png")]},
        content_type="multipart/form-data")
    page = _html(response)
    assert response.status_code == 200
    assert "paragraphs, from fees.md." in page and "With 1 image." in page
    sent = _confirm_form(response)["fields"]
    assert sent["carried"] and sent["carried_media"] and sent["markdown"] == ""
    done = as_official.post("/manage/new", data={**sent, "action": "publish"}, content_type="multipart/form-data")
    assert done.status_code == 303, re.findall(r'<div class="error-summary".*?</div>', _html(done), re.S)
    assert 'alt="A chart"' in _html(app.test_client().get("/c/parking-2030"))


def test_a_confirmed_publish_that_is_now_refused_comes_back_to_the_form_with_everything(
        app, as_official, make_consultation):
    asked = as_official.post("/manage/new", data={**NEW, "markdown": PARKING, "action": "publish"})
    sent = _confirm_form(asked)["fields"]
    make_consultation("parking-2030")  # someone takes the address meanwhile
    refused = as_official.post("/manage/new", data={**sent, "action": "publish"})
    page = _html(refused)
    assert refused.status_code == 400 and "already taken" in page
    assert "We must set fees." in page and "Residents pay a yearly fee" in page


# --------------------------------------------------------------------------- the import's words


def test_the_help_says_which_images_go_with_which_way_of_giving_the_document(as_official):
    page = _html(as_official.get("/manage/new"))
    assert "(.docx) (PNG" not in page.replace("<code>", "").replace("</code>", "")
    assert "upload a Word document (<code>.docx</code>): its images come with it" in page
    assert "Markdown files (<code>.md</code>) with the images they show (PNG, JPEG, GIF, WebP or SVG)" in page


def test_a_word_upload_is_named_as_the_word_file_in_the_form_and_the_report(app, as_official, tmp_path):
    out = tmp_path / "doc1.docx"
    pypandoc.convert_text("# 1 Aims\n\nText.\n\n\u00a0\n\nEnd.\n", "docx", format="gfm", outputfile=str(out))
    response = as_official.post("/manage/new", data={
        **NEW, "action": "preview", "files": [(io.BytesIO(out.read_bytes()), "doc1.docx")]},
        content_type="multipart/form-data")
    page = _html(response)
    assert response.status_code == 200
    assert "Using the file you uploaded: <strong>doc1.docx (converted)</strong>." in page
    # One file is "it", not "them".
    assert "It is kept with this form, so you need not upload it again." in page and "They are kept" not in page
    assert "(doc1.docx (converted), line 5) has no text" in page
    assert "doc1.md" not in page


# --------------------------------------------------------------------------- the analysis's days


def test_comments_over_time_writes_each_day_once_in_the_readers_language(app, auth, make_consultation,
                                                                         make_user, make_comment):
    day = datetime(2026, 12, 4, 10, 0)
    made = make_consultation("parking", PARKING, now=day)
    for n in range(2):
        make_comment(made, make_user(f"p{n}@example.org", name=f"P{n}"), f"Comment {n}.",
                     made.anchors[YEARLY], now=day + timedelta(minutes=n))
    olive = auth.as_("official")
    page = _html(olive.get("/manage/parking/analysis"))
    time = page[page.index('id="time-heading"'):page.index('id="campaigns-heading"')]
    assert "2026-12-04 2026-12-04" not in time
    assert re.sub(r'datetime="[^"]*"', "", time).count("2026-12-04") == 0  # no raw ISO day shown
    assert time.count(">4 December 2026</text>") == 1
    assert '<time datetime="2026-12-04">4 December 2026</time>' in time
    assert 'aria-label="Comments on 4 December 2026: 2"' in time
    welsh = _html(olive.get("/manage/parking/analysis?lang=cy"))
    assert ">4 Rhagfyr 2026</text>" in welsh and "December" not in welsh


# --------------------------------------------------------------------------- search


def test_searching_the_document_and_response_too_keeps_the_words(client, make_consultation):
    make_consultation("parking", PARKING)
    page = client.get("/c/parking/search?q=sunday").get_data(as_text=True)
    link = re.search(r'<a href="([^"]*)">Search the document and the response too', page).group(1)
    link = htmllib.unescape(link)
    assert "q=sunday" in link and "consultation=parking" in link
    followed = client.get(link)  # (503 while the test's search index is still being built)
    assert followed.status_code != 400 and "Type one or more words" not in _html(followed)
    page = client.get("/c/parking/search").get_data(as_text=True)
    link = htmllib.unescape(re.search(r'<a href="([^"]*)">Search the document and the response too', page).group(1))
    assert link == "/search" and client.get(link).status_code == 200


# --------------------------------------------------------------------------- the manage page


def test_the_manage_page_follows_the_latest_telling_and_offers_re_attaching_only_when_needed(
        app, auth, make_consultation, make_user, make_comment):
    made = make_consultation("parking", PARKING)
    first = make_comment(made, make_user("a@example.org", name="A"), "Hourly is fine.", made.anchors[HOURLY])
    make_comment(made, make_user("b@example.org", name="B"), "Four is right.", made.anchors[ZONES])
    official = make_user("olive@example.org", role="official", name="Olive")
    olive = auth.client_for(official)
    link = "Comments on removed paragraphs"
    assert link not in _html(olive.get("/manage/parking"))  # version 1: nothing removed
    assert olive.post("/manage/parking/versions/new", data={
        "markdown": PARKING_V2, "note": "Visitors' rule dropped.", "action": "publish"}).status_code == 303
    page = _html(olive.get("/manage/parking"))
    assert link in page and "Telling the participants about version 2" in page

    with app.app_context():
        target = db.session.scalar(select(Comment.anchor).where(Comment.body == "Four is right."))
    moved = olive.post(f"/manage/parking/orphaned/{made.anchors[HOURLY]}/reattach", data={"to": target})
    assert moved.status_code == 303
    assert link not in _html(olive.get("/manage/parking"))  # every orphan re-attached

    with app.app_context():
        consultation = db.session.get(Consultation, made.id)
        consultation.closes_at = utcnow() - timedelta(minutes=1)
        theme = responses.create_theme(db.session, consultation, "Fees", official)
        ids = list(db.session.scalars(select(Comment.id).where(Comment.consultation_id == made.id)))
        assert first in ids
        responses.count_under_theme(db.session, consultation, theme.id, ids, official)
        responses.update_theme(db.session, theme, expected_revision=theme.revision, actor_id=official, title="Fees",
                               said="Said.", outcome="no_change", reasons="Reasons.")
        responses.save_draft(db.session, consultation, "We read every comment.", "Next steps.")
        db.session.commit()
    assert olive.post("/manage/parking/response/publish").status_code == 303
    page = _html(olive.get("/manage/parking"))
    assert "Telling the participants about the response" in page
    assert "Telling the participants about version 2" not in page


def test_a_merged_theme_can_no_longer_be_edited(app, auth, themed):
    olive = auth.client_for(themed["official"])
    carers, cost = themed["carers"], themed["cost"]
    assert olive.post(f"/manage/parking/themes/{carers}/merge", data={
        "into": str(cost), "csrf_token": ""}).status_code == 303
    page = _html(olive.get(f"/manage/parking/themes/{carers}"))
    assert "was merged into" in page and "Save the theme" not in page
    with app.app_context():
        retired = db.session.get(Theme, carers)
        with pytest.raises(responses.ResponseError, match="was merged into another theme"):
            responses.update_theme(db.session, retired, expected_revision=retired.revision,
                                   actor_id=themed["official"], title="Renamed", said="", outcome=None,
                                   reasons="")
        db.session.rollback()
        assert db.session.get(Theme, carers).title == "Carers"


def test_the_publish_page_offers_no_button_until_the_checklist_is_done_and_flags_an_unlinked_change(
        app, auth, make_consultation, make_user, make_comment):
    # Staff walkthrough: "Publish the response" was shown beside "The summary is not written yet",
    # and "We changed the text" passed with no paragraph named.
    made = make_consultation("parking")
    make_comment(made, make_user("a@example.org", name="A"), "Fees are high.", made.anchors[HOURLY])
    official = make_user("olive@example.org", role="official", name="Olive")
    olive = auth.client_for(official)
    with app.app_context():
        consultation = db.session.get(Consultation, made.id)
        consultation.closes_at = utcnow() - timedelta(minutes=1)
        theme = responses.create_theme(db.session, consultation, "Fees", official)
        ids = list(db.session.scalars(select(Comment.id).where(Comment.consultation_id == made.id)))
        responses.count_under_theme(db.session, consultation, theme.id, ids, official)
        responses.update_theme(db.session, theme, expected_revision=theme.revision, actor_id=official, title="Fees",
                               said="Said.", outcome="changed", reasons="Reasons.")
        db.session.commit()
        theme_id = theme.id
    page = _html(olive.get("/manage/parking/response/publish"))
    assert "The summary is not written yet." in page
    assert "The response can be published once the points in bold above are done." in page
    assert ">Publish the response</button>" not in page
    assert "1 theme says “We changed the text” but names no paragraph changed" in page
    with app.app_context():
        responses.save_draft(db.session, db.session.get(Consultation, made.id), "We read every comment.", "Next.")
        db.session.commit()
    page = _html(olive.get("/manage/parking/response/publish"))
    assert ">Publish the response</button>" in page and "You may still publish." in page
    with app.app_context():
        responses.link_paragraphs(db.session, db.session.get(Theme, theme_id), [made.anchors[HOURLY]])
        db.session.commit()
    assert "names no paragraph changed" not in _html(olive.get("/manage/parking/response/publish"))
