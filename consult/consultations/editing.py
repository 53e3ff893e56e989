"""Editing a consultation after it was created: title, summary, department, scope statement,
dates and moderation, each change recorded in the history the public reads.

Refused where a change would break a promise already made to the public: the opening date of
a consultation that has opened, any date once it has closed, a closing date in the past, and
bringing the closing date forward after comments arrived without a reason (the reason is shown
to the public beside the change). A change of moderation applies to new comments only.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlalchemy import func, select

from consult.consultations import history_words as words
from consult.consultations.announce import announce_dates
from consult.consultations.creation import ServiceError
from consult.consultations.lifecycle import record_event
from consult.i18n import N_, gettext, local_time
from consult.models import (
    MODERATION_MODES,
    Comment,
    Consultation,
    ConsultationEvent,
    Status,
    utcnow,
)
from moderation.db import DbSession

# A before/after pair is quoted in the history only when both are at most this long.
SHORT = 120

MODERATION_WORDS = {
    "pre": N_("pre-moderation (a moderator checks every comment before it is public)"),
    "post": N_("post-moderation (comments are public at once and checked afterwards)"),
    "reactive": N_("reactive moderation (comments are public at once and checked when reported)"),
}

# What each recorded kind of event is called, on the officials' page and the public one.
EVENT_LABELS = {
    "created": "Created",
    "published": "Published",
    "closed_early": "Closed early",
    "extended": "Closing date extended",
    "version": "New version",
    "reattached": "Comments re-attached",
    "reattach_undone": "Re-attachment undone",
    "title_changed": "Title changed",
    "summary_changed": "Summary changed",
    "department_changed": "Department changed",
    "scope_changed": "Scope changed",
    "dates_changed": "Dates changed",
    "moderation_changed": "Moderation changed",
}
EDIT_KINDS = ("title_changed", "summary_changed", "department_changed", "scope_changed",
              "dates_changed", "moderation_changed")
PUBLIC_KINDS = frozenset({"created", "published", "closed_early", "extended", "version",
                          "reattached", "reattach_undone", *EDIT_KINDS})

# The scope statement's parts, as the consultation page names them.
SCOPE_PARTS = {
    "scope_about": N_("Why we are asking"),
    "scope_open": N_("Open for debate"),
    "scope_closed": N_("Not open for debate"),
    "scope_outcome": N_("What we will do with your comments"),
    "response_expected": N_("When we will respond"),
}
LIMITS = {"title": 300, "department": 200, "response_expected": 200}


@dataclass(frozen=True)
class Details:
    """What an official can edit about a consultation (dates naive UTC, as stored)."""

    title: str
    summary: str
    department: str
    scope_about: str
    scope_open: str
    scope_closed: str
    scope_outcome: str
    response_expected: str
    opens_at: datetime | None
    closes_at: datetime | None
    moderation_mode: str


class DetailsRefused(ServiceError):
    """The edit was refused; `errors` are (field name or None, message) pairs for the form."""

    def __init__(self, errors: list[tuple[str | None, str]], status: int = 400):
        super().__init__(" ".join(message for _field, message in errors))
        self.errors = errors
        self.status = status


def details_of(consultation: Consultation) -> Details:
    """The consultation's editable details as they are now."""
    return Details(**{f.name: getattr(consultation, f.name) for f in fields(Details)})


def stamp(details: Details) -> str:
    """A short fingerprint of the details, carried by the form to notice someone else's save."""
    values = {k: (_minute(v).isoformat() if isinstance(v, datetime) else v)
              for k, v in asdict(details).items()}
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:20]


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def _same_time(a: datetime | None, b: datetime | None) -> bool:
    # The form shows dates to the minute: a stored 17:00:42 sent back as 17:00 is no change.
    if a is None or b is None:
        return a is b
    return _minute(a) == _minute(b)


