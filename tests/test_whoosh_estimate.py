"""Whoosh's "about N" for a search of some kinds only: the documents of other kinds the search
passed over are not counted as read (at 1,000,000 comments, a comments-only search for common
words said "about 140,000" for 546,486 matches: the paragraphs before the comments were counted)."""
from __future__ import annotations

from whoosh import index as whoosh_index

from consult.search import whoosh_engine


def _index(tmp_path, paragraphs: int, comments: int) -> str:
    folder = tmp_path / "index"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), whoosh_engine.SCHEMA)
    writer = ix.writer()
    for n in range(paragraphs):
        writer.add_document(**whoosh_engine._document(key=f"paragraph:{n}", kind="paragraph",
                                                      text=f"Parking paragraph {n} of the document."))
    for n in range(comments):
        writer.add_document(**whoosh_engine._document(key=f"comment:{n}", kind="comment",
                                                      text=f"Parking comment number {n}."))
    writer.commit()
    return str(folder)


def test_a_comments_only_estimate_counts_the_comments_it_read(tmp_path, monkeypatch):
    monkeypatch.setattr(whoosh_engine, "MAX_RANKED", 50)  # a small budget: 300 matches are estimated
    folder = _index(tmp_path, paragraphs=60, comments=300)
    comments = whoosh_engine.search(folder, "parking", kinds=("comment",))
    assert not comments.exact
    assert 270 <= comments.total <= 330, comments.total  # was "about 160": 50 x 360 / 110 documents read
    everything = whoosh_engine.search(folder, "parking")
    assert not everything.exact and 324 <= everything.total <= 396, everything.total
    paragraphs = whoosh_engine.search(folder, "parking", kinds=("paragraph",))  # the others come after
    assert not paragraphs.exact and 54 <= paragraphs.total <= 66, paragraphs.total
