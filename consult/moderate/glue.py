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
from consult.extensions import db
from consult.i18n import N_, gettext, local_time
from consult.models import Comment, CommentStatus, utcnow
from consult.notifications import in_language_of, notify, site_path
from consult.rules_language import reader_label, reader_rules
from consult.web import site_zone
from moderation import signals
from moderation.models import APPROVE, ESCALATE, REDACT, HouseRulesVersion
from moderation.service import CitedRules, Phrase, Term, current_rules, rule_label, translate_messages_with


def _translate_refusal(message: str, **params) -> str:
    """A moderation refusal (marked there with N_) in the reader's language, the outcome it names
    translated and the rules it cites named as the pages name them."""
    for key, value in params.items():
        if isinstance(value, CitedRules) and value.versions:  # each rule named from its own version
            words = ""
            for anchor, number in zip(value.anchors, value.versions, strict=True):
                word = rules_in_words(db.session, [anchor], number)
                words = gettext("%(rules)s and %(rule)s", rules=words, rule=word) if words else word
            params[key] = words
        elif isinstance(value, CitedRules):
            params[key] = rules_in_words(db.session, list(value.anchors), value.version)
        elif isinstance(value, Phrase):
            params[key] = gettext(value.message_id, **value.params)
        elif isinstance(value, Term):
            params[key] = gettext(value)
        elif isinstance(value, datetime):  # a day, in the site's zone and the reader's language
            params[key] = local_time(value, "%-d %B %Y", site_zone())
    return gettext(message, **params)


translate_messages_with(_translate_refusal)

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
    elif decision.outcome == REDACT:
        comment.body = decision.redacted_text
        comment.body_html = documents.render_comment(decision.redacted_text)
        comment.status = CommentStatus.PUBLISHED.value
        comment.published_at = comment.published_at or now
        comment.status_reason = f"Some words were removed by a moderator under {cited}."
    elif was_public:
        comment.status = CommentStatus.REMOVED.value
        comment.status_reason = f"Removed by a moderator under {cited}."
    else:
        comment.status = CommentStatus.REJECTED.value
        comment.status_reason = f"Not published under {cited}."
    comment.revision += 1
    # The comment's stored reason above stays in English, as every page reads it; the mail is
    # written in its author's language.
    with in_language_of(session, comment.author_id):
        subject, body = _decision_mail(session, comment, decision, on_appeal)
    notify(session, comment.author_id, "decision", subject, body,
           link=site_path("comments.mine", anchor=f"comment-{comment.id}"),
           comment_id=comment.id)


def rules_in_words(session, anchors: list[str], version_number: int | None) -> str:
    """'rule 2 (Do not share personal information)' in the reader's language: the word, and the
    title of the default rules where they are translated (rules an administrator wrote as written)."""
    rules = reader_rules(_rules_version(session, version_number))
    parts = [reader_label(rules[a]) if a in rules else gettext("a rule since changed") for a in anchors]
    if not parts:
        return gettext("the house rules")
    words = parts[0]
    for part in parts[1:]:
        words = gettext("%(rules)s and %(rule)s", rules=words, rule=part)
    return words


def _decision_mail(session, comment: Comment, decision, on_appeal: bool) -> tuple[str, str]:
    """The subject and body telling an author what was decided, in the language in force."""
    cited = rules_in_words(session, decision.rules, decision.rules_version)
    title = comment.consultation.title
    if decision.outcome == APPROVE:
        summary = gettext("was approved and is published")
    elif decision.outcome == REDACT:
        summary = gettext("is published with some words removed under %(rules)s", rules=cited)
    elif comment.status == CommentStatus.REMOVED.value:
        summary = gettext("was removed under %(rules)s", rules=cited)
    else:
        summary = gettext("was not published under %(rules)s", rules=cited)
    automatic = (gettext(" Our automatic screening first held it for a moderator to check.")
                 if decision.automatic and not on_appeal else "")
    appeal = ""
    if on_appeal:
        appeal = "\n\n" + gettext(
            "This is the outcome of your appeal: a moderator who had not decided on your comment before "
            "looked at it again. The outcome of an appeal is final, so this decision cannot be appealed.")
    elif decision.outcome != APPROVE:
        appeal = "\n\n" + gettext(
            "If you think this decision is wrong you can appeal within 30 days: %(link)s\n"
            "A different moderator will look at it.",
            link=site_path("moderation.appeal", decision_id=decision.id))
    note = "\n\n" + gettext("The moderator's note: %(note)s", note=decision.note) if decision.note else ""
    rules = ""
    if decision.rules:
        heading = (gettext("The house rules (version %(version)s):", version=decision.rules_version)
                   if decision.rules_version else gettext("The house rules:"))
        rules = f"\n\n{heading}\n{rule_links(session, decision.rules, decision.rules_version)}"
    if on_appeal:
        subject = gettext("The outcome of your appeal: your comment %(summary)s", summary=summary)
        opening = gettext("After your appeal, your comment on “%(title)s” %(summary)s.", title=title, summary=summary)
    else:
        subject = gettext("Your comment %(summary)s", summary=summary)
        opening = gettext("Your comment on “%(title)s” %(summary)s.", title=title, summary=summary)
    return subject, f"{opening}{automatic}{note}{rules}{appeal}"


