"""Published moderation statistics and the audit trail read a page at a time."""
from __future__ import annotations

import statistics as stats

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from moderation.db import DbSession
from moderation.models import (
    APPROVE,
    ESCALATE,
    ESCALATED,
    OPEN_STATES,
    REDACT,
    REJECT,
    RELEASED,
    REMOVE,
    Appeal,
    AuditEntry,
    Decision,
    QueueItem,
    TextPrint,
)

# Where each comment received stands now: every comment is in exactly one of these, so they add
# up to "received".
STANDING = ("published_without_review", "waiting", "with_an_official", "approved", "rejected",
            "redacted", "published_after_edit", "withdrawn_before_decision")


def statistics(session: DbSession, consultation_id: int | None = None) -> dict:
    """Published moderation figures, overall or for one consultation: comments counted once each.

    Each comment received is counted once, by where it stands now (STANDING): under review, or
    the outcome of its latest decision, so a comment rejected, redacted on appeal and later
    removed counts as rejected only. Appeals, overturns, escalations, holds and flags are
    counted beside that, each comment (or appeal) once.
    """
    def scoped(query, column):
        return query.where(column == consultation_id) if consultation_id else query

    open_items = scoped(
        select(QueueItem.comment_id.label("comment_id"),
               func.max(case((QueueItem.state == ESCALATED, 1), else_=0)).label("escalated"))
        .where(QueueItem.state.in_(OPEN_STATES)).group_by(QueueItem.comment_id),
        QueueItem.consultation_id).subquery()
    latest = scoped(
        select(Decision.comment_id.label("comment_id"), func.max(Decision.id).label("decision_id"))
        .where(Decision.outcome != ESCALATE).group_by(Decision.comment_id),
        Decision.consultation_id).subquery()
    queued = scoped(select(QueueItem.comment_id.label("comment_id"),
                           func.max(case((QueueItem.state == RELEASED, 1), else_=0)).label("released"))
                    .group_by(QueueItem.comment_id), QueueItem.consultation_id).subquery()
    current = aliased(Decision)
    standing = case(
        (open_items.c.comment_id.is_not(None),
         case((open_items.c.escalated == 1, "with_an_official"), else_="waiting")),
        (current.outcome == APPROVE, "approved"),
        (current.outcome.in_((REJECT, REMOVE)), "rejected"),
        (current.outcome == REDACT, "redacted"),
        # Closed without a decision: the author's edit released it, or the author withdrew it.
        (queued.c.released == 1, "published_after_edit"),
        (queued.c.comment_id.is_not(None), "withdrawn_before_decision"),
        else_="published_without_review").label("standing")
    comments = scoped(
        select(standing).select_from(TextPrint)
        .outerjoin(open_items, open_items.c.comment_id == TextPrint.comment_id)
        .outerjoin(latest, latest.c.comment_id == TextPrint.comment_id)
        .outerjoin(current, current.id == latest.c.decision_id)
        .outerjoin(queued, queued.c.comment_id == TextPrint.comment_id),
        TextPrint.consultation_id).subquery()
    # Grouped outside: PostgreSQL would not match a CASE of bound strings in GROUP BY.
    counts: dict[str, int] = dict(session.execute(select(comments.c.standing, func.count())
                                                  .group_by(comments.c.standing)).all())
    figures: dict = {key: counts.get(key, 0) for key in STANDING}
    figures["received"] = sum(counts.values())

    rejected_by_rule: dict[str, int] = {}
    for rules in session.scalars(
            select(current.rules).select_from(latest)
            .join(current, current.id == latest.c.decision_id)
            .outerjoin(open_items, open_items.c.comment_id == latest.c.comment_id)
            .where(current.outcome.in_((REJECT, REMOVE)), open_items.c.comment_id.is_(None))):
        for rule in dict.fromkeys(rules or []):
            rejected_by_rule[rule] = rejected_by_rule.get(rule, 0) + 1

    def comments_where(*conditions, model=QueueItem):
        query = select(func.count(func.distinct(model.comment_id))).where(*conditions)
        return session.scalar(scoped(query, model.consultation_id)) or 0

    appeals = dict(session.execute(scoped(
        select(Appeal.outcome, func.count()).join(Decision, Decision.id == Appeal.decision_id)
        .group_by(Appeal.outcome), Decision.consultation_id)).all())
    waits = [(decided_at - queued_at).total_seconds() for decided_at, queued_at in session.execute(scoped(
        select(Decision.created_at, QueueItem.created_at).join(QueueItem, QueueItem.id == Decision.item_id)
        .where(Decision.outcome != ESCALATE), Decision.consultation_id))]
    figures.update({
        "held": comments_where(QueueItem.source.in_(("pre", "screening")), QueueItem.published.is_(False)),
        "flagged": comments_where(QueueItem.source == "flags"),
        "escalated": comments_where(Decision.outcome == ESCALATE, model=Decision),
        "appealed": sum(appeals.values()),
        "overturned": appeals.get("overturned", 0),
        "rejected_by_rule": rejected_by_rule,
        "median_hours_to_decision": round(stats.median(waits) / 3600, 1) if waits else None,
    })
    return figures


def audit_page(session: DbSession, before: int | None = None,
               limit: int = 50) -> tuple[list[AuditEntry], int | None]:
    """The moderation record, newest first, a page at a time: (entries, cursor of the next page)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if before is not None:
        query = query.where(AuditEntry.id < before)
    rows = list(session.scalars(query.limit(limit + 1)))
    page = rows[:limit]
    return page, page[-1].id if len(rows) > limit else None
