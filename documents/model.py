"""The data model: a document is an ordered list of addressable paragraphs."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = frozenset({"heading", "paragraph", "list_item", "blockquote", "table", "code", "html", "footnote"})


@dataclass
class Paragraph:
    """One citable block of a document, with its number, anchor and rendered HTML."""

    anchor: str
    number: str
    kind: str
    text: str
    html: str
    fingerprint: str
    position: int
    line: int
    source: str | None = None
    level: int = 0
    section: str | None = None
    pinned: bool = False
    status: str = "new"
    previous_anchor: str | None = None
    # A new paragraph split off an old one: the old paragraph's anchor (its larger piece kept it).
    split_from: str | None = None


@dataclass
class Document:
    """A parsed document: title, front matter and paragraphs in reading order."""

    title: str | None
    meta: dict[str, Any]
    paragraphs: list[Paragraph]
    removed: list[Paragraph] = field(default_factory=list)
    # What the import could not resolve and how it was shown (links, references): never errors.
    warnings: list[str] = field(default_factory=list)
    _index: dict[str, Paragraph] = field(default_factory=dict, repr=False, compare=False)

    def by_anchor(self, anchor: str) -> Paragraph | None:
        """Return the paragraph with this anchor, or None."""
        found = self._index.get(anchor)
        if found is None or found.anchor != anchor:
            # Anchors change when carry_anchors runs, so the index is rebuilt on a miss.
            self._index = {p.anchor: p for p in self.paragraphs}
            found = self._index.get(anchor)
        return found

    def headings(self) -> list[Paragraph]:
        """Return the headings, for a table of contents."""
        return [p for p in self.paragraphs if p.kind == "heading"]

    @property
    def html(self) -> str:
        """The whole document's sanitised HTML, paragraph after paragraph."""
        return "\n".join(p.html for p in self.paragraphs)


@dataclass
class Diff:
    """Word-level differences between two texts.

    `html` is what a page shows: the text with <ins>/<del> marks, or, when the paragraph was
    rewritten (`side_by_side`), the old and the new text whole, labelled "Before" and "After".
    `changed_share` is the share of non-space tokens, both texts counted, that changed.
    """

    ops: list[tuple[str, str]]
    html: str
    changed_share: float = 0.0
    side_by_side: bool = False
    old_html: str = ""  # the old text, escaped
    new_html: str = ""  # the new text, escaped

    @property
    def changed(self) -> bool:
        """True when anything was inserted or deleted."""
        return any(op != "equal" for op, _ in self.ops)