# What a user is told when placed under a measure: (subject, first sentence).
MEASURE_MAIL = {
    "premoderate": (N_("Your comments will be checked before they are published"),
                    N_("A moderator has placed your account on pre-moderation: from now on a moderator "
                       "checks each of your comments before it is published.")),
    "suspend": (N_("Your account is suspended from posting comments"),
                N_("A moderator has suspended your account from posting comments.")),
    "ban": (N_("Your account may no longer post comments"),
            N_("A moderator has banned your account from posting comments.")),
}


def on_sanctioned(sender, session, sanction) -> None:
    """Tell a user placed under a measure what it is, why, and when it ends (in their language)."""
    with in_language_of(session, sanction.user_id):
        subject, opening = (gettext(words) for words in MEASURE_MAIL[sanction.kind])
        if sanction.ends_at:
            zone = _zone["site"]  # the zone the pages show the same time in
            subject = gettext("%(subject)s until %(date)s", subject=subject,
                              date=local_time(sanction.ends_at, "%-d %B %Y", zone))
            ends = gettext("It ends on %(date)s at %(time)s, %(zone)s time.",
                           date=local_time(sanction.ends_at, "%-d %B %Y", zone),
                           time=local_time(sanction.ends_at, "%H:%M", zone), zone=zone.key)
        else:
            ends = gettext("It has no end date: it lasts until a moderator lifts it.")
        body = "\n\n".join([
            opening, gettext("The reason: %(reason)s", reason=sanction.reason), ends,
            gettext("You can still read every consultation and your own comments. The house rules: %(link)s",
                    link=site_path("moderation.rules"))])
    notify(session, sanction.user_id, "sanction", subject, body, link=site_path("accounts.account"))


# What a user is told when a moderator lifts a measure: (subject, first sentence).
LIFTED_MAIL = {
    "premoderate": (N_("Your comments are no longer checked before they are published"),
                    N_("A moderator has taken your account off pre-moderation: your comments are "
                       "published as everyone's are.")),
    "suspend": (N_("Your account may post comments again"),
                N_("A moderator has lifted the suspension on your account: you may post comments again.")),
    "ban": (N_("Your account may post comments again"),
            N_("A moderator has lifted the ban on your account: you may post comments again.")),
}


def on_lifted(sender, session, sanction) -> None:
    """Tell a user that a measure on them was lifted, and why when the moderator said."""
    with in_language_of(session, sanction.user_id):
        subject, opening = (gettext(words) for words in LIFTED_MAIL[sanction.kind])
        parts = [opening]
        if sanction.revoke_reason:
            parts.append(gettext("The reason: %(reason)s", reason=sanction.revoke_reason))
        parts.append(gettext("The house rules: %(link)s", link=site_path("moderation.rules")))
    notify(session, sanction.user_id, "sanction", subject, "\n\n".join(parts), link=site_path("accounts.account"))


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
    signals.lifted.connect(on_lifted)


def init_app(app: Flask) -> None:
    """Take the site's time zone from the app's configuration; the receivers are connected."""
    _zone["site"] = ZoneInfo(app.config["SITE_TIMEZONE"])
    connect()


connect()
