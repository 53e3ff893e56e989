"""The queue: who moderates which consultation, filters and keyset pages, opening and claiming items."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, column, func, or_, select, table

from moderation.db import DbSession, utcnow
from moderation.models import ESCALATED, OPEN_STATES, WAITING, Assignment, Flag, QueueItem
from moderation.service.appeals import appeal_excluded
from moderation.service.common import CLAIM_MINUTES, N_, PAGE_SIZE, ModerationError, audit


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
        raise ModerationError(N_("There is no such user."), status=404)
    if role != "moderator":
        raise ModerationError(N_("Only moderators can be assigned to consultations (administrators "
                                 "moderate everything): give them the moderator role first."))
    consultations = table("consultations", column("id"))
    if session.scalar(select(consultations.c.id).where(consultations.c.id == consultation_id)) is None:
        raise ModerationError(N_("There is no such consultation."), status=404)
    if session.scalar(select(Assignment.id).where(Assignment.user_id == moderator_id,
                                                  Assignment.consultation_id == consultation_id)):
        raise ModerationError(N_("That moderator is already assigned to that consultation."), status=409)
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
        raise ModerationError(N_("That moderator is not assigned to that consultation."), status=404)
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


# How the queue can be ordered: the name of each order, as the page offers it.
SORTS = {"oldest": "Oldest first", "newest": "Newest first", "flagged": "Most reported by readers",
         "campaign": "Largest campaign group first"}
MAX_TEXT_SEARCH = 200


@dataclass
class QueueFilters:
    """What the moderator asked the queue to show, and in which order."""

    consultation_id: int | None = None
    reason: str | None = None  # a reason code prefix, e.g. "personal_data"
    rule: str | None = None
    source: str | None = None  # pre, screening, flags, appeal
    campaign: str | None = None
    state: str = WAITING
    older_than_hours: int | None = None
    text: str | None = None  # words the comment contains (case-insensitive)
    sort: str = "oldest"


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
        raise ModerationError(N_("That page link is not valid: go back to the start of the queue.")) from None


def _sort_keys(sort: str) -> tuple[list, list[tuple[Any, bool]]]:
    """The outer joins a sort needs and its keys, (expression, descending), most significant first.

    Every order ends with the item's age and id, so it is total and pages never repeat an item.
    """
    age = [(QueueItem.created_at, False), (QueueItem.id, False)]
    if sort == "newest":
        return [], [(QueueItem.created_at, True), (QueueItem.id, True)]
    if sort == "flagged":
        flags = select(Flag.comment_id.label("comment_id"), func.count().label("n")) \
            .group_by(Flag.comment_id).subquery()
        return ([(flags, flags.c.comment_id == QueueItem.comment_id)],
                [(func.coalesce(flags.c.n, 0), True), *age])
    if sort == "campaign":
        # A group's size is its open items (as deciding "the whole campaign group" counts them).
        sizes = select(QueueItem.campaign_key.label("key"), func.count().label("n")) \
            .where(QueueItem.state.in_(OPEN_STATES), QueueItem.campaign_key.is_not(None)) \
            .group_by(QueueItem.campaign_key).subquery()
        return ([(sizes, sizes.c.key == QueueItem.campaign_key)],
                [(func.coalesce(sizes.c.n, 1), True), (func.coalesce(QueueItem.campaign_key, ""), False),
                 *age])
    return [], age


def _parse_sort_cursor(sort: str, cursor: str | None) -> list | None:
    """The key values a cursor of this sort carries ('<n>_[<group>_]<ISO>_<id>'), or a refusal."""
    if not cursor:
        return None
    if sort in ("oldest", "newest"):
        return list(parse_cursor(cursor) or ())
    count, _, rest = cursor.partition("_")
    values: list = []
    if not re.fullmatch(r"[0-9]{1,9}", count):
        raise ModerationError(N_("That page link is not valid: go back to the start of the queue."))
    values.append(int(count))
    if sort == "campaign":
        group, _, rest = rest.partition("_")
        if not re.fullmatch(r"[0-9a-f]{0,64}", group):
            raise ModerationError(N_("That page link is not valid: go back to the start of the queue."))
        values.append(group)
    return values + list(parse_cursor(rest) or ())


def _after(keys: list[tuple[Any, bool]], values: list) -> ColumnElement[bool]:
    """Rows that come after `values` in the order of `keys` (a keyset condition)."""
    branches = []
    for i, (expression, descending) in enumerate(keys):
        beyond = expression < values[i] if descending else expression > values[i]
        branches.append(and_(*[keys[j][0] == values[j] for j in range(i)], beyond))
    return or_(*branches)


def _escaped(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def queue_page(session: DbSession, filters: QueueFilters, *, moderator_id: int | None = None,
               is_admin: bool = False, cursor: str | None = None, limit: int | None = None,
               now: datetime | None = None) -> QueuePage:
    """Open items filtered and in the order asked (oldest first by default), by keyset pagination
    (no count of the whole table); `limit` items a page, PAGE_SIZE unless given."""
    now = now or utcnow()
    limit = limit or PAGE_SIZE
    sort = filters.sort if filters.sort in SORTS else "oldest"
    joins, keys = _sort_keys(sort)
    query = select(QueueItem, *(k for k, _d in keys[:-2])).where(QueueItem.state == filters.state)
    for joined, on in joins:
        query = query.outerjoin(joined, on)
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
    if filters.text:
        query = query.where(func.lower(QueueItem.text).like(_escaped(filters.text), escape="\\"))
    after = _parse_sort_cursor(sort, cursor)
    if after:
        query = query.where(_after(keys, after))
    query = query.order_by(*(k.desc() if d else k for k, d in keys))
    # Reason and rule live in a JSON list: filter in Python over bounded batches.
    wanted_reason, wanted_rule = filters.reason, filters.rule
    rows: list = []
    batch_query = query
    while len(rows) <= limit:
        # Without a JSON-side filter one row more than the page is all that is needed.
        batch = list(session.execute(batch_query.limit(200 if (wanted_reason or wanted_rule) else limit + 1)))
        for row in batch:
            item = row[0]
            codes = [r.get("code", "") for r in item.reasons or []]
            rules = [r.get("rule", "") for r in item.reasons or []]
            if wanted_reason and not any(c == wanted_reason or c.startswith(wanted_reason + ":") for c in codes):
                continue
            if wanted_rule and wanted_rule not in rules:
                continue
            rows.append(row)
            if len(rows) > limit:
                break
        if len(rows) > limit or not (wanted_reason or wanted_rule) or len(batch) < 200:
            break
        batch_query = query.where(_after(keys, _values(batch[-1])))
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:  # the sort's own key values first (none when sorted by age alone)
        next_cursor = "_".join([*(str(v) for v in page[-1][1:]), _cursor(page[-1][0])])
    return QueuePage([row[0] for row in page], next_cursor)


def _values(row) -> list:
    """A result row's key values: the sort's own, then the item's age and id."""
    item = row[0]
    return [*row[1:], item.created_at, item.id]


def escalated_waiting(session: DbSession, consultation_id: int) -> int:
    """How many comments of a consultation a moderator escalated to an official that no one has
    decided yet (the officials decide them in the queue, under "escalated")."""
    return session.scalar(select(func.count()).select_from(QueueItem).where(
        QueueItem.consultation_id == consultation_id, QueueItem.state == ESCALATED)) or 0


def get_item(session: DbSession, item_id: int) -> QueueItem:
    """A queue item, or a 404-style error."""
    item = session.get(QueueItem, item_id)
    if item is None:
        raise ModerationError(N_("There is no such item in the queue."), status=404)
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
        raise ModerationError(N_("You do not moderate this consultation; ask an administrator to "
                                 "assign you to it."), status=403)


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
