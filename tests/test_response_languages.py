"""The response in every language of a bilingual consultation (issue 21, item 4): publishing is
refused, naming each text still missing, until the Welsh is written; then the public page reads
in the reader's language."""
from __future__ import annotations

from consult.extensions import db
from consult.models import Theme

ENGLISH = "# Parking fees {#fees}\n\nWe propose a charge of 5 pounds an hour.\n"
WELSH = "# Ffioedd parcio {#fees}\n\nRydym yn cynnig tâl o 5 punt yr awr.\n"


def _theme(client, app, slug: str) -> int:
    response = client.post(f"/manage/{slug}/themes/new", data={"title": "Cost", "keywords": ""})
    assert response.status_code == 303
    theme_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        revision = db.session.get(Theme, theme_id).revision
    assert client.post(f"/manage/{slug}/themes/{theme_id}", data={
        "title": "Cost", "said": "The fee is too high.", "outcome": "changed",
        "reasons": "We lowered it to 4 pounds.", "keywords": "", "revision": str(revision)}).status_code == 303
    return theme_id


def test_the_response_is_published_only_once_written_in_welsh_too(app, client, make_consultation, as_official):
    made = make_consultation(text=ENGLISH, open=False)
    slug = made.slug
    assert as_official.post(f"/manage/{slug}/languages", data={"language": "cy", "markdown": WELSH}).status_code == 303
    theme_id = _theme(as_official, app, slug)
    assert as_official.post(f"/manage/{slug}/response", data={
        "summary": "Nobody liked the fee.", "next_steps": "New fees in April.",
        "from_version": "1", "to_version": ""}).status_code == 303
    draft = as_official.get(f"/manage/{slug}/response").get_data(as_text=True)
    assert f"/manage/{slug}/response/in/cy" in draft

    refused = as_official.post(f"/manage/{slug}/response/publish")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "The summary in Welsh" in page and "The theme “Cost” in Welsh" in page

    form = as_official.get(f"/manage/{slug}/response/in/cy").get_data(as_text=True)
    assert "We lowered it to 4 pounds." in form  # the English beside each box
    saved = as_official.post(f"/manage/{slug}/response/in/cy", data={
        "summary": "Doedd neb yn hoffi'r ffi.", "next_steps": "Ffioedd newydd ym mis Ebrill.",
        f"theme-{theme_id}-title": "Cost", f"theme-{theme_id}-said": "Mae'r ffi yn rhy uchel.",
        f"theme-{theme_id}-reasons": "Rydym wedi'i gostwng i 4 punt."})
    assert saved.status_code == 303

    published = as_official.post(f"/manage/{slug}/response/publish")
    assert published.status_code == 303
    welsh = client.get(f"/c/{slug}/response?lang=cy").get_data(as_text=True)
    assert "Doedd neb yn hoffi" in welsh and "Rydym wedi" in welsh and "Nobody liked the fee." not in welsh
    english = client.get(f"/c/{slug}/response?lang=en").get_data(as_text=True)
    assert "Nobody liked the fee." in english and "We lowered it to 4 pounds." in english


def test_an_english_only_consultation_needs_no_other_text(app, make_consultation, as_official):
    made = make_consultation(text=ENGLISH, open=False)
    assert as_official.get(f"/manage/{made.slug}/response/in/cy").status_code == 404
    assert "write the response in" not in as_official.get(f"/manage/{made.slug}/response").get_data(as_text=True)


def test_english_texts_on_welsh_pages_carry_their_language(client, make_consultation):
    made = make_consultation(text=ENGLISH, summary="Fees for the town centre.", scope_open="The hourly rate.")
    page = client.get(f"/c/{made.slug}?lang=cy").get_data(as_text=True)
    assert '<p class="lede" lang="en">Fees for the town centre.</p>' in page
    assert '<dd lang="en">The hourly rate.</dd>' in page
    assert '<article class="document" id="document_text" tabindex="-1" aria-label="Parking fees" lang="en">' in page


def test_a_welsh_text_too_long_is_refused_and_kept(app, make_consultation, as_official):
    made = make_consultation(text=ENGLISH, open=False)
    slug = made.slug
    assert as_official.post(f"/manage/{slug}/languages", data={"language": "cy", "markdown": WELSH}).status_code == 303
    long = "Rhy hir. " * 3000
    refused = as_official.post(f"/manage/{slug}/response/in/cy", data={"summary": long, "next_steps": "Ebrill."})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "20,000" in page
    assert long.strip()[:200] in page and "Ebrill." in page  # nothing typed is lost
