"""Flags from readers and appeals from authors (an appeal goes to a moderator new to the comment)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, column, func, or_, select, table
from sqlalchemy.exc import IntegrityError

from moderation import signals
from moderation.db import DbSession, utcnow
from moderation.models import (
    ESCALATE,
    ESCALATED,
    OPEN_STATES,
    REDACT,
    REJECT,
    REMOVE,
    Appeal,
    Assignment,
    AuditEntry,
    Decision,
    Flag,
    QueueItem,
)
from moderation.service.common import APPEAL_DAYS, MAX_NOTE, N_, ModerationError, audit
from moderation.service.rules import current_rules, rule_label


def flag(session: DbSession, *, comment_id: int, consultation_id: int, comment_author_id: int,
         comment_text: str, comment_revision: int, user_id: int, rule: str, note: str = "",
         threshold: int = 3, now: datetime | None = None, sender: object = None) -> tuple[Flag, bool]:
    """Record a reader's report: the first one queues the comment for a moderator (still public),
    later ones add to that item, and at the threshold the comment is hidden until a moderator
    decides. Returns (flag, hidden by this report)."""
    now = now or utcnow()
    if user_id == comment_author_id:
        raise ModerationError(N_("You cannot report your own comment; withdraw or edit it instead."))
    in_force = {r["anchor"]: r for r in current_rules(session).rules}
    if rule not in in_force:
        raise ModerationError(N_("Choose the house rule you think the comment breaks."))
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ModerationError(N_("The note is limited to %(limit)s characters."), limit=f"{MAX_NOTE:,}")
    # One report at a time per comment (a row lock on PostgreSQL; SQLite's writes are serial), so
    # two readers reporting together never open two items for one comment.
    comments = table("comments", column("id"))
    session.execute(select(comments.c.id).where(comments.c.id == comment_id).with_for_update())
    record = Flag(comment_id=comment_id, user_id=user_id, rule=rule, note=note, created_at=now)
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        raise ModerationError(N_("You have already reported this comment; each person can report a "
                                 "comment once."), status=409) from None
    # Only reports since the last decision count: an approved comment is not hidden again by one.
    last_decided = session.scalar(select(func.max(Decision.created_at)).where(Decision.comment_id == comment_id))
    counted = select(func.count()).select_from(Flag).where(Flag.comment_id == comment_id)
    if last_decided is not None:
        counted = counted.where(Flag.created_at > last_decided)
    count = session.execute(counted).scalar_one()
    item = session.scalar(select(QueueItem).where(QueueItem.comment_id == comment_id,
                                                  QueueItem.state.in_(OPEN_STATES))
                          .order_by(QueueItem.id).limit(1))
    reason = {"code": "flags", "rule": rule, "spans": [],
              "message": f"Reported by readers under {rule_label(in_force[rule])}."}
    if item is None:
        item = QueueItem(comment_id=comment_id, consultation_id=consultation_id,
                         author_id=comment_author_id, text=comment_text,
                         comment_revision=comment_revision, source="flags", published=True,
                         reasons=[reason], created_at=now)
        session.add(item)
        session.flush()
    elif not any(r.get("code") == "flags" and r.get("rule") == rule for r in item.reasons or []):
        # A new rule cited joins the item's reasons; its version is not bumped, so a moderator
        # reading the item can still decide it.
        item.reasons = [*(item.reasons or []), reason]
    audit(session, "flagged", "comment", comment_id, actor_id=user_id,
          consultation_id=consultation_id, rule=rule, item_id=item.id)
    # Hidden once, when the count reaches the threshold (later reports find it hidden already).
    if count == threshold:
        audit(session, "hidden_pending_review", "comment", comment_id,
              consultation_id=consultation_id, item_id=item.id, flags=count)
        signals.hidden.send(sender, session=session, item=item)
        return record, True
    return record, False


def reported_by(session: DbSession, comment_id: int, user_id: int) -> Flag | None:
    """This person's report on this comment, or None (each person reports a comment once)."""
    return session.scalar(select(Flag).where(Flag.comment_id == comment_id, Flag.user_id == user_id))


def comments_reported_by(session: DbSession, user_id: int) -> set[int]:
    """The ids of the comments this person has reported."""
    return set(session.scalars(select(Flag.comment_id).where(Flag.user_id == user_id)))


