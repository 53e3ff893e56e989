"""Background jobs as database rows: starting one (once per key), claiming it for a worker,
progress, failure with its traceback, and retrying. Plain SQLAlchemy: no Flask, no queue.

The queue (consult.jobs.queue) only carries a job's id to a worker; everything a page or the
CLI shows about a job is read from its row here, so progress survives a worker or the queue
going away, and a job can be resumed or retried by id.
"""
from __future__ import annotations

import logging
import threading
import traceback as tb
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from consult.database import writing
from consult.i18n import N_, gettext
from consult.models import BackgroundJob, JobState, Notification, User, utcnow
from moderation.db import DbSession

log = logging.getLogger(__name__)

# session.info key: ids of jobs started in this transaction, put on the queue once it commits.
STARTED = "consult.jobs_started"
ACTIVE = (JobState.QUEUED.value, JobState.RUNNING.value)
# A running job whose worker has not touched it for this long is taken to have died.
STALE_AFTER = timedelta(minutes=2)


class JobError(Exception):
    """A request about a job that cannot be met; the message says why.

    The message is kept as marked (N_), its params apart, so the page that shows it translates it
    (`text()`): this module runs in workers too, where nobody reads it."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message_id = message
        self.params = params

    def text(self) -> str:
        """The message in the reader's language."""
        return gettext(self.message_id, **self.params)


# A job's state in words (jobs.state).
STATE_WORDS = {
    JobState.QUEUED.value: N_("Waiting for a worker"),
    JobState.RUNNING.value: N_("Running"),
    JobState.DONE.value: N_("Finished"),
    JobState.FAILED.value: N_("Failed"),
}

# Why a job that has not failed cannot be retried, a whole sentence per state.
_NOT_FAILED = {
    JobState.QUEUED.value: N_("Only a failed job can be retried; this one is waiting for a worker."),
    JobState.RUNNING.value: N_("Only a failed job can be retried; this one is running."),
    JobState.DONE.value: N_("Only a failed job can be retried; this one is done."),
}


def state_word(state: str) -> str:
    """A job's state in the reader's language."""
    return gettext(STATE_WORDS[state]) if state in STATE_WORDS else state


# What each kind of job does: `(session, job, config) -> None`, working in steps that each
# commit with `record_progress` (how many done, where to resume), so a job taken over after its
# worker died, or retried after it failed, carries on where it stopped. The areas register
# their kinds where the work is defined (so consult.jobs imports none of them).
Runner = Callable[[DbSession, BackgroundJob, Mapping], None]
KINDS: dict[str, Runner] = {}


def job_kind(name: str) -> Callable[[Runner], Runner]:
    """Register a function as the runner of a kind of job."""

    def register(runner: Runner) -> Runner:
        KINDS[name] = runner
        return runner

    return register


def fan_out(name: str, step: Callable[[DbSession, BackgroundJob], int]) -> None:
    """Register a job kind that repeats a step (which records one chunk and its progress) until it does nothing."""

    def run(session: DbSession, job: BackgroundJob, config: Mapping) -> None:
        while step(session, job):
            session.commit()  # the chunk, its progress and its heartbeat; its mail is queued on commit
        session.commit()

    KINDS[name] = run


def start_job(session: DbSession, kind: str, key: str, title: str, *, total: int = 0,
              params: dict | None = None, started_by: int | None = None) -> BackgroundJob:
    """Record a job to run once this transaction commits; or the one with this key already waiting or running."""
    existing = active_job(session, key)
    if existing is not None:
        return existing
    # enqueued_at is set now: the job goes on the queue when this commits; if that fails, the
    # sweep finds it waiting (needing_a_worker) and puts it on again.
    job = BackgroundJob(kind=kind, key=key, title=title[:300], total=total, params=params or {},
                        started_by=started_by, enqueued_at=utcnow())
    session.add(job)
    session.flush()
    session.info.setdefault(STARTED, []).append(job.id)
    return job


