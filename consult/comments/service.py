"""Comments: submitting, threading, paginating, editing and withdrawing."""
from __future__ import annotations

import functools
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, event, func, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

import documents
import moderation.service as moderation
from moderation import screening
from moderation.models import OPEN_STATES, HouseRulesVersion, QueueItem
from consult.accounts.service import is_confirmed
from consult.consultations.service import current_version
from consult.models import (
    RESPONDENT_TYPES,
    STANCES,
    Comment,
    CommentEdit,
    CommentStatus,
    Consultation,
    DocumentVersion,
    Paragraph,
    Status,
    User,
    utcnow,
)
from consult.text import clean_name, has_visible_text, strip_unpaired_bidi, whole_number

MAX_LENGTH = 5000
EDIT_WINDOW = timedelta(minutes=15)
PAGE_SIZE = 20
RATE_PER_MINUTE = 5
RATE_PER_HOUR = 60
# Shown on every page of a pre-moderated consultation, to authors of held comments, and used
# for the queue's age column.
MODERATION_PROMISE = "within 2 working days"
VISIBLE = (CommentStatus.PUBLISHED.value, CommentStatus.REMOVED.value)
# Published counts per consultation, kept per process (see published_counts).
COUNTS_MAX_AGE = 5.0
COUNTS_CACHE_SIZE = 256
_counts: OrderedDict[tuple, tuple[float, dict[str | None, int]]] = OrderedDict()
_counts_lock = threading.Lock()
_generation = 0  # bumped whenever counts are dropped
_CHANGED = "consult.comments.changed_consultations"  # session.info key


