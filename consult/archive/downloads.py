"""The public archive: published comments as open data (CSV and JSON downloads, the API's pages).

Nothing here reads an email address; a commenter's name is published only when they chose to show it.
"""
from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import select

from consult.archive.listing import MAX_PER_PAGE, PER_PAGE, ArchiveError
from consult.i18n import gettext
from consult.models import (
    THEME_OUTCOMES,
    Comment,
    CommentStatus,
    Consultation,
    DocumentVersion,
    Response,
    Theme,
    ThemeComment,
    User,
)
from consult.reattachment import reattachments_for
from consult.text import iso, whole_number
from consult.text_language import clean_code
from moderation.db import DbSession

BATCH = 1000
ANONYMOUS = "a member of the public"
FORMER = "a former participant"
CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START = frozenset(CSV_DANGEROUS)  # all one character, so a set lookup of the first
# Downloads are sent in pieces of about this many characters: one write per comment would
# cost a system call (and, behind gunicorn, a socket send) for each of 100,000 lines.
CHUNK = 64 * 1024
CSV_COLUMNS = ("comment_id", "consultation", "version", "paragraph_anchor", "paragraph_number",
               "paragraph_text", "reattached_to_version", "reattached_to_paragraph_number",
               "reply_to", "comment", "language", "stance", "respondent_type",
               "organisation", "name", "published_at", "themes", "outcomes", "received_at")


def public_name(display_name: str | None, show_name: bool, deleted_at: datetime | None) -> str:
    """The name published with a comment: the display name only if its author chose to show it."""
    if deleted_at is not None:
        return FORMER
    return (display_name or ANONYMOUS) if show_name else ANONYMOUS


def response_is_published(session: DbSession, consultation_id: int) -> bool:
    """True when the consultation's response is public (themes are drafts until then)."""
    return session.scalar(select(Response.id).where(Response.consultation_id == consultation_id,
                                                    Response.published_at.is_not(None))) is not None


def _themes_by_comment(session: DbSession, comment_ids: Sequence[int]) -> dict[int, list[Theme]]:
    found: dict[int, list[Theme]] = {}
    if not comment_ids:
        return found
    rows = session.execute(
        select(ThemeComment.comment_id, Theme).join(Theme, Theme.id == ThemeComment.theme_id)
        .where(ThemeComment.comment_id.in_(list(comment_ids)), Theme.merged_into_id.is_(None))
        .order_by(Theme.position, Theme.id))
    for comment_id, theme in rows:
        found.setdefault(comment_id, []).append(theme)
    return found


_COMMENT_COLUMNS = (Comment.id, Comment.anchor, Comment.paragraph_number, Comment.paragraph_text,
                    Comment.parent_id, Comment.body, Comment.stance, Comment.respondent_type,
                    Comment.organisation, Comment.show_name, Comment.published_at,
                    Comment.created_at, DocumentVersion.number, User.display_name, User.deleted_at,
                    Comment.language)


def comment_query(consultation_id: int):
    """The columns of a consultation's published comments, for the downloads, the API and the feed."""
    return (select(*_COMMENT_COLUMNS)
            .join(DocumentVersion, DocumentVersion.id == Comment.version_id)
            .join(User, User.id == Comment.author_id)
            .where(Comment.consultation_id == consultation_id,
                   Comment.status == CommentStatus.PUBLISHED.value))


def comment_records(session: DbSession, rows, slug: str, with_themes: bool) -> list[dict]:
    """Rows of `comment_query` as public records (names as the authors chose, themes if asked)."""
    themes = _themes_by_comment(session, [r[0] for r in rows]) if with_themes else {}
    # An official may have moved a removed paragraph's comments to a later paragraph: the
    # anchor is where the comment is now; version, number and text what it was written on.
    moved = reattachments_for(session, [r[0] for r in rows])
    records = []
    for (cid, anchor, number, paragraph_text, parent_id, body, stance, respondent_type,
         organisation, show_name, published_at, created_at, version, display_name, deleted_at, language) in rows:
        counted = themes.get(cid, [])
        reattached = moved.get(cid)
        records.append({
            "id": cid,
            "consultation": slug,
            "version": version,
            "paragraph_anchor": anchor,
            "paragraph_number": number,
            "paragraph_text": paragraph_text,
            "reattached_to_version": reattached.to_version if reattached else None,
            "reattached_to_paragraph_number": reattached.to_number if reattached else None,
            "reply_to": parent_id,
            "comment": body,
            "language": language,
            "stance": stance,
            "respondent_type": respondent_type,
            "organisation": organisation if respondent_type == "organisation" else None,
            "name": public_name(display_name, show_name, deleted_at),
            "published_at": iso(published_at or created_at),
            "themes": [t.title for t in counted],
            "outcomes": [THEME_OUTCOMES.get(t.outcome or "", "No outcome yet") for t in counted],
            # When it came in: a comment held for moderation is published later, perhaps after
            # the closing date, and this shows it was sent in time.
            "received_at": iso(created_at),
        })
    return records


