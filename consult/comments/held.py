"""Comments: why one's own comment awaits moderation, and what one can do about it."""
from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

import moderation.service as moderation
from consult.comments.editing import can_edit
from consult.models import Comment, CommentStatus, Status, utcnow
from moderation import screening
from moderation.db import DbSession
from moderation.models import OPEN_STATES, HouseRulesVersion, QueueItem

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
        """The notice as plain sentences (for a flash message or the page's script)."""
        parts = []
        if self.findings:
            found = _and([f.what + (f", under {f.rule.label}" if f.rule else "")
                          for f in self.findings])
            parts.append(f"Our automatic check found {found}.")
        parts.extend(self.other)
        parts.append(f"A moderator will decide whether to publish it, usually {self.promise}.")
        if self.publish_on_edit and self.editable:
            parts.append(f"If you edit it to {self.fixes}, it will be published at once.")
        return " ".join(parts)

    @property
    def fixes(self) -> str:
        """What to change, once each: "remove the phone number and remove the link"."""
        return _and(list(dict.fromkeys(f.fix for f in self.findings))) if self.findings else ""


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@functools.cache
def _default_rules() -> tuple[dict, ...]:
    return tuple(moderation.parse_rules(moderation.DEFAULT_RULES.read_text(encoding="utf-8"))[0])


def _rules_in_force(session: DbSession) -> dict[str, RuleRef]:
    """The house rules by anchor, read only (the default text until the first are published)."""
    version = session.scalar(select(HouseRulesVersion).order_by(HouseRulesVersion.number.desc()).limit(1))
    rules = version.rules if version is not None else _default_rules()
    number = version.number if version is not None else None
    return {r["anchor"]: RuleRef(r["anchor"], r["number"], r["title"].split(". ", 1)[-1],
                                 moderation.rule_label(r), number) for r in rules}


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
            what, fix = screening.for_author(reason.code) or (reason.message, "reword it")
            findings.append(Finding(what, fix, rules.get(reason.rule)))
        codes = {r.get("code") for item in mine for r in item.reasons or []}
        other = []
        mode = comment.consultation.moderation_mode
        if mode == "pre":
            other.append("Every comment on this consultation is checked by a moderator before it appears.")
        if "sanction" in codes:
            other.append("Your comments are checked by a moderator before they appear.")
        if "campaign" in codes:
            other.append("Many people sent this text, or one very like it, so a moderator reviews it "
                         "with the others.")
        if "repeat" in codes:
            other.append("You posted the same text before, so a moderator checks it.")
        if any(item.source == "flags" for item in mine):
            other.append("Readers reported it, so it is hidden while a moderator looks at it.")
        if not findings and not other:
            other.append("A moderator checks it against the house rules before it appears.")
        notices[comment.id] = HeldNotice(
            comment.id, findings, other,
            publish_on_edit=(mode != "pre" and bool(findings) and bool(mine)
                             and all(moderation.lifted_by_editing(item) for item in mine)),
            editable=can_edit(comment, now) and comment.consultation.status_at(now) is Status.OPEN,
        )
    return notices