def reports_on(session: DbSession, comment_id: int, since: datetime | None = None) -> list[Flag]:
    """The readers' reports on a comment, oldest first (those after `since` when given)."""
    query = select(Flag).where(Flag.comment_id == comment_id)
    if since is not None:
        query = query.where(Flag.created_at > since)
    return list(session.scalars(query.order_by(Flag.id)))


APPEALABLE = (REJECT, REDACT, REMOVE)


@dataclass(frozen=True)
class AppealFacts:
    """What decides whether one decision may be appealed, besides its outcome and its age."""

    on_appeal: bool = False  # made on an appeal: final
    appealed: bool = False  # already appealed once
    superseded: bool = False  # a later decision on the comment replaced it
    under_review: bool = False  # the comment is in the queue now
    withdrawn: bool = False  # its author withdrew the comment


def appeal_refusal(decision: Decision, facts: AppealFacts,
                   now: datetime | None = None) -> ModerationError | None:
    """Why a decision cannot be appealed now, or None when it can (pure: pages ask it for many)."""
    now = now or utcnow()
    if facts.on_appeal:
        return ModerationError(N_("This decision is the outcome of an appeal, and the outcome of an "
                                  "appeal is final: it cannot be appealed again."), status=409)
    if decision.outcome not in APPEALABLE:
        return ModerationError(N_("Only a decision not to publish, to redact or to remove can be appealed."))
    if facts.withdrawn:
        return ModerationError(N_("You withdrew this comment, so there is no decision left to appeal."),
                               status=409)
    if facts.superseded:
        return ModerationError(N_("A later decision on this comment replaced this one: it is the later "
                                  "one you can appeal."), status=409)
    if now - decision.created_at > timedelta(days=APPEAL_DAYS):
        ended = decision.created_at + timedelta(days=APPEAL_DAYS)
        return ModerationError(N_("The decision was made on %(date)s, so the time to appeal it ended on "
                                  "%(ended)s: appeals must be made within %(days)s days."), status=409,
                               days=APPEAL_DAYS, date=decision.created_at, ended=ended)
    if facts.appealed:
        return ModerationError(N_("This decision has already been appealed; each decision can be "
                                  "appealed once."), status=409)
    if facts.under_review:
        return ModerationError(N_("A moderator is looking at this comment again now. You can appeal "
                                  "what they decide."), status=409)
    return None


def appeal_facts(session: DbSession, decisions: Sequence[Decision]) -> dict[int, AppealFacts]:
    """The appeal facts of each of these decisions, by decision id, in five queries at most."""
    if not decisions:
        return {}
    comment_ids = list({d.comment_id for d in decisions})
    latest = dict(session.execute(
        select(Decision.comment_id, func.max(Decision.id))
        .where(Decision.comment_id.in_(comment_ids), Decision.outcome != ESCALATE)
        .group_by(Decision.comment_id)).all())
    in_queue = set(session.scalars(select(QueueItem.comment_id).where(
        QueueItem.comment_id.in_(comment_ids), QueueItem.state.in_(OPEN_STATES))))
    withdrawn = set(session.scalars(select(AuditEntry.subject_id).where(
        AuditEntry.subject_type == "comment", AuditEntry.subject_id.in_(comment_ids),
        AuditEntry.action == "withdrawn_by_author")))
    appealed = set(session.scalars(select(Appeal.decision_id).where(
        Appeal.decision_id.in_([d.id for d in decisions]))))
    on_appeal = set(session.scalars(select(QueueItem.id).where(
        QueueItem.id.in_([d.item_id for d in decisions]), QueueItem.source == "appeal")))
    return {d.id: AppealFacts(on_appeal=d.item_id in on_appeal, appealed=d.id in appealed,
                              superseded=latest.get(d.comment_id, d.id) != d.id,
                              under_review=d.comment_id in in_queue,
                              withdrawn=d.comment_id in withdrawn) for d in decisions}


def can_appeal(session: DbSession, decision: Decision, now: datetime | None = None) -> bool:
    """Whether the author may appeal this decision now (an appeal's own outcome: never)."""
    return appeal_refusal(decision, appeal_facts(session, [decision])[decision.id], now) is None


