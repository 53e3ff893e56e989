"""Pure text helpers for what people type or send: names, comments, numbers. No Flask, no DB."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime


def whole_number(value: str | None, digits: int = 9) -> int | None:
    """The number written in plain ASCII digits (at most `digits` of them), else None.

    Not str.isdigit(): that is also true of "²" and "٣", and int() refuses the first. The
    length limit keeps the number inside the database's integers (and int()'s own limit).
    """
    if value is None or not re.fullmatch(f"[0-9]{{1,{digits}}}", value):
        return None
    return int(value)


# Letters that print as nothing: Hangul fillers and the blank braille pattern.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Direction controls: embeddings and overrides (LRE, RLE, LRO, RLO) end at PDF; isolates
# (LRI, RLI, FSI) end at PDI. The marks (LRM, RLM, ALM) open nothing and are left alone.
_EMBEDDINGS = frozenset("\u202a\u202b\u202d\u202e")
_ISOLATES = frozenset("\u2066\u2067\u2068")
_PDF, _PDI = "\u202c", "\u2069"


def has_visible_text(text: str) -> bool:
    """Whether any letter, digit, punctuation mark or symbol would show (not only blanks,
    zero-width characters, joiners or direction controls)."""
    return any(unicodedata.category(c)[0] in "LNPS" and c not in _BLANK_LETTERS for c in text)


def strip_unpaired_bidi(text: str) -> str:
    """The text without direction controls that are not closed on the same line.

    An unclosed right-to-left override would reverse whatever the page shows after the text
    (after a comment, its author's name and the next comment) wherever the page fails to
    isolate it; a paired one, as in mixed Arabic and English text, only affects its own words
    and is kept.
    Closers without an opener are removed too. Pairs nest as in Unicode's bidi algorithm: a
    PDI closes its isolate and any embedding left open inside it.
    """
    if not any(c in _EMBEDDINGS or c in _ISOLATES or c in (_PDF, _PDI) for c in text):
        return text
    keep: set[int] = set()
    drop: set[int] = set()
    stack: list[tuple[str, int]] = []
    for i, c in enumerate(text):
        if c in _EMBEDDINGS or c in _ISOLATES:
            stack.append((c, i))
        elif c == _PDF:
            if stack and stack[-1][0] in _EMBEDDINGS:
                keep.update((stack.pop()[1], i))
            else:
                drop.add(i)
        elif c == _PDI:
            opener = next((k for k in range(len(stack) - 1, -1, -1) if stack[k][0] in _ISOLATES), None)
            if opener is None:
                drop.add(i)
            else:
                drop.update(j for _, j in stack[opener + 1:])
                keep.update((stack[opener][1], i))
                del stack[opener:]
        elif c in "\n\u2029":  # a paragraph ends every embedding and isolate
            drop.update(j for _, j in stack)
            stack.clear()
    drop.update(j for _, j in stack)
    return "".join(c for i, c in enumerate(text) if i not in drop)


def clean_name(name: str | None) -> str:
    """A name typed by a person, trimmed, without stray direction controls; blank if invisible."""
    text = strip_unpaired_bidi((name or "").strip()).strip()
    return text if has_visible_text(text) else ""


def iso(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 with a Z, as the downloads write it."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"
