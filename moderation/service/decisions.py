"""Decisions: one item or many, exactly one of two racing moderators winning, and what was decided."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import column, func, select, table, update
from sqlalchemy.engine import CursorResult

from moderation import screening, signals
from moderation.db import DbSession, utcnow
from moderation.models import (
    APPROVE,
    DECIDED,
    ESCALATE,
    ESCALATED,
    OPEN_STATES,
    OUTCOMES,
    REDACT,
    REJECT,
    RELEASED,
    REMOVE,
    WITHDRAWN,
    Appeal,
    Decision,
    HouseRulesVersion,
    QueueItem,
)
from moderation.service.appeals import appeal_excluded
from moderation.service.common import (
    MAX_NOTE,
    N_,
    OUTCOME_WORDS,
    CitedRules,
    Conflict,
    ModerationError,
    Term,
    audit,
)
from moderation.service.queue import check_scope, get_item
from moderation.service.rules import current_rules, rule_label, rule_titles


@dataclass
class DecisionRequest:
    """A moderator's decision as submitted, against the item version they saw."""

    outcome: str
    rules: Sequence[str] = ()
    note: str = ""
    redacted_text: str | None = None
    expected_version: int | None = None


def _checked_request(session: DbSession, request: DecisionRequest) -> tuple[HouseRulesVersion, list[str], str]:
    """Check what does not depend on the item (the outcome, the rules cited, the note).

    Returns (rules in force, rules cited, note). A bulk decision checks this once, so a
    selection decided without a rule is refused once, not item by item.
    """
    if request.outcome not in OUTCOMES:
        raise ModerationError(N_("Unknown decision '%(outcome)s'."), outcome=str(request.outcome)[:40])
    rules_version = current_rules(session)
    known = rule_titles(rules_version)
    # Rules are what a comment breaks: an approval cites none, even with the rules readers
    # reported it under still ticked on the form (the author would be told of a rule it kept).
    cited = [] if request.outcome == APPROVE else [r for r in dict.fromkeys(request.rules) if r]
    unknown = [r for r in cited if r not in known]
    if unknown:
        raise _changed_rules_refusal(session, unknown)
    if request.outcome in (REJECT, REDACT, REMOVE) and not cited:
        raise ModerationError(N_("Cite the house rule the comment breaks: the author is told which one."))
    note = (request.note or "").strip()
    if len(note) > MAX_NOTE:
        raise ModerationError(N_("The note is %(length)s characters; the limit is %(limit)s."),
                              length=f"{len(note):,}", limit=f"{MAX_NOTE:,}")
    return rules_version, cited, note


def _changed_rules_refusal(session: DbSession, anchors: Sequence[str]) -> ModerationError:
    """What a moderator citing rules no longer in force is told, naming them as they were (each in
    the newest version that had it, named in the reader's language where it is shown)."""
    old: dict[str, tuple[str, int]] = {}
    for version in session.scalars(select(HouseRulesVersion).order_by(HouseRulesVersion.number.desc())):
        for rule in version.rules:
            if rule["anchor"] in anchors:
                old.setdefault(rule["anchor"], (rule_label(rule), version.number))
        if len(old) == len(anchors):
            break
    named = [a for a in anchors if a in old]  # an anchor no version had is not echoed back
    if not named:
        return ModerationError(N_("That house rule has changed since you opened this page: read the rules "
                                  "again and choose again."))
    cited = CitedRules(" and ".join(old[a][0] for a in named), named, old[named[0]][1],
                       [old[a][1] for a in named])
    if len(named) == 1:
        return ModerationError(N_("That house rule (%(rule)s) has changed since you opened this page: read "
                                  "it again and choose again."), rule=cited)
    return ModerationError(N_("Those house rules (%(rules)s) have changed since you opened this page: "
                              "read them again and choose again."), rules=cited)


