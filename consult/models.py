"""Database models (SQLAlchemy 2.0 style).

They subclass moderation.db.Base directly, as moderation's models do, rather than Flask-SQLAlchemy's
`db.Model`: the two share one registry and metadata (see consult.extensions), and a plain class is
one type checkers can see. Nothing here uses `Model.query` or automatic table names.
"""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from moderation.db import (
    Base,
    utcnow,  # noqa: F401  (re-exported: consult code imports it from here)
)


class Role(enum.StrEnum):
    """What a user may do; each role includes the citizen's rights."""

    CITIZEN = "citizen"
    MODERATOR = "moderator"
    OFFICIAL = "official"
    ADMIN = "admin"


class Status(enum.StrEnum):
    """Where a consultation is in its lifecycle."""

    DRAFT = "draft"
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"
    RESPONDED = "responded"
    ARCHIVED = "archived"

    @property
    def words(self) -> str:
        """The status as it reads in a sentence ("this consultation is ..."), in the reader's language."""
        from consult.i18n import gettext  # (consult.i18n imports this module)
        from consult.status_words import STATUS_WORDS

        return gettext(STATUS_WORDS[self.value])


MODERATION_MODES = ("pre", "post", "reactive")


class User(UserMixin, Base):
    """A person with an account: citizen, moderator, official or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20), default=Role.CITIZEN.value)
    email_confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped on logout-everywhere and password change; sessions carry it, so old ones end.
    session_version: Mapped[int] = mapped_column(default=1)
    deleted_at: Mapped[datetime | None]
    # Set by an administrator: the account cannot sign in; its comments stay (None: active).
    deactivated_at: Mapped[datetime | None]
    language: Mapped[str | None] = mapped_column(String(8))  # "en", "cy": chosen on the site (None: never chose)

    def get_id(self) -> str:
        """Flask-Login session id: the user id plus the session version."""
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: Role | str) -> bool:
        """True when the user holds one of the roles (admins hold them all)."""
        names = {r.value if isinstance(r, Role) else r for r in roles}
        return self.role == Role.ADMIN.value or self.role in names


class Consultation(Base):
    """A consultation on one policy document, with its scope and dates."""

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    department: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    # The scope statement: why contribute, what is and is not open, what happens next.
    scope_about: Mapped[str] = mapped_column(Text, default="")
    scope_open: Mapped[str] = mapped_column(Text, default="")
    scope_closed: Mapped[str] = mapped_column(Text, default="")
    scope_outcome: Mapped[str] = mapped_column(Text, default="")
    response_expected: Mapped[str] = mapped_column(String(200), default="")
    moderation_mode: Mapped[str] = mapped_column(String(10), default="post")
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="consultation", order_by="DocumentVersion.number"
    )

    def status_at(self, now: datetime) -> Status:
        """The lifecycle status at a moment: stored milestones first, then the dates."""
        if self.archived_at:
            return Status.ARCHIVED
        if self.responded_at:
            return Status.RESPONDED
        if not self.published_at:
            return Status.DRAFT
        if self.opens_at and now < self.opens_at:
            return Status.UPCOMING
        if self.closes_at and now >= self.closes_at:
            return Status.CLOSED
        return Status.OPEN

    @property
    def status(self) -> Status:
        """The lifecycle status now."""
        return self.status_at(utcnow())


class DocumentVersion(Base):
    """One published version of a consultation's document, with its Markdown source."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("consultation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    consultation: Mapped[Consultation] = relationship(back_populates="versions")
    paragraphs: Mapped[list[Paragraph]] = relationship(
        back_populates="version", order_by="Paragraph.position"
    )


class Paragraph(Base):
    """One addressable block of a document version."""

    __tablename__ = "paragraphs"
    __table_args__ = (
        UniqueConstraint("version_id", "anchor"),
        Index("ix_paragraphs_version_position", "version_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"))
    position: Mapped[int]
    anchor: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    level: Mapped[int] = mapped_column(default=0)
    section: Mapped[str | None] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    pinned: Mapped[bool] = mapped_column(default=False)
    change: Mapped[str] = mapped_column(String(10), default="new")  # unchanged, edited or new, vs the previous version
    previous_anchor: Mapped[str | None] = mapped_column(String(100))
    split_from: Mapped[str | None] = mapped_column(String(100))  # new: the previous anchor it was split off

    version: Mapped[DocumentVersion] = relationship(back_populates="paragraphs")


