"""Officials' pages for suggested themes and assisted counting (/manage/<slug>/suggestions...).

Thin views over consult/responses/assist.py: starting the jobs that compute suggestions, the
proposed themes (accept, accept several as one, split, discard), the per-theme batches with a
random sample shown first, and the comments Consult is least sure about.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from consult.accounts import role_required
from consult.consultations import service as consultations
from consult.database import unit_of_work
from consult.extensions import db
from consult.i18n import N_, gettext, ngettext
from consult.jobs.progress import telling_box
from consult.models import Consultation
from consult.responses import assist, assist_jobs, assist_messages  # noqa: F401  (assist_jobs: registers the job kinds)
from consult.responses.common import ResponseError, is_published
from consult.responses.forms import AssignForm, BatchForm, ProposalsForm, SuggestThemesForm, choice
from consult.responses.suggest_errors import MIN_THEME_TEXTS
from consult.responses.themes import get_theme, themes_of

bp = Blueprint("assist", __name__, url_prefix="/manage/<slug>/suggestions")


def _consultation(slug: str) -> Consultation:
    consultation = consultations.get_consultation(db.session, slug)
    if consultation is None:
        abort(404, description=gettext("There is no consultation at '%(slug)s'.", slug=slug))
    return consultation


def _overview(slug: str):
    return redirect(url_for("assist.overview", slug=slug), code=303)


def _refused(exc: ResponseError, back: str):
    flash(" ".join([exc.message, *exc.details]), "error")
    return redirect(back, code=303)


@bp.get("/")
@role_required("official")
def overview(slug: str):
    """How far counting has got, the suggestion jobs, proposed themes and batches to review."""
    consultation = _consultation(slug)
    themes_form = SuggestThemesForm(formdata=None)
    themes_form.anchor.choices = [choice("", gettext("The whole consultation"))] + [
        choice(anchor, label) for anchor, label in assist.commented_paragraphs(db.session, consultation)]
    themes = themes_of(db.session, consultation)
    proposals_form = ProposalsForm(formdata=None)
    proposals_form.into.choices = [choice("", gettext("A new theme"))] + [choice(str(t.id), t.title) for t in themes]
    jobs = assist.latest_jobs(db.session, consultation)
    themes_run = assist.latest_run(db.session, consultation, "themes")
    counts_run = assist.latest_run(db.session, consultation, "counts")
    proposals = assist.open_proposals(db.session, consultation)
    return render_template(
        "responses/suggestions.html", consultation=consultation,
        progress=assist.counting_progress(db.session, consultation),
        themes_run=themes_run, counts_run=counts_run,
        themes_message=assist_messages.run_message(db.session, themes_run),
        counts_message=assist_messages.run_message(db.session, counts_run),
        themes_languages=assist_messages.languages_shown(assist.run_languages(db.session, themes_run)),
        counts_languages=assist_messages.languages_shown(assist.run_languages(db.session, counts_run)),
        proposal_languages=assist.proposal_languages(db.session, proposals),
        themes_box=telling_box(jobs["themes"].key) if jobs["themes"] else None,
        counts_box=telling_box(jobs["counts"].key) if jobs["counts"] else None,
        proposals=proposals, themes=themes,
        batches=assist.batches(db.session, consultation), themes_form=themes_form,
        proposals_form=proposals_form, published=is_published(db.session, consultation),
        min_theme_texts=MIN_THEME_TEXTS)


@bp.post("/themes")
@role_required("official")
def suggest_themes(slug: str):
    """Start proposing themes from the comments (a background job)."""
    consultation = _consultation(slug)
    form = SuggestThemesForm()
    try:
        with unit_of_work(db.session):
            assist.start_theme_suggestions(db.session, consultation, current_user.id, form.anchor.data or None)
    except ResponseError as exc:
        return _refused(exc, url_for("assist.overview", slug=slug))
    flash(gettext("Consult is reading the comments to propose themes. This page shows how far it has got."), "success")
    return _overview(slug)


@bp.post("/counts")
@role_required("official")
def suggest_counts(slug: str):
    """Start suggesting themes for every uncounted comment (a background job)."""
    consultation = _consultation(slug)
    try:
        with unit_of_work(db.session):
            assist.start_count_suggestions(db.session, consultation, current_user.id)
    except ResponseError as exc:
        return _refused(exc, url_for("assist.overview", slug=slug))
    flash(gettext("Consult is learning from the comments you counted to suggest themes for the others. "
                  "This page shows how far it has got."), "success")
    return _overview(slug)


@bp.get("/proposals/<int:proposal_id>")
@role_required("official")
def proposal(slug: str, proposal_id: int):
    """One proposed theme: its key terms, size and typical comments, and what to do with it."""
    consultation = _consultation(slug)
    try:
        found = assist.get_proposal(db.session, consultation, proposal_id)
    except ResponseError as exc:
        abort(exc.status, description=exc.message)
    form = ProposalsForm(formdata=None)
    form.title.data = found.label
    themes = themes_of(db.session, consultation)
    form.into.choices = [choice("", gettext("A new theme"))] + [choice(str(t.id), t.title) for t in themes]
    return render_template("responses/proposal.html", consultation=consultation, proposal=found, form=form,
                           comments=assist.proposal_comments(db.session, found),
                           published=is_published(db.session, consultation))


@bp.post("/proposals/accept")
@role_required("official")
def accept(slug: str):
    """Accept the ticked proposed themes as one theme; their comments are offered for counting."""
    consultation = _consultation(slug)
    form = ProposalsForm()
    back = url_for("assist.overview", slug=slug)
    try:
        with unit_of_work(db.session):
            chosen = [assist.get_proposal(db.session, consultation, i) for i in form.ids()]
            theme, offered = assist.accept_proposals(
                db.session, consultation, chosen, current_user.id, title=form.title.data or "",
                into_theme_id=form.into_theme(), propose_members=form.with_members())
    except ResponseError as exc:
        return _refused(exc, back)
    except IntegrityError:
        flash(gettext("Someone decided on these proposed themes at the same moment. Nothing was changed: look "
                      "again."), "error")
        return redirect(back, code=303)
    message = gettext("“%(title)s” is a theme.", title=theme.title)
    if offered:
        message += " " + gettext("%(count)s of its comments are offered for counting under it: review them as a "
                                 "batch below. Nothing is counted until you accept.", count=f"{offered:,}")
    flash(message, "success")
    return redirect(url_for("assist.batch", slug=slug, theme_id=theme.id) if offered else back, code=303)


def _decide(slug: str, proposal_id: int, action, said: str):
    """Do `action(session, consultation, proposal, actor_id)` to one proposed theme, then say so."""
    consultation = _consultation(slug)
    try:
        with unit_of_work(db.session):
            found = assist.get_proposal(db.session, consultation, proposal_id)
            action(db.session, consultation, found, current_user.id)
    except ResponseError as exc:
        return _refused(exc, url_for("assist.overview", slug=slug))
    flash(gettext(said, label=found.label), "success")
    return _overview(slug)


@bp.post("/proposals/<int:proposal_id>/discard")
@role_required("official")
def discard(slug: str, proposal_id: int):
    """Take a proposed theme off the list (nothing is counted or deleted)."""
    return _decide(slug, proposal_id, assist.discard_proposal, N_("The proposed theme “%(label)s” is discarded."))


@bp.post("/proposals/<int:proposal_id>/split")
@role_required("official")
def split(slug: str, proposal_id: int):
    """Ask for smaller themes in place of this one (a background job)."""
    return _decide(slug, proposal_id, assist.split_proposal,
                   N_("Consult is splitting “%(label)s” into smaller themes. This page shows how far it has got."))


@bp.get("/batches/<int:theme_id>")
@role_required("official")
def batch(slug: str, theme_id: int):
    """A theme's confident suggestions: a random sample to check first, then the others."""
    consultation = _consultation(slug)
    try:
        theme = get_theme(db.session, consultation, theme_id)
    except ResponseError as exc:
        abort(exc.status, description=exc.message)
    return render_template("responses/batch.html", consultation=consultation,
                           batch=assist.batch(db.session, consultation, theme), form=BatchForm(formdata=None),
                           published=is_published(db.session, consultation))


