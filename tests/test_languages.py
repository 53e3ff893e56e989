"""Consultations in two languages (issue 21, item 4): aligning a translation, refusing one that
does not align with a report, reading each paragraph in the reader's language with the other
beside it, and comments shared across the languages."""
from __future__ import annotations

import re

from sqlalchemy import select

from consult.extensions import db
from consult.languages.models import ParagraphText
from documents import parse
from documents.align import align

ENGLISH = """# Parking fees {#fees}

We propose a charge of 5 pounds an hour in the town centre.

- Blue badge holders park free.
- Residents pay 20 pounds a year.

## Consultation questions {#questions}

Do you agree with the charge?
"""

WELSH = """# Ffioedd parcio {#fees}

Rydym yn cynnig tâl o 5 punt yr awr yng nghanol y dref.

- Mae deiliaid bathodyn glas yn parcio am ddim.
- Mae preswylwyr yn talu 20 punt y flwyddyn.

## Cwestiynau'r ymgynghoriad {#questions}

Ydych chi'n cytuno â'r tâl?
"""

# The Welsh text lacks the residents' item, and has a paragraph the English does not.
WELSH_MISALIGNED = """# Ffioedd parcio {#fees}

Rydym yn cynnig tâl o 5 punt yr awr yng nghanol y dref.

- Mae deiliaid bathodyn glas yn parcio am ddim.

## Cwestiynau'r ymgynghoriad {#questions}

Ydych chi'n cytuno â'r tâl?

Paragraff ychwanegol nad yw yn y Saesneg.
"""


def test_a_faithful_translation_pairs_every_paragraph():
    english, welsh = parse(ENGLISH), parse(WELSH)
    alignment = align(english.paragraphs, welsh.paragraphs)
    assert alignment.aligned
    paired = alignment.translation_of(english.paragraphs, welsh.paragraphs)
    assert paired["fees"].text == "Ffioedd parcio"
    assert [paired[p.anchor].text[:10] for p in english.paragraphs] == [p.text[:10] for p in welsh.paragraphs]


def test_a_missing_and_an_extra_paragraph_are_reported_where_they_are():
    english, welsh = parse(ENGLISH), parse(WELSH_MISALIGNED)
    alignment = align(english.paragraphs, welsh.paragraphs)
    kinds = sorted((m.kind, (m.main or m.translation).text[:12]) for m in alignment.mismatches)
    assert kinds == [("extra", "Paragraff yc"), ("missing", "Residents pa")]


def test_a_paragraph_missing_in_a_long_run_is_found_by_its_numbers():
    english = parse("\n\n".join(f"Paragraph {n} says {n * 7} things." for n in range(1, 40)))
    welsh = parse("\n\n".join(f"Mae paragraff {n} yn dweud {n * 7} peth." for n in range(1, 40) if n != 17))
    alignment = align(english.paragraphs, welsh.paragraphs)
    assert [(m.kind, m.main.text) for m in alignment.mismatches] == [("missing", "Paragraph 17 says 119 things.")]
    assert len(alignment.pairs) == 38


def test_an_anchor_pinned_in_the_translation_only_is_an_error():
    alignment = align(parse(ENGLISH).paragraphs, parse(WELSH.replace("{#questions}", "{#cwestiynau}")).paragraphs)
    assert [m.kind for m in alignment.mismatches] == ["pinned"]


def _add_welsh(client, slug: str, text: str):
    assert client.get(f"/manage/{slug}/languages").status_code == 200
    return client.post(f"/manage/{slug}/languages", data={"language": "cy", "markdown": text})


def test_an_official_adds_a_welsh_text_and_readers_see_it(app, client, make_consultation, as_official):
    made = make_consultation(text=ENGLISH)
    response = _add_welsh(as_official, made.slug, WELSH)
    assert response.status_code == 303
    page = as_official.get(response.headers["Location"]).get_data(as_text=True)
    assert "6 paragraphs aligned" in page or "6 paragraff" in page

    welsh = client.get(f"/c/{made.slug}?lang=cy").get_data(as_text=True)
    assert 'lang="cy"' in welsh and "Rydym yn cynnig tâl o 5 punt" in welsh
    assert '<h1>Ffioedd parcio</h1>' in welsh  # in the page's language: no lang of its own
    # The English beside each paragraph, in a <details> with its language.
    assert re.search(r'<div class="para-body" lang="en">\s*<p>We propose a charge', welsh)
    # Anchors and numbers are the English text's: the same links in both languages.
    english = client.get(f"/c/{made.slug}?lang=en").get_data(as_text=True)
    assert re.findall(r'<div class="para kind-\w+" id="([^"]+)"', welsh) == \
        re.findall(r'<div class="para kind-\w+" id="([^"]+)"', english)
    assert "We propose a charge" in english and '<div class="para-body" lang="cy">' in english
    assert '<h1>Parking fees</h1>' in english

    paragraph = client.get(f"/c/{made.slug}/p/questions?lang=cy").get_data(as_text=True)
    assert "Cwestiynau&#39;r ymgynghoriad" in paragraph or "Cwestiynau'r ymgynghoriad" in paragraph
    assert '<div class="para-body" lang="en">' in paragraph and "Consultation questions" in paragraph