def decide(session: DbSession, item_id: int, moderator_id: int, request: DecisionRequest, *,
           is_admin: bool = False, now: datetime | None = None, sender: object = None) -> Decision:
    """Record one decision on a queue item; exactly one of two racing moderators wins."""
    now = now or utcnow()
    item = get_item(session, item_id)
    check_scope(session, item, moderator_id, is_admin)
    # Who may decide comes before what the decision lacks: an excluded moderator is not asked
    # to cite a rule for a decision they may not make.
    if moderator_id in appeal_excluded(session, item):
        raise ModerationError(N_("You took part in an earlier decision on this comment, so another "
                                 "moderator must review it: an appeal goes to someone new to it."),
                              status=403)
    if request.outcome == REJECT and item.published:
        # Rejecting a comment that is public removes it, leaving a placeholder: stored as such
        # whether decided alone or in bulk.
        request = replace(request, outcome=REMOVE)
    rules_version, cited, note = _checked_request(session, request)
    redacted = None
    if request.outcome == REDACT:
        redacted = (request.redacted_text or "").strip()
        if not redacted or redacted == item.text.strip():
            raise ModerationError(N_("Remove the personal or offending words from the text before "
                                     "publishing it redacted."))
        if (added := screening.not_in_original(item.text, redacted)) is not None:
            raise ModerationError(N_("A redaction only replaces the author's words with the mark; these "
                                     "words are not theirs: “%(words)s”. Start again from their text."),
                                  words=added[:80])
    if request.outcome == ESCALATE and item.state == ESCALATED:
        raise ModerationError(N_("This item is already escalated to an official."))
    expected = request.expected_version if request.expected_version is not None else item.version
    new_state = ESCALATED if request.outcome == ESCALATE else DECIDED
    # The version check and the state change are one statement: only one moderator can win.
    # An UPDATE without RETURNING gives a CursorResult, which carries the row count.
    won = cast(CursorResult[Any], session.execute(
        update(QueueItem)
        .where(QueueItem.id == item.id, QueueItem.version == expected,
               QueueItem.state.in_(OPEN_STATES))
        .values(state=new_state, version=QueueItem.version + 1,
                decided_at=now if new_state == DECIDED else None, claimed_by=None,
                claimed_until=None)
        .execution_options(synchronize_session=False)
    )).rowcount
    if won != 1:
        session.refresh(item)
        message, params = _conflict_message(session, item)
        raise Conflict(message, item, **params)
    session.refresh(item)
    decision = Decision(item_id=item.id, comment_id=item.comment_id,
                        consultation_id=item.consultation_id, moderator_id=moderator_id,
                        outcome=request.outcome, rules=cited, rules_version=rules_version.number,
                        note=note, redacted_text=redacted, automatic=bool(item.reasons) and item.source == "screening",
                        created_at=now)
    session.add(decision)
    session.flush()
    if item.source == "appeal":
        appeal = session.scalar(select(Appeal).where(Appeal.item_id == item.id))
        if appeal is not None and request.outcome != ESCALATE:
            appealed = session.get_one(Decision, appeal.decision_id)
            # Upheld when the appeal reaches the same result: not published (rejected or removed)
            # again, or redacted again; anything else overturns the decision appealed against.
            same = {REJECT: REMOVE, REMOVE: REJECT}.get(appealed.outcome) == request.outcome
            appeal.outcome = "upheld" if same or request.outcome == appealed.outcome else "overturned"
            appeal.decided_at = now
            audit(session, "appeal_decided", "comment", item.comment_id, actor_id=moderator_id,
                  consultation_id=item.consultation_id, appeal_id=appeal.id, outcome=appeal.outcome)
    audit(session, "decided", "comment", item.comment_id, actor_id=moderator_id,
          consultation_id=item.consultation_id, item_id=item.id, decision_id=decision.id,
          outcome=request.outcome, rules=cited, rules_version=rules_version.number, note=note)
    signals.decided.send(sender, session=session, item=item, decision=decision)
    return decision


def _conflict_message(session: DbSession, item: QueueItem) -> tuple[str, dict]:
    """Why a decision was not stored, as a marked message and its params."""
    if item.state in OPEN_STATES:
        return N_("The comment changed while you were reading it (its author edited it, or it joined a "
                  "campaign group). Nothing was stored: read the new text and decide again."), {}
    latest = latest_decision(session, item.id)
    if latest is None and item.state == RELEASED:
        return N_("Its author edited the comment so that nothing in it needs a moderator, and it was "
                  "published. Nothing was stored."), {}
    if latest is None and item.state == WITHDRAWN:
        return N_("Its author withdrew the comment, so there is nothing to decide. Nothing was stored."), {}
    if latest is None:
        return N_("Another moderator has already dealt with this item. Nothing was stored."), {}
    users = table("users", column("id"), column("display_name"))
    who = (session.scalar(select(users.c.display_name).where(users.c.id == latest.moderator_id))
           if latest.moderator_id else None)
    outcome = OUTCOME_WORDS.get(latest.outcome, Term(N_("decided")))
    params: dict = {"outcome": outcome}
    if latest.rules:
        version = session.scalar(select(HouseRulesVersion).where(HouseRulesVersion.number == latest.rules_version))
        index = {r["anchor"]: r for r in version.rules} if version else {}
        english = " and ".join(rule_label(index[a]) if a in index else "a rule since changed" for a in latest.rules)
        params["rules"] = CitedRules(english, latest.rules, latest.rules_version)
    if who:
        message = (N_("%(name)s already decided: %(outcome)s under %(rules)s. Your decision was not stored.")
                   if latest.rules else N_("%(name)s already decided: %(outcome)s. Your decision was not stored."))
        return message, {"name": who, **params}
    message = (N_("Another moderator already decided: %(outcome)s under %(rules)s. Your decision was not stored.")
               if latest.rules else N_("Another moderator already decided: %(outcome)s. Your decision was not stored."))
    return message, params


