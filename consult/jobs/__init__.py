"""Background work: mail, telling every participant, reindexing, analysis, off the request.

- `consult.jobs.service`: jobs as database rows (start once per key, claim, progress, failure
  with traceback, retry). Services call `start_job` inside their own transaction.
- `consult.jobs.queue`: the Huey queue (SQLite file by default, Redis with REDIS_URL), which
  only carries ids.
- `consult.jobs.kinds`: what each kind of job does, and the mail and sweep tasks.
- this module: wiring into the app. When any session commits, the jobs it started and the mail
  its notifications need are put on the queue (never before: a rolled-back change starts
  nothing). `consult worker` runs the queue; `make run` starts one beside the web process.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from consult.jobs import queue
from consult.jobs.service import STARTED
from consult.notifications import PENDING, SentMarks

EXTENSION = "consult.jobs"


@dataclass
class Jobs:
    """The app's queue and its tasks (app.extensions["consult.jobs"])."""

    huey: Any  # huey.api.Huey (consult.jobs.queue is the one module that imports huey)
    tasks: dict
    marks: SentMarks  # where each message the mail server accepted is marked before the next

    def deliver_mail(self) -> bool:
        return queue.put(self.tasks["deliver_mail"])

    def run_job(self, job_id: int) -> bool:
        return queue.put(self.tasks["run_job"], job_id)

    def drain(self) -> int:
        return queue.drain(self.huey)


def init_app(app: Flask) -> None:
    """Make the app's queue and declare its tasks, run inside this app."""
    from consult.jobs import kinds

    huey = queue.make_huey(app.config)
    tasks = queue.register(huey, lambda name, args: kinds.run_task(app, name, args))
    jobs = Jobs(huey=huey, tasks=tasks, marks=queue.sent_marks(huey, app.config))
    app.extensions[EXTENSION] = jobs
    app.extensions["consult.run_jobs"] = jobs.drain  # tests/support/jobs.py
    _listen_once()


def jobs_of(app: Flask) -> Jobs:
    """The app's queue."""
    return app.extensions[EXTENSION]


_listening = False


def _listen_once() -> None:
    global _listening
    if not _listening:
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
        _listening = True


def _after_commit(session: Session) -> None:
    started = session.info.pop(STARTED, None)
    mail = session.info.pop(PENDING, False)
    if not (started or mail) or not has_app_context() or EXTENSION not in current_app.extensions:
        return  # a script with no app: the sweep of a running worker picks the work up
    jobs = jobs_of(current_app)
    for job_id in started or ():
        jobs.run_job(job_id)
    if mail:
        jobs.deliver_mail()


def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction: nothing it did stands
        session.info.pop(STARTED, None)
        session.info.pop(PENDING, None)
