"""PostgreSQL's own full-text search: findable as the publication commits, on every host, with
no change log, no follower and nothing to rebuild; the choice of engine; the queries it runs.

Behaviour people meet, the same on every engine, is in test_search.py.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from helpers import fresh_app, run_postgres
from sqlalchemy import func, select, text

from consult import create_app, search
from consult.config import ConfigError, from_environment
from consult.extensions import db
from consult.models import BackgroundJob, Comment, SearchChange, utcnow
from consult.search import postgres_engine, query

RUN_POSTGRES = run_postgres()

pytestmark = pytest.mark.postgres
needs_postgres = pytest.mark.skipif(not RUN_POSTGRES, reason="needs PostgreSQL (CI=true or TEST_DATABASE_URL)")
DOC = "# Ferries\n\n## 1. Timetable\n\nFerries run every hour in summer.\n"


@pytest.fixture
def app(request, tmp_path):
    """An application on PostgreSQL with its default engine (overrides conftest's, on every backend)."""
    yield from fresh_app(request.getfixturevalue("postgres_database"), tmp_path)


@needs_postgres
def test_postgresql_searches_itself_by_default_and_whoosh_when_asked(app, tmp_path):
    assert search.engine(app.config).name == "postgres"
    assert search.engine({**app.config, "SEARCH_ENGINE": "whoosh"}).name == "whoosh"
    assert search.engine({"SQLALCHEMY_DATABASE_URI": "sqlite:///x", "SEARCH_INDEX_DIR": str(tmp_path)}).name == "whoosh"


def test_a_search_engine_the_database_cannot_run_stops_the_start(tmp_path):
    with pytest.raises(ConfigError, match="SEARCH_ENGINE=postgres needs the data in PostgreSQL"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3", "SECRET_KEY": "x",
                    "SEARCH_ENGINE": "postgres"})
    with pytest.raises(ConfigError, match="must be one of whoosh, postgres"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3", "SECRET_KEY": "x",
                    "SEARCH_ENGINE": "elastic"})
    assert from_environment({"SEARCH_ENGINE": "whoosh"})["SEARCH_ENGINE"] == "whoosh"


@needs_postgres
def test_a_comment_is_found_the_moment_it_is_posted_with_no_log_and_no_index(app, make_consultation, auth):
    with app.test_request_context():
        c = make_consultation("ferries", DOC, closes_at=utcnow() + timedelta(days=1))
        anchor = c.anchors["Ferries run every hour in summer."]
    response = auth.as_("citizen").post(f"/c/ferries/p/{anchor}/comments", data={
        "body": "Winter sailings are needed for islanders.", "submission_key": "w1",
        "respondent_type": "individual", "show_name": "name"})
    assert response.status_code in (302, 303)
    page = app.test_client().get("/search?q=winter+sailings").get_data(as_text=True)
    assert '<mark class="match">Winter</mark>' in page  # no writer ran, no index folder exists
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SearchChange)) == 0
        assert db.session.scalar(select(func.count()).select_from(postgres_engine.COMMENT_VECTORS)) == 1
    assert not Path(app.config["SEARCH_INDEX_DIR"]).exists()


@needs_postgres
def test_an_edited_comment_is_found_by_its_new_words_only(app, make_consultation, make_user, make_comment):
    with app.test_request_context():
        c = make_consultation("ferries", DOC, closes_at=utcnow() + timedelta(days=1))
        comment_id = make_comment(c, make_user("e@example.org", name="e"), "Diesel ferries are loud.", key="e1")
        engine = search.engine(app.config)
        assert engine.search(db.session, "diesel").total == 1
        db.session.get(Comment, comment_id).body = "Electric ferries are quiet."
        db.session.commit()
        assert engine.search(db.session, "diesel").total == 0
        assert engine.search(db.session, "electric quiet").total == 1


@needs_postgres
def test_index_and_reindex_say_there_is_nothing_to_do(app):
    runner = app.test_cli_runner()
    for command in (["index"], ["index", "--follow"], ["reindex"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0 and "PostgreSQL" in result.output and "Nothing" in result.output
    assert search.start_background_indexer(app) is None


@needs_postgres
def test_the_rebuild_button_says_there_is_nothing_to_rebuild(app, auth):
    admin = auth.as_("admin")
    response = admin.post("/admin/jobs/reindex")
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/jobs")
    assert "Nothing to rebuild." in admin.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(BackgroundJob)) == 0


@needs_postgres
def test_the_searches_use_the_gin_indexes(app):
    with app.app_context():
        db.session.execute(text("SET LOCAL enable_seqscan = off"))  # an empty table: ask whether it could
        q = text("EXPLAIN SELECT 1 FROM comment_search WHERE vector @@ to_tsquery('english', 'ferry')")
        assert "ix_comment_search_vector" in " ".join(r[0] for r in db.session.execute(q))
        q = text("EXPLAIN SELECT 1 FROM paragraphs WHERE to_tsvector('english'::regconfig, text) "
                 "@@ to_tsquery('english', 'ferry')")
        assert "ix_paragraphs_search" in " ".join(r[0] for r in db.session.execute(q))


@needs_postgres
@pytest.mark.parametrize("typed, tsquery", [
    ("winter sailings", "'winter' & 'sail'"),
    ("winter OR summer", "'winter' | 'summer'"),
    ("winter NOT summer", "'winter' & !'summer'"),
    ('"winter sailings"', "'winter' <-> 'sail'"),
    ("sail*", "'sail':*"),
    ("title:ferries", "'ferri':A"),
    ("winter's ' & | ! <-> :*", "'winter'"),
    ("'; DROP TABLE comments; --", "'drop' & 'tabl' & 'comment'"),
])
def test_queries_become_tsqueries_of_words_only(app, typed, tsquery):
    with app.app_context():
        assert postgres_engine.tsquery_text(db.session, typed) == tsquery


def test_query_words_hold_only_letters_and_digits():
    assert query.word_parts("a'b:*c|d&e!f<g>h\\i(j)k") == list("abcdefghijk")
    term = query.parse('x:* \'" OR')
    assert isinstance(term, query.Term) and term.prefix and query.word_parts(term.text) == ["x"]
