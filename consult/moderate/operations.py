"""What the moderation pages do, apart from the request: the queries that join consult's tables
(users, comments, consultations) to moderation's, and the rules that decide who sees what.

moderation/ never imports consult/, so what needs both lives here. Every function takes the
session and plain values (a `Viewer` for the person asking) and raises
moderation.service.ModerationError with the message to show; none commits and none reads the
request: the views parse it, call one function here or in moderation.service inside
consult.database.unit_of_work (one commit, or everything rolled back), and translate the error.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select

from consult import rules_language
from consult.comments import service as comments
from consult.consultations import service as consultations
from consult.i18n import N_, gettext, local_time, pgettext
from consult.models import Comment, Consultation, Role, User, utcnow
from consult.moderate.glue import rules_in_words
from consult.rules_language import reader_label
from consult.text import whole_number
from consult.web import site_zone
from moderation import screening, service
from moderation.db import DbSession
from moderation.models import (
    APPROVE,
    ESCALATE,
    ESCALATED,
    OPEN_STATES,
    REDACT,
    REJECT,
    REMOVE,
    AuditEntry,
    Decision,
    QueueItem,
)

# Marked for translation; the pages translate them by code (templates/moderation/_words.html).
SOURCES = {"pre": N_("Pre-moderation"), "screening": N_("Automatic screening"), "flags": N_("Flagged by readers"),
           "appeal": N_("Appeal")}
ROLE_NAMES = {Role.CITIZEN.value: "Citizen", Role.MODERATOR.value: "Moderator",
              Role.OFFICIAL.value: "Official", Role.ADMIN.value: "Administrator"}
OUTCOME_NAMES = {APPROVE: N_("Approved"), REJECT: N_("Not published"), REDACT: N_("Published with words removed"),
                 ESCALATE: N_("Escalated to an official"), REMOVE: N_("Removed")}
DECIDERS_SHOWN = 20
AUDIT_PAGE = 50
PROMISED_DAYS = 2  # "within 2 working days" (consult.comments.service.MODERATION_PROMISE)


@dataclass(frozen=True)
class Viewer:
    """Who asks: their id, whether they moderate everything, and whether they are an official
    who is not a moderator (and so sees only the items escalated to officials)."""

    id: int
    is_admin: bool = False
    official_only: bool = False

    @classmethod
    def of(cls, user: User) -> Viewer:
        """The viewer a signed-in user is."""
        return cls(user.id, is_admin=user.role == Role.ADMIN.value,
                   official_only=user.role == Role.OFFICIAL.value)


# --- look-ups ------------------------------------------------------------------------------

def names(session: DbSession, ids: Iterable[int | None]) -> dict[int, str]:
    """User id -> display name, for the ids given (none given: no query)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u.display_name for u in session.scalars(select(User).where(User.id.in_(ids)))}


def consultation_titles(session: DbSession, ids: Iterable[int | None]) -> dict[int, Consultation]:
    """Consultation id -> consultation, for the ids given."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(Consultation).where(Consultation.id.in_(ids)))}


def get_user(session: DbSession, user_id: int) -> User:
    """A user, or a 404-style error."""
    user = session.get(User, user_id)
    if user is None:
        raise service.ModerationError(N_("There is no such user."), status=404)
    return user


def working_days_between(start: datetime, end: datetime) -> float:
    """Working days (Monday to Friday) elapsed between two moments, to one decimal."""
    if end <= start:
        return 0.0
    seconds, cursor = 0.0, start
    while cursor < end:
        next_midnight = datetime.combine(cursor.date() + timedelta(days=1), time())
        step_end = min(end, next_midnight)
        if cursor.weekday() < 5:
            seconds += (step_end - cursor).total_seconds()
        cursor = step_end
    return round(seconds / 86400, 1)


def age(item: QueueItem, now: datetime) -> dict:
    """How long an item has waited, in working days against our promise and in hours."""
    days = working_days_between(item.created_at, now)
    return {"days": days, "overdue": days > PROMISED_DAYS,
            "hours": int((now - item.created_at).total_seconds() // 3600)}


# --- house rules ---------------------------------------------------------------------------

def _rules_intro(rules: list[dict], html: str) -> str:
    """The introduction: the rules document's HTML before its first rule."""
    first = rules[0]["html"].split("\n", 1)[0]
    at = html.find(first)
    return html[:at] if at > 0 else ""


