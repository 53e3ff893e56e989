"""The house rules in the reader's language: the default rules have a translation
(moderation/house_rules.<lang>.md, same anchors); a version an administrator wrote is shown as written.

Moderation keeps the stored versions and finds a translation of the default text
(`moderation.service.default_rules_in`); which language to ask for is chosen here, from the request.
"""
from __future__ import annotations

from dataclasses import dataclass

from consult.i18n import DEFAULT_LANGUAGE, current_language, gettext
from moderation import service
from moderation.models import HouseRulesVersion

# The language the default rules and any rules an administrator writes are assumed to be written in.
RULES_LANGUAGE = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class ShownRules:
    """A rules version as the reader sees it: its rules (same anchors), HTML, title and language."""

    rules: list[dict]
    html: str
    title: str
    language: str  # the language of the text shown (for lang= when it differs from the page's)


def shown_rules(version: HouseRulesVersion) -> ShownRules:
    """The version in the reader's language when it is the default text and a translation exists."""
    language = current_language()
    translated = service.default_rules_in(version, language) if language != RULES_LANGUAGE else None
    if translated is None:
        return ShownRules(list(version.rules), version.html, service.rules_title(version), RULES_LANGUAGE)
    return ShownRules(translated.rules, translated.html, translated.title or service.rules_title(version), language)


def reader_rules(version: HouseRulesVersion) -> dict[str, dict]:
    """The version's rules by anchor, titled in the reader's language where the default text is translated."""
    return {rule["anchor"]: rule for rule in shown_rules(version).rules}


def reader_label(rule: dict) -> str:
    """'rule 3 (No abuse, …)' in the reader's language: the word translated, the title as shown."""
    label = service.rule_label(rule)
    return gettext("rule %(rule)s", rule=label[len("rule "):]) if label.startswith("rule ") else label
