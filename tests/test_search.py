"""Search: the change log, the single writer, only public things found, rebuilds."""
from __future__ import annotations

import re
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult import search
from consult.comments.service import CommentInput, submit_comment, withdraw_comment
from consult.extensions import db
from consult.models import Consultation, SearchChange, User, utcnow
from consult.search import records, whoosh_engine

DOC = """# Allotments

## 1. Waiting lists

Councils must keep a waiting list for allotment plots.

## 2. Water

Every site needs a standpipe for watering vegetables.
"""


@pytest.fixture
def indexed(app, tmp_path, make_consultation, make_user, make_comment):
    """A published consultation with one published comment, and the index dir."""
    with app.test_request_context():
        c = make_consultation("allotments", DOC, closes_at=utcnow() + timedelta(days=1))
        user_id = make_user("grower@example.org", name="grower")
        comment_id = make_comment(c, user_id, "Rainwater butts would be cheaper than standpipes.",
                                  c.anchors["Every site needs a standpipe for watering vegetables."], key="k1")
        yield {"dir": str(tmp_path / "index"), "comment_id": comment_id,
               "user": db.session.get(User, user_id), "c": db.session.get(Consultation, c.id)}


def _find(index_dir, text, **kw):
    return search.search(index_dir, text, **kw)


def test_changes_are_logged_in_the_same_transaction(indexed):
    kinds = set(db.session.scalars(select(SearchChange.kind)))
    assert {"consultation", "comment"} <= kinds
    before = db.session.scalar(select(func.count()).select_from(SearchChange))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(SearchChange)) == before


def test_applied_changes_make_paragraphs_and_comments_findable(indexed):
    search.apply_changes(indexed["dir"], db.session)  # first run builds the index from the database
    results = _find(indexed["dir"], "standpipe")
    kinds = {h.kind for h in results.hits}
    assert kinds == {"paragraph", "comment"}
    paragraph = next(h for h in results.hits if h.kind == "paragraph")
    assert paragraph.number == "2.1" and paragraph.slug == "allotments" and paragraph.version == 1
    assert "<mark" in paragraph.highlight
    assert _find(indexed["dir"], '"keep a waiting list"').total == 1  # phrase
    assert _find(indexed["dir"], '"list waiting"').total == 0
    assert _find(indexed["dir"], "allot*").total >= 1  # prefix
    assert _find(indexed["dir"], "standpipe", kinds=("comment",)).total == 1


def test_withdrawn_comment_disappears_from_results(indexed):
    search.apply_changes(indexed["dir"], db.session)
    assert _find(indexed["dir"], "rainwater").total == 1
    withdraw_comment(db.session, indexed["comment_id"], indexed["user"].id)
    db.session.commit()
    search.apply_changes(indexed["dir"], db.session)
    assert _find(indexed["dir"], "rainwater").total == 0


def test_pending_comment_is_never_found(indexed):
    indexed["c"].moderation_mode = "pre"
    submit_comment(db.session, indexed["c"], None, indexed["user"],
                   CommentInput(body="Secret pending zucchini remark", submission_key="k2"))
    db.session.commit()
    search.apply_changes(indexed["dir"], db.session)
    assert _find(indexed["dir"], "zucchini").total == 0


def test_lost_or_corrupt_index_is_rebuilt_by_the_writer_not_fatal(indexed, tmp_path):
    search.apply_changes(indexed["dir"], db.session)
    for f in Path(indexed["dir"]).glob("*.toc"):
        f.write_bytes(b"garbage")
    # a reader is told plainly, and never writes
    with pytest.raises(search.SearchUnavailable, match="being rebuilt"):
        _find(indexed["dir"], "standpipe")
    search.apply_changes(indexed["dir"], db.session)  # the single writer rebuilds
    assert _find(indexed["dir"], "standpipe").total == 2
    fresh = str(tmp_path / "never-built")
    with pytest.raises(search.SearchUnavailable):
        _find(fresh, "standpipe")
    search.apply_changes(fresh, db.session)
    assert _find(fresh, "standpipe").total == 2


