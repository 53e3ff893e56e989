"""Carrying paragraph anchors from one version of a document to the next."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from difflib import SequenceMatcher

from .model import Document, Paragraph
from .parse import derived_anchor_base, unique_anchor

FUZZY_THRESHOLD = 0.6
# Candidates scored per paragraph after the inverted-index prefilter.
CANDIDATES = 3
# With the neighbours weighing 0.2, text below 0.5 can never reach the threshold.
MIN_TEXT_SCORE = (FUZZY_THRESHOLD - 0.2) / 0.8
# Long blocks (tables, code) are compared on their opening words: enough to recognise them.
MAX_WORDS = 150
_FAMILY = {"heading": "heading", "code": "code", "table": "table"}
_WORD = re.compile(r"\w+")


def _family(kind: str) -> str:
    return _FAMILY.get(kind, "text")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _jaccard(a: list[str], b: list[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa or sb else 1.0


def carry_anchors(previous: Document, current: Document, reserved: Iterable[str] = ()) -> Document:
    """Give `current` the anchors of the matching paragraphs of `previous`; mark the rest new."""
    old, new = previous.paragraphs, current.paragraphs
    match: dict[int, int] = {}  # index in new -> index in old
    used_old: set[int] = set()

    def pair(n: int, o: int) -> None:
        match[n] = o
        used_old.add(o)

    # 1. Pinned anchors are carried by identity.
    old_by_anchor = {p.anchor: i for i, p in enumerate(old)}
    for n, paragraph in enumerate(new):
        if paragraph.pinned and paragraph.anchor in old_by_anchor:
            o = old_by_anchor[paragraph.anchor]
            if o not in used_old:
                pair(n, o)

    # 2. Identical text: among several, the nearest by relative position.
    rel_old = _relative_positions(len(old))
    rel_new = _relative_positions(len(new))
    # Identical words are the same quote even if its markup changed (a paragraph became a
    # list item), but among repeats the same kind of block is preferred.
    old_by_print: dict[str, list[int]] = defaultdict(list)
    for o, paragraph in enumerate(old):
        if o not in used_old:
            old_by_print[paragraph.fingerprint].append(o)
    new_by_print: dict[str, list[int]] = defaultdict(list)
    for n, paragraph in enumerate(new):
        if n not in match and paragraph.fingerprint in old_by_print:
            new_by_print[paragraph.fingerprint].append(n)
    for print_, news in new_by_print.items():
        olds = old_by_print[print_]
        if len(olds) * len(news) > 4096:
            pairs = list(zip(news, olds, strict=False))  # a huge group of repeats: keep reading order
        else:
            candidates = sorted(
                (_family(new[n].kind) != _family(old[o].kind), abs(rel_new[n] - rel_old[o]), n, o)
                for n in news for o in olds)
            pairs = [(n, o) for _, _, n, o in candidates]
        chosen_new, chosen_old = [], []
        for n, o in pairs:
            if n not in chosen_new and o not in chosen_old and n not in match and o not in used_old:
                chosen_new.append(n)
                chosen_old.append(o)
        # Nearest positions decide which repeats match; reading order decides who pairs with whom.
        for n, o in zip(sorted(chosen_new), sorted(chosen_old), strict=True):
            pair(n, o)

    # 3. Fuzzy: the quote with its neighbours, above a threshold, one-to-one, best first.
    _fuzzy(old, new, match, used_old, rel_old, rel_new)

    # 4. The rest is new; a new anchor never reuses one that meant something else before.
    taken = {p.anchor for p in old} | set(reserved)
    taken |= {old[o].anchor for o in match.values()}
    taken |= {p.anchor for n, p in enumerate(new) if p.pinned and n not in match}
    for n, paragraph in enumerate(new):
        if n in match:
            prior = old[match[n]]
            if not paragraph.pinned:
                paragraph.anchor = prior.anchor
            paragraph.previous_anchor = prior.anchor
            same = paragraph.anchor == prior.anchor and paragraph.fingerprint == prior.fingerprint
            paragraph.status = "unchanged" if same else "edited"
        else:
            paragraph.previous_anchor = None
            paragraph.status = "new"
            if not paragraph.pinned:
                paragraph.anchor = unique_anchor(derived_anchor_base(paragraph), taken)
                taken.add(paragraph.anchor)
    _refresh_sections(new)
    current.removed = [p for o, p in enumerate(old) if o not in used_old]
    return current


def _relative_positions(count: int) -> list[float]:
    return [i / max(count - 1, 1) for i in range(count)]


def _refresh_sections(paragraphs: list[Paragraph]) -> None:
    section: str | None = None
    for paragraph in paragraphs:
        paragraph.section = section
        if paragraph.kind == "heading":
            section = paragraph.anchor


def _fuzzy(old: list[Paragraph], new: list[Paragraph], match: dict[int, int], used_old: set[int],
           rel_old: list[float], rel_new: list[float]) -> None:
    free_old = [o for o in range(len(old)) if o not in used_old]
    free_new = [n for n in range(len(new)) if n not in match]
    if not free_old or not free_new:
        return
    old_words = {o: _words(old[o].text)[:MAX_WORDS] for o in free_old}
    # Inverted index of word sets; words in many paragraphs say little and cost a lot.
    index: dict[tuple[str, str], list[int]] = defaultdict(list)
    for o in free_old:
        family = _family(old[o].kind)
        for word in set(old_words[o]):
            index[(family, word)].append(o)
    common = max(20, len(free_old) // 10)

    def context(paragraphs: list[Paragraph], i: int) -> list[str]:
        before = paragraphs[i - 1].text[-300:] if i > 0 else ""
        after = paragraphs[i + 1].text[:300] if i + 1 < len(paragraphs) else ""
        return _words(before)[-20:] + _words(after)[:20]

    old_bags = {o: Counter(old_words[o]) for o in free_old}
    scored: list[tuple[float, float, int, int]] = []
    for n in free_new:
        family = _family(new[n].kind)
        words = _words(new[n].text)[:MAX_WORDS]
        hits: Counter[int] = Counter()
        for word in set(words):
            postings = index.get((family, word))
            if postings and len(postings) <= common:
                hits.update(postings)
        if not hits and words:
            # Only common words in common: fall back to them rather than miss a short heading.
            for word in set(words):
                hits.update(index.get((family, word), ()))
        if not hits:
            continue
        bag = Counter(words)
        # Shared words bound SequenceMatcher's ratio from above, so it prunes for free.
        bounded = []
        for o, _ in hits.most_common(3 * CANDIDATES):
            other = old_bags[o]
            common_words = sum(min(count, other[w]) for w, count in bag.items() if w in other)
            bound = 2 * common_words / max(len(words) + len(old_words[o]), 1)
            if bound >= MIN_TEXT_SCORE:
                bounded.append((bound, -abs(rel_old[o] - rel_new[n]), o))
        bounded.sort(reverse=True)
        new_context = context(new, n)
        for _, _, o in bounded[:CANDIDATES]:
            text_score = SequenceMatcher(None, words, old_words[o], autojunk=False).ratio()
            if text_score < MIN_TEXT_SCORE:
                continue
            around = _jaccard(new_context, context(old, o))
            score = 0.8 * text_score + 0.2 * around
            if score >= FUZZY_THRESHOLD:
                scored.append((score, -abs(rel_old[o] - rel_new[n]), n, o))
                if text_score > 0.9:
                    break  # a near-identical quote: the other candidates cannot win
    scored.sort(reverse=True)
    for _, _, n, o in scored:
        if n not in match and o not in used_old:
            match[n] = o
            used_old.add(o)
