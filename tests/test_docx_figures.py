"""Word documents as departments write them: each figure in its own paragraph with a caption
("Figure 12: …") beneath, cross-references to headings. The figures are shown as images Consult
serves and listed in the import report; a missing image is reported missing, never "found"."""
from __future__ import annotations

import io
import re

import pypandoc
import pytest

from documents.docx import convert_docx

# Pandoc Markdown, made into a .docx the way Word holds figures: an image alone in its paragraph,
# then a paragraph in Word's "Caption" style; a heading bookmarked for a cross-reference, and a
# link written with a heading's GitHub slug (pandoc's Word writer hashes such bookmark names).
SOURCE = """# 6 Trust model

## 6.1 Scope {#ref-scope}

The trust model is drawn below; see [Section 6.2](#62-trust-throughout-a-wallet-provider-lifecycle).

![The entities of the trust model and how they relate](trust.png){width=50%}

::: {custom-style="Caption"}
Figure 12: The trust model of the wallet ecosystem
:::

![Figure 13](auth.png)

## 6.2 Trust throughout a Wallet Provider lifecycle

Back to [the scope](#ref-scope).
"""


@pytest.fixture
def trust_docx(tmp_path) -> bytes:
    from PIL import Image

    Image.new("RGB", (80, 40), (20, 90, 160)).save(tmp_path / "trust.png")
    Image.new("RGB", (50, 50), (160, 90, 20)).save(tmp_path / "auth.png")
    out = tmp_path / "trust.docx"
    pypandoc.convert_text(SOURCE, "docx", format="markdown-implicit_figures", outputfile=str(out),
                          extra_args=[f"--resource-path={tmp_path}"])
    data = out.read_bytes()
    assert b"word/media/" in data  # the images are embedded in the document
    return data


@pytest.fixture
def captioned_docx(tmp_path) -> bytes:
    """A figure whose caption repeats its alt text (pandoc's own figures, implicit_figures)."""
    from PIL import Image

    Image.new("RGB", (30, 30), (0, 120, 0)).save(tmp_path / "fig.png")
    out = tmp_path / "captioned.docx"
    pypandoc.convert_text("# 1 Plan\n\nText.\n\n![Figure 1](fig.png)\n\nMore text.\n", "docx", format="markdown",
                          outputfile=str(out), extra_args=[f"--resource-path={tmp_path}"])
    return out.read_bytes()


def _form(name: str, data: bytes, content_type: str | None = None) -> dict:
    return {"title": "Trust", "slug": "trust-word", "moderation_mode": "post", "action": "preview",
            "files": [(io.BytesIO(data), name)]}


def test_a_figure_with_a_caption_becomes_an_image_paragraph_then_its_caption(trust_docx, captioned_docx):
    converted = convert_docx(trust_docx, "trust.docx")
    assert "<figure" not in converted.markdown and "<img" not in converted.markdown
    image = re.search(r"!\[The entities of the trust model and how they relate\]\((media/[^)]+)\)\n\n"
                      r"Figure 12: The trust model of the wallet ecosystem\n", converted.markdown)
    assert image and image.group(1) in converted.images
    assert re.search(r"!\[Figure 13\]\(media/[^)]+\)", converted.markdown)
    # A caption that only repeats the alt text is not written twice.
    plain = convert_docx(captioned_docx, "captioned.docx").markdown
    assert re.search(r"^!\[Figure 1\]\(media/[^)]+\)$", plain, re.MULTILINE)
    assert plain.count("Figure 1") == 1


