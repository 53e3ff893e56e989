"""What documents/ says about an imported document, in the reader's language (issue 21): its
refusals (a file that is not UTF-8) and the import report's notes on images and links, in Welsh
for an official reading in Welsh, in English in English and on the command line."""
from __future__ import annotations

import html as htmllib
import io
import re

import pytest

from documents.media import MISSING

DOC = """# 1 Aims

## 1.1 Scope

See [the annex](annex.md).

![A chart](media/chart.png)
"""
NOT_UTF8 = b"# A\n\n\xff\xfe bad\n"


@pytest.fixture
def official(auth, make_user):
    return auth.login(make_user("olive@example.org", role="official", name="olive"))


def _post(client, language: str, files: list[tuple[bytes, str]]) -> tuple[int, str]:
    data = {"slug": "aims", "moderation_mode": "post", "action": "preview",
            "files": [(io.BytesIO(content), name) for content, name in files]}
    response = client.post(f"/manage/new?lang={language}", data=data, content_type="multipart/form-data")
    return response.status_code, re.sub(r"\s+", " ", htmllib.unescape(response.get_data(as_text=True)))


def test_the_import_report_is_in_welsh_for_a_welsh_reader(official):
    status, page = _post(official, "cy", [(DOC.encode(), "aims.md")])
    assert status == 200
    # Sorted by the note's kind, not its English words: the missing image is under its heading.
    assert "Delweddau ar goll (1)" in page
    assert "aims.md: ni chyflenwyd y ddelwedd media/chart.png: dangosir ei thestun amgen “A chart” yn ei lle" in page
    assert ("paragraff 1.1.1: mae'r ddolen i “annex.md” yn arwain at ffeil nad yw'n rhan o'r mewnforio hwn: "
            "fe'i dangosir fel testun plaen") in page
    assert "was not supplied" not in page and "shown as plain text" not in page


def test_the_import_report_is_in_english_for_an_english_reader(official):
    status, page = _post(official, "en", [(DOC.encode(), "aims.md")])
    assert status == 200
    assert "Images missing (1)" in page
    assert "aims.md: the image media/chart.png was not supplied: shown as its alt text “A chart”" in page
    assert "paragraph 1.1.1: the link to “annex.md” leads to a file that is not part of this import" in page


def test_a_file_that_is_not_utf8_is_refused_in_the_readers_language(official):
    status, welsh = _post(official, "cy", [(NOT_UTF8, "bad.md")])
    assert status == 400
    assert ("bad.md, llinell 3: nid yw'r ffeil yn UTF-8 dilys: beit 0xff yng ngholofn 1 (beit 5 o'r ffeil); "
            "cadwch hi fel UTF-8 a rhowch gynnig arall arni") in welsh
    status, english = _post(official, "en", [(NOT_UTF8, "bad.md")])
    assert status == 400
    assert "bad.md, line 3: the file is not valid UTF-8: byte 0xff at column 1 (byte 5 of the file)" in english


def test_the_command_line_stays_english(app, runner, tmp_path):
    (tmp_path / "bad.md").write_bytes(NOT_UTF8)
    result = runner.invoke(args=["import", str(tmp_path / "bad.md"), "--slug", "bad-one"])
    assert result.exit_code == 1 and "bad.md, line 3: the file is not valid UTF-8" in result.output
    (tmp_path / "aims.md").write_text(DOC)
    result = runner.invoke(args=["import", str(tmp_path / "aims.md"), "--slug", "aims"])
    assert result.exit_code == 0, result.output
    assert "Images missing (1):" in result.output
    assert "the image media/chart.png was not supplied: shown as its alt text “A chart”" in result.output


def test_image_notes_carry_their_kind():
    from consult.consultations.creation import import_document

    report = import_document([("aims.md", DOC)]).report
    assert [getattr(note, "kind", None) for note in report.images_missing] == [MISSING]
