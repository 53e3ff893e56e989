"""Word-level differences between two versions of a paragraph."""
from __future__ import annotations

import html
import re
from difflib import SequenceMatcher

from .model import Diff, Paragraph

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


def _text(value: Paragraph | str) -> str:
    return value.text if isinstance(value, Paragraph) else value


def diff(previous: Paragraph | str, current: Paragraph | str) -> Diff:
    """Compare two paragraphs (or strings) word by word."""
    before, after = _TOKEN.findall(_text(previous)), _TOKEN.findall(_text(current))
    ops: list[tuple[str, str]] = []

    def add(op: str, tokens: list[str]) -> None:
        if not tokens:
            return
        text = "".join(tokens)
        if ops and ops[-1][0] == op:
            ops[-1] = (op, ops[-1][1] + text)
        else:
            ops.append((op, text))

    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("equal", before[i1:i2])
        else:
            add("delete", before[i1:i2])
            add("insert", after[j1:j2])
    parts = []
    for op, text in ops:
        escaped = html.escape(text)
        parts.append({"equal": escaped, "insert": f"<ins>{escaped}</ins>",
                      "delete": f"<del>{escaped}</del>"}[op])
    return Diff(ops=ops, html="".join(parts))