def check_appeal(session: DbSession, decision_id: int, author_id: int,
                 now: datetime | None = None) -> Decision:
    """The decision, if this author may appeal it now; otherwise a ModerationError saying why."""
    decision = session.get(Decision, decision_id)
    if decision is None or decision.outcome == ESCALATE:
        # An escalation is between moderators and officials: nothing for the author to see.
        raise ModerationError(N_("There is no such decision."), status=404)
    item = session.get_one(QueueItem, decision.item_id)
    if item.author_id != author_id:
        raise ModerationError(N_("You can only appeal decisions on your own comments."), status=403)
    refusal = appeal_refusal(decision, appeal_facts(session, [decision])[decision.id], now)
    if refusal is not None:
        raise refusal
    return decision


def appeal(session: DbSession, decision_id: int, author_id: int, reason: str, *,
           now: datetime | None = None) -> Appeal:
    """Appeal a decision (once, within 30 days): a moderator new to the comment reviews it."""
    now = now or utcnow()
    decision = check_appeal(session, decision_id, author_id, now)
    item = session.get_one(QueueItem, decision.item_id)
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError(N_("Say why you think the decision was wrong."))
    if len(reason) > MAX_NOTE:
        raise ModerationError(N_("Your reason is limited to %(limit)s characters."), limit=f"{MAX_NOTE:,}")
    review = QueueItem(comment_id=item.comment_id, consultation_id=item.consultation_id,
                       author_id=author_id, text=item.text, comment_revision=item.comment_revision,
                       source="appeal", published=False, created_at=now,
                       excluded_moderator_id=decision.moderator_id,
                       reasons=[{"code": "appeal", "rule": r, "spans": [],
                                 "message": f"The author appeals: {reason}"} for r in decision.rules or [""]])
    session.add(review)
    session.flush()
    record = Appeal(decision_id=decision_id, author_id=author_id, reason=reason, item_id=review.id,
                    created_at=now)
    session.add(record)
    session.flush()
    audit(session, "appealed", "comment", item.comment_id, actor_id=author_id,
          consultation_id=item.consultation_id, decision_id=decision_id, appeal_id=record.id)
    return record


def appeal_on(session: DbSession, decision_id: int) -> Appeal | None:
    """The appeal made against a decision, or None."""
    return session.scalar(select(Appeal).where(Appeal.decision_id == decision_id))


def appeal_excluded(session: DbSession, item: QueueItem) -> list[int]:
    """Who may not decide this item: on an appeal, everyone who took part in an earlier decision
    on the comment (the moderator appealed against, and any before them). Empty otherwise."""
    if item.source != "appeal":
        return []
    earlier = {m for m in session.scalars(select(Decision.moderator_id).distinct().where(
        Decision.comment_id == item.comment_id, Decision.item_id != item.id,
        Decision.moderator_id.is_not(None))) if m is not None}
    if item.excluded_moderator_id:
        earlier.add(item.excluded_moderator_id)
    return sorted(earlier)


def appeal_deciders(session: DbSession, item: QueueItem, limit: int = 20) -> list[int]:
    """Who may decide this appeal: new to the comment, and moderating its consultation (or, once
    it is escalated, an official). At most `limit`, by id: ask for one more to know of others."""
    users = table("users", column("id"), column("role"), column("deleted_at"))
    assigned_elsewhere = (select(Assignment.user_id).where(Assignment.user_id == users.c.id)
                          .where(Assignment.consultation_id != item.consultation_id))
    assigned_here = (select(Assignment.user_id).where(Assignment.user_id == users.c.id)
                     .where(Assignment.consultation_id == item.consultation_id))
    who = [users.c.role == "admin",
           and_(users.c.role == "moderator", or_(assigned_here.exists(), ~assigned_elsewhere.exists()))]
    if item.state == ESCALATED:  # officials decide the items escalated to them
        who.append(users.c.role == "official")
    query = (select(users.c.id).where(users.c.deleted_at.is_(None),
                                      users.c.id.not_in(appeal_excluded(session, item) or [0]),
                                      or_(*who))
             .order_by(users.c.id).limit(limit))
    return list(session.scalars(query))
