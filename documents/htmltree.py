"""Raw HTML as a tree and as text: the forgiving parser behind documents' raw HTML blocks.

Standard library only (html.parser): reading raw HTML into a depth-limited tree, writing it
back, its readable plain text, and rewriting in-page links. Sanitising is render.py's (bleach);
splitting a raw HTML block into citable pieces is blocks.py's.
"""
from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .errors import LIMITS, N_, DocumentError

_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr"})
# Elements whose end tag may be omitted: an open one is closed by a sibling, not nested.
_SELF_CLOSING_SIBLINGS = {
    "li": {"li"}, "p": {"p", "div", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
                       "blockquote", "pre", "dl", "section"},
    "dt": {"dt", "dd"}, "dd": {"dt", "dd"}, "tr": {"tr"}, "td": {"td", "th", "tr"},
    "th": {"td", "th", "tr"}, "option": {"option"},
}
BLOCK_TAGS = frozenset({"p", "div", "table", "pre", "blockquote", "dl", "section", "figure",
                         "details", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "article", "aside",
                         "header", "footer", "main", "nav", "address", "form", "fieldset"})
WRAPPERS = frozenset({"div", "section", "article", "aside", "main", "header", "footer"})


@dataclass
class Node:
    """An element of raw HTML: tag, attributes, source line and children (nodes or text)."""

    tag: str
    attrs: list[tuple[str, str | None]]
    line: int
    children: list[Node | str] = field(default_factory=list)

    def attr(self, name: str) -> str | None:
        """The value of an attribute, or None when it is absent."""
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
                N_("the raw HTML “%(snippet)s” cannot be read: “<![” begins only a CDATA section "
                   "(<![CDATA[ … ]]>) or a Word conditional comment (<![if …]>); to show “<” as "
                   "text write &lt;"), self.getpos()[0], snippet=snippet)
        return super().parse_html_declaration(i)


class _TreeBuilder(_Parser):
    """A forgiving, iterative HTML tree builder with a depth limit (bleach is quadratic on
    deep trees, and recursion on them would overflow)."""

    def __init__(self, max_depth: int) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], 1)
        self.stack = [self.root]
        self.max_depth = max_depth
        self.too_deep_at: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        closes = {t for t, by in _SELF_CLOSING_SIBLINGS.items() if tag in by}
        if closes and len(self.stack) > 1 and self.stack[-1].tag in closes:
            self.stack.pop()
        node = Node(tag, attrs, self.getpos()[0])
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)
            if len(self.stack) > self.max_depth and self.too_deep_at is None:
                self.too_deep_at = node.line

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, attrs, self.getpos()[0]))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def build_tree(raw: str, max_depth: int | None = None) -> Node:
    """Read raw HTML into a tree, refusing one nested deeper than the limit."""
    builder = _TreeBuilder(max_depth or LIMITS.max_html_nesting)
    builder.feed(raw)
    builder.close()
    if builder.too_deep_at is not None:
        raise DocumentError(N_("HTML is nested more than %(limit)s elements deep"), builder.too_deep_at,
                            limit=builder.max_depth)
    return builder.root


def serialise(node: Node | str, skip: Callable[[Node], bool] | None = None) -> str:
    """Write a node back as HTML, leaving out the child elements `skip` picks."""
    if isinstance(node, str):
        return htmllib.escape(node, quote=False)
    inner = "".join(serialise(c, skip) for c in node.children if not (skip and isinstance(c, Node) and skip(c)))
    if node.tag == "#root":
        return inner
    attrs = "".join(
        f' {k}="{htmllib.escape(v, quote=True)}"' if v is not None else f" {k}" for k, v in node.attrs)
    if node.tag in _VOID:
        return f"<{node.tag}{attrs}>"
    return f"<{node.tag}{attrs}>{inner}</{node.tag}>"


def check_html_depth(raw: str) -> None:
    """Refuse HTML nested deeper than the limit before bleach (quadratic on deep trees) sees it."""
    if raw.count("<") > LIMITS.max_html_nesting:
        build_tree(raw)


class _TextExtractor(_Parser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" or tag in BLOCK_TAGS or tag in ("li", "tr"):
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCK_TAGS or tag in ("li", "tr"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(html: str) -> str:
    """Return the readable plain text of an HTML fragment."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return tidy("".join(extractor.parts), " |")


def tidy(text: str, edges: str = " ") -> str:
    """Collapse runs of spaces and blank lines, trimming `edges` from each line."""
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip(edges) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


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
