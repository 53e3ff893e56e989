"""The audit trail's entries as sentences, in the reader's language.

"Sam (moderator) rejected comment 412 on 4.2 of ‘Garden waste’, citing rule 3: Personal attacks."
A person's role is the one they hold now. Sentences are lists of parts, (text, user id or None), so
the page can link and isolate (<bdi>) the names people chose while the CSV joins the parts. Each
sentence is one whole message with placeholders (Welsh puts the verb first and mutates after some
words), split at its placeholders to put the linked parts in. What people wrote, consultation
titles and the rules' own titles are inserted as they are stored.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from consult import rules_language
from consult.i18n import N_, gettext, pgettext
from consult.models import Comment, Consultation, User
from consult.moderate.operations import ACTION_NAMES, REASON_NAMES, ROLE_NAMES
from consult.status_words import ROLE_WORDS
from moderation import service
from moderation.db import DbSession
from moderation.models import APPROVE, ESCALATE, REDACT, REJECT, REMOVE, AuditEntry

Part = tuple[str, int | None]  # (text, the id of the user whose chosen name it is)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass
class Context:
    """What the sentences name: people and their roles, comments, consultations, rules."""

    people: dict[int, User]
    comments: dict[int, Comment]
    consultations: dict[int, Consultation]
    rules: dict[str, dict]


def context_for(session: DbSession, entries: Iterable[AuditEntry]) -> Context:
    """Everything the entries' sentences name, in one query per table."""
    entries = list(entries)
    user_ids = {e.actor_id for e in entries if e.actor_id} | {
        e.subject_id for e in entries if e.subject_type == "user" and e.subject_id}
    comment_ids = {e.subject_id for e in entries if e.subject_type == "comment" and e.subject_id}
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    comments = ({c.id: c for c in session.scalars(select(Comment).where(Comment.id.in_(comment_ids)))}
                if comment_ids else {})
    consultation_ids = {e.consultation_id for e in entries if e.consultation_id} | {
        c.consultation_id for c in comments.values()}
    consultations = ({c.id: c for c in session.scalars(
        select(Consultation).where(Consultation.id.in_(consultation_ids)))} if consultation_ids else {})
    # The rules in force titled in the reader's language where the default text is translated.
    return Context(people, comments, consultations, rules_language.reader_every_rule(session))


def say(message: str, **values: str | list[Part]) -> list[Part]:
    """The marked message in the reader's language, its placeholders filled with text or with parts."""
    parts: list[Part] = []
    at = 0
    template = gettext(message)
    for match in _PLACEHOLDER.finditer(template):
        if match.start() > at:
            parts.append((template[at:match.start()], None))
        value = values[match.group(1)]
        parts.extend(value if isinstance(value, list) else [(str(value), None)])
        at = match.end()
    if at < len(template):
        parts.append((template[at:], None))
    return parts



def _person(ctx: Context, user_id: int | None, with_role: bool = True) -> list[Part]:
    user = ctx.people.get(user_id) if user_id else None
    if user is None:
        return [(gettext("an account since removed"), None)]
    if user.deleted_at:
        return [(gettext("a former participant"), None)]
    role = pgettext("role", ROLE_NAMES.get(user.role, "Citizen")).lower()
    return [(user.display_name, user.id)] + ([(f" ({role})", None)] if with_role else [])


def rule_words(ctx: Context, anchors) -> str:
    """'rule 3: No abuse, threats or discrimination and rule 4: …' (the rules' titles as stored)."""
    anchors = anchors if isinstance(anchors, list) else [anchors]
    words = ""
    for anchor in anchors:
        rule = ctx.rules.get(anchor)
        label = service.rule_label(rule) if rule else ""
        named = re.match(r"^rule (\S+) \((.*)\)$", label)
        word = (gettext("rule %(rule)s", rule=f"{named.group(1)}: {named.group(2)}") if named
                else gettext("rule %(rule)s", rule=label[len("rule "):]) if label.startswith("rule ")
                else label or gettext("a rule since removed"))
        words = gettext("%(rules)s and %(rule)s", rules=words, rule=word) if words else word
    return words