def latest_decision(session: DbSession, item_id: int) -> Decision | None:
    """The latest decision on a queue item, or None."""
    return session.scalar(select(Decision).where(Decision.item_id == item_id)
                          .order_by(Decision.id.desc()).limit(1))


@dataclass
class BulkResult:
    """What a bulk decision did: the decisions stored and the items someone else had decided."""

    decided: list[Decision]
    conflicts: list[tuple[int, str]]


def decide_many(session: DbSession, item_ids: Sequence[int], moderator_id: int,
                request: DecisionRequest, *, versions: dict[int, int] | None = None,
                campaign: str | None = None, is_admin: bool = False, now: datetime | None = None,
                sender: object = None) -> BulkResult:
    """Apply one decision to a selection; items already decided are reported, not overwritten.

    `versions` gives the item version the moderator saw for each item (from the queue page): an
    item changed since (the author edited it, someone else decided) is refused, like a single
    decision. With `campaign`, the group's open items are decided instead, at their current versions.
    """
    if request.outcome == REDACT:
        raise ModerationError(N_("Redact items one at a time: each text needs its own words removed."))
    if campaign:
        item_ids, versions = campaign_items(session, campaign), None
    if not item_ids:
        raise ModerationError(N_("Select at least one item."))
    if len(item_ids) > 500:
        raise ModerationError(N_("Decide at most %(limit)s items at once."), limit=500)
    check_bulk(session, request)  # a decision wrong for every item is refused once
    result = BulkResult([], [])
    for item_id in dict.fromkeys(item_ids):
        single = DecisionRequest(request.outcome, request.rules, request.note, request.redacted_text,
                                 (versions or {}).get(item_id))
        try:
            with session.begin_nested():
                result.decided.append(decide(session, item_id, moderator_id, single,
                                             is_admin=is_admin, now=now, sender=sender))
        except ModerationError as exc:  # decided by someone else, or refused for this item alone
            result.conflicts.append((item_id, exc.message))
    return result


def check_bulk(session: DbSession, request: DecisionRequest) -> None:
    """Refuse, once, a decision wrong for every item of a selection (before it is confirmed, too)."""
    if request.outcome == REDACT:
        raise ModerationError(N_("Redact items one at a time: each text needs its own words removed."))
    _checked_request(session, request)


def campaign_items(session: DbSession, campaign_key: str) -> list[int]:
    """The open items of one campaign group (never an appeal, even one given a key before)."""
    return list(session.scalars(select(QueueItem.id).where(
        QueueItem.campaign_key == campaign_key, QueueItem.state.in_(OPEN_STATES),
        QueueItem.source != "appeal").order_by(QueueItem.id)))


def decisions_for(session: DbSession, comment_id: int) -> list[Decision]:
    """Every decision taken on a comment, oldest first."""
    return list(session.scalars(select(Decision).where(Decision.comment_id == comment_id)
                                .order_by(Decision.id)))


def decisions_on_author(session: DbSession, author_id: int, limit: int = 200) -> list[Decision]:
    """The latest decisions on a user's comments, newest first."""
    return list(session.scalars(
        select(Decision).join(QueueItem, QueueItem.id == Decision.item_id)
        .where(QueueItem.author_id == author_id).order_by(Decision.id.desc()).limit(limit)))


def decisions_on_comments(session: DbSession, comment_ids: Sequence[int]) -> tuple[list[Decision], dict[int, Appeal]]:
    """The decisions on these comments, oldest first, and their appeals by decision id."""
    if not comment_ids:
        return [], {}
    decisions = list(session.scalars(select(Decision).where(Decision.comment_id.in_(list(comment_ids)))
                                     .order_by(Decision.id)))
    appealed = {a.decision_id: a for a in session.scalars(select(Appeal).where(
        Appeal.decision_id.in_([d.id for d in decisions] or [0])))}
    return decisions, appealed


def author_history(session: DbSession, author_id: int) -> dict[str, int]:
    """How a user's earlier comments were decided, counted by outcome."""
    rows = session.execute(
        select(Decision.outcome, func.count()).join(QueueItem, QueueItem.id == Decision.item_id)
        .where(QueueItem.author_id == author_id).group_by(Decision.outcome))
    return {outcome: count for outcome, count in rows}