@pytest.mark.parametrize("query, message", [
    ("", "Type one or more words"),
    ("x" * 10_000, "at most 500"),
    ("AND OR NOT", "operators alone"),
    ("\U0001F642", "finds words and numbers"),
    ("\U0001F642 \U0001F389", "finds words and numbers"),
])
def test_bad_queries_get_a_plain_message(indexed, query, message):
    with pytest.raises(search.SearchError, match=message):
        _find(indexed["dir"], query)


def test_two_hosts_keep_their_own_index_from_one_log(indexed, tmp_path):
    a, b = str(tmp_path / "host-a"), str(tmp_path / "host-b")
    search.apply_changes(a, db.session)
    search.apply_changes(b, db.session)
    assert _find(a, "rainwater").total == _find(b, "rainwater").total == 1


def test_every_word_must_match_unless_or_is_asked_for(indexed):
    search.apply_changes(indexed["dir"], db.session)
    both = _find(indexed["dir"], "standpipe rainwater")
    assert [h.kind for h in both.hits] == ["comment"]  # the paragraph has no "rainwater"
    assert {h.kind for h in _find(indexed["dir"], "standpipe vegetables").hits} == {"paragraph"}
    assert _find(indexed["dir"], "standpipe OR rainwater").total == 2
    assert _find(indexed["dir"], "standpipe zucchini").total == 0


def test_a_title_word_finds_the_consultation_not_every_comment_on_it(indexed):
    search.apply_changes(indexed["dir"], db.session)
    c = indexed["c"]
    word = c.title.split()[0]
    consultation = _find(indexed["dir"], word, kinds=("consultation",))
    assert consultation.total == 1 and consultation.hits[0].title == c.title
    assert _find(indexed["dir"], word, kinds=("comment",)).total == 0  # the comment never says it
    comment = _find(indexed["dir"], "rainwater").hits[0]
    assert comment.consultation == c.title and comment.slug == "allotments"


def test_prefix_and_phrase_searches_highlight_the_words_found(indexed):
    search.apply_changes(indexed["dir"], db.session)
    prefix = _find(indexed["dir"], "standp*", kinds=("paragraph",))
    assert re.search(r'<mark class="match[^"]*">standpipe</mark>', prefix.hits[0].highlight)
    phrase = _find(indexed["dir"], '"keep a waiting list"')
    assert re.search(r'<mark class="match[^"]*">waiting</mark> <mark class="match[^"]*">list</mark>',
                     phrase.hits[0].highlight)


def test_a_very_broad_search_ranks_a_sample_and_says_about_how_many(app, indexed, monkeypatch):
    search.apply_changes(indexed["dir"], db.session)
    exact = _find(indexed["dir"], "standpipe")
    assert exact.exact and exact.total == 2 and exact.total_text == "2"
    monkeypatch.setattr(whoosh_engine, "MAX_RANKED", 1)  # as if "standpipe" matched thousands
    broad = _find(indexed["dir"], "standpipe")
    assert not broad.exact and broad.total >= 1 and broad.total_text.startswith("about ")
    assert len(broad.hits) == 1 and broad.pages == 1  # only ranked matches can be paged to
    # The page says the total is an estimate rather than printing it as exact.
    page = app.test_client().get("/search?q=standpipe").get_data(as_text=True)
    assert f"{broad.total_text} result" in page


def test_an_index_made_by_older_code_is_rebuilt_by_the_writer(indexed):
    search.apply_changes(indexed["dir"], db.session)
    (Path(indexed["dir"]) / search.SCHEMA_FILE).write_text("1")
    search.apply_changes(indexed["dir"], db.session)
    assert (Path(indexed["dir"]) / search.SCHEMA_FILE).read_text() == search.SCHEMA_VERSION
    assert _find(indexed["dir"], "standpipe").total == 2


def test_a_rebuild_in_worker_processes_finds_the_same(indexed):
    search.rebuild(indexed["dir"], db.session, procs=2)
    results = _find(indexed["dir"], "standpipe")
    assert results.total == 2 and {h.kind for h in results.hits} == {"paragraph", "comment"}
    assert _find(indexed["dir"], '"keep a waiting list"').total == 1


