"""Moderation pages about people: a user's record and measures, and who moderates what."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from consult.accounts import role_required
from consult.database import unit_of_work
from consult.extensions import db
from consult.i18n import N_, gettext
from consult.models import User
from consult.moderate import glue, operations, queue_tools
from consult.moderate.blueprint import bp, linked_decisions, refuse
from consult.moderate.forms import AssignmentForm, RevokeForm, SanctionForm
from consult.text import whole_number
from moderation import service


def _user_or_404(user_id: int) -> User:
    try:
        return operations.get_user(db.session, user_id)
    except service.ModerationError as exc:
        refuse(exc)


@bp.get("/moderation/people")
@role_required("moderator")
def people():
    """Find a person by name or email, to open their comments and measures."""
    found = queue_tools.find_people(db.session, request.args.get("q"),
                                    whole_number(request.args.get("page")) or 1)
    return render_template("moderation/people.html", found=found), 400 if found.problem else 200


@bp.get("/moderation/users/<int:user_id>")
@role_required("moderator")
def user(user_id: int):
    """A user's moderation history, their measures, and forms to impose or lift one."""
    return _user_page(_user_or_404(user_id))


def _user_page(person: User, form: SanctionForm | None = None, error: str | None = None,
               status: int = 200, lifting: tuple[int, str] | None = None):
    """`lifting`: the measure a refused lift was for, and the reason typed (shown again)."""
    page = operations.user_page(db.session, person)
    page["decisions"] = linked_decisions(page["decisions"])
    page["comments"], page["comment_total"] = queue_tools.recent_comments(db.session, person.id)
    return render_template("moderation/user.html", form=form or SanctionForm(),
                           revoke_form=RevokeForm(formdata=None), lifting=lifting or (None, ""),
                           error=error, **page), status


# The measures that stop someone posting: asked first, on a page saying what happens.
CONFIRMED_MEASURES = ("suspend", "ban")


@bp.post("/moderation/users/<int:user_id>/sanctions")
@role_required("moderator")
def sanction(user_id: int):
    """Impose a measure: pre-moderation, a suspension until a date, or a ban; a suspension or a
    ban is confirmed first (the confirmation page posts the same fields with confirmed=1)."""
    person = _user_or_404(user_id)
    form = SanctionForm()
    if not form.validate_on_submit():
        return _user_page(person, form=form, error=gettext("Give the end date as a date (day, month, year)."),
                          status=400)
    # The chosen day's end where the moderator and the user read times (SITE_TIMEZONE), not in UTC.
    ends_at = glue.site_day_end(form.ends_at.data) if form.ends_at.data else None
    if form.kind.data in CONFIRMED_MEASURES and request.form.get("confirmed") != "1":
        try:  # refused now rather than after the confirmation page
            service.check_sanction(person.id, form.kind.data, form.reason.data or "", current_user.id, ends_at)
        except service.ModerationError as exc:
            return _user_page(person, form=form, error=exc.message, status=exc.status)
        return render_template("moderation/sanction_confirm.html", form=form, person=person,
                               kind=form.kind.data, reason=(form.reason.data or "").strip(),
                               ends_at=ends_at)
    try:
        with unit_of_work(db.session):
            measure = service.impose_sanction(db.session, user_id, form.kind.data or "",
                                              form.reason.data or "", current_user.id,
                                              ends_at=ends_at)
    except service.ModerationError as exc:
        return _user_page(_user_or_404(user_id), form=form, error=exc.message, status=exc.status)
    named = gettext(service.SANCTION_NAMES[measure.kind])  # translated in moderation/_words.html
    if measure.ends_at:
        flash(gettext("%(measure)s is in force for %(name)s until %(date)s. They have been told by mail, "
                      "with the reason.", measure=named, name=person.display_name,
                      date=service.shown_time(measure.ends_at, glue.site_zone(), "%-d %B %Y")), "success")
    else:
        flash(gettext("%(measure)s is in force for %(name)s. They have been told by mail, with the reason.",
                      measure=named, name=person.display_name), "success")
    return redirect(url_for("moderation.user", user_id=user_id), code=303)


@bp.post("/moderation/sanctions/<int:sanction_id>/revoke")
@role_required("moderator")
def revoke(sanction_id: int):
    """Lift a measure, with an optional reason; the record stays in the user's history and the
    audit trail, and the user is told by mail."""
    reason = RevokeForm().reason.data or ""
    try:
        with unit_of_work(db.session):
            measure = service.revoke_sanction(db.session, sanction_id, current_user.id, reason)
            user_id = measure.user_id
    except service.ModerationError as exc:
        if exc.status != 400:
            refuse(exc)
        person = _user_or_404(service.sanction_user(db.session, sanction_id))
        return _user_page(person, error=exc.message, status=400, lifting=(sanction_id, reason))
    flash(gettext("The measure is lifted. They have been told by mail."), "success")
    return redirect(url_for("moderation.user", user_id=user_id), code=303)


# --- who moderates which consultation ------------------------------------------------------

def _assignments_page(form: AssignmentForm | None = None, error: str | None = None, status: int = 200):
    page = operations.assignments_page(db.session)
    form = form or AssignmentForm()
    form.user_id.choices = [(m.id, f"{m.display_name} ({m.email})") for m in page["moderators"]]
    form.consultation_id.choices = list(page["titles"].items())
    return render_template("moderation/assignments.html", form=form, error=error, **page), status


@bp.get("/moderation/assignments")
@role_required("admin")
def assignments():
    """Which consultations each moderator works on (none assigned: every consultation)."""
    return _assignments_page()


@bp.post("/moderation/assignments")
@role_required("admin")
def assign():
    """Assign a moderator to one more consultation."""
    return _change_assignment(service.assign, N_("%(name)s now moderates %(title)s."))


@bp.get("/moderation/assignments/remove")
@role_required("admin")
def confirm_unassign():
    """Ask before taking a moderator off a consultation, saying what changes for them."""
    try:
        page = operations.unassign_page(db.session, whole_number(request.args.get("user_id")),
                                        whole_number(request.args.get("consultation_id")))
    except service.ModerationError as exc:
        refuse(exc)
    return render_template("moderation/unassign.html", form=AssignmentForm(), **page)


@bp.post("/moderation/assignments/remove")
@role_required("admin")
def unassign():
    """Take a moderator off a consultation."""
    return _change_assignment(service.unassign, N_("%(name)s no longer moderates %(title)s."))


def _change_assignment(change, done: str):
    form = AssignmentForm()
    if not form.validate_on_submit():
        return _assignments_page(error=gettext("Choose a moderator and a consultation."), status=400)
    try:
        with unit_of_work(db.session):
            moderator, consultation = operations.change_assignment(
                db.session, change, form.user_id.data, form.consultation_id.data, current_user.id)
    except service.ModerationError as exc:
        return _assignments_page(form, error=exc.message, status=exc.status)
    flash(gettext(done, name=moderator.display_name, title=consultation.title), "success")
    return redirect(url_for("moderation.assignments"), code=303)