def _clean(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


# How a changed text reads in the history, lower case (a scope part's change) and as a sentence.
_CHANGES = {
    "added": (N_("added: %(new)s"), N_("Added: %(new)s.")), "added_long": (N_("added"), N_("Added.")),
    "removed": (N_("removed (it was %(old)s)"), N_("Removed (it was %(old)s).")),
    "removed_long": (N_("removed"), N_("Removed.")),
    "changed": (N_("from %(old)s to %(new)s"), N_("From %(old)s to %(new)s.")),
    "rewritten": (N_("rewritten"), N_("Rewritten.")),
    "rewritten_now": (N_("rewritten, now %(new)s"), N_("Rewritten, now %(new)s.")),
}


def _text_change(old: str, new: str, as_sentence: bool = False) -> words.Sentence:
    """How a changed text reads in the history: before and after when both are short."""
    if not old:
        kind, params = ("added", {"new": words.quoted(new)}) if len(new) <= SHORT else ("added_long", {})
    elif not new:
        kind, params = ("removed", {"old": words.quoted(old)}) if len(old) <= SHORT else ("removed_long", {})
    elif len(old) <= SHORT and len(new) <= SHORT:
        kind, params = "changed", {"old": words.quoted(old), "new": words.quoted(new)}
    elif len(new) > SHORT:
        kind, params = "rewritten", {}
    else:
        kind, params = "rewritten_now", {"new": words.quoted(new)}
    return words.sentence(_CHANGES[kind][1 if as_sentence else 0], **params)


def _when(value: datetime | None) -> dict:
    return words.time(value) if value is not None else words.term(N_("none"))


def _shown(value: datetime | None, zone: tzinfo) -> str:
    """A time as a refusal shows it: the site's zone, month names in the reader's language."""
    return local_time(value, "%-d %B %Y, %H:%M", zone) if value is not None else gettext("none")


def comments_received(session: DbSession, consultation: Consultation) -> int:
    """How many comments the consultation has received, whatever became of them."""
    return session.scalar(select(func.count()).select_from(Comment).where(
        Comment.consultation_id == consultation.id)) or 0


def shortens_close(old: datetime | None, new: datetime | None) -> bool:
    """True when the new closing date comes earlier than the one promised (none: never)."""
    if new is None or _same_time(old, new):
        return False
    return old is None or new < old


def edit_details(session: DbSession, consultation: Consultation, new: Details, *, reason: str = "",
                 actor_id: int | None, loaded: str | None = None, now: datetime | None = None,
                 zone: tzinfo = UTC) -> list[tuple[str, str]]:
    """Apply the edited details, recording one history entry per kind of change; returns the
    entries as (kind, detail), none if nothing changed. Raises DetailsRefused with every
    problem at once."""
    now = now or utcnow()
    status = consultation.status_at(now)
    if status is Status.ARCHIVED:
        raise DetailsRefused([(None, gettext("This consultation is archived: its details can no longer change."))],
                             status=409)
    old = details_of(consultation)
    if loaded is not None and loaded != stamp(old):
        raise DetailsRefused([(None, gettext("Someone else changed these details since you opened the form. "
                                             "Nothing was saved: the form now shows what you typed; "
                                             "check it against the details above and save again."))],
                             status=409)
    reason = _clean(reason)
    texts: dict[str, Any] = {f.name: _clean(getattr(new, f.name)) for f in fields(Details)
                             if f.name not in ("opens_at", "closes_at")}
    new = replace(new, **texts)
    # A date sent back unchanged (to the minute) keeps its stored seconds.
    if _same_time(old.opens_at, new.opens_at):
        new = replace(new, opens_at=old.opens_at)
    if _same_time(old.closes_at, new.closes_at):
        new = replace(new, closes_at=old.closes_at)
    errors = _problems(session, consultation, status, old, new, reason, now, zone)
    if errors:
        raise DetailsRefused(errors)
    events = _describe(old, new)
    if not events:
        return []
    for name in ("title", "summary", "department", *SCOPE_PARTS, "opens_at", "closes_at",
                 "moderation_mode"):
        setattr(consultation, name, getattr(new, name))
    if reason:
        events = [(kind, [*said, words.sentence(N_("Reason: %(reason)s"), reason=words.own(reason))])
                  for kind, said in events]
    recorded = [record_event(session, consultation, kind, said, actor_id) for kind, said in events]
    session.flush()
    if status is Status.OPEN and new.closes_at is not None and not _same_time(old.closes_at, new.closes_at):
        # Participants were told when it closes: told again, as by Extend (staff walkthrough).
        change = "brought_forward" if shortens_close(old.closes_at, new.closes_at) else "extended"
        announce_dates(session, consultation, change, reason, old.closes_at, actor_id)
    return [(event.kind, event.detail) for event in recorded]


def _problems(session: DbSession, consultation: Consultation, status: Status, old: Details,
              new: Details, reason: str, now: datetime, zone: tzinfo) -> list[tuple[str | None, str]]:
    errors: list[tuple[str | None, str]] = []
    if not new.title:
        errors.append(("title", gettext("Enter a title.")))
    for name, limit in LIMITS.items():
        if len(getattr(new, name)) > limit:
            errors.append((name, gettext("Keep it to %(limit)s characters or fewer.", limit=limit)))
    if new.moderation_mode not in MODERATION_MODES:
        errors.append(("moderation_mode", gettext("Choose how comments are moderated.")))
    closed = status in (Status.CLOSED, Status.RESPONDED)
    opens_changed = not _same_time(old.opens_at, new.opens_at)
    closes_changed = not _same_time(old.closes_at, new.closes_at)
    if closed and (opens_changed or closes_changed):
        errors.append(("closes_at" if closes_changed else "opens_at",
                       gettext("This consultation has closed: its dates can no longer change.")))
        return errors
    if closed and new.moderation_mode != old.moderation_mode:
        errors.append(("moderation_mode", gettext("This consultation has closed and takes no new comments, "
                                                  "so how they are moderated can no longer change.")))
    if opens_changed and status is Status.OPEN:
        opened = _shown(old.opens_at or consultation.published_at, zone)
        errors.append(("opens_at", gettext("It opened for comments on %(date)s: the opening date can no "
                                           "longer change.", date=opened)))
    if new.opens_at and new.closes_at and new.closes_at <= new.opens_at:
        errors.append(("closes_at", gettext("The closing date must be after the opening date.")))
    elif closes_changed and new.closes_at is not None and new.closes_at <= now:
        if status is Status.OPEN:
            errors.append(("closes_at", gettext("That closing date has passed: an open consultation cannot "
                                                "close in the past. To stop taking comments now, close it "
                                                "early instead.")))
        else:
            errors.append(("closes_at", gettext("The closing date must be in the future.")))
    if (status in (Status.UPCOMING, Status.OPEN) and shortens_close(old.closes_at, new.closes_at)
            and not reason and comments_received(session, consultation)):
        errors.append(("reason", gettext(
            "People have already commented, and they were told it closes on %(date)s: give the reason for "
            "bringing the closing date forward. It is shown to the public beside the change.",
            date=_shown(old.closes_at, zone)) if old.closes_at else gettext(
            "People have already commented, and they were told it has no set closing date: give the reason "
            "for bringing the closing date forward. It is shown to the public beside the change.")))
    return errors


def _describe(old: Details, new: Details) -> list[tuple[str, list[words.Sentence]]]:
    """The history entries for a change from `old` to `new`, as (kind, words)."""
    events: list[tuple[str, list[words.Sentence]]] = []
    for name, kind in (("title", "title_changed"), ("summary", "summary_changed"),
                       ("department", "department_changed")):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            events.append((kind, [_text_change(before, after, as_sentence=True)]))
    scope = [words.sentence(N_("%(part)s: %(change)s"), part=words.term(label),
                            change={"part": _text_change(getattr(old, name), getattr(new, name))})
             for name, label in SCOPE_PARTS.items() if getattr(old, name) != getattr(new, name)]
    if scope:
        events.append(("scope_changed", [words.sentence(N_("%(changes)s."), changes=words.joined(scope, "; "))]))
    dates = []
    if not _same_time(old.opens_at, new.opens_at):
        if new.opens_at is None:
            dates.append(words.sentence(N_("Opening date removed (it was %(old)s): it opens when published."),
                                        old=_when(old.opens_at)))
        else:
            dates.append(words.sentence(N_("Opening date moved from %(old)s to %(new)s."),
                                        old=_when(old.opens_at), new=_when(new.opens_at)))
    if not _same_time(old.closes_at, new.closes_at):
        if new.closes_at is None:
            dates.append(words.sentence(N_("Closing date removed (it was %(old)s): it stays open until it is "
                                           "closed."), old=_when(old.closes_at)))
        elif old.closes_at is None:
            dates.append(words.sentence(N_("Closing date set to %(new)s."), new=_when(new.closes_at)))
        elif new.closes_at < old.closes_at:
            dates.append(words.sentence(N_("Closing date brought forward from %(old)s to %(new)s."),
                                        old=_when(old.closes_at), new=_when(new.closes_at)))
        else:
            dates.append(words.sentence(N_("Closing date moved later, from %(old)s to %(new)s."),
                                        old=_when(old.closes_at), new=_when(new.closes_at)))
    if dates:
        events.append(("dates_changed", dates))
    if new.moderation_mode != old.moderation_mode:
        effect = (N_("This applies to new comments only: comments already published stay public.")
                  if new.moderation_mode == "pre" else
                  N_("This applies to new comments only: comments already waiting for a moderator "
                     "are still checked before they appear."))
        events.append(("moderation_changed", [
            words.sentence(N_("From %(old)s to %(new)s."), old=words.term(MODERATION_WORDS[old.moderation_mode]),
                           new=words.term(MODERATION_WORDS[new.moderation_mode])),
            words.sentence(effect)]))
    return events


@dataclass
class PublicEntry:
    """One line of the history the public reads: what changed and when (no official's name)."""

    kind: str
    label: str
    detail: str
    created_at: datetime
    words: list | None = None  # the detail's words (history_words), where they were recorded


def public_history(session: DbSession, consultation: Consultation) -> list[PublicEntry]:
    """What has happened to a published consultation, oldest first; a draft's edits stay private."""
    if consultation.published_at is None:
        return []
    rows = list(session.scalars(
        select(ConsultationEvent)
        .where(ConsultationEvent.consultation_id == consultation.id,
               ConsultationEvent.kind.in_(sorted(PUBLIC_KINDS)))
        .order_by(ConsultationEvent.id)))
    # Events recorded while it was a draft were promises to nobody: the public history starts
    # at its publication (an older record without one starts at the beginning).
    starts = next((i for i, e in enumerate(rows) if e.kind == "published"
                   or (e.kind == "created" and e.detail == "published")), 0)
    rows = rows[starts:]
    entries = []
    for event in rows:
        if event.kind in ("created", "published"):
            if event.kind == "created" and event.detail != "published":
                continue  # created as a draft: its publication is the entry that counts
            entries.append(PublicEntry("published", "Published", "", event.created_at))
            continue
        entries.append(PublicEntry(event.kind, EVENT_LABELS.get(event.kind, event.kind),
                                   event.detail, event.created_at, event.words))
    return entries
