"""Moderation: intake and screening, the queue, decisions, flags, appeals, sanctions, rules.

Every function takes the database session and plain values; none commits. Every change
writes an audit entry in the same transaction. Where a citizen-facing record must change (a
comment's status), a signal from moderation.signals carries the change to the application.
"""
from __future__ import annotations

import functools
import hashlib
import re
import statistics as stats
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path

from sqlalchemy import and_, bindparam, case, column, func, insert, or_, select, table, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, scoped_session

import documents
from moderation import screening, signals
from moderation.db import utcnow
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
    SANCTION_KINDS,
    WAITING,
    WITHDRAWN,
    Appeal,
    Assignment,
    AuditEntry,
    Decision,
    Flag,
    HouseRulesVersion,
    QueueItem,
    Sanction,
    TextBand,
    TextPrint,
)

DEFAULT_RULES = Path(__file__).with_name("house_rules.md")
CLAIM_MINUTES = 5
APPEAL_DAYS = 30
MAX_NOTE = 2000
CAMPAIGN_AUTHORS = 3  # this many different people sending the same text make a campaign
PAGE_SIZE = 25
SANCTION_NAMES = {"premoderate": "Pre-moderation", "suspend": "Suspension", "ban": "Ban"}
# Outcomes in words, for sentences ("Bea already decided: not published under rule 3 (…)").
OUTCOME_WORDS = {APPROVE: "approved and published", REJECT: "not published",
                 REDACT: "published with words removed", ESCALATE: "escalated to an official",
                 REMOVE: "removed"}


class ModerationError(ValueError):
    """A moderation request refused, with a message for the person who made it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class Conflict(ModerationError):
    """Someone else decided first, or the text changed: nothing was stored."""

    def __init__(self, message: str, item: QueueItem | None = None) -> None:
        super().__init__(message, status=409)
        self.item = item


def audit(session: Session, action: str, subject_type: str, subject_id: int | None, *,
          actor_id: int | None = None, consultation_id: int | None = None, **detail) -> None:
    """Append one entry to the moderation record."""
    session.add(AuditEntry(action=action, subject_type=subject_type, subject_id=subject_id,
                           actor_id=actor_id, consultation_id=consultation_id, detail=detail))


# --- house rules -------------------------------------------------------------------------

@dataclass(frozen=True)
class RulesText:
    """A rules document read: its rules, its whole HTML, and the front matter's title and note."""

    rules: list[dict]
    html: str
    title: str = ""
    note: str = ""

    # It still reads as the pair (rules, html) parse_rules used to return, for callers that unpack it.
    def __iter__(self):
        return iter((self.rules, self.html))

    def __getitem__(self, index):
        return (self.rules, self.html)[index]


RULES_METADATA = ("title", "note")  # what the front matter may say about a rules version
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*(?:\r\n|\r|\n))+")
_NUMBERED_TITLE = re.compile(r"\A(\d+)\.?\s+(\S.*)\Z", re.DOTALL)


def parse_rules(source: str) -> RulesText:
    """Read a rules document: front matter as metadata, one rule per level-2 heading (## …).

    Blank lines before the front matter are dropped first: a textarea (or a person) easily adds
    one, and with it the front matter's closing "---" would underline its last line into a
    level-2 heading, that is, a rule called "title: House rules".
    """
    stripped = _LEADING_BLANK_LINES.match(source or "")
    skipped = len(re.findall(r"\r\n|\r|\n", stripped.group(0))) if stripped else 0
    text = source[stripped.end():] if stripped else (source or "")
    try:
        document = documents.parse(text, source="house rules")
    except documents.DocumentError as exc:
        raise ModerationError(str(exc)) from exc
    unknown = [str(k) for k in document.meta if k not in RULES_METADATA]
    if unknown:
        raise ModerationError(
            f"The front matter (between the two --- lines at the top) may give only a title and a "
            f"note on what changed; remove {', '.join(repr(k) for k in unknown)}.")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    rules: list[dict] = []
    for paragraph in document.paragraphs:
        if paragraph.kind == "heading" and paragraph.level == 2:
            line = lines[paragraph.line - 1] if 0 < paragraph.line <= len(lines) else ""
            where = f"Line {paragraph.line + skipped}"
            if not line.lstrip().startswith("#"):
                # A line underlined with --- is a level-2 heading to Markdown, never meant as a rule.
                raise ModerationError(
                    f"{where}: “{paragraph.text}” is underlined with ---, which would make it a rule. "
                    "Write each rule as a heading starting ## , and put any front matter "
                    "(--- title: … ---) at the very top of the text.")
            if not _rule_name(paragraph.text):
                raise ModerationError(f"{where}: this rule has no title. Write it after the ##, "
                                      "for example “## 3. No abuse {#no-abuse}”.")
            rules.append({"anchor": paragraph.anchor, "number": str(len(rules) + 1),
                          "title": paragraph.text, "html": paragraph.html})
        elif rules:
            rules[-1]["html"] += "\n" + paragraph.html
    if not rules:
        raise ModerationError("The house rules need at least one rule: a level-2 heading (## …).")
    meta = document.meta
    return RulesText(rules, document.html, title=_front_matter_text(meta, "title"),
                     note=_front_matter_text(meta, "note"))


def _front_matter_text(meta: dict, key: str) -> str:
    """A front-matter value as the text it is shown as; a list or a mapping is refused.

    YAML reads "note:" followed by "- a" lines as a list, which str() would store as "['a']".
    """
    value = meta.get(key)
    if value is None:
        return ""
    if isinstance(value, (list, tuple, dict, bool)):  # YAML reads a bare yes or no as a bool
        raise ModerationError(
            f"The front matter's {key} must be text on one line (for example “{key}: Rule 4 is "
            f"clearer”), not a list. Put quotes round it if it is yes or no or contains a colon.")
    return str(value).strip()


def _rule_name(title: str) -> str:
    """A rule title without its leading number ("3. No abuse" -> "No abuse")."""
    title = (title or "").strip()
    numbered = _NUMBERED_TITLE.match(title)
    if numbered:
        return numbered.group(2).strip()
    return "" if re.fullmatch(r"\d+\.?", title) else title


