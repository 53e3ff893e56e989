"""Everything the site holds about one person, as they may download it from their account
(the right of access): the account, every comment they wrote (any status, with its earlier
texts), what moderators decided on them and told them, their reports and appeals, the measures
placed on them, and the messages sent to them.

Moderators' private notes on a queue item are the site's working papers and are not included;
what a moderator wrote to the author (a decision's note) is.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from consult.models import Comment, CommentEdit, Consultation, DocumentVersion, Notification, User
from consult.text import iso
from moderation.db import DbSession
from moderation.models import ESCALATE, Appeal, Decision, Flag, Sanction

FORMAT = "consult-personal-data/1"


def _rows(session: DbSession, statement) -> list[Any]:
    return list(session.execute(statement))


def personal_data(session: DbSession, user_id: int, now: datetime) -> dict[str, Any]:
    """The person's data as one JSON-ready dict (dates in UTC, ISO 8601)."""
    user = session.get(User, user_id)
    assert user is not None
    comments = _rows(session, select(Comment, Consultation.slug, Consultation.title, DocumentVersion.number)
                     .join(Consultation, Consultation.id == Comment.consultation_id)
                     .join(DocumentVersion, DocumentVersion.id == Comment.version_id)
                     .where(Comment.author_id == user_id).order_by(Comment.id))
    ids = [c.id for c, *_ in comments]
    edits: dict[int, list[dict[str, Any]]] = {}
    decisions: dict[int, list[dict[str, Any]]] = {}
    if ids:
        for edit in session.scalars(select(CommentEdit).where(CommentEdit.comment_id.in_(ids))
                                    .order_by(CommentEdit.id)):
            edits.setdefault(edit.comment_id, []).append(
                {"text_before": edit.previous_body, "edited_at": iso(edit.edited_at)})
        for d in session.scalars(select(Decision).where(Decision.comment_id.in_(ids)).order_by(Decision.id)):
            decisions.setdefault(d.comment_id, []).append({
                "id": d.id, "outcome": d.outcome, "rules_cited": list(d.rules or []),
                # An escalation's note is to the official, never sent to the author.
                "house_rules_version": d.rules_version,
                "note_to_author": "" if d.outcome == ESCALATE else d.note or "",
                "automatic_screening": d.automatic, "decided_at": iso(d.created_at)})
    return {
        "format": FORMAT,
        "exported_at": iso(now),
        "account": {"email": user.email, "display_name": user.display_name, "role": user.role,
                    "language": user.language, "created_at": iso(user.created_at),
                    "email_confirmed_at": iso(user.email_confirmed_at)},
        "comments": [{
            "id": c.id, "consultation": slug, "consultation_title": title, "version": number,
            "paragraph": c.paragraph_number, "anchor": c.anchor, "paragraph_text": c.paragraph_text,
            "reply_to": c.parent_id, "text": c.body, "language": c.language, "stance": c.stance,
            "respondent_type": c.respondent_type, "organisation": c.organisation,
            "name_shown": c.show_name, "status": c.status, "status_reason": c.status_reason,
            "received_at": iso(c.created_at), "published_at": iso(c.published_at),
            "edited_at": iso(c.edited_at), "withdrawn_at": iso(c.withdrawn_at),
            "earlier_texts": edits.get(c.id, []), "decisions": decisions.get(c.id, []),
        } for c, slug, title, number in comments],
        "reports_made": [{"comment": f.comment_id, "rule": f.rule, "note": f.note, "made_at": iso(f.created_at)}
                         for f in session.scalars(select(Flag).where(Flag.user_id == user_id).order_by(Flag.id))],
        "appeals": [{"decision": a.decision_id, "reason": a.reason, "outcome": a.outcome,
                     "made_at": iso(a.created_at), "decided_at": iso(a.decided_at)}
                    for a in session.scalars(select(Appeal).where(Appeal.author_id == user_id).order_by(Appeal.id))],
        "measures": [{"kind": s.kind, "reason": s.reason, "from": iso(s.starts_at), "until": iso(s.ends_at),
                      "lifted_at": iso(s.revoked_at), "lifted_because": s.revoke_reason}
                     for s in session.scalars(select(Sanction).where(Sanction.user_id == user_id)
                                              .order_by(Sanction.id))],
        "messages": [{"kind": n.kind, "subject": n.subject, "text": n.body, "link": n.link,
                      "written_at": iso(n.created_at), "mailed_at": iso(n.mailed_at)}
                     for n in session.scalars(select(Notification).where(Notification.user_id == user_id)
                                              .order_by(Notification.id))],
    }
