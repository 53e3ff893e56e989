"""User administration (blueprint "admin"): find accounts, one account's roles and assignments,
invitations, roles, deactivation. Administrators only; every change is in the audit trail."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from consult.accounts import role_required, service
from consult.accounts.forms import ActionForm, DeactivateForm, InviteForm, RoleForm
from consult.accounts.service import admin, deactivation, invitations
from consult.accounts.service.common import AccountError, nul_problem
from consult.database import unit_of_work
from consult.extensions import db
from consult.i18n import N_, current_language, gettext, ngettext
from consult.mail import MailError, send_mail
from consult.models import Role
from consult.text import whole_number

admin_bp = Blueprint("admin", __name__, url_prefix="/admin")


def refuse_nul() -> None:
    """Before a blueprint's views: a query or form holding a NUL character is answered 400 with
    a plain message (PostgreSQL's text cannot hold one: a NUL typed in a search or an email
    field was a 500 there)."""
    if problem := nul_problem([*request.args.lists(), *request.form.lists()]):
        abort(400, description=problem)


admin_bp.before_request(refuse_nul)

ROLE_NAMES = {Role.CITIZEN.value: "Citizen", Role.MODERATOR.value: "Moderator",
              Role.OFFICIAL.value: "Official", Role.ADMIN.value: "Administrator"}


def _page_arg() -> int:
    # Anything but a page number shows the first page.
    return whole_number(request.args.get("page")) or 1


def _list_args() -> dict:
    """The list's search, role and state filters as they were, to come back to the same list."""
    args = request.args
    return {"q": args.get("q") or None, "role": args.get("role") or None,
            "standing": args.get("standing") or None}


# "... is now a moderator", one sentence for each role (Welsh mutates the role after "yn").
NOW_IN_ROLE = {
    Role.CITIZEN.value: N_("%(name)s (%(email)s) is now a citizen."),
    Role.MODERATOR.value: N_("%(name)s (%(email)s) is now a moderator."),
    Role.OFFICIAL.value: N_("%(name)s (%(email)s) is now an official."),
    Role.ADMIN.value: N_("%(name)s (%(email)s) is now an admin."),
}


@admin_bp.app_template_global("role_name")
def role_name(role: str) -> str:
    """A role as the admin pages name it."""
    return ROLE_NAMES.get(role, role)


@admin_bp.get("/users")
@role_required(Role.ADMIN)
def users():
    """Every live account, searchable by name or email and by role, with a role form for each."""
    filters = admin.user_filters(request.args.get("q"), request.args.get("role"),
                                 request.args.get("standing"))
    status = 400 if filters.problems else 200
    page = (admin.UserPage([], 0, 1, 50) if filters.problems else
            admin.list_users(db.session, filters.search, _page_arg(), role=filters.role,
                             standing=filters.standing))
    rows = [(user, RoleForm(formdata=None, role=user.role), admin.standing_of(user))
            for user in page.users]
    return render_template("admin/users.html", page=page, rows=rows, filters=filters,
                           search=filters.search, roles=admin.ROLE_VALUES,
                           standings=admin.STANDINGS, list_args=_list_args()), status


def _detail_or_404(user_id: int) -> admin.UserDetail:
    try:
        return admin.user_detail(db.session, user_id)
    except AccountError as exc:
        abort(404, description=exc.message)


@admin_bp.get("/users/<int:user_id>")
@role_required(Role.ADMIN)
def user(user_id: int):
    """One account: its standing, role, the consultations it moderates, measures and history."""
    detail = _detail_or_404(user_id)
    history = admin.history_rows(db.session, detail.history)
    return render_template("admin/user.html", detail=detail, person=detail.user, history=history,
                           role_form=RoleForm(formdata=None, role=detail.user.role),
                           action=ActionForm(), standings=admin.STANDINGS)


# The roles that give powers over other people's words or accounts: asked first, on a page that
# says what the role allows (a change to citizen takes powers away, and is done at once).
CONFIRMED_ROLES = (Role.MODERATOR.value, Role.OFFICIAL.value, Role.ADMIN.value)


def _back_args() -> dict:
    """The query the role form was posted with (the list's filters and page, or from=user)."""
    return {key: request.args[key] for key in ("from", "q", "role", "standing", "page")
            if request.args.get(key)}


def _role_needs_confirmation(person, role: str) -> bool:
    # Your own role can only stay admin (the service refuses the rest, and says why).
    return role in CONFIRMED_ROLES and role != person.role and person.id != current_user.id


