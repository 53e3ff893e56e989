"""Word documents (.docx) to Markdown and their images, for the same import as Markdown files.

Pandoc does the conversion (pypandoc-binary ships the pandoc binary inside the package, so it
installs from the registry and downloads nothing at run time). Pandoc was chosen over mammoth
because it keeps what a consultation needs: headings, nested lists, tables (pipe tables, or
HTML for merged cells), footnotes, emphasis and links, and it extracts the images with their
alt text; mammoth targets HTML and drops footnote structure and table details.

The file is checked before pandoc sees it: it must be a real Word document (a zip holding
word/document.xml), not too large once unzipped, and without tracked changes or comments,
which would otherwise be silently accepted or dropped ("accept or reject tracked changes
first"). Only this module imports pypandoc.
"""
from __future__ import annotations

import html as htmllib
import io
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import N_, DocumentError, Note
from .parse import github_slug
from .render import render_inline

MAX_DOCX_BYTES = 20 * 1024 * 1024  # the upload itself
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024  # all its parts together, once unzipped
MAX_RATIO = 200  # a part compressed more than this is a zip bomb, not a document
MAX_PARTS = 2000
_TRACKED = re.compile(rb"<w:(ins|del|moveFrom|moveTo)\b")
_COMMENT = re.compile(rb"<w:comment(Reference|RangeStart)\b")
_IMG = re.compile(r"<img\s[^>]*>")
# A Word paragraph (its XML, with the bookmarks just before it: pandoc puts a heading's there,
# Word inside the paragraph), a bookmark, a heading's style, the words.
_PARAGRAPH = re.compile(rb"(?:<w:bookmarkStart\b[^>]*>\s*)*<w:p[ >].*?</w:p>", re.DOTALL)
_BOOKMARK = re.compile(rb'<w:bookmarkStart\b[^>]*\bw:name="([^"]+)"')
_HEADING_STYLE = re.compile(rb'<w:pStyle w:val="(?:[Hh]eading ?[1-9]|Title)"')
_WORDS = re.compile(rb"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")
# A link to a bookmark: Markdown "](#name)" or "](#name "title")", or an HTML table's href="#name".
_BOOKMARK_LINK = re.compile(r'(\]\(#|\shref="#)([^\s)"]+)')

# A figure (an image in its own paragraph with a caption, Word's usual way) is written by pandoc
# as a raw HTML <figure>, which the import would show as code: this filter makes it the image's
# own paragraph (Markdown), then its caption as the next paragraph when the caption says more
# than the image's alt text. Sizes are dropped so images stay Markdown (Consult sizes them from
# the file itself).
_LUA_FILTER = r"""
local function paragraphs(blocks)
  local out = pandoc.Blocks{}
  for _, block in ipairs(blocks) do
    if block.t == "Plain" then out:insert(pandoc.Para(block.content)) else out:insert(block) end
  end
  return out
end

function Image(image)
  image.attr = pandoc.Attr()
  return image
end

function Figure(figure)
  local alts = {}
  figure.content:walk{Image = function(image) table.insert(alts, pandoc.utils.stringify(image.caption)) end}
  local out = paragraphs(figure.content)
  local caption = pandoc.utils.stringify(figure.caption.long)
  if caption ~= "" and caption ~= table.concat(alts, " ") then
    out:extend(paragraphs(figure.caption.long))
  end
  return out
end
"""


def _attr(tag: str, name: str) -> str:
    found = re.search(rf'\s{name}="([^"]*)"', tag)
    value = htmllib.unescape(found.group(1)) if found else ""
    return value.replace("]", "\\]") if name == "alt" else value.replace(" ", "%20").replace(")", "%29")


