"""A Word document imported as departments have one: through the officials' form and the CLI,
with its figure, its numbering and its table; tracked changes refused, nothing stored."""
from __future__ import annotations

import io
import re
import zipfile

import pypandoc
import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Consultation, MediaFile

POLICY = """## 1. Fees

Residents pay a yearly fee for a permit.

![A chart of the fees by year](chart.png)

| Year | Fee |
| --- | --- |
| 2026 | £30 |

## 2. Exemptions

Carers are exempt.
"""


@pytest.fixture
def policy_docx(tmp_path) -> bytes:
    from PIL import Image

    Image.new("RGB", (60, 30), (20, 90, 160)).save(tmp_path / "chart.png")
    out = tmp_path / "policy.docx"
    pypandoc.convert_text(POLICY, "docx", format="gfm", outputfile=str(out), cworkdir=str(tmp_path))
    return out.read_bytes()


def _form(name: str, data: bytes) -> dict:
    return {"title": "", "slug": "parking-word", "moderation_mode": "post", "action": "publish", "confirmed": "yes",
            "files": [(io.BytesIO(data), name)]}


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_word_document_uploaded_in_the_form_is_published_with_its_figure(app, auth, client, policy_docx):
    olive = auth.as_("official")
    preview = olive.post("/manage/new", data={**_form("policy.docx", policy_docx), "action": "preview"},
                         content_type="multipart/form-data")
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "Import report" in page and "Residents pay a yearly fee for a permit." in page
    assert _count(app, Consultation) == 0  # a preview stores nothing
    published = olive.post("/manage/new", data=_form("policy.docx", policy_docx), content_type="multipart/form-data")
    assert published.status_code == 303, published.get_data(as_text=True)[:1500]
    html = client.get("/c/parking-word").get_data(as_text=True)
    assert "1. Fees" in html and "2. Exemptions" in html and "£30" in html
    src = re.search(r'src="(/media/[0-9a-f]{64}\.png)"[^>]*alt="A chart of the fees by year"|'
                    r'alt="A chart of the fees by year"[^>]*src="(/media/[0-9a-f]{64}\.png)"', html)
    assert src, "the figure is shown"
    figure = client.get(src.group(1) or src.group(2))
    assert figure.status_code == 200 and figure.headers["Content-Type"] == "image/png"
    assert _count(app, MediaFile) == 1


def test_a_word_document_imports_from_the_command_line(app, runner, tmp_path, policy_docx):
    path = tmp_path / "policy.docx"
    path.write_bytes(policy_docx)
    result = runner.invoke(args=["import", str(path), "--slug", "word-cli", "--title", "Parking"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "word-cli"))
        numbers = [p.number for p in consultation.versions[0].paragraphs]
    assert numbers[:2] == ["1", "1.1"] and "2" in numbers


def test_a_word_document_with_tracked_changes_is_refused_and_nothing_stored(app, auth, policy_docx):
    source = zipfile.ZipFile(io.BytesIO(policy_docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "word/document.xml":
                body = body.replace(b"<w:r>", b'<w:del w:id="1" w:author="A"><w:r>', 1).replace(
                    b"</w:r>", b"</w:r></w:del>", 1)
            target.writestr(item, body)
    response = auth.as_("official").post("/manage/new", data=_form("policy.docx", out.getvalue()),
                                         content_type="multipart/form-data")
    assert "accept or reject tracked changes first" in response.get_data(as_text=True)
    assert _count(app, Consultation) == 0 and _count(app, MediaFile) == 0


FOOTNOTED = """## 1. Fees

Blue badge holders pay nothing.[^1] Others pay *more*.[^n2]

## 2. Exemptions

Carers are exempt.

[^1]: Subject to *checks*, see [the law](https://example.org/law).

[^n2]: Set each year
    by the council.
"""


def test_a_word_documents_footnotes_are_linked_notes_not_text(app, auth, client, tmp_path):
    # Staff walkthrough: "pay nothing.[^1]" shown as typed, and "[^1]: Subject to checks." a paragraph.
    out = tmp_path / "notes.docx"
    pypandoc.convert_text(FOOTNOTED, "docx", format="markdown", outputfile=str(out), cworkdir=str(tmp_path))
    olive = auth.as_("official")
    form = {**_form("notes.docx", out.read_bytes()), "slug": "footnoted"}
    assert olive.post("/manage/new", data=form, content_type="multipart/form-data").status_code == 303
    html = client.get("/c/footnoted").get_data(as_text=True)
    assert "[^" not in html
    assert re.search(r'pay nothing\.<sup id="[\w-]*fnr1"><a href="#([\w-]*fn1)">1</a></sup>', html)
    note = re.search(r'<li id="([\w-]*fn1)"><sup>1</sup> Subject to <em>checks</em>, see '
                     r'<a href="https://example.org/law"[^>]*>the law</a>', html)
    assert note, "the note is a footnote with its formatting"
    assert "Set each year by the council." in html
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "footnoted"))
        kinds = [p.kind for p in consultation.versions[0].paragraphs]
    assert kinds.count("footnote") == 2
