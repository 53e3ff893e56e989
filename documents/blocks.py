"""Splitting a document into citable blocks: headings, paragraphs, list items, quotes, tables,
code, and the pieces of raw HTML blocks.

It walks markdown-it's token stream (parsed and rendered through render.py, which alone imports
markdown-it-py and bleach) and splits raw HTML blocks with htmltree.py's tree, producing
neutral `Block` records (kind, sanitised html, text, line) that parse.py numbers and anchors.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import LIMITS, N_, DocumentError
from .htmltree import BLOCK_TAGS, WRAPPERS, Node, build_tree, html_text, serialise, tidy
from .render import Token, parse_markdown, render_tokens, sanitize_document_html


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
        elif kind in ("softbreak", "hardbreak") or kind == "html_inline" and _BR.match(child.content.strip()):
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
    return tidy("\n".join(parts))


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
                raise DocumentError(N_("block quotes and lists are nested more than %(limit)s levels deep"),
                                    line, limit=LIMITS.max_nesting)
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
        html = render_tokens(tokens, self.env)
        # Raw HTML anywhere in the block means the whole block goes through bleach; blocks
        # without it are markdown-it output, already escaped and with links validated.
        if not _has_raw_html(tokens):
            return html
        try:
            return sanitize_document_html(html)
        except DocumentError as error:
            # The error's line counts in the rendered HTML, not the source: name the block's.
            first = next((t.map[0] + 1 for t in tokens if t.map), None)
            raise error.moved(DocumentError, first) from None

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
            tree = build_tree(token.content)
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


def _split_html(tree: Node) -> list[tuple[str, str, int, str]]:
    """Split a raw HTML block into citable pieces: (kind, raw html, line, wrapper format)."""
    pieces: list[tuple[str, str, int, str]] = []

    def has_structure(node: Node) -> bool:
        return node.attr("id") is None and any(
            isinstance(c, Node) and (c.tag in ("ul", "ol") or re.fullmatch(r"h[1-6]", c.tag))
            for c in node.children)

    def split_children(children: list[Node | str]) -> None:
        loose: list[Node | str] = []

        def flush() -> None:
            if loose and any(isinstance(n, Node) or n.strip() for n in loose):
                line = next((n.line for n in loose if isinstance(n, Node)), 1)
                pieces.append(("html", "".join(serialise(n) for n in loose), line, ""))
            loose.clear()

        for node in children:
            if isinstance(node, Node) and node.tag in ("ul", "ol"):
                flush()
                split_list(node)
            elif isinstance(node, Node) and node.tag == "li":
                # Bare <li>s with no list around them (real footnote blocks do this): read
                # them as items of an unordered list, so each renders inside one.
                flush()
                split_list(Node("ul", [], node.line, [node]))
            elif isinstance(node, Node) and node.tag in WRAPPERS and has_structure(node):
                flush()
                split_children(node.children)
            elif isinstance(node, Node) and node.tag in BLOCK_TAGS:
                flush()
                pieces.append(("html", serialise(node), node.line, ""))
            else:
                loose.append(node)
        flush()

    def split_list(node: Node) -> None:
        ordered = node.tag == "ol"
        list_type = node.attr("type") if ordered else None
        try:
            number = int(node.attr("start") or 1)
        except ValueError:
            number = 1
        for child in node.children:
            if isinstance(child, str):
                if child.strip():
                    pieces.append(("html", serialise(child), node.line, ""))
                continue
            if child.tag in ("ul", "ol"):
                split_list(child)  # a list directly inside a list: its items are nested items
                continue
            if child.tag != "li":
                pieces.append(("html", serialise(child), child.line, ""))
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
            raw = serialise(child, skip=lambda n: n.tag in ("ul", "ol"))
            pieces.append((kind, raw, child.line, wrapper))
            number += 1
            for grandchild in child.children:
                if isinstance(grandchild, Node) and grandchild.tag in ("ul", "ol"):
                    split_list(grandchild)

    split_children(tree.children)
    return pieces


def render_blocks(markdown: str, references: dict[str, dict] | None = None,
                  images: Callable[[str, str], dict[str, str] | None] | None = None) -> list[Block]:
    """Parse a Markdown body (front matter already removed) into citable blocks; `references`
    are the import's link definitions (markdown-it keeps the first definition of a label);
    `images` resolves an image's path and alt text to the <img> attributes to show (render.py)."""
    env: dict[str, Any] = {"html_scan_budget": 4 * markdown.count("\n") + 10_000}
    if references:
        env["references"] = dict(references)
    if images is not None:
        env["images"] = images
    tokens = parse_markdown(markdown, env)
    _check_nesting(tokens)
    writer = _BlockWriter(tokens, env)
    blocks = writer.run()
    if writer.pending is not None:
        anchor, line = writer.pending
        raise DocumentError(N_("anchor {#%(anchor)s} is not followed by a block"), line, anchor=anchor)
    return blocks
