"""Account pages (blueprint "accounts") and user administration (blueprint "admin")."""
from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from consult.accounts import SESSION_KEY, service
from consult.accounts.admin_views import admin_bp, refuse_nul
from consult.accounts.forms import (
    ActionForm,
    ChangePasswordForm,
    DeleteAccountForm,
    LoginForm,
    RegisterForm,
    ResetForm,
    ResetRequestForm,
)
from consult.accounts.service import (
    AccountError,
    InvalidToken,
    LoginThrottled,
    MailThrottled,
    deactivation,
    invitations,
)
from consult.accounts.service.export import personal_data as personal_data_of
from consult.database import unit_of_work, writing
from consult.extensions import db
from consult.forms import Form
from consult.i18n import gettext, language_for, written_in
from consult.mail import MailError, read_outbox, send_mail
from consult.models import utcnow
from moderation import service as moderation_service

bp = Blueprint("accounts", __name__)
bp.before_request(refuse_nul)

__all__ = ["admin_bp", "bp"]  # init_app registers both


# ---------------------------------------------------------------------------- helpers

def _field_error(form: Form, error: AccountError) -> list[str]:
    """Show a service error beside its field(s); return what fits no field as messages."""
    return _show_problems(form, error.problems or {"": error.message})


def _show_problems(form: Form, problems: dict[str, str]) -> list[str]:
    unplaced = []
    for name, message in problems.items():
        if name and name in form:
            field = form[name]
            if not field.errors:  # one message per field: the first problem found
                field.errors = [message]
        else:
            unplaced.append(message)
    return unplaced


def _send(to: str, message: tuple[str, str]) -> bool:
    try:
        send_mail(to, *message)
    except MailError:
        flash(gettext("We could not send the email just now. Please try again in a few minutes."),
              "error")
        return False
    return True


def _site() -> str:
    return current_app.config["SITE_NAME"]


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _next_from_request() -> str:
    return service.safe_next(request.args.get("next")) or ""


def _send_confirmation(user, next_url: str | None = None, browser: str | None = None) -> bool:
    token = service.confirmation_token(_secret(), user, browser=browser)
    link = url_for("accounts.confirm", token=token, next=next_url or None, _external=True)
    return _send(user.email, service.confirmation_message(_site(), user, link))


# The session key holding the secret of the browser that registered (see confirm_email).
REGISTERED_IN_THIS_BROWSER = "_consult_registered"
# A long-lived cookie by which a browser is known at its next sign-in (see authenticate).
KNOWN_BROWSER_COOKIE = "consult_known_browser"


def _sign_in(user) -> None:
    """Record a new session for this browser and sign the user in (the caller commits).

    A fresh record and a fresh CSRF token: whatever this browser held before signing in,
    possibly planted by someone else, is worth nothing after.
    """
    service.end_session(db.session, session.get(SESSION_KEY))
    key = service.start_session(db.session, user.id)
    login_user(user)
    session[SESSION_KEY] = key
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(field, None)
    g.pop(field, None)
    session.pop(REGISTERED_IN_THIS_BROWSER, None)


def _remember_browser(response, user):
    """Let this browser be known to the account at the next sign-in."""
    config = current_app.config
    response.set_cookie(
        KNOWN_BROWSER_COOKIE, service.device_token(_secret(), user),
        max_age=int(service.DEVICE_MAX_AGE.total_seconds()), httponly=True,
        secure=bool(config.get("SESSION_COOKIE_SECURE")), samesite="Lax",
        path=url_for("accounts.login"))  # under a script root this is /<root>/login
    return response


def _sign_out() -> None:
    """End this browser's session record and sign it out (the caller commits)."""
    service.end_session(db.session, session.pop(SESSION_KEY, None))
    logout_user()


def outbox_enabled() -> bool:
    """True where the development outbox page may be shown."""
    config = current_app.config
    return config.get("CONSULT_ENV") == "development" or bool(config.get("SHOW_OUTBOX"))


@bp.app_context_processor
def _account_globals() -> dict:
    return {"outbox_enabled": outbox_enabled}