def test_a_translation_that_does_not_align_is_refused_with_a_report(app, make_consultation, as_official):
    made = make_consultation(text=ENGLISH)
    response = _add_welsh(as_official, made.slug, WELSH_MISALIGNED)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "2 paragraphs do not align" in page
    assert "Residents pay 20 pounds a year." in page and "Paragraff ychwanegol" in page
    with app.app_context():
        assert db.session.scalars(select(ParagraphText)).all() == []


def test_an_english_only_consultation_read_in_welsh_says_so(client, make_consultation):
    made = make_consultation(text=ENGLISH)
    page = client.get(f"/c/{made.slug}?lang=cy").get_data(as_text=True)
    assert 'lang="en"' in page and "We propose a charge" in page
    assert "ddogfen hon ar gael yn Gymraeg" in page


ENGLISH_V2 = ENGLISH.replace("5 pounds an hour", "4 pounds an hour")
WELSH_V2 = WELSH.replace("5 punt yr awr", "4 punt yr awr")


def test_a_new_version_of_a_bilingual_consultation_needs_both_texts(app, client, make_consultation,
                                                                     as_official):
    made = make_consultation(text=ENGLISH)
    assert _add_welsh(as_official, made.slug, WELSH).status_code == 303
    form = as_official.get(f"/manage/{made.slug}/versions/new").get_data(as_text=True)
    assert 'name="translation-cy"' in form and 'name="translation-file-cy"' in form

    url = f"/manage/{made.slug}/versions/new"
    refused = as_official.post(url, data={"markdown": ENGLISH_V2, "note": "Cheaper.", "action": "publish"})
    assert refused.status_code == 400
    assert "give the text of the new version in Welsh too" in refused.get_data(as_text=True)

    misaligned = as_official.post(url, data={"markdown": ENGLISH_V2, "note": "Cheaper.", "action": "publish",
                                             "translation-cy": WELSH_MISALIGNED})
    page = misaligned.get_data(as_text=True)
    assert misaligned.status_code == 400 and "Residents pay 20 pounds a year." in page
    # The pasted Welsh is kept for the next try.
    assert "Paragraff ychwanegol nad yw yn y Saesneg." in page

    published = as_official.post(url, data={"markdown": ENGLISH_V2, "note": "Cheaper.", "action": "publish",
                                            "translation-cy": WELSH_V2})
    assert published.status_code == 303
    welsh = client.get(f"/c/{made.slug}?lang=cy").get_data(as_text=True)
    assert "4 punt yr awr" in welsh and "5 punt yr awr" not in welsh
    # Version 1 is still read in Welsh as it was.
    old = client.get(f"/c/{made.slug}/v/1?lang=cy").get_data(as_text=True)
    assert "5 punt yr awr" in old


def test_the_demo_has_a_consultation_in_english_and_welsh_with_a_welsh_comment(runner, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "/c/play-areas-strategy" in result.output
    welsh = client.get("/c/play-areas-strategy?lang=cy").get_data(as_text=True)
    assert '<article class="document" id="document_text"' in welsh and 'lang="cy"' in welsh
    assert "Byddwn yn adnewyddu&#39;r 40 ardal chwarae" in welsh or "Byddwn yn adnewyddu'r 40 ardal chwarae" in welsh
    assert "We will refurbish the 40 play areas" in welsh  # beside it, in English
    paragraph = client.get(f"/c/play-areas-strategy/p/{_anchor_of(welsh, 'Byddwn yn ychwanegu offer')}?lang=cy")
    page = paragraph.get_data(as_text=True)
    assert "Mae angen siglenni y gall cadeiriau olwyn" in page


def _anchor_of(page: str, text: str) -> str:
    """The anchor of the paragraph whose text starts with `text` on a document page."""
    anchors = re.findall(r'<div class="para kind-\w+" id="([^"]+)">', page[:page.index(text)])
    assert anchors, f"no paragraph with {text!r}"
    return anchors[-1]


def test_the_import_command_takes_a_translation_and_refuses_one_that_does_not_align(runner, client, tmp_path):
    (tmp_path / "fees.md").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "fees-cy.md").write_text(WELSH, encoding="utf-8")
    (tmp_path / "bad-cy.md").write_text(WELSH_MISALIGNED, encoding="utf-8")
    refused = runner.invoke(args=["import", str(tmp_path / "fees.md"), "--slug", "fees",
                                  "--translation", f"cy={tmp_path / 'bad-cy.md'}"])
    assert refused.exit_code == 1
    assert "Residents pay 20 pounds a year." in refused.output
    assert client.get("/c/fees").status_code == 404  # nothing stored

    result = runner.invoke(args=["import", str(tmp_path / "fees.md"), "--slug", "fees",
                                 "--translation", f"cy={tmp_path / 'fees-cy.md'}"])
    assert result.exit_code == 0, result.output
    assert "Rydym yn cynnig tâl o 5 punt" in client.get("/c/fees?lang=cy").get_data(as_text=True)


