"""A consultation's public history in the reader's language (issue 21): each entry keeps its
words (consult/consultations/history_words.py) beside the English detail, so a Welsh reader reads
"Symudwyd y dyddiad cau o … i …" with Welsh month names, and only the official's own words
(a reason, a title) as written."""
from __future__ import annotations

import html
import re

import pytest
from helpers import PARKING  # tests/ is on sys.path
from sqlalchemy import select

from consult.extensions import db
from consult.models import ConsultationEvent
from tests.test_edit_consultation import _form

ENGLISH = re.compile(r"\b(moved|from|to|Closing|Opening|date|Reason|added|removed|rewritten|This applies|"
                     r"comments|published|due to close|December|January|July|pre-moderation)\b")


@pytest.fixture
def parking(make_consultation):
    return make_consultation("parking", PARKING, summary="How people pay to park.",
                             scope_open="The level of fees.", department="Transport")


def _history(client, lang: str) -> str:
    """The words of the public history on the consultation page, tags removed."""
    page = client.get(f"/c/parking?lang={lang}").get_data(as_text=True)
    start = page.index('<section class="consultation-history"')
    section = page[start:page.index("</section>", start)]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", section)).split())


def _details(app) -> dict[str, str]:
    with app.app_context():
        return {e.kind: e.detail for e in db.session.scalars(select(ConsultationEvent))}


def test_the_history_reads_in_welsh_with_only_the_officials_words_as_written(app, client, as_official, parking):
    assert as_official.post("/manage/parking/details", data=_form(
        as_official, title="Parcio", scope_open="Lefel y ffioedd a'r parthau.", moderation_mode="pre",
        reason="Cyngor y sir")).status_code == 303
    assert as_official.post("/manage/parking/extend", data={"closes_at": "2031-07-01T12:00",
                                                            "reason": "Mwy o amser"}).status_code == 303
    welsh = _history(client, "cy")
    assert "O “Parking Policy” i “Parcio”. Rheswm: Cyngor y sir" in welsh
    assert "Open for debate" not in welsh
    assert "o “The level of fees.” i “Lefel y ffioedd a'r parthau.”" in welsh
    assert "O ôl-gymedroli (mae sylwadau'n gyhoeddus ar unwaith ac yn cael eu gwirio wedyn) i cyn-gymedroli" in welsh
    assert re.search(r"Symudwyd y dyddiad cau o \d{1,2} \w+ \d{4}, \d\d:\d\d i 1 Gorffennaf 2031, 12:00: Mwy o amser",
                     welsh), welsh
    # What is left once the official's own words and the English title are taken out: no English.
    rest = welsh.replace("Parking Policy", "").replace("The level of fees.", "")
    assert not ENGLISH.search(rest), ENGLISH.search(rest)

    # The English page, and the detail kept in the database, read as before.
    english = _history(client, "en")
    assert "From “Parking Policy” to “Parcio”. Reason: Cyngor y sir" in english
    assert "Closing date moved from " in english and " to 1 July 2031, 12:00: Mwy o amser" in english
    details = _details(app)
    assert details["title_changed"] == "From “Parking Policy” to “Parcio”. Reason: Cyngor y sir"
    assert details["extended"].endswith(" to 1 July 2031, 12:00: Mwy o amser")
    assert details["moderation_changed"].startswith("From post-moderation (comments are public at once")


def test_closing_early_is_told_in_welsh(app, client, as_official, parking):
    assert as_official.post("/manage/parking/close", data={"reason": "Tynnwyd y cynnig."}).status_code == 303
    welsh = _history(client, "cy")
    assert re.search(r"Tynnwyd y cynnig\. \(roedd i fod i gau ar \d{1,2} \w+ \d{4}, \d\d:\d\d\)", welsh), welsh
    assert "due to close" not in welsh
    assert "(it was due to close " in _details(app)["closed_early"]


def test_an_entry_recorded_before_the_words_is_shown_as_recorded_marked_english(app, client, parking):
    with app.app_context():
        db.session.add(ConsultationEvent(
            consultation_id=parking.id, kind="extended",
            detail="Closing date moved from 2026-03-01 09:00 to 2026-04-01 09:00 UTC: Old"))
        db.session.commit()
    page = client.get("/c/parking?lang=cy").get_data(as_text=True)
    assert '<span lang="en">Closing date moved from 2026-03-01 09:00 to 2026-04-01 09:00 UTC: Old</span>' in page
