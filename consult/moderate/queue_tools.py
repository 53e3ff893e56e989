"""The queue at scale: its filters read from the query string (a value that cannot be used is
named, never silently turned into an empty queue), and finding a person to see their comments
and measures."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select

from consult.accounts.service.admin import MAX_SEARCH, UserPage, list_users
from consult.consultations import service as consultations
from consult.i18n import gettext
from consult.models import Comment, CommentStatus, Consultation, User
from consult.moderate.operations import SOURCES
from consult.text import whole_number
from moderation import service
from moderation.db import DbSession
from moderation.models import ESCALATED, OPEN_STATES, WAITING, Flag, QueueItem
from moderation.service.queue import MAX_TEXT_SEARCH, SORTS

# The screening's reasons a moderator can filter by, as the filter names them.
REASONS = {"personal_data": "Personal information", "link": "Link", "banned_word": "Banned word",
           "suspect_word": "Suspect word", "shouting": "Capital letters", "repeat": "Repeated text",
           "campaign": "Part of a campaign", "sanction": "Author on pre-moderation",
           "flags": "Flagged by readers", "appeal": "Appeal"}
MAX_HOURS = 6  # digits: up to 999,999 hours


@dataclass
class QueueRequest:
    """The filters as the service takes them, as typed (to show again), and what was wrong."""

    filters: service.QueueFilters
    shown: dict[str, str]
    problems: dict[str, str] = field(default_factory=dict)


def read_filters(session: DbSession, args: Mapping[str, str], *, official_only: bool,
                 consultation_ids: set[int]) -> QueueRequest:
    """The queue's filters; `consultation_ids` are those the viewer may filter by."""
    keys = ("consultation", "reason", "rule", "source", "campaign", "state", "older_than", "q", "sort")
    shown = {k: (args.get(k) or "").strip() for k in keys}
    problems: dict[str, str] = {}
    state = shown["state"]
    if state and state not in (WAITING, ESCALATED):
        problems["state"] = gettext("\u201c%(state)s\u201d is not a part of the queue: choose waiting or "
                                    "escalated.", state=state[:40])
    consultation_id = whole_number(shown["consultation"]) if shown["consultation"] else None
    if shown["consultation"] and consultation_id not in consultation_ids:
        problems["consultation"] = gettext("There is no such consultation among those you moderate: "
                                           "choose one from the list.")
    if shown["source"] and shown["source"] not in SOURCES:
        problems["source"] = gettext("\u201c%(source)s\u201d is not a source: choose one from the list.",
                                     source=shown["source"][:40])
    if shown["reason"] and shown["reason"] not in REASONS:
        problems["reason"] = gettext("\u201c%(reason)s\u201d is not a reason: choose one from the list.",
                                     reason=shown["reason"][:40])
    if shown["rule"] and shown["rule"] not in service.every_rule(session):
        problems["rule"] = gettext("\u201c%(rule)s\u201d is not a house rule, now or in an earlier version: "
                                   "choose one from the list.", rule=shown["rule"][:40])
    if shown["campaign"] and not re.fullmatch(r"[0-9a-f]{1,64}", shown["campaign"]):
        problems["campaign"] = gettext("That campaign group link is not valid: open the group again from "
                                       "an item in the queue.")
    hours = whole_number(shown["older_than"], MAX_HOURS) if shown["older_than"] else None
    if shown["older_than"] and not hours:
        problems["older_than"] = gettext("Waiting: \u201c%(hours)s\u201d is not a number of hours: choose one "
                                         "from the list.", hours=shown["older_than"][:40])
    if len(shown["q"]) > MAX_TEXT_SEARCH:
        problems["q"] = gettext("Search for at most %(limit)s characters.", limit=MAX_TEXT_SEARCH)
    if shown["sort"] and shown["sort"] not in SORTS:
        problems["sort"] = gettext("\u201c%(sort)s\u201d is not an order: choose one from the list.",
                                   sort=shown["sort"][:40])
    filters = service.QueueFilters(
        consultation_id=consultation_id, reason=shown["reason"] or None, rule=shown["rule"] or None,
        source=shown["source"] or None, campaign=shown["campaign"] or None,
        state=ESCALATED if official_only or state == ESCALATED else WAITING,
        older_than_hours=hours, text=" ".join(shown["q"].split()) or None,
        sort=shown["sort"] or "oldest")
    return QueueRequest(filters, shown, problems)


