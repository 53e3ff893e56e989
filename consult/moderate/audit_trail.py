"""The audit trail as staff use it: filters read from the query string (a wrong value is named,
never silently dropped), each entry as one plain-English sentence, and the filtered view as CSV.

"Sam (moderator) rejected comment 412 on 4.2 of ‘Garden waste’, citing rule 3: Personal attacks."
A person's role is the one they hold now. Sentences are lists of parts, (text, user id or None), so
the page can link and isolate (<bdi>) the names people chose while the CSV joins the parts.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from consult.models import Comment, Consultation, Role, User
from consult.moderate.operations import ACTION_NAMES, REASON_NAMES, ROLE_NAMES, audit_rows, csv_cell
from consult.text import whole_number
from moderation import service
from moderation.db import DbSession
from moderation.models import APPROVE, ESCALATE, REDACT, REJECT, REMOVE, AuditEntry
from moderation.service import trail

# Admin actions on accounts, named as ACTION_NAMES names moderation's.
ACCOUNT_ACTIONS = {"invited": "Invited", "invitation_resent": "Invitation sent again",
                   "invitation_accepted": "Invitation accepted", "role_changed": "Role changed",
                   "deactivated": "Account deactivated", "reactivated": "Account reactivated"}
# The action filter: an audit action, or a decision of one kind ("decided:reject"), named as a
# kind of entry ("Decisions: approved") where the table names each entry's action ("Decided").
DECISION_KINDS = {"decided:approve": ("Approved", (APPROVE,)),
                  "decided:reject": ("Not published or removed", (REJECT, REMOVE)),
                  "decided:redact": ("Published with words removed", (REDACT,)),
                  "decided:escalate": ("Escalated to an official", (ESCALATE,))}
PAGE = 50
MAX_DAYS_TEXT = 10


FILTER_NAMES = {
    "held": "Comments held for moderation", "claimed": "Items opened by a moderator",
    "decided": "Decisions of every kind", "appealed": "Appeals made", "appeal_decided": "Appeals decided",
    "flagged": "Readers’ reports", "hidden_pending_review": "Comments hidden by readers’ reports",
    "withdrawn_by_author": "Comments withdrawn", "edited_in_queue": "Comments edited while waiting",
    "released_after_edit": "Comments published after an edit", "sanction": "Measures imposed",
    "sanction_revoked": "Measures lifted", "rules_published": "House rules versions",
    "assigned": "Moderator assignments", "unassigned": "Moderators taken off",
    "invited": "Invitations", "invitation_resent": "Invitations sent again",
    "invitation_accepted": "Invitations accepted", "role_changed": "Role changes",
    "deactivated": "Accounts deactivated", "reactivated": "Accounts reactivated",
}


def action_choices() -> list[tuple[str, str]]:
    """(value, label) for the action filter, decisions by kind after every decision."""
    choices = []
    for key in {**ACTION_NAMES, **ACCOUNT_ACTIONS}:
        choices.append((key, FILTER_NAMES.get(key, key.replace("_", " ").capitalize())))
        if key == "decided":
            choices += [(k, f"Decisions: {label.lower()}") for k, (label, _o) in DECISION_KINDS.items()]
    return choices


@dataclass
class TrailRequest:
    """The filters as typed (to show them again), as the query takes them, and what was wrong."""

    shown: dict[str, str]
    filters: trail.TrailFilters = field(default_factory=trail.TrailFilters)
    problems: dict[str, str] = field(default_factory=dict)
    before: int | None = None


def _day(text: str) -> date | None:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _utc(day: date, zone: ZoneInfo, days_after: int = 0) -> datetime | None:
    """Midnight at the start of a day (or of `days_after` days later) in the site's zone, as the
    naive UTC the entries store; None past the calendar's ends (1 January of year 1, 31 December
    9999), which bound nothing."""
    try:
        start = datetime.combine(day + timedelta(days=days_after), time(), tzinfo=zone)
        return start.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        return None


def consultations(session: DbSession) -> list[Consultation]:
    """Every consultation, drafts too (their records are in the trail), by title."""
    return list(session.scalars(select(Consultation).order_by(Consultation.title, Consultation.id)))


def staff(session: DbSession) -> list[User]:
    """The people the "who" filter offers: every live account above citizen."""
    return list(session.scalars(select(User).where(User.role != Role.CITIZEN.value,
                                                   User.deleted_at.is_(None))
                                .order_by(User.display_name, User.id)))


def read_request(session: DbSession, args: Mapping[str, str], zone: ZoneInfo) -> TrailRequest:
    """The trail's filters from the query string; every value that cannot be used is named."""
    keys = ("consultation", "who", "action", "rule", "from", "to")
    shown = {k: (args.get(k) or "").strip() for k in keys}
    problems: dict[str, str] = {}
    values: dict = {}
    if shown["consultation"]:
        number = whole_number(shown["consultation"])
        if number is None or session.get(Consultation, number) is None:
            problems["consultation"] = "There is no such consultation: choose one from the list."
        values["consultation_id"] = number
    if shown["who"]:
        number = 0 if shown["who"] == "automatic" else whole_number(shown["who"])
        if number is None or (number and session.get(User, number) is None):
            problems["who"] = "There is no such person: choose one from the list."
        values["actor_id"] = number
    action = shown["action"]
    if action in DECISION_KINDS:
        values.update(action="decided", outcomes=DECISION_KINDS[action][1])
    elif action:
        if action not in ACTION_NAMES and action not in ACCOUNT_ACTIONS:
            problems["action"] = (f"\u201c{action[:40]}\u201d is not an action the trail records: "
                                  "choose one from the list.")
        values["action"] = action
    if shown["rule"]:
        if shown["rule"] not in service.every_rule(session):
            problems["rule"] = (f"\u201c{shown['rule'][:40]}\u201d is not a house rule, now or in "
                                "an earlier version: choose one from the list.")
        values["rule"] = shown["rule"]
    days: dict[str, date] = {}
    for key, label in (("from", "From"), ("to", "To")):
        if shown[key]:
            day = _day(shown[key][:MAX_DAYS_TEXT + 1])
            if day is None:
                problems[key] = (f"{label}: \u201c{shown[key][:20]}\u201d is not a date. Give it as "
                                 "year-month-day, for example 2026-03-31.")
            else:
                days[key] = day
    if "from" in days and "to" in days and days["to"] < days["from"]:
        problems["to"] = "To: the end date is before the start date. Swap them, or change one."
    if "from" in days:
        values["since"] = _utc(days["from"], zone)
    if "to" in days:
        values["until"] = _utc(days["to"], zone, days_after=1)
    before_text = (args.get("before") or "").strip()
    before = whole_number(before_text, 18)
    if before_text and before is None:
        problems["before"] = "That page link is not valid: go back to the first page."
    if problems:
        return TrailRequest(shown, problems=problems)
    return TrailRequest(shown, trail.TrailFilters(**values), before=before)


