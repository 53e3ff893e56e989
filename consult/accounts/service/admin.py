"""Administering accounts: finding users, one user's roles and assignments, and the roles they hold.

Every change an administrator makes is written to the audit trail (moderation's append-only
record) in the same transaction, with the administrator as its actor.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select

from consult.accounts.service.common import AccountError, live_user
from consult.i18n import N_, gettext
from consult.models import Comment, Consultation, Role, User
from consult.status_words import ROLE_WORDS
from moderation.db import DbSession
from moderation.models import Assignment, AuditEntry
from moderation.service import active_sanctions, audit

# What the user list can show: every live account, or those in one standing.
STANDINGS = {"active": "Active", "invited": "Invited, no password chosen yet",
             "deactivated": "Deactivated"}
ROLE_VALUES = tuple(r.value for r in Role)
MAX_SEARCH = 200
# The password hash of an account created by an invitation, until its owner chooses a password:
# not an argon2 hash, so verify_password() refuses every password for it.
INVITED_PREFIX = "!invited-"


@dataclass
class UserFilters:
    """What the administrator asked the user list to show, and what was wrong with it."""

    search: str = ""
    role: str = ""
    standing: str = ""
    problems: dict[str, str] = field(default_factory=dict)


def user_filters(search: str | None, role: str | None, standing: str | None) -> UserFilters:
    """The user list's filters from what was typed; unknown values are named in `problems`."""
    found = UserFilters(search=" ".join((search or "").split()), role=(role or "").strip(),
                        standing=(standing or "").strip())
    if len(found.search) > MAX_SEARCH:
        found.problems["q"] = gettext("Search for at most %(limit)s characters.", limit=MAX_SEARCH)
    if found.role and found.role not in ROLE_VALUES:
        found.problems["role"] = gettext("\u201c%(value)s\u201d is not a role: choose citizen, moderator, "
                                         "official or admin.", value=found.role[:40])
    if found.standing and found.standing not in STANDINGS:
        found.problems["standing"] = gettext("\u201c%(value)s\u201d is not an account state: choose active, "
                                             "invited or deactivated.", value=found.standing[:40])
    return found


@dataclass
class UserPage:
    """One page of the admin user list."""

    users: list[User]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, math.ceil(self.total / self.per_page))


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matching_users(search: str = "", role: str = "", standing: str = ""):
    """The query for live accounts whose name or email contains `search`, in a role and standing."""
    query = select(User).where(User.deleted_at.is_(None))
    search = (search or "").strip()
    if search:
        pattern = _like(search)
        query = query.where(or_(func.lower(User.email).like(pattern, escape="\\"),
                                func.lower(User.display_name).like(pattern, escape="\\")))
    if role:
        query = query.where(User.role == role)
    if standing == "deactivated":
        query = query.where(User.deactivated_at.is_not(None))
    elif standing == "invited":
        query = query.where(User.deactivated_at.is_(None), User.password_hash.like(INVITED_PREFIX + "%"))
    elif standing == "active":
        query = query.where(User.deactivated_at.is_(None),
                            User.password_hash.not_like(INVITED_PREFIX + "%"))
    return query


