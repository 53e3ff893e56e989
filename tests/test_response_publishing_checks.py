"""What the staff walk-through found before a response is published (session 13): a theme without
what people said or what was done is refused rather than published with a placeholder (F15); a
summary's blank line starts a new paragraph, as its hint says (F16); and comments a moderator
escalated to an official are announced on the management and response pages, and hold back
publishing until decided (F20)."""
from __future__ import annotations

import html as htmllib
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.comments.service import CommentInput, submit_comment
from consult.consultations.service import create_consultation
from consult.extensions import db
from consult.models import Consultation, Theme, User, utcnow
from consult.responses import service as responses
from moderation.models import DECIDED, ESCALATED, QueueItem
from moderation.service.queue import escalated_waiting
from tests.helpers import PARKING

YEARLY = "Residents pay a yearly fee for a permit."
HOURLY = "Visitors pay by the hour."


def _text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


@pytest.fixture
def closed(app, make_user):
    """A closed consultation with two published comments, each counted under a theme that has an
    outcome, and a summary: ready to publish but for what each test leaves out."""
    with app.app_context():
        now = utcnow()
        c = create_consultation(
            db.session, slug="parking", files=[("parking.md", PARKING)], publish=True,
            opens_at=now - timedelta(days=10), closes_at=now + timedelta(days=10), moderation_mode="post")
        official = make_user(name="Olive", role="official")
        anchors = {p.text: p.anchor for p in c.versions[0].paragraphs}
        comments = {}
        for name, text, body in (("Ann", YEARLY, "The yearly fee is too expensive."),
                                 ("Bob", HOURLY, "Hourly charges are fair.")):
            author = db.session.get(User, make_user(name=name))
            comment, _ = submit_comment(db.session, c, anchors[text], author,
                                        CommentInput(body=body, submission_key=name),
                                        now=now - timedelta(days=3))
            comments[name] = comment
        c.closes_at = now - timedelta(minutes=1)
        db.session.commit()
        themes = {}
        for key, title, said, reasons in (("cost", "Cost of permits", "The fee is a burden.", "Fees are now monthly."),
                                          ("visitors", "Visitors", "", "")):
            theme = responses.create_theme(db.session, c, title, official)
            responses.update_theme(db.session, theme, expected_revision=theme.revision, actor_id=official,
                                   title=title, said=said, outcome="no_change", reasons=reasons)
            responses.assign(db.session, theme, [comments["Ann" if key == "cost" else "Bob"].id], official)
            themes[key] = theme.id
        responses.save_draft(db.session, c, "Two people commented.", "")
        db.session.commit()
        return {"id": c.id, "official": official, "themes": themes, "ann": comments["Ann"].id,
                "ann_author": comments["Ann"].author_id}


def _write_theme(app, theme_id, said, reasons):
    with app.app_context():
        theme = db.session.get(Theme, theme_id)
        theme.said, theme.reasons = said, reasons
        db.session.commit()


def _escalate(app, closed) -> int:
    """A moderator escalated Ann's comment to an official (as the queue's "Escalate" leaves it)."""
    with app.app_context():
        item = QueueItem(comment_id=closed["ann"], consultation_id=closed["id"], author_id=closed["ann_author"],
                         text="The yearly fee is too expensive.", source="flags", published=True, state=ESCALATED)
        db.session.add(item)
        db.session.commit()
        return item.id


# --------------------------------------------------------------------------- F15


