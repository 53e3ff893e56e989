"""PostgreSQL plans each full-text search for its own words: psycopg's prepared statements
(kept for the app's small lookups) are not used for searches, whose best plan depends on how
common the words are (a prepared, generically planned search over 1,000,000 comments took ten
times as long: docs/performance.md, issue 19)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import fresh_app, run_postgres
from sqlalchemy import select, text

from consult.database import unprepared
from consult.extensions import db
from consult.models import User, utcnow
from consult.search import postgres_engine

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not run_postgres(), reason="needs PostgreSQL (CI=true or TEST_DATABASE_URL)")]
DOC = "# Ferries\n\n## 1. Timetable\n\nFerries run every hour in summer.\n"


@pytest.fixture
def app(request, tmp_path):
    yield from fresh_app(request.getfixturevalue("postgres_database"), tmp_path)


def test_a_search_run_many_times_is_never_a_prepared_statement(app, make_consultation, make_user, make_comment):
    with app.app_context():
        consultation = make_consultation("ferries", DOC, closes_at=utcnow() + timedelta(days=1))
        make_comment(consultation, make_user("e@example.org", name="e"), "Diesel ferries are loud.", key="e1")
    with app.app_context():
        for _ in range(8):  # psycopg prepares what it has run five times
            assert postgres_engine.search(db.session, "diesel ferries").total == 1
            db.session.scalar(select(User.id).limit(1))  # a small lookup, as a page makes
        prepared = list(db.session.execute(text("select statement from pg_prepared_statements")).scalars())
    assert not [s for s in prepared if "ts_rank_cd" in s], "a search was prepared"
    assert [s for s in prepared if "FROM users" in s], "the small lookup should still be prepared"


def test_unprepared_restores_the_connections_setting(app):
    with app.app_context():
        driver = db.session.connection().connection.driver_connection
        before = driver.prepare_threshold
        with unprepared(db.session):
            assert driver.prepare_threshold is None
        assert driver.prepare_threshold == before


def test_a_search_reads_each_table_from_its_start(app, make_consultation, make_user, make_comment):
    """Synchronised scans would let a search's scan of a large table start where another scan had
    got to, so the same search would show other hits and another "about N" (found at 1,000,000
    comments: three identical searches gave "about 850", 830 and 810 for 32,442 matches)."""
    with app.app_context():
        consultation = make_consultation("ferries", DOC, closes_at=utcnow() + timedelta(days=1))
        make_comment(consultation, make_user("e@example.org", name="e"), "Diesel ferries are loud.", key="e1")
    with app.app_context():
        assert db.session.scalar(text("show synchronize_seqscans")) == "on"  # the server's default
        assert postgres_engine.search(db.session, "diesel ferries").total == 1
        assert db.session.scalar(text("show synchronize_seqscans")) == "off"  # for the search's transaction
        db.session.rollback()
        assert db.session.scalar(text("show synchronize_seqscans")) == "on"  # and no longer
