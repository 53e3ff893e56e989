"""Search, as people meet it, on every engine: the same queries, the same answers.

Each test runs on SQLite with Whoosh, and (with PostgreSQL) on PostgreSQL with Whoosh and with
PostgreSQL's own full-text search. `_publish` is what makes changes visible to search: the
Whoosh index's writer applying the change log, and nothing at all for PostgreSQL (the same
transaction did it). Whoosh's own workings (the log, rebuilds, many posting blocks) are in
test_search_whoosh.py; PostgreSQL's (no log, no rebuild, safe queries) in test_search_postgres.py.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from support import engine_setups

from consult import search
from consult.comments.service import CommentInput, submit_comment, withdraw_comment
from consult.extensions import db
from consult.models import Comment, CommentStatus, Consultation, User, utcnow
from consult.search import postgres_engine, whoosh_engine

# The engines' set-ups (support/engine_setups.py): every test here runs on each.
setup, database_url, app = engine_setups.setup, engine_setups.database_url, engine_setups.app


DOC = """# Allotments

## 1. Waiting lists

Councils must keep a waiting list for allotment plots.

## 2. Water

Every site needs a standpipe for watering vegetables.
"""


@pytest.fixture
def indexed(app, make_consultation, make_user, make_comment):
    """A published consultation with one published comment, made visible to search."""
    with app.test_request_context():
        c = make_consultation("allotments", DOC, closes_at=utcnow() + timedelta(days=1))
        user_id = make_user("grower@example.org", name="grower")
        comment_id = make_comment(c, user_id, "Rainwater butts would be cheaper than standpipes.",
                                  c.anchors["Every site needs a standpipe for watering vegetables."], key="k1")
        _publish(app)
        yield {"comment_id": comment_id, "user": db.session.get(User, user_id),
               "c": db.session.get(Consultation, c.id), "app": app}


def _publish(app) -> None:
    """What makes committed changes searchable: the index writer's run (Whoosh), or nothing."""
    search.engine(app.config).apply_changes(db.session)


def _find(app, text, **kw):
    return search.engine(app.config).search(db.session, text, **kw)


def test_the_configured_engine_is_the_one_searching(app, setup):
    assert search.engine(app.config).name == setup[1]


def test_paragraphs_and_comments_are_found_with_their_places(indexed, app):
    results = _find(app, "standpipe")
    assert {h.kind for h in results.hits} == {"paragraph", "comment"}
    paragraph = next(h for h in results.hits if h.kind == "paragraph")
    assert paragraph.number == "2.1" and paragraph.slug == "allotments" and paragraph.version == 1
    assert "<mark" in paragraph.highlight
    comment = next(h for h in results.hits if h.kind == "comment")
    assert comment.item_id == indexed["comment_id"] and comment.number == "2.1" and comment.version == 1
    assert comment.consultation == indexed["c"].title
    assert _find(app, '"keep a waiting list"').total == 1  # phrase
    assert _find(app, '"list waiting"').total == 0
    assert _find(app, "allot*").total >= 1  # prefix
    assert _find(app, "standpipe", kinds=("comment",)).total == 1


def test_withdrawn_comment_disappears_from_results(indexed, app):
    assert _find(app, "rainwater").total == 1
    withdraw_comment(db.session, indexed["comment_id"], indexed["user"].id)
    db.session.commit()
    _publish(app)
    assert _find(app, "rainwater").total == 0


@pytest.mark.parametrize("status", [CommentStatus.REJECTED.value, "held"])
def test_a_rejected_or_held_comment_is_never_found(indexed, app, status):
    comment = db.session.get(Comment, indexed["comment_id"])
    comment.status = status if status != "held" else CommentStatus.PENDING.value
    db.session.commit()
    _publish(app)
    assert _find(app, "rainwater").total == 0


def test_pending_comment_is_never_found(indexed, app):
    indexed["c"].moderation_mode = "pre"
    submit_comment(db.session, indexed["c"], None, indexed["user"],
                   CommentInput(body="Secret pending zucchini remark", submission_key="k2"))
    db.session.commit()
    _publish(app)
    assert _find(app, "zucchini").total == 0