def test_a_theme_without_what_people_said_or_what_was_done_is_not_published(client, app, closed, auth):
    auth.login(closed["official"])
    visitors = closed["themes"]["visitors"]
    with app.app_context():
        response = client.post("/manage/parking/response/publish")
    assert response.status_code == 409
    page = _text(response)
    assert "Every theme needs what people said and what the department did before publishing" in page
    assert "<li>Visitors</li>" in page and "<li>Cost of permits</li>" not in page
    # The checklist names the theme and links to it, to write what is missing.
    assert "1 theme does not yet say what people said and what we did:" in page
    assert f'<a href="/manage/parking/themes/{visitors}">Visitors</a>' in page
    # The draft's preview says what is missing; it is not the public page's wording.
    with app.app_context():
        preview = _text(client.get("/manage/parking/response"))
    assert "Not written yet: the response cannot be published without it." in preview
    assert "The reasons are not written yet: the response cannot be published without them." in preview
    with app.app_context():
        assert client.get("/c/parking/response").status_code == 404  # nothing was published

    with app.app_context():
        welsh = _text(client.post("/manage/parking/response/publish?lang=cy"))
    assert "Mae angen yr hyn a ddywedodd pobl a'r hyn a wnaeth yr adran ar bob thema cyn cyhoeddi" in welsh
    assert "Nid yw 1 thema yn dweud eto beth ddywedodd pobl a beth wnaethom ni:" in welsh
    assert "Every theme needs what people said" not in welsh and "does not yet say" not in welsh
    with app.app_context():
        welsh_preview = _text(client.get("/manage/parking/response?lang=cy"))
    assert "Heb ei ysgrifennu eto: ni ellir cyhoeddi'r ymateb hebddo." in welsh_preview
    assert "Nid yw'r rhesymau wedi'u hysgrifennu eto" in welsh_preview
    assert "Not written yet" not in welsh_preview

    # What people said, but still not why: refused again.
    _write_theme(app, visitors, "Hourly charges are fair.", "")
    with app.app_context():
        assert client.post("/manage/parking/response/publish").status_code == 409
    _write_theme(app, visitors, "Hourly charges are fair.", "We keep the hourly rate.")
    with app.app_context():  # the Welsh chosen above sticks (a cookie): English is asked for
        page = _text(client.get("/manage/parking/response/publish?lang=en"))
    assert "Every theme says what people said and what we did." in page
    with app.app_context():
        welsh = _text(client.get("/manage/parking/response/publish?lang=cy"))
    assert "Mae pob thema yn dweud beth ddywedodd pobl a beth wnaethom ni." in welsh
    with app.app_context():
        assert client.post("/manage/parking/response/publish").status_code == 303


def test_the_public_never_reads_a_placeholder_for_an_empty_text(client, app, closed, auth):
    # A response published before publishing checked the texts: its empty parts show nothing.
    _write_theme(app, closed["themes"]["visitors"], "Hourly charges are fair.", "We keep the hourly rate.")
    auth.login(closed["official"])
    with app.app_context():
        assert client.post("/manage/parking/response/publish").status_code == 303
    _write_theme(app, closed["themes"]["visitors"], "", "")
    client.get("/logout")
    with app.app_context():
        page = _text(client.get("/c/parking/response"))
    section = page.split(f'id="theme-{closed["themes"]["visitors"]}"')[1].split("</section>")[0]
    assert "Not written yet" not in section and "What you said" not in section
    assert "What we did: No change" in section
    cost = page.split(f'id="theme-{closed["themes"]["cost"]}"')[1].split("</section>")[0]
    assert "What you said" in cost and "The fee is a burden." in cost
    with app.app_context():
        welsh = _text(client.get("/c/parking/response?lang=cy"))
    assert "Heb ei ysgrifennu eto" not in welsh and "Not written yet" not in welsh


# --------------------------------------------------------------------------- F16