def rules_page(session: DbSession, wanted: str) -> dict:
    """The house rules in force, or the version asked for by number (read only)."""
    current = service.rules_in_force(session)
    number = whole_number(wanted)
    version = current if not wanted else service.rules_version(session, number) if number else None
    if version is None:
        raise service.ModerationError(N_("There is no version %(wanted)s of the house rules: the one "
                                         "in force is version %(number)s."), status=404,
                                      wanted=wanted[:20], number=current.number)
    shown = rules_language.shown_rules(version)
    return {"version": version, "current": current, "versions": service.rules_versions(session),
            "intro": _rules_intro(shown.rules, shown.html), "title": shown.title,
            "rules": [{**rule, "label": rules_language.reader_label(rule)} for rule in shown.rules],
            "rules_language": shown.language}


# --- the queue and its items -------------------------------------------------------------

def queue_page(session: DbSession, filters: service.QueueFilters, viewer: Viewer,
               cursor: str | None) -> dict:
    """One page of the queue with what the page shows beside each item."""
    page = service.queue_page(session, filters, moderator_id=viewer.id, is_admin=viewer.is_admin,
                              cursor=cursor)
    now = utcnow()
    shown = rules_language.in_force(session)  # the rules as the moderator reads them
    campaigns: dict[str, int] = {}
    for item in page.items:
        if item.campaign_key:
            campaigns[item.campaign_key] = campaigns.get(item.campaign_key, 0) + 1
    scope = service.moderated_consultations(session, viewer.id)
    choices = consultations.list_public(session)
    if scope is not None and not viewer.is_admin:
        choices = [c for c in choices if c.id in scope]
    return {
        "page": page, "now": now, "campaigns": campaigns, "consultations": choices,
        "titles": consultation_titles(session, (i.consultation_id for i in page.items)),
        "ages": {i.id: age(i, now) for i in page.items}, "rules": shown.rules,
        "rule_index": {rule["anchor"]: rule for rule in shown.rules},
        "names": names(session, (i.claimed_by for i in page.items
                                 if i.claimed_until and i.claimed_until > now)),
    }


def item_for(session: DbSession, item_id: int, viewer: Viewer) -> QueueItem:
    """A queue item this viewer may open (officials: only the items escalated to them)."""
    item = service.get_item(session, item_id)
    if viewer.official_only and item.state != ESCALATED:
        raise service.ModerationError(N_("Officials see the items moderators escalate to them; this one "
                                         "is not escalated."), status=403)
    return item


def claim_item(session: DbSession, item_id: int, viewer: Viewer) -> tuple[QueueItem, int | None]:
    """Open an item to decide: claim it for a few minutes; returns (item, who else holds it)."""
    item_for(session, item_id, viewer)
    return service.claim(session, item_id, viewer.id, is_admin=viewer.is_admin)


def decide_item(session: DbSession, item_id: int, viewer: Viewer,
                request: service.DecisionRequest) -> Decision:
    """Record a viewer's decision on an item they may open."""
    item_for(session, item_id, viewer)
    return service.decide(session, item_id, viewer.id, request, is_admin=viewer.is_admin)


