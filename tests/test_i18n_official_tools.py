"""English left on the officials' Welsh pages (issue 21): the flash after re-attaching comments,
the name of pasted Markdown in import reports and refusals, the date-format refusal, the image
address that does not exist, and the response as Markdown; and the placeholder for an image that
cannot be shown, which is stored in a version's HTML and so says no words of ours at all."""
from __future__ import annotations

import html
import re
from datetime import datetime

from sqlalchemy import select
from support.welsh_check import english_in  # tests/ is on sys.path

from consult.extensions import db
from consult.models import Consultation, DocumentVersion, Paragraph
from documents.render import sanitize_document_html, shows_missing_image
from tests.helpers import PARKING_V2, make_user


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# --------------------------------------------------------------------------- re-attaching


def _orphan_and_target(app, client, make_consultation, make_comment) -> tuple[str, str]:
    """A comment on "Visitors pay by the hour.", which version 2 removes; that paragraph's anchor
    and the anchor of version 2's new paragraph."""
    made = make_consultation("parking")
    ann = make_user(app, "ann@example.org", name="Ann")
    removed = made.anchors["Visitors pay by the hour."]
    make_comment(made, ann, "Hourly parking penalises quick errands.", removed)
    published = client.post("/manage/parking/versions/new", data={
        "markdown": PARKING_V2, "note": "Visitors' rule dropped.", "action": "publish"})
    assert published.status_code == 303, _text(published)
    with app.app_context():
        target = db.session.scalar(select(Paragraph.anchor).join(DocumentVersion).where(
            DocumentVersion.number == 2, Paragraph.text == "Zones are reviewed every year."))
    return removed, target


def test_the_flash_after_re_attaching_is_in_welsh(app, as_official, make_consultation, make_comment):
    removed, target = _orphan_and_target(app, as_official, make_consultation, make_comment)
    done = as_official.post(f"/manage/parking/orphaned/{removed}/reattach?lang=cy", data={"to": target},
                            follow_redirects=True)
    page = _text(done)
    assert "Mae 1 sylw ar baragraff 1.2 bellach ar baragraff 2.2 o fersiwn 2." in page
    assert "is now on paragraph" not in page and "1 comment on" not in page


def test_the_flash_after_re_attaching_is_in_english_with_its_plural(app, as_official, make_consultation,
                                                                    make_comment):
    removed, target = _orphan_and_target(app, as_official, make_consultation, make_comment)
    done = as_official.post(f"/manage/parking/orphaned/{removed}/reattach?lang=en", data={"to": target},
                            follow_redirects=True)
    assert "1 comment on paragraph 1.2 is now on paragraph 2.2 of version 2." in _text(done)


# --------------------------------------------------------------------------- the new-consultation form

BAD_YAML = "---\ntitle: [unclosed\n---\n# Parking\n\nResidents pay a fee.\n"
MISSING_IMAGE = "# Parking\n\nResidents pay a fee.\n\n![A map](map.png)\n"


def _preview(client, language: str, markdown: str, **extra):
    return client.post(f"/manage/new?lang={language}", data={
        "slug": "parking-new", "moderation_mode": "post", "action": "preview", "markdown": markdown, **extra})


def test_pasted_text_is_named_in_welsh_in_a_refusal_and_in_the_report(as_official):
    refused = _text(_preview(as_official, "cy", BAD_YAML))
    assert "testun wedi'i gludo, llinell 2" in refused and "pasted text" not in refused
    report = _text(_preview(as_official, "cy", MISSING_IMAGE))
    assert "testun wedi'i gludo" in report and "pasted text" not in report


def test_pasted_text_is_named_in_english_on_an_english_page(as_official):
    assert "pasted text, line 2" in _text(_preview(as_official, "en", BAD_YAML))
    assert "pasted text" in _text(_preview(as_official, "en", MISSING_IMAGE))


def test_the_date_format_refusal_is_in_welsh(as_official):
    page = _text(_preview(as_official, "cy", MISSING_IMAGE, opens_at="soon"))
    assert ("Rhowch y dyddiad a'r amser fel blwyddyn-mis-diwrnod ac oriau:munudau, er enghraifft "
            "2025-06-30T17:00.") in page
    assert "Enter the date and time" not in page
    english = _text(_preview(as_official, "en", MISSING_IMAGE, opens_at="soon"))
    assert "Enter the date and time as year-month-day and hours:minutes" in english


# --------------------------------------------------------------------------- images


def test_an_image_not_supplied_shows_its_alt_text_with_no_words_of_ours(as_official):
    for language in ("cy", "en"):
        page = _preview(as_official, language, MISSING_IMAGE + "\n![](plan.png)\n").get_data(as_text=True)
        assert '<span title="map.png">[A map]</span>' in page
        assert '<span title="plan.png">[plan.png]</span>' in page  # no alt text: its path
        assert "[Image" not in page


