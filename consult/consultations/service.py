"""Consultations and their document versions: create, revise, read, compare and run them.

The work is in creation.py (the address, importing the Markdown, version 1), versions.py
(looking a consultation up, its versions and paragraphs, what changed, the next version) and
lifecycle.py (the lists, the history, publishing, closing early, extending); this module names
it all for the views, the CLI and the other areas.
"""
from __future__ import annotations

from consult.consultations.creation import (
    RESERVED_SLUGS,
    SLUG_RE,
    ConsultationPreview,
    ServiceError,
    create_consultation,
    parse_document,
    plausible_slug,
    preview_consultation,
    read_files,
    store_version,
    validate_slug,
)
from consult.consultations.lifecycle import (
    HistoryEntry,
    ManagedConsultation,
    close_early,
    extend,
    history,
    list_for_officials,
    list_public,
    publish_draft,
    record_event,
)
from consult.consultations.versions import (
    ChangeRow,
    ParagraphLocation,
    VersionPreview,
    as_document,
    compare_versions,
    current_source,
    current_version,
    get_consultation,
    get_version,
    get_with_current_version,
    locate_paragraph,
    paragraphs_of,
    place_removed,
    preview_version,
    preview_version_changes,
    publish_version,
    summarise_changes,
)

__all__ = [
    "RESERVED_SLUGS",
    "SLUG_RE",
    "ConsultationPreview",
    "ServiceError",
    "create_consultation",
    "parse_document",
    "plausible_slug",
    "preview_consultation",
    "read_files",
    "store_version",
    "validate_slug",
    "HistoryEntry",
    "ManagedConsultation",
    "close_early",
    "extend",
    "history",
    "list_for_officials",
    "list_public",
    "publish_draft",
    "record_event",
    "ChangeRow",
    "ParagraphLocation",
    "VersionPreview",
    "as_document",
    "compare_versions",
    "current_source",
    "current_version",
    "get_consultation",
    "get_version",
    "get_with_current_version",
    "locate_paragraph",
    "paragraphs_of",
    "place_removed",
    "preview_version",
    "preview_version_changes",
    "publish_version",
    "summarise_changes",
]
