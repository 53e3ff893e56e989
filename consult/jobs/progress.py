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
from consult.jobs import service
from consult.models import BackgroundJob, JobState, Role

TELLING_KINDS = ("tell_response", "tell_version")
SUGGESTING_KINDS = ("suggest_themes", "suggest_counts")  # consult/responses/assist.py
OFFICIALS_KINDS = TELLING_KINDS + SUGGESTING_KINDS  # what officials may follow


def _people(n: int) -> str:
    return f"{n:,} participant" + ("" if n == 1 else "s")


def progress_text(kind: str, p: service.Progress, *, admin: bool) -> str:
    """One sentence on how far a job has got, as pages and their polling script show it."""
    if p.told is not None or kind in TELLING_KINDS:
        told = p.told or 0
        if p.state == JobState.FAILED.value:
            if admin:
                return f"Telling participants stopped after {p.done:,} of {p.total:,}: {p.error}"
            return "Telling participants stopped: an administrator has been shown why."
        if p.finished:
            everyone = max(p.done, told)
            return ("The one participant has been told." if everyone == 1
                    else f"All {everyone:,} participants have been told.")
        return (f"We are telling {_people(p.total)}; "
                + (f"{told:,} told so far." if told else "none told yet."))
    if p.state == JobState.FAILED.value:
        return f"Stopped after {p.done:,} of {p.total:,}: {p.error}" if admin else \
            "This job stopped: an administrator has been shown why."
    if kind in SUGGESTING_KINDS:
        if p.state == JobState.DONE.value:
            return f"Finished: {p.total:,} comments read."
        if p.state == JobState.QUEUED.value:
            return "Waiting for a worker to start."
        return f"Reading {p.total:,} comments and working out suggestions…"
    if kind == "reindex":
        if p.state == JobState.DONE.value:
            return f"The search index is rebuilt: {p.done:,} comments indexed."
        if p.state == JobState.QUEUED.value:
            return f"Waiting for a worker to start: {p.total:,} comments to index."
        return f"{p.done:,} of {p.total:,} comments indexed so far."
    if p.state == JobState.DONE.value:
        return "Finished."
    if p.state == JobState.QUEUED.value:
        return "Waiting for a worker to start."
    return f"{p.done:,} of {p.total:,} done so far."


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
