"""Pages about background work: the jobs (/admin/jobs), mail that failed (/admin/mail), and the
progress of a job as JSON (/jobs/<id>/progress) for the pages that poll it.

Administrators see every job with its error and traceback. Officials see only the progress of
the jobs that tell participants (on the response page and the consultation's management page),
never why one failed: the JSON they are given carries no error and no traceback. For everyone
else the progress of a job does not exist (404).

The words for progress are consult/jobs/progress.py's, shared with the pages that follow a job.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from wtforms import BooleanField, HiddenField

from consult.accounts import role_required
from consult.accounts.forms import ActionForm
from consult.database import unit_of_work
from consult.extensions import db
from consult.forms import Form
from consult.i18n import gettext, lazy_gettext, ngettext
from consult.jobs import service
from consult.jobs.progress import job_title, may_see, progress_box, progress_for, progress_text
from consult.jobs.service import state_word
from consult.mail import reason_for_reader
from consult.models import BackgroundJob, Role
from consult.notifications import GIVE_UP_AFTER, due_count, failed_mail, retry_failed_mail, retry_waiting_count
from consult.text import whole_number

bp = Blueprint("jobs", __name__)

PER_PAGE = 50


# --------------------------------------------------------------------------- forms


class RetryMailForm(Form):
    """Send one failed message again."""

    note_id = HiddenField()


class RetryAllMailForm(Form):
    """Send every failed message again, once the box is ticked."""

    confirm = BooleanField(lazy_gettext("Yes, try sending every message that failed again"))


def _page_arg() -> int:
    # Anything but a page number shows the first page.
    return whole_number(request.args.get("page")) or 1


def _job_or_404(job_id: int) -> BackgroundJob:
    job = db.session.get(BackgroundJob, job_id)
    if job is None:
        abort(404, description=gettext("There is no such background job."))
    return job


@bp.app_context_processor
def _job_words() -> dict:
    return {"job_title": job_title, "job_state": state_word}


@bp.app_template_filter("thousands")
def thousands(number: int | None) -> str:
    """12400 -> "12,400"."""
    return f"{number or 0:,}"


# --------------------------------------------------------------------------- jobs


@bp.get("/admin/jobs")
@role_required(Role.ADMIN)
def index():
    """Recent background jobs, newest first, with their progress and why any failed."""
    page = service.jobs_page(db.session, _page_arg(), PER_PAGE)
    rows = [(job, service.progress(db.session, job)) for job in page.jobs]
    return render_template("jobs/index.html", page=page, rows=rows,
                           form=ActionForm(formdata=None))


@bp.get("/admin/jobs/<int:job_id>")
@role_required(Role.ADMIN)
def show(job_id: int):
    """One job: its progress, times, and, if it failed, why, with the traceback."""
    job = _job_or_404(job_id)
    starter = service.starter_names(db.session, [job.started_by]).get(job.started_by or 0)
    return render_template("jobs/show.html", job=job, box=progress_box(job),
                           starter=starter, form=ActionForm(formdata=None),
                           stale_minutes=int(service.STALE_AFTER.total_seconds() // 60))


@bp.post("/admin/jobs/<int:job_id>/retry")
@role_required(Role.ADMIN)
def retry(job_id: int):
    """Put a failed job back on the queue; it carries on where it stopped."""
    form = ActionForm()
    if not form.validate_on_submit():  # pragma: no cover - the CSRF check refuses first
        abort(400)
    try:
        with unit_of_work(db.session):
            job = service.retry(db.session, job_id)
    except service.JobError as exc:
        flash(exc.text(), "error")
        if db.session.get(BackgroundJob, job_id) is None:
            return redirect(url_for("jobs.index"), code=303)
        return redirect(url_for("jobs.show", job_id=job_id), code=303)
    flash(gettext("“%(title)s” is waiting for a worker again; it carries on where it stopped.", title=job_title(job)),
          "success")
    return redirect(url_for("jobs.show", job_id=job_id), code=303)


@bp.get("/jobs/<int:job_id>/progress")
def progress(job_id: int):
    """A job's progress as JSON, for the page that polls it (no traceback; no error for officials)."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None or not may_see(job):
        # The same answer whether the job does not exist or is not this person's to see.
        return jsonify(error="Not Found", message=gettext("There is no such job.")), 404
    p, admin = progress_for(job)
    response = jsonify({**p.as_dict(), "text": progress_text(job.kind, p, admin=admin)})
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- mail


@bp.get("/admin/mail")
@role_required(Role.ADMIN)
def failed():
    """Mail that failed for good, newest first, each with a retry button; and what is waiting."""
    page = _page_arg()
    rows, total = failed_mail(db.session, page, PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    if page > pages:
        page = pages
        rows, total = failed_mail(db.session, page, PER_PAGE)
    return render_template(
        "jobs/mail.html", rows=rows, total=total, page=page, pages=pages, per_page=PER_PAGE,
        give_up_days=GIVE_UP_AFTER.days, reason_for_reader=reason_for_reader,
        due=due_count(db.session), retrying=retry_waiting_count(db.session),
        retry_form=RetryMailForm(formdata=None), all_form=RetryAllMailForm(formdata=None))


@bp.post("/admin/mail/retry")
@role_required(Role.ADMIN)
def retry_mail():
    """Send one failed message again."""
    form = RetryMailForm()
    note_id = whole_number(form.note_id.data or "")
    if not form.validate_on_submit() or note_id is None:
        flash(gettext("Choose a message to send again from the list."), "error")
        return redirect(url_for("jobs.failed"), code=303)
    with unit_of_work(db.session):
        count = retry_failed_mail(db.session, [note_id])
    if count:
        flash(gettext("The message will be sent again in a moment."), "success")
    else:
        flash(gettext("That message is no longer among those that failed: it may have been sent "
                      "again already."), "info")
    page = _page_arg()
    return redirect(url_for("jobs.failed", page=page if page > 1 else None), code=303)


@bp.post("/admin/mail/retry-all")
@role_required(Role.ADMIN)
def retry_all_mail():
    """Send every failed message again, once the administrator has ticked the box to confirm."""
    form = RetryAllMailForm()
    if not (form.validate_on_submit() and form.confirm.data):
        flash(gettext("Nothing was sent again: tick the box to confirm that every message that failed "
                      "should be tried again."), "error")
        return redirect(url_for("jobs.failed") + "#retry-all", code=303)
    with unit_of_work(db.session):
        count = retry_failed_mail(db.session)
    if count:
        flash(ngettext("%(count)s message will be sent again in a moment.",
                       "%(count)s messages will be sent again in a moment.", count, count=f"{count:,}"), "success")
    else:
        flash(gettext("There was no failed mail to send again."), "info")
    return redirect(url_for("jobs.failed"), code=303)