def rule_label(rule: dict) -> str:
    """'rule 3 (No abuse, threats or discrimination)': how a rule is named in sentences."""
    title = (rule.get("title") or "").strip()
    numbered = _NUMBERED_TITLE.match(title)
    if numbered:  # the title's own number is the one readers see on the rules page
        return f"rule {numbered.group(1)} ({numbered.group(2).strip()})"
    return f"rule {rule.get('number', '?')} ({title})" if title else f"rule {rule.get('number', '?')}"


def current_rules(session: Session) -> HouseRulesVersion:
    """The house rules in force, publishing the default text the first time (for writers: a
    decision must cite a version on record; pages read `rules_in_force`, which never writes)."""
    latest = select(HouseRulesVersion).order_by(HouseRulesVersion.number.desc()).limit(1)
    version = session.scalar(latest)
    if version is None:
        try:
            with session.begin_nested():
                version = publish_rules(session, DEFAULT_RULES.read_text(encoding="utf-8"),
                                        note="The first house rules.", actor_id=None, number=1)
        except IntegrityError:  # another request published them at the same moment: use theirs
            version = session.scalar(latest)
    return version


def publish_rules(session: Session, source: str, note: str, actor_id: int | None,
                  number: int | None = None) -> HouseRulesVersion:
    """Publish a new version of the house rules; decisions cite the version in force.

    The version number is the next one, or `number` when given (the first rules are number 1,
    so two requests publishing them at once collide on the unique number). The default text is
    always version 1: published first if it is not on record yet.
    """
    parsed = parse_rules(source)
    note = (note or "").strip() or parsed.note
    if number is None:
        number = session.scalar(select(func.max(HouseRulesVersion.number)))
        if number is None:
            number = current_rules(session).number
        number += 1
    version = HouseRulesVersion(number=number, source=source, rules=parsed.rules, html=parsed.html,
                                note=note, published_by=actor_id)
    session.add(version)
    session.flush()
    audit(session, "rules_published", "rules", version.id, actor_id=actor_id,
          number=version.number, note=note)
    return version


def rule_titles(version: HouseRulesVersion) -> dict[str, str]:
    """Rule anchor -> "3. No abuse, threats or discrimination"."""
    return {r["anchor"]: r["title"] for r in version.rules}


@functools.lru_cache(maxsize=16)
def _front_matter_title(source: str) -> str:
    try:
        return parse_rules(source).title
    except ModerationError:  # a version published before the checks of today: no title then
        return ""


def rules_title(version: HouseRulesVersion) -> str:
    """The title a rules version's front matter gives, or "House rules"."""
    return _front_matter_title(version.source) or "House rules"


@functools.lru_cache(maxsize=1)
def _default_rules() -> RulesText:
    return parse_rules(DEFAULT_RULES.read_text(encoding="utf-8"))


def default_rules_version() -> HouseRulesVersion:
    """The default rules as version 1, not stored: what a page shows before `consult init-db`
    (or the first decision) has published them."""
    parsed = _default_rules()
    return HouseRulesVersion(number=1, source=DEFAULT_RULES.read_text(encoding="utf-8"),
                             rules=parsed.rules, html=parsed.html, note="The first house rules.",
                             published_by=None, published_at=utcnow())


_LATEST_RULES = select(HouseRulesVersion).order_by(HouseRulesVersion.number.desc()).limit(1)


def rules_in_force(session: Session) -> HouseRulesVersion:
    """The house rules in force, read only: the default text when none is on record yet."""
    return session.scalar(_LATEST_RULES) or default_rules_version()


def rules_version(session: Session, number: int | None) -> HouseRulesVersion | None:
    """One version of the house rules by its number (version 1 is the default text until stored)."""
    if number is None:
        return None
    version = session.scalar(select(HouseRulesVersion).where(HouseRulesVersion.number == number))
    if version is None and number == 1 and session.scalar(_LATEST_RULES) is None:
        return default_rules_version()
    return version


def rules_versions(session: Session) -> list[HouseRulesVersion]:
    """Every version of the house rules, newest first (the default text alone until stored)."""
    versions = list(session.scalars(select(HouseRulesVersion).order_by(HouseRulesVersion.number.desc())))
    return versions or [default_rules_version()]


def rule_index(version: HouseRulesVersion) -> dict[str, dict]:
    """Rule anchor -> the rule ({anchor, number, title, html}) in one version."""
    return {r["anchor"]: r for r in version.rules}


def every_rule(session: Session) -> dict[str, dict]:
    """Every rule any version has had, by anchor, as its newest version names it (with that version),
    in the current version's order and then the retired ones: statistics count under old rules too."""
    versions = rules_versions(session)
    index: dict[str, dict] = {}
    for version in versions:
        for rule in version.rules:
            index.setdefault(rule["anchor"], {**rule, "version": version.number,
                                              "current": version.number == versions[0].number})
    return index


def cited_rules(session: Session, decision: Decision) -> list[dict]:
    """The rules a decision cites, as {anchor, number, title, label, version} in the version it cited."""
    version = rules_version(session, decision.rules_version)
    index = rule_index(version) if version else {}
    result = []
    for anchor in decision.rules or []:
        rule = index.get(anchor)
        if rule is None:  # never the bare anchor: it is an internal value
            rule = {"number": "?", "title": "a rule since changed"}
        result.append({"anchor": anchor, "number": rule["number"], "title": rule["title"],
                       "label": rule_label(rule) if anchor in index else rule["title"],
                       "version": decision.rules_version})
    return result


# --- sanctions -----------------------------------------------------------------------------

_UNREVOKED = (select(Sanction).where(Sanction.user_id == bindparam("user"), Sanction.revoked_at.is_(None))
              .order_by(Sanction.id))  # built once: it is read for every comment posted


def _unrevoked_sanctions(session: Session, user_id: int) -> list[Sanction]:
    """A user's sanctions not revoked, read once per transaction (posting asks twice)."""
    if isinstance(session, scoped_session):
        session = session()
    transaction = session.get_transaction()
    cached = session.info.get("moderation.sanctions")
    if cached is None or cached[0] is not transaction:
        cached = session.info["moderation.sanctions"] = (transaction, {})
    by_user = cached[1]
    if user_id not in by_user:
        by_user[user_id] = list(session.scalars(_UNREVOKED, {"user": user_id}))
    return by_user[user_id]


def _forget_sanctions(session: Session) -> None:
    session.info.pop("moderation.sanctions", None)


