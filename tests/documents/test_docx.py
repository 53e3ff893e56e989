"""Word documents: converted by pandoc (pypandoc-binary) to the Markdown the import reads, with
their images; tracked changes, comments and files that are not Word documents are refused."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pypandoc
import pytest

import documents
from documents.docx import MAX_UNZIPPED_BYTES, convert_docx

FSCP = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "federal-source-code-policy" / "draft-2016-03"
NAMES = ["index", "introduction", "objectives", "scope", "procurement", "reuse", "oss", "Implementation",
         "Appendixa", "appendixb"]


def _docx_from_html(html: str, tmp_path: Path) -> bytes:
    out = tmp_path / "made.docx"
    pypandoc.convert_text(html, "docx", format="html", outputfile=str(out))
    return out.read_bytes()


def _rezip(data: bytes, change) -> bytes:
    """The .docx with word/document.xml changed by `change` (bytes -> bytes)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            target.writestr(item, change(body) if item.filename == "word/document.xml" else body)
    return out.getvalue()


@pytest.fixture(scope="module")
def fscp():
    return documents.parse_files([(f"{n}.md", (FSCP / f"{n}.md").read_text(encoding="utf-8")) for n in NAMES])


def test_the_federal_policy_as_a_word_file_imports_like_its_markdown(fscp, tmp_path):
    data = _docx_from_html("\n".join(p.html for p in fscp.paragraphs), tmp_path)
    converted = convert_docx(data, "policy.docx")
    doc = documents.parse_files([("policy.docx", converted.markdown)])
    assert abs(len(doc.paragraphs) - len(fscp.paragraphs)) <= 0.05 * len(fscp.paragraphs)
    ours = [h.text for h in fscp.headings()]
    theirs = [h.text for h in doc.headings()]
    # Every Markdown heading, in order; Word also makes a heading of the one written as raw <h4>.
    raw_html = {p.text for p in fscp.paragraphs if p.kind == "html"}
    assert [h for h in theirs if h not in raw_html] == ours
    kinds = {p.kind for p in doc.paragraphs}
    assert {"heading", "paragraph", "list_item"} <= kinds
    assert any("<a href=" in p.html for p in doc.paragraphs)  # links survive
    assert any("<strong>" in p.html or "<em>" in p.html for p in doc.paragraphs)


def test_tables_footnotes_and_images_survive(tmp_path):
    from PIL import Image

    png = tmp_path / "chart.png"
    Image.new("RGB", (40, 20), (200, 30, 30)).save(png)
    markdown = ("# Fees\n\nThe fee rises[^1].\n\n| Year | Fee |\n| --- | --- |\n| 2026 | £30 |\n\n"
                f"![A red chart of fees]({png})\n\n[^1]: From April.\n")
    out = tmp_path / "t.docx"
    pypandoc.convert_text(markdown, "docx", format="gfm+footnotes", outputfile=str(out))
    converted = convert_docx(out.read_bytes(), "t.docx")
    assert "| 2026 | £30 |" in converted.markdown.replace("  ", " ")
    # The note as the import reads footnotes (documents have no "[^1]" syntax: it showed as typed).
    assert 'rises<sup id="fnr1"><a href="#fn1">1</a></sup>.' in converted.markdown
    assert '<li id="fn1"><sup>1</sup> From April.' in converted.markdown and "[^1]" not in converted.markdown
    assert len(converted.images) == 1
    (path, data), = converted.images.items()
    assert data == png.read_bytes() or data[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"]({path})" in converted.markdown and "A red chart of fees" in converted.markdown


def test_tracked_changes_and_comments_are_refused_with_what_to_do(fscp, tmp_path):
    data = _docx_from_html("<h1>Fees</h1><p>The fee rises.</p>", tmp_path)
    tracked = _rezip(data, lambda xml: xml.replace(b"<w:r>", b'<w:ins w:id="1" w:author="A"><w:r>', 1)
                     .replace(b"</w:r>", b"</w:r></w:ins>", 1))
    with pytest.raises(documents.DocumentError, match="accept or reject tracked changes first"):
        convert_docx(tracked, "tracked.docx")
    commented = _rezip(data, lambda xml: xml.replace(b"<w:r>", b'<w:commentRangeStart w:id="0"/><w:r>', 1))
    with pytest.raises(documents.DocumentError, match="has comments in it"):
        convert_docx(commented, "commented.docx")


@pytest.mark.parametrize("make", ["not a zip", "another zip", "bomb", "unsafe names"])
def test_files_that_are_not_word_documents_are_refused(make):
    if make == "not a zip":
        data = b"<html><body>Hello</body></html>"
    else:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            if make == "another zip":
                z.writestr("photo.jpg", b"\xff\xd8\xff" + b"0" * 100)
            else:
                z.writestr("[Content_Types].xml", "<Types/>")
                z.writestr("word/document.xml", "<w:document/>")
                if make == "bomb":
                    z.writestr("word/media/huge.bin", b"\0" * (MAX_UNZIPPED_BYTES + 1))
                else:
                    z.writestr("../../etc/evil.xml", "<x/>")
        data = out.getvalue()
    with pytest.raises(documents.DocumentError) as refused:
        convert_docx(data, "upload.docx")
    assert "upload.docx" in str(refused.value) or refused.value.source == "upload.docx"



def test_a_note_cited_twice_gives_one_id_to_its_first_citation():
    from documents.docx import _footnotes_as_html

    html = _footnotes_as_html("Fees[^1] and more fees[^1].\n\n[^1]: From April.\n")
    assert html.count('id="fnr1"') == 1 and html.count('href="#fn1"') == 2
    assert '<li id="fn1"><sup>1</sup> From April. <a href="#fnr1">' in html
