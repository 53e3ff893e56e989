"""Figures and attachments (issue 17 item 1): images imported with the Markdown, checked,
stored once by content, and served by Consult on every page that shows the document."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult.consultations import service
from consult.consultations.creation import read_upload
from consult.extensions import db
from consult.models import Consultation, MediaFile, VersionMedia

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "eudi-arf"
if not CORPUS.is_dir():  # a fresh clone: the repository's own copy of the chapter and figures
    CORPUS = Path(__file__).resolve().parents[1] / "demo" / "corpus" / "eudi-arf"
CHAPTER = CORPUS / "06-trust-model.md"
REFS = CORPUS / "pandoc-refs.md"
FIGURES = sorted((CORPUS / "media").glob("*.png"))
MEDIA_URL = re.compile(r'src="(/media/[0-9a-f]{64}\.png)"')

needs_refs = pytest.mark.skipif(not REFS.exists(), reason="the shared corpus is not beside the repository")



def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _form(files, **overrides):
    data = {"title": "", "slug": "trust-model", "moderation_mode": "post", "action": "publish",
            "confirmed": "yes", "files": [(io.BytesIO(content), name) for name, content in files]}
    data.update(overrides)
    return data


def _chapter_upload() -> list[tuple[str, bytes]]:
    """What an official picks in the browser: bare file names, chapter first."""
    files = [(CHAPTER.name, CHAPTER.read_bytes())]
    if REFS.exists():
        files.append((REFS.name, REFS.read_bytes()))
    return files + [(path.name, path.read_bytes()) for path in FIGURES]


def _assert_served_figures(client, html: str) -> list[str]:
    """Each figure on the page is served as the very PNG imported, cacheable for a year."""
    urls = list(dict.fromkeys(MEDIA_URL.findall(html)))
    assert len(urls) == 4
    served = set()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "image/png"
        cache = response.headers["Cache-Control"]
        assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        served.add(response.data)
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
    assert served == {path.read_bytes() for path in FIGURES}
    return urls


def test_the_eudi_chapter_uploaded_with_its_figures_shows_them(app, client, as_official):
    response = as_official.post("/manage/new", data=_form(_chapter_upload()),
                                content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    page = client.get("/c/trust-model").get_data(as_text=True)
    urls = _assert_served_figures(client, page)
    for number in (12, 13, 14, 15):
        assert f'alt="Figure {number}"' in page
    # The paragraph page of a figure shows it too.
    with app.app_context():
        version = service.get_consultation(db.session, "trust-model").versions[0]
        figure = next(p for p in version.paragraphs if urls[0] in p.html)
        anchor = figure.anchor
    assert urls[0] in client.get(f"/c/trust-model/p/{anchor}").get_data(as_text=True)
    # The JSON API lists each paragraph's figures as absolute URLs.
    data = client.get("/api/v1/consultations/trust-model/versions/1").get_json()
    figures = [f for p in data["paragraphs"] for f in p.get("figures", [])]
    assert "figures" not in data["paragraphs"][0]  # only paragraphs that show images have them
    assert [f["alt"] for f in figures] == ["Figure 12", "Figure 13", "Figure 14", "Figure 15"]
    assert all(f["url"].startswith("http://localhost/media/") for f in figures)
    assert client.get(figures[0]["url"].removeprefix("http://localhost")).status_code == 200
    assert _count(app, MediaFile) == 4 and _count(app, VersionMedia) == 4


def test_the_preview_shows_the_figures_and_stores_nothing(app, as_official):
    response = as_official.post("/manage/new", data=_form(_chapter_upload(), action="preview"),
                                content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('src="data:image/png;base64,') == 4  # not stored yet, so inside the page
    assert "img-src 'self' data:" in response.headers["Content-Security-Policy"]
    assert "Import report" in html and "Images shown (4)" in html
    assert _count(app, Consultation) == 0 and _count(app, MediaFile) == 0
    # Publishing from the preview needs no new upload: the images were carried in the form.
    carried = re.search(r'name="carried" type="hidden" value="([^"]*)"', html)
    media = re.search(r'name="carried_media" type="hidden" value="([^"]*)"', html)
    assert carried and media
    import html as htmllib
    response = as_official.post("/manage/new", data={
        "slug": "trust-model", "moderation_mode": "post", "action": "publish", "confirmed": "yes",
        "carried": htmllib.unescape(carried.group(1)), "carried_media": htmllib.unescape(media.group(1))})
    assert response.status_code == 303
    assert _count(app, MediaFile) == 4


def test_a_page_without_a_preview_allows_no_data_images(client, make_consultation):
    make_consultation("plain", "# Plain\n\nText.\n")
    assert "img-src 'self';" in client.get("/c/plain").headers["Content-Security-Policy"]


def _zip(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_zip_in_the_publishers_layout_resolves_relative_paths(app, client, as_official):
    entries = {"docs/main/06-trust-model.md": CHAPTER.read_bytes()}
    entries.update({f"docs/media/{path.name}": path.read_bytes() for path in FIGURES})
    # A second, different image of the same name elsewhere: only the relative path can tell.
    entries["other/media/Figure_12_Trust_Model.png"] = FIGURES[1].read_bytes()
    response = as_official.post("/manage/new", data=_form([("chapter.zip", _zip(entries))]),
                                content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    _assert_served_figures(client, client.get("/c/trust-model").get_data(as_text=True))
    with app.app_context():
        paths = set(db.session.scalars(select(VersionMedia.path)))
    assert "docs/media/Figure_12_Trust_Model.png" in paths


@needs_refs
def test_cli_import_with_media_prints_the_report_and_serves_the_figures(app, runner, client):
    result = runner.invoke(args=["import", str(CHAPTER), str(REFS), "--media", str(CORPUS / "media"),
                                 "--slug", "trust-model"])
    assert result.exit_code == 0, result.output
    assert "Import report" in result.output and "Images shown (4)" in result.output
    assert "media/Figure_12_Trust_Model.png (PNG, 1704 x 1360 pixels" in result.output
    assert "4 image(s)" in result.output
    _assert_served_figures(client, client.get("/c/trust-model").get_data(as_text=True))


def test_cli_without_media_reports_the_missing_figures_and_shows_alt_text(app, runner, client):
    result = runner.invoke(args=["import", str(CHAPTER), "--slug", "trust-model"])
    assert result.exit_code == 0, result.output
    assert "Images missing (4)" in result.output
    assert "the image ../media/Figure_12_Trust_Model.png was not supplied" in result.output
    page = client.get("/c/trust-model").get_data(as_text=True)
    # The alt text in brackets, the missing file's path as its title (no words of ours: the
    # paragraph's HTML is stored, and read in every language).
    assert '<span title="../media/Figure_12_Trust_Model.png">[Figure 12]</span>' in page and 'src="/media/' not in page


def test_cli_check_stores_nothing(app, runner):
    result = runner.invoke(args=["import", str(CHAPTER), "--media", str(CORPUS / "media"),
                                 "--slug", "trust-model", "--check"])
    assert result.exit_code == 0 and "nothing was stored" in result.output
    assert _count(app, Consultation) == 0 and _count(app, MediaFile) == 0


def test_version_two_reuses_the_unchanged_figures(app, client):
    with app.app_context():
        upload = read_upload([(f"media/{p.name}", p.read_bytes()) for p in FIGURES])
        files = service.read_files([("main/06.md", CHAPTER.read_bytes())])
        consultation = service.create_consultation(db.session, slug="trust-model", files=files,
                                                   images=upload.images, publish=True)
        db.session.commit()
        # Version 2 replaces Figure 12 with another picture under the same caption.
        changed = dict(upload.images)
        twelve = next(k for k in changed if "Figure_12" in k)
        replacement = read_upload([(twelve, FIGURES[3].read_bytes())]).images[twelve]
        changed[twelve] = replacement
        preview = service.preview_version_changes(db.session, consultation, files, changed)
        service.publish_version(db.session, consultation, files, "New figure 12.", images=changed)
        db.session.commit()
    assert preview.counts["edited"] == 1  # the same words, another image: still a change
    row = next(r for r in preview.rows if r.change == "edited")
    assert "<del><img" in row.diff_html and "<ins><img" in row.diff_html
    assert _count(app, MediaFile) == 4  # three unchanged figures stored once, and one new image
    assert _count(app, VersionMedia) == 8
    changes = client.get("/c/trust-model/changes?from=1&to=2").get_data(as_text=True)
    assert replacement.url in changes  # the public diff shows the new figure


def test_a_drafts_figures_are_for_officials_only(app, client, auth, official):
    with app.app_context():
        upload = read_upload([(f"media/{FIGURES[0].name}", FIGURES[0].read_bytes())])
        service.create_consultation(db.session, slug="draft-one", files=[(
            "main/a.md", "# A\n\n![Figure 12](../media/Figure_12_Trust_Model.png)\n")],
            images=upload.images, publish=False)
        db.session.commit()
        url = next(iter(upload.images.values())).url
    assert client.get(url).status_code == 404
    official_client = auth.client_for(official)
    response = official_client.get(url)
    assert response.status_code == 200 and response.data == FIGURES[0].read_bytes()
    assert response.headers["Cache-Control"].startswith("private")
    assert client.get(url.replace(".png", ".gif")).status_code == 404  # its real type only


SAFE_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20" viewBox="0 0 40 20">'
            b'<defs><linearGradient id="g"/></defs><rect width="40" height="20" fill="url(#g)"/></svg>')


def test_a_plain_svg_is_served_under_a_policy_of_its_own(app, client):
    with app.app_context():
        upload = read_upload([("media/chart.svg", SAFE_SVG)])
        service.create_consultation(db.session, slug="svg-one", files=[(
            "a.md", "# A\n\n![A chart](media/chart.svg)\n")], images=upload.images, publish=True)
        db.session.commit()
    page = client.get("/c/svg-one").get_data(as_text=True)
    url = re.search(r'src="(/media/[0-9a-f]{64}\.svg)"', page).group(1)
    assert 'width="40" height="20"' in page
    response = client.get(url)
    assert response.headers["Content-Type"] == "image/svg+xml" and response.data == SAFE_SVG
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy


# --------------------------------------------------------------------------- refused


def _png(size=(4, 4)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "PNG")
    return buffer.getvalue()


BAD = {
    "a zip bomb": ("bomb.zip", _zip({"a.md": b"# A\n\nText.\n", "media/x.png": b"\0" * (40 * 1024 * 1024)}),
                   "compressed"),
    "a zip with ../ paths": ("escape.zip", _zip({"a.md": b"# A\n\nText.\n", "../../etc/x.png": _png()}),
                             "outside its own folder"),
    "an image that is really HTML": ("x.png", b"<!DOCTYPE html><html><script>alert(1)</script></html>",
                                     "web page (HTML), not an image"),
    "an SVG with a script": ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                             "contains a <script> element"),
    "an SVG with an event handler": ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                                     "event handler (onload)"),
    "an SVG with foreign content": ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject>'
                                    b'<p>x</p></foreignObject></svg>', "<foreignobject>"),
    "an SVG linking elsewhere": ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/'
                                 b'1999/xlink"><image x:href="https://evil.example/p.png"/></svg>',
                                 "refers to another file"),
    "a forged PNG": ("x.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "cannot be read as an image"),
    "a BMP renamed .png": ("x.png", None, "images must be PNG, JPEG, GIF, WebP or SVG; this one is BMP"),
    "a text file": ("notes.txt", b"hello", "only Markdown files (.md), Word documents (.docx), images"),
}


def _bmp() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buffer, "BMP")
    return buffer.getvalue()


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_refused_with_a_clear_message_and_nothing_stored(app, as_official, case):
    name, content, message = BAD[case]
    content = content if content is not None else _bmp()
    files = [("a.md", b"# A\n\n![x](x.png)\n"), (name, content)] if not name.endswith(".zip") else [(name, content)]
    response = as_official.post("/manage/new", data=_form(files), content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    import html as htmllib
    assert message in htmllib.unescape(html), html[:3000]
    assert name in html
    assert _count(app, Consultation) == 0 and _count(app, MediaFile) == 0


def test_a_50_mb_image_is_refused_in_the_browser_and_on_the_command_line(app, as_official, runner, tmp_path):
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (50 * 1024 * 1024)
    response = as_official.post("/manage/new", data=_form([("a.md", b"# A\n\nText.\n"), ("big.png", big)]),
                                content_type="multipart/form-data")
    assert response.status_code == 413 and "larger than" in response.get_data(as_text=True)
    media = tmp_path / "media"
    media.mkdir()
    (media / "big.png").write_bytes(big)
    (tmp_path / "a.md").write_text("# A\n\n![Big](media/big.png)\n")
    result = runner.invoke(args=["import", str(tmp_path / "a.md"), "--media", str(media), "--slug", "big-one"])
    assert result.exit_code == 1
    assert "media/big.png: the image is 50.0 MiB; the limit is 10.0 MiB" in result.output
    assert _count(app, Consultation) == 0 and _count(app, MediaFile) == 0


def test_a_huge_picture_in_a_small_file_is_refused():
    from documents.media import MediaError, check_image

    with pytest.raises(MediaError, match="pixels"):
        check_image("wide.png", _png((10_000, 6_000)))


def test_a_zip_with_too_many_files_is_refused():
    from documents.media import MediaError, MediaLimits, read_zip

    data = _zip({f"f{i}.md": b"x" for i in range(30)})
    with pytest.raises(MediaError, match="holds 30 files; the limit is 20"):
        read_zip("many.zip", data, MediaLimits(zip_max_entries=20))


@pytest.mark.slow  # loads the whole demo (`consult demo`): `make test` runs it, `make test-fast` does not
def test_the_demo_shows_its_four_figures(runner, client):
    assert runner.invoke(args=["demo"]).exit_code == 0
    _assert_served_figures(client, client.get("/c/eudi-wallet-trust-model").get_data(as_text=True))
