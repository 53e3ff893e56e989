"""The job queue on its real storages (a SQLite file; Redis at 127.0.0.1:6379), and jobs as rows:
started once per key, claimed by one worker, resumed after a worker dies, failures recorded."""
from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import fresh_app
from sqlalchemy import func, insert, select, update
from support.jobs import run_jobs

from consult.extensions import db
from consult.jobs import jobs_of
from consult.jobs import service as jobs
from consult.jobs.kinds import run_job, run_task
from consult.models import BackgroundJob, Comment, CommentStatus, Consultation, JobState, Notification, User, utcnow
from consult.notifications import notify
from consult.responses import service as responses


def _user(app, email: str) -> int:
    with app.app_context():
        user = User(email=email, password_hash="x", display_name=email.split("@")[0].title())
        db.session.add(user)
        db.session.commit()
        return user.id


def test_a_commit_puts_its_mail_on_the_queue_and_a_rollback_nothing(queued_app):
    huey = jobs_of(queued_app).huey
    ann = _user(queued_app, "ann@example.org")
    with queued_app.app_context():
        notify(db.session, ann, "decision", "Undone", "This change was rolled back.")
        db.session.rollback()
        assert huey.pending_count() == 0
        notify(db.session, ann, "decision", "Done", "This change stands.")
        db.session.commit()
        assert huey.pending_count() == 1
    assert run_jobs(queued_app) == 1
    with queued_app.app_context():
        assert db.session.scalar(select(Notification.mailed_at).where(Notification.subject == "Done"))
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 1


def test_a_job_is_started_once_per_key_and_claimed_by_one_worker(app):
    with app.app_context():
        first = jobs.start_job(db.session, "reindex", "reindex", "Rebuilding")
        again = jobs.start_job(db.session, "reindex", "reindex", "Rebuilding")
        db.session.commit()
        assert first.id == again.id
        assert jobs.claim(db.session, first.id) is True
        assert jobs.claim(db.session, first.id) is False  # a second worker given the same id
        # Its worker dies: after a while without a heartbeat another worker takes it over.
        stale = utcnow() - jobs.STALE_AFTER - timedelta(seconds=1)
        db.session.execute(update(BackgroundJob).values(heartbeat_at=stale))
        db.session.commit()
        assert jobs.needing_a_worker(db.session) == [first.id]
        assert jobs.claim(db.session, first.id) is True
        assert db.session.get(BackgroundJob, first.id).attempts == 2


def test_a_failing_job_records_why_for_administrators_and_can_be_retried(app):
    calls = []

    @jobs.job_kind("test-flaky")
    def flaky(session, job, config):
        calls.append(job.id)
        if len(calls) == 1:
            raise RuntimeError("the disk was full")

    try:
        with app.app_context():
            job_id = jobs.start_job(db.session, "test-flaky", "flaky", "Something flaky").id
            db.session.commit()
        run_jobs(app)
        with app.app_context():
            job = db.session.get(BackgroundJob, job_id)
            assert job.state == JobState.FAILED.value
            assert job.error == "RuntimeError: the disk was full"
            assert "Traceback" in job.traceback and "flaky" in job.traceback
            with pytest.raises(jobs.JobError, match="Only a failed job"):
                jobs.retry(db.session, jobs.start_job(db.session, "test-flaky", "other", "Other").id)
            db.session.rollback()
            jobs.retry(db.session, job.id)
            db.session.commit()
        run_jobs(app)
        with app.app_context():
            job = db.session.get(BackgroundJob, job_id)
            assert job.state == JobState.DONE.value and job.error == "" and len(calls) == 2
    finally:
        jobs.KINDS.pop("test-flaky")


def test_a_job_of_an_unknown_kind_fails_with_a_plain_reason(app):
    with app.app_context():
        job = jobs.start_job(db.session, "from-a-newer-release", "x", "Unknown")
        db.session.commit()
        assert run_job(db.session, job.id, app.config) is False
        job = db.session.get(BackgroundJob, job.id)
        assert job.state == "failed" and "does not know how to run" in job.error


# --------------------------------------------------------------------------- telling participants


