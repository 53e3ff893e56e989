"""Telling a consultation's participants that a new version of its document is published, or
that it closed early or takes comments for longer: a job (consult.jobs) that records one
notification per participant, in chunks."""
from __future__ import annotations

from datetime import datetime

from consult.consultations.history_words import TIME_FORMAT, site_zone
from consult.i18n import gettext, local_time
from consult.jobs.service import fan_out, record_progress, start_job
from consult.models import BackgroundJob, Consultation, DocumentVersion
from consult.notifications import next_participants, notify_each_written, participant_count, site_path
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
    chunk = next_participants(session, job, CHUNK)
    version = session.get(DocumentVersion, job.params["version_id"])
    if chunk is None or version is None:
        return 0
    consultation, authors = chunk
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


def dates_key(consultation_id: int, closes_at: datetime) -> str:
    """The key of the job telling participants about this closing date (one job per change)."""
    return f"tell:dates:{consultation_id}:{closes_at:%Y%m%dT%H%M%S}"


def announce_dates(session: DbSession, consultation: Consultation, change: str, reason: str,
                   previous: datetime | None, actor_id: int | None) -> BackgroundJob | None:
    """Start the job telling everyone with a published comment that the consultation closed
    early (`change` "closed_early"), that its closing date moved later ("extended") or earlier
    ("brought_forward"), after commit."""
    # Those whose comment awaits a moderator are told too: it is their comment's time to count.
    participants = participant_count(session, consultation.id, waiting=True)
    if not participants or consultation.closes_at is None:
        return None
    return start_job(session, "tell_dates", dates_key(consultation.id, consultation.closes_at),
                     gettext("Telling the participants in “%(title)s” about its closing date",
                             title=consultation.title),
                     total=participants, started_by=actor_id,
                     params={"consultation_id": consultation.id, "change": change, "reason": reason, "waiting": True,
                             "closes_at": consultation.closes_at.isoformat(),
                             "previous": previous.isoformat() if previous else None})


def tell_dates_step(session: DbSession, job: BackgroundJob) -> int:
    """Tell the next chunk of participants (after job.cursor) about the closing date; how many (0: done)."""
    chunk = next_participants(session, job, CHUNK)
    if chunk is None:
        return 0
    consultation, authors = chunk
    closes_at = datetime.fromisoformat(job.params["closes_at"])
    previous = datetime.fromisoformat(job.params["previous"]) if job.params.get("previous") else None
    reason, zone = job.params.get("reason") or "", site_zone()

    def write(_author_id: int) -> tuple[str, str]:  # in each participant's language
        when = local_time(closes_at, TIME_FORMAT, zone)
        if job.params["change"] == "closed_early":
            subject = gettext("“%(title)s” has closed early", title=consultation.title)
            lines = [gettext("The department closed this consultation on %(time)s, before its closing date. "
                             "It takes no more comments.", time=when),
                     gettext("The department's reason: %(reason)s", reason=reason),
                     gettext("Your comments are kept and will be read; the department's response will say "
                             "what it did with them. The consultation:")]
        else:  # a new closing date: later ("extended") or sooner ("brought_forward")
            subject = (gettext("“%(title)s” closes sooner", title=consultation.title)
                       if job.params["change"] == "brought_forward" else
                       gettext("More time to comment on “%(title)s”", title=consultation.title))
            lines = [gettext("The consultation now closes on %(time)s (it was %(old)s).", time=when,
                             old=local_time(previous, TIME_FORMAT, zone)) if previous else
                     gettext("The consultation now closes on %(time)s.", time=when),
                     *([gettext("The department's reason: %(reason)s", reason=reason)] if reason else []),
                     gettext("You can comment until then:")]
        return subject, "\n\n".join(lines)

    notify_each_written(session, authors, "dates", write, link=site_path("consultations.show", slug=consultation.slug),
                        job_id=job.id)
    record_progress(session, job, job.done + len(authors), cursor=authors[-1])
    return len(authors)


fan_out("tell_dates", tell_dates_step)
