"""From bytes and Markdown files to a numbered, anchored Document."""
from __future__ import annotations

import hashlib
import html as htmllib
import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urljoin

import yaml

from .blocks import Block, render_blocks
from .errors import LIMITS, N_, DocumentError, Note, translate
from .model import Document, Paragraph
from .render import ID_PREFIX, reference_key, references_and_headings

# --------------------------------------------------------------------------- bytes


def decode(data: bytes, source: str | None = None) -> str:
    """Decode an uploaded file as UTF-8 (BOM stripped, line endings normalised to LF)."""
    if len(data) > LIMITS.max_bytes:
        raise DocumentError(N_("the file is %(size)s; the limit is %(limit)s"), None, source,
                            size=_size(len(data)), limit=_size(LIMITS.max_bytes))
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = error.start + bom
        line_start = data.rfind(b"\n", 0, offset) + 1
        raise DocumentError(
            N_("the file is not valid UTF-8: byte %(byte)s at column %(column)s (byte %(offset)s of the "
               "file); save it as UTF-8 and try again"),
            data.count(b"\n", 0, offset) + 1, source,
            byte=f"0x{data[offset]:02x}", column=offset - line_start + 1, offset=offset) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else translate(N_("%(num)s bytes"), num=f"{n:,}")


# --------------------------------------------------------------------------- front matter

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)(?:^|\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL | re.MULTILINE)


class _NoAliasLoader(yaml.SafeLoader):
    """safe_load without anchors/aliases: a 'billion laughs' graph would explode once the
    metadata is serialised to JSON."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases are not allowed in front matter", event.start_mark)
        return super().compose_node(parent, index)


def split_front_matter(text: str, source: str | None = None) -> tuple[dict[str, Any], str, int]:
    """Return (front matter, body, number of lines removed before the body)."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, text, 0
    raw = match.group(1)
    if len(raw.encode()) > LIMITS.max_front_matter_bytes:
        raise DocumentError(N_("the front matter is longer than %(limit)s"), 1, source,
                            limit=_size(LIMITS.max_front_matter_bytes))
    try:
        meta = yaml.load(raw, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        # +2: the opening "---" line, and marks count from zero.
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error)
        raise DocumentError(N_("the front matter is not valid YAML: %(problem)s"), line, source,
                            problem=problem) from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise DocumentError(N_("the front matter must be a set of 'key: value' lines"), 2, source)
    removed = text.count("\n", 0, match.end())
    return meta, text[match.end():], removed


# --------------------------------------------------------------------------- text helpers


