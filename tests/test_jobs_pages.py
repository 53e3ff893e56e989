"""The pages about background work: jobs and mail that failed (administrators), the progress of
telling participants on the response and management pages (officials), and the JSON the pages'
script polls. Jobs run on the app's real SQLite queue (support.jobs.run_jobs); mail goes to a
real SMTP server in the test process (the smtp_server fixture)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from helpers import PARKING_V2
from sqlalchemy import func, insert, select
from support.jobs import run_jobs

from consult.extensions import db
from consult.jobs import service as jobs
from consult.jobs.kinds import run_job
from consult.jobs.progress import progress_text
from consult.models import BackgroundJob, Comment, Consultation, Notification, User, utcnow
from consult.notifications import deliver_due, notify
from consult.responses import service as responses
from consult.responses.publication import tell_key

ROLES = [None, "citizen", "moderator", "official", "admin"]


def _html(response) -> str:
    return response.get_data(as_text=True)


def _client(app, auth, role):
    return auth.as_(role) if role else app.test_client()


def _refused(response) -> str:
    """How a page refused someone: 'login' (sent to sign in), 'forbidden' (403), or 'no' (not refused)."""
    if response.status_code in (302, 303) and "/login?next=" in response.headers.get("Location", ""):
        return "login"
    return "forbidden" if response.status_code == 403 else "no"


def _start(app, kind: str, key: str, title: str = "A job", total: int = 0, **params) -> int:
    with app.app_context():
        job = jobs.start_job(db.session, kind, key, title, total=total, params=params)
        db.session.commit()
        return job.id


def _job(app, job_id: int) -> BackgroundJob:
    with app.app_context():
        job = db.session.get(BackgroundJob, job_id)
        db.session.expunge(job)
        return job


@pytest.fixture
def flaky(app):
    """A job kind whose first run fails ("the disk was full") and whose second succeeds; the
    id of a job of that kind that has run once and failed."""
    calls = []

    @jobs.job_kind("test-pages-flaky")
    def run(session, job, config):
        calls.append(job.id)
        if len(calls) == 1:
            raise RuntimeError("the disk was full")
        jobs.record_progress(session, job, 10)

    try:
        job_id = _start(app, "test-pages-flaky", "flaky", "Something flaky", total=10)
        run_jobs(app)
        assert _job(app, job_id).state == "failed"
        yield job_id
    finally:
        jobs.KINDS.pop("test-pages-flaky")


# --------------------------------------------------------------------------- who may see what


ADMIN_PAGES = ["/admin/jobs", "/admin/jobs/{job}", "/admin/mail"]
ADMIN_ACTIONS = ["/admin/jobs/reindex", "/admin/jobs/{job}/retry", "/admin/mail/retry", "/admin/mail/retry-all"]


@pytest.mark.parametrize("role", ROLES)
def test_the_administrators_pages_and_buttons_are_for_administrators_only(app, auth, flaky, role):
    client = _client(app, auth, role)
    expected = {None: "login", "admin": "no"}.get(role, "forbidden")
    for page in ADMIN_PAGES:
        response = client.get(page.format(job=flaky))
        assert _refused(response) == expected, (page, role, response.status_code)
        if expected == "no":
            assert response.status_code == 200
        else:
            assert "the disk was full" not in _html(response) and "Traceback" not in _html(response)
    for action in ADMIN_ACTIONS:
        response = client.post(action.format(job=flaky), data={"note_id": "1", "confirm": "y"})
        assert _refused(response) == expected, (action, role, response.status_code)
    if expected != "no":  # nothing any refused button would have done was done
        assert _job(app, flaky).state == "failed"
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(BackgroundJob)) == 1


def test_administrators_see_links_to_the_jobs_and_failed_mail_and_nobody_else_does(app, auth):
    admin_page = _html(auth.as_("admin").get("/"))
    assert '<a href="/admin/jobs">Background jobs</a>' in admin_page
    assert '<a href="/admin/mail">Mail that failed</a>' in admin_page
    for role in ("official", "citizen"):
        page = _html(auth.as_(role).get("/"))
        assert "/admin/jobs" not in page and "/admin/mail" not in page


@pytest.mark.parametrize("role", ROLES)
def test_the_progress_of_telling_participants_is_for_officials_and_administrators(app, auth, role):
    telling = _start(app, "tell_response", "tell:response:999", "Telling", total=5, consultation_id=999)
    reindexing = _start(app, "reindex", "reindex", "Rebuilding the search index", total=7)
    client = _client(app, auth, role)
    answers = {job: client.get(f"/jobs/{job}/progress") for job in (telling, reindexing)}
    sees_telling = role in ("official", "admin")
    assert answers[telling].status_code == (200 if sees_telling else 404)
    assert answers[reindexing].status_code == (200 if role == "admin" else 404)
    for response in answers.values():
        assert response.is_json  # never a sign-in page or an HTML error for the script
        if response.status_code == 404:
            assert response.get_json()["message"] == "There is no such job."
    # A job that does not exist looks the same as one that is not yours to see.
    assert client.get("/jobs/999999/progress").status_code == 404


# --------------------------------------------------------------------------- the jobs pages


def test_with_no_jobs_the_page_says_so_and_offers_the_rebuild(app, auth):
    html = _html(auth.as_("admin").get("/admin/jobs"))
    assert "No background jobs have run yet." in html
    assert "<button type=\"submit\" class=\"button button-secondary\">Rebuild the search index</button>" in html


def test_a_failed_job_shows_administrators_why_with_the_traceback_and_can_be_tried_again(app, auth, flaky):
    admin = auth.as_("admin")
    listing = _html(admin.get("/admin/jobs"))
    row = re.search(rf"<tr>\s*<th scope=\"row\"><a href=\"/admin/jobs/{flaky}\">Something flaky</a></th>.*?</tr>",
                    listing, re.S)
    assert row, listing
    assert "Failed" in row.group(0) and "RuntimeError: the disk was full" in row.group(0)
    assert "0 of 10" in row.group(0) and "the system" in row.group(0)

    page = _html(admin.get(f"/admin/jobs/{flaky}"))
    assert "<h2 id=\"failure-heading\">Why it failed</h2>" in page
    assert "RuntimeError: the disk was full" in page
    assert "Traceback (most recent call last)" in page and "raise RuntimeError" in page
    assert ">Try again</button>" in page
    assert "Stopped after 0 of 10: RuntimeError: the disk was full" in page
    assert "Reload to see progress" not in page  # a failed job has finished: nothing to wait for

    response = admin.post(f"/admin/jobs/{flaky}/retry")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/admin/jobs/{flaky}")
    page = _html(admin.get(f"/admin/jobs/{flaky}"))
    assert "“Something flaky” is waiting for a worker again" in page
    assert "Waiting for a worker" in page and "Reload to see progress" in page
    assert "Why it failed" not in page and ">Try again</button>" not in page
    run_jobs(app)
    page = _html(admin.get(f"/admin/jobs/{flaky}"))
    assert "<dt>State</dt><dd>Finished</dd>" in page and "Traceback" not in page
    assert _job(app, flaky).attempts == 2

    # Trying a finished job again is refused with the reason, on the same page.
    response = admin.post(f"/admin/jobs/{flaky}/retry", follow_redirects=True)
    assert "Only a failed job can be retried; this one is done." in _html(response)
    response = admin.post("/admin/jobs/999999/retry", follow_redirects=True)
    assert "There is no such job." in _html(response) and "<h1>Background jobs</h1>" in _html(response)
    assert admin.get("/admin/jobs/999999").status_code == 404


def test_a_job_of_a_kind_this_release_does_not_know_fails_with_a_plain_reason(app, auth):
    job_id = _start(app, "from-a-newer-release", "newer", "Something new")
    run_jobs(app)
    page = _html(auth.as_("admin").get(f"/admin/jobs/{job_id}"))
    assert "This release does not know how to run a job of kind &#39;from-a-newer-release&#39;." in page


def test_the_rebuild_button_starts_one_rebuild_and_its_page_shows_it_done(app, auth, make_consultation,
                                                                          make_user, make_comment):
    app.config["SEARCH_ENGINE"] = "whoosh"  # a rebuild is Whoosh's (PostgreSQL's search has none)
    parking = make_consultation()
    for name in ("Ann", "Bob"):
        make_comment(parking, make_user(name=name), body=f"{name} thinks hourly fees hurt carers.")
    admin = auth.as_("admin")
    response = admin.post("/admin/jobs/reindex")
    assert response.status_code == 303
    location = response.headers["Location"]
    job_id = int(location.rsplit("/", 1)[1])
    page = _html(admin.get(location))
    assert "The search index is being rebuilt." in page
    assert "Waiting for a worker to start: 2 comments to index." in page
    assert "Reload to see progress" in page and "js/progress.js" in page
    assert "<dt>Started by</dt><dd>Admin</dd>" in page

    # Pressed again while it waits: the same rebuild, not a second one.
    again = admin.post("/admin/jobs/reindex")
    assert again.headers["Location"] == location
    assert "already being rebuilt" in _html(admin.get(location))

    assert run_jobs(app) >= 1
    page = _html(admin.get(location))
    assert "The search index is rebuilt: 2 comments indexed." in page
    assert "<dt>State</dt><dd>Finished</dd>" in page
    assert "Reload to see progress" not in page and "js/progress.js" not in page
    assert admin.get(f"/jobs/{job_id}/progress").get_json() == {
        "id": job_id, "title": "Rebuilding the search index", "state": "done", "total": 2, "done": 2,
        "told": None, "error": "", "finished": True, "text": "The search index is rebuilt: 2 comments indexed."}
    assert "Admin" in _html(admin.get("/admin/jobs"))  # who started it


def test_jobs_are_listed_newest_first_fifty_a_page(app, auth):
    with app.app_context():
        db.session.execute(insert(BackgroundJob), [
            {"kind": "reindex", "key": f"old-{i}", "title": f"Job number {i}", "state": "done",
             "total": 100_000, "done": 12_400, "params": {}} for i in range(1, 52)])
        db.session.commit()
    admin = auth.as_("admin")
    first = _html(admin.get("/admin/jobs"))
    assert first.count("<th scope=\"row\">") == 50
    assert first.index("Job number 51<") < first.index("Job number 50<")
    assert "Job number 1<" not in first and "12,400 of 100,000" in first
    assert "Page 1 of 2" in first and 'href="/admin/jobs?page=2">Next page' in first
    second = _html(admin.get("/admin/jobs?page=2"))
    assert second.count("<th scope=\"row\">") == 1 and "Job number 1<" in second
    assert "Job number 1<" in _html(admin.get("/admin/jobs?page=99"))  # past the end: the last page


# --------------------------------------------------------------------------- mail that failed


@pytest.fixture
def mail_app(app, smtp_server):
    app.config.update(smtp_server.config())
    return app


def _tell(app, *emails: str, subject: str = "Your comment was published") -> dict[str, int]:
    """A notification for each address (an account made for it), committed: mail follows."""
    ids = {}
    with app.app_context():
        for email in emails:
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(email=email, password_hash="x", display_name=email.split("@")[0].title())
                db.session.add(user)
                db.session.flush()
            note = notify(db.session, user.id, "decision", subject, "It is published.")
            db.session.flush()
            ids[email] = note.id
        db.session.commit()
    return ids


def test_with_no_failed_mail_the_page_says_so(app, auth):
    html = _html(auth.as_("admin").get("/admin/mail"))
    assert "No mail has failed for good." in html
    assert "0 messages are waiting to be sent." in html
    assert "Retry all" not in html


def test_mail_refused_for_good_is_listed_with_the_reason_and_sent_again_by_its_retry_button(
        mail_app, auth, smtp_server):
    smtp_server.refuse_for_good.add("gone@example.org")
    smtp_server.refuse_for_now.add("busy@example.org")
    _tell(mail_app, "gone@example.org", "ann@example.org", "busy@example.org")
    run_jobs(mail_app)
    assert [m["To"] for m in smtp_server.messages] == ["ann@example.org"]
    _tell(mail_app, "ann@example.org", subject="Another message")  # waiting: the queue has not run
    admin = auth.as_("admin")
    html = _html(admin.get("/admin/mail"))
    assert "1 message is waiting to be sent, and 1 is waiting to be tried again after a temporary failure" in html
    rows = re.findall(r"<tr>\s*<td>(.*?)</tr>", html, re.S)
    assert len(rows) == 1
    assert "gone@example.org" in rows[0] and "Your comment was published" in rows[0]
    assert "550" in rows[0] and "No such mailbox here" in rows[0] and "<td>1</td>" in rows[0]
    assert "busy@example.org" not in html and "ann@example.org" not in html

    smtp_server.refuse_for_good.clear()  # the address was fixed
    note_id = re.search(r'name="note_id" value="(\d+)"', html).group(1)
    response = admin.post("/admin/mail/retry", data={"note_id": note_id})
    assert response.status_code == 303
    assert "The message will be sent again in a moment." in _html(admin.get("/admin/mail"))
    run_jobs(mail_app)
    assert "gone@example.org" in [m["To"] for m in smtp_server.messages]
    html = _html(admin.get("/admin/mail"))
    assert "No mail has failed for good." in html and "0 messages are waiting to be sent" in html
    # The same button pressed again (a second tab): nothing is sent twice.
    admin.post("/admin/mail/retry", data={"note_id": note_id})
    assert "no longer among those that failed" in _html(admin.get("/admin/mail"))
    run_jobs(mail_app)
    assert [m["To"] for m in smtp_server.messages].count("gone@example.org") == 1


def test_retry_all_needs_the_box_ticked_then_sends_every_failed_message_again(mail_app, auth, smtp_server):
    smtp_server.refuse_for_good.update({"gone@example.org", "moved@example.org"})
    _tell(mail_app, "gone@example.org", "moved@example.org")
    run_jobs(mail_app)
    admin = auth.as_("admin")
    html = _html(admin.get("/admin/mail"))
    assert "2 messages failed." in html
    assert "Yes, try sending all 2 messages that failed again" in html
    smtp_server.refuse_for_good.clear()

    response = admin.post("/admin/mail/retry-all", data={})
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/mail#retry-all")
    html = _html(admin.get("/admin/mail"))
    assert "Nothing was sent again: tick the box to confirm" in html and "2 messages failed." in html
    run_jobs(mail_app)
    assert smtp_server.messages == []

    admin.post("/admin/mail/retry-all", data={"confirm": "y"})
    assert "2 messages will be sent again in a moment." in _html(admin.get("/admin/mail"))
    run_jobs(mail_app)
    assert sorted(m["To"] for m in smtp_server.messages) == ["gone@example.org", "moved@example.org"]
    assert "No mail has failed for good." in _html(admin.get("/admin/mail"))


def test_failed_mail_is_listed_fifty_a_page(app, auth):
    with app.app_context():
        user = User(email="gone@example.org", password_hash="x", display_name="Gone")
        db.session.add(user)
        db.session.flush()
        now = utcnow()
        db.session.execute(insert(Notification), [
            {"user_id": user.id, "kind": "decision", "subject": f"Message {i}", "body": "x",
             "mail_failed_at": now - timedelta(minutes=100 - i), "mail_attempts": 1,
             "mail_error": "550 No such mailbox"} for i in range(1, 52)])
        db.session.commit()
    admin = auth.as_("admin")
    first = _html(admin.get("/admin/mail"))
    assert first.count('name="note_id"') == 50 and "Message 51<" in first and "Message 1<" not in first
    assert "51 messages failed, 50 a page." in first and "Page 1 of 2" in first
    second = _html(admin.get("/admin/mail?page=2"))
    assert second.count('name="note_id"') == 1 and "Message 1<" in second


# --------------------------------------------------------------------------- telling participants


def _ready_to_publish(app, make_consultation, make_user, make_comment, people: int) -> tuple[str, int]:
    """A consultation that has closed, with one published comment from each of `people`
    citizens, all counted under a theme with its outcome, and a draft response; its slug and the
    id of an official."""
    made = make_consultation(slug="parking")
    for n in range(people):
        make_comment(made, make_user(name=f"Person {n}"), body=f"Comment number {n} on the fees.")
    official = make_user(name="Olive", role="official")
    with app.app_context():
        consultation = db.session.get(Consultation, made.id)
        consultation.closes_at = utcnow() - timedelta(minutes=1)
        theme = responses.create_theme(db.session, consultation, "Fees", official)
        comment_ids = list(db.session.scalars(select(Comment.id).where(Comment.consultation_id == made.id)))
        assert len(comment_ids) == people
        responses.count_under_theme(db.session, consultation, theme.id, comment_ids, official)
        responses.update_theme(db.session, theme, expected_revision=theme.revision, actor_id=official,
                               title="Fees", said="Fees are high.", outcome="no_change", reasons="Reasons.")
        responses.save_draft(db.session, consultation, "We read every comment.", "Next steps.")
        db.session.commit()
    return made.slug, official


def _telling_job(app, slug: str) -> BackgroundJob:
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        job = jobs.latest_job(db.session, tell_key(consultation))
        db.session.expunge(job)
        return job


def test_after_publishing_officials_see_participants_being_told_until_all_have_been(
        app, auth, make_consultation, make_user, make_comment):
    slug, official = _ready_to_publish(app, make_consultation, make_user, make_comment, 3)
    olive = auth.client_for(official)
    response = olive.post(f"/manage/{slug}/response/publish")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/c/{slug}/response")

    page = _html(olive.get(f"/c/{slug}/response"))
    assert "We are telling 3 participants; none told yet." in page
    assert f'<a href="/c/{slug}/response">Reload to see progress</a>' in page
    assert 'aria-live="polite"' in page and "js/progress.js" in page
    assert "We are telling 3 participants" in _html(olive.get(f"/manage/{slug}/response"))
    # The public, and citizens, read the response without the box.
    for reader in (app.test_client(), auth.as_("citizen")):
        public = _html(reader.get(f"/c/{slug}/response"))
        assert "Our response:" in public
        assert "Telling the participants" not in public and "js/progress.js" not in public

    job = _telling_job(app, slug)
    progress_url = f"/jobs/{job.id}/progress"
    assert olive.get(progress_url).get_json() == {
        "id": job.id, "title": "Telling the participants in “Parking Policy” about the response",
        "state": "queued", "total": 3, "done": 0, "told": 0, "error": "", "finished": False,
        "text": "We are telling 3 participants; none told yet."}

    # A worker records everyone's message, and one has been mailed so far.
    with app.app_context():
        assert run_job(db.session, job.id, app.config)
        assert deliver_due(db.session, app.config, limit=1).sent == 1
    assert "We are telling 3 participants; 1 told so far." in _html(olive.get(f"/c/{slug}/response"))
    assert olive.get(progress_url).get_json()["finished"] is False

    run_jobs(app)  # the rest of the mail
    page = _html(olive.get(f"/c/{slug}/response"))
    assert "All 3 participants have been told." in page
    assert "Reload to see progress" not in page and "js/progress.js" not in page
    data = olive.get(progress_url).get_json()
    assert (data["state"], data["done"], data["told"], data["finished"]) == ("done", 3, 3, True)
    assert data["text"] == "All 3 participants have been told."


def test_when_telling_participants_fails_officials_are_told_an_administrator_knows_why(
        app, auth, monkeypatch, make_consultation, make_user, make_comment):
    def broken(session, job, config):
        raise RuntimeError("secret internal detail")

    monkeypatch.setitem(jobs.KINDS, "tell_response", broken)
    slug, official = _ready_to_publish(app, make_consultation, make_user, make_comment, 2)
    olive = auth.client_for(official)
    olive.post(f"/manage/{slug}/response/publish")
    run_jobs(app)
    job = _telling_job(app, slug)

    for page in (f"/c/{slug}/response", f"/manage/{slug}/response"):
        html = _html(olive.get(page))
        assert "Telling participants stopped: an administrator has been shown why." in html
        assert "secret internal detail" not in html and "Traceback" not in html
    data = olive.get(f"/jobs/{job.id}/progress").get_json()
    assert data["state"] == "failed" and data["finished"] is True
    assert data["error"] == "" and "traceback" not in data
    assert "secret internal detail" not in str(data)
    # A citizen (a participant) meets neither the reason nor the traceback anywhere.
    citizen = auth.client_for("person.0@example.org")
    for url in (f"/c/{slug}/response", f"/jobs/{job.id}/progress", f"/admin/jobs/{job.id}", "/admin/jobs"):
        html = _html(citizen.get(url))
        assert "secret internal detail" not in html and "Traceback" not in html, url

    admin = auth.as_("admin")
    html = _html(admin.get(f"/admin/jobs/{job.id}"))
    assert "RuntimeError: secret internal detail" in html and "Traceback (most recent call last)" in html
    assert admin.get(f"/jobs/{job.id}/progress").get_json()["error"] == "RuntimeError: secret internal detail"

    # Fixed, and tried again from the administrators' page: everyone is told.
    monkeypatch.undo()
    admin.post(f"/admin/jobs/{job.id}/retry")
    run_jobs(app)
    assert "All 2 participants have been told." in _html(olive.get(f"/c/{slug}/response"))


def test_publishing_a_new_version_says_how_many_are_being_told_and_the_manage_page_follows_it(
        app, auth, make_consultation, make_user, make_comment):
    made = make_consultation(slug="parking")
    for n in range(2):
        make_comment(made, make_user(name=f"Person {n}"), body=f"Comment number {n} on the fees.")
    olive = auth.as_("official")
    assert "Telling the participants" not in _html(olive.get("/manage/parking"))  # version 1: nobody to tell
    response = olive.post("/manage/parking/versions/new",
                          data={"markdown": PARKING_V2, "note": "Fees are monthly.", "action": "publish"})
    assert response.status_code == 303
    changes = _html(olive.get(response.headers["Location"]))
    assert "Version 2 is published. We are telling 2 participants about it" in changes
    page = _html(olive.get("/manage/parking"))
    assert "Telling the participants about version 2" in page
    assert "We are telling 2 participants; none told yet." in page and "Reload to see progress" in page
    run_jobs(app)
    page = _html(olive.get("/manage/parking"))
    assert "All 2 participants have been told." in page and "Reload to see progress" not in page


def test_the_words_for_progress_use_thousands_separators():
    def p(state, total, done, told=None, error=""):
        return jobs.Progress(id=1, title="t", state=state, total=total, done=done, error=error, told=told)

    assert progress_text("tell_response", p("running", 100_000, 50_000, 12_400), admin=False) == \
        "We are telling 100,000 participants; 12,400 told so far."
    assert progress_text("tell_response", p("queued", 100_000, 0, 0), admin=False) == \
        "We are telling 100,000 participants; none told yet."
    # The job has recorded everyone, but the mail is still going out: not finished.
    assert progress_text("tell_version", p("done", 100_000, 100_000, 99_999), admin=False) == \
        "We are telling 100,000 participants; 99,999 told so far."
    assert progress_text("tell_version", p("done", 100_000, 100_000, 100_000), admin=False) == \
        "All 100,000 participants have been told."
    assert progress_text("tell_version", p("done", 1, 1, 1), admin=False) == "The one participant has been told."
    assert progress_text("tell_response", p("failed", 100_000, 500, 20, "OSError: x"), admin=False) == \
        "Telling participants stopped: an administrator has been shown why."
    assert progress_text("tell_response", p("failed", 100_000, 500, 20, "OSError: x"), admin=True) == \
        "Telling participants stopped after 500 of 100,000: OSError: x"
    assert progress_text("reindex", p("running", 100_000, 12_400), admin=True) == \
        "12,400 of 100,000 comments indexed so far."