def active_sanctions(session: Session, user_id: int, now: datetime | None = None) -> list[Sanction]:
    """The sanctions on a user in force now."""
    now = now or utcnow()
    return [s for s in _unrevoked_sanctions(session, user_id)
            if s.revoked_at is None and s.starts_at <= now and (s.ends_at is None or s.ends_at > now)]


def posting_refusal(session: Session, user_id: int, now: datetime | None = None,
                    zone: tzinfo | None = None) -> str | None:
    """Why this user may not post now (suspended or banned), or None.

    Times are shown in `zone`, the one the pages show times in; without it, in UTC, said so.
    """
    for sanction in active_sanctions(session, user_id, now):
        if sanction.kind == "ban":
            return f"Your account may no longer post comments. Reason: {sanction.reason}"
        if sanction.kind == "suspend":
            until = f" until {shown_time(sanction.ends_at, zone)}" if sanction.ends_at else ""
            return f"Your account is suspended from posting{until}. Reason: {sanction.reason}"
    return None


def shown_time(value: datetime, zone: tzinfo | None = None, fmt: str = "%-d %B %Y, %H:%M") -> str:
    """A stored (UTC) time as people read it: in `zone`, or in UTC with "UTC" after it."""
    moment = value.replace(tzinfo=timezone.utc)
    if zone is None:
        return f"{moment:{fmt}} UTC"
    return f"{moment.astimezone(zone):{fmt}}"


def impose_sanction(session: Session, user_id: int, kind: str, reason: str, actor_id: int,
                    ends_at: datetime | None = None, now: datetime | None = None,
                    sender: object = None) -> Sanction:
    """Place a user on pre-moderation, suspend them until a date, or ban them; they are told."""
    now = now or utcnow()
    if kind not in SANCTION_KINDS:
        raise ModerationError(f"Unknown measure '{kind}': use pre-moderation, suspension or ban.")
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError("Give the reason: the user is shown it.")
    if len(reason) > MAX_NOTE:
        raise ModerationError(f"The reason is limited to {MAX_NOTE:,} characters.")
    if kind == "suspend" and (ends_at is None or ends_at <= now):
        raise ModerationError("A suspension needs an end date in the future.")
    if user_id == actor_id:
        raise ModerationError("You cannot place a measure on your own account.")
    users = table("users", column("id"))
    if session.scalar(select(users.c.id).where(users.c.id == user_id)) is None:
        raise ModerationError("There is no such user.", status=404)
    sanction = Sanction(user_id=user_id, kind=kind, reason=reason, starts_at=now, ends_at=ends_at,
                        created_by=actor_id)
    session.add(sanction)
    session.flush()
    _forget_sanctions(session)
    audit(session, "sanction", "user", user_id, actor_id=actor_id, kind=kind, reason=reason,
          ends_at=ends_at.isoformat() if ends_at else None, sanction_id=sanction.id)
    signals.sanctioned.send(sender, session=session, sanction=sanction)
    return sanction


def sanctions_of(session: Session, user_id: int) -> list[Sanction]:
    """Every measure ever placed on a user, newest first (lifted ones too)."""
    return list(session.scalars(select(Sanction).where(Sanction.user_id == user_id)
                                .order_by(Sanction.id.desc())))


def revoke_sanction(session: Session, sanction_id: int, actor_id: int,
                    now: datetime | None = None) -> Sanction:
    """Lift a sanction; the record stays."""
    sanction = session.get(Sanction, sanction_id)
    if sanction is None or sanction.revoked_at is not None:
        raise ModerationError("That measure is not in force.", status=404)
    sanction.revoked_at = now or utcnow()
    sanction.revoked_by = actor_id
    _forget_sanctions(session)
    audit(session, "sanction_revoked", "user", sanction.user_id, actor_id=actor_id,
          sanction_id=sanction.id, kind=sanction.kind)
    return sanction


# --- intake: what enters the queue ------------------------------------------------------

@dataclass
class Intake:
    """What happens to a new comment, decided before it is stored: published now or held, and why."""

    publish: bool
    reasons: list[dict] = field(default_factory=list)
    campaign: bool = False
    digest: str = ""
    signature: tuple[int, ...] = ()
    group: str = ""
    completes_campaign: bool = False  # this text is the one that made its group a campaign
    premoderated: bool = False

    @property
    def status_reason(self) -> str | None:
        """Why the comment waits, in words for its author (None when it is published)."""
        shown = [r["message"] for r in self.reasons if r["code"] != "sanction"]
        return "Held for a moderator: " + " ".join(dict.fromkeys(shown)) if shown else None


def text_hash(text: str) -> str:
    """A hash of the normalised text: equal for repeats that differ only in case and punctuation."""
    return hashlib.sha1(screening.normalise(text).encode()).hexdigest()


def _reason_dict(reason: screening.Reason) -> dict:
    return {"code": reason.code, "message": reason.message, "rule": reason.rule,
            "spans": [list(s) for s in reason.spans]}


# The statements intake runs for every new comment, built once with bound parameters. Building
# a statement (and its cache key) costs SQLAlchemy several times what SQLite takes to run it,
# and intake sits inside the write transaction of every comment posted.
# One round trip: has this author sent this text before (anywhere), and which group holds this
# text in this consultation.
_SEEN_TEXT = select(
    select(TextPrint.id)
    .where(TextPrint.author_id == bindparam("author"), TextPrint.text_hash == bindparam("digest"))
    .limit(1).scalar_subquery(),
    select(TextPrint.group_key)
    .where(TextPrint.consultation_id == bindparam("consultation"), TextPrint.text_hash == bindparam("digest"))
    .limit(1).scalar_subquery(),
)
_NEAR_TEXTS = (select(TextPrint.group_key, TextPrint.sketch)
               .join(TextBand, TextBand.comment_id == TextPrint.comment_id)
               .where(TextBand.consultation_id == bindparam("consultation"),
                      TextBand.band.in_(bindparam("bands", expanding=True)))
               .limit(20))
_OTHER_AUTHORS = (select(TextPrint.author_id).distinct()
                  .where(TextPrint.consultation_id == bindparam("consultation"),
                         TextPrint.group_key == bindparam("group"),
                         TextPrint.author_id != bindparam("author"))
                  .limit(CAMPAIGN_AUTHORS))
_ADD_PRINT = insert(TextPrint)


