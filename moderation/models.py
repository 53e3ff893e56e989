"""Moderation tables: house rules, queue items, decisions, flags, appeals, sanctions, audit.

Comments and users are referred to by table name ("comments.id", "users.id") so that this
package never imports consult.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from moderation.db import Base, utcnow

# Queue item states.
WAITING = "waiting"
ESCALATED = "escalated"
DECIDED = "decided"
RELEASED = "released"  # closed without a decision: the author's edit left screening nothing to hold
WITHDRAWN = "withdrawn"  # closed without a decision: the author withdrew the comment
OPEN_STATES = (WAITING, ESCALATED)

# Decision outcomes.
APPROVE = "approve"
REJECT = "reject"
REDACT = "redact"
ESCALATE = "escalate"
REMOVE = "remove"  # reject after publication: a placeholder stays in the thread
OUTCOMES = (APPROVE, REJECT, REDACT, ESCALATE, REMOVE)

SANCTION_KINDS = ("premoderate", "suspend", "ban")


class HouseRulesVersion(Base):
    """One published version of the house rules (a document with an anchor per rule)."""

    __tablename__ = "house_rules_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    source: Mapped[str] = mapped_column(Text)
    # [{"anchor", "number", "title", "html"}]: one entry per rule (a level-2 heading).
    rules: Mapped[list] = mapped_column(JSON)
    html: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The same rules in other languages, by language code: their Markdown (the same anchors).
    translations: Mapped[dict | None] = mapped_column(JSON)


class QueueItem(Base):
    """A comment waiting for a moderator, with the reasons it is there and the text to judge."""

    __tablename__ = "moderation_items"
    __table_args__ = (
        # The queue: open items oldest first, overall and per consultation (keyset pagination).
        Index("ix_moderation_items_queue", "state", "created_at", "id"),
        Index("ix_moderation_items_consultation_queue", "consultation_id", "state", "created_at", "id"),
        Index("ix_moderation_items_comment", "comment_id", "state"),
        Index("ix_moderation_items_campaign", "campaign_key", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"))
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The exact text the moderator judges, and the comment revision it belongs to.
    text: Mapped[str] = mapped_column(Text)
    comment_revision: Mapped[int] = mapped_column(default=1)
    # Why it is here: pre-moderation, screening, flags, appeal, sanction.
    source: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    published: Mapped[bool] = mapped_column(default=False)  # already public while reviewed
    state: Mapped[str] = mapped_column(String(12), default=WAITING)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_until: Mapped[datetime | None]
    # An appeal must go to someone other than the moderator who first decided.
    excluded_moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    campaign_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    # Optimistic lock: every change bumps it; a decision names the version it was made on.
    version: Mapped[int] = mapped_column(default=1)


class Decision(Base):
    """What a moderator (or the screening) decided about a comment, and under which rules."""

    __tablename__ = "moderation_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("moderation_items.id"), index=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str] = mapped_column(String(12))
    rules: Mapped[list] = mapped_column(JSON, default=list)  # rule anchors cited
    rules_version: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    redacted_text: Mapped[str | None] = mapped_column(Text)
    automatic: Mapped[bool] = mapped_column(default=False)  # screening was involved
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Flag(Base):
    """A member of the public's report that a published comment breaks a rule."""

    __tablename__ = "moderation_flags"
    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rule: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Appeal(Base):
    """An author's request to look again at a decision (once per decision, within 30 days)."""

    __tablename__ = "moderation_appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("moderation_decisions.id"), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    item_id: Mapped[int] = mapped_column(ForeignKey("moderation_items.id"))
    outcome: Mapped[str | None] = mapped_column(String(12))  # upheld / overturned
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]


class Sanction(Base):
    """A measure on a user: always pre-moderate, suspend until a date, or ban; reversible."""

    __tablename__ = "moderation_sanctions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime | None]
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)  # why it was lifted early, if said


class AuditEntry(Base):
    """One line of the append-only moderation record."""

    __tablename__ = "moderation_audit"
    __table_args__ = (Index("ix_moderation_audit_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int | None]
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id"))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_changes(_mapper, _connection, target):  # pragma: no cover - trivial guard
    raise AppendOnlyError(f"audit entry {target.id} is append-only")


class TextPrint(Base):
    """The fingerprints of every submitted comment: they find repeats and campaigns.

    `text_hash` is equal for texts that differ only in case and punctuation; `sketch` is a
    MinHash signature whose bands (TextBand) find near-identical texts; `group_key` names the
    group of near-identical texts this one belongs to (the text_hash of the group's first text).
    """

    __tablename__ = "moderation_text_prints"
    __table_args__ = (
        Index("ix_moderation_text_prints_lookup", "consultation_id", "text_hash"),
        Index("ix_moderation_text_prints_author", "author_id", "text_hash"),
        Index("ix_moderation_text_prints_group", "consultation_id", "group_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), unique=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text_hash: Mapped[str] = mapped_column(String(40))
    group_key: Mapped[str] = mapped_column(String(40))
    sketch: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TextBand(Base):
    """One band of a comment's MinHash sketch, indexed so that near-identical texts meet."""

    __tablename__ = "moderation_text_bands"
    __table_args__ = (Index("ix_moderation_text_bands_lookup", "consultation_id", "band"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"))
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"))
    band: Mapped[str] = mapped_column(String(24))


class Assignment(Base):
    """A moderator assigned to a consultation; moderators with none moderate everything."""

    __tablename__ = "moderation_assignments"
    __table_args__ = (UniqueConstraint("user_id", "consultation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"))
