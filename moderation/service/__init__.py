"""Moderation: intake and screening, the queue, decisions, flags, appeals, sanctions, rules.

Every function takes the database session and plain values; none commits. Every change
writes an audit entry in the same transaction. Where a citizen-facing record must change (a
comment's status), a signal from moderation.signals carries the change to the application.

The parts, each its own module: common (errors, limits, the audit entry), rules (house rules),
sanctions, intake (screening what enters the queue), queue (assignments, pages, claims),
decisions, appeals (and readers' flags), figures (statistics and the audit trail). Their
public names are all importable from here, as `moderation.service.<name>`.
"""
from __future__ import annotations

from moderation.service.appeals import (
                                       APPEALABLE,
                                       AppealFacts,
                                       appeal,
                                       appeal_deciders,
                                       appeal_excluded,
                                       appeal_facts,
                                       appeal_on,
                                       appeal_refusal,
                                       can_appeal,
                                       check_appeal,
                                       comments_reported_by,
                                       flag,
                                       reported_by,
                                       reports_on,
)
from moderation.service.common import (
                                       APPEAL_DAYS,
                                       CAMPAIGN_AUTHORS,
                                       CLAIM_MINUTES,
                                       MAX_NOTE,
                                       OUTCOME_WORDS,
                                       PAGE_SIZE,
                                       SANCTION_NAMES,
                                       CitedRules,
                                       Conflict,
                                       ModerationError,
                                       Phrase,
                                       Term,
                                       audit,
                                       translate_messages_with,
)
from moderation.service.decisions import (
                                       BulkResult,
                                       DecisionRequest,
                                       author_history,
                                       campaign_items,
                                       check_bulk,
                                       decide,
                                       decide_many,
                                       decisions_for,
                                       decisions_on_author,
                                       decisions_on_comments,
                                       latest_decision,
)
from moderation.service.figures import STANDING, audit_page, statistics
from moderation.service.intake import (
                                       Intake,
                                       lifted_by_editing,
                                       release_after_edit,
                                       rescreen,
                                       take_in,
                                       text_edited,
                                       text_hash,
                                       withdrawn,
)
from moderation.service.queue import (
                                       QueueFilters,
                                       QueuePage,
                                       assign,
                                       assignments,
                                       claim,
                                       get_item,
                                       moderated_consultations,
                                       neighbours,
                                       parse_cursor,
                                       queue_page,
                                       unassign,
)
from moderation.service.rules import (
                                       DEFAULT_RULES,
                                       RULES_METADATA,
                                       RulesText,
                                       check_translation,
                                       cited_rules,
                                       current_rules,
                                       default_rules_in,
                                       default_rules_version,
                                       every_rule,
                                       parse_rules,
                                       publish_rules,
                                       rule_index,
                                       rule_label,
                                       rule_titles,
                                       rules_in_force,
                                       rules_source_in,
                                       rules_title,
                                       rules_version,
                                       rules_versions,
)
from moderation.service.sanctions import (
                                       active_sanctions,
                                       check_sanction,
                                       impose_sanction,
                                       posting_refusal,
                                       revoke_sanction,
                                       sanction_user,
                                       sanctions_of,
                                       shown_time,
)

__all__ = [
    "APPEAL_DAYS", "CAMPAIGN_AUTHORS", "CLAIM_MINUTES", "CitedRules", "Conflict", "MAX_NOTE", "Term",
    "ModerationError", "Phrase", "OUTCOME_WORDS", "PAGE_SIZE", "SANCTION_NAMES", "audit", "translate_messages_with",
    "DEFAULT_RULES", "RULES_METADATA", "RulesText", "cited_rules", "current_rules",
    "check_translation", "default_rules_in", "default_rules_version", "rules_source_in",
    "every_rule", "parse_rules", "publish_rules", "rule_index",
    "comments_reported_by", "rule_label", "rule_titles", "rules_in_force", "rules_title", "rules_version",
    "rules_versions", "active_sanctions", "check_sanction", "impose_sanction", "posting_refusal",
    "revoke_sanction", "sanction_user", "sanctions_of", "shown_time", "Intake", "lifted_by_editing",
    "release_after_edit", "rescreen", "take_in", "text_edited",
    "text_hash", "withdrawn", "QueueFilters", "QueuePage", "assign", "assignments", "claim",
    "get_item", "moderated_consultations", "neighbours", "parse_cursor", "queue_page",
    "unassign", "BulkResult", "DecisionRequest", "author_history", "campaign_items", "check_bulk", "decide",
    "decide_many", "decisions_for", "decisions_on_author", "decisions_on_comments",
    "latest_decision", "APPEALABLE", "AppealFacts", "appeal", "appeal_deciders",
    "appeal_excluded", "appeal_facts", "appeal_on", "appeal_refusal", "can_appeal",
    "check_appeal", "flag", "reported_by", "reports_on", "STANDING", "audit_page", "statistics",
]
