"""Markdown and HTML rendering and sanitising.

This is the only module that imports markdown-it-py and bleach, so either can be swapped here.
It turns Markdown into neutral `Block` records (kind, sanitised html, text, line) that
parse.py numbers and anchors.
"""
from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import bleach
from bleach.html5lib_shim import Filter
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .errors import LIMITS, DocumentError

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
    "img": ["src", "alt", "title", "width", "height"],
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
                    label = data.get((None, "alt")) or data.get((None, "title")) or "an image"
                    yield {"type": "Characters", "data": f"[Image: {label}]"}
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

# --------------------------------------------------------------------------- raw HTML tree

_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr"})
# Elements whose end tag may be omitted: an open one is closed by a sibling, not nested.
_SELF_CLOSING_SIBLINGS = {
    "li": {"li"}, "p": {"p", "div", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
                       "blockquote", "pre", "dl", "section"},
    "dt": {"dt", "dd"}, "dd": {"dt", "dd"}, "tr": {"tr"}, "td": {"td", "th", "tr"},
    "th": {"td", "th", "tr"}, "option": {"option"},
}
_BLOCK_TAGS = frozenset({"p", "div", "table", "pre", "blockquote", "dl", "section", "figure",
                         "details", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "article", "aside",
                         "header", "footer", "main", "nav", "address", "form", "fieldset"})
_WRAPPERS = frozenset({"div", "section", "article", "aside", "main", "header", "footer"})


@dataclass
class _Node:
    tag: str
    attrs: list[tuple[str, str | None]]
    line: int
    children: list["_Node | str"] = field(default_factory=list)

    def attr(self, name: str) -> str | None:
        for key, value in self.attrs:
            if key == name:
                return value
        return None


# The marked sections html.parser knows: CDATA, Word's conditional comments (<![if ...]>,
# <![endif]>) and SGML's keywords. Any other "<![" makes it raise AssertionError from
# _markupbase (Python 3.11 to 3.13.5), and newer versions read it as a bogus comment instead.
_MARKED_SECTION = re.compile(
    r"<!\[(?:cdata|if|else|endif|temp|ignore|include|rcdata)(?![-_.a-z0-9])", re.IGNORECASE)


class _Parser(HTMLParser):
    """html.parser that refuses a malformed "<![" itself, naming its line, rather than
    crashing (or, on newer Pythons, silently hiding the text up to the next ">")."""

    def parse_html_declaration(self, i: int) -> int:
        rawdata = self.rawdata
        if rawdata.startswith("<![", i) and not _MARKED_SECTION.match(rawdata, i):
            snippet = rawdata[i:i + 20].split("\n", 1)[0]
            raise DocumentError(
                f"the raw HTML “{snippet}” cannot be read: “<![” begins only a CDATA section "
                "(<![CDATA[ … ]]>) or a Word conditional comment (<![if …]>); to show “<” as "
                "text write &lt;", self.getpos()[0])
        return super().parse_html_declaration(i)


class _TreeBuilder(_Parser):
    """A forgiving, iterative HTML tree builder with a depth limit (bleach is quadratic on
    deep trees, and recursion on them would overflow)."""

    def __init__(self, max_depth: int) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", [], 1)
        self.stack = [self.root]
        self.max_depth = max_depth
        self.too_deep_at: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        closes = {t for t, by in _SELF_CLOSING_SIBLINGS.items() if tag in by}
        if closes and len(self.stack) > 1 and self.stack[-1].tag in closes:
            self.stack.pop()
        node = _Node(tag, attrs, self.getpos()[0])
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)
            if len(self.stack) > self.max_depth and self.too_deep_at is None:
                self.too_deep_at = node.line

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(_Node(tag, attrs, self.getpos()[0]))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _build_tree(raw: str, max_depth: int | None = None) -> _Node:
    builder = _TreeBuilder(max_depth or LIMITS.max_html_nesting)
    builder.feed(raw)
    builder.close()
    if builder.too_deep_at is not None:
        raise DocumentError(
            f"HTML is nested more than {builder.max_depth} elements deep", builder.too_deep_at)
    return builder.root


def _serialise(node: _Node | str, skip: Callable[[_Node], bool] | None = None) -> str:
    if isinstance(node, str):
        return htmllib.escape(node, quote=False)
    inner = "".join(_serialise(c, skip) for c in node.children if not (skip and isinstance(c, _Node) and skip(c)))
    if node.tag == "#root":
        return inner
    attrs = "".join(
        f' {k}="{htmllib.escape(v, quote=True)}"' if v is not None else f" {k}" for k, v in node.attrs)
    if node.tag in _VOID:
        return f"<{node.tag}{attrs}>"
    return f"<{node.tag}{attrs}>{inner}</{node.tag}>"


