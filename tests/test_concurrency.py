"""Concurrency and durability under gunicorn with several worker processes.

50 concurrent clients post comments through the real forms (CSRF token and all). Every
acknowledged comment must be stored exactly once, nothing is lost, and no "database is locked"
reaches a user: a busy database may answer 503 with Retry-After, and the client then retries
with the same submission key, which the app turns into exactly one comment.
"""
from __future__ import annotations

import http.client
import http.cookiejar
import os
import re
import signal
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Comment
from tests.support.server import consult_env, gunicorn, open_consultation_for_servers, worker_pids

pytestmark = pytest.mark.slow

CLIENTS = 50
COMMENTS_EACH = 3
DOC = "# Bus lanes\n\n## 1. Lanes\n\nBus lanes operate from 7am to 7pm.\n\nTaxis may use them.\n"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(params=["sqlite", "postgres"] if os.environ.get("CI", "").lower() in {"1", "true"}
                or os.environ.get("TEST_DATABASE_URL") else ["sqlite"])
def served(request, tmp_path):
    """A database with an open consultation and 50 citizens, served by gunicorn (3 workers)."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_database")
    else:
        url = f"sqlite:///{tmp_path / 'load.sqlite3'}"
    app, anchor, cookies = open_consultation_for_servers(url, DOC, "Taxis", citizens=CLIENTS)
    env = consult_env(url.replace("postgresql+psycopg://", "postgresql://"), tmp_path / "instance")
    with gunicorn(env, workers=3) as (base, process):
        yield {"base": base, "process": process, "anchor": anchor, "cookies": cookies,
               "app": app}
    with app.app_context():  # the schema stays: the next test's set-up empties it
        db.session.remove()
        db.engine.dispose()


class Citizen:
    """One browser-like client: its own cookie jar, reads the form, posts it (on /c/buses)."""

    def __init__(self, base: str, cookie: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar()
        jar.set_cookie(http.cookiejar.Cookie(
            0, "session", cookie, None, False, "127.0.0.1", False, False, "/", True, False,
            None, False, None, None, {}))
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
        self.unavailable = 0

    def comment(self, anchor: str, body: str) -> int:
        """Post one comment through the form, retrying politely; returns the stored id."""
        key = uuid.uuid4().hex  # one key per comment: retries re-use it
        for _attempt in range(20):
            try:
                page = self.opener.open(f"{self.base}/c/buses/p/{anchor}", timeout=30).read().decode()
                token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
                data = urllib.parse.urlencode({
                    "csrf_token": token, "submission_key": key, "body": body,
                    "respondent_type": "individual", "show_name": "name"}).encode()
                self.opener.open(f"{self.base}/c/buses/p/{anchor}/comments", data=data, timeout=30)
            except urllib.error.HTTPError as response:
                if response.code == 303:
                    return int(response.headers["Location"].rsplit("#comment-", 1)[1])
                if response.code == 503:
                    self.unavailable += 1
                    assert response.headers.get("Retry-After"), "503 without Retry-After"
                    time.sleep(min(float(response.headers["Retry-After"]), 1.0))
                    continue
                raise AssertionError(f"{response.code}: {response.read()[:500]!r}") from None
            except (urllib.error.URLError, ConnectionError, http.client.HTTPException):
                # a worker died mid-request or mid-response (IncompleteRead): not acknowledged,
                # so try again with the same key
                time.sleep(0.3)
                continue
        raise AssertionError("comment never acknowledged")


def _stored(app) -> tuple[int, int]:
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Comment))
        keys = db.session.scalar(select(func.count(func.distinct(Comment.submission_key))))
        db.session.remove()
        return total, keys


def _run_clients(served, per_client: int, during=None) -> list[int]:
    citizens = [Citizen(served["base"], c) for c in served["cookies"]]

    def work(index: int) -> list[int]:
        return [citizens[index].comment(served["anchor"], f"Client {index} comment {n}")
                for n in range(per_client)]

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        futures = [pool.submit(work, i) for i in range(CLIENTS)]
        if during:
            during()
        return [cid for f in futures for cid in f.result()]


def test_fifty_concurrent_clients_every_acknowledged_comment_stored_once(served):
    acknowledged = _run_clients(served, COMMENTS_EACH)
    assert len(acknowledged) == CLIENTS * COMMENTS_EACH
    assert len(set(acknowledged)) == len(acknowledged)
    total, keys = _stored(served["app"])
    assert total == keys == len(acknowledged)


def test_killing_a_worker_mid_load_loses_nothing_acknowledged(served):
    def kill_one_worker():
        time.sleep(0.5)
        pids = worker_pids(served["process"].pid)
        assert pids, "no gunicorn workers found"
        os.kill(pids[0], signal.SIGKILL)

    acknowledged = _run_clients(served, 2, during=kill_one_worker)
    assert len(set(acknowledged)) == CLIENTS * 2
    total, keys = _stored(served["app"])
    assert total == keys == CLIENTS * 2
    with served["app"].app_context():
        stored = set(db.session.scalars(select(Comment.id)))
    assert set(acknowledged) <= stored
