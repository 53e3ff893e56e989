"""Aligning a document's text in one language with its translation, paragraph for paragraph.

A consultation offered in two languages has one text per language for each version, and a
paragraph's comments are the same whatever language it is read in, so every paragraph of the
translation must stand for exactly one paragraph of the main text. They are paired:

1. by pinned anchors: a block pinned `{#fees}` in both texts is the same paragraph;
2. between those, by structure and position: the same kinds of block in the same order (a
   heading of the same level, a list item, a table...). When the two runs of blocks differ, a
   dynamic-programming alignment decides which blocks pair and which have no counterpart,
   scoring a pair by its kinds, what a translation keeps (numbers, links, names in capitals) and
   the ratio of the lengths (a translation is about as long as its source: Gale and Church).

Anything that does not pair is a `Mismatch`: a paragraph present in one language only, two
blocks of different kinds in the same place, headings whose own numbers differ. They are
errors for the person importing to fix, never silent gaps. Pure: no Flask, no database.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .model import Paragraph
from .parse import own_number

# Blocks further than this from the diagonal are not compared (a large document's runs of
# paragraphs stay linear in time); a translation with more extra blocks than this is unusable.
BAND = 60
_GAP = 3.0  # the cost of leaving a block without a counterpart
_TOKENS = re.compile(r"\d+(?:[.,:/]\d+)*|https?://\S+|\b[A-Z][A-Z0-9]{1,}\b")


@dataclass(frozen=True)
class Mismatch:
    """One thing that does not align: kind is "missing" (a main-text paragraph the translation
    lacks), "extra" (a translated paragraph with no counterpart), "kind" (different kinds of
    block in the same place), "number" (headings numbered differently) or "pinned" (an anchor
    pinned in the translation that the main text does not have)."""

    kind: str
    main: Paragraph | None = None
    translation: Paragraph | None = None


@dataclass
class Alignment:
    """Which translated paragraph stands for each main-text paragraph, and what did not align."""

    pairs: list[tuple[int, int]] = field(default_factory=list)  # (main index, translation index)
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def aligned(self) -> bool:
        """True when every paragraph of each text has its counterpart in the other."""
        return not self.mismatches

    def translation_of(self, main: Sequence[Paragraph], translation: Sequence[Paragraph]) -> dict[str, Paragraph]:
        """Main-text anchor -> the translated paragraph paired with it."""
        return {main[i].anchor: translation[j] for i, j in self.pairs}


def _shape(paragraph: Paragraph) -> tuple[str, int]:
    return (paragraph.kind, paragraph.level if paragraph.kind == "heading" else 0)


def _keeps(paragraph: Paragraph) -> frozenset[str]:
    return frozenset(_TOKENS.findall(paragraph.text))


@dataclass(frozen=True)
class _Cues:
    """What a block's pairing is scored by, worked out once per block (the alignment compares
    each block with up to 2 x BAND others)."""

    shape: tuple[str, int]
    length: float  # log of the text's length
    keeps: frozenset[str]


def _cues(paragraph: Paragraph) -> _Cues:
    return _Cues(_shape(paragraph), math.log(len(paragraph.text) + 10), _keeps(paragraph))


def _pair_cost(a: _Cues, b: _Cues) -> float:
    """0 for a certain pair, more the less alike; different kinds of block never pair cheaply."""
    cost = 0.0 if a.shape == b.shape else 4.0
    cost += min(2.0, abs(a.length - b.length))
    if a.keeps or b.keeps:
        cost += 1.5 * (1 - len(a.keeps & b.keeps) / len(a.keeps | b.keeps))
    return cost


def _align_run(main: Sequence[Paragraph], translation: Sequence[Paragraph],
               i0: int, i1: int, j0: int, j1: int) -> list[tuple[int | None, int | None]]:
    """Pair main[i0:i1] with translation[j0:j1]: (i, j), (i, None) or (None, j), in order."""
    n, m = i1 - i0, j1 - j0
    if n == m and all(_shape(main[i0 + k]) == _shape(translation[j0 + k]) for k in range(n)):
        return [(i0 + k, j0 + k) for k in range(n)]
    inf = float("inf")
    main_cues = [_cues(main[i0 + k]) for k in range(n)]
    translation_cues = [_cues(translation[j0 + k]) for k in range(m)]
    # cost[i][j]: aligning the first i main blocks with the first j translated ones.
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    step: list[list[int]] = [[0] * (m + 1) for _ in range(n + 1)]  # 0 pair, 1 main alone, 2 translation alone
    cost[0][0] = 0.0
    band = BAND + abs(n - m)
    for i in range(n + 1):
        centre = i * m // n if n else 0
        for j in range(max(0, centre - band), min(m, centre + band) + 1):
            if i == 0 and j == 0:
                continue
            best, how = inf, 0
            if i and j and cost[i - 1][j - 1] < inf:
                best = cost[i - 1][j - 1] + _pair_cost(main_cues[i - 1], translation_cues[j - 1])
            if i and cost[i - 1][j] + _GAP < best:
                best, how = cost[i - 1][j] + _GAP, 1
            if j and cost[i][j - 1] + _GAP < best:
                best, how = cost[i][j - 1] + _GAP, 2
            cost[i][j], step[i][j] = best, how
    out: list[tuple[int | None, int | None]] = []
    i, j = n, m
    while i or j:
        how = step[i][j] if cost[i][j] < inf else (1 if i else 2)
        if how == 0 and i and j:
            out.append((i0 + i - 1, j0 + j - 1))
            i, j = i - 1, j - 1
        elif how == 1 and i or not j:
            out.append((i0 + i - 1, None))
            i -= 1
        else:
            out.append((None, j0 + j - 1))
            j -= 1
    return out[::-1]


def align(main: Sequence[Paragraph], translation: Sequence[Paragraph]) -> Alignment:
    """Pair each paragraph of `translation` with one of `main`, reporting what does not pair."""
    result = Alignment()
    pinned_main = {p.anchor: i for i, p in enumerate(main) if p.pinned}
    fixed: list[tuple[int, int]] = []
    for j, paragraph in enumerate(translation):
        if not paragraph.pinned:
            continue
        i = pinned_main.get(paragraph.anchor)
        if i is None:
            result.mismatches.append(Mismatch("pinned", translation=paragraph))
        elif not fixed or (i > fixed[-1][0] and j > fixed[-1][1]):
            fixed.append((i, j))
        # A pinned pair out of order with the others is aligned by position like the rest.
    bounds = [(-1, -1), *fixed, (len(main), len(translation))]
    for (a_i, a_j), (b_i, b_j) in zip(bounds, bounds[1:], strict=False):
        for mi, tj in _align_run(main, translation, a_i + 1, b_i, a_j + 1, b_j):
            if mi is not None and tj is not None:
                result.pairs.append((mi, tj))
            elif mi is not None:
                result.mismatches.append(Mismatch("missing", main=main[mi]))
            elif tj is not None:
                result.mismatches.append(Mismatch("extra", translation=translation[tj]))
        if b_i < len(main):
            result.pairs.append((b_i, b_j))
    for i, j in result.pairs:
        a, b = main[i], translation[j]
        if _shape(a) != _shape(b):
            result.mismatches.append(Mismatch("kind", main=a, translation=b))
        elif a.kind == "heading":
            own_a, own_b = own_number(a.text), own_number(b.text)
            if own_a and own_b and own_a != own_b:
                result.mismatches.append(Mismatch("number", main=a, translation=b))
    result.pairs.sort()
    return result