@functools.cache
def _add_bands(count: int):
    """One INSERT of `count` bands (not `count` INSERTs: PostgreSQL runs each separately)."""
    return insert(TextBand).values([
        {"comment_id": bindparam("comment_id"), "consultation_id": bindparam("consultation_id"),
         "band": bindparam(f"band{i}")} for i in range(count)])


def _campaign_group(connection, consultation_id: int, digest: str, same: str | None,
                    signature: tuple[int, ...]) -> tuple[str, bool]:
    """The group of near-identical texts in this consultation that a new text joins.

    Returns (group, is_new). The same normalised text joins its group (`same`) at once;
    otherwise the sketch's bands find up to 20 candidates, and the most similar one above the
    threshold gives its group. A text like no other starts a group of its own, named by its
    hash. Every query here is bounded.
    """
    if same:
        return same, False
    if signature:
        candidates = connection.execute(
            _NEAR_TEXTS, {"consultation": consultation_id, "bands": screening.bands(signature)}).all()
        scored = [(screening.estimated_similarity(signature, other or ()), key) for key, other in candidates]
        best = max(scored, default=(0.0, None))
        if best[0] >= screening.NEAR_DUPLICATE:
            return best[1], False
    return digest, True


def screen_new(session: Session, *, consultation_id: int, author_id: int, text: str, mode: str,
               premoderated: bool | None = None, banned: Iterable[str] = (),
               suspect: Iterable[str] = (), now: datetime | None = None) -> Intake:
    """Screen a new text and decide whether it is published at once or waits for a moderator.

    Run in the transaction that stores the comment, before it does (so the comment is written
    once, with its status), then `record_intake` with its id. Pre-moderation and users on
    pre-moderation always wait; in post-moderation and reactive consultations only texts that
    screening holds wait. Texts that several people sent, word for word or nearly, form a
    campaign group: held and reviewed together, never rejected for being a campaign.
    `premoderated` may be passed when the caller has just read the author's sanctions.
    """
    now = now or utcnow()
    connection = session.connection()
    reasons = [_reason_dict(r) for r in screening.screen(text, banned, suspect)]
    digest = text_hash(text)
    repeated, same = connection.execute(
        _SEEN_TEXT, {"author": author_id, "consultation": consultation_id, "digest": digest}).one()
    if repeated:
        reasons.append({"code": "repeat", "message": "The same text was posted before by the same person.",
                        "rule": screening.RULE_SPAM, "spans": []})
    signature = screening.sketch(text)
    group, new_group = _campaign_group(connection, consultation_id, digest, same, signature)
    others = 0
    if not new_group:
        # Enough to know whether this author makes the group a campaign; never a count of all of it.
        others = len(connection.execute(_OTHER_AUTHORS, {"consultation": consultation_id, "group": group,
                                                         "author": author_id}).all())
    campaign = others + 1 >= CAMPAIGN_AUTHORS
    if campaign:
        reasons.append({"code": "campaign", "spans": [], "rule": "",
                        "message": "Many people sent this text, or one very like it: it is reviewed "
                                   "with the rest of its campaign group."})
    if premoderated is None:
        premoderated = any(s.kind == "premoderate" for s in active_sanctions(session, author_id, now))
    if premoderated:
        reasons.append({"code": "sanction", "message": "The author's comments are checked before publication.",
                        "rule": "", "spans": []})
    hold = mode == "pre" or premoderated or bool(reasons)
    return Intake(publish=not hold, reasons=reasons, campaign=campaign, digest=digest,
                  signature=signature, group=group, premoderated=premoderated,
                  completes_campaign=campaign and others == CAMPAIGN_AUTHORS - 1)


def record_intake(session: Session, intake: Intake, *, comment_id: int, consultation_id: int,
                  author_id: int, text: str, revision: int, mode: str,
                  now: datetime | None = None) -> QueueItem | None:
    """Record a stored comment's fingerprints and, when it is held, put it in the queue.

    Returns the queue item, or None when the comment was published. Nothing is ever deleted.
    """
    now = now or utcnow()
    connection = session.connection()
    connection.execute(_ADD_PRINT, {"comment_id": comment_id, "consultation_id": consultation_id,
                                    "author_id": author_id, "text_hash": intake.digest,
                                    "group_key": intake.group, "sketch": list(intake.signature),
                                    "created_at": now})
    if intake.signature:
        bands = screening.bands(intake.signature)
        connection.execute(_add_bands(len(bands)), {"comment_id": comment_id, "consultation_id": consultation_id,
                                                    **{f"band{i}": band for i, band in enumerate(bands)}})
    item = None
    if not intake.publish:
        reasons = intake.reasons
        item = QueueItem(comment_id=comment_id, consultation_id=consultation_id, author_id=author_id,
                         text=text, comment_revision=revision,
                         source="screening" if reasons and not intake.premoderated else "pre",
                         reasons=reasons, published=False, created_at=now,
                         campaign_key=intake.group if intake.campaign else None)
        session.add(item)
        session.flush()
        audit(session, "held", "comment", comment_id, consultation_id=consultation_id,
              item_id=item.id, reasons=[r["code"] for r in reasons], mode=mode)
    if intake.completes_campaign:
        # This text made the group a campaign: earlier open items join it, to be decided together.
        # Never an appeal: it is decided alone, by someone who reads the author's reason.
        session.execute(update(QueueItem).where(
            QueueItem.consultation_id == consultation_id, QueueItem.state.in_(OPEN_STATES),
            QueueItem.source != "appeal",
            QueueItem.campaign_key.is_(None), QueueItem.comment_id.in_(
                select(TextPrint.comment_id).where(TextPrint.consultation_id == consultation_id,
                                                   TextPrint.group_key == intake.group))
        ).values(campaign_key=intake.group, version=QueueItem.version + 1))
    return item


def text_edited(session: Session, comment_id: int, text: str, revision: int) -> None:
    """The author edited a comment that is in the queue: the moderator must judge the new text."""
    for item in session.scalars(select(QueueItem).where(QueueItem.comment_id == comment_id,
                                                        QueueItem.state.in_(OPEN_STATES))):
        item.text = text
        item.comment_revision = revision
        item.version += 1
        if item.source == "screening":
            # The moderator reads why the text as it is now is held, not the old text's reasons;
            # what screening does not find in a text (a repeat, a campaign) stays.
            kept = [r for r in item.reasons or [] if screening.for_author(r.get("code", "")) is None]
            item.reasons = kept + [_reason_dict(r) for r in screening.screen(text)] or item.reasons
        audit(session, "edited_in_queue", "comment", comment_id,
              consultation_id=item.consultation_id, item_id=item.id, revision=revision)


