"""What the queue's tasks do, inside the app: deliver mail, run a job by its kind, sweep.

The kinds themselves are registered by the areas (consult.jobs.service.KINDS).
"""
from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Flask
from sqlalchemy.orm import Session

from consult.database import writing
from consult.extensions import db
from consult.i18n import N_
from consult.jobs import service
from consult.models import BackgroundJob
from consult.notifications import deliver_all_due, due_count

log = logging.getLogger(__name__)

def run_task(app: Flask, name: str, args: tuple) -> None:
    """Run one of the queue's tasks in this app (the worker's entry point)."""
    with app.app_context(), writing(), Session(db.engine) as session:
        if name == "deliver_mail":
            from consult.jobs import jobs_of

            deliver_all_due(session, app.config, marks=jobs_of(app).marks)
        elif name == "run_job":
            run_job(session, int(args[0]), app.config)
        elif name == "sweep":
            sweep(session, app.config)
        else:  # pragma: no cover - a task from a newer release on a shared queue
            log.error("unknown task %r", name)


def run_job(session: Session, job_id: int, config: Mapping) -> bool:
    """Run a job if no other worker has it; a failure is recorded on the job, never raised."""
    if not service.claim(session, job_id):
        return False
    job = session.get(BackgroundJob, job_id)
    if job is None:  # pragma: no cover - claimed rows exist
        return False
    kind = service.KINDS.get(job.kind)
    try:
        if kind is None:
            raise service.JobError(N_("This release does not know how to run a job of kind %(kind)s."),
                                   kind=repr(job.kind))
        kind(session, job, config)
    except Exception as exc:  # noqa: BLE001 - recorded for administrators with its traceback
        log.exception("job %s (%s) failed", job_id, job.kind)
        service.fail(session, job_id, exc)
        return False
    service.finish(session, job_id)
    return True


def sweep(session: Session, config: Mapping) -> None:
    """Put back on the queue what it lost, and send due mail (every minute, on every worker)."""
    from flask import current_app

    from consult.jobs import jobs_of

    lost = service.needing_a_worker(session)
    session.commit()
    if lost:
        service.mark_enqueued(session, lost)
        for job_id in lost:
            jobs_of(current_app).run_job(job_id)
    if due_count(session):
        session.commit()
        deliver_all_due(session, config, marks=jobs_of(current_app).marks)
    session.commit()
