"""The response area's operations, one import for its callers (views, the comments pages, the
demo, tests): analysis, themes and counting, "considered", the public lists, the response.

The rules live in the modules named below, split along what they do; this module only
re-exports their public names so `from consult.responses import service` keeps working.
"""
from __future__ import annotations

from consult.responses.common import (
    PUBLISHED, MAX_TEXT, ResponseError, clean_text, get_response, is_published,
    published_response, public_response,
)
from consult.responses.analysis import (
    Analysis, analyse, AnalysisPage, WHOLE, analysis_page, timeline_svg, comments_on,
)
from consult.responses.themes import (
    themes_of, ensure_counts_open, create_theme, get_theme, update_theme, paragraph_options,
    known_anchors, link_paragraphs, merge_themes, merge_into, ThemeWorkspace, theme_workspace,
    anchors_of, count_under_theme, assign, unassign, theme_comments, suggestions,
    search_comments, uncounted, uncounted_total, themes_for_comments, themes_for_anchor,
)
from consult.responses.considered import (
    CONSIDERED_REASONS, EARLIER, REASON_LABELS, mark_considered, considered_label,
    ConsideredSummary, considered_summary,
)
from consult.responses.lists import (
    PER_PAGE, CommentPage, published_theme_comments, published_considered_comments,
)
from consult.responses.publication import (
    DraftValues, draft_values, save_draft, ThemeReport, report, publish, correct, corrections,
    as_markdown, counted_under_published,
)

__all__ = [
    "PUBLISHED", "MAX_TEXT", "ResponseError", "clean_text", "get_response", "is_published",
    "published_response", "public_response", "Analysis", "analyse", "AnalysisPage", "WHOLE",
    "analysis_page", "timeline_svg", "comments_on", "themes_of", "ensure_counts_open",
    "create_theme", "get_theme", "update_theme", "paragraph_options", "known_anchors",
    "link_paragraphs", "merge_themes", "merge_into", "ThemeWorkspace", "theme_workspace",
    "anchors_of", "count_under_theme", "assign", "unassign", "theme_comments",
    "suggestions", "search_comments", "uncounted", "uncounted_total", "themes_for_comments",
    "themes_for_anchor", "CONSIDERED_REASONS", "EARLIER", "REASON_LABELS",
    "mark_considered", "considered_label", "ConsideredSummary", "considered_summary",
    "PER_PAGE", "CommentPage", "published_theme_comments", "published_considered_comments",
    "DraftValues", "draft_values", "save_draft", "ThemeReport", "report", "publish",
    "correct", "corrections", "as_markdown", "counted_under_published",
]