def test_a_draft_consultation_is_never_found(app, make_consultation):
    with app.test_request_context():
        draft = make_consultation("hidden-plans", "# Plans\n\nSecret marrow plans.\n", open=False)
        consultation = db.session.get(Consultation, draft.id)
        consultation.published_at = None
        db.session.commit()
        _publish(app)
        assert _find(app, "marrow").total == 0


@pytest.mark.parametrize("query, message", [
    ("", "Type one or more words"),
    ("x" * 10_000, "at most 500"),
    ("AND OR NOT", "operators alone"),
    ("the", "holds only very common words"),  # a word, though too common to search for
    ("the AND of", "holds only very common words"),
    ("title:the", "holds only very common words"),
    ("\U0001F642", "finds words and numbers"),
    ("\U0001F642 \U0001F389", "finds words and numbers"),
])
def test_bad_queries_get_a_plain_message(indexed, app, query, message):
    with pytest.raises(search.SearchError, match=message):
        _find(app, query)


@pytest.mark.parametrize("query", [
    "'; DROP TABLE comments; --", "standpipe') OR 1=1 --", "standpipe & !", "standpipe:* | rainwater",
    "<script>", "standpipe\\", "a:b:c", "((((standpipe", "standpipe))))", '"""', "standp*:*A", "title:",
    "NOT NOT NOT", "*", "?", "::", "\x00standpipe", "NOT " * 120 + "standpipe",
])
def test_odd_queries_never_fail_and_never_reach_the_syntax(indexed, app, query):
    try:
        results = _find(app, query)
    except search.SearchError as exc:  # a plain message is fine; an error page is not
        assert str(exc) and "SQL" not in str(exc)
    else:
        assert results.total >= 0
    assert db.session.query(Comment).count() == 1  # and the table is still there


PASTED = ("Rainwater butts would be cheaper than standpipes " + " ".join(f"w{n}" for n in range(200)))[:500]


@pytest.mark.parametrize("query", [PASTED, "(" * 10 + "standpipe"])
def test_a_long_pasted_text_or_deep_brackets_are_searched_not_an_error_page(indexed, app, query):
    results = _find(app, query)
    assert results.total >= 0  # (a pasted text of 110 words overflowed the stack on PostgreSQL)
    page = app.test_client().get("/search", query_string={"q": query})
    assert page.status_code == 200


@pytest.mark.parametrize("query", ["(" * 11 + "standpipe", "(" * 480 + "standpipe"])
def test_brackets_nested_too_deep_get_a_plain_message_on_every_engine(indexed, app, query):
    with pytest.raises(search.SearchError, match="brackets inside brackets more than 10 deep"):
        _find(app, query)
    page = app.test_client().get("/search", query_string={"q": query})
    assert "brackets inside brackets" in page.get_data(as_text=True)


def test_every_word_must_match_unless_or_is_asked_for(indexed, app):
    both = _find(app, "standpipe rainwater")
    assert [h.kind for h in both.hits] == ["comment"]  # the paragraph has no "rainwater"
    assert {h.kind for h in _find(app, "standpipe vegetables").hits} == {"paragraph"}
    assert _find(app, "standpipe OR rainwater").total == 2
    assert _find(app, "standpipe zucchini").total == 0
    assert {h.kind for h in _find(app, "standpipe NOT rainwater").hits} == {"paragraph"}
    assert {h.kind for h in _find(app, "standpipe ANDNOT vegetables").hits} == {"comment"}
    # OR binds tighter than the space between words, as whoosh reads it
    assert _find(app, "standpipe zucchini OR rainwater").total == 1
    assert _find(app, "(zucchini OR vegetables) standpipe").total == 1


def test_a_title_word_finds_the_consultation_not_every_comment_on_it(indexed, app):
    c = indexed["c"]
    word = c.title.split()[0]
    consultation = _find(app, word, kinds=("consultation",))
    assert consultation.total == 1 and consultation.hits[0].title == c.title
    assert _find(app, word, kinds=("comment",)).total == 0  # the comment never says it
    assert _find(app, f"title:{word}").total == 1
    comment = _find(app, "rainwater").hits[0]
    assert comment.consultation == c.title and comment.slug == "allotments"


