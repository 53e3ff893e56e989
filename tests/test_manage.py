"""Officials manage consultations: create, preview, publish, close, extend, revise."""
from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from support.factories import AuthActions, UserFactory  # tests/ is on sys.path

from consult.consultations.service import create_consultation
from consult.extensions import db
from consult.models import Comment, Consultation, ConsultationEvent, DocumentVersion, utcnow
from tests.helpers import PARKING, PARKING_V2, csrf_token

DOC, DOC_V2 = PARKING, PARKING_V2



@pytest.fixture
def parking(make_consultation):
    """An open consultation with version 1 of its document; returns its slug."""
    return make_consultation("parking", DOC).slug


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _form(**overrides):
    data = {
        "title": "Parking in Town",
        "slug": "parking-2030",
        "department": "Transport",
        "summary": "How residents and visitors pay to park.",
        "scope_about": "We must set fees for next year.",
        "scope_open": "The level of fees.",
        "scope_closed": "Whether to charge at all.",
        "scope_outcome": "We read every comment.",
        "response_expected": "By September",
        "opens_at": "",
        "closes_at": "",
        "moderation_mode": "post",
        "markdown": DOC,
        "action": "preview",
    }
    data.update(overrides)
    return data


def _html(response):
    return response.get_data(as_text=True)


# --------------------------------------------------------------------------- access

ROUTES = [
    ("get", "/manage/"),
    ("get", "/manage/new"),
    ("post", "/manage/new"),
    ("get", "/manage/parking"),
    ("get", "/manage/parking/publish"),
    ("post", "/manage/parking/publish"),
    ("get", "/manage/parking/close"),
    ("post", "/manage/parking/close"),
    ("get", "/manage/parking/extend"),
    ("post", "/manage/parking/extend"),
    ("get", "/manage/parking/versions/new"),
    ("post", "/manage/parking/versions/new"),
]


@pytest.mark.parametrize("method,url", ROUTES)
def test_anonymous_visitor_is_sent_to_sign_in(client, parking, method, url):
    response = getattr(client, method)(url)
    assert response.status_code in (301, 302, 303)
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("method,url", ROUTES)
def test_citizen_is_refused(app, client, auth, make_user, parking, method, url):
    auth.login(make_user("cid@example.org", name="cid"))
    response = getattr(client, method)(url, data={"reason": "x", "markdown": DOC})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Consultation, 1).closes_at > utcnow()


def test_admin_may_manage_and_officials_see_the_nav_link(client, auth, make_user, parking):
    auth.login(make_user("root@example.org", role="admin", name="root"))
    response = client.get("/manage/")
    assert response.status_code == 200
    assert 'href="/manage/">Manage consultations</a>' in _html(client.get("/"))


def test_citizens_do_not_see_the_nav_link(client, auth, make_user):
    auth.login(make_user("cid@example.org", name="cid"))
    assert "Manage consultations" not in _html(client.get("/"))


# --------------------------------------------------------------------------- list


def test_empty_list_explains_what_to_do(as_official):
    html = _html(as_official.get("/manage/"))
    assert "There are no consultations yet" in html
    assert 'href="/manage/new"' in html


def test_a_drafts_version_is_not_said_to_be_published_and_one_paragraph_is_singular(app, as_official, parking):
    with app.app_context():
        create_consultation(db.session, slug="draft-one", files=[("d.md", "# Draft\n\nOnly paragraph.\n")],
                            title="Secret draft")
        db.session.commit()
    draft = _html(as_official.get("/manage/draft-one"))
    assert re.search(r"Added <time[^>]*>[^<]+</time>, not yet published · 2 paragraphs", draft), draft
    assert "Published <time" not in draft
    assert re.search(r"Published <time[^>]*>[^<]+</time> · \d+ paragraphs", _html(as_official.get("/manage/parking")))
    with app.app_context():
        create_consultation(db.session, slug="draft-two", files=[("d.md", "Only paragraph.\n")], title="One")
        db.session.commit()
    assert re.search(r"not yet published · 1 paragraph</p>", _html(as_official.get("/manage/draft-two")))
    assert "heb ei gyhoeddi eto · 1 paragraff" in _html(as_official.get("/manage/draft-two?lang=cy"))


