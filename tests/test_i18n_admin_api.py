"""Administrators' messages and the open data's errors in the reader's language (audit items 16,
17 and 19): the search index rebuild's flashes, the reasons failed mail is listed with on
/admin/mail (the mail server's own words kept as it said them), the comments.json download's
error, the /api/v1 index's description, a publication refused for a race, and an unknown job kind.
"""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from support.jobs import run_jobs

from consult import mail
from consult.extensions import db
from consult.jobs import service as jobs
from consult.jobs.service import JobError
from consult.models import BackgroundJob, Notification, User, utcnow
from consult.notifications import notify
from consult.search.engines import PostgresSearch


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _admin(auth, language: str):
    client = auth.as_("admin")
    client.set_cookie("lang", language)
    return client


# --------------------------------------------------------------------------- the search index


def test_the_rebuild_flashes_are_in_the_readers_language(app, auth):
    app.config["SEARCH_ENGINE"] = "whoosh"
    welsh = _admin(auth, "cy")
    started = _text(welsh.post("/admin/jobs/reindex", follow_redirects=True))
    assert "Mae'r mynegai chwilio yn cael ei ailadeiladu. Mae chwilio'n dal i weithio o'r hen fynegai" in started
    assert "The search index is being rebuilt" not in started
    again = _text(welsh.post("/admin/jobs/reindex", follow_redirects=True))
    assert "Mae'r mynegai chwilio eisoes yn cael ei ailadeiladu: dyma pa mor bell y mae wedi mynd." in again
    assert "already being rebuilt" not in again

    english = _admin(auth, "en")
    assert "The search index is already being rebuilt: this is how far it has got." in _text(
        english.post("/admin/jobs/reindex", follow_redirects=True))


def test_nothing_to_rebuild_on_postgresql_says_why_in_the_readers_language(app, auth, monkeypatch):
    monkeypatch.setattr("consult.search.views.search.engine", lambda config: PostgresSearch())
    welsh = _text(_admin(auth, "cy").post("/admin/jobs/reindex", follow_redirects=True))
    assert ("Does dim i'w ailadeiladu. Mae chwilio'n defnyddio chwilio testun llawn PostgreSQL, y mae "
            "PostgreSQL yn ei gadw'n gyfredol") in welsh
    assert "(SEARCH_ENGINE=postgres)" in welsh
    assert "Nothing to rebuild" not in welsh and "full-text search" not in welsh
    english = _text(_admin(auth, "en").post("/admin/jobs/reindex", follow_redirects=True))
    assert f"Nothing to rebuild. {PostgresSearch().maintenance}" in english
    # The command line and the log keep the English words, as before.
    assert PostgresSearch().maintenance == (
        "Search uses PostgreSQL's full-text search, which PostgreSQL keeps up to date in the same "
        "transaction as every change: there is no index to apply changes to or rebuild (SEARCH_ENGINE=postgres).")


# --------------------------------------------------------------------------- failed mail


def _failed_rows(app, *errors: str) -> None:
    """A failed notification for each stored reason, as rows an earlier release may have written."""
    with app.app_context():
        user = User(email="gone@example.org", password_hash="x", display_name="Gone")
        db.session.add(user)
        db.session.flush()
        now = utcnow()
        db.session.execute(insert(Notification), [
            {"user_id": user.id, "kind": "decision", "subject": f"Message {i}", "body": "x",
             "mail_failed_at": now - timedelta(minutes=i), "mail_attempts": 1, "mail_error": error}
            for i, error in enumerate(errors)])
        db.session.commit()


def _reasons(page: str) -> list[str]:
    """The Why column of /admin/mail, row by row."""
    rows = re.findall(r"<tr>\s*<td>(.*?)</tr>", page, re.S)
    return [re.findall(r"<td>(.*?)</td>", "<td>" + row, re.S)[4].strip() for row in rows]


STORED = [
    "The mail server refused ann@example.org: 550 no such user",
    "The mail server could not take mail for bob@example.org now: 452 4.2.2 Mailbox full",
    "Could not send mail to cy@example.org: [Errno 111] Connection refused",
    "'not an address' is not an email address a server would accept.",
    "Gave up after 7 attempts over 3 days: The mail server could not take mail for dai@example.org now: "
    "421 Try again: later",
    "550 No such mailbox",  # a form this release does not write: shown as stored
]


def test_failed_mail_reasons_read_in_the_admins_language_with_the_servers_words_as_it_said_them(app, auth):
    _failed_rows(app, *STORED)
    welsh = _reasons(_text(_admin(auth, "cy").get("/admin/mail")))
    assert welsh == [
        "Gwrthododd y gweinydd e-bost ann@example.org: 550 no such user",
        "Ni allai'r gweinydd e-bost dderbyn e-bost i bob@example.org ar hyn o bryd: 452 4.2.2 Mailbox full",
        "Methwyd anfon e-bost i cy@example.org: [Errno 111] Connection refused",
        "Nid yw 'not an address' yn gyfeiriad e-bost y byddai gweinydd yn ei dderbyn.",
        "Rhoddwyd y gorau iddi ar ôl 7 ymgais dros 3 diwrnod: Ni allai'r gweinydd e-bost dderbyn e-bost i "
        "dai@example.org ar hyn o bryd: 421 Try again: later",
        "550 No such mailbox",
    ]
    english = _reasons(_text(_admin(auth, "en").get("/admin/mail")))
    assert english == STORED


