"""Markdown and HTML rendering and sanitising: the only module that imports markdown-it-py and bleach.

Either library can be swapped here. This module holds the markdown-it set-ups (documents:
CommonMark with raw HTML, tables and attribute lists; comments: `js-default`, no raw HTML), the
bleach allowlists and cleaners, `render_comment` and `sanitize_document_html`. The other
modules use markdown-it only through `parse_markdown` and `render_tokens` (and the `Token`
type named here): blocks.py walks the tokens into citable blocks, htmltree.py reads raw HTML
with the standard library, parse.py numbers and anchors the blocks.
"""
from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterator, Sequence
from typing import Any

import bleach
from bleach.html5lib_shim import Filter
from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .errors import LIMITS
from .htmltree import check_html_depth

__all__ = ["ID_PREFIX", "Token", "parse_markdown", "render_comment", "render_tokens",
           "sanitize_document_html", "shows_missing_image"]

ID_PREFIX = "src-"

# --------------------------------------------------------------------------- URLs


_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
# Browsers ignore ASCII whitespace and control characters inside a scheme ("jav\tascript:").
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")


def _url_allowed(url: str, *, relative: bool) -> bool:
    raw = htmllib.unescape(url).strip()
    if "{" in raw or "}" in raw or any(c.isspace() for c in raw):
        return False  # template placeholders ({{ site.baseurl }}) and broken URLs lead nowhere
    probe = _URL_NOISE.sub("", raw)
    match = _SCHEME.match(probe)
    if match is None:
        return relative
    return match.group(1).lower() in {"http", "https", "mailto"}


def _document_link_ok(url: str) -> bool:
    return _url_allowed(url, relative=True)


def _comment_link_ok(url: str) -> bool:
    return _url_allowed(url, relative=False)


# --------------------------------------------------------------------------- bleach

DOCUMENT_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s",
    "samp", "section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul", "var",
})
DOCUMENT_ATTRIBUTES: dict[str, list[str]] = {
    "*": ["id", "title", "lang", "dir"],
    "a": ["href", "title", "id"],
    "img": ["src", "alt", "title", "width", "height", "loading"],
    "ol": ["type", "start", "reversed"],
    "ul": [],
    "li": ["value"],
    "td": ["colspan", "rowspan", "align"],
    "th": ["colspan", "rowspan", "align", "scope"],
    "col": ["span"],
    "colgroup": ["span"],
    "q": ["cite"],
    "blockquote": ["cite"],
}
PROTOCOLS = frozenset({"http", "https", "mailto"})
COMMENT_TAGS = frozenset({"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a"})
COMMENT_ATTRIBUTES = {"a": ["href", "rel"]}
COMMENT_REL = "nofollow ugc noopener"


class _PrefixIds(Filter):
    """Prefix source ids and the fragment links that point at them, so they cannot collide
    with paragraph anchors; idempotent so re-sanitising stored HTML changes nothing."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for token in Filter.__iter__(self):
            if token["type"] in ("StartTag", "EmptyTag") and token["data"]:
                data = token["data"]
                src = data.get((None, "src"))
                if token["name"] == "img" and src is not None and not _url_allowed(src, relative=True):
                    # An image we cannot show (e.g. a Jekyll "{{ site.baseurl }}" path): say what
                    # it was instead of requesting a broken address.
                    label = data.get((None, "alt")) or data.get((None, "title")) or ""
                    yield from _missing_image_tokens(label, src)
                    continue
                href = data.get((None, "href"))
                if href is not None and not _url_allowed(href, relative=True):
                    del data[(None, "href")]
                for key in ((None, "id"),):
                    value = data.get(key)
                    if value is not None:
                        data[key] = _prefixed(value)
                href = data.get((None, "href"))
                if href is not None and href.startswith("#") and len(href) > 1:
                    data[(None, "href")] = "#" + _prefixed(href[1:])
            yield token


# An image that cannot be shown is stored, in the version's HTML, as its alt text (else its
# path) in brackets, in a span whose title is its path: no words of ours, since the stored HTML
# is read in every language (a Welsh reader of an English document, and the other way round).
_TEMPLATE_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")  # a Jekyll "{{ site.baseurl }}" is no path
_MISSING_IMAGE = re.compile(r'<span title="[^"]*">\[')


def _image_path(src: str) -> str:
    return _TEMPLATE_TAG.sub("", src).strip()


def missing_image_label(alt: str, src: str) -> str:
    """The bracketed words standing for an image that cannot be shown: its alt text, else its path."""
    return f"[{alt.strip() or _image_path(src) or '…'}]"


def shows_missing_image(html: str) -> bool:
    """Whether a paragraph's HTML stands for an image that cannot be shown (see _document_image)."""
    return bool(_MISSING_IMAGE.search(html))


