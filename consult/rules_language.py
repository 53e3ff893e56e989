"""The house rules in the reader's language: the default rules have a translation
(moderation/house_rules.<lang>.md, same anchors); a version an administrator wrote is shown as written.

Moderation keeps the stored versions and finds a translation of the default text
(`moderation.service.default_rules_in`); which language to ask for is chosen here, from the request.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from consult.i18n import DEFAULT_LANGUAGE, current_language, gettext
from moderation import service
from moderation.db import DbSession
from moderation.models import HouseRulesVersion

# The language the default rules and any rules an administrator writes are assumed to be written in.
RULES_LANGUAGE = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class ShownRules:
    """A rules version as the reader sees it: its rules (same anchors), HTML, title and language."""

    rules: list[dict]  # each with "lang": the language its title is in
    html: str
    title: str
    language: str  # the language of the text shown (for lang= when it differs from the page's)


def shown_rules(version: HouseRulesVersion) -> ShownRules:
    """The version in the reader's language when it is the default text and a translation exists."""
    language = current_language()
    translated = service.default_rules_in(version, language) if language != RULES_LANGUAGE else None
    if translated is None:
        return ShownRules([{**rule, "lang": RULES_LANGUAGE} for rule in version.rules], version.html,
                          service.rules_title(version), RULES_LANGUAGE)
    return ShownRules([{**rule, "lang": language} for rule in translated.rules], translated.html,
                      translated.title or service.rules_title(version), language)


def reader_rules(version: HouseRulesVersion) -> dict[str, dict]:
    """The version's rules by anchor, titled in the reader's language where the default text is translated."""
    return {rule["anchor"]: rule for rule in shown_rules(version).rules}


def reader_label(rule: dict) -> str:
    """'rule 3 (No abuse, …)' in the reader's language: the word translated, the title as shown."""
    label = service.rule_label(rule)
    return gettext("rule %(rule)s", rule=label[len("rule "):]) if label.startswith("rule ") else label


def in_force(session: DbSession) -> ShownRules:
    """The house rules in force, in the reader's language where the default text is translated."""
    return shown_rules(service.rules_in_force(session))


def reader_every_rule(session: DbSession) -> dict[str, dict]:
    """Every rule any version has had (`service.every_rule`), the rules in force titled in the
    reader's language where the default text is translated; older titles as they were written."""
    shown = reader_rules(service.rules_in_force(session))
    return {anchor: {**rule, "title": shown[anchor]["title"], "lang": shown[anchor]["lang"]}
            if rule["current"] and anchor in shown else {**rule, "lang": RULES_LANGUAGE}
            for anchor, rule in service.every_rule(session).items()}


def rule_name(rule: dict) -> Markup:
    """`reader_label` for a page: the rule's title marked with its language (lang=) when it is not
    the page's, as for the rules an administrator wrote, shown as written."""
    language = rule.get("lang") or RULES_LANGUAGE
    label = service.rule_label(rule)
    if not label.startswith("rule "):
        return escape(label)
    rest = label[len("rule "):]
    number, opened, title = rest.partition(" (")
    if language == current_language() or not opened:
        return escape(gettext("rule %(rule)s", rule=rest))
    marked = Markup('%s (<span lang="%s">%s</span>)') % (number, language, title.removesuffix(")"))
    # The word translated (the catalogue's text, not a reader's), its rule inserted escaped.
    return Markup(gettext("rule %(rule)s")) % {"rule": marked}
