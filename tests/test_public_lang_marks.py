"""Content in another language than the page's is marked with its `lang` (WCAG 3.1.2): on Welsh
pages an English consultation's title, department, summary and scope are lang="en" wherever they
are shown (lists, breadcrumbs, headings, sentences naming them); on English pages they carry no
lang of their own. A title shown in the page's language (a Welsh translation's) is not marked."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

TEXT = """# Parking fees in the town centre {#fees}

## Charges {#charges}

We propose a charge of 5 pounds an hour.
{#rate}
"""
WELSH = """# Ffioedd parcio yng nghanol y dref {#fees}

## Taliadau {#charges}

Rydym yn cynnig tâl o 5 punt yr awr.
{#rate}
"""

TITLE = "Parking fees in the town centre"
DEPARTMENT = "Highways and Transport Directorate"
SUMMARY = "How much parking should cost near the shops."
OUTCOME = "Every comment will be read by the transport team."
EXPECTED = "Within twelve weeks of closing"


class _Languages(HTMLParser):
    """The language each text node is marked with: the nearest `lang` on it or an ancestor below
    <html> ("" for none: the page's own language)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[tuple[str, str]] = []  # (language, text)
        self._stack: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self._stack.append((tag, dict(attrs).get("lang") if tag != "html" else None))

    def handle_endtag(self, tag):
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                return

    def handle_data(self, data):
        if data.strip() and not any(tag in ("script", "style", "title") for tag, _ in self._stack):
            lang = next((code for _, code in reversed(self._stack) if code), "")
            self.texts.append((lang, data))


def languages_of(page: str, words: str) -> set[str]:
    """The languages the page marks each text node holding `words` with (outside <title>)."""
    parser = _Languages()
    parser.feed(page)
    found = {lang for lang, text in parser.texts if words in text}
    assert found, f"{words!r} is not on the page"
    return found


@pytest.fixture
def parking(make_consultation):
    return make_consultation("parking", TEXT, title=TITLE, department=DEPARTMENT, summary=SUMMARY,
                             scope_about="Parking near the shops is short.", scope_outcome=OUTCOME,
                             response_expected=EXPECTED)


def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


PAGES = {
    "home": "/",
    "archive": "/consultations",
    "document": "/c/parking",
    "paragraph": "/c/parking/p/charges",
    "versions": "/c/parking/versions",
    "general comments": "/c/parking/comments",
    "search the comments": "/c/parking/search",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_an_english_title_on_a_welsh_page_is_marked_english(client, parking, name):
    page = _get(client, PAGES[name] + "?lang=cy")
    assert '<html lang="cy">' in page
    assert languages_of(page, TITLE) == {"en"}


@pytest.mark.parametrize("name", ["home", "archive", "document"])
def test_the_department_and_summary_on_a_welsh_page_are_marked_english(client, parking, name):
    page = _get(client, PAGES[name] + "?lang=cy")
    # (The archive's filter lists every department in one <select>: its options are not looked at.)
    page = page[page.index("</form>"):] if name == "archive" else page
    assert languages_of(page, DEPARTMENT) == {"en"}
    assert languages_of(page, SUMMARY) == {"en"}


def test_the_scope_on_a_welsh_page_is_marked_english(client, parking):
    page = _get(client, "/c/parking?lang=cy")
    assert languages_of(page, "Parking near the shops is short.") == {"en"}
    assert languages_of(page, OUTCOME) == {"en"}


def test_the_breadcrumbs_on_a_welsh_page_mark_the_title_and_section_english(client, parking):
    page = _get(client, "/c/parking/p/rate?lang=cy")
    start = page.index('<nav class="breadcrumbs"')
    breadcrumbs = page[start:page.index("</nav>", start)]
    assert languages_of(breadcrumbs, TITLE) == {"en"}
    assert languages_of(breadcrumbs, "Charges") == {"en"}
    assert "Paragraff" in breadcrumbs


def test_the_contents_of_an_english_document_on_a_welsh_page_are_marked_english(client, parking):
    page = _get(client, "/c/parking?lang=cy")
    contents = page[page.index('<nav class="toc"'):page.index("</nav>", page.index('<nav class="toc"'))]
    assert languages_of(contents, "Charges") == {"en"}


def test_what_the_department_will_do_on_a_closed_consultation_is_marked_english(client, make_consultation):
    make_consultation("parking", TEXT, open=False, title=TITLE, scope_outcome=OUTCOME,
                      response_expected=EXPECTED)
    page = _get(client, "/c/parking/p/charges?lang=cy")
    assert languages_of(page, OUTCOME) == {"en"}
    assert languages_of(page, EXPECTED) == {"en"}


def test_the_changes_page_names_the_english_title_in_english(app, client, parking):
    from consult.consultations.service import publish_version
    from consult.extensions import db
    from consult.models import Consultation

    with app.app_context():
        publish_version(db.session, db.session.get(Consultation, parking.id),
                        [("parking.md", TEXT.replace("5 pounds", "4 pounds"))], note="Cheaper.")
        db.session.commit()
    page = _get(client, "/c/parking/changes?from=1&to=2&lang=cy")
    assert languages_of(page, TITLE) == {"en"}


@pytest.mark.parametrize("name", list(PAGES))
def test_english_pages_add_no_lang_to_english_text(client, parking, name):
    page = _get(client, PAGES[name] + "?lang=en")
    assert languages_of(page, TITLE) == {""}  # the page's own <html lang="en">, nothing more
    assert 'lang="en"' not in page.split("</nav>", 1)[1].split("<footer", 1)[0]


def test_a_welsh_title_shown_on_a_welsh_page_is_not_marked(client, parking, as_official):
    added = as_official.post("/manage/parking/languages", data={"language": "cy", "markdown": WELSH})
    assert added.status_code == 303
    page = _get(client, "/c/parking?lang=cy")
    assert languages_of(page, "Ffioedd parcio yng nghanol y dref") == {""}
    assert languages_of(page, SUMMARY) == {"en"}  # the summary has no Welsh: it stays English
    english = _get(client, "/c/parking?lang=en")
    assert languages_of(english, TITLE) == {""}