def active_job(session: DbSession, key: str) -> BackgroundJob | None:
    """The queued or running job with this key, if any."""
    return session.scalar(select(BackgroundJob).where(BackgroundJob.key == key, BackgroundJob.state.in_(ACTIVE))
                          .order_by(BackgroundJob.id).limit(1))


def latest_job(session: DbSession, key: str) -> BackgroundJob | None:
    """The most recent job with this key, whatever its state."""
    return session.scalar(select(BackgroundJob).where(BackgroundJob.key == key)
                          .order_by(BackgroundJob.id.desc()).limit(1))


def claim(session: DbSession, job_id: int, now: datetime | None = None) -> bool:
    """Take a job for this worker: True when it was waiting, or running on a worker that died.

    One UPDATE decides, so two workers given the same job (it was enqueued twice, or a retry
    raced a sweep) never both run it: the second finds the row no longer claimable.
    """
    now = now or utcnow()
    claimable = (BackgroundJob.state == JobState.QUEUED.value) | (
        (BackgroundJob.state == JobState.RUNNING.value) & (BackgroundJob.heartbeat_at < now - STALE_AFTER))
    result = session.execute(
        update(BackgroundJob).where(BackgroundJob.id == job_id, claimable)
        .values(state=JobState.RUNNING.value, heartbeat_at=now, attempts=BackgroundJob.attempts + 1,
                started_at=func.coalesce(BackgroundJob.started_at, now)))
    session.commit()
    return bool(getattr(result, "rowcount", 0))


def record_progress(session: DbSession, job: BackgroundJob, done: int, cursor: int | None = None) -> None:
    """Note how far a running job has got (and where to resume), with its heartbeat; not committed."""
    job.done = done
    if cursor is not None:
        job.cursor = cursor
    job.heartbeat_at = utcnow()


@contextmanager
def keep_alive(bind: Engine | Connection, job_id: int, every: float = 30.0) -> Iterator[None]:
    """Touch the job's heartbeat every `every` seconds, from a thread with its own session, while
    the block computes for longer than STALE_AFTER without a chance to record progress (the
    theme analysis of 100,000 comments); otherwise another worker would take the job over."""
    stop = threading.Event()
    engine = bind.engine if isinstance(bind, Connection) else bind

    def beat() -> None:
        with writing():  # this thread's own context: its transactions write (BEGIN IMMEDIATE on SQLite)
            while not stop.wait(every):
                try:
                    with Session(engine) as beats:
                        beats.execute(update(BackgroundJob).where(BackgroundJob.id == job_id,
                                                                  BackgroundJob.state == JobState.RUNNING.value)
                                      .values(heartbeat_at=utcnow()))
                        beats.commit()
                except OperationalError:  # the database busy for longer than its timeout: next time
                    log.warning("could not touch the heartbeat of job %s", job_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def finish(session: DbSession, job_id: int) -> None:
    """Mark a job done (committed)."""
    session.execute(update(BackgroundJob).where(BackgroundJob.id == job_id)
                    .values(state=JobState.DONE.value, finished_at=utcnow(), error="", heartbeat_at=None))
    session.commit()


def fail(session: DbSession, job_id: int, exc: BaseException) -> None:
    """Mark a job failed with a one-line reason and the traceback for administrators (committed)."""
    session.rollback()
    reason = exc.args[0] if isinstance(exc, JobError) and exc.args else f"{type(exc).__name__}: {exc}"
    session.execute(update(BackgroundJob).where(BackgroundJob.id == job_id).values(
        state=JobState.FAILED.value, finished_at=utcnow(), heartbeat_at=None, error=str(reason)[:500],
        traceback="".join(tb.format_exception(exc))[-20000:]))
    session.commit()


def retry(session: DbSession, job_id: int) -> BackgroundJob:
    """Put a failed job back on the queue (it resumes where it stopped); not committed."""
    job = session.get(BackgroundJob, job_id)
    if job is None:
        raise JobError(N_("There is no such job."))
    if job.state != JobState.FAILED.value:
        raise JobError(_NOT_FAILED.get(job.state, N_("Only a failed job can be retried.")))
    if active_job(session, job.key) is not None:
        raise JobError(N_("The same job is already waiting or running."))
    job.state = JobState.QUEUED.value
    job.error = ""
    job.finished_at = None
    job.enqueued_at = utcnow()
    session.flush()
    session.info.setdefault(STARTED, []).append(job.id)
    return job


def needing_a_worker(session: DbSession, now: datetime | None = None, lost_after: timedelta = STALE_AFTER) -> list[int]:
    """Jobs the queue may have lost: queued but not enqueued (or long ago), or running on a dead worker."""
    now = now or utcnow()
    cutoff = now - lost_after
    waiting = (BackgroundJob.state == JobState.QUEUED.value) & (
        BackgroundJob.enqueued_at.is_(None) | (BackgroundJob.enqueued_at < cutoff))
    orphaned = (BackgroundJob.state == JobState.RUNNING.value) & (BackgroundJob.heartbeat_at < cutoff)
    return list(session.scalars(select(BackgroundJob.id).where(waiting | orphaned).order_by(BackgroundJob.id)))


def mark_enqueued(session: DbSession, job_ids: list[int]) -> None:
    """Note that these jobs were put on the queue now (committed)."""
    if job_ids:
        session.execute(update(BackgroundJob).where(BackgroundJob.id.in_(job_ids)).values(enqueued_at=utcnow()))
        session.commit()


@dataclass(frozen=True)
class Progress:
    """What a page says about a job: how many of how many, and whether it is over."""

    id: int
    title: str
    state: str
    total: int
    done: int
    error: str
    told: int | None = None  # a fan-out job: how many of its messages have been sent

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE.value, JobState.FAILED.value) and (
            self.told is None or self.told >= self.done or self.state == JobState.FAILED.value)

    def as_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "state": self.state, "total": self.total,
                "done": self.done, "told": self.told, "error": self.error, "finished": self.finished}