_COMMENT_WORDS = {  # (reply?, where on the document?, in which consultation?) -> the words
    (False, "number", True): N_("comment %(id)s on %(number)s of ‘%(title)s’"),
    (False, "number", False): N_("comment %(id)s on %(number)s"),
    (False, "whole", True): N_("comment %(id)s on the whole document of ‘%(title)s’"),
    (False, "whole", False): N_("comment %(id)s on the whole document"),
    (True, "number", True): N_("reply %(id)s on %(number)s of ‘%(title)s’"),
    (True, "number", False): N_("reply %(id)s on %(number)s"),
    (True, "whole", True): N_("reply %(id)s on the whole document of ‘%(title)s’"),
    (True, "whole", False): N_("reply %(id)s on the whole document"),
    (False, None, True): N_("comment %(id)s of ‘%(title)s’"),
    (False, None, False): N_("comment %(id)s"),
}


def _comment(ctx: Context, entry: AuditEntry) -> list[Part]:
    comment = ctx.comments.get(entry.subject_id or 0)
    consultation = ctx.consultations.get(entry.consultation_id or (comment.consultation_id if comment else 0))
    title = consultation.title if consultation else ""
    if comment is None:
        key: tuple = (False, None, bool(consultation))
        number = ""
    else:
        key = (bool(comment.parent_id), "number" if comment.paragraph_number else "whole", bool(consultation))
        number = comment.paragraph_number or ""
    return say(_COMMENT_WORDS[key], id=str(comment.id if comment else entry.subject_id), number=number, title=title)


_DECIDED = {  # outcome -> (without rules, citing rules)
    APPROVE: (N_("%(who)s approved %(comment)s"), N_("%(who)s approved %(comment)s, citing %(rules)s")),
    REJECT: (N_("%(who)s rejected %(comment)s"), N_("%(who)s rejected %(comment)s, citing %(rules)s")),
    REMOVE: (N_("%(who)s removed %(comment)s"), N_("%(who)s removed %(comment)s, citing %(rules)s")),
    REDACT: (N_("%(who)s published, with words removed, %(comment)s"),
             N_("%(who)s published, with words removed, %(comment)s, citing %(rules)s")),
}
_DECIDED_OTHER = (N_("%(who)s decided on %(comment)s"), N_("%(who)s decided on %(comment)s, citing %(rules)s"))
_ON_COMMENTS = {
    "claimed": N_("%(who)s opened %(comment)s"),
    "appealed": N_("%(who)s appealed the decision on %(comment)s"),
    "flagged": N_("%(who)s reported %(comment)s"),
    "withdrawn_by_author": N_("%(who)s withdrew %(comment)s"),
    "released_after_edit": N_("%(who)s edited, and so published, %(comment)s"),
}
_APPEAL_OUTCOMES = {"upheld": N_("%(who)s decided the appeal on %(comment)s: the decision was upheld"),
                    "overturned": N_("%(who)s decided the appeal on %(comment)s: the decision was overturned")}
_MEASURES = {  # (measure, imposed?) -> the sentence
    ("premoderate", True): N_("%(who)s imposed pre-moderation on %(subject)s"),
    ("premoderate", False): N_("%(who)s lifted pre-moderation on %(subject)s"),
    ("suspend", True): N_("%(who)s imposed suspension on %(subject)s"),
    ("suspend", False): N_("%(who)s lifted suspension on %(subject)s"),
    ("ban", True): N_("%(who)s imposed ban on %(subject)s"),
    ("ban", False): N_("%(who)s lifted ban on %(subject)s"),
}
_INVITED = {"citizen": N_("%(who)s invited %(subject)s as a citizen"),
            "moderator": N_("%(who)s invited %(subject)s as a moderator"),
            "official": N_("%(who)s invited %(subject)s as an official"),
            "admin": N_("%(who)s invited %(subject)s as an admin")}
_ACCOUNT = {"invitation_resent": N_("%(who)s sent the invitation to %(subject)s again"),
            "deactivated": N_("%(who)s deactivated the account of %(subject)s"),
            "reactivated": N_("%(who)s reactivated the account of %(subject)s")}


def _reason(code: str) -> str:
    name = REASON_NAMES.get(str(code).split(":", 1)[0])
    return gettext(name) if name else str(code).replace("_", " ")


