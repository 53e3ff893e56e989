"""Errors and limits for document import, and how their messages are read in the reader's language.

documents/ never imports consult: its messages are marked with `N_` and written with %(name)s
placeholders, and `translate` reads them through the translation consult registers at start-up
(`translate_messages_with`: consult's gettext, English outside a request); with none registered
(a script, the tests of documents alone) they are English.
"""
from __future__ import annotations

from collections.abc import Callable
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


def N_(message: str) -> str:  # noqa: N802  (the marker pybabel extracts)
    """Mark a message for translation (it is read through `translate`)."""
    return message


# The application's translation (consult gives its gettext at start-up); none: English.
_translators: list[Callable[..., str]] = []
# The code of the language those messages are read in at the moment ("en", "cy"); none: unknown.
_languages: list[Callable[[], str]] = []


def translate_messages_with(translate: Callable[..., str], language: Callable[[], str] | None = None) -> None:
    """Have documents' messages read in the reader's language: `translate(message, **values)`
    (gettext's signature) is called when a message is read; `language()` says which language
    that is, for HTML that marks its words with their `lang` (a diff's labels, in a page's
    language, around a text in another)."""
    _translators[:] = [translate]
    _languages[:] = [language] if language is not None else []


def message_language() -> str | None:
    """The code of the language `translate` writes in now, or None when not told (English)."""
    return _languages[0]() if _languages else None


def translate(message: str, **values: object) -> str:
    """A marked message in the reader's language (English with no translator), values filled in."""
    if _translators:
        return _translators[0](message, **values)
    return message % values if values else message


class Note(str):
    """A note for the person importing (an image not supplied, a link left as text), written in
    their language when it is made, with its `kind` for code that sorts notes (never their words)."""

    kind: str

    def __new__(cls, kind: str, message: str, **values: object) -> Note:
        self = super().__new__(cls, translate(message, **values))
        self.kind = kind
        return self


class DocumentError(ValueError):
    """A document cannot be imported; says where (file and line) and why.

    The message is kept as marked (`N_`), its %(name)s `values` apart, so that it is read in the
    language of whoever reads it: `message` and str() translate it then."""

    def __init__(self, message: str, line: int | None = None, source: str | None = None,
                 **values: object) -> None:
        self.message_id = message
        self.values = values
        self.line = line
        self.source = source
        super().__init__(message % values if values else message)

    @property
    def message(self) -> str:
        """Why, in the reader's language."""
        return translate(self.message_id, **self.values)

    def __str__(self) -> str:
        why, source, line = self.message, self.source, self.line
        if source and line:
            return translate(N_("%(source)s, line %(line)s: %(why)s"), source=source, line=line, why=why)
        if source:
            return translate(N_("%(source)s: %(why)s"), source=source, why=why)
        if line:
            return translate(N_("line %(line)s: %(why)s"), line=line, why=why)
        return why

    def located(self, source: str | None, line_offset: int = 0) -> DocumentError:
        """Return a copy placed in a file, shifting the line by line_offset."""
        line = self.line + line_offset if self.line is not None else None
        return DocumentError(self.message_id, line, source if source is not None else self.source, **self.values)

    def moved(self, cls: type[DocumentError], line: int | None = None,
              source: str | None = None) -> DocumentError:
        """The same message as another kind of error, or at another place."""
        return cls(self.message_id, line, source, **self.values)
