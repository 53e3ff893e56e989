"""Markdown documents as addressable paragraphs: parsing, sanitising, versions and diffs."""
from .anchors import carry_anchors
from .diff import diff
from .errors import LIMITS, DocumentError
from .htmltree import html_text
from .model import Diff, Document, Paragraph
from .parse import decode, heading_words, parse, parse_files
from .render import render_comment, sanitize_document_html

__all__ = [
    "LIMITS", "Diff", "Document", "DocumentError", "Paragraph", "carry_anchors", "decode", "diff",
    "heading_words", "html_text", "parse", "parse_files", "render_comment", "sanitize_document_html",
]
