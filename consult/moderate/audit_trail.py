"""The audit trail as staff use it: filters read from the query string (a wrong value is named,
never silently dropped), each entry as one plain sentence (consult/moderate/audit_sentences.py), in
the reader's language, and the filtered view as CSV (in English, like its column names: data to
analyse, the same whoever downloads it).
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from consult.i18n import N_, gettext, pgettext, written_in
from consult.models import Consultation, Role, User
from consult.moderate.audit_sentences import context_for, rule_words, sentence
from consult.moderate.operations import ACTION_NAMES, ROLE_NAMES, audit_rows, csv_cell
from consult.text import whole_number
from moderation import service
from moderation.db import DbSession
from moderation.models import APPROVE, ESCALATE, REDACT, REJECT, REMOVE
from moderation.service import trail

# Admin actions on accounts, named as ACTION_NAMES names moderation's.
ACCOUNT_ACTIONS = {"invited": N_("Invited"), "invitation_resent": N_("Invitation sent again"),
                   "invitation_accepted": N_("Invitation accepted"), "role_changed": N_("Role changed"),
                   "deactivated": N_("Account deactivated"), "reactivated": N_("Account reactivated")}
# The action filter: an audit action, or a decision of one kind ("decided:reject"), named as a
# kind of entry ("Decisions: approved") where the table names each entry's action ("Decided").
DECISION_KINDS = {"decided:approve": (N_("Decisions: approved"), (APPROVE,)),
                  "decided:reject": (N_("Decisions: not published or removed"), (REJECT, REMOVE)),
                  "decided:redact": (N_("Decisions: published with words removed"), (REDACT,)),
                  "decided:escalate": (N_("Decisions: escalated to an official"), (ESCALATE,))}
PAGE = 50
MAX_DAYS_TEXT = 10


FILTER_NAMES = {
    "held": N_("Comments held for moderation"), "claimed": N_("Items opened by a moderator"),
    "decided": N_("Decisions of every kind"), "appealed": N_("Appeals made"), "appeal_decided": N_("Appeals decided"),
    "flagged": N_("Readers’ reports"), "hidden_pending_review": N_("Comments hidden by readers’ reports"),
    "withdrawn_by_author": N_("Comments withdrawn"), "edited_in_queue": N_("Comments edited while waiting"),
    "released_after_edit": N_("Comments published after an edit"), "sanction": N_("Measures imposed"),
    "sanction_revoked": N_("Measures lifted"), "rules_published": N_("House rules versions"),
    "assigned": N_("Moderator assignments"), "unassigned": N_("Moderators taken off"),
    "invited": N_("Invitations"), "invitation_resent": N_("Invitations sent again"),
    "invitation_accepted": N_("Invitations accepted"), "role_changed": N_("Role changes"),
    "deactivated": N_("Accounts deactivated"), "reactivated": N_("Accounts reactivated"),
}


def action_choices() -> list[tuple[str, str]]:
    """(value, label) for the action filter, decisions by kind after every decision."""
    choices = []
    for key in {**ACTION_NAMES, **ACCOUNT_ACTIONS}:
        choices.append((key, gettext(FILTER_NAMES[key]) if key in FILTER_NAMES else key.replace("_", " ").capitalize()))
        if key == "decided":
            choices += [(k, gettext(label)) for k, (label, _o) in DECISION_KINDS.items()]
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
            problems["consultation"] = gettext("There is no such consultation: choose one from the list.")
        values["consultation_id"] = number
    if shown["who"]:
        number = 0 if shown["who"] == "automatic" else whole_number(shown["who"])
        if number is None or (number and session.get(User, number) is None):
            problems["who"] = gettext("There is no such person: choose one from the list.")
        values["actor_id"] = number
    action = shown["action"]
    if action in DECISION_KINDS:
        values.update(action="decided", outcomes=DECISION_KINDS[action][1])
    elif action:
        if action not in ACTION_NAMES and action not in ACCOUNT_ACTIONS:
            problems["action"] = gettext("\u201c%(action)s\u201d is not an action the trail records: "
                                         "choose one from the list.", action=action[:40])
        values["action"] = action
    if shown["rule"]:
        if shown["rule"] not in service.every_rule(session):
            problems["rule"] = gettext("\u201c%(rule)s\u201d is not a house rule, now or in "
                                       "an earlier version: choose one from the list.", rule=shown["rule"][:40])
        values["rule"] = shown["rule"]
    days: dict[str, date] = {}
    for key, label in (("from", pgettext("date range", "From")), ("to", pgettext("date range", "To"))):
        if shown[key]:
            day = _day(shown[key][:MAX_DAYS_TEXT + 1])
            if day is None:
                problems[key] = gettext("%(label)s: \u201c%(text)s\u201d is not a date. Give it as "
                                        "year-month-day, for example 2026-03-31.", label=label,
                                        text=shown[key][:20])
            else:
                days[key] = day
    if "from" in days and "to" in days and days["to"] < days["from"]:
        problems["to"] = gettext("To: the end date is before the start date. Swap them, or change one.")
    if "from" in days:
        values["since"] = _utc(days["from"], zone)
    if "to" in days:
        values["until"] = _utc(days["to"], zone, days_after=1)
    before_text = (args.get("before") or "").strip()
    before = whole_number(before_text, 18)
    if before_text and before is None:
        problems["before"] = gettext("That page link is not valid: go back to the first page.")
    if problems:
        return TrailRequest(shown, problems=problems)
    return TrailRequest(shown, trail.TrailFilters(**values), before=before)


def trail_page(session: DbSession, request: TrailRequest, localtime: Callable[[datetime], str]) -> dict:
    """One page of the filtered trail, each row with its sentence and its details."""
    entries, next_cursor = trail.trail_page(session, request.filters, request.before, PAGE)
    ctx = context_for(session, entries)
    rows = audit_rows(session, entries, localtime)
    for row in rows:
        row["sentence"] = sentence(ctx, row["entry"])
        if row["entry"].action in ACCOUNT_ACTIONS:
            row["action"] = gettext(ACCOUNT_ACTIONS[row["entry"].action])
    return {"entries": rows, "next_cursor": next_cursor,
            "total": trail.trail_count(session, request.filters)}


CSV_FIELDS = ["when_utc", "who", "who_role", "action", "consultation", "comment_id", "paragraph",
              "rules", "what_happened", "note"]


def trail_csv(session: DbSession, request: TrailRequest) -> str:
    """The filtered trail as CSV, newest first; cells a spreadsheet would run are neutralised. In
    English whoever downloads it (its column names and values are data to analyse)."""
    with written_in(None):
        return _trail_csv(session, request)


def _trail_csv(session: DbSession, request: TrailRequest) -> str:
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
                   rule_words(ctx, cited) if cited else "",
                   "".join(text for text, _name in sentence(ctx, e)),
                   d.get("note") or d.get("reason") or ""]
            writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()