def progress(session: DbSession, job: BackgroundJob) -> Progress:
    """A job's progress; for a fan-out job also how many of its messages were mailed (or given up)."""
    told = None
    if job.kind.startswith("tell"):
        told = session.scalar(select(func.count()).select_from(Notification).where(
            Notification.job_id == job.id,
            Notification.mailed_at.is_not(None) | Notification.mail_failed_at.is_not(None))) or 0
    return Progress(id=job.id, title=job.title, state=job.state, total=job.total, done=job.done,
                    error=job.error, told=told)


def recent_jobs(session: DbSession, page: int = 1, per_page: int = 50) -> tuple[list[BackgroundJob], int]:
    """Jobs newest first, one page, and how many there are."""
    total = session.scalar(select(func.count()).select_from(BackgroundJob)) or 0
    jobs = list(session.scalars(select(BackgroundJob).order_by(BackgroundJob.id.desc())
                                .offset((page - 1) * per_page).limit(per_page)))
    return jobs, total


@dataclass
class JobPage:
    """One page of background jobs, newest first, with the names of the people who started them."""

    jobs: list[BackgroundJob]
    total: int
    page: int
    per_page: int
    started_by: dict[int, str]  # user id -> display name

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def jobs_page(session: DbSession, page: int = 1, per_page: int = 50) -> JobPage:
    """A page of recent jobs (a page past the last shows the last), with who started each."""
    page = max(1, page)
    jobs, total = recent_jobs(session, page, per_page)
    last = max(1, -(-total // per_page))
    if page > last:
        page = last
        jobs, total = recent_jobs(session, page, per_page)
    return JobPage(jobs, total, page, per_page, starter_names(session, [j.started_by for j in jobs]))


def starter_names(session: DbSession, user_ids: list[int | None]) -> dict[int, str]:
    """The display names of these users (ids of jobs' `started_by`; None is skipped)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {row.id: row.display_name for row in rows}
