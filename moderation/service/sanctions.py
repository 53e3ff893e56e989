"""Sanctions: pre-moderation, suspensions and bans, and whether a user may post now."""
from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from sqlalchemy import bindparam, column, select, table
from sqlalchemy.orm import Session, scoped_session

from moderation import signals
from moderation.db import DbSession, utcnow
from moderation.models import SANCTION_KINDS, Sanction
from moderation.service.common import MAX_NOTE, N_, ModerationError, audit

_UNREVOKED = (select(Sanction).where(Sanction.user_id == bindparam("user"), Sanction.revoked_at.is_(None))
              .order_by(Sanction.id))  # built once: it is read for every comment posted


def _unrevoked_sanctions(session: DbSession, user_id: int) -> list[Sanction]:
    """A user's sanctions not revoked, read once per transaction (posting asks twice)."""
    plain: Session = session() if isinstance(session, scoped_session) else session
    transaction = plain.get_transaction()
    cached = plain.info.get("moderation.sanctions")
    if cached is None or cached[0] is not transaction:
        cached = plain.info["moderation.sanctions"] = (transaction, {})
    by_user: dict[int, list[Sanction]] = cached[1]
    if user_id not in by_user:
        by_user[user_id] = list(plain.scalars(_UNREVOKED, {"user": user_id}))
    return by_user[user_id]


def _forget_sanctions(session: DbSession) -> None:
    session.info.pop("moderation.sanctions", None)


def active_sanctions(session: DbSession, user_id: int, now: datetime | None = None) -> list[Sanction]:
    """The sanctions on a user in force now."""
    now = now or utcnow()
    return [s for s in _unrevoked_sanctions(session, user_id)
            if s.revoked_at is None and s.starts_at <= now and (s.ends_at is None or s.ends_at > now)]


def posting_refusal(session: DbSession, user_id: int, now: datetime | None = None,
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
    moment = value.replace(tzinfo=UTC)
    if zone is None:
        return f"{moment:{fmt}} UTC"
    return f"{moment.astimezone(zone):{fmt}}"


def check_sanction(user_id: int, kind: str, reason: str, actor_id: int, ends_at: datetime | None = None,
                   now: datetime | None = None) -> str:
    """Refuse (ModerationError) a measure the moderator may not place as given; the reason, stripped.
    Also said before a suspension or a ban is confirmed."""
    now = now or utcnow()
    if kind not in SANCTION_KINDS:
        raise ModerationError(N_("Unknown measure '%(kind)s': use pre-moderation, suspension or ban."),
                              kind=str(kind)[:40])
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError(N_("Give the reason: the user is shown it."))
    if len(reason) > MAX_NOTE:
        raise ModerationError(N_("The reason is limited to %(limit)s characters."), limit=f"{MAX_NOTE:,}")
    if kind == "suspend" and (ends_at is None or ends_at <= now):
        raise ModerationError(N_("A suspension needs an end date in the future."))
    if user_id == actor_id:
        raise ModerationError(N_("You cannot place a measure on your own account."))
    return reason


def impose_sanction(session: DbSession, user_id: int, kind: str, reason: str, actor_id: int,
                    ends_at: datetime | None = None, now: datetime | None = None,
                    sender: object = None) -> Sanction:
    """Place a user on pre-moderation, suspend them until a date, or ban them; they are told."""
    now = now or utcnow()
    reason = check_sanction(user_id, kind, reason, actor_id, ends_at, now)
    users = table("users", column("id"))
    if session.scalar(select(users.c.id).where(users.c.id == user_id)) is None:
        raise ModerationError(N_("There is no such user."), status=404)
    sanction = Sanction(user_id=user_id, kind=kind, reason=reason, starts_at=now, ends_at=ends_at,
                        created_by=actor_id)
    session.add(sanction)
    session.flush()
    _forget_sanctions(session)
    audit(session, "sanction", "user", user_id, actor_id=actor_id, kind=kind, reason=reason,
          ends_at=ends_at.isoformat() if ends_at else None, sanction_id=sanction.id)
    signals.sanctioned.send(sender, session=session, sanction=sanction)
    return sanction


def sanctions_of(session: DbSession, user_id: int) -> list[Sanction]:
    """Every measure ever placed on a user, newest first (lifted ones too)."""
    return list(session.scalars(select(Sanction).where(Sanction.user_id == user_id)
                                .order_by(Sanction.id.desc())))


def revoke_sanction(session: DbSession, sanction_id: int, actor_id: int, reason: str = "",
                    now: datetime | None = None, sender: object = None) -> Sanction:
    """Lift a measure in force, with the reason if one is given; the record stays, and the user
    is told."""
    now = now or utcnow()
    sanction = session.get(Sanction, sanction_id)
    if sanction is None or sanction.revoked_at is not None or (sanction.ends_at and sanction.ends_at <= now):
        raise ModerationError(N_("That measure is not in force."), status=404)
    reason = (reason or "").strip()
    if len(reason) > MAX_NOTE:
        raise ModerationError(N_("The reason is limited to %(limit)s characters."), limit=f"{MAX_NOTE:,}")
    sanction.revoked_at = now
    sanction.revoked_by = actor_id
    sanction.revoke_reason = reason or None
    _forget_sanctions(session)
    audit(session, "sanction_revoked", "user", sanction.user_id, actor_id=actor_id,
          sanction_id=sanction.id, kind=sanction.kind, reason=reason or None)
    signals.lifted.send(sender, session=session, sanction=sanction)
    return sanction


def sanction_user(session: DbSession, sanction_id: int) -> int:
    """The id of the user a recorded measure is on (the measure exists)."""
    sanction = session.get(Sanction, sanction_id)
    if sanction is None:
        raise ModerationError(N_("That measure is not in force."), status=404)
    return sanction.user_id