def _responded(app, make_consultation, participants: int) -> int:
    """A closed consultation with `participants` people, one published comment each, all counted."""
    made = make_consultation(open=False)
    with app.app_context():
        consultation = db.session.get(Consultation, made.id)
        version_id = consultation.versions[-1].id
        db.session.execute(insert(User), [
            {"email": f"p{i}@example.org", "password_hash": "x", "display_name": f"P{i}"}
            for i in range(participants)])
        ids = db.session.scalars(select(User.id).where(User.email.like("p%@example.org"))).all()
        db.session.execute(insert(Comment), [
            {"consultation_id": made.id, "version_id": version_id, "author_id": uid, "body": f"Comment {uid}",
             "body_html": f"<p>Comment {uid}</p>", "status": CommentStatus.PUBLISHED.value,
             "submission_key": f"k{uid}", "published_at": utcnow()} for uid in ids])
        official = db.session.scalar(select(User.id).where(User.email == "p0@example.org"))
        theme = responses.create_theme(db.session, consultation, "Everything", official)
        comment_ids = list(db.session.scalars(select(Comment.id).where(Comment.consultation_id == made.id)))
        for start in range(0, len(comment_ids), 100):
            responses.count_under_theme(db.session, consultation, theme.id, comment_ids[start:start + 100], official)
        responses.update_theme(db.session, theme, expected_revision=theme.revision, actor_id=official,
                               title="Everything", said="All of it.", outcome="no_change", reasons="Reasons.")
        responses.save_draft(db.session, consultation, "We read every comment.", "Next.")
        db.session.commit()
        return made.id


@pytest.mark.slow  # mails over a thousand people: `make test` runs it, `make test-fast` does not
def test_publishing_tells_every_participant_once_through_a_job_in_chunks(app, make_consultation):
    cid = _responded(app, make_consultation, 1203)  # three chunks of 500, and three more
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        responses.publish(db.session, consultation, None)
        db.session.commit()
        job = db.session.scalar(select(BackgroundJob).where(BackgroundJob.kind == "tell_response"))
        assert (job.total, job.done, job.state) == (1203, 0, "queued")
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    run_jobs(app)
    with app.app_context():
        job = db.session.get(BackgroundJob, job.id)
        progress = jobs.progress(db.session, job)
        assert (progress.state, progress.done, progress.told, progress.finished) == ("done", 1203, 1203, True)
        per_user = db.session.execute(select(Notification.user_id, func.count()).group_by(Notification.user_id)).all()
        assert len(per_user) == 1203 and {n for _, n in per_user} == {1}
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.mailed_at.is_(None))) == 0


def test_deleted_and_deactivated_participants_are_not_told(app, make_consultation):
    """Their comments stay counted and public; their accounts get no mail."""
    cid = _responded(app, make_consultation, 5)
    with app.app_context():
        gone = db.session.scalars(select(User).where(User.email.in_(["p1@example.org", "p2@example.org"]))).all()
        gone[0].deactivated_at = utcnow()
        gone[1].deleted_at = utcnow()
        db.session.commit()
        responses.publish(db.session, db.session.get(Consultation, cid), None)
        db.session.commit()
        job = db.session.scalar(select(BackgroundJob).where(BackgroundJob.kind == "tell_response"))
        assert job.total == 3
    run_jobs(app)
    with app.app_context():
        told = set(db.session.scalars(select(User.email).join(Notification, Notification.user_id == User.id)))
        assert told == {"p0@example.org", "p3@example.org", "p4@example.org"}


