"""The queue: who moderates which consultation, filters and keyset pages, opening and claiming items."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, column, or_, select, table

from moderation.db import DbSession, utcnow
from moderation.models import OPEN_STATES, WAITING, Assignment, QueueItem
from moderation.service.appeals import appeal_excluded
from moderation.service.common import CLAIM_MINUTES, PAGE_SIZE, ModerationError, audit


def moderated_consultations(session: DbSession, moderator_id: int) -> list[int] | None:
    """The consultations a moderator is assigned to, or None when they moderate everything."""
    ids = list(session.scalars(select(Assignment.consultation_id).where(Assignment.user_id == moderator_id)))
    return ids or None


def assign(session: DbSession, moderator_id: int, consultation_id: int, actor_id: int) -> Assignment:
    """Assign a moderator to a consultation (from then on, only to the ones assigned)."""
    users = table("users", column("id"), column("role"), column("deleted_at"))
    role = session.execute(select(users.c.role).where(users.c.id == moderator_id,
                                                      users.c.deleted_at.is_(None))).scalar()
    if role is None:
        raise ModerationError("There is no such user.", status=404)
    if role != "moderator":
        raise ModerationError("Only moderators can be assigned to consultations (administrators "
                              "moderate everything): give them the moderator role first.")
    consultations = table("consultations", column("id"))
    if session.scalar(select(consultations.c.id).where(consultations.c.id == consultation_id)) is None:
        raise ModerationError("There is no such consultation.", status=404)
    if session.scalar(select(Assignment.id).where(Assignment.user_id == moderator_id,
                                                  Assignment.consultation_id == consultation_id)):
        raise ModerationError("That moderator is already assigned to that consultation.", status=409)
    assignment = Assignment(user_id=moderator_id, consultation_id=consultation_id)
    session.add(assignment)
    audit(session, "assigned", "user", moderator_id, actor_id=actor_id,
          consultation_id=consultation_id)
    return assignment


def unassign(session: DbSession, moderator_id: int, consultation_id: int, actor_id: int) -> None:
    """Take a moderator off a consultation (with none left, they moderate everything again)."""
    assignment = session.scalar(select(Assignment).where(Assignment.user_id == moderator_id,
                                                         Assignment.consultation_id == consultation_id))
    if assignment is None:
        raise ModerationError("That moderator is not assigned to that consultation.", status=404)
    session.delete(assignment)
    audit(session, "unassigned", "user", moderator_id, actor_id=actor_id,
          consultation_id=consultation_id)


def assignments(session: DbSession) -> dict[int, list[int]]:
    """Moderator id -> the consultations they are assigned to (moderators with none are absent)."""
    found: dict[int, list[int]] = {}
    for user_id, consultation_id in session.execute(
            select(Assignment.user_id, Assignment.consultation_id).order_by(Assignment.id)):
        found.setdefault(user_id, []).append(consultation_id)
    return found


@dataclass
class QueueFilters:
    """What the moderator asked the queue to show."""

    consultation_id: int | None = None
    reason: str | None = None  # a reason code prefix, e.g. "personal_data"
    rule: str | None = None
    source: str | None = None  # pre, screening, flags, appeal
    campaign: str | None = None
    state: str = WAITING
    older_than_hours: int | None = None


@dataclass
class QueuePage:
    """One page of the queue and the cursor for the next one."""

    items: list[QueueItem]
    next_cursor: str | None


def _cursor(item: QueueItem) -> str:
    return f"{item.created_at.isoformat()}_{item.id}"


def parse_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """A queue cursor is '<created_at ISO>_<id>'; anything else is refused."""
    if not cursor:
        return None
    stamp, _, ident = cursor.rpartition("_")
    try:
        # ASCII digits, and few enough for the database: str.isdigit() and int() take "²" and "٣".
        if not re.fullmatch(r"[0-9]{1,18}", ident):
            raise ValueError(ident)
        return datetime.fromisoformat(stamp), int(ident)
    except ValueError:
        raise ModerationError("That page link is not valid: go back to the start of the queue.") from None


def queue_page(session: DbSession, filters: QueueFilters, *, moderator_id: int | None = None,
               is_admin: bool = False, cursor: str | None = None, limit: int = PAGE_SIZE,
               now: datetime | None = None) -> QueuePage:
    """Open items oldest first, filtered, by keyset pagination (no count of the whole table)."""
    now = now or utcnow()
    query = select(QueueItem).where(QueueItem.state == filters.state)
    if filters.consultation_id:
        query = query.where(QueueItem.consultation_id == filters.consultation_id)
    if moderator_id is not None and not is_admin:
        scope = moderated_consultations(session, moderator_id)
        if scope is not None:
            query = query.where(QueueItem.consultation_id.in_(scope))
    if filters.source:
        query = query.where(QueueItem.source == filters.source)
    if filters.campaign:
        query = query.where(QueueItem.campaign_key == filters.campaign)
    if filters.older_than_hours:
        query = query.where(QueueItem.created_at <= now - timedelta(hours=filters.older_than_hours))
    after = parse_cursor(cursor)
    if after:
        query = query.where(or_(QueueItem.created_at > after[0],
                                and_(QueueItem.created_at == after[0], QueueItem.id > after[1])))
    query = query.order_by(QueueItem.created_at, QueueItem.id)
    # Reason and rule live in a JSON list: filter in Python over bounded batches.
    wanted_reason, wanted_rule = filters.reason, filters.rule
    items: list[QueueItem] = []
    batch_query = query
    while len(items) <= limit:
        # Without a JSON-side filter one row more than the page is all that is needed.
        batch = list(session.scalars(batch_query.limit(200 if (wanted_reason or wanted_rule) else limit + 1)))
        for item in batch:
            codes = [r.get("code", "") for r in item.reasons or []]
            rules = [r.get("rule", "") for r in item.reasons or []]
            if wanted_reason and not any(c == wanted_reason or c.startswith(wanted_reason + ":") for c in codes):
                continue
            if wanted_rule and wanted_rule not in rules:
                continue
            items.append(item)
            if len(items) > limit:
                break
        if len(items) > limit or not (wanted_reason or wanted_rule) or len(batch) < 200:
            break
        last = batch[-1]
        batch_query = query.where(or_(QueueItem.created_at > last.created_at,
                                      and_(QueueItem.created_at == last.created_at, QueueItem.id > last.id)))
    page = items[:limit]
    return QueuePage(page, _cursor(page[-1]) if len(items) > limit else None)


def get_item(session: DbSession, item_id: int) -> QueueItem:
    """A queue item, or a 404-style error."""
    item = session.get(QueueItem, item_id)
    if item is None:
        raise ModerationError("There is no such item in the queue.", status=404)
    return item


def neighbours(session: DbSession, item: QueueItem, moderator_id: int, *,
               is_admin: bool = False) -> tuple[int | None, int | None]:
    """The previous and next open items in the same state (oldest first) that this moderator sees."""
    base = select(QueueItem.id).where(QueueItem.state == item.state)
    scope = None if is_admin else moderated_consultations(session, moderator_id)
    if scope is not None:
        base = base.where(QueueItem.consultation_id.in_(scope))
    after = session.scalar(base.where(
        (QueueItem.created_at > item.created_at)
        | ((QueueItem.created_at == item.created_at) & (QueueItem.id > item.id)))
        .order_by(QueueItem.created_at, QueueItem.id).limit(1))
    before = session.scalar(base.where(
        (QueueItem.created_at < item.created_at)
        | ((QueueItem.created_at == item.created_at) & (QueueItem.id < item.id)))
        .order_by(QueueItem.created_at.desc(), QueueItem.id.desc()).limit(1))
    return before, after


def check_scope(session: DbSession, item: QueueItem, moderator_id: int, is_admin: bool) -> None:
    """Refuse a moderator assigned to other consultations than this item's."""
    if is_admin:
        return
    scope = moderated_consultations(session, moderator_id)
    if scope is not None and item.consultation_id not in scope:
        raise ModerationError("You do not moderate this consultation; ask an administrator to "
                              "assign you to it.", status=403)


def claim(session: DbSession, item_id: int, moderator_id: int, *, is_admin: bool = False,
          now: datetime | None = None) -> tuple[QueueItem, int | None]:
    """Claim an item for a few minutes; returns (item, other moderator holding it or None)."""
    now = now or utcnow()
    item = get_item(session, item_id)
    check_scope(session, item, moderator_id, is_admin)
    if item.state not in OPEN_STATES or moderator_id in appeal_excluded(session, item):
        return item, None  # nothing to claim: closed, or an appeal this moderator may not decide
    if item.claimed_by not in (None, moderator_id) and item.claimed_until and item.claimed_until > now:
        return item, item.claimed_by
    if item.claimed_by != moderator_id or not item.claimed_until or item.claimed_until <= now:
        audit(session, "claimed", "comment", item.comment_id, actor_id=moderator_id,
              consultation_id=item.consultation_id, item_id=item.id)
    item.claimed_by = moderator_id
    item.claimed_until = now + timedelta(minutes=CLAIM_MINUTES)
    return item, None
