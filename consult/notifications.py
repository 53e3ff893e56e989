"""Telling participants what happened: a notification row in the same transaction as the
change, then mail sent once the transaction has committed (so a rolled-back change is never
announced). Unsent mail is retried by `consult send-mail` or the next request that notifies.

A notification records plain data: a kind, a subject, the body text and a link, with every
link to this site written as a site-relative path (`site_path`). Services, signal listeners,
jobs and scripts therefore record notifications without a request or an app; the absolute
addresses are made only when the mail is delivered (`deliver_pending`), from SITE_URL.
"""
from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from flask import Flask, current_app
from sqlalchemy import select

from consult.config import DEVELOPMENT_SITE_URL
from consult.extensions import db
from consult.mail import MailError, send_mail
from consult.models import Notification, User, utcnow
from moderation.db import DbSession

# The pages a notification links to, by endpoint, as site-relative paths. Services cannot call
# url_for (no app, no request); tests/test_services_without_flask.py checks every entry
# against the app's routes so the two cannot drift apart.
SITE_PATHS = {
    "accounts.account": "/account",
    "comments.mine": "/me/comments",
    "moderation.appeal": "/me/decisions/{decision_id}/appeal",
    "moderation.rules": "/house-rules",
    "responses.show": "/c/{slug}/response",
}

# A site-relative link in a notification's text: one of the paths above, standing alone
# (at the start or after white space), up to the next white space.
_FIRST_SEGMENTS = sorted({p.split("/")[1] for p in SITE_PATHS.values()}, key=len, reverse=True)
_SEGMENTS = "|".join(map(re.escape, _FIRST_SEGMENTS))
_SITE_LINK = re.compile(rf"(?<!\S)/(?:{_SEGMENTS})(?=[/?#\s]|$)\S*")

# session.info key: this session recorded a notification (see init_app).
PENDING = "consult.notifications_pending"


def site_path(endpoint: str, anchor: str = "", **values) -> str:
    """The site-relative path of a page a notification links to, like url_for without an app."""
    pattern = SITE_PATHS[endpoint]
    names = set(re.findall(r"{(\w+)}", pattern))
    path = pattern.format(**{name: quote(str(values[name]), safe="") for name in names})
    query = {k: v for k, v in values.items() if k not in names and v is not None}
    return path + (f"?{urlencode(query)}" if query else "") + (f"#{anchor}" if anchor else "")


def absolute_links(text: str, site_url: str) -> str:
    """The text with each site-relative link made absolute on the site's external address."""
    base = site_url.rstrip("/")
    return _SITE_LINK.sub(lambda m: base + m.group(0), text)


def notify(session: DbSession, user_id: int, kind: str, subject: str, body: str,
           link: str = "", comment_id: int | None = None) -> Notification:
    """Record a notification for a user (links as site-relative paths); mail follows after commit."""
    note = Notification(user_id=user_id, kind=kind, subject=subject[:200], body=body,
                        link=link, comment_id=comment_id)
    session.add(note)
    # On the session, not the request: the after-request hook reads it, and a job or script
    # that has no request delivers with `consult send-mail` (or deliver_pending) itself.
    session.info[PENDING] = True
    return note


def deliver_pending(session: DbSession, limit: int = 200) -> int:
    """Mail unsent notifications (committed ones only), links made absolute; returns how many were sent."""
    site_url = current_app.config["SITE_URL"]
    if site_url == DEVELOPMENT_SITE_URL and current_app.config.get("CONSULT_ENV") == "production":
        current_app.logger.warning("SITE_URL is not set: links in mail point to %s.", site_url)
    sent = 0
    rows = session.execute(
        select(Notification, User).join(User, User.id == Notification.user_id)
        .where(Notification.mailed_at.is_(None)).order_by(Notification.id).limit(limit)
    ).all()
    for note, user in rows:
        if user.deleted_at is None:
            body = note.body + (f"\n\n{note.link}" if note.link else "")
            try:
                send_mail(user.email, note.subject, absolute_links(body, site_url))
            except MailError as exc:
                current_app.logger.warning("mail to user %s not sent: %s", user.id, exc)
                break
        note.mailed_at = utcnow()
        sent += 1
    session.commit()
    return sent


def init_app(app: Flask) -> None:
    """Send the mail for notifications once the request's transaction has committed."""

    @app.after_request
    def _deliver(response):
        if db.session.info.pop(PENDING, False) and response.status_code < 400:
            try:
                deliver_pending(db.session)
            except Exception:  # noqa: BLE001 - mail must never break the page; retried later
                db.session.rollback()
                app.logger.exception("delivering notifications failed; will retry")
        return response