class CommentError(ValueError):
    """A comment refused, with a message for the form and the field it concerns."""

    def __init__(self, message: str, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


class RateLimited(CommentError):
    """Too many comments too quickly; says when to try again."""

    def __init__(self, retry_after: int) -> None:
        minutes, seconds = divmod(retry_after, 60)
        when = f"{minutes} minute{'s' if minutes != 1 else ''}" if minutes else f"{seconds} seconds"
        super().__init__(
            f"You have posted several comments in a short time. Your text is kept below: "
            f"please try again in {when}.", status=429,
        )
        self.retry_after = retry_after


@dataclass
class CommentInput:
    """What a citizen typed into the comment form."""

    body: str
    submission_key: str
    stance: str | None = None
    respondent_type: str = "individual"
    organisation: str | None = None
    show_name: bool = True
    parent_id: int | None = None


# Statements on the posting path, built once with bound parameters: building a statement costs
# SQLAlchemy several times what the database takes to run it.
_BY_SUBMISSION_KEY = select(Comment.id).where(Comment.author_id == bindparam("author"),
                                              Comment.submission_key == bindparam("key"))
_CURRENT_VERSION = (select(DocumentVersion.id)
                    .where(DocumentVersion.consultation_id == bindparam("consultation"))
                    .order_by(DocumentVersion.number.desc()).limit(1))
_CURRENT_PARAGRAPH = (select(Paragraph.id, Paragraph.version_id, Paragraph.number, Paragraph.text,
                             Paragraph.fingerprint)
                      .where(Paragraph.version_id == _CURRENT_VERSION.scalar_subquery(),
                             Paragraph.anchor == bindparam("anchor")))
_RECENT_BY_AUTHOR = (select(Comment.created_at)
                     .where(Comment.author_id == bindparam("author"), Comment.created_at > bindparam("since"))
                     .order_by(Comment.created_at.desc()))


# A direction control written as a character reference (&#x202E;) is one once rendered: the
# pairing check must see it, so such references become the characters before it runs.
_BIDI_REFERENCE = re.compile(r"&#(?:x0*(202[a-e]|206[6-9])|0*(823[4-8]|829[4-7]));", re.IGNORECASE)


def _bidi_reference(match: re.Match) -> str:
    return chr(int(match.group(1), 16) if match.group(1) else int(match.group(2)))


def clean_body(body: str | None) -> str:
    """Validate a comment's text: present, visible, within the limit, no unreadable characters."""
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    text = strip_unpaired_bidi(_BIDI_REFERENCE.sub(_bidi_reference, text)).strip()
    if not text:
        raise CommentError("Write your comment before sending it.", field="body")
    if not has_visible_text(text):
        raise CommentError("Write your comment before sending it: what was sent has no visible "
                           "text, only invisible characters.", field="body")
    if len(text) > MAX_LENGTH:
        raise CommentError(
            f"Your comment is {len(text):,} characters long; the limit is {MAX_LENGTH:,}. "
            "Shorten it, or split it into comments on the paragraphs it concerns.", field="body",
        )
    if "\ufffd" in text:
        raise CommentError(
            "Your comment contains characters that could not be read (perhaps pasted from "
            "another program). Retype the marked part.", field="body",
        )
    if not has_visible_text(documents.html_text(documents.render_comment(text))):
        # Markdown marks alone ("-", "***", "[](https://…)") or invisible characters written
        # as references (&#8203;) show as an empty comment.
        raise CommentError("Write your comment before sending it: what was sent would show no "
                           "text, only formatting marks or invisible characters.", field="body")
    bad = [c for c in text if unicodedata.category(c) in {"Cc", "Cs", "Co"} and c not in "\n\t"]
    if bad:
        raise CommentError(
            "Your comment contains invisible control characters; remove them and send it again.",
            field="body",
        )
    return text


def _validate_input(data: CommentInput) -> CommentInput:
    data.body = clean_body(data.body)
    if data.stance not in (None, "", *STANCES):
        raise CommentError("Choose support, oppose, mixed, or leave the stance empty.", "stance")
    data.stance = data.stance or None
    if data.respondent_type not in RESPONDENT_TYPES:
        raise CommentError("Say whether you respond as an individual or for an organisation.",
                           "respondent_type")
    organisation = clean_name(data.organisation)
    if data.respondent_type == "organisation" and not organisation:
        raise CommentError("Give the name of the organisation you respond for.", "organisation")
    if len(organisation) > 200:
        raise CommentError("The organisation's name is limited to 200 characters.", "organisation")
    data.organisation = organisation if data.respondent_type == "organisation" else None
    key = (data.submission_key or "").strip()
    if not key or len(key) > 64:
        raise CommentError("This form has expired; your text is kept, please send it again.")
    data.submission_key = key
    return data


def can_comment(user) -> bool:
    """Signed in with a confirmed email address: who may comment."""
    return is_confirmed(user)


def ensure_open(consultation: Consultation, now: datetime) -> None:
    """Refuse comments unless the consultation is open now, saying why."""
    status = consultation.status_at(now)
    if status is Status.OPEN:
        return
    if status is Status.UPCOMING and consultation.opens_at:
        raise CommentError(
            f"This consultation opens for comments on {consultation.opens_at:%-d %B %Y at %H:%M} UTC.",
            status=409,
        )
    if status is Status.DRAFT:
        raise CommentError("This consultation is not open for comments.", status=404)
    closed = f" on {consultation.closes_at:%-d %B %Y at %H:%M} UTC" if consultation.closes_at else ""
    raise CommentError(
        f"This consultation closed{closed}, so it no longer accepts comments. Comments sent "
        "before the close are still being considered.", status=409,
    )


@dataclass
class Draft:
    """A checked comment, ready to store: everything `store_comment` needs, read beforehand."""

    comment: Comment  # transient: not yet in any session
    moderation_mode: str
    now: datetime
    stored: Comment | None = None  # this form was sent before: the comment it stored
    premoderated: bool = False  # the author's comments are checked before publication


def prepare_comment(
    session: Session,
    consultation: Consultation,
    anchor: str | None,
    author: User,
    data: CommentInput,
    now: datetime | None = None,
    zone: ZoneInfo | None = None,
) -> Draft:
    """Check a comment and render it, reading only; `store_comment` writes it.

    `zone`: the site's time zone, for the end of a suspension in a refusal (UTC without it).

    Kept apart so that a caller can read in one transaction and write in a short second one
    (on SQLite a writing transaction holds the database's only write lock throughout).
    """
    now = now or utcnow()
    data = _validate_input(data)
    existing_id = session.connection().execute(
        _BY_SUBMISSION_KEY, {"author": author.id, "key": data.submission_key}).scalar()
    if existing_id is not None:
        existing = session.get(Comment, existing_id)
        return Draft(existing, consultation.moderation_mode, now, stored=existing)
    ensure_open(consultation, now)
    if author.email_confirmed_at is None or author.deleted_at is not None:
        raise CommentError("Confirm your email address before commenting.", status=403)
    refusal = moderation.posting_refusal(session, author.id, now, zone=zone)
    if refusal:
        raise CommentError(refusal, status=403)
    # Read with the refusal (the same query): intake need not ask again while writing.
    premoderated = any(s.kind == "premoderate" for s in moderation.active_sanctions(session, author.id, now))
    paragraph = None
    if anchor is None:
        version_id = session.connection().execute(_CURRENT_VERSION, {"consultation": consultation.id}).scalar_one()
    else:
        paragraph = session.connection().execute(
            _CURRENT_PARAGRAPH, {"consultation": consultation.id, "anchor": anchor}).first()
        if paragraph is None:
            raise CommentError(
                "That paragraph is not in the current version of the document, so it cannot "
                "take new comments. Your text is kept: comment on the document as a whole, or "
                "on the paragraph that replaced it.", status=404,
            )
        version_id = paragraph.version_id
    parent = None
    if data.parent_id is not None:
        parent = session.get(Comment, data.parent_id)
        if (parent is None or parent.consultation_id != consultation.id
                or parent.anchor != anchor or parent.status != CommentStatus.PUBLISHED.value):
            raise CommentError(
                "The comment you are replying to is no longer published, so it cannot take "
                "replies. Your text is kept below: you can post it as a new comment.",
                field="body", status=409,
            )
        # Threads are one level deep: a reply to a reply joins the top-level thread.
        if parent.parent_id is not None:
            parent = session.get(Comment, parent.parent_id)
    comment = Comment(
        consultation_id=consultation.id,
        version_id=version_id,
        paragraph_id=paragraph.id if paragraph else None,
        anchor=anchor,
        paragraph_number=paragraph.number if paragraph else None,
        paragraph_text=paragraph.text if paragraph else None,
        paragraph_fingerprint=paragraph.fingerprint if paragraph else None,
        parent_id=parent.id if parent else None,
        author_id=author.id,
        body=data.body,
        body_html=documents.render_comment(data.body),
        stance=data.stance,
        respondent_type=data.respondent_type,
        organisation=data.organisation,
        show_name=data.show_name,
        status=CommentStatus.PENDING.value,
        submission_key=data.submission_key,
        created_at=now,
    )
    return Draft(comment, consultation.moderation_mode, now, premoderated=premoderated)


def store_comment(
    session: Session,
    draft: Draft,
    word_lists: tuple[Sequence[str], Sequence[str]] = ((), ()),
) -> tuple[Comment, bool]:
    """Store a prepared comment once and screen it; returns (comment, created).

    Only the rate limit is checked here (it must count comments stored meanwhile); whether the
    comment is published at once or waits for a moderator is moderation's call.
    """
    if draft.stored is not None:
        return draft.stored, False
    comment, now = draft.comment, draft.now
    _check_rate(session, comment.author_id, now)
    # Screened before it is stored, so the comment is written once, with its status.
    intake = moderation.screen_new(
        session, consultation_id=comment.consultation_id, author_id=comment.author_id,
        text=comment.body, mode=draft.moderation_mode, premoderated=draft.premoderated,
        banned=word_lists[0], suspect=word_lists[1], now=now,
    )
    if intake.publish:
        comment.status = CommentStatus.PUBLISHED.value
        comment.published_at = now
    else:
        comment.status_reason = intake.status_reason
    try:
        with session.begin_nested():
            session.add(comment)
            session.flush()
    except IntegrityError:
        # A concurrent request with the same submission key won the race: theirs is ours.
        existing_id = session.connection().execute(
            _BY_SUBMISSION_KEY, {"author": comment.author_id, "key": comment.submission_key}).scalar()
        if existing_id is None:
            raise
        return session.get(Comment, existing_id), False
    moderation.record_intake(
        session, intake, comment_id=comment.id, consultation_id=comment.consultation_id,
        author_id=comment.author_id, text=comment.body, revision=comment.revision,
        mode=draft.moderation_mode, now=now,
    )
    return comment, True


def submit_comment(
    session: Session,
    consultation: Consultation,
    anchor: str | None,
    author: User,
    data: CommentInput,
    now: datetime | None = None,
    word_lists: tuple[Sequence[str], Sequence[str]] = ((), ()),
) -> tuple[Comment, bool]:
    """Check, store and screen a comment in the caller's transaction; returns (comment, created).

    Resubmitting the same form is a no-op. Whether the comment is published at once or waits
    for a moderator is moderation's call (the consultation's mode, screening, sanctions).
    """
    return store_comment(session, prepare_comment(session, consultation, anchor, author, data, now),
                         word_lists)


def _check_rate(session: Session, author_id: int, now: datetime) -> None:
    recent = session.connection().execute(
        _RECENT_BY_AUTHOR, {"author": author_id, "since": now - timedelta(hours=1)}).scalars().all()
    last_minute = [t for t in recent if t > now - timedelta(minutes=1)]
    if len(last_minute) >= RATE_PER_MINUTE:
        raise RateLimited(max(1, int((last_minute[-1] + timedelta(minutes=1) - now).total_seconds())))
    if len(recent) >= RATE_PER_HOUR:
        raise RateLimited(max(1, int((recent[-1] + timedelta(hours=1) - now).total_seconds())))


def published_counts(session: Session, consultation: Consultation) -> dict[str | None, int]:
    """Published comments per anchor (None: the whole document), a few seconds old at most.

    Counting is a GROUP BY over all of a consultation's comments (tens of milliseconds with
    100,000), and the document page shows the counts on every view, so they are kept per
    process for a few seconds. A comment stored or changed through this process's sessions
    drops its consultation's counts at commit, so an author sees their comment counted at
    once; other processes catch up within COUNTS_MAX_AGE seconds. The dict is shared: never change it. It
    stays the same object while the counts do not change, so callers may key work on it.
    """
    # The database as well as the id: tests and a reset demo reuse ids in a new database.
    key = (session.get_bind().url, consultation.id, consultation.created_at)
    now = time.monotonic()
    with _counts_lock:
        cached = _counts.get(key)
        generation = _generation
    if cached is not None and now - cached[0] < COUNTS_MAX_AGE:
        return cached[1]
    rows = session.execute(
        select(Comment.anchor, func.count())
        .where(Comment.consultation_id == consultation.id,
               Comment.status == CommentStatus.PUBLISHED.value)
        .group_by(Comment.anchor)
    )
    counts = {anchor: count for anchor, count in rows}
    if cached is not None and cached[1] == counts:
        counts = cached[1]
    with _counts_lock:
        if generation != _generation:
            return counts  # counts were dropped meanwhile: this reading may predate the change
        _counts[key] = (now, counts)
        _counts.move_to_end(key)
        while len(_counts) > COUNTS_CACHE_SIZE:
            _counts.popitem(last=False)
    return counts


def forget_counts(consultation_ids: Iterable[int]) -> None:
    """Drop this process's cached counts for these consultations (their comments changed)."""
    global _generation
    ids = set(consultation_ids)
    with _counts_lock:
        _generation += 1
        for key in [k for k in _counts if k[1] in ids]:
            del _counts[key]


@event.listens_for(Session, "after_flush")
def _note_changed_comments(session: Session, _context) -> None:
    # Every path that publishes, hides or withdraws a comment (this module, moderation's
    # decisions through consult.moderate.glue, account deletion) goes through the ORM.
    changed = {obj.consultation_id for obj in (*session.new, *session.dirty, *session.deleted)
               if isinstance(obj, Comment)}
    if changed:
        session.info.setdefault(_CHANGED, set()).update(changed)


@event.listens_for(Session, "after_commit")
def _forget_changed_counts(session: Session) -> None:
    changed = session.info.pop(_CHANGED, None)
    if changed:
        forget_counts(changed)


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction) -> None:
    if transaction.parent is None:  # rolled back (or committed, above): start afresh
        session.info.pop(_CHANGED, None)


