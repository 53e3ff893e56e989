"""The document part of a consultation page, rendered once per version and reused.

A version's paragraphs never change, so their HTML (thousands of blocks for a large document)
is rendered once per process and kept; only each paragraph's comment count is filled in per
request, into a marker the cached HTML carries.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import render_template, request
from markupsafe import Markup, escape

_MARK = re.compile(r"\x02([a-z0-9-]+)\x03")
_CACHE: OrderedDict[tuple, tuple[str, dict[str, str]]] = OrderedDict()
_LOCK = threading.Lock()
CACHE_SIZE = 8


def document_html(consultation, version, *, latest: bool, is_open: bool,
                  load_paragraphs: Callable[[], list], counts: dict[str | None, int]) -> Markup:
    """The contents and paragraphs of a version, with today's comment counts."""
    # created_at as well as the id: a database recreated (tests, a reset demo) reuses ids.
    key = (version.id, version.created_at, consultation.slug, latest, is_open, request.script_root)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
    if cached is None:
        paragraphs = load_paragraphs()
        html = render_template(
            "consult/_document.html", consultation=consultation, version=version,
            paragraphs=paragraphs, headings=[p for p in paragraphs if p.kind == "heading"],
            latest=latest, is_open=is_open,
            count_slot=lambda anchor: Markup(f"\x02{anchor}\x03"))
        numbers = {p.anchor: p.number for p in paragraphs}
        cached = (html, numbers)
        with _LOCK:
            _CACHE[key] = cached
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
    html, numbers = cached

    def count(match: re.Match) -> str:
        anchor = match.group(1)
        n = counts.get(anchor, 0)
        if not n:
            return ""
        url = f"{request.script_root}/c/{consultation.slug}/p/{anchor}#comments-heading"
        return (f'<a class="comment-count" href="{escape(url)}">{n} comment{"s" if n != 1 else ""}'
                f'<span class="visually-hidden"> on {escape(numbers.get(anchor, ""))}</span></a>')

    return Markup(_MARK.sub(count, html))
