"""Tables owned by accounts: signed-in sessions, and failed sign-ins and mail requests kept for
throttling."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from consult.models import utcnow
from moderation.db import Base


class LoginAttempt(Base):
    """One failed sign-in, by email and by IP address.

    Kept in the database (not in process memory) because several processes and hosts serve
    the app; rows older than the throttling window are pruned as new ones arrive.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_created", "email", "created_at"),
        Index("ix_login_attempts_ip_created", "ip", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The normalised email as typed, whether or not an account exists for it.
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class MailRequest(Base):
    """One request that sends mail to an address (a password reset, a new confirmation link).

    Counted per typed address and per IP so that nobody can have the site mail an address over
    and over; pruned as new ones arrive, like failed sign-ins.
    """

    __tablename__ = "mail_requests"
    __table_args__ = (
        Index("ix_mail_requests_kind_email_created", "kind", "email", "created_at"),
        Index("ix_mail_requests_ip_created", "ip", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "reset" or "confirm"
    # The normalised email as typed, whether or not an account exists for it.
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserSession(Base):
    """One signed-in browser: the server-side record its session cookie points at.

    The cookie holds a random key; only its SHA-256 is stored, so a copy of the database does
    not give working cookies. Signing out deletes the row, so a copied cookie stops working
    (the cookie itself cannot be taken back). Stored in the database, not in process memory,
    because several processes and hosts serve the app.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