# --- sentences -------------------------------------------------------------------------------

Part = tuple[str, int | None]  # (text, the id of the user whose chosen name it is)


@dataclass
class Context:
    """What the sentences name: people and their roles, comments, consultations, rules."""

    people: dict[int, User]
    comments: dict[int, Comment]
    consultations: dict[int, Consultation]
    rules: dict[str, dict]


def context_for(session: DbSession, entries: Iterable[AuditEntry]) -> Context:
    """Everything the entries' sentences name, in one query per table."""
    entries = list(entries)
    user_ids = {e.actor_id for e in entries if e.actor_id} | {
        e.subject_id for e in entries if e.subject_type == "user" and e.subject_id}
    comment_ids = {e.subject_id for e in entries if e.subject_type == "comment" and e.subject_id}
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    comments = ({c.id: c for c in session.scalars(select(Comment).where(Comment.id.in_(comment_ids)))}
                if comment_ids else {})
    consultation_ids = {e.consultation_id for e in entries if e.consultation_id} | {
        c.consultation_id for c in comments.values()}
    consultations = ({c.id: c for c in session.scalars(
        select(Consultation).where(Consultation.id.in_(consultation_ids)))} if consultation_ids else {})
    return Context(people, comments, consultations, service.every_rule(session))


def _person(ctx: Context, user_id: int | None, with_role: bool = True) -> list[Part]:
    user = ctx.people.get(user_id) if user_id else None
    if user is None:
        return [("an account since removed", None)]
    if user.deleted_at:
        return [("a former participant", None)]
    role = ROLE_NAMES.get(user.role, "Citizen").lower()
    return [(user.display_name, user.id)] + ([(f" ({role})", None)] if with_role else [])