def conflict_detail(session: DbSession, item: QueueItem) -> str | None:
    """'Bea decided at 14:05 on 3 March 2026: Not published under rule 3 (…)' for the latest
    decision on an item, in the reader's language and the site's time zone."""
    latest = service.latest_decision(session, item.id)
    if latest is None:
        return None
    moderator_id = latest.moderator_id
    who = names(session, [moderator_id]).get(moderator_id) if moderator_id else None
    zone = site_zone()
    params = {"time": local_time(latest.created_at, "%H:%M", zone),
              "date": local_time(latest.created_at, "%-d %B %Y", zone),
              "outcome": gettext(OUTCOME_NAMES.get(latest.outcome, latest.outcome))}
    if latest.rules:
        params["rules"] = rules_in_words(session, latest.rules, latest.rules_version)
    if who and latest.rules:
        return gettext("%(name)s decided at %(time)s on %(date)s: %(outcome)s under %(rules)s.",
                       name=who, **params)
    if who:
        return gettext("%(name)s decided at %(time)s on %(date)s: %(outcome)s.", name=who, **params)
    if latest.rules:
        return gettext("The automatic screening decided at %(time)s on %(date)s: %(outcome)s under %(rules)s.",
                       **params)
    return gettext("The automatic screening decided at %(time)s on %(date)s: %(outcome)s.", **params)


def redaction_mark(language: str | None) -> str:
    """The mark for removed words in a comment written in `language` (English's for any other)."""
    return screening.REDACTION_MARKS.get((language or "").split("-")[0].lower(), screening.REDACTION_MARK)


def decision_prefill(item: QueueItem, language: str | None = None) -> dict:
    """What the decision form starts with: the text with screening's finds removed (marked in the
    comment's language), and its rules."""
    spans = [tuple(s) for r in item.reasons or [] for s in r.get("spans", [])]
    return {"redacted_text": screening.redact(item.text, spans, redaction_mark(language)),
            "rules": [r.get("rule") for r in item.reasons or [] if r.get("rule")]}


def item_page(session: DbSession, item: QueueItem, viewer: Viewer, *, holder: int | None = None,
              conflict: bool = False) -> dict:
    """One item with its context, the author's history, and who may decide it (read only)."""
    # An item's comment and consultation are non-null foreign keys: they are always there.
    comment = session.get_one(Comment, item.comment_id)
    consultation = session.get_one(Consultation, item.consultation_id)
    rules_version = service.rules_in_force(session)
    context = []
    if comment.anchor:
        try:
            context = comments.thread(session, consultation, comment.anchor, limit=10).comments
        except comments.CommentError:
            context = []
    parent = session.get(Comment, comment.parent_id) if comment.parent_id else None
    previous, following = service.neighbours(session, item, viewer.id, is_admin=viewer.is_admin)
    # On an appeal, those who took part in an earlier decision read the item but may not decide it.
    excluded = service.appeal_excluded(session, item)
    read_only = item.state in OPEN_STATES and viewer.id in excluded
    # One more than shown, to say "and others" only when there are others.
    deciders = service.appeal_deciders(session, item, limit=DECIDERS_SHOWN + 1) if read_only else []
    decider_names = names(session, deciders)
    decisions = service.decisions_for(session, comment.id)
    versions: dict[int | None, dict[str, dict]] = {}
    return {
        "item": item, "comment": comment, "consultation": consultation, "parent": parent,
        "context": [c for c in context if c.id != comment.id],
        "history": service.author_history(session, item.author_id),
        "sanctions": service.active_sanctions(session, item.author_id),
        "decisions": [(d, _cited_for_reader(session, d, versions)) for d in decisions],
        "author": session.get(User, item.author_id), "rules": rules_language.shown_rules(rules_version).rules,
        "rules_version": rules_version, "reports": service.reports_on(session, comment.id),
        "holder": names(session, [holder]).get(holder) if holder else None,
        "conflict_detail": conflict_detail(session, item) if conflict else None,
        "age": age(item, utcnow()), "previous": previous, "following": following,
        "names": names(session, [d.moderator_id for d in decisions]),
        "is_open": item.state in OPEN_STATES and not read_only, "read_only": read_only,
        "excluded_names": [n for i, n in names(session, excluded).items() if i != viewer.id],
        "decider_names": [decider_names[i] for i in deciders[:DECIDERS_SHOWN] if i in decider_names],
        "more_deciders": len(deciders) > DECIDERS_SHOWN,
    }


# --- users, measures and assignments -------------------------------------------------------

