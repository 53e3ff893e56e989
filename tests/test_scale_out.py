"""Two application hosts on one PostgreSQL database, each with its own search index.

Each "host" is its own gunicorn process with its own SEARCH_INDEX_DIR and its own single index
writer (the background indexer thread, one worker per host), following the shared change log.
A comment posted through host A is served by both hosts and found by both hosts' searches.
"""
from __future__ import annotations

import os
import re
import time
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest

from consult import create_app
from consult.consultations.service import create_consultation
from consult.extensions import db
from consult.models import utcnow
from consult.users import create_user
from tests.support.server import consult_env, gunicorn
from tests.test_concurrency import Citizen

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

DOC = "# Ferries\n\n## 1. Timetable\n\nFerries run every hour in summer.\n"
RUN = os.environ.get("CI", "").lower() in {"1", "true"} or bool(os.environ.get("TEST_DATABASE_URL"))


@pytest.mark.skipif(not RUN, reason="needs PostgreSQL (CI=true or TEST_DATABASE_URL)")
def test_two_hosts_share_one_database_and_each_finds_the_comment(postgres_database, tmp_path):
    app = create_app({"SECRET_KEY": "test-server-secret", "SQLALCHEMY_DATABASE_URI": postgres_database})
    with app.app_context():
        db.drop_all()
        db.create_all()
        now = utcnow()
        consultation = create_consultation(
            db.session, slug="buses", files=[("f.md", DOC)], publish=True,
            opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1))
        anchor = next(p.anchor for p in consultation.versions[0].paragraphs if p.text.startswith("Ferries run"))
        user = create_user(db.session, "sailor@example.org", "a-long-password", confirmed=True)
        db.session.commit()
        cookie = app.session_interface.get_signing_serializer(app).dumps(
            {"_user_id": user.get_id(), "_fresh": True})
    url = postgres_database.replace("postgresql+psycopg://", "postgresql://")
    try:
        with gunicorn(consult_env(url, tmp_path / "host-a", SEARCH_INDEXER_THREAD="1"), workers=1) as (a, _), \
                gunicorn(consult_env(url, tmp_path / "host-b", SEARCH_INDEXER_THREAD="1"), workers=1) as (b, _):
            comment_id = Citizen(a, cookie).comment(anchor, "Winter sailings are needed for islanders.")
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
            assert set(found) == {a, b}, "both hosts' own indexes should find the comment"
            assert (tmp_path / "host-a" / "index").is_dir() and (tmp_path / "host-b" / "index").is_dir()
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
