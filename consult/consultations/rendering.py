"""The document part of a consultation page, rendered once per version and language and reused.

A version's paragraphs never change, so their HTML (thousands of blocks, over a megabyte for a
large document) is rendered once per process and reader's language (its "Comment on 4.2" links
and counts are in that language) and kept, cut at each paragraph's comment-count slot. The
counts change more often than that but far less often than the page is read, so the document
with one set of counts is joined and encoded once and the same bytes are written out for every
reader of that language until the counts change. The rest of the page (the header with the reader's
name, forms with their CSRF token) is rendered per request around it.
"""
from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, current_app, render_template, request
from markupsafe import Markup, escape

from consult.i18n import current_language, ngettext
from consult.languages.reading import Reading, reading, shown_paragraphs

CACHE_SIZE = 16  # versions x languages x open/closed
# Where the page template puts the document; random, so no text on the page can contain it.
DOCUMENT_SLOT = Markup(f"<!-- document {secrets.token_hex(8)} -->")


@dataclass
class _Document:
    """One version's rendered HTML, and its latest assembly with comment counts."""

    parts: list[str]  # HTML, anchor, HTML, anchor, ..., HTML: an anchor's count goes between
    numbers: dict[str, str]  # anchor -> paragraph number, for the counts' hidden labels
    counts: dict | None = None  # the counts `assembled` was made with (compared by identity)
    assembled: bytes = b""


_CACHE: OrderedDict[tuple, _Document] = OrderedDict()
_LOCK = threading.Lock()


def document_bytes(consultation, version, *, latest: bool, is_open: bool,
                   load_paragraphs: Callable[[], list], counts: dict[str | None, int]) -> bytes:
    """The contents and paragraphs of a version with these comment counts, as UTF-8 HTML.

    `counts` must be the shared dict from comments.service.published_counts: it stays the same
    object while the counts are unchanged, which is what lets the assembled bytes be reused.
    """
    # created_at as well as the id: a database recreated (tests, a reset demo) reuses ids. The
    # language too: the links and counts are in the reader's language, so each has its own copy.
    # And the languages the version has: a translation added to it changes what is shown.
    read = reading(version)
    key = (version.id, version.created_at, consultation.slug, latest, is_open, request.script_root,
           current_language(), tuple(read.languages))
    with _LOCK:
        document = _CACHE.get(key)
        if document is not None:
            _CACHE.move_to_end(key)
            if document.counts is counts:
                return document.assembled
    if document is None:
        document = _render(consultation, version, latest, is_open, load_paragraphs(), read)
    assembled = _assemble(document, consultation.slug, counts)
    with _LOCK:
        document.counts, document.assembled = counts, assembled
        _CACHE[key] = document
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return assembled


def _render(consultation, version, latest: bool, is_open: bool, paragraphs: list, read: Reading) -> _Document:
    slot = f"\x02{secrets.token_hex(4)}\x03"  # cannot occur in sanitised paragraph HTML
    paragraphs = shown_paragraphs(version, paragraphs, read)
    html = render_template(
        "consult/_document.html", consultation=consultation, version=version, reading=read,
        paragraphs=paragraphs, headings=[p for p in paragraphs if p.kind == "heading"],
        latest=latest, is_open=is_open, count_slot=lambda anchor: Markup(f"{slot}{anchor}{slot}"))
    return _Document(parts=html.split(slot), numbers={p.anchor: p.number for p in paragraphs})


def _assemble(document: _Document, slug: str, counts: dict[str | None, int]) -> bytes:
    base = escape(f"{request.script_root}/c/{slug}/p/")
    pieces = list(document.parts)
    for i in range(1, len(pieces), 2):
        anchor = pieces[i]
        n = counts.get(anchor, 0)
        pieces[i] = (
            f'<a class="comment-count" href="{base}{escape(anchor)}#comments-heading">'
            + ngettext('%(num)d comment<span class="visually-hidden"> on %(number)s</span>',
                       '%(num)d comments<span class="visually-hidden"> on %(number)s</span>',
                       n, number=escape(document.numbers.get(anchor, "")))
            + '</a>') if n else ""
    return "".join(pieces).encode()


def page_response(page: str, document: bytes) -> Response:
    """The page rendered around DOCUMENT_SLOT, with the document's bytes written in its place."""
    head, found, tail = page.partition(DOCUMENT_SLOT)
    if not found:
        raise ValueError("the page template has no DOCUMENT_SLOT")
    # A list of byte strings is written out piece by piece: the document is never copied.
    return current_app.response_class([head.encode(), document, tail.encode()],
                                      mimetype="text/html")