def user_page(session: DbSession, person: User) -> dict:
    """A user's moderation history and measures (read only)."""
    decisions = service.decisions_on_author(session, person.id)
    sanctions = service.sanctions_of(session, person.id)
    versions: dict[int | None, dict[str, dict]] = {}
    return {
        "person": person, "role": ROLE_NAMES.get(person.role, "Citizen"),
        "decisions": [(d, _cited_for_reader(session, d, versions)) for d in decisions],
        "history": service.author_history(session, person.id), "sanctions": sanctions,
        "active": {s.id for s in service.active_sanctions(session, person.id)},
        "names": names(session, [s.created_by for s in sanctions] + [s.revoked_by for s in sanctions]
                       + [d.moderator_id for d in decisions]),
    }


def assignments_page(session: DbSession) -> dict:
    """The moderators, the consultations, and who is assigned to which."""
    moderators = list(session.scalars(
        select(User).where(User.role == Role.MODERATOR.value, User.deleted_at.is_(None))
        .order_by(User.display_name, User.id)))
    titles = dict(session.execute(select(Consultation.id, Consultation.title)
                                  .order_by(Consultation.title)).all())
    return {"moderators": moderators, "titles": titles, "assigned": service.assignments(session)}


def change_assignment(session: DbSession, change: Callable, user_id: int, consultation_id: int,
                      actor_id: int) -> tuple[User, Consultation]:
    """Assign or unassign (`change`) a moderator; returns the moderator and the consultation."""
    change(session, user_id, consultation_id, actor_id)  # refuses unknown people and consultations
    return session.get_one(User, user_id), session.get_one(Consultation, consultation_id)


def unassign_page(session: DbSession, user_id: int | None, consultation_id: int | None) -> dict:
    """What taking a moderator off a consultation changes for them (read only)."""
    mine = service.assignments(session).get(user_id, []) if user_id is not None else []
    if consultation_id not in mine:
        raise service.ModerationError(N_("That moderator is not assigned to that consultation."), status=404)
    return {"moderator": session.get(User, user_id),
            "consultation": session.get(Consultation, consultation_id), "last": len(mine) == 1}


# --- appeals (readers' reports: consult.moderate.reports) ----------------------------------

def appealable(session: DbSession, decision_id: int, author_id: int) -> tuple[Decision, Comment]:
    """A decision on one of this author's comments, with the comment (escalations: never)."""
    decision = session.get(Decision, decision_id)
    comment = session.get(Comment, decision.comment_id) if decision else None
    # An escalation is between moderators and officials, never shown to the author.
    if (decision is None or decision.outcome == ESCALATE or comment is None
            or comment.author_id != author_id):
        raise service.ModerationError(N_("There is no such decision on one of your comments."), status=404)
    return decision, comment


def appeal_page(session: DbSession, decision: Decision, author_id: int) -> dict:
    """The appeal already made (its outcome in words), or why none can be made now, the deadline,
    and the decision's outcome and the rules it cites in the reader's language (read only)."""
    existing = service.appeal_on(session, decision.id)
    refusal = None
    if existing is None:
        try:
            service.check_appeal(session, decision.id, author_id)
        except service.ModerationError as exc:
            refusal = exc.message
    return {"existing": existing, "refusal": refusal,
            "deadline": decision.created_at + timedelta(days=service.APPEAL_DAYS),
            "label": gettext(OUTCOME_NAMES[decision.outcome]) if decision.outcome in OUTCOME_NAMES
            else decision.outcome,
            "rules": _cited_for_reader(session, decision, {}),
            "appeal_outcome": appeal_outcome(existing.outcome) if existing is not None else None}


def appeal_outcome(outcome: str | None) -> str | None:
    """An appeal's outcome as a clause for a sentence ("the decision was upheld"), in the reader's
    language; None while it waits."""
    if not outcome:
        return None
    return gettext(APPEAL_OUTCOME_WORDS[outcome]) if outcome in APPEAL_OUTCOME_WORDS else outcome