@dataclass
class Thread:
    """One page of a paragraph's comments with their replies."""

    comments: list[Comment]
    replies: dict[int, list[Comment]] = field(default_factory=dict)
    next_cursor: str | None = None
    order: str = "newest"
    total: int = 0


def parse_cursor(cursor: str | None) -> int | None:
    """A page cursor is the id of the last comment shown; anything else is refused."""
    if cursor in (None, ""):
        return None
    number = whole_number(cursor, 18)
    if number is None:
        raise CommentError("That page link is not valid: go back to the first page.", status=400)
    return number


@functools.cache
def _thread_statements(general: bool, viewer: bool, paged: bool, newest: bool):
    """The three statements of a thread page, built once per shape with bound parameters.

    Building them costs SQLAlchemy more than SQLite takes to run them, and every paragraph page
    (and every comment form) reads a thread.
    """
    visible = Comment.status.in_(VISIBLE)
    if viewer:
        visible = visible | ((Comment.author_id == bindparam("viewer"))
                             & (Comment.status == CommentStatus.PENDING.value))
    anchor_match = Comment.anchor.is_(None) if general else Comment.anchor == bindparam("anchor")
    after = bindparam("after")

    def in_order(*conditions):
        # Top-level comments in one status, in page order: one range of ix_comments_thread
        # (consultation, anchor, status, id), read only as far as the page needs. Written as
        # coalesce(), not IS NULL: SQLite's statistics cannot tell that nine comments in ten
        # have no parent, so for IS NULL it walks ix_comments_parent instead, through every
        # top-level comment on the site (~55 ms for a quiet paragraph among 100,000).
        query = select(Comment.id).where(
            Comment.consultation_id == bindparam("consultation"), anchor_match,
            func.coalesce(Comment.parent_id, 0) == 0, *conditions)
        if paged:
            query = query.where(Comment.id < after if newest else Comment.id > after)
        return select(query.order_by(Comment.id.desc() if newest else Comment.id)
                      .limit(bindparam("limit")).subquery().c.id)

    shown = [in_order(Comment.status == status) for status in VISIBLE]
    if viewer:
        shown.append(in_order(Comment.author_id == bindparam("viewer"),
                              Comment.status == CommentStatus.PENDING.value))
    page = (select(Comment).options(joinedload(Comment.author))
            .where(Comment.id.in_(union_all(*shown)))
            .order_by(Comment.id.desc() if newest else Comment.id)
            .limit(bindparam("limit")))
    replies = (select(Comment).options(joinedload(Comment.author))
               .where(Comment.parent_id.in_(bindparam("parents", expanding=True)), visible)
               .order_by(Comment.id))
    count = select(func.count()).select_from(Comment).where(
        Comment.consultation_id == bindparam("consultation"), anchor_match,
        Comment.status == CommentStatus.PUBLISHED.value)
    return page, replies, count