# ---------------------------------------------------------------------------- registering

@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an account, then ask the person to confirm their email address."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    form = RegisterForm()
    if request.method == "GET":
        form.next.data = _next_from_request()
    submitted = form.is_submitted() and form.validate()
    if form.is_submitted():
        # Check every field now, so all the problems are shown together.
        _show_problems(form, service.registration_problems(
            form.email.data, form.display_name.data, form.password.data, form.confirm.data))
    if submitted and not any(field.errors for field in form):
        try:
            with unit_of_work(db.session):
                result = service.register(db.session, form.email.data, form.display_name.data,
                                          form.password.data, form.confirm.data)
        except AccountError as exc:
            _field_error(form, exc)
        else:
            user, next_url = result.user, service.safe_next(form.next.data)
            # Every registering browser gets a secret of the same shape: the session cookie
            # is signed, not encrypted, so keeping one only for new accounts would tell
            # whoever holds the cookie whether the address already had an account.
            browser = session[REGISTERED_IN_THIS_BROWSER] = service.new_browser_secret()
            if result.created:
                # Only the browser that created the account (and so chose its password) is
                # signed in by the link; an existing account's owner signs in as usual.
                sent = _send_confirmation(user, next_url, browser)
            elif user.email_confirmed_at is None:
                sent = _send_confirmation(user, next_url)
            else:
                sent = _send(user.email, service.already_registered_message(
                    _site(), user, url_for("accounts.login", _external=True),
                    url_for("accounts.reset_request", _external=True)))
            if not sent:
                flash(gettext("If your account is new, sign in and ask for a new confirmation link "
                              "on your account page."), "info")
                return redirect(url_for("accounts.login", next=next_url))
            flash(gettext("We have sent an email to %(email)s. Open the link in it to confirm "
                          "your address.", email=user.email), "success")
            return redirect(url_for("accounts.check_email"))
    return render_template("accounts/register.html", form=form)


@bp.get("/register/check-email")
def check_email():
    """Tell the person to look in their inbox."""
    return render_template("accounts/check_email.html")


@bp.get("/confirm/<token>")
def confirm(token: str):
    """Confirm an email address from the link we sent."""
    next_url = _next_from_request()
    signed_in_as = current_user.id if current_user.is_authenticated else None
    with writing():
        try:
            with unit_of_work(db.session):
                confirmation = service.confirm_email(
                    db.session, _secret(), token, browser=session.get(REGISTERED_IN_THIS_BROWSER))
                user = confirmation.user
                if confirmation.sign_in and signed_in_as is None and user.deactivated_at is None:
                    _sign_in(user)
        except InvalidToken as exc:
            return render_template("accounts/link_invalid.html", message=exc.message,
                                   purpose="confirm"), 400
    if current_user.is_authenticated and current_user.id == user.id:
        flash(gettext("Your email address is confirmed. You can now comment."), "success")
        response = redirect(next_url or url_for("accounts.account"))
        return _remember_browser(response, user) if signed_in_as is None else response
    flash(gettext("Your email address is confirmed. Sign in to start commenting."), "success")
    return redirect(url_for("accounts.login", next=next_url or None))