def decisions_for_comments(session: DbSession, comment_ids: Iterable[int]) -> dict[int, list[dict]]:
    """For "My comments": each comment's decisions, the rules they cite, and whether to offer an appeal."""
    decisions, appealed = service.decisions_on_comments(session, list(comment_ids))
    if not decisions:
        return {}
    facts = service.appeal_facts(session, decisions)
    now = utcnow()
    versions: dict[int | None, dict[str, dict]] = {}
    grouped: dict[int, list[dict]] = {}
    for decision in decisions:
        if decision.outcome == ESCALATE:
            continue
        final = facts[decision.id].on_appeal
        label = gettext(OUTCOME_NAMES[decision.outcome]) if decision.outcome in OUTCOME_NAMES else decision.outcome
        if final:
            label = gettext("Outcome of your appeal (final): %(outcome)s", outcome=label[:1].lower() + label[1:])
        grouped.setdefault(decision.comment_id, []).append({
            "decision": decision,
            "label": label,
            "rules": _cited_for_reader(session, decision, versions),
            "appeal": appealed.get(decision.id),
            "appeal_outcome": appeal_outcome(appealed[decision.id].outcome) if decision.id in appealed else None,
            "final": final,
            "can_appeal": service.appeal_refusal(decision, facts[decision.id], now) is None,
            "deadline": decision.created_at + timedelta(days=service.APPEAL_DAYS),
        })
    return grouped


def removal_reason(session: DbSession, comment_id: int) -> str:
    """What a removed comment's placeholder says, in the reader's language: the rules its latest
    removal cites, named from the translated house rules (the stored reason is English, a record)."""
    decision = session.scalar(select(Decision).where(Decision.comment_id == comment_id, Decision.outcome == REMOVE)
                              .order_by(Decision.id.desc()).limit(1))
    labels = [rule["label"] for rule in _cited_for_reader(session, decision, {})] if decision else []
    if not labels:
        return gettext("Removed by a moderator.")
    words = labels[0]
    for label in labels[1:]:
        words = gettext("%(rules)s and %(rule)s", rules=words, rule=label)
    return gettext("Removed by a moderator under %(rules)s.", rules=words)


def _cited_for_reader(session: DbSession, decision, versions: dict[int | None, dict[str, dict]]) -> list[dict]:
    """The rules a decision cites, named in the reader's language ("rheol 2 (…)" in Welsh, with
    the title of the translated default rules); `versions` keeps each rules version's look-up."""
    if decision.rules_version not in versions:
        version = service.rules_version(session, decision.rules_version)
        versions[decision.rules_version] = rules_language.reader_rules(version) if version else {}
    shown = versions[decision.rules_version]
    changed = gettext("a rule since changed")
    # "label" as text (sentences, mail); "name" for a page, a title not in its language marked (lang=).
    return [{**rule, "label": reader_label(shown[rule["anchor"]]),
             "name": rules_language.rule_name(shown[rule["anchor"]])}
            if rule["anchor"] in shown else {**rule, "label": changed, "name": changed}
            for rule in service.cited_rules(session, decision)]


# --- audit and statistics ------------------------------------------------------------------

ACTION_NAMES = {
    "held": N_("Held for a moderator"), "claimed": N_("Opened to decide"), "decided": N_("Decided"),
    "appealed": N_("Appealed by the author"), "appeal_decided": N_("Appeal decided"),
    "flagged": N_("Reported by a reader"), "hidden_pending_review": N_("Hidden after readers' reports"),
    "withdrawn_by_author": N_("Withdrawn by the author"), "edited_in_queue": N_("Edited by the author while waiting"),
    "released_after_edit": N_("Published after the author's edit"), "sanction": N_("Measure imposed"),
    "sanction_revoked": N_("Measure lifted"), "rules_published": N_("House rules published"),
    "assigned": N_("Moderator assigned"), "unassigned": N_("Moderator taken off"),
}
REASON_NAMES = {"personal_data": N_("personal information"), "link": N_("a link"), "banned_word": N_("a banned word"),
                "suspect_word": N_("a suspect word"), "shouting": N_("capital letters"), "repeat": N_("repeated text"),
                "campaign": N_("part of a campaign"), "sanction": N_("the author is on pre-moderation"),
                "flags": N_("readers' reports"), "appeal": N_("an appeal")}
