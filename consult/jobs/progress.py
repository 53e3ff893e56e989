"""How far a background job has got, in the words a page shows and its polling script gets.

Administrators see every job with its error. Officials see only the jobs that tell participants
(on the response page and the consultation's management page), never why one failed. Other
areas' views use `telling_box` (and the jobs pages `progress_box`) to put a job's progress on a
page, in the same words as the JSON endpoint (consult/jobs/views.py) gives the page's script.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from flask import url_for
from flask_login import current_user

from consult.extensions import db
from consult.i18n import N_, gettext, ngettext
from consult.jobs import service
from consult.models import BackgroundJob, Consultation, DocumentVersion, JobState, Role

TELLING_KINDS = ("tell_response", "tell_version", "tell_dates")
SUGGESTING_KINDS = ("suggest_themes", "suggest_counts")  # consult/responses/assist.py
OFFICIALS_KINDS = TELLING_KINDS + SUGGESTING_KINDS  # what officials may follow


def _n(number: int) -> str:
    return f"{number:,}"


def progress_text(kind: str, p: service.Progress, *, admin: bool) -> str:
    """One sentence on how far a job has got, as pages and their polling script show it (reader's language)."""
    done, total = _n(p.done), _n(p.total)
    if p.told is not None or kind in TELLING_KINDS:
        told = p.told or 0
        if p.state == JobState.FAILED.value:
            if admin:
                return gettext("Telling participants stopped after %(done)s of %(total)s: %(error)s",
                               done=done, total=total, error=p.error)
            return gettext("Telling participants stopped: an administrator has been shown why.")
        if p.finished:
            everyone = max(p.done, told)
            return (gettext("The one participant has been told.") if everyone == 1
                    else ngettext("All %(count)s participants have been told.",
                                  "All %(count)s participants have been told.", everyone, count=_n(everyone)))
        if told:
            return ngettext("We are telling %(count)s participant; %(told)s told so far.",
                            "We are telling %(count)s participants; %(told)s told so far.", p.total,
                            count=total, told=_n(told))
        return ngettext("We are telling %(count)s participant; none told yet.",
                        "We are telling %(count)s participants; none told yet.", p.total, count=total)
    if p.state == JobState.FAILED.value:
        return gettext("Stopped after %(done)s of %(total)s: %(error)s", done=done, total=total, error=p.error) \
            if admin else gettext("This job stopped: an administrator has been shown why.")
    if kind in SUGGESTING_KINDS:
        if p.state == JobState.DONE.value:
            return ngettext("Finished: %(count)s comment read.", "Finished: %(count)s comments read.", p.total,
                            count=total)
        if p.state == JobState.QUEUED.value:
            return gettext("Waiting for a worker to start.")
        return ngettext("Reading %(count)s comment and working out suggestions…",
                        "Reading %(count)s comments and working out suggestions…", p.total, count=total)
    if kind == "reindex":
        if p.state == JobState.DONE.value:
            return ngettext("The search index is rebuilt: %(count)s comment indexed.",
                            "The search index is rebuilt: %(count)s comments indexed.", p.done, count=done)
        if p.state == JobState.QUEUED.value:
            return ngettext("Waiting for a worker to start: %(count)s comment to index.",
                            "Waiting for a worker to start: %(count)s comments to index.", p.total, count=total)
        return ngettext("%(done)s of %(count)s comment indexed so far.",
                        "%(done)s of %(count)s comments indexed so far.", p.total, done=done, count=total)
    if p.state == JobState.DONE.value:
        return gettext("Finished.")
    if p.state == JobState.QUEUED.value:
        return gettext("Waiting for a worker to start.")
    return gettext("%(done)s of %(total)s done so far.", done=done, total=total)


# The titles of jobs started with an English title stored (shown in the reader's language).
ENGLISH_TITLES = {"reindex": N_("Rebuilding the search index")}


def job_title(job: BackgroundJob) -> str:
    """A job's title in the reader's language: a fixed English one translated, a telling job's
    made again from what it tells about; any other as stored (in its starter's language)."""
    english = ENGLISH_TITLES.get(job.kind)
    if english is not None and job.title == english:
        return gettext(english)
    params = job.params or {}
    consultation = db.session.get(Consultation, params["consultation_id"]) \
        if job.kind in TELLING_KINDS and "consultation_id" in params else None
    if consultation is None:
        return job.title
    if job.kind == "tell_response":
        return gettext("Telling the participants in “%(title)s” about the response", title=consultation.title)
    version = db.session.get(DocumentVersion, params.get("version_id", 0))
    if version is None:
        return job.title
    return gettext("Telling the participants in “%(title)s” about version %(number)s",
                   title=consultation.title, number=version.number)


@dataclass(frozen=True)
class ProgressBox:
    """What a page shows of a job's progress, and where its script asks again."""

    job: BackgroundJob
    progress: service.Progress
    text: str
    url: str  # the JSON endpoint

    @property
    def value(self) -> int:
        """How far along, for a <progress> bar (messages told, for a job that tells people)."""
        if self.progress.finished:
            return self.maximum
        return self.progress.told if self.progress.told is not None else self.progress.done

    @property
    def maximum(self) -> int:
        p = self.progress
        return max(p.total, p.done, p.told or 0, 1)


def may_see(job: BackgroundJob) -> bool:
    """Administrators see every job; officials those that tell participants; nobody else any."""
    if not current_user.is_authenticated:
        return False
    if current_user.has_role(Role.ADMIN):
        return True
    return current_user.has_role(Role.OFFICIAL) and job.kind in OFFICIALS_KINDS


def progress_for(job: BackgroundJob) -> tuple[service.Progress, bool]:
    """The job's progress as the current user may see it (no error unless an administrator)."""
    admin = current_user.is_authenticated and current_user.has_role(Role.ADMIN)
    p = service.progress(db.session, job)
    return (p if admin else replace(p, error="")), admin


def progress_box(job: BackgroundJob) -> ProgressBox:
    """The progress of a job the current user may see, for a page."""
    p, admin = progress_for(job)
    return ProgressBox(job, p, progress_text(job.kind, p, admin=admin),
                       url_for("jobs.progress", job_id=job.id))


def telling_box(key: str) -> ProgressBox | None:
    """The latest job with this key, for officials and administrators; None for anyone else
    (or when there is no such job, e.g. nobody had commented)."""
    if not (current_user.is_authenticated and current_user.has_role(Role.OFFICIAL)):
        return None
    job = service.latest_job(db.session, key)
    if job is None or not may_see(job):
        return None
    return progress_box(job)