def _record_batches(session: DbSession, consultation: Consultation, batch: int = BATCH) -> Iterator[list[dict]]:
    """Every published comment as plain records, a keyset batch at a time (constant memory)."""
    with_themes = response_is_published(session, consultation.id)
    after = 0
    while True:
        rows = session.execute(comment_query(consultation.id).where(Comment.id > after)
                               .order_by(Comment.id).limit(batch)).all()
        if not rows:
            return
        yield comment_records(session, rows, consultation.slug, with_themes)
        after = rows[-1][0]
        if len(rows) < batch:
            return


def encode_cursor(comment_id: int) -> str:
    """An opaque page cursor for the comments API."""
    return base64.urlsafe_b64encode(f"c:{comment_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The comment id behind a cursor; anything we did not issue is an ArchiveError (400)."""
    if cursor in (None, ""):
        return None
    bad = ArchiveError(gettext("That cursor is not valid: use the next_cursor value from a previous page, "
                               "or leave it out to start at the beginning."))
    if len(cursor) > 40:
        raise bad
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    kind, _, number = text.partition(":")
    comment_id = whole_number(number, 18)
    if kind != "c" or comment_id is None or encode_cursor(comment_id) != cursor:
        raise bad
    return comment_id


def comments_page(session: DbSession, consultation: Consultation, cursor: str | None,
                  limit: int = PER_PAGE, language: str | None = None) -> tuple[list[dict], str | None]:
    """A page of published comments, oldest first (in one language, if given), and the cursor
    for the next page."""
    after = decode_cursor(cursor) or 0
    limit = max(1, min(limit, MAX_PER_PAGE))
    query = comment_query(consultation.id).where(Comment.id > after)
    if language:
        query = query.where(Comment.language == parse_language(language))
    rows = session.execute(query.order_by(Comment.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    records = comment_records(session, rows, consultation.slug, response_is_published(session, consultation.id))
    return records, (encode_cursor(rows[-1][0]) if more else None)


def parse_language(value: str) -> str:
    """A language tag asked for in a URL ("cy"), or an ArchiveError (400) saying what is expected."""
    try:
        code = clean_code(value)
    except ValueError:
        code = None
    if code is None:
        raise ArchiveError(gettext("The language must be a language tag such as 'en' or 'cy'."))
    return code


def csv_safe(value) -> str:
    """A cell that a spreadsheet will show as text, never run as a formula."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(value)
    text = str(value)
    if text[:1] in _FORMULA_START:
        return "'" + text
    return text


def licence_note(consultation: Consultation, licence_name: str, licence_url: str) -> str:
    """The sentence naming the licence the data is published under."""
    return (f"Published comments on \u201c{consultation.title}\u201d, made available under the "
            f"{licence_name} ({licence_url}). Names are shown only where commenters chose to show "
            "them; no email addresses or other personal data are included.")


def comments_csv(session: DbSession, consultation: Consultation) -> Iterator[str]:
    """The published comments as CSV text, the column names first, in pieces of about CHUNK."""
    buffer = io.StringIO()  # reused: emptied after each piece is taken
    writer = csv.writer(buffer, lineterminator="\r\n")
    keys = tuple("id" if c == "comment_id" else c for c in CSV_COLUMNS)

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    # Line 1 is the header, as pandas, R and spreadsheets expect: the licence travels in the
    # response's Link header and the JSON download's metadata, not in a row of the data.
    writer.writerow(CSV_COLUMNS)
    yield take()  # the download starts at once, before the first query
    for records in _record_batches(session, consultation, BATCH):
        writer.writerows([csv_safe(record[k]) for k in keys] for record in records)
        if buffer.tell() >= CHUNK:
            yield take()
    if buffer.tell():
        yield take()


def comments_json(session: DbSession, consultation: Consultation, licence_name: str,
                  licence_url: str) -> Iterator[str]:
    """The published comments as one JSON document, produced piece by piece."""
    head = {
        "licence": {"name": licence_name, "url": licence_url,
                    "note": licence_note(consultation, licence_name, licence_url)},
        "consultation": {"slug": consultation.slug, "title": consultation.title,
                         "department": consultation.department,
                         "status": consultation.status.value},
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "comments": ['
    separator = "\n"
    for records in _record_batches(session, consultation, BATCH):  # a piece per batch of comments
        yield separator + ",\n".join(json.dumps(record, ensure_ascii=False) for record in records)
        separator = ",\n"
    yield "\n]}\n"