def list_users(session: DbSession, search: str = "", page: int = 1, per_page: int = 50, *,
               role: str = "", standing: str = "") -> UserPage:
    """Live accounts, oldest first, optionally those whose email or name contains `search`."""
    query = matching_users(search, role, standing)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    users = session.scalars(
        query.order_by(User.id).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return UserPage(list(users), total, page, per_page)


def is_invited(user: User) -> bool:
    """True while an invited person has not chosen a password yet."""
    return user.password_hash.startswith(INVITED_PREFIX)


def standing_of(user: User) -> str:
    """'active', 'invited' or 'deactivated'."""
    if user.deactivated_at is not None:
        return "deactivated"
    return "invited" if is_invited(user) else "active"


@dataclass
class UserDetail:
    """One account as an administrator sees it: roles, assignments, measures, activity."""

    user: User
    standing: str
    assigned: list[Consultation]
    sanctions: list
    comments: int
    history: list


def user_detail(session: DbSession, user_id: int) -> UserDetail:
    """An account with its assignments, measures in force, comment count and admin history."""
    user = live_user(session, user_id)
    assigned = list(session.scalars(
        select(Consultation).join(Assignment, Assignment.consultation_id == Consultation.id)
        .where(Assignment.user_id == user.id).order_by(Consultation.title)))
    comments = session.scalar(select(func.count()).select_from(Comment)
                              .where(Comment.author_id == user.id)) or 0
    history = list(session.scalars(
        select(AuditEntry).where(AuditEntry.subject_type == "user", AuditEntry.subject_id == user.id)
        .order_by(AuditEntry.id.desc()).limit(50)))
    return UserDetail(user, standing_of(user), assigned, active_sanctions(session, user.id),
                      comments, history)


# An account's changes in words, for its page, translated when shown (%(role)s and the like are
# the entry's details, the roles in the reader's words).
HISTORY_WORDS = {
    "invited": N_("Invited, as %(role)s"), "invitation_resent": N_("Invitation sent again"),
    "invitation_accepted": N_("Invitation accepted: password chosen"),
    "role_changed": N_("Role changed from %(previous_role)s to %(role)s"), "deactivated": N_("Deactivated"),
    "reactivated": N_("Reactivated"), "sanction": N_("Measure imposed"), "sanction_revoked": N_("Measure lifted"),
    "assigned": N_("Assigned to moderate a consultation"), "unassigned": N_("Taken off a consultation"),
}
# The words for an older entry without the details its sentence names.
HISTORY_SHORT_WORDS = {"invited": N_("Invited"), "role_changed": N_("Role changed")}
def history_words(action: str, detail: dict[str, str]) -> str:
    """One audit entry of an account in the reader's words ("Role changed from citizen to moderator")."""
    words = HISTORY_WORDS.get(action)
    if words is None:
        return action.replace("_", " ").capitalize()
    needed = re.findall(r"%\((\w+)\)s", words)
    if any(name not in detail for name in needed):
        short = HISTORY_SHORT_WORDS.get(action)
        return gettext(short) if short else action.replace("_", " ").capitalize()
    values = {name: gettext(ROLE_WORDS[detail[name]]) if detail[name] in ROLE_WORDS else detail[name]
              for name in needed}
    return gettext(words, **values)


def history_rows(session: DbSession, entries: list[AuditEntry]) -> list[dict]:
    """An account's audit entries as {entry, who, what, reason} for its page."""
    ids = {e.actor_id for e in entries if e.actor_id}
    people: dict[int, str] = dict(session.execute(
        select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
    automatic = gettext("Automatic")
    rows = []
    for entry in entries:
        detail = {k: v for k, v in (entry.detail or {}).items() if isinstance(v, str)}
        what = history_words(entry.action, detail)
        rows.append({"entry": entry, "who": people.get(entry.actor_id, automatic) if entry.actor_id
                     else automatic, "what": what,
                     "reason": detail.get("reason") or detail.get("note") or ""})
    return rows


def set_role(session: DbSession, actor_id: int, user_id: int, role: str, reason: str = "") -> User:
    """Give an account a role, with the reason if one is given (in the audit trail and the
    account's history); an admin cannot take admin away from themselves."""
    if role not in ROLE_VALUES:
        raise AccountError(gettext("Unknown role \u201c%(role)s\u201d.", role=role[:40]), "role")
    user = live_user(session, user_id)
    if user.id == actor_id and user.role == Role.ADMIN.value and role != Role.ADMIN.value:
        raise AccountError(
            gettext("You cannot remove your own admin role. Ask another admin to do it."), "role")
    if user.role != role:
        detail: dict[str, Any] = {"previous_role": user.role, "role": role}
        if reason and reason.strip():
            detail["reason"] = reason.strip()[:500]
        audit(session, "role_changed", "user", user.id, actor_id=actor_id, **detail)
    user.role = role
    return user
