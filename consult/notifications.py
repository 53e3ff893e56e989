"""Telling participants what happened: a notification row in the same transaction as the
change, then mail sent once the transaction has committed (so a rolled-back change is never
announced). Unsent mail is retried by `consult send-mail` or the next request that notifies."""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.extensions import db
from consult.mail import MailError, send_mail
from consult.models import Notification, User, utcnow


def notify(session: Session, user_id: int, kind: str, subject: str, body: str,
           link: str = "", comment_id: int | None = None) -> Notification:
    """Record a notification for a user; mail follows after commit."""
    note = Notification(user_id=user_id, kind=kind, subject=subject[:200], body=body,
                        link=link, comment_id=comment_id)
    session.add(note)
    g.notifications_pending = True
    return note


def deliver_pending(session: Session, limit: int = 200) -> int:
    """Mail unsent notifications (committed ones only); returns how many were sent."""
    sent = 0
    rows = session.execute(
        select(Notification, User).join(User, User.id == Notification.user_id)
        .where(Notification.mailed_at.is_(None)).order_by(Notification.id).limit(limit)
    ).all()
    for note, user in rows:
        if user.deleted_at is None:
            body = note.body + (f"\n\n{note.link}" if note.link else "")
            try:
                send_mail(user.email, note.subject, body)
            except MailError as exc:
                current_app.logger.warning("mail to user %s not sent: %s", user.id, exc)
                break
        note.mailed_at = utcnow()
        sent += 1
    session.commit()
    return sent


def for_comment(session: Session, comment_ids: list[int]) -> dict[int, list[Notification]]:
    """Notifications about these comments, newest first, grouped by comment."""
    grouped: dict[int, list[Notification]] = {}
    if comment_ids:
        for note in session.scalars(select(Notification).where(
                Notification.comment_id.in_(comment_ids)).order_by(Notification.id.desc())):
            grouped.setdefault(note.comment_id, []).append(note)
    return grouped


def init_app(app: Flask) -> None:
    """Send the mail for notifications once the request's transaction has committed."""

    @app.after_request
    def _deliver(response):
        if g.pop("notifications_pending", False) and response.status_code < 400:
            try:
                deliver_pending(db.session)
            except Exception:  # noqa: BLE001 - mail must never break the page; retried later
                db.session.rollback()
                app.logger.exception("delivering notifications failed; will retry")
        return response