@bp.post("/account/confirm")
@login_required
def resend_confirmation():
    """Send a fresh confirmation link to the signed-in user."""
    if service.is_confirmed(current_user):
        flash(gettext("Your email address is already confirmed."), "info")
        return redirect(url_for("accounts.account"))
    try:
        with unit_of_work(db.session):
            service.record_mail_request(db.session, "confirm", current_user.email,
                                        request.remote_addr or "")
    except MailThrottled as exc:
        flash(exc.message, "error")
        return redirect(url_for("accounts.account"))
    if _send_confirmation(current_user, _next_from_request()):
        flash(gettext("We have sent a new link to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("accounts.account"))


# ---------------------------------------------------------------------------- signing in and out

@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Sign in with email and password; failures are counted and throttled."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = _next_from_request()
        if current_user.is_authenticated:
            return redirect(form.next.data or url_for("consultations.index"))
    messages: list[str] = []
    status = 200
    if form.validate_on_submit():
        config = current_app.config
        # A refused sign-in still ends the unit of work normally: a wrong password's recorded
        # failure must be committed (it counts towards the limits), and a throttled attempt
        # is refused before anything is written.
        refusal: AccountError | None = None
        with unit_of_work(db.session):
            try:
                user = service.authenticate(
                    db.session, form.email.data, form.password.data, request.remote_addr or "",
                    secret_key=_secret(), browser_token=request.cookies.get(KNOWN_BROWSER_COOKIE),
                    per_source=config.get("LOGIN_MAX_FAILURES_PER_SOURCE",
                                          service.MAX_FAILURES_PER_SOURCE),
                    per_ip=config.get("LOGIN_MAX_FAILURES_PER_IP", service.MAX_FAILURES_PER_IP),
                    per_account=config.get("LOGIN_MAX_FAILURES_PER_ACCOUNT",
                                           service.MAX_FAILURES_PER_ACCOUNT),
                )
                # Told only once the password is right: nobody else learns the account exists.
                deactivation.refuse_deactivated(user)
            except AccountError as exc:
                refusal = exc
            else:
                _sign_in(user)
        if isinstance(refusal, LoginThrottled):
            messages, status = [refusal.message], 429
            retry_after = refusal.retry_at
        elif refusal is not None:
            messages, status = [refusal.message], 200
        else:
            with written_in(language_for(user)):  # the next page may be in their own language
                flash(gettext("You are signed in as %(name)s.", name=user.display_name), "success")
            return _remember_browser(
                redirect(service.safe_next(form.next.data) or url_for("consultations.index")),
                user)
    response = current_app.make_response(
        (render_template("accounts/login.html", form=form, messages=messages), status))
    if status == 429:
        seconds = max(1, int((retry_after - utcnow()).total_seconds()))
        response.headers["Retry-After"] = str(seconds)
    return response


@bp.post("/logout")
def logout():
    """Sign out of this browser: its session ends on the server, so a copy of it ends too."""
    with unit_of_work(db.session):
        _sign_out()
    flash(gettext("You have signed out."), "success")
    return redirect(url_for("consultations.index"))


@bp.post("/account/sign-out-everywhere")
@login_required
def logout_everywhere():
    """Sign out of every browser and device, this one included."""
    with unit_of_work(db.session):
        user = service.end_all_sessions(db.session, current_user.id)
        _sign_out()
    flash(gettext("You have signed out on every device."), "success")
    # Every other browser stops being known to the account (a lost one must not stay exempt
    # from the sign-in limits); the owner's, which asked, stays known.
    return _remember_browser(redirect(url_for("accounts.login")), user)


# ---------------------------------------------------------------------------- the account

@bp.get("/account")
@login_required
def account():
    """The signed-in user's account: email, confirmation, measures in force, password, deletion."""
    sanctions = moderation_service.active_sanctions(db.session, current_user.id)
    return render_template("accounts/account.html", action=ActionForm(), sanctions=sanctions)


@bp.get("/account/data.json")
@login_required
def personal_data():
    """Everything the site holds about the signed-in person, as a JSON file to keep."""
    now = utcnow()
    data = personal_data_of(db.session, current_user.id, now)
    response = current_app.response_class(json.dumps(data, ensure_ascii=False, indent=2) + "\n",
                                          mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="consult-my-data-{now:%Y-%m-%d}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; other sessions end, this one continues."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            with unit_of_work(db.session):
                user = service.change_password(
                    db.session, current_user.id, form.current_password.data, form.password.data,
                    form.confirm.data, keep_session=session.get(SESSION_KEY))
        except AccountError as exc:
            _field_error(form, exc)
        else:
            login_user(user)  # the session now carries the new session version; same record
            _send(user.email, service.password_changed_message(_site(), user))
            flash(gettext("Your password has been changed. You have been signed out everywhere else."),
                  "success")
            # The old token named the old password; this browser stays known.
            return _remember_browser(redirect(url_for("accounts.account")), user)
    return render_template("accounts/change_password.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
def reset_request():
    """Ask for a link to choose a new password."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        try:
            with unit_of_work(db.session):
                user = service.user_for_reset_request(db.session, form.email.data)
                service.record_mail_request(db.session, "reset", form.email.data,
                                            request.remote_addr or "")
        except MailThrottled as exc:
            _field_error(form, exc)
            seconds = max(1, int((exc.retry_at - utcnow()).total_seconds()))
            return render_template("accounts/reset_request.html", form=form), 429, {"Retry-After": str(seconds)}
        except AccountError as exc:
            _field_error(form, exc)
        else:
            if user is not None and user.deactivated_at is None:  # the same answer either way
                token = service.reset_token(_secret(), user)
                link = url_for("accounts.reset", token=token, _external=True)
                _send(user.email, service.reset_message(_site(), user, link))
            flash(gettext("If there is an account for %(email)s, we have sent it a link to choose a "
                          "new password.", email=form.email.data.strip()), "success")
            return redirect(url_for("accounts.check_email"))
    return render_template("accounts/reset_request.html", form=form)


def _password_from_link(form: ResetForm, choose, welcome, after=None):
    """The password form of a link sent by mail: choose the password (`choose(new, confirm)`)
    and sign in, then the account page with `welcome(user)` (and `after(user)` once stored);
    None while the form is to be shown (first, or again with its errors)."""
    if not form.validate_on_submit():
        return None
    try:
        with unit_of_work(db.session):
            user = choose(form.password.data, form.confirm.data)
            _sign_in(user)
    except AccountError as exc:
        _field_error(form, exc)
        return None
    if after is not None:
        after(user)
    flash(welcome(user), "success")
    return _remember_browser(redirect(url_for("accounts.account")), user)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Choose a new password from a reset link (which then stops working)."""
    try:
        service.user_for_reset(db.session, _secret(), token)  # deactivated accounts are refused too
    except InvalidToken as exc:
        return render_template("accounts/link_invalid.html", message=exc.message,
                               purpose="reset"), 400
    form = ResetForm()
    done = _password_from_link(
        form, lambda new, confirm: service.reset_password(db.session, _secret(), token, new, confirm),
        lambda user: gettext("Your password has been changed and you are signed in."),
        # Told by mail, as a change from the account page is: a reset someone else made is seen.
        after=lambda user: _send(user.email, service.password_changed_message(_site(), user)))
    return done or render_template("accounts/reset.html", form=form, token=token)


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete():
    """Delete the account after saying what happens to published comments."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            with unit_of_work(db.session):
                service.delete_account(db.session, current_user.id, form.password.data)
                _sign_out()
        except AccountError as exc:
            _field_error(form, exc)
        else:
            flash(gettext("Your account has been deleted. Your published comments now show "
                          "\u201c%(former)s\u201d as their author.",
                          former=gettext(service.FORMER_PARTICIPANT)), "success")
            return redirect(url_for("consultations.index"))
    return render_template("accounts/delete.html", form=form,
                           former=gettext(service.FORMER_PARTICIPANT))


@bp.get("/dev/outbox")
def outbox():
    """Development only: the emails that would have been sent, newest first."""
    if not outbox_enabled():
        abort(404)
    messages = read_outbox(current_app.config["OUTBOX_DIR"])
    return render_template("accounts/outbox.html", messages=messages)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Choose a password from the link in an invitation, and so start using the account."""
    try:
        invited = invitations.user_for_invitation(db.session, _secret(), token)
    except InvalidToken as exc:
        return render_template("accounts/link_invalid.html", message=exc.message,
                               purpose="invitation"), 400
    form = ResetForm()
    done = _password_from_link(
        form, lambda new, confirm: invitations.accept_invitation(db.session, _secret(), token, new, confirm),
        lambda user: gettext("Welcome, %(name)s. Your password is saved and you are signed in.",
                             name=user.display_name))
    return done or render_template("accounts/invitation.html", form=form, token=token, person=invited)