def _missing_image_tokens(alt: str, src: str) -> Iterator[dict[str, Any]]:
    # Attribute values reach the filter escaped ("&amp;"), the serializer escapes text again.
    yield {"type": "StartTag", "name": "span", "namespace": None, "data": {(None, "title"): _image_path(src)}}
    yield {"type": "Characters", "data": missing_image_label(htmllib.unescape(alt), htmllib.unescape(src))}
    yield {"type": "EndTag", "name": "span", "namespace": None}


def _prefixed(value: str) -> str:
    return value if value.startswith(ID_PREFIX) else ID_PREFIX + value


_document_cleaner = bleach.Cleaner(
    tags=DOCUMENT_TAGS, attributes=DOCUMENT_ATTRIBUTES, protocols=PROTOCOLS,
    strip=True, strip_comments=True, filters=[_PrefixIds],
)
_comment_cleaner = bleach.Cleaner(
    tags=COMMENT_TAGS, attributes=COMMENT_ATTRIBUTES, protocols=PROTOCOLS,
    strip=True, strip_comments=True,
)

def sanitize_document_html(html: str) -> str:
    """Clean a document's HTML against the allowlist, prefixing source ids with 'src-'."""
    check_html_depth(html)
    return _document_cleaner.clean(html)


# --------------------------------------------------------------------------- Markdown setup

# Kramdown-style inline attribute lists after a span: [x](y){:target="_blank"}.
_SPAN_IAL = re.compile(r"(?<=[\)\]\*_`])\{:[^{}\n]*\}")
_ATTR_BODY = r"(?:\s*(?:#[\w:.\-]+|\.[\w\-]+|[\w\-]+=(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s}]+)))+\s*"
# "{#id}", "{: #id .cls}", "{ #id }" - the whole content of an attribute list.
_ATTRS = re.compile(r"\{:?" + _ATTR_BODY + r"\}")
_TRAILING_ATTRS = re.compile(r"[ \t]*(\{:?" + _ATTR_BODY + r"\})[ \t]*$")
# A line that only carries attributes for the next block; "[](){ #id }" is the mkdocs form.
_ATTR_LINE = re.compile(r"^[ \t]*(?:\[\]\(\))?(\{:?" + _ATTR_BODY + r"\})[ \t]*$")
_ID_IN_ATTRS = re.compile(r"#([\w:.\-]+)")


def _attrs_id(attrs: str) -> str | None:
    match = _ID_IN_ATTRS.search(attrs)
    return match.group(1) if match else None


def _attributes_rule(state: StateCore) -> None:
    """Read and strip attribute lists before inline parsing, remembering pinned ids in meta."""
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "inline" or i == 0:
            continue
        opener = tokens[i - 1]
        content = token.content
        if opener.type == "heading_open":
            match = _TRAILING_ATTRS.search(content)
            if match:
                content = content[: match.start()]
                pinned = _attrs_id(match.group(1))
                if pinned:
                    opener.meta["pinned"] = pinned
        elif opener.type == "paragraph_open":
            lines = content.split("\n")
            if all(_ATTR_LINE.match(line) for line in lines):
                opener.meta["attributes_only"] = _attrs_id(content) or ""
                content = ""
            elif len(lines) > 1 and _ATTR_LINE.match(lines[0]):
                # "{#id}" directly above a paragraph (attrs_block style) pins it.
                pinned = _attrs_id(lines[0])
                if pinned:
                    opener.meta["pinned"] = pinned
                content = "\n".join(lines[1:])
            elif len(lines) > 1 and _ATTR_LINE.match(lines[-1]):
                # Kramdown: an attribute list on the line after a paragraph applies to it.
                pinned = _attrs_id(lines[-1])
                if pinned:
                    opener.meta["pinned"] = pinned
                content = "\n".join(lines[:-1])
        if "{:" in content:
            content = _SPAN_IAL.sub("", content)
        token.content = content