def thread(
    session: Session,
    consultation: Consultation,
    anchor: str | None,
    *,
    viewer_id: int | None = None,
    order: str = "newest",
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> Thread:
    """A page of top-level comments on an anchor (keyset pagination), with their replies."""
    after = parse_cursor(cursor)
    order = "oldest" if order == "oldest" else "newest"
    page_query, replies_query, count_query = _thread_statements(
        anchor is None, viewer_id is not None, after is not None, order == "newest")
    params = {"consultation": consultation.id, "anchor": anchor, "viewer": viewer_id,
              "after": after, "limit": limit + 1}
    rows = list(session.scalars(page_query, params))
    page, more = rows[:limit], len(rows) > limit
    replies: dict[int, list[Comment]] = {}
    if page:
        for reply in session.scalars(replies_query, {"parents": [c.id for c in page], "viewer": viewer_id}):
            replies.setdefault(reply.parent_id, []).append(reply)
    total = session.execute(count_query, params).scalar()
    return Thread(page, replies, str(page[-1].id) if more else None, order, total or 0)


def paragraph_changed(comment: Comment, paragraph: Paragraph | None) -> str | None:
    """The word-level diff since the comment was written, or None if the text is the same."""
    if paragraph is None or comment.paragraph_text is None:
        return None
    if comment.paragraph_fingerprint == paragraph.fingerprint:
        return None
    return documents.diff(comment.paragraph_text, paragraph.text).html


def comments_on_removed_paragraphs(
    session: Session, consultation: Consultation, viewer_id: int | None = None
) -> list[Comment]:
    """Published comments whose paragraph is not in the current version, in document order."""
    version = current_version(session, consultation)
    current_anchors = select(Paragraph.anchor).where(Paragraph.version_id == version.id)
    visible = Comment.status.in_(VISIBLE)
    if viewer_id is not None:
        visible = visible | ((Comment.author_id == viewer_id)
                             & (Comment.status == CommentStatus.PENDING.value))
    return list(session.scalars(
        select(Comment).options(joinedload(Comment.author))
        .where(Comment.consultation_id == consultation.id, Comment.anchor.is_not(None),
               Comment.anchor.not_in(current_anchors), visible)
        .order_by(Comment.id)
        .limit(500)
    ))


def my_comments(session: Session, user_id: int, cursor: str | None = None,
                limit: int = PAGE_SIZE) -> tuple[list[Comment], str | None]:
    """A page of everything a user has written, newest first."""
    after = parse_cursor(cursor)
    query = (select(Comment).options(joinedload(Comment.consultation))
             .where(Comment.author_id == user_id))
    if after is not None:
        query = query.where(Comment.id < after)
    rows = list(session.scalars(query.order_by(Comment.id.desc()).limit(limit + 1)))
    return rows[:limit], (str(rows[limit - 1].id) if len(rows) > limit else None)


def can_edit(comment: Comment, now: datetime) -> bool:
    """Authors may edit while awaiting moderation, or within 15 minutes of publication."""
    if comment.status == CommentStatus.PENDING.value:
        return True
    return (comment.status == CommentStatus.PUBLISHED.value and comment.published_at is not None
            and now - comment.published_at <= EDIT_WINDOW)


def _own_comment(session: Session, comment_id: int, author_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None or comment.author_id != author_id:
        raise CommentError("That comment is not one of yours.", status=404)
    return comment


def get_own_comment(session: Session, comment_id: int, author_id: int) -> Comment:
    """One of the author's own comments, or a 404-style CommentError."""
    return _own_comment(session, comment_id, author_id)


def edit_comment(session: Session, comment_id: int, author_id: int, body: str,
                 now: datetime | None = None, zone: ZoneInfo | None = None) -> Comment:
    """Change a comment's text, keeping the previous text on record (`zone` as for prepare_comment)."""
    now = now or utcnow()
    comment = _own_comment(session, comment_id, author_id)
    if not can_edit(comment, now):
        raise CommentError(
            "This comment can no longer be edited: comments can be changed while awaiting "
            "moderation or within 15 minutes of being published.", status=409,
        )
    ensure_open(comment.consultation, now)
    refusal = moderation.posting_refusal(session, author_id, now, zone=zone)
    if refusal:
        # A banned or suspended author cannot post, and an edit is posting new words.
        raise CommentError(refusal, status=403)
    text = clean_body(body)
    if text == comment.body:
        return comment
    session.add(CommentEdit(comment_id=comment.id, previous_body=comment.body, edited_at=now))
    comment.body = text
    comment.body_html = documents.render_comment(text)
    comment.edited_at = now
    comment.revision += 1
    if comment.status == CommentStatus.PENDING.value:
        # Held by screening alone and now clean: published at once, as the author was told.
        if not _release_after_edit(session, comment, now):
            # A moderator must judge the text as it is now, not as it was.
            moderation.text_edited(session, comment.id, text, comment.revision)
    elif moderation.rescreen(session, comment_id=comment.id, consultation_id=comment.consultation_id,
                             author_id=author_id, text=text, revision=comment.revision, now=now):
        comment.status = CommentStatus.PENDING.value
        comment.status_reason = "Held for a moderator after your edit."
    return comment


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


def _rules_in_force(session: Session) -> dict[str, RuleRef]:
    """The house rules by anchor, read only (the default text until the first are published)."""
    version = session.scalar(select(HouseRulesVersion).order_by(HouseRulesVersion.number.desc()).limit(1))
    rules = version.rules if version is not None else _default_rules()
    number = version.number if version is not None else None
    return {r["anchor"]: RuleRef(r["anchor"], r["number"], r["title"].split(". ", 1)[-1],
                                 moderation.rule_label(r), number) for r in rules}


def held_notices(session: Session, comments: Iterable[Comment],
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


def _release_after_edit(session: Session, comment: Comment, now: datetime) -> bool:
    """Publish a comment that screening alone held, now that its edited text passes screening.

    Only in post-moderation and reactive consultations; moderation decides whether anything
    else still holds it (see moderation.release_after_edit).
    """
    if comment.consultation.moderation_mode == "pre":
        return False
    if not moderation.release_after_edit(session, comment.id, comment.author_id, comment.body,
                                         comment.revision, now):
        return False
    comment.status = CommentStatus.PUBLISHED.value
    comment.published_at = now
    comment.status_reason = None
    return True


def withdraw_comment(session: Session, comment_id: int, author_id: int,
                     now: datetime | None = None) -> Comment:
    """Withdraw one's own comment: it leaves the public page but stays in one's own list."""
    comment = _own_comment(session, comment_id, author_id)
    if comment.status in (CommentStatus.WITHDRAWN.value, CommentStatus.REMOVED.value,
                          CommentStatus.REJECTED.value):
        raise CommentError("This comment is not published, so there is nothing to withdraw.",
                           status=409)
    comment.status = CommentStatus.WITHDRAWN.value
    comment.withdrawn_at = now or utcnow()
    comment.revision += 1
    moderation.withdrawn(session, comment.id, author_id)
    return comment


def edits_of(session: Session, comment_id: int) -> list[CommentEdit]:
    """The recorded earlier texts of a comment, oldest first."""
    return list(session.scalars(
        select(CommentEdit).where(CommentEdit.comment_id == comment_id).order_by(CommentEdit.id)
    ))


def version_of(session: Session, version_id: int) -> DocumentVersion | None:
    """A document version by id."""
    return session.get(DocumentVersion, version_id)