def _check_html_depth(raw: str) -> None:
    if raw.count("<") > LIMITS.max_html_nesting:
        _build_tree(raw)


def sanitize_document_html(html: str) -> str:
    """Clean a document's HTML against the allowlist, prefixing source ids with 'src-'."""
    _check_html_depth(html)
    return _document_cleaner.clean(html)


class _TextExtractor(_Parser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" or tag in _BLOCK_TAGS or tag in ("li", "tr"):
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS or tag in ("li", "tr"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(html: str) -> str:
    """Return the readable plain text of an HTML fragment."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return _tidy("".join(extractor.parts), " |")


def _tidy(text: str, edges: str = " ") -> str:
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip(edges) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


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
    return md


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


def render_comment(markdown: str) -> str:
    """Render untrusted comment Markdown to safe HTML: no raw HTML, images or headings."""
    rendered = _COMMENT_MD.render(markdown)
    return _comment_cleaner.clean(rendered).strip()


# --------------------------------------------------------------------------- blocks


@dataclass
class Block:
    """A citable block before numbering: kind, sanitised html, plain text, 1-based line."""

    kind: str
    html: str
    text: str
    line: int
    level: int = 0
    pinned: str | None = None
    pinned_line: int | None = None


_LIST_OPEN = ("bullet_list_open", "ordered_list_open")
_BR = re.compile(r"^<br\s*/?>$", re.IGNORECASE)
_FOOTNOTE_ID = re.compile(r"^fn[-_:]?\d+$", re.IGNORECASE)
_OL_TYPES = frozenset({"1", "a", "A", "i", "I"})


def _inline_text(token: Token) -> str:
    out: list[str] = []
    for child in token.children or []:
        kind = child.type
        if kind in ("text", "code_inline", "text_special", "image"):
            out.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind == "html_inline" and _BR.match(child.content.strip()):
            out.append("\n")
    return "".join(out)


def _tokens_text(tokens: Sequence[Token]) -> str:
    parts: list[str] = []
    row: list[str] = []
    in_cell = False
    for token in tokens:
        kind = token.type
        if kind == "inline":
            (row if in_cell else parts).append(_inline_text(token))
            in_cell = False
        elif kind in ("td_open", "th_open"):
            in_cell = True
        elif kind == "tr_close":
            parts.append(" | ".join(row))
            row = []
        elif kind in ("fence", "code_block"):
            parts.append(token.content.rstrip("\n"))
        elif kind == "html_block":
            try:
                parts.append(html_text(token.content))
            except DocumentError as error:
                # Raw HTML inside a block quote or list item: its line counts from the block's.
                raise error.located(None, token.map[0] if token.map else 0) from None
    return _tidy("\n".join(parts))


def _has_raw_html(tokens: Sequence[Token]) -> bool:
    for token in tokens:
        if token.type == "html_block":
            return True
        if token.type == "inline" and any(c.type == "html_inline" for c in token.children or []):
            return True
    return False


def _match_pairs(tokens: Sequence[Token]) -> list[int]:
    match = list(range(len(tokens)))
    stack: list[int] = []
    for i, token in enumerate(tokens):
        if token.nesting == 1:
            stack.append(i)
        elif token.nesting == -1 and stack:
            j = stack.pop()
            match[i], match[j] = j, i
    return match


def _check_nesting(tokens: Sequence[Token]) -> None:
    depth = 0
    for token in tokens:
        if token.type in ("blockquote_open", "bullet_list_open", "ordered_list_open"):
            depth += 1
            if depth > LIMITS.max_nesting:
                line = token.map[0] + 1 if token.map else None
                raise DocumentError(
                    f"block quotes and lists are nested more than {LIMITS.max_nesting} levels deep",
                    line)
        elif token.type in ("blockquote_close", "bullet_list_close", "ordered_list_close"):
            depth -= 1


class _BlockWriter:
    """Walks markdown-it's token stream and emits one Block per citable unit."""

    def __init__(self, tokens: list[Token], env: dict[str, Any]) -> None:
        self.tokens = tokens
        self.env = env
        self.match = _match_pairs(tokens)
        self.blocks: list[Block] = []
        self.pending: tuple[str, int] | None = None

    def render(self, tokens: Sequence[Token]) -> str:
        html = _DOC_MD.renderer.render(tokens, _DOC_MD.options, self.env).strip()
        # Raw HTML anywhere in the block means the whole block goes through bleach; blocks
        # without it are markdown-it output, already escaped and with links validated.
        if not _has_raw_html(tokens):
            return html
        try:
            return sanitize_document_html(html)
        except DocumentError as error:
            # The error's line counts in the rendered HTML, not the source: name the block's.
            first = next((t.map[0] + 1 for t in tokens if t.map), None)
            raise DocumentError(error.message, first) from None

    def emit(self, block: Block, token: Token | None = None) -> None:
        pinned = token.meta.get("pinned") if token is not None else None
        if pinned:
            block.pinned, block.pinned_line = pinned, block.line
        elif self.pending is not None:
            block.pinned, block.pinned_line = self.pending
        self.pending = None
        self.blocks.append(block)

    def run(self) -> list[Block]:
        tokens, match = self.tokens, self.match
        lists: list[list[int]] = []  # [ordered, start, items so far] per open list
        item_levels: list[int] = []  # levels of the direct children of open list items
        i = 0
        while i < len(tokens):
            token = tokens[i]
            kind = token.type
            line = token.map[0] + 1 if token.map else 0
            if item_levels and token.level == item_levels[-1] and token.nesting >= 0 and kind not in _LIST_OPEN:
                i = match[i] + 1  # already part of its list item's block
                continue
            if kind in _LIST_OPEN:
                start = int(token.attrGet("start") or 1) if kind == "ordered_list_open" else 1
                lists.append([kind == "ordered_list_open", start, 0])
            elif kind in ("bullet_list_close", "ordered_list_close"):
                lists.pop()
            elif kind == "list_item_open":
                self.list_item(i, lists[-1], line)
                item_levels.append(token.level + 1)
            elif kind == "list_item_close":
                item_levels.pop()
            elif kind == "heading_open":
                inline = tokens[i + 1]
                text = re.sub(r"\s+", " ", _inline_text(inline)).strip()
                self.emit(Block("heading", self.render(tokens[i: i + 3]), text, line,
                                level=int(token.tag[1])), token)
                i += 3
                continue
            elif kind == "paragraph_open":
                end = match[i]
                if "attributes_only" in token.meta:
                    if token.meta["attributes_only"]:
                        self.pending = (token.meta["attributes_only"], line)
                else:
                    chunk = tokens[i: end + 1]
                    self.emit(Block("paragraph", self.render(chunk), _tokens_text(chunk), line), token)
                i = end + 1
                continue
            elif kind in ("blockquote_open", "table_open"):
                end = match[i]
                chunk = tokens[i: end + 1]
                # The text first: it reads each raw HTML block alone, so its errors say the line.
                text = _tokens_text(chunk)
                self.emit(Block(kind[:-5], self.render(chunk), text, line))
                i = end + 1
                continue
            elif kind in ("fence", "code_block"):
                self.emit(Block("code", self.render([token]), token.content.rstrip("\n"), line))
            elif kind == "html_block":
                self.html_block(token, line)
            i += 1
        return self.blocks

    def list_item(self, i: int, context: list[int], line: int) -> None:
        tokens, match = self.tokens, self.match
        end = match[i]
        parts = [tokens[i]]
        k = i + 1
        while k < end:
            stop = match[k] if tokens[k].nesting == 1 else k
            if tokens[k].type not in _LIST_OPEN:
                parts.extend(tokens[k: stop + 1])
            k = stop + 1
        parts.append(tokens[end])
        ordered, start, index = context
        context[2] += 1
        text = _tokens_text(parts)  # before render(), for the exact line of a raw HTML error
        body = self.render(parts)
        if ordered:
            number = start + index
            wrapped = f'<ol start="{number}">{body}</ol>' if number != 1 else f"<ol>{body}</ol>"
        else:
            wrapped = f"<ul>{body}</ul>"
        first_inline = next((t for t in parts if t.type == "paragraph_open"), None)
        self.emit(Block("list_item", wrapped, text, line), first_inline)

    def html_block(self, token: Token, line: int) -> None:
        try:
            tree = _build_tree(token.content)
        except DocumentError as error:
            raise error.located(None, line - 1) from None
        for kind, raw, piece_line, wrapper in _split_html(tree):
            clean = sanitize_document_html(raw)
            if wrapper:
                clean = wrapper.format(clean)
            text = html_text(clean)
            if not text and "<img" not in clean:
                continue  # closing tags, a lone <br/>, an empty wrapper: nothing to cite
            self.emit(Block(kind, clean, text, line + piece_line - 1))


def _split_html(tree: _Node) -> list[tuple[str, str, int, str]]:
    """Split a raw HTML block into citable pieces: (kind, raw html, line, wrapper format)."""
    pieces: list[tuple[str, str, int, str]] = []

    def has_structure(node: _Node) -> bool:
        return node.attr("id") is None and any(
            isinstance(c, _Node) and (c.tag in ("ul", "ol") or re.fullmatch(r"h[1-6]", c.tag))
            for c in node.children)

    def split_children(children: list[_Node | str]) -> None:
        loose: list[_Node | str] = []

        def flush() -> None:
            if loose and any(isinstance(n, _Node) or n.strip() for n in loose):
                line = next((n.line for n in loose if isinstance(n, _Node)), 1)
                pieces.append(("html", "".join(_serialise(n) for n in loose), line, ""))
            loose.clear()

        for node in children:
            if isinstance(node, _Node) and node.tag in ("ul", "ol"):
                flush()
                split_list(node)
            elif isinstance(node, _Node) and node.tag == "li":
                # Bare <li>s with no list around them (real footnote blocks do this): read
                # them as items of an unordered list, so each renders inside one.
                flush()
                split_list(_Node("ul", [], node.line, [node]))
            elif isinstance(node, _Node) and node.tag in _WRAPPERS and has_structure(node):
                flush()
                split_children(node.children)
            elif isinstance(node, _Node) and node.tag in _BLOCK_TAGS:
                flush()
                pieces.append(("html", _serialise(node), node.line, ""))
            else:
                loose.append(node)
        flush()

    def split_list(node: _Node) -> None:
        ordered = node.tag == "ol"
        list_type = node.attr("type") if ordered else None
        try:
            number = int(node.attr("start") or 1)
        except ValueError:
            number = 1
        for child in node.children:
            if isinstance(child, str):
                if child.strip():
                    pieces.append(("html", _serialise(child), node.line, ""))
                continue
            if child.tag in ("ul", "ol"):
                split_list(child)  # a list directly inside a list: its items are nested items
                continue
            if child.tag != "li":
                pieces.append(("html", _serialise(child), child.line, ""))
                continue
            value = child.attr("value")
            # ASCII digits only: str.isdigit() is also true of "²", which int() refuses.
            if value and re.fullmatch(r"[0-9]{1,9}", value.strip()):
                number = int(value)
            item_id = child.attr("id") or ""
            if _FOOTNOTE_ID.match(item_id):
                kind, wrapper = "footnote", '<ul class="footnotes">{}</ul>'
            elif ordered:
                attrs = f' type="{list_type}"' if list_type in _OL_TYPES else ""
                attrs += f' start="{number}"' if number != 1 else ""
                kind, wrapper = "list_item", f"<ol{attrs}>{{}}</ol>"
            else:
                kind, wrapper = "list_item", "<ul>{}</ul>"
            raw = _serialise(child, skip=lambda n: n.tag in ("ul", "ol"))
            pieces.append((kind, raw, child.line, wrapper))
            number += 1
            for grandchild in child.children:
                if isinstance(grandchild, _Node) and grandchild.tag in ("ul", "ol"):
                    split_list(grandchild)

    split_children(tree.children)
    return pieces


def render_blocks(markdown: str) -> list[Block]:
    """Parse a Markdown body (front matter already removed) into citable blocks."""
    env: dict[str, Any] = {"html_scan_budget": 4 * markdown.count("\n") + 10_000}
    tokens = _DOC_MD.parse(markdown, env)
    _check_nesting(tokens)
    writer = _BlockWriter(tokens, env)
    blocks = writer.run()
    if writer.pending is not None:
        anchor, line = writer.pending
        raise DocumentError(f"anchor {{#{anchor}}} is not followed by a block", line)
    return blocks


# --------------------------------------------------------------------------- fragments

_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_HREF_FRAGMENT = re.compile(r'(\shref=")#([^"]*)(")')


def retarget_fragments(html: str, resolve: Callable[[str], str]) -> str:
    """Rewrite every in-page link href="#x" in sanitised HTML to href="#" + resolve(x)."""
    if 'href="#' not in html:
        return html

    def fix_tag(tag: re.Match[str]) -> str:
        return _HREF_FRAGMENT.sub(
            lambda m: m.group(1) + "#" + htmllib.escape(resolve(htmllib.unescape(m.group(2)))) + m.group(3),
            tag.group(0))

    # Only inside tags: the serialisers escape "<" in text, so a tag match is a real tag.
    return _TAG.sub(fix_tag, html)
