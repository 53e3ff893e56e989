"""Accounts: registering, confirming email, signing in and out, passwords, roles.

Other areas use three things from here:

- ``role_required(*roles)``: a view decorator; admins pass every check, anonymous visitors
  are sent to sign in (and brought back), anyone else gets a friendly 403.
- ``confirmed_required``: a view decorator for actions that need a confirmed email address
  (commenting); unconfirmed users get a page that explains and offers a new link.
- ``is_confirmed(user)``: the same test as a function, for templates and views that show a
  different button rather than refuse (also a template global).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, abort, render_template, session
from flask_login import current_user

from consult.accounts import models  # noqa: F401  (registers the accounts tables with the metadata)
from consult.accounts.service import is_confirmed, session_is_live
from consult.extensions import db, login_manager
from consult.i18n import N_, gettext
from consult.models import Role, User
from consult.text import whole_number

__all__ = ["confirmed_required", "init_app", "is_confirmed", "load_user", "role_required"]

_ROLE_NAMES = {r.value for r in Role}


# Where the session cookie keeps the key of its server-side record (accounts.models.UserSession).
SESSION_KEY = "_consult_session"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Load the user a session names, if its server-side record is live and its version current."""
    user_text, _, version_text = session_id.partition(":")
    user_id, version = whole_number(user_text), whole_number(version_text)
    if user_id is None or version is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at or user.deactivated_at or user.session_version != version:
        return None
    if not session_is_live(db.session, user.id, session.get(SESSION_KEY)):
        return None
    return user


# Who a page is for, in the reader's language.
_ROLE_PLURALS = {"citizen": N_("citizens"), "moderator": N_("moderators"), "official": N_("officials"),
                 "admin": N_("admins")}


def _describe(roles: tuple[str, ...]) -> str:
    names = [gettext(_ROLE_PLURALS[r]) for r in roles]
    if len(names) == 1:
        return names[0]
    return gettext("%(names)s and %(last)s", names=", ".join(names[:-1]), last=names[-1])


def role_required(*roles: Role | str) -> Callable:
    """Decorate a view so that only users holding one of the roles (or admins) reach it."""
    names = tuple(r.value if isinstance(r, Role) else r for r in roles)
    unknown = [r for r in names if r not in _ROLE_NAMES]
    if not names or unknown:
        raise ValueError(f"role_required needs roles among {sorted(_ROLE_NAMES)}, got {roles!r}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*names):
                abort(403, description=gettext(
                    "This page is for %(roles)s. You are signed in as %(name)s, whose account does "
                    "not have that role. If you need it, ask an administrator.",
                    roles=_describe(names), name=current_user.display_name))
            return view(*args, **kwargs)

        return wrapped

    return decorator


def confirmed_required(view: Callable) -> Callable:
    """Decorate a view that needs a signed-in user with a confirmed email address."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not is_confirmed(current_user):
            return render_template("accounts/unconfirmed.html"), 403
        return view(*args, **kwargs)

    return wrapped


def init_app(app: Flask) -> None:
    """Register the accounts and admin blueprints and tell Flask-Login where to sign in."""
    from consult.accounts import views

    login_manager.login_view = "accounts.login"
    login_manager.login_message = N_("Please sign in to continue.")
    login_manager.localize_callback = gettext  # shown in the reader's language
    login_manager.login_message_category = "info"
    app.register_blueprint(views.bp)
    app.register_blueprint(views.admin_bp)
    app.add_template_global(is_confirmed, "is_confirmed")