def test_list_shows_drafts_and_comment_counts(app, as_official, parking, official):
    with app.app_context():
        create_consultation(db.session, slug="draft-one", files=[("d.md", DOC)],
                            title="Secret draft")
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "parking"))
        version = consultation.versions[0]
        for index, status in enumerate(["published", "published", "pending", "rejected"]):
            db.session.add(Comment(consultation_id=consultation.id, version_id=version.id,
                                   author_id=official, body="b", body_html="b", status=status,
                                   submission_key=f"k{index}"))
        db.session.commit()
    html = _html(as_official.get("/manage/"))
    assert "Secret draft" in html and "status-draft" in html
    assert "Parking Policy" in html and "status-open" in html
    assert "2 published, 1 awaiting moderation" in html
    assert "(4 in all)" in html


# --------------------------------------------------------------------------- new


def test_paste_preview_shows_numbered_paragraphs_and_stores_nothing(app, as_official):
    response = as_official.post("/manage/new", data=_form())
    html = _html(response)
    assert response.status_code == 200
    # Six blocks, the first ("# Parking Policy") the document's title rather than a paragraph.
    assert "splits into <strong>5 paragraphs</strong>" in html
    assert "Residents pay a yearly fee for a permit." in html
    assert "#fees" in html and "Heading" in html
    assert re.search(r'class="para-number">.*?1\.1</span>', html)
    # Typed values are kept.
    assert 'value="parking-2030"' in html and "We must set fees for next year." in html
    assert _count(app, Consultation) == 0