MODE_NAMES = {"pre": N_("every comment checked before publication"), "post": N_("checked after publication"),
              "reactive": N_("checked when readers report it")}
# The audit details' labels (their keys are the stored detail's), and appeals' outcomes.
DETAIL_LABELS = {"outcome": N_("Outcome"), "rules": N_("Under"), "reasons": N_("Why"), "mode": N_("Consultation"),
                 "kind": N_("Measure"), "ends_at": N_("Until"), "flags": N_("Reports"), "edited": N_("When"),
                 "revision": N_("Revision"), "note": N_("Note"), "reason": N_("Reason"), "role": N_("Role")}
# Notes moderation stores in English itself (moderation/service/rules.py), shown in the reader's language.
STORED_NOTES = {"The first house rules.": N_("The first house rules.")}
APPEAL_OUTCOME_WORDS = {"upheld": N_("the decision was upheld"), "overturned": N_("the decision was overturned")}
OUTCOME_DETAIL_WORDS = {APPROVE: N_("approved and published"), REJECT: N_("not published"),
                        REDACT: N_("published with words removed"), ESCALATE: N_("escalated to an official"),
                        REMOVE: N_("removed")}  # moderation's OUTCOME_WORDS, to translate them


# Details that only join records together: the "On" column and the other columns carry their meaning
# (a rules version's number is in its "On": "The house rules, version 2").
AUDIT_HIDDEN = {"item_id", "decision_id", "appeal_id", "sanction_id", "rules_version", "number"}


def _reason_words(code) -> str:
    name = REASON_NAMES.get(str(code).split(":", 1)[0])
    return gettext(name) if name else str(code).replace("_", " ")


def audit_rows(session: DbSession, entries: list[AuditEntry],
               localtime: Callable[[datetime], str]) -> list[dict]:
    """The audit entries in words: who, what, on what, and each detail with a plain label."""
    people = names(session, [e.actor_id for e in entries]
                   + [e.subject_id for e in entries if e.subject_type == "user"])
    versions: dict[int | None, dict[str, dict]] = {}

    def rules_in(number: int | None) -> dict[str, dict]:
        if number not in versions:
            version = (service.rules_version(session, number) if number
                       else service.rules_in_force(session))
            # Titled in the reader's language where that version is the translated default text.
            versions[number] = rules_language.reader_rules(version) if version else {}
        return versions[number]

    def rule_words(anchors, number) -> str:
        index = rules_in(number)
        words = ""
        for a in anchors:
            word = reader_label(index[a]) if a in index else gettext("a rule since changed")
            words = gettext("%(rules)s and %(rule)s", rules=words, rule=word) if words else word
        return words

    rows = []
    for e in entries:
        detail = e.detail or {}
        shown: list[tuple[str, str]] = []
        written: set[int] = set()  # which of them are people's own words (isolated on the page)
        for key, value in detail.items():
            if key in AUDIT_HIDDEN or value in (None, "", [], False):
                continue
            label = gettext(DETAIL_LABELS[key]) if key in DETAIL_LABELS else key.replace("_", " ").capitalize()
            if key == "outcome":
                words = (APPEAL_OUTCOME_WORDS.get(value) if e.action == "appeal_decided"
                         else OUTCOME_DETAIL_WORDS.get(value))
                shown.append((label, gettext(words) if words else str(value)))
            elif key in ("rules", "rule"):
                anchors = value if isinstance(value, list) else [value]
                shown.append((label, rule_words(anchors, detail.get("rules_version"))))
            elif key == "reasons":
                shown.append((label, ", ".join(dict.fromkeys(_reason_words(code) for code in value))))
            elif key == "mode":
                shown.append((label, gettext(MODE_NAMES[value]) if value in MODE_NAMES else str(value)))
            elif key == "kind":
                name = service.SANCTION_NAMES.get(value)
                shown.append((label, gettext(name) if name else str(value)))
            elif key == "ends_at":
                shown.append((label, localtime(datetime.fromisoformat(value))))
            elif key == "flags":
                shown.append((label, str(value)))
            elif key == "edited":
                shown.append((label, gettext("after the author edited it")))
            elif key == "revision":
                shown.append((label, str(value)))
            elif key == "role":
                # The role's name as the audit sentences give it (ROLE_NAMES, in the "role" context).
                shown.append((label, pgettext("role", ROLE_NAMES[value]) if value in ROLE_NAMES else str(value)))
            elif key == "note" and value in STORED_NOTES:
                shown.append((label, gettext(STORED_NOTES[value])))
            else:  # note, reason, and anything newer: the words as written
                written.add(len(shown))
                shown.append((label, ", ".join(map(str, value)) if isinstance(value, list) else str(value)))
        item_id = detail.get("item_id")
        if e.subject_type == "user":
            subject = people.get(e.subject_id, gettext("an account since removed")) if e.subject_id is not None \
                else gettext("an account since removed")
        elif e.subject_type == "rules":
            subject = gettext("The house rules, version %(number)s", number=detail.get("number", "?"))
        elif e.subject_type == "comment":
            subject = gettext("A comment (item %(id)s)", id=item_id) if item_id else gettext("A comment")
        else:
            subject = e.subject_type
        action = ACTION_NAMES.get(e.action)
        rows.append({"entry": e, "action": gettext(action) if action else e.action.replace("_", " ").capitalize(),
                     "who": people.get(e.actor_id, gettext("an account since removed")) if e.actor_id
                     else gettext("Automatic"),
                     "subject": subject, "item_id": item_id,
                     "rules_version": whole_number(str(detail.get("number", "")))
                     if e.subject_type == "rules" else None,
                     "details": [(label, text, i in written) for i, (label, text) in enumerate(shown)]})
    return rows


