"""Rebuilding the search index as a background job, with its progress (job kind "reindex")."""
from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import update
from sqlalchemy.orm import Session

from consult.database import reading
from consult.i18n import N_
from consult.jobs.service import job_kind, start_job
from consult.models import BackgroundJob, utcnow
from moderation.db import DbSession

from . import records
from .engines import engine
from .whoosh_engine import rebuild

KEY = "reindex"


def start_reindex(session: DbSession, started_by: int | None) -> BackgroundJob:
    """Start rebuilding this host's index (after commit), or the rebuild already under way."""
    return start_job(session, "reindex", KEY, N_("Rebuilding the search index"),  # stored in English, shown translated
                     total=records.published_comment_count(session), started_by=started_by)


@job_kind("reindex")
def reindex(session: DbSession, job: BackgroundJob, config: Mapping) -> None:
    """Rebuild the index of the worker's host, counting published comments as they are added
    (nothing to do with PostgreSQL's own search, which has no index to rebuild)."""
    job_id = job.id
    if engine(config).live:
        session.execute(update(BackgroundJob).where(BackgroundJob.id == job_id).values(total=0, done=0))
        session.commit()
        return
    done = 0
    # Progress goes through its own short transactions: the rebuild's session is reading.
    with Session(session.get_bind()) as writer:

        def progress(more: int) -> None:
            nonlocal done
            done += more
            writer.execute(update(BackgroundJob).where(BackgroundJob.id == job_id)
                           .values(done=done, heartbeat_at=utcnow()))
            writer.commit()

        session.commit()
        with reading():  # a long read: SQLite's write lock stays free for everyone else
            total = records.published_comment_count(session)
            writer.execute(update(BackgroundJob).where(BackgroundJob.id == job_id).values(total=total, done=0))
            writer.commit()
            rebuild(config["SEARCH_INDEX_DIR"], session, progress=progress)
            session.commit()
        writer.execute(update(BackgroundJob).where(BackgroundJob.id == job_id).values(done=total))
        writer.commit()
    session.commit()
