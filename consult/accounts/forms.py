"""Account forms (Flask-WTF: every POST carries a CSRF token).

The forms only check that something was entered; what makes a value acceptable (a real email
address, a long enough password) is decided by the service, which reports it per field.
"""
from __future__ import annotations

from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

# Named _ so that `make messages` (pybabel's default keywords) extracts the labels and messages;
# lazy, because the forms are made once, at import, and read in each request's language.
from consult.forms import Form
from consult.i18n import LANGUAGES
from consult.i18n import lazy_gettext as _
from consult.models import Role

try:  # WTForms >= 3.3 wants choice objects; older versions take (value, label) pairs
    from wtforms import SelectChoice as _Choice
except ImportError:  # pragma: no cover
    def _Choice(value: str, label: str, **_attributes) -> tuple[str, str]:  # render_kw is not kept
        return (value, label)


def _required(message: str) -> InputRequired:
    return InputRequired(message=message)


class RegisterForm(Form):
    """Create an account."""

    email = EmailField(_("Email address"), [_required(_("Enter your email address."))])
    display_name = StringField(_("Your name, as shown with your comments"),
                               [_required(_("Enter the name to show with your comments."))])
    password = PasswordField(_("Password"), [_required(_("Choose a password."))])
    confirm = PasswordField(_("Type the password again"), [_required(_("Type the password again."))])
    next = HiddenField()


class LoginForm(Form):
    """Sign in."""

    email = EmailField(_("Email address"), [_required(_("Enter your email address."))])
    password = PasswordField(_("Password"), [_required(_("Enter your password."))])
    next = HiddenField()


class ResetRequestForm(Form):
    """Ask for a password-reset link."""

    email = EmailField(_("Email address"), [_required(_("Enter your email address."))])


class ResetForm(Form):
    """Choose a new password from a reset link."""

    password = PasswordField(_("New password"), [_required(_("Choose a new password."))])
    confirm = PasswordField(_("Type the new password again"),
                            [_required(_("Type the new password again."))])


class ChangePasswordForm(Form):
    """Change the password while signed in."""

    current_password = PasswordField(_("Current password"),
                                     [_required(_("Enter your current password."))])
    password = PasswordField(_("New password"), [_required(_("Choose a new password."))])
    confirm = PasswordField(_("Type the new password again"),
                            [_required(_("Type the new password again."))])


class DeleteAccountForm(Form):
    """Delete (anonymise) the signed-in account."""

    password = PasswordField(_("Your password"), [_required(_("Enter your password to confirm."))])


class ActionForm(Form):
    """A POST with nothing but its CSRF token (sign out, resend a link)."""


# The roles as the admin forms list them, in the reader's language.
_ROLE_LABELS = {Role.CITIZEN.value: _("Citizen"), Role.MODERATOR.value: _("Moderator"),
                Role.OFFICIAL.value: _("Official"), Role.ADMIN.value: _("Admin")}


class RoleForm(Form):
    """An admin changing one account's role."""

    role = SelectField(_("Role"), choices=[_Choice(r.value, _ROLE_LABELS[r.value]) for r in Role])
    reason = TextAreaField(_("Reason (optional)"), validators=[Optional(), Length(max=500)])


class InviteForm(Form):
    """An admin inviting someone: the account is made with this role; the mail sets the password."""

    email = EmailField(_("Email address"), [_required(_("Enter the email address to invite."))])
    display_name = StringField(_("Their name, as shown with their comments"),
                               [_required(_("Enter the name to show with their comments."))])
    role = SelectField(_("Role"), choices=[_Choice(r.value, _ROLE_LABELS[r.value]) for r in Role],
                       default=Role.MODERATOR.value, validate_choice=False)  # the service says why
    # Each language by its own name, marked as that language; the view starts it at the page's.
    language = SelectField(_("Language of the invitation and of the emails that follow"),
                           choices=[_Choice(code, name, render_kw={"lang": code}) for code, name in LANGUAGES.items()],
                           validate_choice=False)


class DeactivateForm(Form):
    """An admin deactivating an account, with the reason kept in the audit trail."""

    reason = TextAreaField(_("Reason (kept in the audit trail; not sent to them)"),
                           render_kw={"rows": 3, "maxlength": 2000})
