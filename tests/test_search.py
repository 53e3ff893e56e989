"""Search: the change log, the single writer, only public things found, rebuilds."""
from __future__ import annotations

from datetime import timedelta

from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult import search
from consult.comments.service import CommentInput, submit_comment, withdraw_comment
from consult.consultations.service import create_consultation
from consult.extensions import db
from consult.models import SearchChange, utcnow
from consult.users import create_user

DOC = """# Allotments

## 1. Waiting lists

Councils must keep a waiting list for allotment plots.

## 2. Water

Every site needs a standpipe for watering vegetables.
"""


@pytest.fixture
def indexed(app, tmp_path):
    """A published consultation with one published comment, and the index dir."""
    with app.test_request_context():
        now = utcnow()
        c = create_consultation(db.session, slug="allotments", files=[("a.md", DOC)], publish=True,
                                moderation_mode="post", opens_at=now - timedelta(days=1),
                                closes_at=now + timedelta(days=1))
        user = create_user(db.session, "grower@example.org", "a-long-password", confirmed=True)
        anchor = next(p.anchor for p in c.versions[0].paragraphs if p.text.startswith("Every site"))
        comment, _ = submit_comment(db.session, c, anchor, user, CommentInput(
            body="Rainwater butts would be cheaper than standpipes.", submission_key="k1"))
        db.session.commit()
        yield {"dir": str(tmp_path / "index"), "comment_id": comment.id, "user": user, "c": c}


def _find(index_dir, text, **kw):
    return search.search(index_dir, db.session, text, **kw)


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
])
def test_bad_queries_get_a_plain_message(indexed, query, message):
    with pytest.raises(search.SearchError, match=message):
        _find(indexed["dir"], query)


def test_two_hosts_keep_their_own_index_from_one_log(indexed, tmp_path):
    a, b = str(tmp_path / "host-a"), str(tmp_path / "host-b")
    search.apply_changes(a, db.session)
    search.apply_changes(b, db.session)
    assert _find(a, "rainwater").total == _find(b, "rainwater").total == 1