def _rule_words(ctx: Context, anchors) -> str:
    anchors = anchors if isinstance(anchors, list) else [anchors]
    words = []
    for anchor in anchors:
        rule = ctx.rules.get(anchor)
        label = service.rule_label(rule) if rule else "a rule since removed"
        words.append(re.sub(r"^rule (\S+) \((.*)\)$", r"rule \1: \2", label))
    return " and ".join(words)


def _comment(ctx: Context, entry: AuditEntry) -> list[Part]:
    comment = ctx.comments.get(entry.subject_id or 0)
    consultation = ctx.consultations.get(entry.consultation_id or (comment.consultation_id if comment else 0))
    where = f" of \u2018{consultation.title}\u2019" if consultation else ""
    if comment is None:
        return [(f"comment {entry.subject_id}{where}", None)]
    on = f" on {comment.paragraph_number}" if comment.paragraph_number else " on the whole document"
    reply = "reply " if comment.parent_id else "comment "
    return [(f"{reply}{comment.id}{on}{where}", None)]


def sentence(ctx: Context, entry: AuditEntry) -> list[Part]:
    """The entry as one sentence, as a list of parts."""
    d = entry.detail or {}
    who: list[Part] = _person(ctx, entry.actor_id) if entry.actor_id else [("Automatic screening", None)]
    action = entry.action
    subject: list[Part] = _person(ctx, entry.subject_id, with_role=False) if entry.subject_type == "user" else []
    consultation = ctx.consultations.get(entry.consultation_id or 0)
    titled = f"\u2018{consultation.title}\u2019" if consultation else "a consultation since removed"

    def rules_cited(prefix: str = ", citing ") -> list[Part]:
        cited = d.get("rules") or d.get("rule")
        return [(prefix + _rule_words(ctx, cited), None)] if cited else []

    if action == "decided":
        verb = {APPROVE: "approved", REJECT: "rejected", REMOVE: "removed", ESCALATE: "escalated",
                REDACT: "published, with words removed,"}.get(str(d.get("outcome")), "decided on")
        tail = [(" to an official", None)] if d.get("outcome") == ESCALATE else rules_cited()
        return who + [(f" {verb} ", None)] + _comment(ctx, entry) + tail
    if action == "held":
        why = ", ".join(dict.fromkeys(
            _reason(code) for code in d.get("reasons") or [])) or "pre-moderation"
        return [("Automatic screening held ", None)] + _comment(ctx, entry) + [(f" for a moderator ({why})", None)]
    if action == "hidden_pending_review":
        return [("Readers\u2019 reports hid ", None)] + _comment(ctx, entry) + [
            (f" until a moderator decides ({d.get('flags', '?')} reports)", None)]
    comment_verbs = {"claimed": "opened", "appealed": "appealed the decision on",
                     "flagged": "reported", "withdrawn_by_author": "withdrew",
                     "released_after_edit": "edited, and so published,"}
    if action in comment_verbs:
        return who + [(f" {comment_verbs[action]} ", None)] + _comment(ctx, entry) + (
            rules_cited(", under ") if action == "flagged" else [])
    if action == "edited_in_queue":
        return [("The author edited ", None)] + _comment(ctx, entry) + [(" while it waited", None)]
    if action == "appeal_decided":
        return who + [(" decided the appeal on ", None)] + _comment(ctx, entry) + [
            (f": the decision was {d.get('outcome', 'reviewed')}", None)]
    if action in ("sanction", "sanction_revoked"):
        measure = service.SANCTION_NAMES.get(d.get("kind", ""), "a measure").lower()
        verb = " imposed " if action == "sanction" else " lifted "
        return who + [(f"{verb}{measure} on ", None)] + subject
    if action == "rules_published":
        return who + [(f" published version {d.get('number', '?')} of the house rules", None)]
    if action in ("assigned", "unassigned"):
        verb = " assigned " if action == "assigned" else " took "
        rest = f" to moderate {titled}" if action == "assigned" else f" off {titled}"
        return who + [(verb, None)] + subject + [(rest, None)]
    account = {"invited": (" invited ", f" as {_a(d.get('role', 'citizen'))}"),
               "invitation_resent": (" sent the invitation to ", " again"),
               "deactivated": (" deactivated the account of ", ""),
               "reactivated": (" reactivated the account of ", ""),
               "role_changed": (" changed the role of ",
                                f" from {d.get('previous_role', '?')} to {d.get('role', '?')}")}
    if action in account:
        verb, rest = account[action]
        return who + [(verb, None)] + subject + [(rest, None)]
    if action == "invitation_accepted":
        return subject + [(" accepted the invitation and chose a password", None)]
    return who + [(f": {ACTION_NAMES.get(action, action.replace('_', ' '))}", None)]


