"""Response editing (issue 20, item 5): the paragraph picker, duplicate theme titles, printing
the public response, and the stance chart on the analysis page."""
from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from helpers import PARKING  # tests/ is on sys.path
from sqlalchemy import select

from consult.extensions import db
from consult.models import Theme, ThemeParagraph
from consult.responses.analysis import stance_svg

MANY = "# Long policy\n\n" + "\n\n".join(
    f"## {s}. Section {s}\n\n" + "\n\n".join(f"Rule {s}.{i} about {'bins' if i == 3 else 'parks'} here."
                                               for i in range(1, 11))
    for s in range(1, 31))



@pytest.fixture
def long_one(make_consultation):
    """A consultation of 330 paragraphs (30 sections of ten rules)."""
    return make_consultation("long", MANY)


def _html(response) -> str:
    return response.get_data(as_text=True)


def _theme(client, slug: str, title: str) -> int:
    response = client.post(f"/manage/{slug}/themes/new", data={"title": title})
    assert response.status_code == 303, _html(response)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _linked(app, theme_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(ThemeParagraph.anchor)
                                       .where(ThemeParagraph.theme_id == theme_id).order_by(ThemeParagraph.id)))


# --------------------------------------------------------------------------- the picker


def test_the_theme_page_has_a_search_not_hundreds_of_checkboxes(as_official, long_one):
    theme_id = _theme(as_official, "long", "Bins")
    page = _html(as_official.get(f"/manage/long/themes/{theme_id}"))
    assert page.count('type="checkbox"') < 20
    assert 'name="pq"' in page and 'method="get"' in page
    assert "No paragraph is linked to this theme yet" in page


