"""The search box's syntax, read into a small tree any engine can translate: no engine here.

The syntax is whoosh's default one, as people have used it so far: words (all must match),
"a phrase", prefix*, OR, AND, NOT, ANDNOT, brackets, and `title:` or `text:` before a word.
Operators are written in capitals; lower-case "or" is a word. Precedence, as whoosh has it:
NOT binds tightest, then AND / ANDNOT, then OR, and the space between words (all must match)
loosest, so `fees parking OR permits` means fees and (parking or permits). An operator with
nothing on one side is ignored, an unclosed bracket is closed at the end, and whoosh's boosts
(`word^2`) and fuzzy marks (`word~`) are dropped. Only the Whoosh engine ignores this module
(it has whoosh's own parser); tests/test_search.py runs the same queries through both.
Brackets nest at most MAX_DEPTH deep (`depth`, checked for both engines), so neither reading a
query nor the SQL made from it can run out of stack.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

OPERATORS = {"AND", "OR", "NOT", "ANDNOT"}
MAX_DEPTH = 10  # brackets inside brackets; no one searching by hand needs more
FIELDS = {"title", "text"}
_WORDCHARS = re.compile(r"[^\W_]+")  # letters and digits of any script: what a lexeme may hold


@dataclass(frozen=True)
class Term:
    """One word (stemmed by the engine), or a prefix (`prefix=True`, matched as typed)."""

    text: str
    field: str | None = None
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    """Words that must appear next to each other, in this order."""

    text: str


@dataclass(frozen=True)
class All:
    """Every part must match."""

    parts: tuple


@dataclass(frozen=True)
class Any:
    """At least one part must match."""

    parts: tuple


@dataclass(frozen=True)
class Not:
    """The part must not match."""

    part: object


def word_parts(text: str) -> list[str]:
    """The runs of letters and digits in `text`, lower-cased: nothing else reaches an engine's
    query syntax (no quotes, colons, operators or spaces)."""
    return [part.lower() for part in _WORDCHARS.findall(text)]


def _tokens(query: str) -> list[tuple[str, str]]:
    """(kind, text) pairs: "(" ")" "op" "phrase" "word"."""
    tokens: list[tuple[str, str]] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append((ch, ch))
            i += 1
        elif ch == '"':
            end = query.find('"', i + 1)
            if end == -1:  # an unclosed quote: the rest are plain words, as whoosh reads them
                i += 1
                continue
            tokens.append(("phrase", query[i + 1:end]))
            i = end + 1
        else:
            j = i
            while j < n and not query[j].isspace() and query[j] not in '()"':
                j += 1
            word = query[i:j]
            tokens.append(("op" if word in OPERATORS else "word", word))
            i = j
    return tokens


def depth(query: str) -> int:
    """How deep the query's brackets nest (those inside a phrase are words)."""
    deepest = level = 0
    for kind, _text in _tokens(query):
        if kind == "(":
            level += 1
            deepest = max(deepest, level)
        elif kind == ")":
            level = max(level - 1, 0)
    return deepest


def _term(word: str) -> Term | None:
    field = None
    name, colon, rest = word.partition(":")
    if colon and name in FIELDS and rest:
        field, word = name, rest
    word = re.split(r"[\^~]", word, maxsplit=1)[0]  # boosts and fuzziness: not supported
    star = word.find("*")
    prefix = star >= 0 or "?" in word
    if prefix:  # a wildcard inside a word: the part before it is the prefix
        cut = min(p for p in (word.find("*"), word.find("?")) if p >= 0)
        word = word[:cut]
    if not word_parts(word):
        return None
    return Term(word, field, prefix)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def sequence(self, inside: bool = False):
        """Parts separated by spaces: all must match."""
        parts = []
        while (token := self.peek()) is not None:
            if token[0] == ")":
                self.take()
                if inside:
                    break
                continue  # a stray closing bracket
            part = self.any_of()
            if part is not None:
                parts.append(part)
        return _combine(All, parts)

    def any_of(self):
        parts = [self.all_of()]
        while (token := self.peek()) is not None and token == ("op", "OR"):
            self.take()
            parts.append(self.all_of())
        return _combine(Any, [p for p in parts if p is not None])

    def all_of(self):
        parts = [self.unary()]
        while (token := self.peek()) is not None and token in (("op", "AND"), ("op", "ANDNOT")):
            self.take()
            right = self.unary()
            if right is not None and token[1] == "ANDNOT":
                right = Not(right)
            parts.append(right)
        return _combine(All, [p for p in parts if p is not None])

    def unary(self):
        token = self.peek()
        if token is None or token[0] == ")":
            return None  # (the bracket is the caller's)
        if token == ("op", "NOT"):
            self.take()
            part = self.unary()
            if isinstance(part, Not):  # NOT NOT x is x
                return part.part
            return Not(part) if part is not None else None
        self.take()
        if token[0] == "op":  # AND/OR with nothing before it
            return None
        if token[0] == "(":
            return self.sequence(inside=True)
        if token[0] == "phrase":
            return Phrase(token[1]) if word_parts(token[1]) else None
        return _term(token[1])


def _combine(kind, parts: list):
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return kind(tuple(parts))


def parse(query: str):
    """The tree of a query (Term, Phrase, All, Any, Not), or None when it holds no word."""
    return _Parser(_tokens(query)).sequence()
