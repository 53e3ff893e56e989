"""The response area's operations, one import for its callers (views, the comments pages, the
demo, tests): analysis, themes and counting, "considered", the public lists, the response.

The rules live in the modules named below, split along what they do; this module only
re-exports their public names so `from consult.responses import service` keeps working.
"""
from __future__ import annotations

from consult.responses.analysis import (
    WHOLE,
    Analysis,
    AnalysisPage,
    analyse,
    analysis_page,
    comments_on,
    timeline_svg,
)
from consult.responses.common import (
    MAX_TEXT,
    PUBLISHED,
    ResponseError,
    clean_text,
    get_response,
    is_published,
    public_response,
    published_response,
)
from consult.responses.considered import (
    CONSIDERED_REASONS,
    EARLIER,
    REASON_LABELS,
    ConsideredSummary,
    considered_summary,
    mark_considered,
)
from consult.responses.lists import (
    PER_PAGE,
    CommentPage,
    published_considered_comments,
    published_theme_comments,
)
from consult.responses.publication import (
    DraftValues,
    ThemeReport,
    as_markdown,
    correct,
    corrections,
    counted_under_published,
    draft_values,
    incomplete_themes,
    publish,
    report,
    save_draft,
)
from consult.responses.themes import (
    MergePlan,
    ThemeWorkspace,
    anchors_of,
    assign,
    changed_without_paragraph,
    count_under_theme,
    create_theme,
    ensure_counts_open,
    get_theme,
    known_anchors,
    link_paragraphs,
    merge_into,
    merge_plan,
    merge_themes,
    paragraph_options,
    search_comments,
    suggestions,
    theme_comments,
    theme_workspace,
    themes_for_anchor,
    themes_for_comments,
    themes_of,
    unassign,
    uncounted,
    uncounted_total,
    update_theme,
)
from moderation.service.queue import escalated_waiting

__all__ = [
    "changed_without_paragraph",
    "PUBLISHED", "MAX_TEXT", "ResponseError", "clean_text", "get_response", "is_published",
    "published_response", "public_response", "Analysis", "analyse", "AnalysisPage", "WHOLE",
    "analysis_page", "timeline_svg", "comments_on", "themes_of", "ensure_counts_open",
    "create_theme", "get_theme", "update_theme", "paragraph_options", "known_anchors",
    "link_paragraphs", "merge_themes", "merge_into", "MergePlan", "merge_plan", "ThemeWorkspace", "theme_workspace",
    "anchors_of", "count_under_theme", "assign", "unassign", "theme_comments",
    "suggestions", "search_comments", "uncounted", "uncounted_total", "themes_for_comments",
    "themes_for_anchor", "CONSIDERED_REASONS", "EARLIER", "REASON_LABELS",
    "mark_considered", "ConsideredSummary", "considered_summary",
    "PER_PAGE", "CommentPage", "published_theme_comments", "published_considered_comments",
    "DraftValues", "draft_values", "save_draft", "ThemeReport", "report", "publish",
    "correct", "corrections", "as_markdown", "counted_under_published",
    "escalated_waiting", "incomplete_themes",
]