def test_a_blank_line_in_the_summary_starts_a_new_paragraph(client, app, closed, auth):
    _write_theme(app, closed["themes"]["visitors"], "Hourly charges are fair.", "We keep the hourly rate.")
    auth.login(closed["official"])
    with app.app_context():  # as a browser sends a text area: CRLF line ends
        assert client.post("/manage/parking/response", data={
            "summary": "We received 2 comments.\r\n\r\nThe final policy keeps <b>hourly</b> rates.",
            "next_steps": "Fees start in April.\r\n\r\nWe review them in 2028.",
            "from_version": "1", "to_version": ""}).status_code == 303
        preview = client.get("/manage/parking/response").get_data(as_text=True)
    assert "<p>We received 2 comments.</p>\n<p>The final policy keeps &lt;b&gt;hourly&lt;/b&gt; rates.</p>" in preview
    assert "<p>Fees start in April.</p>\n<p>We review them in 2028.</p>" in preview
    with app.app_context():
        assert client.post("/manage/parking/response/publish").status_code == 303
        public = client.get("/c/parking/response").get_data(as_text=True)
    summary = public.split('id="summary-heading"')[1].split("</section>")[0]
    assert summary.count("<p>") == 2 and "<b>" not in summary
    assert "<p>We received 2 comments.</p>" in summary


# --------------------------------------------------------------------------- F20


def test_escalated_comments_are_announced_to_officials_and_hold_back_publishing(client, app, closed, auth):
    _write_theme(app, closed["themes"]["visitors"], "Hourly charges are fair.", "We keep the hourly rate.")
    item_id = _escalate(app, closed)
    with app.app_context():
        assert escalated_waiting(db.session, closed["id"]) == 1
        other = db.session.scalar(select(Consultation.id).where(Consultation.id != closed["id"]))
        assert escalated_waiting(db.session, other or 0) == 0
    queue = f'/moderation/?state=escalated&amp;consultation={closed["id"]}'
    auth.login(closed["official"])
    for url in ("/manage/parking", "/manage/parking/response"):
        with app.app_context():  # each language asked for: a choice sticks
            raw = client.get(url + "?lang=en").get_data(as_text=True)
        assert ("1 comment a moderator escalated to an official is waiting for a decision: "
                f'<a href="{queue}">decide it in the moderation queue</a>. '
                "The response cannot be published until it is decided.") in raw, url
        with app.app_context():
            welsh = client.get(url + "?lang=cy").get_data(as_text=True)
        assert ("Mae 1 sylw a gyfeiriodd cymedrolwr at swyddog yn aros am benderfyniad: "
                f'<a href="{queue}">penderfynwch arno yn y ciw cymedroli</a>.') in welsh, url
        assert "escalated to an official" not in welsh, url

    with app.app_context():
        response = client.post("/manage/parking/response/publish?lang=en")
    assert response.status_code == 409
    raw = response.get_data(as_text=True)
    assert ("1 comment a moderator escalated to an official is still waiting for a decision: "
            "decide it in the moderation queue before publishing.") in raw
    assert (f'<strong><a href="{queue}">1 comment escalated to an official is waiting for a decision</a>'
            "</strong>.") in raw
    with app.app_context():
        welsh = client.post("/manage/parking/response/publish?lang=cy").get_data(as_text=True)
    assert "Mae 1 sylw a gyfeiriodd cymedrolwr at swyddog yn dal i aros am benderfyniad" in welsh
    assert f'<a href="{queue}">Mae 1 sylw a gyfeiriwyd at swyddog yn aros am benderfyniad</a>' in welsh
    assert "still waiting for a decision" not in welsh
    # The link leads to the officials' queue, which lists the item.
    with app.app_context():
        assert f"/moderation/items/{item_id}" in client.get(htmllib.unescape(queue) + "&lang=en").get_data(as_text=True)

    # Once decided, the notice goes and the response can be published.
    with app.app_context():
        db.session.get(QueueItem, item_id).state = DECIDED
        db.session.commit()
    with app.app_context():
        assert "escalated to an official is waiting" not in client.get(
            "/manage/parking?lang=en").get_data(as_text=True)
    with app.app_context():
        page = _text(client.get("/manage/parking/response/publish?lang=en"))
    assert "No comment escalated to an official is waiting for a decision." in page
    with app.app_context():
        welsh = _text(client.get("/manage/parking/response/publish?lang=cy"))
    assert "Nid oes sylw a gyfeiriwyd at swyddog yn aros am benderfyniad." in welsh
    with app.app_context():
        assert client.post("/manage/parking/response/publish").status_code == 303
