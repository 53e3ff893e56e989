"""The import report (issue 17 item 5): before publishing, the browser preview and the CLI list
what the import resolved and what it did not. Warnings never block; errors do, with file and line."""
from __future__ import annotations

import html as htmllib
import io
import re

import pytest
from sqlalchemy import func, select

from consult.consultations.creation import import_document, read_upload
from consult.extensions import db
from consult.models import Consultation

ODD = """# 1 Aims

## 1.1 Scope

Text of the scope.

## 1.3 Fees

See [the annex](annex.md) and [the fees](#no-such-place).

# 2 Rules

## 2.1 First

One.

## 2.1 Second

&nbsp;

<script>alert(1)</script>

<font color="red">Red words</font>

```html
<script>in code, not raw HTML</script>
```

![A chart](media/chart.png)

![](media/unlabelled.png)

![Remote](https://example.org/remote.png)
"""


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (3, 2), "white").save(buffer, "PNG")
    return buffer.getvalue()


def _other_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (5, 5), "black").save(buffer, "PNG")
    return buffer.getvalue()


def test_the_report_lists_what_was_resolved_and_what_was_not():
    images = read_upload([("media/unlabelled.png", _png()), ("media/spare.png", _other_png())]).images
    report = import_document([("docs/odd.md", ODD)], images).report
    sections = dict(report.sections())
    assert sections["Images shown"] == ["media/unlabelled.png (PNG, 3 x 2 pixels, 0 KB), in paragraph 2.2.6"]
    assert sections["Images missing"] == [
        "docs/odd.md: the image media/chart.png was not supplied: shown as its alt text “A chart”"]
    other = sections["Other notes on images"]
    assert any("media/unlabelled.png has no alt text" in line for line in other)
    assert any("https://example.org/remote.png is on another site" in line for line in other)
    assert any("media/spare.png was supplied but the document does not show it" in line for line in other)
    links = sections["Links left as text or leading elsewhere"]
    assert any("annex.md" in line and "not part of this import" in line for line in links)
    assert any("#no-such-place" in line for line in links)
    assert sections["Numbering"] == [
        "the heading number 2.1 is on 2 headings (lines 13, 17): readers cannot quote it, so they are "
        "numbered beneath their section",
        "heading 1.3 (line 7) follows 1.1: is 1.2 missing?",
    ]
    assert sections["Empty paragraphs"] == ["paragraph 2.2.1 (docs/odd.md, line 19) has no text"]
    assert sections["Raw HTML removed"] == [
        "docs/odd.md, line 21: <script> and its contents were removed",
        "docs/odd.md, line 23: <font> is not allowed in a document and was removed (its text, if any, is kept)",
    ]
    assert report.warning_count == sum(len(v) for k, v in sections.items() if k != "Images shown")


def test_a_clean_import_has_nothing_to_warn_about():
    # Escaped angle brackets are text, not raw HTML (the EUDI chapter writes "\\<Relying Party name\\>").
    report = import_document([("a.md", "# Title\n\n## One\n\nText \\<Relying Party name\\> `<b>`.\n")]).report
    assert report.sections() == [] and report.warning_count == 0


@pytest.fixture
def as_official(auth, make_user):
    return auth.login(make_user("olive@example.org", role="official", name="olive"))


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_the_browser_preview_shows_the_report_and_publishing_still_works(app, as_official):
    data = {"slug": "odd-one", "moderation_mode": "post", "action": "preview",
            "files": [(io.BytesIO(ODD.encode()), "odd.md"), (io.BytesIO(_png()), "unlabelled.png")]}
    response = as_official.post("/manage/new", data=data, content_type="multipart/form-data")
    page = htmllib.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Import report" in page and "Images missing (1)" in page
    assert "heading 1.3 (line 7) follows 1.1: is 1.2 missing?" in page
    assert "odd.md, line 21: <script> and its contents were removed" in page
    assert "none of them stops you publishing" in page
    data["action"], data["confirmed"] = "publish", "yes"
    data["files"] = [(io.BytesIO(ODD.encode()), "odd.md"), (io.BytesIO(_png()), "unlabelled.png")]
    assert as_official.post("/manage/new", data=data, content_type="multipart/form-data").status_code == 303
    assert _count(app, Consultation) == 1


def test_the_new_version_preview_shows_the_report(app, as_official, make_consultation):
    make_consultation("odd-one", "# 1 Aims\n\nText.\n")
    data = {"action": "preview", "note": "", "files": [(io.BytesIO(ODD.encode()), "odd.md")]}
    response = as_official.post("/manage/odd-one/versions/new", data=data, content_type="multipart/form-data")
    page = htmllib.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Import report" in page and "the image media/chart.png was not supplied" in page