@bp.post("/batches/<int:theme_id>")
@role_required("official")
def accept_batch(slug: str, theme_id: int):
    """Count the batch, but for the comments unticked (those are recorded as corrections)."""
    consultation = _consultation(slug)
    form = BatchForm()
    back = url_for("assist.batch", slug=slug, theme_id=theme_id)
    try:
        with unit_of_work(db.session):
            record = assist.accept_batch(db.session, consultation, theme_id, form.fingerprint.data or "",
                                         form.ids("sample"), form.ids("shown"), form.ids("keep"), current_user.id)
    except ResponseError as exc:
        return _refused(exc, back)
    except IntegrityError:
        flash(gettext("Another official accepted suggestions for this theme at the same moment. Nothing was "
                      "counted twice: look at the batch again."), "error")
        return redirect(back, code=303)
    message = ngettext("%(count)s comment counted in this batch.", "%(count)s comments counted in this batch.",
                       record.counted, count=f"{record.counted:,}")
    if record.corrections:
        message += " " + ngettext("%(count)s you unticked is recorded as corrections and will not be suggested for "
                                  "this theme again.",
                                  "%(count)s you unticked are recorded as corrections and will not be suggested for "
                                  "this theme again.", record.corrections, count=f"{record.corrections:,}")
    flash(message, "success")
    return _overview(slug)


@bp.get("/unsure")
@role_required("official")
def unsure(slug: str):
    """The comments Consult is least sure about: counting them by hand teaches it the most."""
    consultation = _consultation(slug)
    return render_template("responses/unsure.html", consultation=consultation,
                           rows=assist.least_sure(db.session, consultation),
                           themes=themes_of(db.session, consultation), assign_form=AssignForm(formdata=None),
                           return_to=request.path)