def visible_consultations(session: DbSession, viewer_id: int, is_admin: bool) -> list[Consultation]:
    """The consultations a viewer may filter the queue by: all, or the ones assigned to them."""
    scope = None if is_admin else service.moderated_consultations(session, viewer_id)
    choices = consultations.list_public(session)  # as the queue's own list of them
    return [c for c in choices if scope is None or c.id in scope]


# --- finding a person ------------------------------------------------------------------------

@dataclass
class PeopleFound:
    """A page of people matching a search, with what a moderator wants to see beside each."""

    search: str
    page: UserPage | None
    comments: dict[int, int]
    measures: dict[int, list]
    problem: str | None = None


def find_people(session: DbSession, search: str | None, page: int) -> PeopleFound:
    """Live accounts whose name or email contains `search` (none before anything is typed)."""
    search = " ".join((search or "").split())
    if len(search) > MAX_SEARCH:
        return PeopleFound(search, None, {}, {}, gettext("Search for at most %(limit)s characters.",
                                                         limit=MAX_SEARCH))
    if not search:
        return PeopleFound(search, None, {}, {})
    found = list_users(session, search, page, per_page=25)
    ids = [u.id for u in found.users]
    comments = dict(session.execute(
        select(Comment.author_id, func.count()).where(Comment.author_id.in_(ids or [0]))
        .group_by(Comment.author_id)).all())
    measures = {i: service.active_sanctions(session, i) for i in ids}
    return PeopleFound(search, found, comments, measures)


def recent_comments(session: DbSession, user_id: int, limit: int = 50) -> tuple[list[Comment], int]:
    """A person's latest comments, newest first, and how many they wrote in all."""
    total = session.scalar(select(func.count()).select_from(Comment).where(Comment.author_id == user_id)) or 0
    latest = list(session.scalars(select(Comment).where(Comment.author_id == user_id)
                                  .order_by(Comment.id.desc()).limit(limit)))
    return latest, total


def person(session: DbSession, user_id: int) -> User | None:
    """A live account, or None."""
    user = session.get(User, user_id)
    return None if user is None or user.deleted_at else user


def row_counts(session: DbSession, items: list) -> dict:
    """Beside each row: how many readers reported its comment, how big its campaign group is, the
    language of its comment (for the text's lang=), and whether reports have hidden it."""
    comment_ids = [i.comment_id for i in items] or [0]
    keys = [i.campaign_key for i in items if i.campaign_key] or [""]
    flags = dict(session.execute(select(Flag.comment_id, func.count()).where(Flag.comment_id.in_(comment_ids))
                                 .group_by(Flag.comment_id)).all())
    sizes = dict(session.execute(select(QueueItem.campaign_key, func.count()).where(
        QueueItem.campaign_key.in_(keys), QueueItem.state.in_(OPEN_STATES))
        .group_by(QueueItem.campaign_key)).all())
    languages = dict(session.execute(select(Comment.id, Comment.language).where(
        Comment.id.in_(comment_ids), Comment.language.is_not(None))).all())
    # Comments readers' reports hid (public when queued, held now): not shown as public any more.
    hidden = set(session.scalars(select(Comment.id).where(
        Comment.id.in_([i.comment_id for i in items if i.published and i.source == "flags"] or [0]),
        Comment.status == CommentStatus.PENDING.value)))
    return {"flag_counts": flags, "campaign_sizes": sizes, "comment_languages": languages,
            "hidden_comments": hidden}


def open_items(session: DbSession, item_ids: list[int], viewer_id: int, is_admin: bool) -> list[QueueItem]:
    """The open items among these that a viewer moderates, in the order given (a bulk decision's list)."""
    if not item_ids:
        return []
    scope = None if is_admin else service.moderated_consultations(session, viewer_id)
    query = select(QueueItem).where(QueueItem.id.in_(item_ids[:500]), QueueItem.state.in_(OPEN_STATES))
    if scope is not None:
        query = query.where(QueueItem.consultation_id.in_(scope))
    found = {item.id: item for item in session.scalars(query)}
    return [found[i] for i in dict.fromkeys(item_ids) if i in found]
