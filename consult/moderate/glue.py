"""Listeners that carry moderation decisions to comments and tell their authors.

moderation/ never imports consult/; it sends signals (moderation.signals) inside the
transaction, and these receivers update the comment in the same session.
"""
from __future__ import annotations

from flask import Flask, url_for

import documents
from consult.models import Comment, CommentStatus, utcnow
from consult.notifications import notify
from moderation import signals
from moderation.models import APPROVE, ESCALATE, REDACT
from moderation.service import current_rules


def describe_rules(session, anchors: list[str]) -> str:
    """'rule 2 (Do not share personal information)' for the cited rule anchors."""
    rules = {r["anchor"]: r for r in current_rules(session).rules}
    parts = [f"rule {rules[a]['number']} ({rules[a]['title'].split('. ', 1)[-1]})"
             for a in anchors if a in rules]
    return " and ".join(parts) or "the house rules"


def rule_links(session, anchors: list[str]) -> str:
    """Links to the cited rules, one per line, for mail."""
    return "\n".join(url_for("moderation.rules", _external=True) + f"#{a}" for a in anchors)


def on_decided(sender, session, item, decision) -> None:
    """Apply a decision to the comment and tell its author."""
    if decision.outcome == ESCALATE:
        return
    comment = session.get(Comment, item.comment_id)
    now = utcnow()
    was_public = comment.published_at is not None
    cited = describe_rules(session, decision.rules)
    if decision.outcome == APPROVE:
        if item.source == "appeal" and comment.body != item.text:
            # An overturned redaction: the author's own words are published again.
            comment.body = item.text
            comment.body_html = documents.render_comment(item.text)
        comment.status = CommentStatus.PUBLISHED.value
        comment.published_at = comment.published_at or now
        comment.status_reason = None
        summary = "was approved and is published"
    elif decision.outcome == REDACT:
        comment.body = decision.redacted_text
        comment.body_html = documents.render_comment(decision.redacted_text)
        comment.status = CommentStatus.PUBLISHED.value
        comment.published_at = comment.published_at or now
        comment.status_reason = f"Some words were removed by a moderator under {cited}."
        summary = f"is published with some words removed under {cited}"
    elif was_public:
        comment.status = CommentStatus.REMOVED.value
        comment.status_reason = f"Removed by a moderator under {cited}."
        summary = f"was removed under {cited}"
    else:
        comment.status = CommentStatus.REJECTED.value
        comment.status_reason = f"Not published under {cited}."
        summary = f"was not published under {cited}"
    comment.revision += 1
    automatic = (" Our automatic screening first held it for a moderator to check."
                 if decision.automatic else "")
    appeal = ""
    if decision.outcome != APPROVE:
        appeal = ("\n\nIf you think this decision is wrong you can appeal within 30 days: "
                  f"{url_for('moderation.appeal', decision_id=decision.id, _external=True)}\n"
                  "A different moderator will look at it.")
    note = f"\n\nThe moderator's note: {decision.note}" if decision.note else ""
    rules = f"\n\nThe house rules: \n{rule_links(session, decision.rules)}" if decision.rules else ""
    notify(session, comment.author_id, "decision",
           f"Your comment {summary}",
           f"Your comment on “{comment.consultation.title}” {summary}.{automatic}{note}{rules}{appeal}",
           link=url_for("comments.mine", _external=True) + f"#comment-{comment.id}",
           comment_id=comment.id)


def on_hidden(sender, session, item) -> None:
    """Readers' flags reached the threshold: hide the comment until a moderator decides."""
    comment = session.get(Comment, item.comment_id)
    comment.status = CommentStatus.PENDING.value
    comment.status_reason = "Hidden while a moderator reviews reports from readers."
    comment.revision += 1


def init_app(app: Flask) -> None:
    """Connect the receivers (weakly held by blinker, so keep module-level functions)."""
    signals.decided.connect(on_decided)
    signals.hidden.connect(on_hidden)
