"""Whoosh and PostgreSQL's own search find the same comments for the same words: the same English
stop words and stemmer (at 1,000,000 comments, 4 of 20 two-word queries matched different comments
before: "there nominally" 1,008 against 5,175, "proper reliable" 64 against 574)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import fresh_app, run_postgres

from consult.extensions import db
from consult.models import utcnow
from consult.search import postgres_engine, whoosh_engine

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not run_postgres(), reason="needs PostgreSQL (CI=true or TEST_DATABASE_URL)")]
DOC = "# Ferries\n\n## 1. Timetable\n\nFerries run every hour in summer.\n"
COMMENTS = [
    "There is nominally a ferry every hour, but not in practice.",
    "The timetable is nominally hourly.",
    "A proper and reliable service matters more than a fast one.",
    "Reliability is the proper test of any timetable.",
    "The evaluation includes winter crossings.",
    "Evaluations that include cost are more useful.",
    "Running more ferries would cost 5 million pounds.",
    "I have been waiting for years; they keep running late.",
]
QUERIES = ["there nominally", "proper reliable", "evaluation includes", "running ferries", "waiting",
           "cost 5", "more useful", "not in practice", '"proper and reliable"', "reliab*"]


@pytest.fixture
def app(request, tmp_path):
    yield from fresh_app(request.getfixturevalue("postgres_database"), tmp_path, SEARCH_ENGINE="postgres")


def test_both_engines_find_the_same_comments(app, tmp_path, make_consultation, make_user, make_comment):
    with app.app_context():
        consultation = make_consultation("ferries", DOC, closes_at=utcnow() + timedelta(days=1))
        for n, body in enumerate(COMMENTS):
            make_comment(consultation, make_user(f"p{n}@example.org", name=f"p{n}"), body, key=f"k{n}")
    index = str(tmp_path / "index")
    with app.app_context():
        whoosh_engine.rebuild(index, db.session)
        for query in QUERIES:
            found = {}
            for name, results in (("whoosh", whoosh_engine.search(index, query, kinds=("comment",))),
                                  ("postgres", postgres_engine.search(db.session, query, kinds=("comment",)))):
                found[name] = sorted(h.item_id for h in results.hits)
            assert found["whoosh"] == found["postgres"], query
            assert found["whoosh"], f"{query!r} should find something"