def test_the_figures_are_shown_served_by_consult_and_listed_in_the_report(app, auth, client, trust_docx):
    olive = auth.as_("official")
    with app.app_context():
        page = olive.post("/manage/new", data=_form("trust.docx", trust_docx),
                          content_type="multipart/form-data").get_data(as_text=True)
    page = re.sub(r"<input\b[^>]*>", "", page)  # the upload, kept across the preview in hidden fields
    assert "![" not in page and "<figure" not in page
    shown = re.findall(r'<img\b[^>]*>', page)
    # The preview puts each figure in the page (data: address); the public page serves it (below).
    alts = {re.search(r'alt="([^"]*)"', tag).group(1) for tag in shown if 'src="data:image/png' in tag}
    assert {"The entities of the trust model and how they relate", "Figure 13"} <= alts
    assert "Figure 12: The trust model of the wallet ecosystem" in page
    report = page[page.index("Import report"):]
    assert "Images shown (2)" in report
    assert "supplied but the document does not show it" not in report
    # The cross-references lead to their headings' paragraphs (none left as text).
    assert "names no paragraph" not in report
    with app.app_context():
        published = olive.post("/manage/new", data={**_form("trust.docx", trust_docx), "action": "publish",
                                                    "confirmed": "yes"}, content_type="multipart/form-data")
    assert published.status_code == 303, published.get_data(as_text=True)[:1500]
    with app.app_context():
        html = client.get("/c/trust-word").get_data(as_text=True)
    src = re.search(r'<img\b[^>]*src="(/media/[0-9a-f]{64}\.png)"', html)
    assert src, "the figure is shown on the public page"
    with app.app_context():
        served = client.get(src.group(1))
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"
    scope = re.search(r'<a href="#([^"]+)">Section 6\.2</a>', html)
    back = re.search(r'<a href="#([^"]+)">the scope</a>', html)
    assert scope and back
    assert f'id="{scope.group(1)}"' in html and f'id="{back.group(1)}"' in html


MISSING = b"""# Policy

## Appendix B

<img title="Software Procurement Analysis diagram" src="{{ site.baseurl }}/assets/images/analysis.jpg" />

## Appendix C

![Figure 3](media/figure-3.png)
"""


def test_an_image_referenced_but_not_supplied_is_reported_missing(app, auth):
    olive = auth.as_("official")
    with app.app_context():
        page = olive.post("/manage/new", data=_form("policy.md", MISSING),
                          content_type="multipart/form-data").get_data(as_text=True)
    report = page[page.index("Import report"):]
    assert "every image and link the document uses was found" not in report
    assert "Images missing (2)" in report
    assert ("policy.md, line 5 (paragraph Appendix B.1): the image /assets/images/analysis.jpg was not found: "
            "shown as “[Software Procurement Analysis diagram]”") in report
    assert "media/figure-3.png was not supplied" in report


def test_the_new_report_lines_are_in_welsh(app, auth):
    olive = auth.as_("official")
    links = b"# Policy\n\n## 1 One\n\nSee [two](#nowhere) and [again](#nowhere).\n\nAnd [more](#nowhere).\n"
    with app.app_context():
        english = olive.post("/manage/new", data=_form("policy.md", links),
                             content_type="multipart/form-data").get_data(as_text=True)
    # One line for a link target, naming each paragraph whose link leads there.
    assert "paragraphs 1.1, 1.2: the link to “#nowhere” names no paragraph" in english
    assert english.count("the link to “#nowhere”") == 1
    with app.app_context():
        welsh = olive.post("/manage/new?lang=cy", data=_form("policy.md", links),
                           content_type="multipart/form-data").get_data(as_text=True).replace("&#39;", "'")
    assert "paragraffau 1.1, 1.2: nid yw'r ddolen i “#nowhere”" in welsh and "names no paragraph" not in welsh
    with app.app_context():
        welsh = olive.post("/manage/new?lang=cy", data=_form("policy.md", MISSING),
                           content_type="multipart/form-data").get_data(as_text=True).replace("&#39;", "'")
    assert "ni chafwyd hyd i'r ddelwedd /assets/images/analysis.jpg" in welsh
    assert "was not found" not in welsh


def test_a_long_list_in_the_report_shows_ten_and_folds_the_rest(app, auth):
    olive = auth.as_("official")
    body = "# Policy\n\n## 1 One\n\n" + "\n\n".join(f"See [it](#nowhere-{n})." for n in range(14)) + "\n"
    with app.app_context():
        page = olive.post("/manage/new", data=_form("policy.md", body.encode()),
                          content_type="multipart/form-data").get_data(as_text=True)
    assert "Links left as text or leading elsewhere (14)" in page
    assert "<summary>Show 4 more</summary>" in page