@pytest.mark.slow  # mails over a thousand people: `make test` runs it, `make test-fast` does not
def test_a_telling_job_whose_worker_died_resumes_without_telling_anyone_twice(app, make_consultation):
    cid = _responded(app, make_consultation, 1100)
    from consult.responses.publication import tell_response_step

    with app.app_context():
        responses.publish(db.session, db.session.get(Consultation, cid), None)
        db.session.commit()
        job_id = db.session.scalar(select(BackgroundJob.id))
        assert jobs.claim(db.session, job_id)
        job = db.session.get(BackgroundJob, job_id)
        assert tell_response_step(db.session, job) == 500  # one chunk, then the worker is killed
        db.session.commit()
        db.session.execute(update(BackgroundJob).values(heartbeat_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
        run_task(app, "sweep", ())  # a worker's minute sweep finds it and puts it back on the queue
    run_jobs(app)
    with app.app_context():
        job = db.session.get(BackgroundJob, job_id)
        assert (job.state, job.done, job.attempts) == ("done", 1100, 2)
        assert db.session.scalar(select(func.count(func.distinct(Notification.user_id)))) == 1100
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 1100


def test_with_redis_down_a_moderators_decision_still_answers_and_is_recorded(database_url, tmp_path):
    from support.factories import AuthActions, CommentFactory, ConsultationFactory, UserFactory
    from support.server import free_port

    from moderation.models import QueueItem

    for app in fresh_app(database_url, tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        make_user = UserFactory(app)  # nothing listens on that port: Redis is down
        consultation = ConsultationFactory(app)(mode="pre")
        comment = CommentFactory(app)(consultation, make_user("ann@example.org"), body="Monthly permits, please.")
        moderator = AuthActions(app, app.test_client(), make_user).as_("moderator")
        with app.app_context():
            item = db.session.scalar(select(QueueItem.id).where(QueueItem.comment_id == comment))
        response = moderator.post(f"/moderation/items/{item}/decide", data={"outcome": "approve"})
        assert response.status_code == 303
        with app.app_context():
            assert db.session.get(Comment, comment).status == "published"
            note = db.session.scalar(select(Notification).where(Notification.kind == "decision"))
            assert note is not None and note.mailed_at is None  # waiting for the sweep, not lost


def test_an_enqueue_that_fails_loses_nothing(database_url, tmp_path, caplog):
    from support.server import free_port

    for app in fresh_app(database_url, tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        ann = _user(app, "ann@example.org")
        with app.app_context(), caplog.at_level("WARNING"):
            notify(db.session, ann, "decision", "Still sent", "Redis was down when this was recorded.")
            job = jobs.start_job(db.session, "reindex", "reindex", "Rebuilding")
            db.session.commit()  # the commit stands although nothing could be queued
            job_id = job.id
        assert "could not put deliver_mail on the queue" in caplog.text
        assert "could not put run_job on the queue" in caplog.text
        # Redis is back (here: the app's queue moved to a SQLite file); the sweep finds both.
        from consult.jobs import queue

        jobs_of(app).huey = queue.make_huey({"QUEUE_FILE": str(tmp_path / "queue-back.sqlite3")})
        jobs_of(app).tasks = queue.register(jobs_of(app).huey, lambda name, args, app=app: run_task(app, name, args))
        with app.app_context():
            db.session.execute(update(BackgroundJob).values(enqueued_at=utcnow() - timedelta(minutes=5)))
            db.session.commit()
        run_task(app, "sweep", ())
        run_jobs(app)
        with app.app_context():
            assert db.session.scalar(select(Notification.mailed_at)) is not None
            assert db.session.get(BackgroundJob, job_id).state == "done"


def test_with_the_queues_marks_unreachable_each_message_is_marked_in_the_database(app, smtp_server, caplog):
    from support.server import free_port

    from consult.jobs import queue
    from consult.notifications import deliver_all_due

    app.config.update(smtp_server.config())
    down = queue.sent_marks(queue.make_huey({"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}), app.config)
    people = [_user(app, f"p{i}@example.org") for i in range(4)]
    with app.app_context(), caplog.at_level("WARNING"):
        for person in people:
            notify(db.session, person, "decision", "Sent anyway", "Redis is down while this is mailed.")
        db.session.commit()
        done = deliver_all_due(db.session, app.config, marks=down)
        assert done.sent == 4 and len(smtp_server.messages) == 4
        assert db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.mailed_at.is_(None))) == 0
        assert deliver_all_due(db.session, app.config, marks=down).sent == 0  # nothing twice
    assert len(smtp_server.messages) == 4
    assert "could not read the queue's marks of sent mail" in caplog.text
    assert caplog.text.count("marking each in the database") == 1
