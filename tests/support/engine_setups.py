"""The search engines' set-ups, for test files that run on each (import these fixtures):
Whoosh beside SQLite; Whoosh and PostgreSQL's own search beside PostgreSQL (when it runs)."""
from __future__ import annotations

import pytest
from helpers import fresh_app, run_postgres

RUN_POSTGRES = run_postgres()
# (database, engine)
SETUPS = [("sqlite", "whoosh")] + ([("postgres", "whoosh"), ("postgres", "postgres")] if RUN_POSTGRES else [])


@pytest.fixture(params=SETUPS, ids=[f"{d}-{e}" for d, e in SETUPS])
def setup(request):
    """(database, engine) of this run of the test."""
    return request.param


@pytest.fixture
def database_url(setup, request, tmp_path):
    """The database of the setup (overrides conftest's, which runs every backend)."""
    if setup[0] == "postgres":
        return request.getfixturevalue("postgres_database")
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def app(setup, database_url, tmp_path):
    """An application searching with the setup's engine."""
    yield from fresh_app(database_url, tmp_path, SEARCH_ENGINE=setup[1])