def normalise(text: str) -> str:
    """Normalise text for comparison: NFKC, casefolded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def fingerprint(text: str) -> str:
    """Return the sha1 hex digest of the normalised text."""
    return hashlib.sha1(normalise(text).encode("utf-8")).hexdigest()


def slugify(text: str, max_length: int = 60) -> str:
    """Return a URL-safe slug ([a-z0-9-]) of at most max_length characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", re.sub(r"[.'’]", "", ascii_text)).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        slug = cut[: cut.rfind("-")] if "-" in cut[max_length // 2:] else cut
    return slug.strip("-")


def github_slug(text: str) -> str:
    """The heading id GitHub/mkdocs would give, so links written for them still resolve."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def _pinned_anchor(raw: str, line: int, source: str | None) -> str:
    anchor = re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")
    if not anchor:
        raise DocumentError(N_("anchor '%(anchor)s' has no letters or digits"), line, source, anchor=raw)
    if anchor.startswith(ID_PREFIX):
        raise DocumentError(N_("anchors beginning '%(prefix)s' are reserved ('%(anchor)s')"), line, source,
                            prefix=ID_PREFIX, anchor=raw)
    return anchor


# --------------------------------------------------------------------------- parsing


def _check_size(text: str, source: str | None) -> None:
    if len(text) > LIMITS.max_bytes or len(text.encode("utf-8")) > LIMITS.max_bytes:
        size = len(text.encode("utf-8"))
        raise DocumentError(N_("the document is %(size)s; the limit is %(limit)s"), None, source,
                            size=_size(size), limit=_size(LIMITS.max_bytes))


def _prepare(text: str, source: str | None) -> tuple[dict[str, Any], str, int]:
    """A file's front matter, its Markdown body and the lines removed before the body."""
    _check_size(text, source)
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return split_front_matter(text, source)


def _file_blocks(body: str, offset: int, source: str | None, references: dict[str, dict],
                 images: ImageResolver | None = None) -> list[tuple[Block, str | None]]:
    def resolve(src: str, alt: str) -> dict[str, str] | None:
        return images(source, src, alt) if images is not None else None

    try:
        blocks = render_blocks(body, references, resolve if images is not None else None)
    except DocumentError as error:
        raise error.located(source, offset) from None
    for block in blocks:
        block.line += offset
        if block.pinned_line is not None:
            block.pinned_line += offset
    return [(block, source) for block in blocks]


def parse(markdown: str, source: str | None = None) -> Document:
    """Parse one Markdown file into a Document of numbered, anchored paragraphs."""
    return parse_files([(source, markdown)]) if source is not None else _parse([(None, markdown)])


# (Markdown file, image path as written, alt text) -> the <img> attributes, or None for the alt text.
ImageResolver = Callable[[str | None, str, str], dict[str, str] | None]


def parse_files(files: Sequence[tuple[str, str]], link_base: str | None = None,
                images: ImageResolver | None = None) -> Document:
    """Parse several Markdown files, in the order given, into one Document.

    Link definitions made in any file (one may hold nothing else, like a publisher's
    pandoc-refs.md) resolve in all; links to another file of the import lead to its paragraph;
    links to files outside it lead to `link_base` (the source repository's address) joined
    with their path, or without one become plain text. Document.warnings lists each.
    """
    return _parse(list(files), link_base, images)


_SOURCE_ID = re.compile(r'(\sid="|\shref="#)src-')


def _scope_source_ids(blocks: list[tuple[Block, str | None]], index: int) -> None:
    """Joined files often reuse footnote ids (fn1, fn2…): give each file's ids its own prefix."""
    for block, _source in blocks:
        block.html = _SOURCE_ID.sub(lambda m: f"{m.group(1)}src{index + 1}-", block.html)


def _parse(files: Sequence[tuple[str | None, str]], link_base: str | None = None,
           images: ImageResolver | None = None) -> Document:
    if not files:
        raise DocumentError(N_("the document has no paragraphs"))
    meta: dict[str, Any] = {}
    title: str | None = None
    blocks: list[tuple[Block, str | None]] = []
    total = 0
    prepared = []
    for index, (source, text) in enumerate(files):
        # CommonMark replaces U+0000 with U+FFFD; so do we, in the plain text too (PostgreSQL
        # cannot store NUL in text columns).
        text = text.replace("\x00", "\ufffd")
        total += len(text)
        if len(files) > 1 and total > LIMITS.max_bytes:
            raise DocumentError(N_("the files add up to more than %(limit)s, the limit"), None, source,
                                limit=_size(LIMITS.max_bytes))
        file_meta, body, offset = _prepare(text, source)
        if file_meta and not meta:
            meta = file_meta
        if index == 0 and isinstance(file_meta.get("title"), str):
            title = file_meta["title"].strip() or None
        prepared.append((source, body, offset))
    references, unresolved = _import_references([body for _source, body, _offset in prepared])
    for index, (source, body, offset) in enumerate(prepared):
        file_blocks = _file_blocks(body, offset, source, references, images)
        if index:
            _scope_source_ids(file_blocks, index)
        blocks.extend(file_blocks)
    if not blocks:
        where = files[0][0] if len(files) == 1 else None
        raise DocumentError(N_("the document has no paragraphs"), None, where)
    if len(blocks) > 1 and not blocks[0][0].pinned and lone_title([(b.kind, b.level, b.text) for b, _ in blocks]):
        # The document's title, not a paragraph to number ("0.1") and comment on.
        title = title or blocks[0][0].text or None
        blocks = blocks[1:]
    warnings: list[str] = []  # Notes, each in the reader's language
    paragraphs = _paragraphs(blocks, [source for source, _body, _offset in prepared], link_base, warnings)
    if unresolved:
        warnings.extend(Note("reference", N_("the reference link [%(label)s] has no definition and names no "
                                             "heading: shown as plain text"), label=label)
                        for label in sorted(unresolved))
    if title is None:
        title = next((p.text for p in paragraphs if p.kind == "heading"), None)
        if title is None and isinstance(meta.get("title"), str):
            title = meta["title"]
    return Document(title=title, meta=meta, paragraphs=paragraphs, warnings=warnings)


def _paragraphs(blocks: list[tuple[Block, str | None]], sources: Sequence[str | None] = (),
                link_base: str | None = None, warnings: list[str] | None = None) -> list[Paragraph]:
    numbers = number_blocks([(b.kind, b.level, b.text) for b, _ in blocks])
    paragraphs: list[Paragraph] = []
    pinned_at: dict[str, tuple[int, str | None]] = {}
    for position, ((block, source), number) in enumerate(zip(blocks, numbers, strict=True)):
        anchor = ""
        if block.pinned:
            line = block.pinned_line or block.line
            anchor = _pinned_anchor(block.pinned, line, source)
            if anchor in pinned_at:
                first_line, first_source = pinned_at[anchor]
                if first_source == source:
                    raise DocumentError(N_("duplicate pinned anchor '%(anchor)s' (first used on line %(first)s)"),
                                        line, source, anchor=anchor, first=first_line)
                raise DocumentError(N_("duplicate pinned anchor '%(anchor)s' (first used in %(file)s, line "
                                       "%(first)s)"), line, source, anchor=anchor, file=first_source, first=first_line)
            pinned_at[anchor] = (line, source)
        paragraphs.append(Paragraph(
            anchor=anchor, number=number, kind=block.kind, text=block.text, html=block.html,
            fingerprint=fingerprint(block.text), position=position, line=block.line,
            source=source, level=block.level, pinned=bool(block.pinned)))
    assign_derived_anchors(paragraphs, taken=set(pinned_at))
    _assign_sections(paragraphs)
    _retarget_links(paragraphs, sources, link_base, warnings if warnings is not None else [])
    return paragraphs


def derived_anchor_base(paragraph: Paragraph) -> str:
    """The anchor a paragraph would get from its own content, before de-duplication."""
    if paragraph.kind == "heading":
        slug = slugify(paragraph.text)
        if slug and not slug.startswith(ID_PREFIX) and not re.fullmatch(r"p-[0-9a-f]{8}", slug):
            return slug
        return "h-" + paragraph.fingerprint[:8]
    return "p-" + paragraph.fingerprint[:8]


def unique_anchor(base: str, taken: set[str]) -> str:
    """Return base, or base-2, base-3 ... whichever is not taken yet."""
    anchor, n = base, 1
    while anchor in taken:
        n += 1
        anchor = f"{base}-{n}"
    return anchor


def assign_derived_anchors(paragraphs: list[Paragraph], taken: set[str]) -> None:
    """Give every paragraph without an anchor a derived one that avoids `taken`."""
    for paragraph in paragraphs:
        if not paragraph.anchor:
            paragraph.anchor = unique_anchor(derived_anchor_base(paragraph), taken)
            taken.add(paragraph.anchor)


def _assign_sections(paragraphs: list[Paragraph]) -> None:
    current: str | None = None
    for paragraph in paragraphs:
        paragraph.section = current
        if paragraph.kind == "heading":
            current = paragraph.anchor


def pandoc_slug(text: str) -> str:
    """The heading id pandoc would give ("6.1 Scope" -> "scope"): letters, digits, _-. kept,
    spaces to hyphens, everything before the first letter dropped."""
    kept = re.sub(r"[^\w\-. ]", "", text.strip().lower()).replace(" ", "-")
    return re.sub(r"^[^a-z]+", "", kept)


_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# [text][label] and [label][] in the source (a first pass: code spans may match, harmlessly).
_REFERENCE_USE = re.compile(r"\[((?:[^\[\]\\]|\\.){1,300})\]\[((?:[^\[\]\\]|\\.){0,300})\]")
UNRESOLVED = "#consult-unresolved-link"  # a reference link with nothing to lead to: shown as text


def _import_references(bodies: Sequence[str]) -> tuple[dict[str, dict], set[str]]:
    """Every link definition of the import (the first of a label wins), plus one for each
    reference label that names a heading (GitHub or pandoc slug) and one leading nowhere for
    the rest, which are reported and shown as plain text."""
    references: dict[str, dict] = {}
    headings: list[str] = []
    for body in bodies:
        found, heads = references_and_headings(body)
        for key, value in found.items():
            references.setdefault(key, value)
        headings.extend(heads)
    slugs: dict[str, str] = {}
    for heading in headings:
        words = _HTML_COMMENT.sub("", heading).strip()
        for slug in (github_slug(words), pandoc_slug(words)):
            if slug:
                slugs.setdefault(reference_key(slug), slug)
    unresolved: set[str] = set()
    for body in bodies:
        for text, label in _REFERENCE_USE.findall(body):
            label = label or text
            key = reference_key(label)
            if not key or key in references:
                continue
            if key in slugs:
                references[key] = {"href": "#" + slugs[key], "title": ""}
            else:
                references[key] = {"href": UNRESOLVED, "title": ""}
                unresolved.add(label)
    return references, unresolved


_LINK = re.compile(r'<a\b([^>]*?)\shref="([^"]*)"([^>]*)>(.*?)</a>', re.DOTALL)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def _retarget_links(paragraphs: list[Paragraph], sources: Sequence[str | None] = (),
                    link_base: str | None = None, warnings: list[str] | None = None) -> None:
    """Make every link in the document lead somewhere: in-page fragments and reference links
    to the paragraph they name, links to another file of the import to that file's paragraph,
    links to files outside it to `link_base` or, without one, plain text (with a warning)."""
    warnings = warnings if warnings is not None else []
    unresolved: dict[tuple[str, str], list[str]] = {}  # (kind, link) -> the paragraphs it is in
    source_ids = set()
    element_ids = set()  # every id in the document's HTML (footnotes, each file's scoped ones)
    for paragraph in paragraphs:
        if 'id="' in paragraph.html:
            element_ids.update(re.findall(r'\sid="([^"]*)"', paragraph.html))
        if f'id="{ID_PREFIX}' in paragraph.html:
            source_ids.update(re.findall(rf'\sid="{ID_PREFIX}([^"]*)"', paragraph.html))
    anchors = {p.anchor for p in paragraphs}
    headings: dict[str, str] = {}
    for paragraph in paragraphs:
        if paragraph.kind == "heading":
            words = _HTML_COMMENT.sub("", paragraph.text).strip()
            headings.setdefault(github_slug(words), paragraph.anchor)
    for paragraph in paragraphs:
        if paragraph.kind == "heading":
            headings.setdefault(pandoc_slug(_HTML_COMMENT.sub("", paragraph.text).strip()), paragraph.anchor)
    # A Word document pandoc made from Markdown names a bookmark it cannot keep as it is (over 40
    # characters, or not starting with a letter: "6.5-trust-…") "X" and 39 digits of its SHA-1;
    # its links to a heading written with the heading's slug ("#65-trust-…") lead there.
    bookmarks: dict[str, str] = {}
    for paragraph in paragraphs:
        if paragraph.kind == "heading":
            words = _HTML_COMMENT.sub("", paragraph.text).strip()
            for slug in (github_slug(words), pandoc_slug(words)):
                if slug:
                    bookmarks.setdefault(pandoc_bookmark(slug), paragraph.anchor)
    first_of: dict[str, str] = {}
    for paragraph in paragraphs:
        if paragraph.source:
            first_of.setdefault(PurePosixPath(paragraph.source).name.lower(), paragraph.anchor)
    imported = {PurePosixPath(s).name.lower() for s in sources if s}

    def resolve(fragment: str) -> str | None:
        base = fragment[len(ID_PREFIX):] if fragment.startswith(ID_PREFIX) else fragment
        if base in source_ids:
            return ID_PREFIX + base
        if fragment in element_ids:
            return fragment
        if base in anchors:
            return base
        return headings.get(base) or headings.get(base.lower()) or bookmarks.get(base)

    def target(href: str, paragraph: Paragraph) -> str | None:
        if href == UNRESOLVED:
            return None
        if href.startswith("#"):
            if not href[1:]:
                return href
            found = resolve(href[1:])
            if found is None:
                unresolved.setdefault(("fragment", href), []).append(paragraph.number)
            return None if found is None else "#" + found
        if _SCHEME.match(href) or href.startswith(("/", "//")):
            return href
        path, _, fragment = href.partition("#")
        name = PurePosixPath(path).name.lower()
        if name in imported:
            found = resolve(fragment) if fragment else first_of.get(name)
            return "#" + found if found else "#" + (first_of.get(name) or "")
        if link_base:
            return urljoin(link_base if link_base.endswith("/") else link_base + "/", href)
        unresolved.setdefault(("file", href), []).append(paragraph.number)
        return None

    for paragraph in paragraphs:
        if "<a" not in paragraph.html:
            continue

        def fix(m: re.Match[str], paragraph: Paragraph = paragraph) -> str:
            before, href, after, inner = m.groups()
            new = target(htmllib.unescape(href), paragraph)
            if new is None:
                return inner
            return f'<a{before} href="{htmllib.escape(new)}"{after}>{inner}</a>'

        paragraph.html = _LINK.sub(fix, paragraph.html)
    warnings.extend(_unresolved_notes(unresolved))


def pandoc_bookmark(name: str) -> str:
    """The bookmark name pandoc's Word writer gives an id: itself if it starts with a letter and
    has at most 40 characters, else "X" and 39 hexadecimal digits of its SHA-1."""
    if name[:1].isalpha() and len(name) <= 40:
        return name
    return "X" + hashlib.sha1(name.encode("utf-8")).hexdigest()[1:]  # noqa: S324 - a name, not security


def _unresolved_notes(unresolved: dict[tuple[str, str], list[str]]) -> list[Note]:
    """One note per link target left as text, naming every paragraph whose link leads there."""
    notes: list[Note] = []
    for (kind, href), numbers in unresolved.items():
        numbers = list(dict.fromkeys(numbers))
        many = len(numbers) > 1
        number = ", ".join(numbers)
        if kind == "fragment":
            notes.append(Note(kind, N_("paragraphs %(number)s: the link to “%(href)s” names no paragraph of this "
                                       "document: shown as plain text") if many else
                              N_("paragraph %(number)s: the link to “%(href)s” names no paragraph of this "
                                 "document: shown as plain text"), number=number, href=href))
        else:
            notes.append(Note(kind, N_("paragraphs %(number)s: the link to “%(href)s” leads to a file that is not "
                                       "part of this import: shown as plain text") if many else
                              N_("paragraph %(number)s: the link to “%(href)s” leads to a file that is not "
                                 "part of this import: shown as plain text"), number=number, href=href))
    return notes


# --------------------------------------------------------------------------- numbering

# A heading's own number, as departments write them: "6.1 Scope", "1. Objectives", "A. Costs",
# "Annex 2", "Appendix A: Definitions", "Chapter 3", "Section 4.2". Years and other large
# numbers ("2026 plan") are not section numbers.
_OWN_NUMBER = re.compile(
    r"^(?:(?P<word>(?i:annex|appendix|schedule|part))\s+(?P<wnum>[A-Z]|\d{1,3}(?:\.\d{1,3})*)\b[.:]?"
    r"|(?i:chapter|section)\s+(?P<cnum>\d{1,3}(?:\.\d{1,3})*)\b[.:]?"
    r"|(?P<num>\d{1,3}(?:\.\d{1,3})*)\.?"
    r"|(?P<letter>[A-Z](?:\.\d{1,3})*)[.)]"
    r")(?=\s|$)")


def own_number(heading: str) -> str | None:
    """The number a heading carries in its text ("6.1 Scope" -> "6.1", "Annex 2" -> "Annex 2"), or None."""
    m = _OWN_NUMBER.match(heading.strip())
    if m is None:
        return None
    if m.group("word"):
        return f"{m.group('word').capitalize()} {m.group('wnum')}"
    return m.group("cnum") or m.group("num") or m.group("letter")


def heading_words(number: str, text: str) -> str:
    """A heading's text without the number it carries when that is its paragraph number, so a
    page shows one number per heading ("6.1 Scope", never "6.1 6.1 Scope")."""
    if own_number(text) != number:
        return text
    rest = _OWN_NUMBER.sub("", text.strip(), count=1).lstrip(" .:)-–—")
    return rest or text


def uses_own_numbers(headings: Sequence[str]) -> bool:
    """True when the document numbers its own headings: at least two carry a number, and at
    least a third of all headings do (footnote and similar headings are often left unnumbered)."""
    numbered = sum(own_number(h) is not None for h in headings)
    return numbered >= 2 and numbered * 3 >= len(headings)


def lone_title(blocks: Sequence[tuple[str, int, str]]) -> bool:
    """True when the first block is the document's title: a heading above every other heading
    (there are others), without a number of its own."""
    if not blocks or blocks[0][0] != "heading":
        return False
    level = blocks[0][1]
    others = [lvl for kind, lvl, _text in blocks[1:] if kind == "heading"]
    return bool(others) and all(lvl > level for lvl in others) and own_number(blocks[0][2]) is None


def number_blocks(blocks: Sequence[tuple[str, int]] | Sequence[tuple[str, int, str]]) -> list[str]:
    """Number (kind, heading level[, text]) blocks by section.

    A document whose headings carry their own numbers ("6.1 Scope") is numbered by them, and
    the blocks beneath a heading continue its number ("6.1.3" for the third block of 6.1; an
    unnumbered sub-heading counts as a block and its blocks continue its number in turn). A
    generated number that would repeat a heading's own one is written "6.2(1)" instead, and a
    number several headings carry is treated as no number, so every number is quoted once.
    Otherwise: "4" for a section at the top level, "4.2" inside it, "0.1" before the first.
    """
    texts = [str(b[2]) if len(b) > 2 else "" for b in blocks]
    kinds = [(b[0], b[1]) for b in blocks]
    headings = [text for (kind, _level), text in zip(kinds, texts, strict=True) if kind == "heading"]
    if headings and uses_own_numbers(headings):
        return _own_numbering(kinds, texts)
    return _generated_numbering(kinds)


def _own_numbering(kinds: Sequence[tuple[str, int]], texts: Sequence[str]) -> list[str]:
    owns = [own_number(t) if kind == "heading" else None for (kind, _level), t in zip(kinds, texts, strict=True)]
    # A number that several headings carry ("A. Generic requirements" under each topic) is local
    # lettering, not one a reader could quote: those headings are numbered beneath their section.
    seen: dict[str, int] = {}
    for own in owns:
        if own:
            seen[own] = seen.get(own, 0) + 1
    owns = [own if own and seen[own] == 1 else None for own in owns]
    taken = {o for o in owns if o}
    numbers: list[str] = []
    preamble = 0
    stack: list[list[Any]] = []  # [heading level, its number, blocks in it so far]

    def beneath(frame: list[Any]) -> str:
        frame[2] += 1
        number = f"{frame[1]}.{frame[2]}"
        return f"{frame[1]}({frame[2]})" if number in taken else number

    for (kind, level), own in zip(kinds, owns, strict=True):
        if kind == "heading":
            while stack and stack[-1][0] >= level:
                stack.pop()
        if own:
            number = own
        elif stack:
            number = beneath(stack[-1])
        else:
            preamble += 1
            number = f"0.{preamble}"
        if kind == "heading":
            stack.append([level, number, 0])
        numbers.append(number)
    return numbers


def _generated_numbering(blocks: Sequence[tuple[str, int]]) -> list[str]:
    levels = [level for kind, level in blocks if kind == "heading"]
    if not levels:
        return [str(i + 1) for i in range(len(blocks))]
    repeated = [level for level in set(levels) if levels.count(level) > 1]
    top = min(repeated) if repeated else min(levels)
    numbers: list[str] = []
    preamble = 0
    sections = 0
    # Each open section: [heading level, its number, blocks in it so far].
    stack: list[list[Any]] = []
    for kind, level in blocks:
        is_heading = kind == "heading"
        if is_heading and (stack or level == top):
            while stack and stack[-1][0] >= level:
                stack.pop()
            if not stack:
                sections += 1
                number = str(sections)
            else:
                stack[-1][2] += 1
                number = f"{stack[-1][1]}.{stack[-1][2]}"
            stack.append([level, number, 0])
        elif stack:
            stack[-1][2] += 1
            number = f"{stack[-1][1]}.{stack[-1][2]}"
        else:
            preamble += 1
            number = f"0.{preamble}"
        numbers.append(number)
    return numbers