def lifted_by_editing(item: QueueItem) -> bool:
    """A hold that screening alone made: it ends when screening finds nothing in the text."""
    return item.source == "screening" and all(
        screening.for_author(r.get("code", "")) is not None for r in item.reasons or [])


def release_after_edit(session: Session, comment_id: int, author_id: int, text: str,
                       revision: int, now: datetime | None = None) -> bool:
    """Close the queue items of a comment that screening alone held, once its edited text passes.

    False, and nothing changed, when anything else holds it: an item a moderator escalated or
    opened, a reader's report, a repeat or campaign (the new text's too), or any measure on the
    author. (Whether the consultation's mode lets an edit publish at once is the caller's call.)
    """
    now = now or utcnow()
    if screening.screen(text):
        return False
    # Locked (on PostgreSQL), so that a moderator deciding at the same moment either decided
    # first (the item is no longer open here) or is told afterwards that the item changed.
    items = list(session.scalars(select(QueueItem).where(
        QueueItem.comment_id == comment_id, QueueItem.state.in_(OPEN_STATES)).with_for_update()))
    if not items or not all(item.state == WAITING and item.claimed_by is None
                            and lifted_by_editing(item) for item in items):
        return False
    if active_sanctions(session, author_id, now):
        return False
    connection = session.connection()
    consultation_id = items[0].consultation_id
    repeated, same = connection.execute(_SEEN_TEXT, {"author": author_id, "digest": text_hash(text),
                                                     "consultation": consultation_id}).one()
    if repeated:
        return False
    if same and len(connection.execute(_OTHER_AUTHORS, {"consultation": consultation_id, "group": same,
                                                        "author": author_id}).all()) + 1 >= CAMPAIGN_AUTHORS:
        return False
    for item in items:
        item.text = text
        item.comment_revision = revision
        item.state = RELEASED
        item.decided_at = now
        item.version += 1  # a moderator deciding on the old text is told it changed
        audit(session, "released_after_edit", "comment", comment_id, actor_id=author_id,
              consultation_id=item.consultation_id, item_id=item.id, revision=revision)
    return True


# --- the queue -----------------------------------------------------------------------------

def moderated_consultations(session: Session, moderator_id: int) -> list[int] | None:
    """The consultations a moderator is assigned to, or None when they moderate everything."""
    ids = list(session.scalars(select(Assignment.consultation_id).where(Assignment.user_id == moderator_id)))
    return ids or None


def assign(session: Session, moderator_id: int, consultation_id: int, actor_id: int) -> Assignment:
    """Assign a moderator to a consultation (from then on, only to the ones assigned)."""
    users = table("users", column("id"), column("role"), column("deleted_at"))
    role = session.execute(select(users.c.role).where(users.c.id == moderator_id,
                                                      users.c.deleted_at.is_(None))).scalar()
    if role is None:
        raise ModerationError("There is no such user.", status=404)
    if role != "moderator":
        raise ModerationError("Only moderators can be assigned to consultations (administrators "
                              "moderate everything): give them the moderator role first.")
    consultations = table("consultations", column("id"))
    if session.scalar(select(consultations.c.id).where(consultations.c.id == consultation_id)) is None:
        raise ModerationError("There is no such consultation.", status=404)
    if session.scalar(select(Assignment.id).where(Assignment.user_id == moderator_id,
                                                  Assignment.consultation_id == consultation_id)):
        raise ModerationError("That moderator is already assigned to that consultation.", status=409)
    assignment = Assignment(user_id=moderator_id, consultation_id=consultation_id)
    session.add(assignment)
    audit(session, "assigned", "user", moderator_id, actor_id=actor_id,
          consultation_id=consultation_id)
    return assignment


def unassign(session: Session, moderator_id: int, consultation_id: int, actor_id: int) -> None:
    """Take a moderator off a consultation (with none left, they moderate everything again)."""
    assignment = session.scalar(select(Assignment).where(Assignment.user_id == moderator_id,
                                                         Assignment.consultation_id == consultation_id))
    if assignment is None:
        raise ModerationError("That moderator is not assigned to that consultation.", status=404)
    session.delete(assignment)
    audit(session, "unassigned", "user", moderator_id, actor_id=actor_id,
          consultation_id=consultation_id)


def assignments(session: Session) -> dict[int, list[int]]:
    """Moderator id -> the consultations they are assigned to (moderators with none are absent)."""
    found: dict[int, list[int]] = {}
    for user_id, consultation_id in session.execute(
            select(Assignment.user_id, Assignment.consultation_id).order_by(Assignment.id)):
        found.setdefault(user_id, []).append(consultation_id)
    return found


@dataclass
class QueueFilters:
    """What the moderator asked the queue to show."""

    consultation_id: int | None = None
    reason: str | None = None  # a reason code prefix, e.g. "personal_data"
    rule: str | None = None
    source: str | None = None  # pre, screening, flags, appeal
    campaign: str | None = None
    state: str = WAITING
    older_than_hours: int | None = None


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
        raise ModerationError("That page link is not valid: go back to the start of the queue.") from None


def queue_page(session: Session, filters: QueueFilters, *, moderator_id: int | None = None,
               is_admin: bool = False, cursor: str | None = None, limit: int = PAGE_SIZE,
               now: datetime | None = None) -> QueuePage:
    """Open items oldest first, filtered, by keyset pagination (no count of the whole table)."""
    now = now or utcnow()
    query = select(QueueItem).where(QueueItem.state == filters.state)
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
    after = parse_cursor(cursor)
    if after:
        query = query.where(or_(QueueItem.created_at > after[0],
                                and_(QueueItem.created_at == after[0], QueueItem.id > after[1])))
    query = query.order_by(QueueItem.created_at, QueueItem.id)
    # Reason and rule live in a JSON list: filter in Python over bounded batches.
    wanted_reason, wanted_rule = filters.reason, filters.rule
    items: list[QueueItem] = []
    batch_query = query
    while len(items) <= limit:
        # Without a JSON-side filter one row more than the page is all that is needed.
        batch = list(session.scalars(batch_query.limit(200 if (wanted_reason or wanted_rule) else limit + 1)))
        for item in batch:
            codes = [r.get("code", "") for r in item.reasons or []]
            rules = [r.get("rule", "") for r in item.reasons or []]
            if wanted_reason and not any(c == wanted_reason or c.startswith(wanted_reason + ":") for c in codes):
                continue
            if wanted_rule and wanted_rule not in rules:
                continue
            items.append(item)
            if len(items) > limit:
                break
        if len(items) > limit or not (wanted_reason or wanted_rule) or len(batch) < 200:
            break
        last = batch[-1]
        batch_query = query.where(or_(QueueItem.created_at > last.created_at,
                                      and_(QueueItem.created_at == last.created_at, QueueItem.id > last.id)))
    page = items[:limit]
    return QueuePage(page, _cursor(page[-1]) if len(items) > limit else None)


