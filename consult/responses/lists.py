"""The public lists behind the published response's counts, paged with honest totals."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from consult.i18n import N_, gettext, ngettext
from consult.models import (
    Comment,
    CommentConsidered,
    CommentStatus,
    Consultation,
    Theme,
    ThemeComment,
)
from consult.responses.common import PUBLISHED, ResponseError
from consult.responses.considered import REASON_LABELS
from moderation.db import DbSession

PER_PAGE = 50


@dataclass
class CommentPage:
    """One page of a public list of comments, with honest totals."""

    comments: list[Comment]
    total: int
    page: int
    per_page: int
    # For the "considered" list: each comment's record (reason and note), by comment id.
    considered: dict[int, CommentConsidered] = field(default_factory=dict)
    # Comments counted here that are no longer public: (what happened, how many).
    not_shown: list[tuple[str, int]] = field(default_factory=list)

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one, even when empty)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """The position of the page's first comment in the whole list (1-based)."""
        return (self.page - 1) * self.per_page + 1 if self.comments else 0

    @property
    def last(self) -> int:
        """The position of the page's last comment in the whole list."""
        return self.first + len(self.comments) - 1 if self.comments else 0


def _page_number(page: int, total: int, per_page: int) -> int:
    pages = max(1, -(-total // per_page))
    if page < 1 or page > pages:
        raise ResponseError(ngettext("There is no page %(page)s: this list has %(num)s page.",
                                     "There is no page %(page)s: this list has %(num)s pages.",
                                     pages, page=page), status=404)
    return page


# A counted comment that is no longer public, as the public may be told of it. Its text is never
# shown; a removal names the house rule, as the comment's placeholder in its thread does.
# Marked for translation, translated where they are shown (templates/responses/_words.html).
_NOT_SHOWN = {
    CommentStatus.REMOVED.value: N_("removed by a moderator"),
    CommentStatus.WITHDRAWN.value: N_("withdrawn by the author"),
    CommentStatus.PENDING.value: N_("hidden for a moderator's review"),
    CommentStatus.REJECTED.value: N_("refused under the house rules"),
}


def _not_shown(session: DbSession, comment_ids) -> list[tuple[str, int]]:
    rows = session.execute(
        select(Comment.status, Comment.status_reason, func.count())
        .where(Comment.id.in_(comment_ids), Comment.status != PUBLISHED)
        .group_by(Comment.status, Comment.status_reason)).all()
    found: Counter = Counter()
    for status, reason, n in rows:
        what = _NOT_SHOWN.get(status, N_("no longer public"))
        # "Removed by a moderator under rule 3 (...)." is what the thread itself shows.
        if status == CommentStatus.REMOVED.value and reason and reason.startswith("Removed by a moderator"):
            what = reason[0].lower() + reason[1:].rstrip(".")
        found[what] += n
    return sorted(found.items(), key=lambda item: (-item[1], item[0]))


def published_theme_comments(session: DbSession, theme: Theme, page: int = 1,
                             per_page: int = PER_PAGE) -> CommentPage:
    """A page of the published comments counted under a theme, oldest first."""
    counted = select(ThemeComment.comment_id).where(ThemeComment.theme_id == theme.id)
    # The consultation is stated as well: this list is public, so it never rests on every
    # assignment having been checked when it was made.
    where = (Comment.id.in_(counted), Comment.consultation_id == theme.consultation_id,
             Comment.status == PUBLISHED)
    total = session.scalar(select(func.count()).select_from(Comment).where(*where)) or 0
    page = _page_number(page, total, per_page)
    comments = list(session.scalars(
        select(Comment).options(joinedload(Comment.author)).where(*where)
        .order_by(Comment.id).offset((page - 1) * per_page).limit(per_page)))
    return CommentPage(comments, total, page, per_page, not_shown=_not_shown(session, counted))


def published_considered_comments(session: DbSession, consultation: Consultation, page: int = 1,
                                  reason: str | None = None,
                                  per_page: int = PER_PAGE) -> CommentPage:
    """A page of the published comments considered with no theme (optionally for one reason)."""
    if reason is not None and reason not in REASON_LABELS:
        raise ResponseError(gettext("There is no such reason."), status=404)
    marked = select(CommentConsidered.comment_id).join(
        Comment, Comment.id == CommentConsidered.comment_id).where(
        Comment.consultation_id == consultation.id)
    if reason is not None:
        marked = marked.where(CommentConsidered.reason == reason)
    where = (Comment.id.in_(marked), Comment.status == PUBLISHED)
    total = session.scalar(select(func.count()).select_from(Comment).where(*where)) or 0
    page = _page_number(page, total, per_page)
    comments = list(session.scalars(
        select(Comment).options(joinedload(Comment.author)).where(*where)
        .order_by(Comment.id).offset((page - 1) * per_page).limit(per_page)))
    records = {r.comment_id: r for r in session.scalars(select(CommentConsidered).where(
        CommentConsidered.comment_id.in_([c.id for c in comments])))} if comments else {}
    return CommentPage(comments, total, page, per_page, considered=records,
                       not_shown=_not_shown(session, marked))
