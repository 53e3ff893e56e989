"""Listeners that carry moderation decisions to comments and tell their authors (and tell users
placed under a measure).

moderation/ never imports consult/; it sends signals (moderation.signals) inside the
transaction, and these receivers update the comment in the same session.

The receivers are connected when this module is imported (create_app imports it), so a worker,
the CLI or a script that calls moderation.service gets them too: `import consult.moderate.glue`
(or create the app once). They need no request and no app context: the notifications they
record link to site-relative paths, made absolute when the mail is delivered, and the times
they state are in the site's zone (SITE_TIMEZONE, set by init_app from the app's configuration;
the environment's, or Europe/London, before any app is created).
"""
from __future__ import annotations

import os
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

import documents
from consult.models import Comment, CommentStatus, utcnow
from consult.notifications import notify, site_path
from consult.web import site_zone
from moderation import signals
from moderation.models import APPROVE, ESCALATE, REDACT, HouseRulesVersion
from moderation.service import current_rules, rule_label, shown_time

# The zone mail states times in; init_app sets the app's (the pages show times in it too).
_zone = {"site": ZoneInfo(os.environ.get("SITE_TIMEZONE") or "Europe/London")}


def site_day_end(day: date) -> datetime:
    """23:59 of a day in the site's time zone, as the (naive UTC) time stored: a measure's last day."""
    end = datetime.combine(day, time(23, 59), tzinfo=site_zone())
    return end.astimezone(UTC).replace(tzinfo=None)


def _rules_version(session, number: int | None) -> HouseRulesVersion:
    """The rules version a decision cited (the one in force when it has none on record)."""
    if number is not None:
        version = session.scalar(select(HouseRulesVersion).where(HouseRulesVersion.number == number))
        if version is not None:
            return version
    return current_rules(session)


def describe_rules(session, anchors: list[str], version_number: int | None = None) -> str:
    """'rule 2 (Do not share personal information)' for the cited rule anchors, in the version cited."""
    rules = {r["anchor"]: r for r in _rules_version(session, version_number).rules}
    parts = [rule_label(rules[a]) for a in anchors if a in rules]
    return " and ".join(parts) or "the house rules"


def rule_links(session, anchors: list[str], version_number: int | None = None) -> str:
    """Links to the cited rules in the version cited, one per line, for mail (as the pages link them)."""
    base = site_path("moderation.rules", version=version_number)
    return "\n".join(f"{base}#{a}" for a in anchors)


def on_decided(sender, session, item, decision) -> None:
    """Apply a decision to the comment and tell its author."""
    if decision.outcome == ESCALATE:
        return
    comment = session.get(Comment, item.comment_id)
    now = utcnow()
    was_public = comment.published_at is not None
    cited = describe_rules(session, decision.rules, decision.rules_version)
    on_appeal = item.source == "appeal"
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
    if on_appeal:
        automatic = ""  # the screening held the comment the first time; this is the appeal
        appeal = ("\n\nThis is the outcome of your appeal: a moderator who had not decided on your "
                  "comment before looked at it again. The outcome of an appeal is final, so this "
                  "decision cannot be appealed.")
    elif decision.outcome != APPROVE:
        appeal = ("\n\nIf you think this decision is wrong you can appeal within 30 days: "
                  f"{site_path('moderation.appeal', decision_id=decision.id)}\n"
                  "A different moderator will look at it.")
    note = f"\n\nThe moderator's note: {decision.note}" if decision.note else ""
    version = f" (version {decision.rules_version})" if decision.rules_version else ""
    rules = (f"\n\nThe house rules{version}:\n"
             f"{rule_links(session, decision.rules, decision.rules_version)}" if decision.rules else "")
    subject = f"The outcome of your appeal: your comment {summary}" if on_appeal else f"Your comment {summary}"
    opening = "After your appeal, your comment" if on_appeal else "Your comment"
    notify(session, comment.author_id, "decision", subject,
           f"{opening} on “{comment.consultation.title}” {summary}.{automatic}{note}{rules}{appeal}",
           link=site_path("comments.mine", anchor=f"comment-{comment.id}"),
           comment_id=comment.id)


# What a user is told when placed under a measure: (subject, first sentence).
MEASURE_MAIL = {
    "premoderate": ("Your comments will be checked before they are published",
                    "A moderator has placed your account on pre-moderation: from now on a moderator "
                    "checks each of your comments before it is published."),
    "suspend": ("Your account is suspended from posting comments",
                "A moderator has suspended your account from posting comments."),
    "ban": ("Your account may no longer post comments",
            "A moderator has banned your account from posting comments."),
}


def on_sanctioned(sender, session, sanction) -> None:
    """Tell a user placed under a measure what it is, why, and when it ends."""
    subject, opening = MEASURE_MAIL[sanction.kind]
    if sanction.ends_at:
        zone = _zone["site"]  # the zone the pages show the same time in
        subject += f" until {shown_time(sanction.ends_at, zone, '%-d %B %Y')}"
        ends = f"It ends on {shown_time(sanction.ends_at, zone, '%-d %B %Y at %H:%M')}, {zone.key} time."
    else:
        ends = "It has no end date: it lasts until a moderator lifts it."
    notify(session, sanction.user_id, "sanction", subject,
           f"{opening}\n\nThe reason: {sanction.reason}\n\n{ends}\n\n"
           "You can still read every consultation and your own comments. The house rules: "
           f"{site_path('moderation.rules')}",
           link=site_path("accounts.account"))


def on_hidden(sender, session, item) -> None:
    """Readers' flags reached the threshold: hide the comment until a moderator decides."""
    comment = session.get(Comment, item.comment_id)
    comment.status = CommentStatus.PENDING.value
    comment.status_reason = "Hidden while a moderator reviews reports from readers."
    comment.revision += 1


def connect() -> None:
    """Connect the receivers (weakly held by blinker, so keep module-level functions); idempotent."""
    signals.decided.connect(on_decided)
    signals.hidden.connect(on_hidden)
    signals.sanctioned.connect(on_sanctioned)


def init_app(app: Flask) -> None:
    """Take the site's time zone from the app's configuration; the receivers are connected."""
    _zone["site"] = ZoneInfo(app.config["SITE_TIMEZONE"])
    connect()


connect()