def test_prefix_and_phrase_searches_highlight_the_words_found(indexed, app):
    prefix = _find(app, "standp*", kinds=("paragraph",))
    assert re.search(r'<mark class="match[^"]*">standpipe</mark>', prefix.hits[0].highlight)
    phrase = _find(app, '"keep a waiting list"')
    assert re.search(r'<mark class="match[^"]*">waiting</mark> <mark class="match[^"]*">list</mark>',
                     phrase.hits[0].highlight)
    assert _find(app, "standpipes*").total == 2  # the prefix is stemmed as the words are


def test_a_phrase_needs_its_words_in_order_and_next_to_each_other(indexed, app):
    assert _find(app, "list waiting plots").total == 1  # all the words, anywhere
    assert _find(app, '"list waiting"').total == 0  # not in that order
    assert _find(app, '"councils waiting"').total == 0  # not next to each other
    assert _find(app, '"waiting list" plots').total == 1  # a phrase and a word


def test_a_highlight_shows_html_as_text(indexed, app, make_comment, make_user):
    with app.test_request_context():
        make_comment("allotments", make_user("x@example.org", name="x"),
                     'Beetroot <script>alert(1)</script> & "beds" <b>here</b>', key="x1")
        _publish(app)
    hit = _find(app, "beetroot").hits[0]
    assert "<script" not in hit.highlight and "<b>" not in hit.highlight
    assert "&lt;script&gt;" in hit.highlight and "&amp;" in hit.highlight
    assert re.sub(r"</?mark[^>]*>", "", hit.highlight).count("<") == 0


def test_filters_by_kind_consultation_and_day(indexed, app):
    today = utcnow()
    assert _find(app, "standpipe", kinds=("paragraph",)).total == 1
    assert _find(app, "standpipe", slugs=("allotments",)).total == 2
    assert _find(app, "standpipe", slugs=("elsewhere",)).total == 0
    assert _find(app, "standpipe", slugs=()).total == 0
    assert _find(app, "standpipe", date_from=today, date_to=today).total == 2  # whole days
    assert _find(app, "standpipe", date_from=today + timedelta(days=1)).total == 0
    assert _find(app, "standpipe", date_to=today - timedelta(days=1)).total == 0


def test_pages_hold_twenty_and_the_same_results_on_every_engine(app, make_consultation, make_user, make_comment):
    with app.test_request_context():
        c = make_consultation("hedges", "# Hedges\n\nHedges shelter wildlife.\n",
                              closes_at=utcnow() + timedelta(days=1))
        made = {make_comment(c, make_user(f"h{n}@example.org", name=f"h{n}"),  # (one each: no rate limit)
                             f"Comment {n}: hawthorn hedges number {n}.", key=f"h{n}") for n in range(45)}
        _publish(app)
        pages = [_find(app, "hawthorn", page=n) for n in (1, 2, 3)]
    assert [len(p.hits) for p in pages] == [20, 20, 5] and all(p.pages == 3 and p.total == 45 for p in pages)
    assert {h.item_id for p in pages for h in p.hits} == made  # every comment once, no repeats


def test_a_very_broad_search_ranks_a_sample_and_says_about_how_many(app, indexed, monkeypatch):
    exact = _find(app, "standpipe")
    assert exact.exact and exact.total == 2 and exact.total_text == "2"
    for module in (whoosh_engine, postgres_engine):
        monkeypatch.setattr(module, "MAX_RANKED", 1)  # as if "standpipe" matched thousands
    broad = _find(app, "standpipe")
    assert not broad.exact and broad.total >= 1 and broad.total_text.startswith("about ")
    assert len(broad.hits) == 1 and broad.pages == 1  # only ranked matches can be paged to
    # The page says the total is an estimate rather than printing it as exact.
    page = app.test_client().get("/search?q=standpipe").get_data(as_text=True)
    assert f"{broad.total_text} result" in page
