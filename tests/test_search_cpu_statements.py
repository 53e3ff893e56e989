"""What one search costs on PostgreSQL stays small and fixed: a page of hits is a fixed handful of
statements however many hits it shows (no statement per hit), each search sends statements
compiled once for their shape rather than built again for its words, and a search runs in one
process, so the same search gives the same hits and the same "about N" each time (the CPU per
search is what limits searches a second on a small machine: docs/performance.md, issue 19)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import fresh_app, run_postgres
from sqlalchemy import event, text

from consult.extensions import db
from consult.models import utcnow
from consult.search import compiled, postgres_engine

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not run_postgres(), reason="needs PostgreSQL (CI=true or TEST_DATABASE_URL)")]
DOC = "# Hedges\n\n## 1. Planting\n\nHawthorn hedges shelter wildlife.\n\n## 2. Cutting\n\nCut hedges in winter.\n"


@pytest.fixture
def app(request, tmp_path):
    yield from fresh_app(request.getfixturevalue("postgres_database"), tmp_path)


@pytest.fixture
def hedges(app, make_consultation, make_user, make_comment):
    with app.app_context():
        consultation = make_consultation("hedges", DOC, closes_at=utcnow() + timedelta(days=1))
        for n in range(30):
            make_comment(consultation, make_user(f"h{n}@example.org", name=f"h{n}"),
                         f"Comment {n}: blackthorn borders number {n}.", key=f"h{n}")
        make_comment(consultation, make_user("r@example.org", name="r"), "Rowan borders are rare.", key="r")


def _statements(app, path: str) -> tuple[list[str], str]:
    sent: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        sent.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            page = app.test_client().get(path)
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
    assert page.status_code == 200
    return sent, page.get_data(as_text=True)


def test_a_page_of_twenty_hits_sends_no_more_statements_than_a_page_of_one(app, hedges):
    many, page = _statements(app, "/search?q=blackthorn+borders")
    assert page.count('class="search-hit') == 20 and "30 results" in page
    one, page = _statements(app, "/search?q=rowan+borders")
    assert page.count('class="search-hit') == 1
    assert len(many) == len(one) <= 5, many  # the query, its sample, the hits, the form's list
    assert sum("ts_headline" in s for s in many) == 1  # every hit's highlight from one statement


def test_a_search_with_other_words_reuses_the_statements_compiled_for_the_first(app, hedges):
    with app.app_context():
        first = postgres_engine.search(db.session, "blackthorn borders")
        db.session.rollback()
        shapes = set(compiled.sent_as_compiled())
        second = postgres_engine.search(db.session, "rowan number")
        db.session.rollback()
        filtered = postgres_engine.search(db.session, "rowan borders", slugs=("hedges",),
                                          date_from=utcnow() - timedelta(days=1), date_to=utcnow())
        db.session.rollback()
    assert first.total == 30 and len(first.hits) == 20
    assert [h.item_id for h in second.hits] == [] and second.total == 0
    assert set(compiled.sent_as_compiled()) >= shapes  # nothing compiled for the same shape again
    assert len(filtered.hits) == 1 and "Rowan" in filtered.hits[0].highlight
    # Filters are bound values too: every statement a search made was sent as compiled.
    assert set(compiled.sent_as_compiled()) == set(compiled._COMPILED)


def test_a_search_runs_in_one_process_and_gives_the_same_hits_each_time(app, hedges):
    with app.app_context():
        default = db.session.scalar(text("show max_parallel_workers_per_gather"))
        db.session.rollback()
        results = []
        for _ in range(3):
            found = postgres_engine.search(db.session, "blackthorn borders")
            assert db.session.scalar(text("show max_parallel_workers_per_gather")) == "0"
            results.append(([h.item_id for h in found.hits], found.total))
            db.session.rollback()
        assert db.session.scalar(text("show max_parallel_workers_per_gather")) == default  # and no longer
    assert results[0] == results[1] == results[2]