def test_searching_by_number_or_words_then_linking_shows_the_linked_ones_first(app, as_official, long_one):
    theme_id = _theme(as_official, "long", "Bins")
    by_words = _html(as_official.get(f"/manage/long/themes/{theme_id}?pq=about+BINS"))
    assert "30 paragraphs not yet linked match “about BINS”" in by_words
    assert "Showing the first 30" not in by_words  # 30 fit under the limit
    by_number = _html(as_official.get(f"/manage/long/themes/{theme_id}?pq=12"))
    labels = re.findall(r'<label for="link-\d+" dir="auto">([^<]*)</label>', by_number)
    assert labels[0].startswith("12: Section 12") and len(labels) == 11  # 12 and 12.1 … 12.10
    anchors = re.findall(r'name="anchors" value="([^"]+)"', by_number)
    response = as_official.post(f"/manage/long/themes/{theme_id}/paragraphs",
                                data={"anchors": anchors[3:5], "pq": "12"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/manage/long/themes/{theme_id}?pq=12#paragraphs")
    assert _linked(app, theme_id) == anchors[3:5]
    page = _html(as_official.get(response.headers["Location"]))
    assert "2 paragraphs linked to this theme." in page
    section = page[page.index('id="paragraphs"'):]
    assert section.index("12.3: Rule 12.3 about bins here.") < section.index("not yet linked match")
    # Linked ones are not offered again.
    assert len(re.findall(r'name="anchors" value=', section)) == 9
    unlink = as_official.post(f"/manage/long/themes/{theme_id}/paragraphs",
                              data={"unlink": anchors[3], "pq": ""})
    assert unlink.status_code == 303 and _linked(app, theme_id) == [anchors[4]]


def test_a_search_matching_many_says_how_many_and_shows_the_first(as_official, long_one):
    theme_id = _theme(as_official, "long", "Parks")
    page = _html(as_official.get(f"/manage/long/themes/{theme_id}?pq=parks"))
    assert "270 paragraphs not yet linked match “parks”" in page
    assert "Showing the first 40" in page
    assert len(re.findall(r'name="anchors" value=', page)) == 40


def test_a_search_that_finds_nothing_says_so(as_official, long_one):
    theme_id = _theme(as_official, "long", "Parks")
    page = _html(as_official.get(f"/manage/long/themes/{theme_id}?pq=helicopters"))
    assert "No paragraph not yet linked matches “helicopters”" in page


def test_before_a_search_a_long_document_offers_the_paragraphs_of_the_themes_comments(
        app, as_official, make_consultation, make_user, make_comment):
    made = make_consultation("long", MANY)
    bins = made.anchors["Rule 3.3 about bins here."]
    cid = make_comment(made, make_user("cid@example.org", name="cid"), "Too few bins.", bins)
    theme_id = _theme(as_official, "long", "Bins")
    assert as_official.post("/manage/long/assign",
                            data={"theme_id": theme_id, "comment_ids": [cid]}).status_code == 303
    page = _html(as_official.get(f"/manage/long/themes/{theme_id}"))
    assert "Paragraphs this theme's comments were written on" in page
    assert re.search(r"3\.3: Rule 3\.3 about bins here\. — 1 comment under this theme", page)
    assert len(re.findall(r'name="anchors" value=', page)) == 1


def test_a_short_document_is_listed_whole_before_any_search(as_official, make_consultation):
    make_consultation("parking", PARKING)
    theme_id = _theme(as_official, "parking", "Fees")
    page = _html(as_official.get(f"/manage/parking/themes/{theme_id}"))
    assert "Every paragraph not yet linked (5)" in page
    assert "2.1: The town is split into four zones." in page


def test_unknown_paragraphs_and_empty_ticks_are_refused(app, as_official, long_one):
    theme_id = _theme(as_official, "long", "Bins")
    bad = as_official.post(f"/manage/long/themes/{theme_id}/paragraphs", data={"anchors": ["nope"]})
    assert "No version of the document has the paragraph(s) nope" in _html(as_official.get(bad.headers["Location"]))
    empty = as_official.post(f"/manage/long/themes/{theme_id}/paragraphs", data={})
    assert "Tick at least one paragraph" in _html(as_official.get(empty.headers["Location"]))
    assert _linked(app, theme_id) == []


def test_saving_the_theme_form_keeps_the_linked_paragraphs(app, as_official, long_one):
    theme_id = _theme(as_official, "long", "Bins")
    page = _html(as_official.get(f"/manage/long/themes/{theme_id}?pq=1.3"))
    anchor = re.search(r'name="anchors" value="([^"]+)"', page).group(1)
    as_official.post(f"/manage/long/themes/{theme_id}/paragraphs", data={"anchors": [anchor]})
    revision = re.search(r'name="revision"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="revision"',
                         _html(as_official.get(f"/manage/long/themes/{theme_id}")))
    response = as_official.post(f"/manage/long/themes/{theme_id}", data={
        "title": "Bins", "said": "People want more bins.", "outcome": "changed", "reasons": "Done.",
        "revision": next(g for g in revision.groups() if g)})
    assert response.status_code == 303
    assert _linked(app, theme_id) == [anchor]


def test_citizens_cannot_link_paragraphs(app, auth, make_user, as_official, long_one):
    theme_id = _theme(as_official, "long", "Bins")
    citizen = auth.client_for(make_user("cid@example.org", name="cid"))
    assert citizen.get(f"/manage/long/themes/{theme_id}?pq=bins").status_code == 403
    assert citizen.post(f"/manage/long/themes/{theme_id}/paragraphs",
                        data={"anchors": ["1-section-1"]}).status_code == 403
    assert _linked(app, theme_id) == []


# --------------------------------------------------------------------------- duplicate titles


@pytest.mark.parametrize("again", ["Fees for residents", "  fees   FOR residents ", "FEES FOR RESIDENTS"])
def test_a_second_theme_with_the_same_title_is_refused(app, as_official, make_consultation, again):
    make_consultation("parking", PARKING)
    _theme(as_official, "parking", "Fees for residents")
    response = as_official.post("/manage/parking/themes/new", data={"title": again})
    assert response.status_code == 400
    assert "There is already a theme called “Fees for residents”" in _html(response)
    with app.app_context():
        assert len(db.session.scalars(select(Theme)).all()) == 1


def test_renaming_a_theme_to_another_ones_title_is_refused_but_its_own_case_may_change(app, as_official,
                                                                                       make_consultation):
    make_consultation("parking", PARKING)
    _theme(as_official, "parking", "Fees")
    zones = _theme(as_official, "parking", "Zones")

    def save(title):
        page = _html(as_official.get(f"/manage/parking/themes/{zones}"))
        revision = re.search(r'name="revision"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="revision"', page)
        return as_official.post(f"/manage/parking/themes/{zones}", data={
            "title": title, "revision": next(g for g in revision.groups() if g)})

    refused = save("fees ")
    assert refused.status_code == 400 and "There is already a theme called “Fees”" in _html(refused)
    assert save("ZONES").status_code == 303
    with app.app_context():
        assert db.session.get(Theme, zones).title == "ZONES"


# --------------------------------------------------------------------------- print


def test_the_public_response_has_a_print_script_and_a_print_stylesheet(client, archive_world):
    page = _html(client.get("/c/parking/response"))
    assert '<script src="/static/js/print.js" defer></script>' in page
    assert 'data-print-label="Print this response"' in page
    script = client.get("/static/js/print.js").get_data(as_text=True)
    assert "window.print()" in script
    css = client.get("/static/css/consult.css").get_data(as_text=True)
    printing = css[css.rindex("/* Printing"):]
    assert "@media print" in printing and ".print-button" in printing and ".site-header" in printing


# --------------------------------------------------------------------------- stance chart


def test_the_stance_chart_is_an_accessible_svg_with_the_figures():
    svg = stance_svg({"oppose": 2, "support": 1, "not given": 1})
    tree = ElementTree.fromstring(svg)
    assert tree.get("role") == "img"
    label = "Stance of 4 published comments: support 1 (25%), oppose 2 (50%), not given 1 (25%)"
    assert tree.get("aria-label") == label
    assert tree.find("title").text == label
    widths = [int(r.get("width")) for r in tree.iter("rect")]
    assert widths[1] == max(widths) and widths[0] == widths[2] < widths[1]  # oppose is the longest
    texts = [t.text for t in tree.iter("text")]
    assert texts[:2] == ["Support", "1 (25%)"] and "2 (50%)" in texts
    assert stance_svg({}) == ""


def test_the_analysis_page_shows_the_stance_chart_and_keeps_the_table(as_official, make_consultation,
                                                                      make_user, make_comment):
    made = make_consultation("parking", PARKING)
    for n, stance in enumerate(["support", "support", "oppose"]):
        make_comment(made, make_user(f"p{n}@example.org", name=f"p{n}"), f"Comment {n}.", stance=stance)
    page = _html(as_official.get("/manage/parking/analysis"))
    stance = page[page.index('id="stance-heading"'):page.index('id="types-heading"')]
    assert '<svg class="chart stance-chart" role="img"' in stance
    assert 'aria-label="Stance of 3 published comments: support 2 (67%), oppose 1 (33%)"' in stance
    assert "<table" in stance and "<th scope=\"row\">Support</th><td>2</td>" in stance
    assert "<script" not in stance
