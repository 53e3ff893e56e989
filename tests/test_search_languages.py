"""Search per language (issue 21), on every engine: a comment is indexed with its language's
analyser (English stemming for English and for older comments of unknown language, words as
written for Welsh and others), and a query finds either. Set up as tests/test_search.py is."""
from __future__ import annotations

import html
from datetime import timedelta

import pytest
from support import engine_setups

from consult import search
from consult.extensions import db
from consult.models import Comment, utcnow

# The engines' set-ups (support/engine_setups.py): every test here runs on each.
setup, database_url, app = engine_setups.setup, engine_setups.database_url, engine_setups.app

DOC = """# Allotments

## 1. Waiting lists

Councils must keep a waiting list for allotment plots.
"""
WELSH = "Mae’r rhestrau aros yn rhy hir a dylai’r cyngor agor rhandiroedd newydd."
ENGLISH = "The councils keep people waiting for years on these lists."


@pytest.fixture
def indexed(app, make_consultation, make_user, make_comment):
    """A Welsh and an English comment on one paragraph, made visible to search."""
    with app.test_request_context():
        c = make_consultation("allotments", DOC, closes_at=utcnow() + timedelta(days=1))
        user_id = make_user("grower@example.org", name="grower")
        anchor = c.anchors["Councils must keep a waiting list for allotment plots."]
        ids = {"cy": make_comment(c, user_id, WELSH, anchor, key="cy", language="cy"),
               "en": make_comment(c, user_id, ENGLISH, anchor, key="en", language="en")}
        search.engine(app.config).apply_changes(db.session)
        yield ids


def _comments(app, text):
    return search.engine(app.config).search(db.session, text, kinds=("comment",))


def test_a_welsh_comment_is_found_by_its_exact_welsh_words(indexed, app):
    found = _comments(app, "rhestrau")
    assert [h.item_id for h in found.hits] == [indexed["cy"]]
    assert found.hits[0].language == "cy"
    assert '">rhestrau</mark>' in found.hits[0].highlight and "<mark" in found.hits[0].highlight
    assert [h.item_id for h in _comments(app, "rhestrau aros").hits] == [indexed["cy"]]
    assert [h.item_id for h in _comments(app, '"rhestrau aros"').hits] == [indexed["cy"]]  # phrase
    assert [h.item_id for h in _comments(app, "rhandir*").hits] == [indexed["cy"]]  # prefix
    # Welsh is not stemmed: another form of the word is another word ("rhestr", a list).
    assert _comments(app, "rhestr").total == 0


def test_an_english_comment_is_still_found_by_a_stemmed_form(indexed, app):
    for query in ("wait", "waits", "council list", "lists waiting"):
        assert [h.item_id for h in _comments(app, query).hits] == [indexed["en"]], query
    # English stop words alone still find nothing, though Welsh comments are indexed word for word.
    with pytest.raises(search.SearchError, match="only very common words"):
        _comments(app, "the")


def test_either_language_in_one_search_and_filters_still_apply(indexed, app):
    both = _comments(app, "rhestrau OR waiting")
    assert {h.item_id for h in both.hits} == {indexed["cy"], indexed["en"]}
    assert {h.item_id for h in _comments(app, "rhandiroedd NOT waiting").hits} == {indexed["cy"]}
    assert search.engine(app.config).search(db.session, "rhestrau", kinds=("paragraph",)).total == 0


def test_a_comment_whose_language_changes_is_indexed_again(indexed, app):
    assert [h.item_id for h in _comments(app, "waits").hits] == [indexed["en"]]
    comment = db.session.get(Comment, indexed["en"])
    comment.language = "cy"  # re-labelled: now indexed word for word
    db.session.commit()
    search.engine(app.config).apply_changes(db.session)
    assert _comments(app, "waits").total == 0
    assert [h.item_id for h in _comments(app, "waiting").hits] == [indexed["en"]]


def test_the_search_page_gives_a_welsh_hit_its_lang(indexed, app):
    page = app.test_client().get("/search", query_string={"q": "rhestrau"}).get_data(as_text=True)
    assert '<p class="hit-text" dir="auto" lang="cy">' in page
    english = app.test_client().get("/search", query_string={"q": "waiting", "kind": "comment"})
    assert '<p class="hit-text" dir="auto">' in english.get_data(as_text=True)


@pytest.mark.parametrize(("query", "welsh", "english"), [
    ("AND OR NOT", "Teipiwch un neu ragor o eiriau i chwilio amdanynt (nid yw gweithredwyr",
     "Type one or more words to search for (operators alone find nothing)."),
    ("🙂 !!", "Mae'r chwilio'n dod o hyd i eiriau a rhifau, ac nid oes yr un yn “🙂 !!”.",
     "Search finds words and numbers, and “🙂 !!” has none."),
    ("(" * 12 + "rhestrau" + ")" * 12, "Mae gan eich chwiliad gromfachau o fewn cromfachau mwy na",
     "Your search has brackets inside brackets more than"),
    ("rhestrau" * 70, "Mae eich chwiliad yn 560 nod o hyd; defnyddiwch",
     "Your search is 560 characters long; use at most"),
])
def test_a_search_that_cannot_run_says_why_in_the_readers_language(indexed, app, query, welsh, english):
    client = app.test_client()
    for language, expected in (("cy", welsh), ("en", english)):
        with app.app_context():  # its own g: the fixture's context would keep the first locale
            page = client.get("/search", query_string={"q": query, "lang": language})
        assert page.status_code == 400
        assert expected in html.unescape(page.get_data(as_text=True))