class ConsultationEvent(Base):
    """A recorded change in a consultation's life: published, closed early, extended, revised."""

    __tablename__ = "consultation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    # The detail's words, read in each reader's language (consult/consultations/history_words.py);
    # none for an entry recorded before them, or one whose detail is the whole of it.
    words: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    consultation: Mapped[Consultation] = relationship()


class CommentStatus(enum.StrEnum):
    """Where a comment stands; only PUBLISHED comments are public."""

    PENDING = "pending"  # awaiting moderation
    PUBLISHED = "published"
    REJECTED = "rejected"  # not published, with a reason on record
    WITHDRAWN = "withdrawn"  # by its author
    REMOVED = "removed"  # taken down after publication, placeholder left in the thread


STANCES = ("support", "oppose", "mixed")
RESPONDENT_TYPES = ("individual", "organisation")


class Comment(Base):
    """A citizen's comment on one paragraph (or the whole document), or a reply to one."""

    __tablename__ = "comments"
    __table_args__ = (
        # The paragraph page lists one anchor's published comments by id (the cursor).
        Index("ix_comments_thread", "consultation_id", "anchor", "status", "id"),
        # Submitting the same form twice (double click, back-and-resubmit) makes one comment.
        UniqueConstraint("author_id", "submission_key"),
        Index("ix_comments_author", "author_id", "id"),
        Index("ix_comments_parent", "parent_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"))
    # The version and exact paragraph text the comment was written against.
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"))
    paragraph_id: Mapped[int | None] = mapped_column(ForeignKey("paragraphs.id"))
    anchor: Mapped[str | None] = mapped_column(String(100))  # None: the document as a whole
    paragraph_number: Mapped[str | None] = mapped_column(String(40))
    paragraph_text: Mapped[str | None] = mapped_column(Text)
    paragraph_fingerprint: Mapped[str | None] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))  # the text's (BCP 47); None: not known (older comments)
    stance: Mapped[str | None] = mapped_column(String(10))
    respondent_type: Mapped[str] = mapped_column(String(20), default="individual")
    organisation: Mapped[str | None] = mapped_column(String(200))
    show_name: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(12), default=CommentStatus.PENDING.value)
    status_reason: Mapped[str | None] = mapped_column(Text)
    submission_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    edited_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    revision: Mapped[int] = mapped_column(default=1)  # bumped on every change: decisions cite the text shown

    author: Mapped[User] = relationship()
    consultation: Mapped[Consultation] = relationship()
    version: Mapped[DocumentVersion] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side="Comment.id")

    @property
    def public_name(self) -> str:
        """The name shown with the comment on a page, in the reader's language (English outside a
        request). Downloads write their own English words: they are data (consult.archive.downloads)."""
        from consult.i18n import gettext  # (consult.i18n imports this module)

        if self.author.deleted_at:
            return gettext("a former participant")
        return self.author.display_name if self.show_name else gettext("a member of the public")


class CommentEdit(Base):
    """The text a comment had before its author edited it (edits are recorded, not silent)."""

    __tablename__ = "comment_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    previous_body: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """Something a participant is told: shown in "My comments" and sent by mail after commit."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user", "user_id", "id"),
        Index("ix_notifications_unsent", "mailed_at", "id"),
        Index("ix_notifications_job", "job_id", "mailed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    kind: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Delivery by the job queue (consult.notifications.deliver_due): sent, or given up on
    # (mail_failed_at, with the reason), or waiting; a temporary failure waits until
    # mail_retry_at; a worker holds a message it is sending until claimed_until.
    mailed_at: Mapped[datetime | None]
    mail_attempts: Mapped[int] = mapped_column(default=0)
    mail_retry_at: Mapped[datetime | None]
    mail_error: Mapped[str] = mapped_column(String(500), default="")
    mail_failed_at: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]
    # The fan-out job that recorded it (telling every participant), for its progress.
    job_id: Mapped[int | None] = mapped_column(ForeignKey("background_jobs.id"))


