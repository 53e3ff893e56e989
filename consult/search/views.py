"""The administrators' button that rebuilds the search index as a background job.

The job's page and its progress are the jobs area's (consult/jobs/views.py); searching itself
is the archive's.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, url_for
from flask_login import current_user

from consult import search
from consult.accounts import role_required
from consult.accounts.forms import ActionForm
from consult.database import unit_of_work
from consult.extensions import db
from consult.i18n import gettext
from consult.jobs.service import active_job
from consult.models import Role
from consult.search import jobs as search_jobs
from consult.search.engines import LIVE_MESSAGE

bp = Blueprint("search", __name__)


@bp.post("/admin/jobs/reindex")
@role_required(Role.ADMIN)
def reindex():
    """Start rebuilding the search index (or show the rebuild already under way)."""
    form = ActionForm()
    if not form.validate_on_submit():  # pragma: no cover - the CSRF check refuses first
        abort(400)
    engine = search.engine(current_app.config)
    if engine.live:
        # Only PostgreSQL's search is live; its `maintenance` is the same words, in English.
        flash(gettext("Nothing to rebuild.") + " " + gettext(LIVE_MESSAGE, engine=engine.name), "info")
        return redirect(url_for("jobs.index"), code=303)
    already = active_job(db.session, search_jobs.KEY)
    with unit_of_work(db.session):
        job = search_jobs.start_reindex(db.session, current_user.id)
    if already is not None:
        flash(gettext("The search index is already being rebuilt: this is how far it has got."), "info")
    else:
        flash(gettext("The search index is being rebuilt. Searches keep working from the old index "
                      "until the new one is ready."), "success")
    return redirect(url_for("jobs.show", job_id=job.id), code=303)

