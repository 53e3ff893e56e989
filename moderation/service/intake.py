"""Intake: screening new and edited comments, campaign groups, holds lifted by an edit, withdrawals."""
from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update

from moderation import screening
from moderation.db import DbSession, utcnow
from moderation.models import OPEN_STATES, RELEASED, WAITING, WITHDRAWN, QueueItem, TextBand, TextPrint
from moderation.service.common import CAMPAIGN_AUTHORS, audit
from moderation.service.sanctions import active_sanctions


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
        if scored:
            similarity, group = max(scored)
            if similarity >= screening.NEAR_DUPLICATE:
                return group, False
    return digest, True


def take_in(session: DbSession, *, consultation_id: int, author_id: int, text: str, mode: str,
            store: Callable[[Intake], int], premoderated: bool | None = None,
            banned: Iterable[str] = (), suspect: Iterable[str] = (),
            now: datetime | None = None) -> Intake:
    """Take a new comment in: screen it, let `store` write it with its status, then record it.

    `store(intake)` writes the comment once, published when `intake.publish` (else held, with
    `intake.status_reason`), and returns its id; this then records its fingerprints and, when it
    is held, its queue item, all in the caller's transaction. If `store` raises (a duplicate
    lost a race, say), nothing is recorded and the error propagates.

    Pre-moderation and users on pre-moderation always wait; in post-moderation and reactive
    consultations only texts that screening holds wait. Texts that several people sent, word for
    word or nearly, form a campaign group: held and reviewed together, never rejected for being
    a campaign. `premoderated` may be passed when the caller has just read the author's sanctions.
    """
    now = now or utcnow()
    intake = _screen(session, consultation_id=consultation_id, author_id=author_id, text=text,
                     mode=mode, premoderated=premoderated, banned=banned, suspect=suspect, now=now)
    comment_id = store(intake)
    _record(session, intake, comment_id=comment_id, consultation_id=consultation_id,
            author_id=author_id, text=text, mode=mode, now=now)
    return intake


def _screen(session: DbSession, *, consultation_id: int, author_id: int, text: str, mode: str,
            premoderated: bool | None, banned: Iterable[str], suspect: Iterable[str],
            now: datetime) -> Intake:
    """Screen a new text and decide whether it is published at once or waits for a moderator."""
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


def _record(session: DbSession, intake: Intake, *, comment_id: int, consultation_id: int,
            author_id: int, text: str, mode: str, now: datetime) -> None:
    """Record a stored comment's fingerprints and, when it is held, put it in the queue."""
    connection = session.connection()
    connection.execute(_ADD_PRINT, {"comment_id": comment_id, "consultation_id": consultation_id,
                                    "author_id": author_id, "text_hash": intake.digest,
                                    "group_key": intake.group, "sketch": list(intake.signature),
                                    "created_at": now})
    if intake.signature:
        bands = screening.bands(intake.signature)
        connection.execute(_add_bands(len(bands)), {"comment_id": comment_id, "consultation_id": consultation_id,
                                                    **{f"band{i}": band for i, band in enumerate(bands)}})
    if not intake.publish:
        reasons = intake.reasons
        item = QueueItem(comment_id=comment_id, consultation_id=consultation_id, author_id=author_id,
                         text=text, comment_revision=1,  # a new comment's first text
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


def text_edited(session: DbSession, comment_id: int, text: str, revision: int) -> None:
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


def release_after_edit(session: DbSession, comment_id: int, author_id: int, text: str,
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


def withdrawn(session: DbSession, comment_id: int, author_id: int) -> None:
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


def rescreen(session: DbSession, *, comment_id: int, consultation_id: int, author_id: int,
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