class JobState(enum.StrEnum):
    """Where a background job is."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BackgroundJob(Base):
    """A long piece of work run by the job queue, with its progress and, if it failed, why.

    `key` names what the job does to what ("tell:response:12", "reindex"): while one job with
    a key is queued or running, starting it again returns that job instead of a second one.
    """

    __tablename__ = "background_jobs"
    __table_args__ = (
        Index("ix_background_jobs_key", "key", "state"),
        Index("ix_background_jobs_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(300))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(10), default=JobState.QUEUED.value)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    # Where a job that stopped half-way resumes (its own meaning per kind: e.g. the last user id).
    cursor: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(500), default="")  # one line, for the page
    traceback: Mapped[str] = mapped_column(Text, default="")  # administrators only
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # A running job's worker touches this as it goes; one silent for too long has died and
    # another worker may take the job over (it resumes from `cursor`).
    heartbeat_at: Mapped[datetime | None]
    # Set when the job was last put on the queue: a queued job not picked up for a while
    # (the queue was down when it was enqueued) is put on it again by the sweep.
    enqueued_at: Mapped[datetime | None]


THEME_OUTCOMES = {
    "changed": "We changed the text",
    "no_change": "No change",
    "further_work": "Further work",
    "out_of_scope": "Out of scope",
}


class Theme(Base):
    """A theme officials group comments under, with what people said and what was done."""

    __tablename__ = "themes"
    __table_args__ = (Index("ix_themes_consultation", "consultation_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"))
    title: Mapped[str] = mapped_column(String(200))
    said: Mapped[str] = mapped_column(Text, default="")  # what people said, in the official's words
    outcome: Mapped[str | None] = mapped_column(String(20))
    reasons: Mapped[str] = mapped_column(Text, default="")  # the department's reasons
    keywords: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Two officials editing at once: the second save names the version it started from.
    revision: Mapped[int] = mapped_column(default=1)

    @property
    def outcome_label(self) -> str:
        """The outcome in words."""
        return THEME_OUTCOMES.get(self.outcome or "", "No outcome yet")


class ThemeComment(Base):
    """A comment counted under a theme (a comment may count under several)."""

    __tablename__ = "theme_comments"
    __table_args__ = (UniqueConstraint("theme_id", "comment_id"),
                      Index("ix_theme_comments_comment", "comment_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"))
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    # How it came to be counted: by an official one at a time ("individual"), or accepted with
    # a reviewed batch of suggestions ("batch", with the batch). Said in the published response.
    method: Mapped[str] = mapped_column(String(12), default="individual", server_default="individual")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("count_batches.id"))


COUNTED_INDIVIDUALLY = "individual"
COUNTED_IN_BATCH = "batch"


class SuggestionRun(Base):
    """One run of the suggestion algorithms (consult/responses/suggest.py) over a consultation.

    kind "themes": themes proposed from the comments (ThemeProposal rows), for the whole
    consultation, one paragraph (`anchor`), or the members of one proposal (`split_of`).
    kind "counts": themes suggested for every uncounted comment (CountSuggestion rows), learnt
    from those counted by hand. `message` says, in words for an official, why nothing could be
    suggested (too few comments, one theme only).
    """

    __tablename__ = "suggestion_runs"
    __table_args__ = (Index("ix_suggestion_runs_consultation", "consultation_id", "kind", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"))
    kind: Mapped[str] = mapped_column(String(10))
    anchor: Mapped[str | None] = mapped_column(String(100))
    split_of: Mapped[int | None]  # the ThemeProposal id it splits (no foreign key: the tables refer to each other)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("background_jobs.id"))
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    comments: Mapped[int] = mapped_column(default=0)  # the comments it read
    coded: Mapped[int] = mapped_column(default=0)  # of which counted by hand (kind "counts")
    message: Mapped[str] = mapped_column(Text, default="")


class ThemeProposal(Base):
    """A theme Consult proposes from the comments; an official accepts, merges, splits or discards it."""

    __tablename__ = "theme_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("suggestion_runs.id"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    terms: Mapped[list] = mapped_column(JSON, default=list)
    size: Mapped[int] = mapped_column(default=0)  # campaign copies counted once
    members: Mapped[list] = mapped_column(JSON, default=list)  # comment ids, every copy
    representatives: Mapped[list] = mapped_column(JSON, default=list)  # comment ids, most typical first
    status: Mapped[str] = mapped_column(String(10), default="open")  # open, accepted, discarded, split
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]


class CountSuggestion(Base):
    """A theme suggested for one comment, waiting for an official to accept or correct it.

    From a "counts" run (with the model's confidence), or from accepting a proposed theme with
    its members proposed for counting (confidence None: "a member of the proposed theme").
    """

    __tablename__ = "count_suggestions"
    __table_args__ = (Index("ix_count_suggestions_theme", "theme_id", "confident", "run_id"),
                      Index("ix_count_suggestions_comment", "comment_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("suggestion_runs.id"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"))
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"))
    confidence: Mapped[float | None]
    confident: Mapped[bool] = mapped_column(default=False)
    rank: Mapped[int] = mapped_column(default=0)  # 0 = the comment's best suggestion


class CountBatch(Base):
    """A reviewed batch of suggestions for one theme, accepted by an official: what was offered,
    how many were checked in the sample shown first, and how many of those were corrected."""

    __tablename__ = "count_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), index=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"))
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)
    offered: Mapped[int] = mapped_column(default=0)
    counted: Mapped[int] = mapped_column(default=0)
    sample_size: Mapped[int] = mapped_column(default=0)
    corrections: Mapped[int] = mapped_column(default=0)


class CountCorrection(Base):
    """A suggestion an official turned down: this comment does not raise this theme. It is
    never suggested again, and counts as a correction found in the published method."""

    __tablename__ = "count_corrections"
    __table_args__ = (UniqueConstraint("comment_id", "theme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"))
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("count_batches.id"))
    by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ThemeParagraph(Base):
    """A paragraph a theme changed, named by its anchor (carried across versions)."""

    __tablename__ = "theme_paragraphs"
    __table_args__ = (UniqueConstraint("theme_id", "anchor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"), index=True)
    anchor: Mapped[str] = mapped_column(String(100))


class CommentConsidered(Base):
    """A published comment read and deliberately counted under no theme, with a note."""

    __tablename__ = "comments_considered"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), unique=True)
    # One of consult.responses.service.CONSIDERED_REASONS; the note adds the official's words.
    reason: Mapped[str] = mapped_column(String(20), default="other", server_default="other")
    note: Mapped[str] = mapped_column(Text)
    by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Response(Base):
    """The department's published response: summary, next steps, and the themes."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), unique=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    # The version the comments were made on, and the version the department published after.
    from_version: Mapped[int | None]
    to_version: Mapped[int | None]
    published_at: Mapped[datetime | None]
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revision: Mapped[int] = mapped_column(default=1)


class ResponseCorrection(Base):
    """A dated correction to a published response: corrections are shown, never silent."""

    __tablename__ = "response_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"), index=True)
    note: Mapped[str] = mapped_column(Text)
    by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchChange(Base):
    """The search index's change log: appended in the same transaction as the change itself.

    Each host's indexer applies the entries above the last id it applied, so several hosts can
    keep their own index from one database, and an index can always be rebuilt.
    """

    __tablename__ = "search_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # paragraph, comment, response, consultation
    object_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MediaFile(Base):
    """An image's bytes, stored once however many versions show it: the key is its SHA-256,
    so version 2 re-uses version 1's unchanged figures and a served address never changes."""

    __tablename__ = "media_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(40))  # image/png, image/jpeg, ... image/svg+xml
    size: Mapped[int]
    width: Mapped[int | None]
    height: Mapped[int | None]
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VersionMedia(Base):
    """An image a document version shows: its path in the import, and the stored bytes."""

    __tablename__ = "version_media"
    __table_args__ = (UniqueConstraint("version_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), index=True)
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(ForeignKey("media_files.sha256"), index=True)
    alt: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[DocumentVersion] = relationship()