def audit_page(session: DbSession, before_text: str, localtime: Callable[[datetime], str]) -> dict:
    """One page of the moderation record in words, newest first (keyset on the entry id)."""
    before = whole_number(before_text, 18)
    if before_text and before is None:
        raise service.ModerationError(N_("That page link is not valid: go back to the first page."))
    page, next_cursor = service.audit_page(session, before, AUDIT_PAGE)
    return {"entries": audit_rows(session, page, localtime), "next_cursor": next_cursor,
            "titles": consultation_titles(session, (e.consultation_id for e in page))}


# The page shows the same figures (templates/moderation/_figures.html), in this order.
CSV_FIELDS = (["consultation", "slug", "received", *service.STANDING]
              + ["held", "flagged", "escalated", "appealed", "overturned", "median_hours_to_decision"])


def statistics_page(session: DbSession) -> dict:
    """The published figures, overall and per public consultation, and every rule counted under."""
    return {"overall": service.statistics(session),
            "per": [(c, service.statistics(session, c.id)) for c in consultations.list_public(session)],
            "rule_index": service.every_rule(session)}


def csv_cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def statistics_csv(session: DbSession) -> str:
    """The same figures as CSV, one row per consultation and one for all of them."""
    figures_page = statistics_page(session)
    overall, per, rule_index = figures_page["overall"], figures_page["per"], figures_page["rule_index"]
    # The current rules, then any retired rule still counted, so the CSV holds what the page shows.
    cited = {a for figures in [overall, *(f for _c, f in per)] for a in figures["rejected_by_rule"]}
    anchors = [a for a, rule in rule_index.items() if rule["current"] or a in cited]
    anchors += sorted(cited - set(rule_index))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS + [f"rejected_rule_{a}" for a in anchors])
    for title, slug, figures in [("All consultations", "", overall)] + [
            (c.title, c.slug, f) for c, f in per]:
        row = [title, slug] + [figures[k] for k in CSV_FIELDS[2:]]
        row += [figures["rejected_by_rule"].get(a, 0) for a in anchors]
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()
