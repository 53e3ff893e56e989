"""The audit trail read with filters: by consultation, by who acted, by action (and a decision's
outcome), by rule cited and by date, newest first, a page at a time (keyset on the entry id)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.sql import Select

from moderation.db import DbSession
from moderation.models import AuditEntry

AUTOMATIC = 0  # the actor filter's value for entries no person made (screening, readers' reports hiding)


@dataclass(frozen=True)
class TrailFilters:
    """What the trail is narrowed to; None everywhere is the whole trail.

    `action` is an audit action ("decided", "sanction", ...); `outcomes` narrows decisions to
    those outcomes. `since` is inclusive and `until` exclusive, both naive UTC like the entries.
    """

    consultation_id: int | None = None
    actor_id: int | None = None  # AUTOMATIC: entries without an actor
    action: str | None = None
    outcomes: tuple[str, ...] = ()
    rule: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _query(filters: TrailFilters) -> Select:
    query = select(AuditEntry)
    if filters.consultation_id is not None:
        query = query.where(AuditEntry.consultation_id == filters.consultation_id)
    if filters.actor_id == AUTOMATIC:
        query = query.where(AuditEntry.actor_id.is_(None))
    elif filters.actor_id is not None:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    detail = cast(AuditEntry.detail, String)
    # The JSON is narrowed in SQL by the quoted value, then checked exactly (cites, below).
    if filters.outcomes:
        query = query.where(or_(*(detail.like(_like(f'"{o}"'), escape="\\") for o in filters.outcomes)))
    if filters.rule:
        query = query.where(detail.like(_like(f'"{filters.rule}"'), escape="\\"))
    if filters.since is not None:
        query = query.where(AuditEntry.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEntry.created_at < filters.until)
    return query


def matches(entry: AuditEntry, filters: TrailFilters) -> bool:
    """True when an entry's details have the outcome and cite the rule the filters ask for."""
    detail = entry.detail or {}
    if filters.outcomes and detail.get("outcome") not in filters.outcomes:
        return False
    if filters.rule:
        cited = detail.get("rules") or []
        if filters.rule not in (cited if isinstance(cited, list) else [cited]) \
                and detail.get("rule") != filters.rule:
            return False
    return True


def trail_count(session: DbSession, filters: TrailFilters) -> int:
    """How many entries the filters select (counted in SQL, so a note that happens to be exactly a
    rule's anchor in quotes is counted too: a page then shows one entry fewer)."""
    return session.scalar(select(func.count()).select_from(_query(filters).subquery())) or 0


def trail_page(session: DbSession, filters: TrailFilters, before: int | None = None,
               limit: int = 50) -> tuple[list[AuditEntry], int | None]:
    """One page of the filtered trail, newest first: (entries, cursor of the next page)."""
    query = _query(filters).order_by(AuditEntry.id.desc())
    found: list[AuditEntry] = []
    while True:
        batch_query = query.where(AuditEntry.id < before) if before is not None else query
        batch = list(session.scalars(batch_query.limit(limit + 1)))
        for entry in batch:
            if matches(entry, filters):
                found.append(entry)
                if len(found) > limit:
                    page = found[:limit]
                    return page, page[-1].id
        if len(batch) <= limit:
            return found, None
        before = batch[-1].id


def trail_batches(session: DbSession, filters: TrailFilters, batch: int = 500,
                  most: int = 100_000) -> Iterator[list[AuditEntry]]:
    """Every entry the filters select, newest first, in batches (for the CSV), at most `most`."""
    before, sent = None, 0
    while sent < most:
        entries, before = trail_page(session, filters, before, min(batch, most - sent))
        if entries:
            yield entries
        sent += len(entries)
        if before is None:
            return
