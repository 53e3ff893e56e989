"""Administering accounts: finding users, one user's roles and assignments, and the roles they hold.

Every change an administrator makes is written to the audit trail (moderation's append-only
record) in the same transaction, with the administrator as its actor.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from consult.accounts.service.common import AccountError, live_user
from consult.i18n import gettext
from consult.models import Comment, Consultation, Role, User
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
        found.problems["q"] = f"Search for at most {MAX_SEARCH} characters."
    if found.role and found.role not in ROLE_VALUES:
        found.problems["role"] = (f"\u201c{found.role[:40]}\u201d is not a role: choose citizen, "
                                  "moderator, official or admin.")
    if found.standing and found.standing not in STANDINGS:
        found.problems["standing"] = (f"\u201c{found.standing[:40]}\u201d is not an account state: "
                                      "choose active, invited or deactivated.")
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


# An account's changes in words, for its page ({role} and the like come from the entry's details).
HISTORY_WORDS = {
    "invited": "Invited, as {role}", "invitation_resent": "Invitation sent again",
    "invitation_accepted": "Invitation accepted: password chosen",
    "role_changed": "Role changed from {previous_role} to {role}", "deactivated": "Deactivated",
    "reactivated": "Reactivated", "sanction": "Measure imposed", "sanction_revoked": "Measure lifted",
    "assigned": "Assigned to moderate a consultation", "unassigned": "Taken off a consultation",
}


def history_rows(session: DbSession, entries: list[AuditEntry]) -> list[dict]:
    """An account's audit entries as {entry, who, what, reason} for its page."""
    ids = {e.actor_id for e in entries if e.actor_id}
    people: dict[int, str] = dict(session.execute(
        select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
    rows = []
    for entry in entries:
        detail = {k: v for k, v in (entry.detail or {}).items() if isinstance(v, str)}
        words = HISTORY_WORDS.get(entry.action, entry.action.replace("_", " ").capitalize())
        try:
            what = words.format(**detail)
        except (KeyError, IndexError, ValueError):
            what = words.split(",")[0].split(" from ")[0]
        rows.append({"entry": entry, "who": people.get(entry.actor_id, "Automatic") if entry.actor_id
                     else "Automatic", "what": what,
                     "reason": detail.get("reason") or detail.get("note") or ""})
    return rows


def set_role(session: DbSession, actor_id: int, user_id: int, role: str) -> User:
    """Give an account a role; an admin cannot take admin away from themselves."""
    if role not in ROLE_VALUES:
        raise AccountError(f"Unknown role '{role}'.", "role")
    user = live_user(session, user_id)
    if user.id == actor_id and user.role == Role.ADMIN.value and role != Role.ADMIN.value:
        raise AccountError(
            gettext("You cannot remove your own admin role. Ask another admin to do it."), "role")
    if user.role != role:
        audit(session, "role_changed", "user", user.id, actor_id=actor_id,
              previous_role=user.role, role=role)
    user.role = role
    return user