def _a(role: str) -> str:
    return ("an " if role[:1] in "aeiou" else "a ") + role


def _reason(code: str) -> str:
    return REASON_NAMES.get(str(code).split(":", 1)[0], str(code).replace("_", " "))


def trail_page(session: DbSession, request: TrailRequest, localtime: Callable[[datetime], str]) -> dict:
    """One page of the filtered trail, each row with its sentence and its details."""
    entries, next_cursor = trail.trail_page(session, request.filters, request.before, PAGE)
    ctx = context_for(session, entries)
    rows = audit_rows(session, entries, localtime)
    for row in rows:
        row["sentence"] = sentence(ctx, row["entry"])
    return {"entries": rows, "next_cursor": next_cursor,
            "total": trail.trail_count(session, request.filters)}


CSV_FIELDS = ["when_utc", "who", "who_role", "action", "consultation", "comment_id", "paragraph",
              "rules", "what_happened", "note"]


def trail_csv(session: DbSession, request: TrailRequest) -> str:
    """The filtered trail as CSV, newest first; cells a spreadsheet would run are neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for entries in trail.trail_batches(session, request.filters):
        ctx = context_for(session, entries)
        for e in entries:
            d = e.detail or {}
            actor = ctx.people.get(e.actor_id or 0)
            comment = ctx.comments.get(e.subject_id or 0) if e.subject_type == "comment" else None
            consultation = ctx.consultations.get(e.consultation_id or 0)
            cited = d.get("rules") or d.get("rule")
            row = [e.created_at.replace(microsecond=0).isoformat() + "Z",
                   actor.display_name if actor else ("" if e.actor_id else "Automatic"),
                   ROLE_NAMES.get(actor.role, "") if actor else "",
                   {**ACTION_NAMES, **ACCOUNT_ACTIONS}.get(e.action, e.action),
                   consultation.title if consultation else "",
                   e.subject_id if e.subject_type == "comment" else "",
                   comment.paragraph_number if comment and comment.paragraph_number else "",
                   _rule_words(ctx, cited) if cited else "",
                   "".join(text for text, _name in sentence(ctx, e)),
                   d.get("note") or d.get("reason") or ""]
            writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()
