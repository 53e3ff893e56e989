"""Administering accounts: the list of users, and the roles they hold."""
from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import func, select

from consult.accounts.service.common import AccountError, live_user
from consult.models import Role, User
from moderation.db import DbSession


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


def list_users(session: DbSession, search: str = "", page: int = 1, per_page: int = 50) -> UserPage:
    """Live accounts, oldest first, optionally those whose email contains `search`."""
    query = select(User).where(User.deleted_at.is_(None))
    search = (search or "").strip().lower()
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(User.email).like(f"%{escaped}%", escape="\\"))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    users = session.scalars(
        query.order_by(User.id).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return UserPage(list(users), total, page, per_page)


def set_role(session: DbSession, actor_id: int, user_id: int, role: str) -> User:
    """Give an account a role; an admin cannot take admin away from themselves."""
    if role not in {r.value for r in Role}:
        raise AccountError(f"Unknown role '{role}'.", "role")
    user = live_user(session, user_id)
    if user.id == actor_id and user.role == Role.ADMIN.value and role != Role.ADMIN.value:
        raise AccountError(
            "You cannot remove your own admin role. Ask another admin to do it.", "role")
    user.role = role
    return user
