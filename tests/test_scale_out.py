"""Two application hosts on one PostgreSQL database, searching it with either engine.

Each "host" is its own gunicorn process. With Whoosh (SEARCH_ENGINE=whoosh) each has its own
SEARCH_INDEX_DIR and its own single index writer (the background indexer thread, one worker per
host), following the shared change log; with PostgreSQL's own search (the default there) no
host has an index or a writer. A comment posted through host A is served by both hosts and
found by both hosts' searches.
"""
from __future__ import annotations

import os
import re
import time
import urllib.parse
import urllib.request

import pytest

from consult.extensions import db
from tests.support.server import consult_env, gunicorn, open_consultation_for_servers
from tests.test_concurrency import Citizen

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

DOC = "# Ferries\n\n## 1. Timetable\n\nFerries run every hour in summer.\n"
RUN = os.environ.get("CI", "").lower() in {"1", "true"} or bool(os.environ.get("TEST_DATABASE_URL"))


@pytest.mark.skipif(not RUN, reason="needs PostgreSQL (CI=true or TEST_DATABASE_URL)")
@pytest.mark.parametrize("engine", ["whoosh", "postgres"])
def test_two_hosts_share_one_database_and_each_finds_the_comment(postgres_database, tmp_path, engine):
    app, anchor, [cookie] = open_consultation_for_servers(postgres_database, DOC, "Ferries run")
    url = postgres_database.replace("postgresql+psycopg://", "postgresql://")
    try:
        hosts = {name: consult_env(url, tmp_path / name, SEARCH_INDEXER_THREAD="1", SEARCH_ENGINE=engine)
                 for name in ("host-a", "host-b")}
        with gunicorn(hosts["host-a"], workers=1) as (a, _), gunicorn(hosts["host-b"], workers=1) as (b, _):
            comment_id = Citizen(a, cookie).comment(anchor, "Winter sailings are needed for islanders.")
            posted = time.monotonic()
            for host in (a, b):
                page = urllib.request.urlopen(f"{host}/c/buses/p/{anchor}", timeout=10).read().decode()
                assert f'id="comment-{comment_id}"' in page and "Winter sailings" in page
            query = urllib.parse.urlencode({"q": "winter sailings"})
            found = {}
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(found) < 2:
                for host in (a, b):
                    html = urllib.request.urlopen(f"{host}/search?{query}", timeout=10).read().decode()
                    if re.search(r"<mark[^>]*>[Ww]inter</mark>", html):
                        found[host] = True
                time.sleep(0.5)
            assert set(found) == {a, b}, "both hosts should find the comment"
            indexes = [(tmp_path / name / "index").is_dir() for name in hosts]
            if engine == "whoosh":
                assert all(indexes), "each host keeps its own index"
            else:  # found as the comment committed, with no index anywhere
                assert not any(indexes) and time.monotonic() - posted < 5
    finally:
        with app.app_context():  # the schema stays: the next test's set-up empties it
            db.session.remove()
            db.engine.dispose()
