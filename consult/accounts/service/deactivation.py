"""Deactivating an account: it can no longer sign in and its sessions end; everything it wrote
stays as it was. Reactivating lets it sign in again with the same password."""
from __future__ import annotations

from datetime import datetime

from consult.accounts.service.common import AccountError, live_user
from consult.accounts.service.sessions import end_sessions_of
from consult.i18n import N_, gettext
from consult.models import User, utcnow
from moderation.db import DbSession
from moderation.service import MAX_NOTE, audit

# Shown only to someone who typed the account's right password (see refuse_deactivated), so it
# tells nobody else more than "Email or password is not right." does.
DEACTIVATED = N_("This account has been deactivated by an administrator, so it cannot sign in. "
                 "Your comments are still on the site. If you think this is a mistake, contact the "
                 "people who run this site and ask for it to be reactivated.")


class AccountDeactivated(AccountError):
    """A right password for an account an administrator has deactivated."""


def refuse_deactivated(user: User) -> None:
    """Raise AccountDeactivated for a deactivated account (call only once the password is right)."""
    if user.deactivated_at is not None:
        raise AccountDeactivated(gettext(DEACTIVATED), "email")


def deactivate(session: DbSession, actor_id: int, user_id: int, reason: str = "",
               now: datetime | None = None) -> User:
    """Stop an account signing in and end its sessions; its comments stay (audited)."""
    user = live_user(session, user_id)
    if user.id == actor_id:
        raise AccountError(gettext("You cannot deactivate your own account. Ask another admin to do it."))
    if user.deactivated_at is not None:
        raise AccountError(gettext("%(name)s\u2019s account is already deactivated.", name=user.display_name))
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_NOTE:
        raise AccountError(gettext("Keep the reason to %(limit)s characters.", limit=f"{MAX_NOTE:,}"), "reason")
    user.deactivated_at = now or utcnow()
    end_sessions_of(session, user.id)
    # Sessions also carry the version (User.get_id): bumping it ends them even without records.
    user.session_version = (user.session_version or 0) + 1
    audit(session, "deactivated", "user", user.id, actor_id=actor_id, reason=reason)
    return user


def reactivate(session: DbSession, actor_id: int, user_id: int) -> User:
    """Let a deactivated account sign in again, with its own password (audited)."""
    user = live_user(session, user_id)
    if user.deactivated_at is None:
        raise AccountError(gettext("%(name)s\u2019s account is active already.", name=user.display_name))
    user.deactivated_at = None
    audit(session, "reactivated", "user", user.id, actor_id=actor_id)
    return user