def test_a_phrase_needs_its_words_in_order_and_next_to_each_other(indexed):
    search.apply_changes(indexed["dir"], db.session)
    assert _find(indexed["dir"], "list waiting plots").total == 1  # all the words, anywhere
    assert _find(indexed["dir"], '"list waiting"').total == 0  # not in that order
    assert _find(indexed["dir"], '"councils waiting"').total == 0  # not next to each other
    assert _find(indexed["dir"], '"waiting list" plots').total == 1  # a phrase and a word


def _many_documents(index_dir: str, count: int) -> list[list[str]]:
    """`count` comments of common, middling and rare words, indexed as the app indexes them."""
    import random

    from whoosh import index as whoosh_index

    rng = random.Random(11)
    common, middling, rare = ["water", "garden"], ["compost", "fence", "hedge"], ["beehive", "orchard"]
    texts = []
    ix = whoosh_index.create_in(index_dir, search.SCHEMA)
    writer = ix.writer()
    for n in range(count):
        words = [w for w in common if rng.random() < 0.6] + [w for w in middling if rng.random() < 0.15]
        words += [w for w in rare if rng.random() < 0.02]
        words = rng.sample(words, len(words)) or ["nothing"]
        texts.append(words)
        fields = records.comment_fields(n + 1, " ".join(words), None, None, utcnow(), 1, "many", "Many")
        writer.add_document(**whoosh_engine._document(**fields))
    writer.commit()
    return texts


@pytest.mark.slow  # an index of 6,000 documents: `make test` runs it, `make test-fast` does not
def test_searches_count_every_match_across_many_blocks_of_postings(app, tmp_path, monkeypatch):
    # Several thousand documents, so each common word's postings span dozens of blocks that an
    # all-words search skips through: every count must equal what the texts say.
    index_dir = tmp_path / "many"
    index_dir.mkdir()
    texts = _many_documents(str(index_dir), 6000)
    monkeypatch.setattr(whoosh_engine, "MAX_RANKED", 10_000)  # rank every match, so totals are exact

    def count(test):
        return sum(1 for words in texts if test(words))

    expected = {
        "water garden": count(lambda w: "water" in w and "garden" in w),
        "beehive water": count(lambda w: "beehive" in w and "water" in w),
        "orchard compost": count(lambda w: "orchard" in w and "compost" in w),
        "water garden fence": count(lambda w: {"water", "garden", "fence"} <= set(w)),
        "beehive OR orchard": count(lambda w: "beehive" in w or "orchard" in w),
        "hedge NOT water": count(lambda w: "hedge" in w and "water" not in w),
        "beeh* garden": count(lambda w: "beehive" in w and "garden" in w),
        '"water garden"': count(lambda w: any(a == "water" and b == "garden" for a, b in pairwise(w))),
    }
    assert min(expected.values()) > 10  # every query has matches to miss
    with app.app_context():
        found = {q: search.search(str(index_dir), q).total for q in expected}
        assert found == expected
        page = search.search(str(index_dir), "beehive water", page=2)
    assert len(page.hits) == 20 and all("<mark" in h.highlight for h in page.hits)


@pytest.mark.slow  # an index of 3,000 documents: `make test` runs it, `make test-fast` does not
def test_ranking_is_whooshs_own_bm25f(app, tmp_path, monkeypatch):
    # search() reads field lengths its own way (whoosh_engine._BM25F): the order must be the same.
    monkeypatch.setattr(whoosh_engine, "MAX_RANKED", 10_000)  # rank every match, as whoosh does
    from whoosh import index as whoosh_index
    from whoosh.qparser import QueryParser

    index_dir = tmp_path / "many"
    index_dir.mkdir()
    _many_documents(str(index_dir), 3000)
    with whoosh_index.open_dir(str(index_dir)).searcher() as stock, app.app_context():
        for q in ("water garden", "hedge compost", "orchard"):
            expected = [hit["item_id"] for hit in stock.search(QueryParser("text", search.SCHEMA).parse(q),
                                                                 limit=20)]
            assert [h.item_id for h in search.search(str(index_dir), q).hits] == expected
