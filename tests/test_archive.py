"""The public archive, search, open data downloads and Atom feeds, as a reader meets them."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from support.archive import UNPUBLISHED_WORDS  # tests/ is on sys.path

from consult import search
from consult.archive import downloads, listing
from consult.archive import service as archive
from consult.comments.service import withdraw_comment
from consult.extensions import db
from consult.models import Comment, utcnow

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def indexed(archive_world, app):
    search.apply_changes(app.config["SEARCH_INDEX_DIR"], db.session)
    return archive_world


def _text(response) -> str:
    return response.get_data(as_text=True)


# --- the archive -----------------------------------------------------------------------------

def test_archive_lists_public_consultations_but_never_drafts(client, archive_world):
    page = _text(client.get("/consultations"))
    assert "Allotments" in page and "Parking" in page
    assert "secret-draft" not in page and "Draft" not in page.split("<main", 1)[1].split("Show consultations")[1]
    assert "2 consultations" in page


@pytest.mark.parametrize("query, present, absent", [
    ("status=open", "Allotments", "Parking"),
    ("status=responded", "Parking", "Allotments"),
    ("status=closed", None, "Allotments"),
    ("department=Department+for+Roads", "Parking", "Allotments"),
])
def test_archive_filters_by_status_and_department(client, archive_world, query, present, absent):
    page = _text(client.get(f"/consultations?{query}"))
    results = page.split('role="status"', 1)[1]
    if present:
        assert f">{present}" in results
        assert "1 consultation matches these filters" in page  # one, in the singular
    assert f">{absent}" not in results


def test_archive_filters_by_year_and_sorts_by_title(client, archive_world):
    year = (utcnow() - timedelta(days=370)).year
    page = _text(client.get(f"/consultations?year={year}"))
    assert "Parking" in page.split('role="status"', 1)[1]
    titles = _text(client.get("/consultations?sort=title")).split('role="status"', 1)[1]
    assert titles.index("Allotments") < titles.index("Parking")


def test_archive_pagination_edges(client, archive_world):
    first = _text(client.get("/consultations?per_page=1&sort=title"))
    assert "Page 1 of 2" in first and "Next page" in first and "Allotments" in first.split('role="status"')[1]
    second = _text(client.get("/consultations?per_page=1&sort=title&page=2"))
    assert "Parking" in second.split('role="status"')[1] and "Previous page" in second
    past = client.get("/consultations?page=3&per_page=1")
    assert past.status_code == 404 and "There is no page 3" in _text(past)
    assert client.get("/consultations?page=0").status_code == 400
    assert client.get("/consultations?page=abc").status_code == 400
    assert client.get("/consultations?page=%C2%B2").status_code == 400  # "²"
    assert client.get("/consultations?per_page=%C2%B2").status_code == 400
    assert client.get("/consultations?page=99999999999999999999").status_code == 404  # no such page (see below)
    huge = client.get("/consultations?per_page=100000000")
    assert huge.status_code == 200  # capped, not refused
    assert client.get("/consultations?status=nonsense").status_code == 400
    assert client.get("/consultations?year=20x4").status_code == 400


def test_home_page_shows_closing_soon_open_now_and_the_archive(client, archive_world):
    page = _text(client.get("/"))
    assert "Closing soon" in page and "Open now" in page
    soon = page.split("Closing soon", 1)[1].split("Open now", 1)[0]
    assert "Allotments" in soon  # closes in 3 days
    assert 'href="/consultations"' in page
    assert 'type="application/atom+xml"' in page


def test_closed_consultation_shows_a_read_only_banner_and_downloads(client, archive_world):
    closed = _text(client.get("/c/parking"))
    assert "read-only" in closed and "Read the department’s response" in closed
    open_page = _text(client.get("/c/allotments"))
    assert "read-only" not in open_page
    assert "/c/allotments/comments.csv" in open_page and "/c/allotments/comments.json" in open_page
    assert "Open Government Licence v3.0" in open_page
    assert '<link rel="alternate" type="application/atom+xml"' in open_page
    assert "/c/allotments/comments.atom" in open_page


# --- open data -------------------------------------------------------------------------------

def _csv(client, slug="allotments"):
    response = client.get(f"/c/{slug}/comments.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(_text(response))))
    return response, rows


LICENCE_LINK = '<https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/>; rel="license"'


def test_csv_header_is_line_one_and_the_licence_is_in_the_link_header(client, archive_world):
    response = client.get("/c/allotments/comments.csv")
    # What pandas.read_csv and a spreadsheet do: take line 1 as the column names.
    reader = csv.DictReader(io.StringIO(_text(response)))
    assert reader.fieldnames == list(archive.CSV_COLUMNS)
    first = next(reader)
    assert first["comment_id"].isdigit() and first["consultation"] == "allotments"
    assert None not in first  # no row longer than the header
    assert "Published comments" not in _text(response)
    assert response.headers["Link"] == LICENCE_LINK


def test_csv_holds_only_published_comments(client, archive_world):
    response, rows = _csv(client)
    header = rows[0]
    assert header[:3] == ["comment_id", "consultation", "version"]
    records = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    ids = {int(r["comment_id"]) for r in records}
    assert ids == {archive_world["published"], archive_world["hidden_name"], archive_world["formula"],
                   archive_world["reply"]}
    body = _text(response)
    for word in UNPUBLISHED_WORDS:
        assert word not in body
    water = next(r for r in records if int(r["comment_id"]) == archive_world["published"])
    assert water["paragraph_number"] == "2.1" and water["version"] == "2"
    assert water["paragraph_text"] == "Every site needs a standpipe or rainwater storage for watering vegetables."
    assert water["name"] == "Greta Grower"
    reply = next(r for r in records if int(r["comment_id"]) == archive_world["reply"])
    assert reply["reply_to"] == str(archive_world["published"])


def test_csv_escapes_formulas_and_never_contains_emails_or_hidden_names(client, archive_world):
    response, rows = _csv(client)
    header = rows[0]
    records = {int(r[0]): dict(zip(header, r, strict=True)) for r in rows[1:]}
    formula = records[archive_world["formula"]]
    assert formula["comment"] == "'=SUM(1+2) is what the waiting list feels like"
    assert formula["organisation"] == "Allotment Society" and formula["respondent_type"] == "organisation"
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t"))
    hidden = records[archive_world["hidden_name"]]
    assert hidden["name"] == "a member of the public" and hidden["paragraph_anchor"] == ""
    body = _text(response)
    assert "@" not in body.replace("'@", "")  # no email address anywhere
    assert "Shy Person" not in body


def test_csv_of_a_responded_consultation_names_themes_and_outcomes(client, archive_world):
    _response, rows = _csv(client, "parking")
    records = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert len(records) == 1
    assert records[0]["themes"] == "Fees for electric cars" and records[0]["outcomes"] == "No change"


def test_json_download_has_licence_and_the_same_published_comments(client, archive_world):
    response = client.get("/c/allotments/comments.json")
    assert response.status_code == 200 and response.is_streamed
    data = json.loads(_text(response))
    assert data["licence"]["name"] == "Open Government Licence v3.0"
    assert data["licence"]["url"].startswith("https://")
    assert "Open Government Licence v3.0" in data["licence"]["note"]
    assert response.headers["Link"] == LICENCE_LINK
    assert data["consultation"]["slug"] == "allotments"
    assert {c["id"] for c in data["comments"]} == {archive_world["published"], archive_world["hidden_name"],
                                                   archive_world["formula"], archive_world["reply"]}
    text = _text(response)
    assert "@" not in text and "Shy Person" not in text and "author" not in text
    for word in UNPUBLISHED_WORDS:
        assert word not in text
    # JSON is not a spreadsheet: the text is exactly as published.
    formula = next(c for c in data["comments"] if c["id"] == archive_world["formula"])
    assert formula["comment"].startswith("=SUM")
    # No themes are shown before the response is published.
    assert all(c["themes"] == [] for c in data["comments"])


def test_downloads_read_in_batches_and_keep_order(app, archive_world, monkeypatch):
    monkeypatch.setattr(downloads, "BATCH", 1)  # a query, and a piece, per comment
    with app.app_context():
        c = archive.public_consultation(db.session, "allotments")
        pieces = list(archive.comments_json(db.session, c, "Licence", "https://example.org/l"))
    ids = [r["id"] for r in json.loads("".join(pieces))["comments"]]
    assert ids == sorted(ids) and len(ids) == 4
    assert len(pieces) == 6  # head, the 4 comments one batch each, end


def test_downloads_stream_in_pieces_that_add_up_to_the_same_file(app, archive_world, monkeypatch):
    with app.app_context():
        c = archive.public_consultation(db.session, "allotments")
        whole_csv = "".join(archive.comments_csv(db.session, c))
        whole_json = "".join(archive.comments_json(db.session, c, "Licence", "https://example.org/l"))
        monkeypatch.setattr(downloads, "CHUNK", 1)  # a piece as soon as there is anything to send
        monkeypatch.setattr(downloads, "BATCH", 2)
        csv_pieces = list(archive.comments_csv(db.session, c))
        json_pieces = list(archive.comments_json(db.session, c, "Licence", "https://example.org/l"))
    # The header goes first, before the comments are read.
    assert csv_pieces[0] == ",".join(archive.CSV_COLUMNS) + "\r\n"
    assert len(csv_pieces) == 3 and "".join(csv_pieces) == whole_csv  # 4 comments in batches of 2
    assert len(json_pieces) == 4 and "".join(json_pieces) == whole_json  # head, 2 batches, end
    assert len(json.loads(whole_json)["comments"]) == 4


def test_bad_download_requests_are_clear_4xx(client, archive_world):
    assert client.get("/c/no-such/comments.csv").status_code == 404
    assert client.get("/c/secret-draft/comments.csv").status_code == 404
    missing = client.get("/c/no-such/comments.json")
    assert missing.status_code == 404 and missing.is_json and "no-such" in missing.json["message"]
    xml = client.get("/c/allotments/comments.xml")
    assert xml.status_code == 404 and "comments.csv" in _text(xml)


# --- feeds -----------------------------------------------------------------------------------

def _feed(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None
    for entry in root.findall(f"{ATOM}entry"):
        for required in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM}{required}") is not None
    return root, response.get_data(as_text=True)


def test_feeds_are_atom_and_escape_titles(client, archive_world):
    root, _ = _feed(client, "/feeds/consultations.atom")
    titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
    assert any("Parking <&> permits" in t for t in titles)  # escaped in the XML, intact once parsed
    assert not any("Draft" in t for t in titles)
    root, _ = _feed(client, "/feeds/responses.atom")
    assert [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")] == ["Response: Parking <&> permits"]


def test_comment_feed_has_only_published_comments(client, archive_world):
    root, text = _feed(client, "/c/allotments/comments.atom")
    assert len(root.findall(f"{ATOM}entry")) == 4
    for word in UNPUBLISHED_WORDS:
        assert word not in text
    assert "@" not in text and "Shy Person" not in text
    assert client.get("/c/secret-draft/comments.atom").status_code == 404


# --- search ----------------------------------------------------------------------------------

def test_search_finds_paragraphs_and_comments_with_highlights(client, indexed):
    response = client.get("/search?q=standpipe")
    page = _text(response)
    assert response.status_code == 200
    assert "Paragraph 2.1, version 2" in page and "Comment on paragraph 2.1" in page
    assert '<mark class="match' in page and "standpipe</mark>" in page
    assert "Allotments" in page
    for word in UNPUBLISHED_WORDS:
        assert word not in page


def test_search_filters_by_kind_status_consultation_and_date(client, indexed):
    only_comments = _text(client.get("/search?q=standpipe&kind=comment"))
    assert "Comment on paragraph" in only_comments and "Paragraph 2.1, version" not in only_comments
    closed = _text(client.get("/search?q=standpipe&status=closed"))
    assert ">0 results" in closed
    responded = _text(client.get("/search?q=fees&status=responded"))
    assert "Parking" in responded and "Response" in responded
    scoped = _text(client.get("/search?q=fees&consultation=allotments"))
    assert ">0 results" in scoped
    future = (utcnow() + timedelta(days=30)).strftime("%Y-%m-%d")
    assert ">0 results" in _text(client.get(f"/search?q=standpipe&from={future}"))
    assert ">0 results" not in _text(client.get("/search?q=standpipe&to=" + future))


def test_search_date_hint_names_no_format_the_date_control_contradicts(client, archive_world):
    page = _text(client.get("/search"))
    # A date picker takes no typed "31 January 2024" (citizen walkthrough): the words are for a
    # browser that shows a plain box, and the hint says so.
    assert ("Choose the day with the date picker. Where the browser shows a plain text box instead, type a "
            "date such as 31 January 2024.") in page
    assert "2024-01-31" not in page  # <input type="date"> may show 01/31/2024 beside it
    for name in ("from", "to"):
        assert re.search(rf'<input type="date" id="{name}" name="{name}" value="" '
                         rf'aria-describedby="date-hint">', page)


@pytest.mark.parametrize("typed", ["2099-12-31", "31 December 2099", "31 Dec 2099",
                                   "December 31, 2099", "31st december 2099", "31/12/2099"])
def test_search_reads_dates_typed_as_people_write_them(client, indexed, typed):
    later = client.get("/search", query_string={"q": "standpipe", "from": typed})
    assert later.status_code == 200
    assert ">0 results" in _text(later)  # nothing is published after 2099
    # Shown back as the one value a date control displays.
    assert 'name="from" value="2099-12-31"' in _text(later)
    earlier = client.get("/search", query_string={"q": "standpipe", "to": typed})
    assert earlier.status_code == 200 and ">0 results" not in _text(earlier)


@pytest.mark.parametrize("value, message", [
    ("yesterday", "From date: “yesterday” is not a date: use the date picker, or type a date "
                  "such as 31 January 2024."),
    ("2024-02-30", "From date: “2024-02-30” does not exist: there is no 30 February 2024."),
    ("31 February 2023", "does not exist: there is no 31 February 2023."),
    ("2024-13-01", "there is no month 13"),
    ("02/03/2024", "“02/03/2024” could be 2 March or 3 February: write the month as a word"),
    # A day or month 0 is no date, not one of two readings (nor a December).
    ("0/5/2024", "“0/5/2024” does not exist: there is no 0 May 2024."),
    ("5/0/2024", "“5/0/2024” does not exist: there is no month 0."),
])
def test_search_says_clearly_when_a_date_is_not_a_date(client, indexed, value, message):
    response = client.get("/search", query_string={"q": "standpipe", "from": value})
    assert response.status_code == 400
    page = _text(response)
    assert 'role="alert"' in page and message in page
    # The message is tied to the date field that is wrong, not to the search box; the field is
    # emptied, as a date control can hold only a real date (the message quotes what was typed).
    assert re.search(r'name="from" value="" aria-describedby="date-hint search-message" '
                     r'aria-invalid="true"', page)
    assert 'id="q" name="q" value="standpipe" maxlength="500">' in page


def test_search_form_offers_every_public_consultation_and_never_a_draft(client, archive_world, monkeypatch):
    """The consultation choice is not one page of the archive: with pages of one consultation,
    both public ones are still offered, by title."""
    monkeypatch.setattr(listing, "MAX_PER_PAGE", 1)
    page = _text(client.get("/search"))
    choice = page.split('name="consultation"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="([^"]*)"', choice) == ["", "allotments", "parking"]
    assert "secret-draft" not in page
    assert '<option value="parking" selected>' in _text(client.get("/search?q=fees&consultation=parking"))


def test_search_phrases_and_prefixes(client, indexed):
    assert ">1 result " in _text(client.get('/search?q="keep a waiting list"&kind=paragraph'))
    assert ">0 results" in _text(client.get('/search?q="list waiting keep"'))
    assert ">0 results" not in _text(client.get("/search?q=allot*"))


@pytest.mark.parametrize("query, status, message", [
    ("x" * 10_000, 400, "at most 500"),
    ("AND OR NOT", 400, "operators alone"),
    ("standpipe&kind=gossip", 400, "Unknown kind"),
    ("standpipe&from=yesterday", 400, "not a date"),
    ("standpipe&status=lost", 400, "Unknown status"),
    ("standpipe&page=abc", 400, "not a page number"),
    ("standpipe&page=%C2%B2", 400, "not a page number"),  # "²": str.isdigit() says yes
    ("standpipe&page=50", 404, "There is no page 50"),
])
def test_bad_searches_get_a_plain_message_not_an_error_page(client, indexed, query, status, message):
    response = client.get(f"/search?q={query}")
    assert response.status_code == status
    page = _text(response)
    assert message in page and 'role="search"' in page  # the form is still there


def test_search_results_never_include_a_withdrawn_comment(client, indexed, app):
    assert "would be cheaper than" in _text(client.get("/search?q=butts"))
    with app.app_context():
        greta_id = db.session.get(Comment, indexed["published"]).author_id
        withdraw_comment(db.session, indexed["published"], greta_id)
        db.session.commit()
        search.apply_changes(app.config["SEARCH_INDEX_DIR"], db.session)
    page = _text(client.get("/search?q=butts"))
    assert "would be cheaper than" not in page and "Agreed" in page  # the reply is still published


def test_search_highlight_escapes_html_in_comments(client, app, archive_world, make_user, make_comment):
    with app.test_request_context():
        from consult.models import Consultation
        c = db.session.query(Consultation).filter_by(slug="allotments").one()
        c.moderation_mode = "post"
        make_comment("allotments", make_user("x@example.org", name="x"), "Beetroot <script>alert(1)</script> beds",
                     key="x1")
        search.apply_changes(app.config["SEARCH_INDEX_DIR"], db.session)
    page = _text(client.get("/search?q=beetroot"))
    assert "<mark" in page and "<script>alert" not in page and "&lt;script&gt;" in page


def test_consultation_search_finds_only_its_comments(client, indexed):
    page = _text(client.get("/c/allotments/search?q=standpipe"))
    assert "Comment on paragraph 2.1" in page and "Paragraph 2.1, version" not in page
    assert "Permit fees" not in _text(client.get("/c/allotments/search?q=fees"))
    assert client.get("/c/no-such/search?q=x").status_code == 404
    assert client.get("/c/secret-draft/search?q=hidden").status_code == 404
    assert client.get("/c/allotments/search?q=" + "y" * 10_000).status_code == 400


def test_comment_text_in_search_results_is_isolated_from_the_text_around_it(client, indexed):
    # Issue 13 item 8: a comment's own direction (right-to-left text, an override) must not turn
    # the result list around; the department's own text keeps the page's direction.
    page = _text(client.get("/search?q=butts"))
    hits = [h.split("</li>")[0] for h in page.split('class="search-hit kind-comment"')[1:]]
    assert hits and all('<p class="hit-text" dir="auto">' in h for h in hits)
    page = _text(client.get("/search?q=standpipe&kind=paragraph"))
    hit = page.split('class="search-hit kind-paragraph"')[1].split("</li>")[0]
    assert '<p class="hit-text">' in hit


def test_a_page_number_too_large_to_exist_is_no_page_not_a_bad_number(client, archive_world):
    # Citizen walkthrough: "'99999999999999999999' is not a page number" was wrong, and the
    # archive (404) and the search (400) disagreed about a page past the end.
    for url in ("/consultations?page=99999999999999999999", "/search?q=standpipe&page=99999",
                "/search?q=standpipe&page=999999999999999999999"):
        response = client.get(url)
        text = response.get_data(as_text=True)
        assert response.status_code == 404, url
        assert "There is no page 9" in text and "not a page number" not in text, url
