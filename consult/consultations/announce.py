"""Telling a consultation's participants that a new version of its document is published:
a job (consult.jobs) that records one notification per participant, in chunks."""
from __future__ import annotations

from consult.jobs.service import fan_out, record_progress, start_job
from consult.models import BackgroundJob, Consultation, DocumentVersion
from consult.notifications import notify_each, participant_count, participant_ids, site_path
from moderation.db import DbSession

CHUNK = 500  # participants told per step (one commit each)


def announce_version(session: DbSession, consultation: Consultation, version: DocumentVersion,
                     actor_id: int | None) -> BackgroundJob | None:
    """Start the job telling everyone with a published comment about this version (after commit)."""
    participants = participant_count(session, consultation.id)
    if not participants:
        return None
    return start_job(session, "tell_version", f"tell:version:{version.id}",
                     f"Telling the participants in “{consultation.title}” about version {version.number}",
                     total=participants, started_by=actor_id,
                     params={"consultation_id": consultation.id, "version_id": version.id})


def tell_version_step(session: DbSession, job: BackgroundJob) -> int:
    """Tell the next chunk of participants (after job.cursor); how many (0: done)."""
    consultation = session.get(Consultation, job.params["consultation_id"])
    version = session.get(DocumentVersion, job.params["version_id"])
    if consultation is None or version is None:
        return 0
    authors = list(session.scalars(participant_ids(consultation.id, after=job.cursor).limit(CHUNK)))
    if not authors:
        return 0
    compared: dict = {"from": version.number - 1, "to": version.number}  # "from" is a keyword
    changes = site_path("consultations.changes", slug=consultation.slug, **compared)
    subject = f"Version {version.number} of “{consultation.title}” is published"
    body = (f"The department has published version {version.number} of the document you commented on.\n\n"
            f"What changed, in the department's words: {version.note}\n\n"
            "See every change, paragraph by paragraph:")
    notify_each(session, ((author_id, body) for author_id in authors), "version", subject, link=changes, job_id=job.id)
    record_progress(session, job, job.done + len(authors), cursor=authors[-1])
    return len(authors)


fan_out("tell_version", tell_version_step)