def _balanced_html_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """Kramdown (Jekyll) reads an HTML block up to its matching end tag, blank lines and all;
    CommonMark stops at the first blank line and turns indented <li> lines into code."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    first = state.src[state.bMarks[start] + state.tShift[start]: state.eMarks[start]]
    match = _BALANCE_OPEN.match(first)
    if match is None or re.search(r"\bmarkdown\b", match.group(2) or "", re.IGNORECASE):
        return False
    tag = match.group(1).lower()
    opens = re.compile(rf"<{tag}(?=[\s/>])", re.IGNORECASE)
    closes = re.compile(rf"</{tag}\s*>", re.IGNORECASE)
    env = state.env
    depth = 0
    line = start
    while line < end:
        if env["html_scan_budget"] <= 0:
            return False  # a hostile file of unclosed tags must not make parsing quadratic
        env["html_scan_budget"] -= 1
        text = state.src[state.bMarks[line]: state.eMarks[line]]
        depth += len(opens.findall(text)) - len(closes.findall(text))
        line += 1
        if depth <= 0:
            break
    if depth > 0 or line - start < 2:
        return False
    if silent:
        return True
    state.line = line
    token = state.push("html_block", "", 0)
    token.map = [start, line]
    token.content = state.getLines(start, line, state.blkIndent, True)
    return True


_BALANCE_OPEN = re.compile(r"<(div|ul|ol|table|dl|section|details|figure)(?=[\s/>])([^>]*)", re.IGNORECASE)


def _document_md() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": 2 * LIMITS.max_nesting + 10})
    md.enable(["table", "strikethrough"])
    md.validateLink = _document_link_ok  # type: ignore[method-assign]
    md.block.ruler.before("html_block", "balanced_html_block", _balanced_html_block,
                          {"alt": ["paragraph", "reference", "blockquote"]})
    md.core.ruler.before("inline", "attributes", _attributes_rule)
    md.add_render_rule("image", _document_image)
    return md


def _document_image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """An image in a document. With env["images"] (the import's images, see documents.media)
    the path is resolved to the image Consult serves; an image that was not supplied shows its
    alt text, and one from another site becomes a link (pages load images only from Consult)."""
    resolve = env.get("images") if isinstance(env, dict) else None
    if resolve is None:
        return str(self.image(tokens, idx, options, env))
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    src = token.attrGet("src") or ""
    attrs = resolve(str(src), alt)
    if attrs is not None:
        for name, value in attrs.items():
            token.attrSet(name, value)
        token.attrSet("loading", "lazy")
        return str(self.image(tokens, idx, options, env))
    label = htmllib.escape(missing_image_label(alt, str(src)))
    if _SCHEME.match(_URL_NOISE.sub("", str(src))) and _document_link_ok(str(src)):
        return f'<a href="{htmllib.escape(str(src))}">{label}</a>'
    return f'<span title="{htmllib.escape(_image_path(str(src)))}">{label}</span>'


def _comment_md() -> MarkdownIt:
    md = MarkdownIt("js-default", {"html": False, "linkify": False, "maxNesting": 20})
    md.disable(["table", "strikethrough"])
    md.validateLink = _comment_link_ok  # type: ignore[method-assign]

    def link_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        tokens[idx].attrSet("rel", COMMENT_REL)
        return self.renderToken(tokens, idx, options, env)

    def image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        # Images in comments would let anyone track readers; the alt text is what matters.
        return htmllib.escape(self.renderInlineAsText(tokens[idx].children or [], options, env))

    def heading_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return "<p><strong>"

    def heading_close(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
        return "</strong></p>\n"

    md.add_render_rule("link_open", link_open)
    md.add_render_rule("image", image)
    md.add_render_rule("heading_open", heading_open)
    md.add_render_rule("heading_close", heading_close)
    return md


_DOC_MD = _document_md()
_COMMENT_MD = _comment_md()


def render_inline(markdown: str) -> str:
    """A line of a document's Markdown (a Word footnote's text) as inline HTML; the document's
    sanitiser reads it with the rest of the document."""
    return _DOC_MD.renderInline(markdown)


def render_comment(markdown: str) -> str:
    """Render untrusted comment Markdown to safe HTML: no raw HTML, images or headings."""
    rendered = _COMMENT_MD.render(markdown)
    return _comment_cleaner.clean(rendered).strip()



def reference_key(label: str) -> str:
    """A link reference label as markdown-it files it ("[Section 6.5][X]" looks up this key)."""
    return normalizeReference(label)


def references_and_headings(markdown: str) -> tuple[dict[str, dict], list[str]]:
    """The link reference definitions a Markdown body makes, and its headings' texts (a first
    pass, so definitions and heading slugs from every file of an import resolve in all)."""
    env: dict[str, Any] = {"html_scan_budget": 4 * markdown.count("\n") + 10_000}
    tokens = _DOC_MD.parse(markdown, env)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens[:-1]) if t.type == "heading_open"]
    return dict(env.get("references") or {}), headings


def parse_markdown(markdown: str, env: dict[str, Any]) -> list[Token]:
    """Parse a document's Markdown body into markdown-it's token stream."""
    return _DOC_MD.parse(markdown, env)


def render_tokens(tokens: Sequence[Token], env: dict[str, Any]) -> str:
    """Render part of a document's token stream to HTML (escaped, links validated)."""
    return _DOC_MD.renderer.render(tokens, _DOC_MD.options, env).strip()
