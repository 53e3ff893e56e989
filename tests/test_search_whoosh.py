"""The Whoosh engine's own workings: the change log, the single writer, rebuilds, and exact
counts and whoosh's own ranking over many posting blocks (nothing of whoosh is patched).

Behaviour people meet, on every engine, is in test_search.py.
"""
from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from helpers import fresh_app
from sqlalchemy import func, select

from consult import search
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
def app(database_url, tmp_path):
    """An application searching with Whoosh, on either database (it logs changes on both)."""
    yield from fresh_app(database_url, tmp_path, SEARCH_ENGINE="whoosh")

@pytest.fixture
def indexed(app, tmp_path, make_consultation, make_user, make_comment):
    """A published consultation with one published comment, and the index dir."""
    with app.test_request_context():
        c = make_consultation("allotments", DOC, closes_at=utcnow() + timedelta(days=1))
        user_id = make_user("grower@example.org", name="grower")
        comment_id = make_comment(c, user_id, "Rainwater butts would be cheaper than standpipes.",
                                  c.anchors["Every site needs a standpipe for watering vegetables."], key="k1")
        yield {"dir": str(tmp_path / "index"), "comment_id": comment_id, "made": c,
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


def test_two_hosts_keep_their_own_index_from_one_log(indexed, tmp_path):
    a, b = str(tmp_path / "host-a"), str(tmp_path / "host-b")
    search.apply_changes(a, db.session)
    search.apply_changes(b, db.session)
    assert _find(a, "rainwater").total == _find(b, "rainwater").total == 1


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
    # search() ranks with its own collector (whoosh_engine._RankFirst): the order must be the same.
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


def test_a_rebuild_is_built_aside_and_searches_use_the_old_index_until_it_is_swapped_in(indexed, monkeypatch):
    # Staff walkthrough: "Rebuild the search index" deleted the live index first, so the web's
    # indexer thread, finding it half gone, rebuilt at the same time and the job failed.
    index_dir = indexed["dir"]
    search.apply_changes(index_dir, db.session)
    assert _find(index_dir, "rainwater").total == 1  # this thread's searcher is now cached
    monkeypatch.setattr(whoosh_engine, "PROGRESS_EVERY", 1)
    during = []

    def meanwhile(_count):
        # While the new index is built: the old one answers, and the indexer may apply changes.
        during.append(_find(index_dir, "rainwater").total)
        search.apply_changes(index_dir, db.session)

    search.rebuild(index_dir, db.session, progress=meanwhile)
    assert during == [1]
    assert _find(index_dir, "rainwater").total == 1
    leftovers = [p.name for p in Path(index_dir).parent.iterdir() if ".building-" in p.name or ".old-" in p.name]
    assert leftovers == []


def test_a_failed_rebuild_leaves_the_live_index_as_it_was(indexed, monkeypatch):
    index_dir = indexed["dir"]
    search.apply_changes(index_dir, db.session)
    monkeypatch.setattr(whoosh_engine, "PROGRESS_EVERY", 1)

    def fail(_count):
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        search.rebuild(index_dir, db.session, progress=fail)
    assert _find(index_dir, "rainwater").total == 1 and _find(index_dir, "standpipe").total == 2
    assert not [p for p in Path(index_dir).parent.iterdir() if ".building-" in p.name]


def test_a_cached_searcher_reads_the_rebuilt_index(indexed, make_comment):
    index_dir = indexed["dir"]
    search.rebuild(index_dir, db.session)
    assert _find(index_dir, "compost").total == 0  # this thread's searcher is now cached
    # A comment the change log never told this index of: only a rebuild finds it. The rebuilt
    # index has the same generation as the old one, so only knowing the folder was swapped
    # makes the cached searcher read it.
    made = indexed["made"]
    standpipe = made.anchors["Every site needs a standpipe for watering vegetables."]
    make_comment(made, indexed["user"].id, "Compost bins at every site.", standpipe, key="k2")
    db.session.execute(SearchChange.__table__.delete())
    db.session.commit()
    search.rebuild(index_dir, db.session)
    assert _find(index_dir, "compost").total == 1
