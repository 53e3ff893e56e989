"""Telling a consultation's participants that a new version of its document is published:
a job (consult.jobs) that records one notification per participant, in chunks."""
from __future__ import annotations

from consult.i18n import gettext
from consult.jobs.service import fan_out, record_progress, start_job
from consult.models import BackgroundJob, Consultation, DocumentVersion
from consult.notifications import notify_each_written, participant_count, participant_ids, site_path
from moderation.db import DbSession

CHUNK = 500  # participants told per step (one commit each)


def announce_version(session: DbSession, consultation: Consultation, version: DocumentVersion,
                     actor_id: int | None) -> BackgroundJob | None:
    """Start the job telling everyone with a published comment about this version (after commit)."""
    participants = participant_count(session, consultation.id)
    if not participants:
        return None
    return start_job(session, "tell_version", f"tell:version:{version.id}",
                     gettext("Telling the participants in “%(title)s” about version %(number)s",
                             title=consultation.title, number=version.number),
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

    def write(_author_id: int) -> tuple[str, str]:  # in each participant's language
        subject = gettext("Version %(number)s of “%(title)s” is published", number=version.number,
                          title=consultation.title)
        body = "\n\n".join([
            gettext("The department has published version %(number)s of the document you commented on.",
                    number=version.number),
            gettext("What changed, in the department's words: %(note)s", note=version.note),
            gettext("See every change, paragraph by paragraph:")])
        return subject, body

    notify_each_written(session, authors, "version", write, link=changes, job_id=job.id)
    record_progress(session, job, job.done + len(authors), cursor=authors[-1])
    return len(authors)


fan_out("tell_version", tell_version_step)