def test_the_changes_between_versions_read_in_welsh_compare_the_welsh_texts(client, make_consultation, as_official):
    made = make_consultation(text=ENGLISH)
    assert _add_welsh(as_official, made.slug, WELSH).status_code == 303
    assert as_official.post(f"/manage/{made.slug}/versions/new", data={
        "markdown": ENGLISH_V2, "note": "Cheaper.", "action": "publish", "translation-cy": WELSH_V2}).status_code == 303
    welsh = client.get(f"/c/{made.slug}/changes?from=1&to=2&lang=cy").get_data(as_text=True)
    assert re.search(r'<div class="diff">[^<]*<del>5</del>\s*<ins>4</ins> punt', welsh)
    english = client.get(f"/c/{made.slug}/changes?from=1&to=2&lang=en").get_data(as_text=True)
    assert re.search(r'<div class="diff">[^<]*<del>5</del>\s*<ins>4</ins> pounds', english)


def test_an_unknown_language_in_the_url_falls_back_with_a_notice(client, make_consultation):
    made = make_consultation(text=ENGLISH)
    response = client.get(f"/c/{made.slug}?lang=fr", headers={"Accept-Language": "cy"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="cy">' in page  # the browser's language, as if none was asked
    assert "“fr”" in page and 'role="status"' in page
    assert "lang=fr" not in response.headers.get("Set-Cookie", "")
    long = client.get("/?lang=" + "x" * 500).get_data(as_text=True)
    assert "“" + "x" * 20 + "”" in long  # the notice quotes at most 20 characters


def test_a_welsh_main_text_takes_an_english_translation(client, make_consultation, as_official):
    made = make_consultation(text=WELSH)
    url = f"/manage/{made.slug}/languages"
    assert as_official.post(url, data={"action": "main", "main": "cy"}).status_code == 303
    page = as_official.get(url).get_data(as_text=True)
    assert 'value="en"' in page and '<option value="cy"' not in page  # English is now the other language
    assert as_official.post(url, data={"language": "en", "markdown": ENGLISH}).status_code == 303
    english = client.get(f"/c/{made.slug}?lang=en").get_data(as_text=True)
    assert "We propose a charge" in english and '<div class="para-body" lang="cy">' in english
    # Once translated, the main language stays.
    refused = as_official.post(url, data={"action": "main", "main": "en"})
    assert refused.status_code == 400 and "can no longer change" in refused.get_data(as_text=True)


def test_an_uploaded_translation_that_does_not_align_is_kept_to_fix(make_consultation, as_official):
    from io import BytesIO

    made = make_consultation(text=ENGLISH)
    refused = as_official.post(f"/manage/{made.slug}/languages", content_type="multipart/form-data", data={
        "language": "cy", "file": (BytesIO(WELSH_MISALIGNED.encode()), "ffioedd.md")})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Paragraff ychwanegol nad yw yn y Saesneg." in page
    assert re.search(r'<textarea[^>]*name="markdown"[^>]*>[^<]*Paragraff ychwanegol', page)
    bad = as_official.post(f"/manage/{made.slug}/languages", content_type="multipart/form-data", data={
        "language": "cy", "file": (BytesIO(b"\xff\xfe caf\xe9"), "latin1.md")})
    assert bad.status_code == 400 and "UTF-8" in bad.get_data(as_text=True)


def test_a_block_of_another_kind_is_named_in_the_report(make_consultation, as_official):
    made = make_consultation(text=ENGLISH)
    welsh = WELSH.replace("## Cwestiynau'r ymgynghoriad {#questions}", "Cwestiynau'r ymgynghoriad {#questions}")
    refused = as_official.post(f"/manage/{made.slug}/languages", data={"language": "cy", "markdown": welsh})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "is not the same kind of block in the two texts (English: Heading; Welsh: Paragraph" in page
