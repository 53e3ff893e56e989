"""Errors and limits for document import."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Hard limits on what an imported document may be."""

    max_bytes: int = 4 * 1024 * 1024
    # Depth of block quotes and lists; real documents stay well under ten.
    max_nesting: int = 50
    # Depth of raw HTML elements; html5lib (inside bleach) is quadratic on deep trees.
    max_html_nesting: int = 100
    max_front_matter_bytes: int = 64 * 1024


LIMITS = Limits()


class DocumentError(ValueError):
    """A document cannot be imported; says where (file and line) and why."""

    def __init__(self, message: str, line: int | None = None, source: str | None = None) -> None:
        self.message = message
        self.line = line
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [part for part in (self.source, f"line {self.line}" if self.line else None) if part]
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def located(self, source: str | None, line_offset: int = 0) -> DocumentError:
        """Return a copy placed in a file, shifting the line by line_offset."""
        line = self.line + line_offset if self.line is not None else None
        return DocumentError(self.message, line, source if source is not None else self.source)