def get_item(session: Session, item_id: int) -> QueueItem:
    """A queue item, or a 404-style error."""
    item = session.get(QueueItem, item_id)
    if item is None:
        raise ModerationError("There is no such item in the queue.", status=404)
    return item


def neighbours(session: Session, item: QueueItem, moderator_id: int, *,
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


def _check_scope(session: Session, item: QueueItem, moderator_id: int, is_admin: bool) -> None:
    if is_admin:
        return
    scope = moderated_consultations(session, moderator_id)
    if scope is not None and item.consultation_id not in scope:
        raise ModerationError("You do not moderate this consultation; ask an administrator to "
                              "assign you to it.", status=403)


def claim(session: Session, item_id: int, moderator_id: int, *, is_admin: bool = False,
          now: datetime | None = None) -> tuple[QueueItem, int | None]:
    """Claim an item for a few minutes; returns (item, other moderator holding it or None)."""
    now = now or utcnow()
    item = get_item(session, item_id)
    _check_scope(session, item, moderator_id, is_admin)
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


@dataclass
class DecisionRequest:
    """A moderator's decision as submitted, against the item version they saw."""

    outcome: str
    rules: Sequence[str] = ()
    note: str = ""
    redacted_text: str | None = None
    expected_version: int | None = None


def _checked_request(session: Session, request: DecisionRequest) -> tuple[HouseRulesVersion, list[str], str]:
    """Check what does not depend on the item (the outcome, the rules cited, the note).

    Returns (rules in force, rules cited, note). A bulk decision checks this once, so a
    selection decided without a rule is refused once, not item by item.
    """
    if request.outcome not in OUTCOMES:
        raise ModerationError(f"Unknown decision '{request.outcome}'.")
    rules_version = current_rules(session)
    known = rule_titles(rules_version)
    cited = [r for r in dict.fromkeys(request.rules) if r]
    unknown = [r for r in cited if r not in known]
    if unknown:
        raise ModerationError(_changed_rules_message(session, unknown))
    if request.outcome in (REJECT, REDACT, REMOVE) and not cited:
        raise ModerationError("Cite the house rule the comment breaks: the author is told which one.")
    note = (request.note or "").strip()
    if len(note) > MAX_NOTE:
        raise ModerationError(f"The note is {len(note):,} characters; the limit is {MAX_NOTE:,}.")
    return rules_version, cited, note


def _changed_rules_message(session: Session, anchors: Sequence[str]) -> str:
    """What a moderator citing rules no longer in force is told, naming them as they were."""
    old: dict[str, str] = {}
    for version in session.scalars(select(HouseRulesVersion).order_by(HouseRulesVersion.number.desc())):
        for rule in version.rules:
            if rule["anchor"] in anchors:
                old.setdefault(rule["anchor"], rule_label(rule))
        if len(old) == len(anchors):
            break
    named = [old[a] for a in anchors if a in old]  # an anchor no version had is not echoed back
    if not named:
        return ("That house rule has changed since you opened this page: read the rules again "
                "and choose again.")
    if len(named) == 1:
        return (f"That house rule ({named[0]}) has changed since you opened this page: read it "
                "again and choose again.")
    return (f"Those house rules ({' and '.join(named)}) have changed since you opened this page: "
            "read them again and choose again.")


def decide(session: Session, item_id: int, moderator_id: int, request: DecisionRequest, *,
           is_admin: bool = False, now: datetime | None = None, sender: object = None) -> Decision:
    """Record one decision on a queue item; exactly one of two racing moderators wins."""
    now = now or utcnow()
    item = get_item(session, item_id)
    _check_scope(session, item, moderator_id, is_admin)
    # Who may decide comes before what the decision lacks: an excluded moderator is not asked
    # to cite a rule for a decision they may not make.
    if moderator_id in appeal_excluded(session, item):
        raise ModerationError("You took part in an earlier decision on this comment, so another "
                              "moderator must review it: an appeal goes to someone new to it.",
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
            raise ModerationError("Remove the personal or offending words from the text before "
                                  "publishing it redacted.")
    if request.outcome == ESCALATE and item.state == ESCALATED:
        raise ModerationError("This item is already escalated to an official.")
    expected = request.expected_version if request.expected_version is not None else item.version
    new_state = ESCALATED if request.outcome == ESCALATE else DECIDED
    # The version check and the state change are one statement: only one moderator can win.
    won = session.execute(
        update(QueueItem)
        .where(QueueItem.id == item.id, QueueItem.version == expected,
               QueueItem.state.in_(OPEN_STATES))
        .values(state=new_state, version=QueueItem.version + 1,
                decided_at=now if new_state == DECIDED else None, claimed_by=None,
                claimed_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        session.refresh(item)
        raise Conflict(_conflict_message(session, item), item)
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
            appealed = session.get(Decision, appeal.decision_id)
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


def _conflict_message(session: Session, item: QueueItem) -> str:
    if item.state in OPEN_STATES:
        return ("The comment changed while you were reading it (its author edited it, or it "
                "joined a campaign group). Nothing was stored: read the new text and decide again.")
    latest = latest_decision(session, item.id)
    if latest is None and item.state == RELEASED:
        return ("Its author edited the comment so that nothing in it needs a moderator, and it "
                "was published. Nothing was stored.")
    if latest is None and item.state == WITHDRAWN:
        return "Its author withdrew the comment, so there is nothing to decide. Nothing was stored."
    if latest is None:
        return "Another moderator has already dealt with this item. Nothing was stored."
    users = table("users", column("id"), column("display_name"))
    who = (session.scalar(select(users.c.display_name).where(users.c.id == latest.moderator_id))
           if latest.moderator_id else None) or "Another moderator"
    version = session.scalar(select(HouseRulesVersion).where(HouseRulesVersion.number == latest.rules_version))
    index = {r["anchor"]: r for r in version.rules} if version else {}
    cited = " and ".join(rule_label(index[a]) if a in index else "a rule since changed" for a in latest.rules or [])
    return (f"{who} already decided: {OUTCOME_WORDS.get(latest.outcome, 'decided')}"
            f"{' under ' + cited if cited else ''}. Your decision was not stored.")


def latest_decision(session: Session, item_id: int) -> Decision | None:
    """The latest decision on a queue item, or None."""
    return session.scalar(select(Decision).where(Decision.item_id == item_id)
                          .order_by(Decision.id.desc()).limit(1))


@dataclass
class BulkResult:
    """What a bulk decision did: the decisions stored and the items someone else had decided."""

    decided: list[Decision]
    conflicts: list[tuple[int, str]]


def decide_many(session: Session, item_ids: Sequence[int], moderator_id: int,
                request: DecisionRequest, *, versions: dict[int, int] | None = None,
                campaign: str | None = None, is_admin: bool = False, now: datetime | None = None,
                sender: object = None) -> BulkResult:
    """Apply one decision to a selection; items already decided are reported, not overwritten.

    `versions` gives the item version the moderator saw for each item (from the queue page): an
    item changed since (the author edited it, someone else decided) is refused, like a single
    decision. With `campaign`, the group's open items are decided instead, at their current versions.
    """
    if request.outcome == REDACT:
        raise ModerationError("Redact items one at a time: each text needs its own words removed.")
    if campaign:
        item_ids, versions = campaign_items(session, campaign), None
    if not item_ids:
        raise ModerationError("Select at least one item.")
    if len(item_ids) > 500:
        raise ModerationError("Decide at most 500 items at once.")
    _checked_request(session, request)  # a decision wrong for every item is refused once
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


def campaign_items(session: Session, campaign_key: str) -> list[int]:
    """The open items of one campaign group (never an appeal, even one given a key before)."""
    return list(session.scalars(select(QueueItem.id).where(
        QueueItem.campaign_key == campaign_key, QueueItem.state.in_(OPEN_STATES),
        QueueItem.source != "appeal").order_by(QueueItem.id)))


def decisions_for(session: Session, comment_id: int) -> list[Decision]:
    """Every decision taken on a comment, oldest first."""
    return list(session.scalars(select(Decision).where(Decision.comment_id == comment_id)
                                .order_by(Decision.id)))


def decisions_on_author(session: Session, author_id: int, limit: int = 200) -> list[Decision]:
    """The latest decisions on a user's comments, newest first."""
    return list(session.scalars(
        select(Decision).join(QueueItem, QueueItem.id == Decision.item_id)
        .where(QueueItem.author_id == author_id).order_by(Decision.id.desc()).limit(limit)))


def decisions_on_comments(session: Session, comment_ids: Sequence[int]) -> tuple[list[Decision], dict[int, Appeal]]:
    """The decisions on these comments, oldest first, and their appeals by decision id."""
    if not comment_ids:
        return [], {}
    decisions = list(session.scalars(select(Decision).where(Decision.comment_id.in_(list(comment_ids)))
                                     .order_by(Decision.id)))
    appealed = {a.decision_id: a for a in session.scalars(select(Appeal).where(
        Appeal.decision_id.in_([d.id for d in decisions] or [0])))}
    return decisions, appealed


def author_history(session: Session, author_id: int) -> dict[str, int]:
    """How a user's earlier comments were decided, counted by outcome."""
    rows = session.execute(
        select(Decision.outcome, func.count()).join(QueueItem, QueueItem.id == Decision.item_id)
        .where(QueueItem.author_id == author_id).group_by(Decision.outcome))
    return {outcome: count for outcome, count in rows}


# --- flags and appeals --------------------------------------------------------------------

def flag(session: Session, *, comment_id: int, consultation_id: int, comment_author_id: int,
         comment_text: str, comment_revision: int, user_id: int, rule: str, note: str = "",
         threshold: int = 3, now: datetime | None = None, sender: object = None) -> tuple[Flag, bool]:
    """Record a flag; at the threshold the comment is hidden and queued. Returns (flag, hidden)."""
    now = now or utcnow()
    if user_id == comment_author_id:
        raise ModerationError("You cannot flag your own comment; withdraw or edit it instead.")
    in_force = {r["anchor"]: r for r in current_rules(session).rules}
    if rule not in in_force:
        raise ModerationError("Choose the house rule you think the comment breaks.")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ModerationError(f"The note is limited to {MAX_NOTE:,} characters.")
    record = Flag(comment_id=comment_id, user_id=user_id, rule=rule, note=note, created_at=now)
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        raise ModerationError("You have already flagged this comment; moderators will look at it.",
                              status=409) from None
    audit(session, "flagged", "comment", comment_id, actor_id=user_id,
          consultation_id=consultation_id, rule=rule)
    # Only flags since the last decision count: an approved comment is not hidden again by one flag.
    last_decided = session.scalar(select(func.max(Decision.created_at)).where(Decision.comment_id == comment_id))
    counted = select(func.count()).select_from(Flag).where(Flag.comment_id == comment_id)
    if last_decided is not None:
        counted = counted.where(Flag.created_at > last_decided)
    count = session.scalar(counted)
    already = session.scalar(select(QueueItem.id).where(QueueItem.comment_id == comment_id,
                                                        QueueItem.state.in_(OPEN_STATES)).limit(1))
    if count >= threshold and not already:
        rules = session.scalars(select(Flag.rule).where(Flag.comment_id == comment_id)).all()
        item = QueueItem(comment_id=comment_id, consultation_id=consultation_id,
                         author_id=comment_author_id, text=comment_text,
                         comment_revision=comment_revision, source="flags", published=True,
                         reasons=[{"code": "flags", "rule": r, "spans": [],
                                   "message": f"Reported by readers under {rule_label(in_force[r])}."
                                   if r in in_force else "Reported by readers under a rule since changed."}
                                  for r in dict.fromkeys(rules)], created_at=now)
        session.add(item)
        session.flush()
        audit(session, "hidden_pending_review", "comment", comment_id,
              consultation_id=consultation_id, item_id=item.id, flags=count)
        signals.hidden.send(sender, session=session, item=item)
        return record, True
    return record, False


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
        return ModerationError("This decision is the outcome of an appeal, and the outcome of an "
                               "appeal is final: it cannot be appealed again.", status=409)
    if decision.outcome not in APPEALABLE:
        return ModerationError("Only a decision not to publish, to redact or to remove can be appealed.")
    if facts.withdrawn:
        return ModerationError("You withdrew this comment, so there is no decision left to appeal.",
                               status=409)
    if facts.superseded:
        return ModerationError("A later decision on this comment replaced this one: it is the later "
                               "one you can appeal.", status=409)
    if now - decision.created_at > timedelta(days=APPEAL_DAYS):
        return ModerationError(f"Appeals must be made within {APPEAL_DAYS} days of the decision; "
                               f"this one was made on {decision.created_at:%-d %B %Y}.", status=409)
    if facts.appealed:
        return ModerationError("This decision has already been appealed; each decision can be "
                               "appealed once.", status=409)
    if facts.under_review:
        return ModerationError("A moderator is looking at this comment again now. You can appeal "
                               "what they decide.", status=409)
    return None


def appeal_facts(session: Session, decisions: Sequence[Decision]) -> dict[int, AppealFacts]:
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


def can_appeal(session: Session, decision: Decision, now: datetime | None = None) -> bool:
    """Whether the author may appeal this decision now (an appeal's own outcome: never)."""
    return appeal_refusal(decision, appeal_facts(session, [decision])[decision.id], now) is None


def check_appeal(session: Session, decision_id: int, author_id: int,
                 now: datetime | None = None) -> Decision:
    """The decision, if this author may appeal it now; otherwise a ModerationError saying why."""
    decision = session.get(Decision, decision_id)
    if decision is None or decision.outcome == ESCALATE:
        # An escalation is between moderators and officials: nothing for the author to see.
        raise ModerationError("There is no such decision.", status=404)
    item = session.get(QueueItem, decision.item_id)
    if item.author_id != author_id:
        raise ModerationError("You can only appeal decisions on your own comments.", status=403)
    refusal = appeal_refusal(decision, appeal_facts(session, [decision])[decision.id], now)
    if refusal is not None:
        raise refusal
    return decision


def appeal(session: Session, decision_id: int, author_id: int, reason: str, *,
           now: datetime | None = None) -> Appeal:
    """Appeal a decision (once, within 30 days): a moderator new to the comment reviews it."""
    now = now or utcnow()
    decision = check_appeal(session, decision_id, author_id, now)
    item = session.get(QueueItem, decision.item_id)
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError("Say why you think the decision was wrong.")
    if len(reason) > MAX_NOTE:
        raise ModerationError(f"Your reason is limited to {MAX_NOTE:,} characters.")
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


def appeal_on(session: Session, decision_id: int) -> Appeal | None:
    """The appeal made against a decision, or None."""
    return session.scalar(select(Appeal).where(Appeal.decision_id == decision_id))


def appeal_excluded(session: Session, item: QueueItem) -> list[int]:
    """Who may not decide this item: on an appeal, everyone who took part in an earlier decision
    on the comment (the moderator appealed against, and any before them). Empty otherwise."""
    if item.source != "appeal":
        return []
    earlier = set(session.scalars(select(Decision.moderator_id).distinct().where(
        Decision.comment_id == item.comment_id, Decision.item_id != item.id,
        Decision.moderator_id.is_not(None))))
    if item.excluded_moderator_id:
        earlier.add(item.excluded_moderator_id)
    return sorted(earlier)


def appeal_deciders(session: Session, item: QueueItem, limit: int = 20) -> list[int]:
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


# --- statistics ------------------------------------------------------------------------------

# Where each comment received stands now: every comment is in exactly one of these, so they add
# up to "received".
STANDING = ("published_without_review", "waiting", "with_an_official", "approved", "rejected",
            "redacted", "published_after_edit", "withdrawn_before_decision")


def statistics(session: Session, consultation_id: int | None = None) -> dict:
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
    counts = dict(session.execute(select(comments.c.standing, func.count())
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


def audit_page(session: Session, before: int | None = None,
               limit: int = 50) -> tuple[list[AuditEntry], int | None]:
    """The moderation record, newest first, a page at a time: (entries, cursor of the next page)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if before is not None:
        query = query.where(AuditEntry.id < before)
    rows = list(session.scalars(query.limit(limit + 1)))
    page = rows[:limit]
    return page, page[-1].id if len(rows) > limit else None


def withdrawn(session: Session, comment_id: int, author_id: int) -> None:
    """The author withdrew a comment: its open queue items close without a decision.

    Recorded in the audit trail even when nothing was in the queue: a withdrawn comment's
    decisions can no longer be appealed.
    """
    items = list(session.scalars(select(QueueItem).where(QueueItem.comment_id == comment_id,
                                                         QueueItem.state.in_(OPEN_STATES))))
    for item in items:
        item.state = WITHDRAWN
        item.version += 1
        audit(session, "withdrawn_by_author", "comment", comment_id, actor_id=author_id,
              consultation_id=item.consultation_id, item_id=item.id)
    if not items:
        audit(session, "withdrawn_by_author", "comment", comment_id, actor_id=author_id)


def rescreen(session: Session, *, comment_id: int, consultation_id: int, author_id: int,
             text: str, revision: int, banned: Iterable[str] = (), suspect: Iterable[str] = (),
             now: datetime | None = None) -> QueueItem | None:
    """Screen an edited, published comment again; hold it if the new text needs a look."""
    reasons = [_reason_dict(r) for r in screening.screen(text, banned, suspect)]
    if not reasons:
        return None
    if session.scalar(select(QueueItem.id).where(QueueItem.comment_id == comment_id,
                                                 QueueItem.state.in_(OPEN_STATES)).limit(1)):
        return None
    item = QueueItem(comment_id=comment_id, consultation_id=consultation_id, author_id=author_id,
                     text=text, comment_revision=revision, source="screening", reasons=reasons,
                     published=True, created_at=now or utcnow())
    session.add(item)
    session.flush()
    audit(session, "held", "comment", comment_id, consultation_id=consultation_id,
          item_id=item.id, reasons=[r["code"] for r in reasons], edited=True)
    return item
