"""The moderation blueprint and what its view modules share: who is asking, how a refusal is
shown, and links to the rules a decision cites.

One blueprint ("moderation") for every moderation page; its routes live in the *_views modules
of this package, which consult.moderate.views imports so that they are registered.
"""
from __future__ import annotations

from typing import NoReturn

from flask import Blueprint, abort, g, url_for
from flask_login import current_user

from consult import rules_language
from consult.accounts.admin_views import refuse_nul
from consult.extensions import db
from consult.moderate import operations
from moderation import service

bp = Blueprint("moderation", __name__)

bp.before_request(refuse_nul)


def viewer() -> operations.Viewer:
    """The signed-in person, as the operations take them."""
    return operations.Viewer.of(current_user)


def refuse(exc: service.ModerationError) -> NoReturn:
    """Show a refusal as an error page with its status and message."""
    abort(exc.status, description=exc.message)


def linked(rules: list[dict]) -> list[dict]:
    """Cited rules with a link to each in the version cited."""
    return [{**r, "url": url_for("moderation.rules", version=r["version"]) + f"#{r['anchor']}"}
            for r in rules]


def linked_decisions(decisions: list[tuple]) -> list[tuple]:
    """(decision, cited rules) pairs with links to the rules."""
    return [(d, linked(cited)) for d, cited in decisions]


def decisions_for_comments(comment_ids) -> dict[int, list[dict]]:
    """For "My comments": each comment's decisions, the rules they cite, and whether to offer an appeal.

    Registered as the template global ``moderation_decisions`` so templates/comments/mine.html
    can show them without consult/comments knowing about moderation's tables.
    """
    grouped = operations.decisions_for_comments(db.session, comment_ids)
    for shown in grouped.values():
        for entry in shown:
            entry["rules"] = linked(entry["rules"])
    return grouped


def removal_reason(comment) -> str:
    """A removed comment's placeholder text (templates/comments/_comment.html), in the reader's language."""
    return operations.removal_reason(db.session, comment.id)


APPEAL_PREFIX = "The author appeals: "  # how moderation/service/appeals.py stores an appeal's reason


def appeal_words(message: str | None) -> str | None:
    """The author's own words in an appeal's stored reason (shown in a translated sentence), or None."""
    return message[len(APPEAL_PREFIX):] if message and message.startswith(APPEAL_PREFIX) else None


def reported_by_viewer(comment_id: int) -> bool:
    """Whether the signed-in reader has reported this comment (their reports read once a request),
    so that a comment's page offers "Report" only to those who have not."""
    if not current_user.is_authenticated:
        return False
    if "reported_comments" not in g:
        g.reported_comments = service.comments_reported_by(db.session, current_user.id)
    return comment_id in g.reported_comments


@bp.record_once
def _register_globals(state) -> None:
    state.app.add_template_global(appeal_words, "appeal_words")
    state.app.add_template_global(removal_reason, "removal_reason")
    state.app.add_template_global(reported_by_viewer, "reported_by_viewer")
    state.app.add_template_global(decisions_for_comments, "moderation_decisions")
    state.app.add_template_global(operations.OUTCOME_NAMES, "moderation_outcomes")
    state.app.add_template_global(service.SANCTION_NAMES, "moderation_measures")
    # "rule 3 (No abuse…)": the one way pages, mail and reasons name a rule.
    state.app.add_template_global(service.rule_label, "house_rule_label")
    # The same in the reader's language, a title not in it marked with its own (lang=).
    state.app.add_template_global(rules_language.rule_name, "rule_name")