def sentence(ctx: Context, entry: AuditEntry) -> list[Part]:
    """The entry as one sentence, as a list of parts."""
    d = entry.detail or {}
    who: list[Part] = _person(ctx, entry.actor_id) if entry.actor_id else [(gettext("Automatic screening"), None)]
    action = entry.action
    subject: list[Part] = _person(ctx, entry.subject_id, with_role=False) if entry.subject_type == "user" else []
    consultation = ctx.consultations.get(entry.consultation_id or 0)
    cited = d.get("rules") or d.get("rule")

    if action == "decided":
        if d.get("outcome") == ESCALATE:
            return say(N_("%(who)s escalated %(comment)s to an official"), who=who, comment=_comment(ctx, entry))
        plain, citing = _DECIDED.get(str(d.get("outcome")), _DECIDED_OTHER)
        return say(citing if cited else plain, who=who, comment=_comment(ctx, entry),
                   rules=rule_words(ctx, cited) if cited else "")
    if action == "held":
        why = ", ".join(dict.fromkeys(_reason(code) for code in d.get("reasons") or []))
        return say(N_("Automatic screening held %(comment)s for a moderator (%(why)s)"), comment=_comment(ctx, entry),
                   why=why or gettext("pre-moderation"))
    if action == "hidden_pending_review":
        return say(N_("Readers’ reports hid %(comment)s until a moderator decides (%(flags)s reports)"),
                   comment=_comment(ctx, entry), flags=str(d.get("flags", "?")))
    if action == "flagged" and cited:
        return say(N_("%(who)s reported %(comment)s, under %(rules)s"), who=who, comment=_comment(ctx, entry),
                   rules=rule_words(ctx, cited))
    if action in _ON_COMMENTS:
        return say(_ON_COMMENTS[action], who=who, comment=_comment(ctx, entry))
    if action == "edited_in_queue":
        return say(N_("The author edited %(comment)s while it waited"), comment=_comment(ctx, entry))
    if action == "appeal_decided":
        outcome = str(d.get("outcome", ""))
        if outcome in _APPEAL_OUTCOMES:
            return say(_APPEAL_OUTCOMES[outcome], who=who, comment=_comment(ctx, entry))
        return say(N_("%(who)s decided the appeal on %(comment)s: the decision was %(outcome)s"), who=who,
                   comment=_comment(ctx, entry), outcome=outcome or gettext("reviewed"))
    if action in ("sanction", "sanction_revoked"):
        measure = _MEASURES.get((d.get("kind", ""), action == "sanction"))
        if measure is None:
            measure = (N_("%(who)s imposed a measure on %(subject)s") if action == "sanction"
                       else N_("%(who)s lifted a measure on %(subject)s"))
        return say(measure, who=who, subject=subject)
    if action == "rules_published":
        return say(N_("%(who)s published version %(number)s of the house rules"), who=who,
                   number=str(d.get("number", "?")))
    if action in ("assigned", "unassigned"):
        if consultation is None:
            message = (N_("%(who)s assigned %(subject)s to moderate a consultation since removed")
                       if action == "assigned" else N_("%(who)s took %(subject)s off a consultation since removed"))
        else:
            message = (N_("%(who)s assigned %(subject)s to moderate ‘%(title)s’") if action == "assigned"
                       else N_("%(who)s took %(subject)s off ‘%(title)s’"))
        return say(message, who=who, subject=subject, title=consultation.title if consultation else "")
    if action == "invited":
        role = str(d.get("role", "citizen"))
        if role in _INVITED:
            return say(_INVITED[role], who=who, subject=subject)
        return say(N_("%(who)s invited %(subject)s as %(role)s"), who=who, subject=subject, role=role)
    if action in _ACCOUNT:
        return say(_ACCOUNT[action], who=who, subject=subject)
    if action == "role_changed":
        def role_word(code: str) -> str:
            return gettext(ROLE_WORDS[code]) if code in ROLE_WORDS else code
        return say(N_("%(who)s changed the role of %(subject)s from %(old)s to %(new)s"), who=who, subject=subject,
                   old=role_word(str(d.get("previous_role", "?"))), new=role_word(str(d.get("role", "?"))))
    if action == "invitation_accepted":
        return say(N_("%(subject)s accepted the invitation and chose a password"), subject=subject)
    name = ACTION_NAMES.get(action)
    return say(N_("%(who)s: %(action)s"), who=who, action=gettext(name) if name else action.replace("_", " "))