def test_a_reason_the_mailer_stores_is_the_one_the_page_reads_back(mail_app, auth, smtp_server):
    smtp_server.refuse_for_good.add("gone@example.org")
    with mail_app.app_context():
        user = User(email="gone@example.org", password_hash="x", display_name="Gone")
        db.session.add(user)
        db.session.flush()
        notify(db.session, user.id, "decision", "Your comment was published", "It is published.")
        db.session.commit()
    run_jobs(mail_app)
    english = _reasons(_text(_admin(auth, "en").get("/admin/mail")))
    assert english == ["The mail server refused gone@example.org: 550 5.1.1 No such mailbox here"]
    welsh = _reasons(_text(_admin(auth, "cy").get("/admin/mail")))
    assert welsh == ["Gwrthododd y gweinydd e-bost gone@example.org: 550 5.1.1 No such mailbox here"]


@pytest.fixture
def mail_app(app, smtp_server):
    app.config.update(smtp_server.config())
    return app


def test_the_stored_reasons_stay_english_whatever_the_language_of_the_request(app):
    app.config["MAIL_SERVER"] = ""
    with (app.test_request_context("/?lang=cy"), mail.open_mailer(app.config) as mailer,
          pytest.raises(mail.PermanentMailError) as refused):
        mailer.send("not an address", "Subject", "Body")
    assert str(refused.value) == "'not an address' is not an email address a server would accept."


# --------------------------------------------------------------------------- downloads and the API


@pytest.mark.parametrize("ask", [{"query_string": {"lang": "cy"}}, {"headers": {"Accept-Language": "cy"}}])
def test_the_comments_json_download_of_no_consultation_answers_in_the_readers_language(app, client, ask):
    response = client.get("/c/nope/comments.json", **ask)
    assert response.status_code == 404 and response.is_json
    assert response.get_json() == {"error": "Not Found", "message": "Nid oes ymgynghoriad yn '/c/nope'."}
    english = client.get("/c/nope/comments.json?lang=en")
    assert english.get_json() == {"error": "Not Found", "message": "There is no consultation at '/c/nope'."}


def test_the_api_index_describes_itself_in_the_readers_language(app, client):
    welsh = client.get("/api/v1?lang=cy", headers={"Accept": "application/json"}).get_json()
    assert welsh["description"] == ("JSON ar gael i'w ddarllen yn unig: ymgynghoriadau cyhoeddus, eu fersiynau "
                                    "a'u paragraffau, y sylwadau a'r ymatebion a gyhoeddwyd.")
    assert set(welsh) == {"name", "version", "description", "links", "licence"}
    english = client.get("/api/v1?lang=en", headers={"Accept": "application/json"}).get_json()
    assert english["description"] == ("Read-only JSON: public consultations, their versions and paragraphs, "
                                      "published comments and responses.")


# --------------------------------------------------------------------------- the rest


def test_a_publication_lost_to_a_race_says_so_in_the_readers_language(app, auth, make_user, make_consultation,
                                                                      monkeypatch):
    make_consultation("parking")

    def at_the_same_moment(*args, **kwargs):
        raise IntegrityError("insert", {}, Exception("unique"))

    monkeypatch.setattr("consult.responses.views.service.publish", at_the_same_moment)
    official = auth.login(make_user("olive@example.org", role="official", name="Olive"))
    welsh = official.post("/manage/parking/response/publish?lang=cy")
    assert welsh.status_code == 409
    assert "Cyhoeddodd rhywun yr ymateb ar yr un pryd. Ail-lwythwch y dudalen i'w weld." in _text(welsh)
    assert "Someone published the response" not in _text(welsh)
    english = official.post("/manage/parking/response/publish?lang=en")
    assert "Someone published the response at the same moment. Reload to see it." in _text(english)


def test_an_unknown_job_kind_is_marked_for_translation_and_stored_in_english(app, monkeypatch):
    raised = []
    fail = jobs.fail

    def recording(session, job_id, exc):
        raised.append(exc)
        fail(session, job_id, exc)

    monkeypatch.setattr("consult.jobs.kinds.service.fail", recording)
    with app.app_context():
        job = jobs.start_job(db.session, "from-a-newer-release", "newer", "Something new")
        db.session.commit()
        job_id = job.id
    run_jobs(app)
    with app.app_context():
        stored = db.session.get(BackgroundJob, job_id).error
    assert stored == "This release does not know how to run a job of kind 'from-a-newer-release'."
    [error] = raised
    assert isinstance(error, JobError)
    with app.test_request_context("/?lang=cy"):
        assert error.text() == ("Nid yw'r fersiwn hon o'r wefan yn gwybod sut i redeg tasg o'r math "
                                "'from-a-newer-release'.")
    with app.test_request_context("/?lang=en"):
        assert error.text() == stored