def test_paste_and_publish_stores_it_and_the_public_page_shows_it(app, client, as_official,
                                                                   official):
    # Publish asks first, storing nothing; "Publish now" there publishes.
    response = as_official.post("/manage/new", data=_form(action="publish"))
    assert response.status_code == 200 and "Publish now" in _html(response)
    assert _count(app, Consultation) == 0
    response = as_official.post("/manage/new", data=_form(action="publish", confirmed="yes"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/c/parking-2030")
    html = _html(client.get("/c/parking-2030"))
    assert "Parking in Town" in html and "Residents pay a yearly fee for a permit." in html
    assert "Whether to charge at all." in html
    with app.app_context():
        consultation = db.session.scalar(select(Consultation))
        assert consultation.published_at is not None
        assert consultation.department == "Transport"
        event = db.session.scalar(select(ConsultationEvent))
        assert (event.kind, event.actor_id) == ("created", official)


def test_blank_title_takes_the_documents_title(app, as_official):
    as_official.post("/manage/new", data=_form(title="", action="publish", confirmed="yes"))
    with app.app_context():
        assert db.session.scalar(select(Consultation.title)) == "Parking Policy"


def test_dates_are_entered_in_the_site_time_zone_and_stored_as_utc(app, as_official):
    response = as_official.post("/manage/new", data=_form(
        action="draft", opens_at="2030-01-10T09:00", closes_at="2030-07-01T12:00"))
    assert response.status_code == 303
    with app.app_context():
        consultation = db.session.scalar(select(Consultation))
        assert consultation.opens_at == datetime(2030, 1, 10, 9, 0)  # GMT
        assert consultation.closes_at == datetime(2030, 7, 1, 11, 0)  # BST is UTC+1


def test_two_uploaded_files_are_joined_in_order_and_carried_through_the_preview(app, as_official):
    first = b"# Part A\n\nAlpha paragraph.\n"
    second = b"# Part B\n\nBeta paragraph.\n"
    data = _form(markdown="", title="Two parts")
    data["files"] = [(io.BytesIO(first), "01-a.md"), (io.BytesIO(second), "02-b.md")]
    response = as_official.post("/manage/new", data=data, content_type="multipart/form-data")
    html = _html(response)
    assert response.status_code == 200
    assert html.index("Alpha paragraph.") < html.index("Beta paragraph.")
    assert "<strong>01-a.md</strong>, <strong>02-b.md</strong>" in html
    carried = re.search(r'name="carried" type="hidden" value="([^"]*)"', html) or re.search(
        r'type="hidden" name="carried" value="([^"]*)"', html) or re.search(
        r'id="carried" name="carried" type="hidden" value="([^"]*)"', html)
    assert carried, "the uploaded text is carried in a hidden field"
    import html as html_module
    carried_value = html_module.unescape(carried.group(1))
    assert json.loads(carried_value) == [["01-a.md", first.decode()], ["02-b.md", second.decode()]]
    # Publish without uploading again.
    response = as_official.post("/manage/new", data=_form(
        markdown="", title="Two parts", carried=carried_value, action="publish", confirmed="yes"),
        content_type="multipart/form-data")
    assert response.status_code == 303
    with app.app_context():
        source = db.session.scalar(select(DocumentVersion.source))
        assert source.index("Alpha paragraph.") < source.index("Beta paragraph.")


def _upload(data: bytes, name: str = "doc.md", **overrides):
    form = _form(markdown="", **overrides)
    form["files"] = [(data, name)]  # turned into a fresh file object for each request
    return form


def _fresh(data: dict) -> dict:
    data = dict(data)
    if "files" in data:
        data["files"] = [(io.BytesIO(content), name) for content, name in data["files"]]
    return data


BROKEN_HTML = b"# T\n\n<div><![x</div>\n"

BAD_INPUTS = {
    "not utf-8": (_upload(b"# Title\n\nCaf\xe9 prices.\n", "latin.md"),
                  ["latin.md, line 3", "not valid UTF-8"]),
    "empty": (_form(markdown="   \n"), ["Give the document"]),
    "empty file": (_upload(b"\n\n", "blank.md"), ["blank.md", "empty"]),
    "no paragraphs": (_form(markdown="---\ntitle: Only front matter\n---\n"), ["no paragraphs"]),
    "broken front matter": (_form(markdown="---\ntitle: [unclosed\n---\n# Hello\n"),
                            ["front matter is not valid YAML", "line"]),
    "duplicate anchors": (_form(markdown="# A {#same}\n\ntext\n\n# B {#same}\n"),
                          ["duplicate pinned anchor", "line 5"]),
    "not markdown": (_upload(b"%PDF-1.4", "policy.pdf"), ["only Markdown files"]),
    "both": (dict(_upload(b"# Hi\n"), markdown="# Also\n"), ["not both"]),
    "bad slug": (_form(slug="Parking Policy!"), ["is not usable"]),
    "missing slug": (_form(slug=""), ["Enter a web address"]),
    "reserved slug": (_form(slug="new"), ["reserved"]),
    "closing before opening": (_form(opens_at="2030-05-01T09:00", closes_at="2030-04-01T09:00"),
                               ["The closing date must be after the opening date."]),
    "closing in the past": (_form(closes_at="2001-01-01T09:00", action="publish"),
                            ["The closing date has passed"]),
    "unreadable date": (_form(closes_at="next tuesday"), ["for example 2025-06-30T17:00"]),
    "file too large": (_upload(b"# Big\n\n" + b"word " * 900_000, "big.md"), ["the limit is"]),
    # html.parser used to raise AssertionError on "<![x" (a 500 page).
    "malformed raw HTML": (_upload(BROKEN_HTML, "broken.md"),
                           ["broken.md, line 3", "cannot be read", "&amp;lt;"]),
}


BAD_CASES = [(case, action) for case, (data, _) in BAD_INPUTS.items()
             for action in (["preview", "publish"] if data["action"] == "preview" else ["publish"])]


@pytest.mark.parametrize("case,action", BAD_CASES)
def test_bad_input_is_explained_on_the_same_form_and_nothing_is_stored(app, as_official, case,
                                                                      action):
    data, expected = BAD_INPUTS[case]
    data = dict(_fresh(data), action=action)
    response = as_official.post("/manage/new", data=data, content_type="multipart/form-data")
    html = _html(response)
    assert response.status_code == 400, html[:2000]
    assert 'role="alert"' in html
    for text in expected:
        assert text in html
    assert "Parking in Town" in html and "We must set fees for next year." in html
    assert _count(app, Consultation) == 0
    assert _count(app, DocumentVersion) == 0


def test_slug_already_taken_keeps_the_typed_values(app, as_official, parking):
    response = as_official.post("/manage/new", data=_form(slug="parking", action="publish"))
    html = _html(response)
    assert response.status_code == 400
    assert "already taken" in html and 'value="parking"' in html and "Transport" in html
    assert _count(app, Consultation) == 1


def test_request_larger_than_the_limit_is_explained_on_the_form(app, as_official):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    data = _fresh(_upload(b"# Big\n\n" + b"x" * 5000, "big.md"))
    response = as_official.post("/manage/new", data=data, content_type="multipart/form-data")
    html = _html(response)
    assert response.status_code == 413
    assert 'role="alert"' in html and "larger than" in html
    assert 'action="/manage/new"' in html
    assert _count(app, Consultation) == 0


def test_a_pasted_document_larger_than_the_default_field_limit_is_accepted(app, as_official):
    body = "\n\n".join(f"Paragraph number {i} " + "word " * 100 for i in range(1200))
    assert len(body) > 500_000
    response = as_official.post("/manage/new", data=_form(markdown="# Long\n\n" + body,
                                                          action="draft"))
    assert response.status_code == 303
    assert _count(app, Consultation) == 1


def test_import_command_explains_malformed_raw_html_without_a_traceback(app, runner, tmp_path):
    path = tmp_path / "broken.md"
    path.write_bytes(BROKEN_HTML)
    result = runner.invoke(args=["import", str(path), "--slug", "broken"])
    assert result.exit_code == 1
    # Only the command's own refusal (SystemExit from _fail), not a crash CliRunner caught.
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert f"Error: {path}, line 3: the raw HTML" in result.output
    assert "cannot be read" in result.output
    assert _count(app, Consultation) == 0
    assert _count(app, DocumentVersion) == 0


# --------------------------------------------------------------------------- drafts


def test_draft_is_not_public_until_published(app, client, as_official, official):
    response = as_official.post("/manage/new", data=_form(action="draft"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/manage/parking-2030")
    page = _html(as_official.get("/manage/parking-2030"))
    assert "This is a draft" in page and "Publish this consultation" in page
    assert as_official.get("/c/parking-2030").status_code == 404
    assert "Parking in Town" not in _html(as_official.get("/"))
    confirm = _html(as_official.get("/manage/parking-2030/publish"))
    assert "Yes, publish it" in confirm and "cannot go back to being a draft" in confirm
    assert as_official.get("/c/parking-2030").status_code == 404
    response = as_official.post("/manage/parking-2030/publish")
    assert response.status_code == 303
    assert as_official.get("/c/parking-2030").status_code == 200
    with app.app_context():
        kinds = db.session.scalars(select(ConsultationEvent.kind).order_by(ConsultationEvent.id))
        assert list(kinds) == ["created", "published"]
    history = _html(as_official.get("/manage/parking-2030"))
    assert "olive" in history and "Published" in history


def test_publishing_twice_is_refused(app, as_official, parking):
    response = as_official.post("/manage/parking/publish")
    assert response.status_code == 400
    assert "already published" in _html(response)


# --------------------------------------------------------------------------- close early


def test_close_early_needs_a_reason_and_is_recorded(app, as_official, parking, official):
    page = _html(as_official.get("/manage/parking/close"))
    assert "cannot be undone" in page and 'name="reason"' in page
    response = as_official.post("/manage/parking/close", data={"reason": "  "})
    assert response.status_code == 400
    assert "Give the reason for closing early" in _html(response)
    with app.app_context():
        assert db.session.scalar(select(Consultation.closes_at)) > utcnow()
        assert db.session.scalar(
            select(func.count()).where(ConsultationEvent.kind == "closed_early")) == 0
    response = as_official.post("/manage/parking/close", data={"reason": "Proposal withdrawn."})
    assert response.status_code == 303
    with app.app_context():
        consultation = db.session.scalar(select(Consultation))
        assert consultation.closes_at <= utcnow()
        assert consultation.status.value == "closed"
        event = db.session.scalar(select(ConsultationEvent).where(
            ConsultationEvent.kind == "closed_early"))
        assert event.actor_id == official and "Proposal withdrawn." in event.detail
    history = _html(as_official.get("/manage/parking"))
    assert "Closed early" in history and "Proposal withdrawn." in history
    again = as_official.post("/manage/parking/close", data={"reason": "again"})
    assert again.status_code == 400
    # Closed: the page no longer asks "Close it early?" (staff walkthrough).
    closed = _html(as_official.get("/manage/parking/close"))
    assert "cannot be closed early</h1>" in closed and "early?</h1>" not in closed


# --------------------------------------------------------------------------- extend


def test_extend_refuses_a_date_before_the_current_close(app, as_official, parking, official):
    with app.app_context():
        before = db.session.scalar(select(Consultation.closes_at))
    earlier = (before - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = as_official.post("/manage/parking/extend",
                                data={"closes_at": earlier, "reason": "More time"})
    assert response.status_code == 400
    assert "must be after the current one" in _html(response)
    response = as_official.post("/manage/parking/extend",
                                data={"closes_at": "2031-07-01T12:00", "reason": ""})
    assert response.status_code == 400 and "Give the reason" in _html(response)
    with app.app_context():
        assert db.session.scalar(select(Consultation.closes_at)) == before
    response = as_official.post("/manage/parking/extend",
                                data={"closes_at": "2031-07-01T12:00", "reason": "More time"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Consultation.closes_at)) == datetime(2031, 7, 1, 11, 0)
        event = db.session.scalar(select(ConsultationEvent).where(
            ConsultationEvent.kind == "extended"))
        assert event.actor_id == official and "More time" in event.detail


def test_extend_form_shows_the_current_close_in_local_time(app, as_official, parking):
    html = _html(as_official.get("/manage/parking/extend"))
    assert 'type="datetime-local"' in html and "Extend the closing date" in html


# --------------------------------------------------------------------------- CSRF


def test_with_csrf_on_publish_extend_and_close_need_the_token_from_their_page(csrf_app):
    # The site-wide check (Flask-WTF's CSRFProtect) refuses a POST without the token before the
    # view runs, with its own message, and nothing changes; the token from the confirmation
    # page is accepted by it and by the view's own form.
    official = UserFactory(csrf_app)("olive@example.org", role="official", name="olive")
    with csrf_app.app_context():
        now = utcnow()
        create_consultation(db.session, slug="draft", files=[("draft.md", DOC)], publish=False)
        create_consultation(db.session, slug="parking", files=[("parking.md", DOC)],
                            opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=10),
                            publish=True)
        db.session.commit()
        closes_before = db.session.scalar(select(Consultation.closes_at).where(
            Consultation.slug == "parking"))
    client = AuthActions(csrf_app, csrf_app.test_client(), UserFactory(csrf_app)).login(official)
    later = (closes_before + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    actions = [("/manage/draft/publish", {}),
               ("/manage/parking/extend", {"closes_at": later, "reason": "More time"}),
               ("/manage/parking/close", {"reason": "Proposal withdrawn."})]
    for url, data in actions:
        forged = client.post(url, data=data)
        assert forged.status_code == 400, url
        assert "expired or was sent from another site" in _html(forged), url
    with csrf_app.app_context():
        assert db.session.scalar(select(Consultation.published_at).where(
            Consultation.slug == "draft")) is None
        assert db.session.scalar(select(Consultation.closes_at).where(
            Consultation.slug == "parking")) == closes_before
        assert list(db.session.scalars(select(ConsultationEvent.kind))) == ["created", "created"]
    for url, data in actions:
        token = csrf_token(_html(client.get(url)))
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 303, url
    with csrf_app.app_context():
        kinds = db.session.scalars(select(ConsultationEvent.kind).order_by(ConsultationEvent.id))
        assert list(kinds) == ["created", "created", "published", "extended", "closed_early"]


# --------------------------------------------------------------------------- new version


def test_a_new_version_is_published_only_from_its_preview(app, as_official, parking):
    """Walkthrough: "Publish version 2" on the empty form published at once and told every
    participant, without showing what happens to the comments; the first publication asks."""
    form = _html(as_official.get("/manage/parking/versions/new"))
    assert 'value="preview"' in form and 'value="publish"' not in form
    preview = _html(as_official.post("/manage/parking/versions/new",
                                     data={"markdown": DOC_V2, "note": "Monthly.", "action": "preview"}))
    assert 'value="publish"' in preview
    stamp = re.search(r'name="previewed" value="(\w+)"', preview).group(1)
    # The text changed after its preview: shown again, nothing published.
    changed = as_official.post("/manage/parking/versions/new", data={
        "markdown": DOC_V2 + "\nOne more paragraph.\n", "note": "Monthly.", "action": "publish", "previewed": stamp})
    assert changed.status_code == 200
    page = _html(changed)
    assert "Nothing is published yet." in page and "One more paragraph." in page
    assert _count(app, DocumentVersion) == 1
    again = re.search(r'name="previewed" value="(\w+)"', page).group(1)
    assert again != stamp
    # Another version published meanwhile: the preview compared with an older one, so shown again.
    assert as_official.post("/manage/parking/versions/new", data={
        "markdown": DOC_V2 + "\nSomeone else's.\n", "note": "Other.", "action": "publish"}).status_code == 303
    stale = as_official.post("/manage/parking/versions/new", data={
        "markdown": DOC_V2 + "\nOne more paragraph.\n", "note": "Monthly.", "action": "publish", "previewed": again})
    assert stale.status_code == 200 and "Nothing is published yet." in _html(stale)
    again = re.search(r'name="previewed" value="(\w+)"', _html(stale)).group(1)
    published = as_official.post("/manage/parking/versions/new", data={
        "markdown": DOC_V2 + "\nOne more paragraph.\n", "note": "Monthly.", "action": "publish", "previewed": again})
    assert published.status_code == 303 and _count(app, DocumentVersion) == 3


def test_new_version_preview_shows_changes_then_publish_goes_to_changes_page(
        app, as_official, parking, official):
    response = as_official.post("/manage/parking/versions/new",
                                data={"markdown": DOC_V2, "note": "", "action": "preview"})
    html = _html(response)
    assert response.status_code == 200
    assert "<strong>1</strong> edited" in html
    assert "<strong>1</strong> new" in html
    assert "<strong>1</strong> removed" in html
    assert "<del>yearly</del>" in html and "<ins>monthly</ins>" in html
    assert "<del>Visitors pay by the hour.</del>" in html
    assert "<ins>Zones are reviewed every year.</ins>" in html
    assert "Publish version 2" in html
    assert _count(app, DocumentVersion) == 1
    # The note is required.
    response = as_official.post("/manage/parking/versions/new",
                                data={"markdown": DOC_V2, "note": " ", "action": "publish"})
    assert response.status_code == 400 and "Say what changed" in _html(response)
    assert _count(app, DocumentVersion) == 1
    response = as_official.post("/manage/parking/versions/new",
                                data={"markdown": DOC_V2, "note": "Fees are monthly.",
                                      "action": "publish"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/c/parking/changes?from=1&to=2")
    changes = _html(as_official.get(response.headers["Location"]))
    assert "Fees are monthly." in changes
    with app.app_context():
        event = db.session.scalar(select(ConsultationEvent).where(
            ConsultationEvent.kind == "version"))
        assert event.actor_id == official


def test_new_version_with_a_broken_document_is_explained(app, as_official, parking):
    response = as_official.post("/manage/parking/versions/new", data={
        "markdown": "# A {#x}\n\n# B {#x}\n", "note": "Typo fixes", "action": "publish"})
    html = _html(response)
    assert response.status_code == 400
    assert "duplicate pinned anchor" in html and "Typo fixes" in html
    assert _count(app, DocumentVersion) == 1


def test_new_version_of_a_draft_returns_to_the_manage_page(app, as_official):
    as_official.post("/manage/new", data=_form(action="draft"))
    response = as_official.post("/manage/parking-2030/versions/new",
                                data={"markdown": DOC_V2, "note": "Redrafted",
                                      "action": "publish"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/manage/parking-2030")


def test_unknown_consultation_is_404(as_official):
    assert as_official.get("/manage/nothing-here").status_code == 404


def test_preview_nests_the_documents_headings_under_its_own(as_official):
    html = _html(as_official.post("/manage/new", data=_form()))
    preview = html[html.index('id="preview"'):]
    assert preview.count("<h2") == 1  # "Preview: ..." only
    assert "manage-as-h1" not in preview  # the lone "# Parking Policy" is the title, not a paragraph
    assert '<h4 class="manage-as-h2"' in preview


def test_nest_headings_keeps_attributes_and_caps_at_six():
    from consult.consultations.manage import nest_headings

    assert nest_headings('<h1 id="a">A</h1><h5 class="x">B</h5><p>&lt;h2&gt;</p>') == (
        '<h3 class="manage-as-h1" id="a">A</h3><h6 class="manage-as-h5 x">B</h6><p>&lt;h2&gt;</p>')


def test_the_preview_explains_numbers_before_the_first_heading_and_with_brackets(as_official):
    own = ("# Fees policy\n\nWhy we ask.\n\n## 5 Fees\n\nWe charge fees.\n\n## 5.1 Permits\n\n"
           "Permits cost money.\n")
    html = _html(as_official.post("/manage/new", data=_form(markdown=own)))
    notes = html[html.index('class="field-hint manage-numbering-notes"'):]
    notes = notes[:notes.index("</ul>")]
    assert "Paragraphs before the first heading are numbered 0.1, 0.2 and so on." in notes
    assert "Numbers with brackets, like 5(1), count the paragraphs under a heading whose next number (5.1)" in notes
    # A document numbered from its first heading, with no brackets, needs no explanation.
    assert "manage-numbering-notes" not in _html(as_official.post("/manage/new", data=_form()))