def test_errors_block_with_file_and_line(app, as_official, runner, tmp_path):
    twice = "# A {#fees}\n\nText.\n\n# B {#fees}\n"
    data = {"slug": "twice", "moderation_mode": "post", "action": "publish",
            "files": [(io.BytesIO(twice.encode()), "twice.md")]}
    response = as_official.post("/manage/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "twice.md, line 5: duplicate pinned anchor &#39;fees&#39;" in response.get_data(as_text=True)
    (tmp_path / "bad.md").write_bytes(b"# A\n\n\xff\xfe bad\n")
    result = runner.invoke(args=["import", str(tmp_path / "bad.md"), "--slug", "bad-one"])
    assert result.exit_code == 1 and "bad.md, line 3: the file is not valid UTF-8" in result.output
    assert _count(app, Consultation) == 0


def test_the_cli_prints_the_report_before_storing(app, runner, tmp_path):
    (tmp_path / "odd.md").write_text(ODD)
    result = runner.invoke(args=["import", str(tmp_path / "odd.md"), "--slug", "odd-one"])
    assert result.exit_code == 0, result.output
    report_at = result.output.index("Import report")
    assert "warnings do not stop the import" in result.output
    assert "Numbering (2):" in result.output and "Empty paragraphs (1):" in result.output
    assert report_at < result.output.index("Imported /c/odd-one")


FIGURED = "# Fees\n\n## 1. Charges\n\nPermits cost 30 pounds.\n\n![A chart of the fees](media/chart.png)\n"


def test_a_new_version_starts_from_the_current_text_and_keeps_its_images(app, as_official, client):
    # Staff walkthrough: a new version started from an empty box, and its figures had to be sent again.
    data = {"slug": "figured", "moderation_mode": "post", "action": "publish", "confirmed": "yes",
            "files": [(io.BytesIO(FIGURED.encode()), "fees.md"), (io.BytesIO(_png()), "media/chart.png")]}
    assert as_official.post("/manage/new", data=data, content_type="multipart/form-data").status_code == 303
    empty = htmllib.unescape(as_official.get("/manage/figured/versions/new").get_data(as_text=True))
    assert "Start from the text of version 1" in empty and "Permits cost 30 pounds." not in empty
    started = htmllib.unescape(as_official.get("/manage/figured/versions/new?start=current").get_data(as_text=True))
    assert "Permits cost 30 pounds." in started and "![A chart of the fees](media/chart.png)" in started
    edited = FIGURED.replace("30 pounds", "35 pounds")
    preview = htmllib.unescape(as_official.post("/manage/figured/versions/new", data={
        "action": "preview", "note": "", "markdown": edited}).get_data(as_text=True))
    assert "was not supplied" not in preview
    chart = re.search(r'src="(/media/[0-9a-f]{64}\.png)"', preview)
    assert chart, "the figure is shown from the stored image"
    assert as_official.post("/manage/figured/versions/new", data={
        "action": "publish", "note": "Dearer.", "markdown": edited}).status_code == 303
    page = client.get("/c/figured").get_data(as_text=True)
    assert "35 pounds" in page and chart.group(1) in page
    assert client.get(chart.group(1)).status_code == 200



def test_a_kept_image_is_found_by_its_path_only(app, as_official):
    # Review: by file name alone, a Word file's media/image1.png would show another version's figure.
    data = {"slug": "figured", "moderation_mode": "post", "action": "publish", "confirmed": "yes",
            "files": [(io.BytesIO(FIGURED.encode()), "fees.md"), (io.BytesIO(_png()), "media/chart.png")]}
    assert as_official.post("/manage/new", data=data, content_type="multipart/form-data").status_code == 303
    elsewhere = FIGURED.replace("media/chart.png", "figures/chart.png")
    preview = htmllib.unescape(as_official.post("/manage/figured/versions/new", data={
        "action": "preview", "note": "", "markdown": elsewhere}).get_data(as_text=True))
    assert "the image figures/chart.png was not supplied" in preview


def test_a_kept_image_is_found_from_the_pasted_text_of_a_file_in_a_folder():
    # Final check as a user: the EUDI chapter names "../media/Figure_12.png" from its folder, stored
    # as "media/Figure_12.png"; pasted again, its links must still find the stored figures.
    from documents.media import ImageFile, Images

    kept = ImageFile(path="media/figure.png", data=b"", sha256="a" * 64, media_type="image/png", extension="png",
                     width=3, height=2, stored_size=70)
    images = Images({}, kept=[kept])
    assert images(None, "../media/figure.png", "A figure") == {"src": kept.url, "width": "3", "height": "2"}
    assert images(None, "figure.png", "A figure") is None  # never by its file name alone
    assert images.unused == []