@dataclass
class Converted:
    """A Word document as Markdown, with the images it holds (path in the Markdown -> bytes)."""

    markdown: str
    images: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _check(data: bytes, name: str) -> zipfile.ZipFile:
    if len(data) > MAX_DOCX_BYTES:
        raise DocumentError(N_("the Word file is larger than %(limit)s MB"), None, name,
                            limit=MAX_DOCX_BYTES // (1024 * 1024))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise DocumentError(N_("this is not a Word document (.docx): it could not be opened"), None, name) from None
    parts = archive.infolist()
    names = {p.filename for p in parts}
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise DocumentError(N_("this is not a Word document (.docx): it has no Word text inside"), None, name)
    if len(parts) > MAX_PARTS:
        raise DocumentError(N_("this Word document holds too many parts to be a document"), None, name)
    total = 0
    for part in parts:
        total += part.file_size
        if part.file_size > MAX_UNZIPPED_BYTES or total > MAX_UNZIPPED_BYTES or (
                part.compress_size and part.file_size / part.compress_size > MAX_RATIO and part.file_size > 1_000_000):
            raise DocumentError(N_("this Word document unpacks to far more than its size (a zip bomb?): refused"),
                                None, name)
        if part.filename.startswith(("/", "\\")) or ".." in Path(part.filename).parts:
            raise DocumentError(N_("this Word document has parts with unsafe names: refused"), None, name)
    body = archive.read("word/document.xml")
    if _TRACKED.search(body):
        raise DocumentError(N_("the Word document has tracked changes: accept or reject tracked changes first, "
                            "then upload it again"), None, name)
    if _COMMENT.search(body):
        raise DocumentError(N_("the Word document has comments in it: delete the comments first (Review, Delete "
                            "all comments), then upload it again"), None, name)
    return archive


def _heading_bookmarks(archive: zipfile.ZipFile) -> dict[str, str]:
    """Bookmark name -> the words of the heading it is on. Word's cross-references ("see
    section 6.5") lead to such bookmarks (_Ref…, _Toc…), which pandoc drops from headings."""
    found: dict[str, str] = {}
    for paragraph in _PARAGRAPH.findall(archive.read("word/document.xml")):
        if b"bookmarkStart" not in paragraph or not _HEADING_STYLE.search(paragraph):
            continue
        words = htmllib.unescape(b"".join(_WORDS.findall(paragraph)).decode("utf-8", "replace")).strip()
        if words:
            for mark in _BOOKMARK.findall(paragraph):
                found.setdefault(htmllib.unescape(mark.decode("utf-8", "replace")), words)
    return found


def _link_headings(markdown: str, bookmarks: dict[str, str]) -> str:
    """Links to a heading's bookmark lead to the heading, by the name the import knows it by."""
    if not bookmarks:
        return markdown

    def retarget(match: re.Match[str]) -> str:
        words = bookmarks.get(match.group(2))
        slug = github_slug(words) if words else ""
        return match.group(1) + slug if slug else match.group(0)

    return _BOOKMARK_LINK.sub(retarget, markdown)


_NOTE_START = re.compile(r"^\[\^([^\]\s]+)\]:[ \t]?(.*)$")
_NOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")


def _footnotes_as_html(markdown: str) -> str:
    """Pandoc's Markdown footnotes ("[^1]" and "[^1]: text") as the HTML footnotes the import
    reads (a linked superscript, and an item with id "fn1" for each note, which becomes a
    paragraph of its own): the document's Markdown has no footnote syntax of its own."""
    lines, body, notes = markdown.split("\n"), [], {}
    order: list[str] = []
    i = 0
    while i < len(lines):
        start = _NOTE_START.match(lines[i])
        if not start:
            body.append(lines[i])
            i += 1
            continue
        label, parts = start.group(1), [start.group(2)]
        i += 1
        while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
            if not lines[i].strip() and not (i + 1 < len(lines) and lines[i + 1].startswith("    ")):
                break  # a blank line not followed by more of the note ends it
            parts.append(lines[i].strip())
            i += 1
        notes[label] = parts
        order.append(label)
    if not notes:
        return markdown
    numbers = {label: n for n, label in enumerate(order, 1)}

    referenced: set[int] = set()

    def reference(match: re.Match[str]) -> str:
        n = numbers.get(match.group(1))
        if not n:
            return match.group(0)
        first = n not in referenced  # a note cited twice: the back link goes to the first citation
        referenced.add(n)
        own = f' id="fnr{n}"' if first else ""
        return f'<sup{own}><a href="#fn{n}">{n}</a></sup>'

    text = _NOTE_REF.sub(reference, "\n".join(body)).rstrip()
    items = []
    for label in order:
        n = numbers[label]
        words = "<br>".join(render_inline(part) for part in notes[label] if part)
        items.append(f'<li id="fn{n}"><sup>{n}</sup> {words} <a href="#fnr{n}">\u21a9</a></li>')
    return text + "\n\n" + "\n".join(items) + "\n"


def convert_docx(data: bytes, name: str = "document.docx") -> Converted:
    """Convert a .docx to Markdown (CommonMark with pipe tables and footnotes) and its images.

    Raises DocumentError with a message for the official when the file is not a Word document,
    is unsafe, or has tracked changes or comments.
    """
    bookmarks = _heading_bookmarks(_check(data, name))
    import pypandoc  # the pandoc binary ships inside pypandoc-binary

    with tempfile.TemporaryDirectory(prefix="consult-docx-") as work:
        source = Path(work) / "in.docx"
        source.write_bytes(data)
        media = Path(work) / "out"
        figures = Path(work) / "figures.lua"
        figures.write_text(_LUA_FILTER, encoding="utf-8")
        try:
            markdown = pypandoc.convert_file(
                str(source), "gfm+footnotes", format="docx",
                extra_args=["--wrap=none", f"--extract-media={media}", f"--lua-filter={figures}"],
                cworkdir=work)
        except (RuntimeError, OSError) as exc:
            raise DocumentError(N_("the Word document could not be read: %(problem)s"), None, name,
                                problem=str(exc).strip()[:200]) from None
        images: dict[str, bytes] = {}
        for path in sorted(media.rglob("*")) if media.exists() else []:
            if path.is_file():
                images[path.relative_to(media).as_posix()] = path.read_bytes()
        # Pandoc writes image paths under the extraction folder: make them relative to the text.
        markdown = markdown.replace(f"{media}/", "")
    markdown = _footnotes_as_html(_link_headings(markdown, bookmarks))
    # Pandoc writes an image inside an HTML table as raw <img>; the import reads Markdown images.
    markdown = _IMG.sub(lambda m: f"![{_attr(m.group(0), 'alt')}]({_attr(m.group(0), 'src')})", markdown)
    warnings: list[str] = []
    if not markdown.strip():
        raise DocumentError(N_("the Word document has no text"), None, name)
    if "<table" in markdown:
        warnings.append(Note("tables", N_("some tables had merged cells and are kept as HTML tables")))
    return Converted(markdown=markdown.strip() + "\n", images=images, warnings=warnings)