@admin_bp.post("/users/<int:user_id>/role")
@role_required(Role.ADMIN)
def set_role(user_id: int):
    """Change one account's role; a change to a staff role is confirmed first, on a page saying
    what the role allows (the form posts again with confirmed=1)."""
    form = RoleForm()
    back = (url_for("admin.user", user_id=user_id) if request.args.get("from") == "user"
            else url_for("admin.users", **_list_args(), page=_page_arg()))
    valid = form.validate_on_submit()
    if not valid and not (form.reason.errors and not form.role.errors):
        flash(gettext("Choose a role from the list."), "error")
        return redirect(back)
    if request.form.get("confirmed") != "1" or not valid:  # asked first, or asked again: reason too long
        try:
            person = admin.live_user(db.session, user_id)
        except AccountError:
            abort(404)
        if not valid or _role_needs_confirmation(person, form.role.data):
            return render_template("admin/role_confirm.html", form=form, person=person,
                                   role=form.role.data, back=back,
                                   action=url_for("admin.set_role", user_id=user_id, **_back_args())), \
                200 if valid else 400
    try:
        with unit_of_work(db.session):
            user = service.set_role(db.session, current_user.id, user_id, form.role.data, form.reason.data or "")
    except AccountError as exc:
        flash(exc.message, "error")
        return redirect(back)
    flash(gettext(NOW_IN_ROLE[user.role], name=user.display_name, email=user.email), "success")
    return redirect(back)


def _send_invitation(user) -> bool:
    token = invitations.invitation_token(current_app.config["SECRET_KEY"], user)
    link = url_for("accounts.accept_invitation", token=token, _external=True)
    try:
        send_mail(user.email, *invitations.invitation_message(
            current_app.config["SITE_NAME"], user, current_user.display_name, link))
    except MailError:
        return False
    return True


@admin_bp.route("/users/invite", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def invite():
    """Invite someone by email with a role; the link in the mail lets them choose a password."""
    form = InviteForm()
    if not form.is_submitted():
        form.language.data = current_language()
    if form.validate_on_submit():
        try:
            with unit_of_work(db.session):
                user = invitations.invite(db.session, current_user.id, form.email.data,
                                          form.display_name.data, form.role.data, form.language.data)
        except AccountError as exc:
            for name, message in exc.problems.items():
                if name in form and not form[name].errors:
                    form[name].errors = [message]
        else:
            if _send_invitation(user):
                flash(ngettext("We have sent an invitation to %(email)s. The link in it works for %(num)s day.",
                               "We have sent an invitation to %(email)s. The link in it works for %(num)s days.",
                               invitations.INVITATION_MAX_AGE.days, email=user.email), "success")
            else:
                flash(gettext("The account for %(email)s is made, but we could not send the invitation just "
                              "now: send it again from this page in a few minutes.", email=user.email),
                      "error")
            return redirect(url_for("admin.user", user_id=user.id), code=303)
    return render_template("admin/invite.html", form=form), 400 if form.errors else 200


@admin_bp.post("/users/<int:user_id>/invitation")
@role_required(Role.ADMIN)
def resend_invitation(user_id: int):
    """Send the invitation mail again (a new link; the old one works until it expires)."""
    try:
        with unit_of_work(db.session):
            user = invitations.pending_invitation(db.session, user_id)
            invitations.record_invitation_sent(db.session, current_user.id, user, again=True)
    except AccountError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.users"), code=303)
    if _send_invitation(user):
        flash(gettext("We have sent the invitation to %(email)s again.", email=user.email), "success")
    else:
        flash(gettext("We could not send the email just now. Please try again in a few minutes."), "error")
    return redirect(url_for("admin.user", user_id=user.id), code=303)


@admin_bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def deactivate(user_id: int):
    """Ask first, saying what happens; then stop the account signing in and end its sessions."""
    detail = _detail_or_404(user_id)
    form = DeactivateForm()
    error = None
    if form.validate_on_submit():
        try:
            with unit_of_work(db.session):
                user = deactivation.deactivate(db.session, current_user.id, user_id,
                                               form.reason.data or "")
        except AccountError as exc:
            error = exc.message
        else:
            flash(gettext("%(name)s (%(email)s) is deactivated: they have been signed out everywhere and "
                          "cannot sign in. Their comments stay.", name=user.display_name, email=user.email),
                  "success")
            return redirect(url_for("admin.user", user_id=user_id), code=303)
    return render_template("admin/deactivate.html", form=form, detail=detail,
                           person=detail.user, error=error), 400 if error else 200


@admin_bp.post("/users/<int:user_id>/reactivate")
@role_required(Role.ADMIN)
def reactivate(user_id: int):
    """Let a deactivated account sign in again."""
    try:
        with unit_of_work(db.session):
            user = deactivation.reactivate(db.session, current_user.id, user_id)
    except AccountError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.users"), code=303)
    flash(gettext("%(name)s (%(email)s) is active again and can sign in with their password.",
                  name=user.display_name, email=user.email), "success")
    return redirect(url_for("admin.user", user_id=user_id), code=303)
