"""Comments: why one's own comment awaits moderation, and what one can do about it."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

import moderation.service as moderation
from consult import rules_language
from consult.comments.editing import can_edit
from consult.i18n import N_, gettext
from consult.models import Comment, CommentStatus, Status, utcnow
from moderation import screening
from moderation.db import DbSession
from moderation.models import OPEN_STATES, QueueItem

# Shown on every page of a pre-moderated consultation, to authors of held comments, and used
# for the queue's age column.
MODERATION_PROMISE = "within 2 working days"


@dataclass(frozen=True)
class RuleRef:
    """A house rule as an author sees it cited: its anchor, number and title."""

    anchor: str
    number: str
    title: str  # without its number: "Do not share personal information"
    label: str = ""  # "rule 2 (Do not share personal information)", as every page and mail names it
    version: int | None = None  # the rules version it is in (None: the default text, unpublished)


@dataclass(frozen=True)
class Finding:
    """One thing screening found in a held comment, in words for its author."""

    what: str  # "a phone number"
    fix: str  # "remove the phone number"
    rule: RuleRef | None


@dataclass
class HeldNotice:
    """Why one's own comment awaits moderation, who decides by when, and what one can do."""

    comment_id: int
    findings: list[Finding] = field(default_factory=list)
    # Holds that editing cannot lift (pre-moderation, a campaign, readers' reports), in words.
    other: list[str] = field(default_factory=list)
    publish_on_edit: bool = False  # removing the findings publishes the comment at once
    editable: bool = False
    promise: str = MODERATION_PROMISE

    def sentence(self) -> str:
        """The notice as plain sentences (for a flash message or the page's script), in the reader's language."""
        parts = []
        if self.findings:
            found = _and([gettext("%(finding)s, under %(rule)s", finding=f.what, rule=f.rule.label)
                          if f.rule else f.what for f in self.findings])
            parts.append(gettext("Our automatic check found %(found)s.", found=found))
        parts.extend(self.other)
        promise = gettext(MODERATION_PROMISE) if self.promise == MODERATION_PROMISE else self.promise
        parts.append(gettext("A moderator will decide whether to publish it, usually %(promise)s.", promise=promise))
        if self.publish_on_edit and self.editable:
            parts.append(gettext("If you edit it to %(fixes)s, it will be published at once.", fixes=self.fixes))
        return " ".join(parts)

    @property
    def fixes(self) -> str:
        """What to change, once each: "remove the phone number and remove the link"."""
        return _and(list(dict.fromkeys(f.fix for f in self.findings))) if self.findings else ""


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else gettext("%(names)s and %(last)s", names=", ".join(items[:-1]),
                                                    last=items[-1])


# What screening found and how to fix it (moderation.screening.for_author's words, by code), in the
# reader's language; a code not listed (a new word list's) is shown as screening words it.
_FOR_AUTHOR = {
    "personal_data:email": (N_("an email address"), N_("remove the email address")),
    "personal_data:phone": (N_("a phone number"), N_("remove the phone number")),
    "personal_data:postcode": (N_("a postcode"), N_("remove the postcode")),
    "personal_data:ni_number": (N_("a national insurance number"), N_("remove the national insurance number")),
    "personal_data:date_of_birth": (N_("a date of birth"), N_("remove the date of birth")),
    "link": (N_("a link"), N_("remove the link (you can name the page or document instead)")),
    "banned_word": (N_("words the house rules do not allow"), N_("reword it")),
    "suspect_word": (N_("a word that moderators check by hand"), N_("reword it")),
    "shouting": (N_("mostly capital letters"), N_("write it in ordinary capitals and small letters")),
    "banned_word:insults": (N_("words that insult people"), N_("reword it without the insults")),
    "banned_word:slurs": (N_("a word used to abuse people for who they are"), N_("reword it without that word")),
    "banned_word:swearing": (N_("swearing"), N_("reword it without the swearing")),
    "banned_word:threats": (N_("words that read as a threat"), N_("reword it without the threat")),
}


def _for_author(code: str, message: str) -> tuple[str, str]:
    """What was found and how to fix it, in the reader's language where the words are screening's own."""
    said = screening.for_author(code) or (message, "reword it")
    known = _FOR_AUTHOR.get(code)
    if known is None:
        return said[0], gettext(said[1]) if said[1] == "reword it" else said[1]
    return tuple(gettext(ours) if ours == theirs else theirs  # type: ignore[return-value]
                 for ours, theirs in zip(known, said, strict=True))


def _rules_in_force(session: DbSession) -> dict[str, RuleRef]:
    """The house rules by anchor, read only (the default text until the first are published), titled
    in the reader's language where the default rules are translated."""
    version = moderation.rules_in_force(session)
    number = version.number if version.id is not None else None
    return {anchor: RuleRef(anchor, r["number"], r["title"].split(". ", 1)[-1], rules_language.reader_label(r), number)
            for anchor, r in rules_language.reader_rules(version).items()}


def held_notices(session: DbSession, comments: Iterable[Comment],
                 now: datetime | None = None) -> dict[int, HeldNotice]:
    """For each of these comments that awaits moderation, why, and what its author can do.

    The findings come from screening the text as it is now (so they follow the author's
    edits); the queue says what else holds it. Two queries, and none without a held comment.
    """
    held = [c for c in comments if c.status == CommentStatus.PENDING.value]
    if not held:
        return {}
    now = now or utcnow()
    items: dict[int, list[QueueItem]] = {}
    for item in session.scalars(select(QueueItem).where(
            QueueItem.comment_id.in_([c.id for c in held]), QueueItem.state.in_(OPEN_STATES))):
        items.setdefault(item.comment_id, []).append(item)
    rules = _rules_in_force(session)
    notices = {}
    for comment in held:
        mine = items.get(comment.id, [])
        findings = []
        for reason in screening.screen(comment.body):
            what, fix = _for_author(reason.code, reason.message)
            findings.append(Finding(what, fix, rules.get(reason.rule)))
        codes = {r.get("code") for item in mine for r in item.reasons or []}
        other = []
        mode = comment.consultation.moderation_mode
        if mode == "pre":
            other.append(gettext("Every comment on this consultation is checked by a moderator before it appears."))
        if "sanction" in codes:
            other.append(gettext("Your comments are checked by a moderator before they appear."))
        if "campaign" in codes:
            other.append(gettext("Many people sent this text, or one very like it, so a moderator reviews it "
                                 "with the others."))
        if "repeat" in codes:
            other.append(gettext("You posted the same text before, so a moderator checks it."))
        if any(item.source == "flags" for item in mine):
            other.append(gettext("Readers reported it, so it is hidden while a moderator looks at it."))
        if not findings and not other:
            other.append(gettext("A moderator checks it against the house rules before it appears."))
        notices[comment.id] = HeldNotice(
            comment.id, findings, other,
            publish_on_edit=(mode != "pre" and bool(findings) and bool(mine)
                             and all(moderation.lifted_by_editing(item) for item in mine)),
            editable=can_edit(comment, now) and comment.consultation.status_at(now) is Status.OPEN,
        )
    return notices
