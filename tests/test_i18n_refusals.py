"""Refusals that were still English on Welsh pages (issue 21): the archive search's dates, which
a Welsh reader may also type with Welsh month names, and the document forms' refusals."""
from __future__ import annotations

import html
import io
import re
import struct
import zlib

import pytest

from consult import search
from consult.extensions import db

DOC_V2 = "# Parking\n\n## Fees {#fees}\n\nResidents pay a monthly fee.\n"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _alert(response) -> str:
    """The words of the search page's message box."""
    box = re.search(r'id="search-message"[^>]*>(.*?)</', _text(response), re.S)
    assert box, _text(response)
    return " ".join(box.group(1).split())


@pytest.mark.parametrize("typed, welsh, english", [
    ("yesterday",
     "Dyddiad o: nid yw “yesterday” yn ddyddiad: defnyddiwch y dewisydd dyddiad, neu teipiwch "
     "ddyddiad fel 31 Ionawr 2024.",
     "From date: “yesterday” is not a date: use the date picker, or type a date such as 31 January 2024."),
    ("30 Chwefror 2024", "Dyddiad o: nid yw “30 Chwefror 2024” yn bod: nid oes 30 Chwefror 2024.",
     # An English page reads English month names only.
     "From date: “30 Chwefror 2024” is not a date"),
    ("2024-13-01", "nid oes mis 13", "there is no month 13"),
    ("02/03/2024", "gallai “02/03/2024” fod yn 2 Mawrth neu'n 3 Chwefror: ysgrifennwch y mis fel gair",
     "“02/03/2024” could be 2 March or 3 February: write the month as a word"),
])
def test_a_date_the_archive_cannot_read_is_explained_in_the_readers_language(client, typed, welsh, english):
    refused = client.get("/search", query_string={"q": "parking", "from": typed, "lang": "cy"})
    assert refused.status_code == 400
    said = _alert(refused)
    assert welsh in said
    assert not re.search(r"\b(date|exist|month|could be|February|March)\b", said.replace(typed, "")), said
    assert english in _alert(client.get("/search", query_string={"q": "parking", "from": typed, "lang": "en"}))


def test_dates_after_each_other_are_refused_in_welsh(client):
    said = _alert(client.get("/search", query_string={"q": "parking", "from": "2024-03-01", "to": "2024-02-01",
                                                      "lang": "cy"}))
    assert said == "Mae'r dyddiad ‘o’ ar ôl y dyddiad ‘hyd at’."


@pytest.mark.parametrize("typed", ["31 Ionawr 2024", "31 ion 2024", "Ionawr 31, 2024"])
def test_a_welsh_reader_may_name_the_month_in_welsh(app, client, make_consultation, typed):
    make_consultation("parking")
    with app.app_context():
        search.apply_changes(app.config["SEARCH_INDEX_DIR"], db.session)
    found = client.get("/search", query_string={"q": "parking", "from": typed, "lang": "cy"})
    assert found.status_code == 200, _alert(found)
    assert 'name="from" value="2024-01-31"' in _text(found)


def test_the_document_forms_refusals_in_welsh(app, as_official, make_consultation):
    make_consultation("parking")
    both = as_official.post("/manage/new?lang=cy", content_type="multipart/form-data", data={
        "slug": "both-ways", "moderation_mode": "post", "action": "preview", "markdown": DOC_V2,
        "files": [(io.BytesIO(DOC_V2.encode()), "doc.md")]})
    assert both.status_code == 400
    page = _text(both)
    assert "Rhowch y ddogfen naill ai fel ffeiliau wedi'u huwchlwytho neu fel testun wedi'i ludo" in page
    assert "not both" not in page

    images_only = as_official.post("/manage/new?lang=cy", content_type="multipart/form-data", data={
        "slug": "images-only", "moderation_mode": "post", "action": "preview",
        "files": [(io.BytesIO(_png()), "figure.png")]})
    page = _text(images_only)
    assert "Dim ond delweddau a uwchlwythwyd" in page and "Only images were uploaded" not in page

    no_note = as_official.post("/manage/parking/versions/new?lang=cy",
                               data={"markdown": DOC_V2, "note": " ", "action": "publish"})
    assert no_note.status_code == 400
    page = _text(no_note)
    assert "Dywedwch beth a newidiodd yn y fersiwn hon" in page and "Say what changed" not in page


def _png() -> bytes:
    """A one-pixel PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("path", ["/confirm/abc", "/reset/abc", "/invitation/abc"])
def test_a_broken_link_is_explained_in_welsh(client, path):
    refused = client.get(f"{path}?lang=cy")
    assert refused.status_code == 400
    page = _text(refused)
    assert "Nid yw'r ddolen hon yn ddilys. Gwiriwch eich bod wedi'i chopïo i gyd." in page
    assert "not valid" not in page and "Check you copied" not in page


def test_a_nul_character_is_refused_in_welsh(client):
    refused = client.post("/register?lang=cy", data={"email": "a\x00@example.org", "display_name": "Ann",
                                                     "password": "x" * 12, "confirm": "x" * 12})
    assert refused.status_code == 400
    page = _text(refused)
    assert "Mae'r hyn a anfonwyd yn cynnwys nod NUL" in page and "holds a NUL character" not in page