def test_an_image_from_an_address_pages_cannot_load_is_bracketed_alt_text():
    clean = sanitize_document_html('<p><img src="{{ site.baseurl }}/a&amp;b.png" alt="A &lt;map&gt;"></p>')
    assert clean == '<p><span title="/a&amp;b.png">[A &lt;map&gt;]</span></p>'  # no "{{" template words
    assert sanitize_document_html(clean) == clean  # stored HTML cleaned again is unchanged
    assert shows_missing_image(clean) and not shows_missing_image('<p><span title="x">y</span></p>')


def test_an_image_address_that_does_not_exist_is_refused_in_the_readers_language(client):
    welsh = client.get("/media/" + "0" * 64 + ".png?lang=cy")
    assert welsh.status_code == 404
    assert "Nid oes delwedd yn y cyfeiriad hwn." in _text(welsh)
    assert "There is no image at this address." not in _text(welsh)
    assert "There is no image at this address." in _text(client.get("/media/" + "0" * 64 + ".png?lang=en"))


# --------------------------------------------------------------------------- the response as Markdown

THEIR_WORDS = ["Parking Policy", "Cost of permits", "Said.", "Reasons.", "We read every comment.", "Next.",
               "A figure was wrong."]


def _published_response(app, made, make_comment) -> None:
    """A published response: a theme (outcome: changed) with two comments, one comment considered
    off topic, and a correction."""
    from consult.responses import service as responses

    official = make_user(app, "olive@example.org", name="Olive", role="official")
    ann, bob, cai = (make_user(app, f"{name.lower()}@example.org", name=name) for name in ("Ann", "Bob", "Cai"))
    fee = made.anchors["Residents pay a yearly fee for a permit."]
    counted = [make_comment(made, ann, "Permits cost too much.", fee), make_comment(made, bob, "Too dear.", fee)]
    off_topic = make_comment(made, cai, "The bins are never emptied.", made.anchors["Visitors pay by the hour."])
    with app.test_request_context():  # publishing tells people, with links; left before reading
        consultation = db.session.get(Consultation, made.id)
        theme = responses.create_theme(db.session, consultation, "Cost of permits", official)
        responses.assign(db.session, theme, counted, official)
        responses.update_theme(db.session, theme, expected_revision=theme.revision, actor_id=official,
                               title=theme.title, said="Said.", outcome="changed", reasons="Reasons.")
        responses.mark_considered(db.session, consultation, off_topic, "", official, reason="off_topic")
        responses.save_draft(db.session, consultation, "We read every comment.", "Next.")
        consultation.closes_at = datetime(2026, 1, 1)
        responses.publish(db.session, consultation, official)
        responses.correct(db.session, consultation, "A figure was wrong.", official)
        db.session.commit()


def test_the_response_as_markdown_follows_the_readers_language(app, client, make_consultation, make_comment):
    _published_response(app, make_consultation("parking"), make_comment)
    with app.app_context():
        welsh = client.get("/c/parking/response.md?lang=cy").get_data(as_text=True)
    for line in ("# Ymateb: Parking Policy", "## Crynodeb", "**Sylwadau:** 2", "### Yr hyn a ddywedoch chi",
                 "### Yr hyn a wnaethom: Fe wnaethom newid y testun", "## Sut y gwnaethom gyfrif y sylwadau",
                 "## Y camau nesaf", "- Y tu allan i bwnc yr ymgynghoriad hwn: 1",
                 "## Wedi'u darllen a'u hystyried, heb eu cyfrif o dan unrhyw thema"):
        assert line in welsh.splitlines(), line
    assert re.search(r"^Cyhoeddwyd ar \d{1,2} \w+ \d{4}\.$", welsh, re.M)
    assert re.search(r"^\*Cywiriad, \d{1,2} \w+ \d{4}:\* A figure was wrong\.$", welsh, re.M)
    for english in ("Response:", "Summary", "Comments:", "What you said", "What we did", "Next steps",
                    "How we counted", "Published", "Correction,", "Off topic"):
        assert english not in welsh, english
    assert english_in(html.escape(welsh), THEIR_WORDS) == []

    with app.app_context():
        english = client.get("/c/parking/response.md?lang=en").get_data(as_text=True)
    assert english.startswith("# Response: Parking Policy\n")
    for line in ("## Summary", "**Comments:** 2", "### What you said", "### What we did: We changed the text",
                 "## Read and considered, counted under no theme", "- Off topic for this consultation: 1",
                 "## How we counted the comments", "## Next steps"):
        assert line in english.splitlines(), line
    assert re.search(r"^Published \d{1,2} [A-Z][a-z]+ \d{4}\.$", english, re.M)
    assert re.search(r"^\*Correction, \d{1,2} [A-Z][a-z]+ \d{4}:\* A figure was wrong\.$", english, re.M)
