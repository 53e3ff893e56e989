"""Carrying paragraph anchors from one version of a document to the next.

The two versions are matched in four passes, each on what the earlier ones left:

1. pinned anchors, by identity;
2. an in-order alignment of the texts (the longest common subsequence, as diff tools take it),
   with headings and list items compared without their leading number or letter, so "6.
   Questions" -> "7. Questions" is the same heading; identical repeats are chosen by that
   alignment, and identical texts that moved out of order are matched afterwards by position;
3. fuzzy matches, by word similarity or containment (the larger piece of a split, the paragraph
   a smaller one was merged into, in place a paragraph extended to many times its length):
   leniently between aligned neighbours, where an edited paragraph is expected, strictly (with
   its neighbours' words as well) for a paragraph that moved, then leniently again between
   matched neighbours (a paragraph rewritten inside a block that moved is found between the
   neighbours that moved with it); then two neighbouring new paragraphs that together are
   one old paragraph split and edited;
4. the rest is new: a new anchor never reuses one that meant something else before. A new
   paragraph cut off an old one that kept its anchor is marked ``split_from`` it.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable
from difflib import SequenceMatcher

from .model import Document, Paragraph
from .parse import derived_anchor_base, unique_anchor

# Between aligned neighbours (the paragraph stayed where it was): lenient.
GAP_THRESHOLD = 0.45
# The only old paragraph of its kind between two aligned neighbours: the new ones there are
# likely its successors.
SWAP_THRESHOLD = 0.35
# A paragraph that moved: the quote with its neighbours' words, strict.
MOVED_THRESHOLD = 0.62
MOVED_MIN_TEXT = 0.55
# A short text that moved, edited or repeated elsewhere: its neighbours' words must be this much
# alike too.
SHORT_MOVED_CONTEXT = 0.4
# A split or a merge: the smaller text found almost whole in the larger, which it is a fair
# share of.
CONTAINED = 0.85
CONTAINED_SHARE = 0.35
# A split-off piece has this many words at least, nearly all found in the old paragraph, within
# this many paragraphs of the larger.
SPLIT_MIN_WORDS = 5
SPLIT_HELD = 0.9
SPLIT_REACH = 4
# Candidates scored per paragraph after the inverted-index prefilter.
CANDIDATES = 4
# Left over between matched neighbours, one for one (_Matcher.positional): at most this many, and
# at least this similar.
POSITIONAL_MAX = 3
POSITIONAL_TEXT = 0.3
# Gaps this small are scored whole, whatever the prefilter says.
SMALL_GAP = 12
# Long blocks are compared on their opening words: enough to recognise them. Paragraphs get
# more, so an edit near the end of a long one still counts.
MAX_WORDS = {"text": 400, "heading": 400, "table": 150, "code": 150}
# Identical texts shorter than this ("Wallet Providers,", "Introduction") that moved are not
# matched on their words alone: their neighbours must agree (the fuzzy pass scores them).
DISTINCTIVE = 8
_FAMILY = {"heading": "heading", "code": "code", "table": "table"}
_WORD = re.compile(r"\w+")
# A leading number or letter: "6.", "4.2.", "C.", "(a)", "iv)", "Annex 2:", and for a heading
# a bare "6.1" before its words.
_LEAD = re.compile(
    r"^\s*(?:(?:annex|appendix|schedule|part|chapter|section|article)\s+[0-9a-z]{1,4}(?:\.[0-9]{1,3})*[.:)]?"
    r"|\(?(?:[0-9]{1,3}(?:\.[0-9]{1,3})*|[a-z]|[ivxl]{1,6})[.)](?:[0-9]{1,3}\.?)*"
    r"|\([0-9a-z]{1,4}\))(?=\s)", re.IGNORECASE)
_HEADING_NUMBER = re.compile(r"^\s*[0-9]{1,3}(?:\.[0-9]{1,3})*(?=\s)")


def _family(kind: str) -> str:
    return _FAMILY.get(kind, "text")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _lead(paragraph: Paragraph) -> tuple[str, str]:
    """A paragraph's leading number or letter, and its text without it."""
    text = paragraph.text
    if paragraph.kind not in ("heading", "list_item", "paragraph"):
        return "", text
    m = _LEAD.match(text) or (_HEADING_NUMBER.match(text) if paragraph.kind == "heading" else None)
    if m is None or not text[m.end():].strip():
        return "", text
    return m.group(0).strip().casefold().rstrip(".:)").lstrip("("), text[m.end():]


def _jaccard(a: list[str], b: list[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa or sb else 1.0


class _Side:
    """One version's paragraphs as the matcher compares them."""

    def __init__(self, paragraphs: list[Paragraph]) -> None:
        self.paragraphs = paragraphs
        self.family = [_family(p.kind) for p in paragraphs]
        self.number: list[str] = []
        self.words: list[list[str]] = []
        # Identical words are the same quote even if its markup changed (a paragraph became a
        # list item, a code block a paragraph), but a heading stays a heading; among repeats
        # the same kind is preferred.
        self.keys: list[str] = []
        for p, family in zip(paragraphs, self.family, strict=True):
            number, rest = _lead(p)
            words = _words(rest)
            self.number.append(number)
            self.words.append(words[:MAX_WORDS[family]])
            body = " ".join(words) if words else "#" + p.fingerprint
            self.keys.append(("h " if family == "heading" else "b ") + body)
        self.bags = [Counter(w) for w in self.words]
        count = len(paragraphs)
        self.rel = [i / max(count - 1, 1) for i in range(count)]

    def context(self, i: int, last: int | None = None) -> list[str]:
        """The words around paragraph i (or paragraphs i to last)."""
        last = i if last is None else last
        before = self.paragraphs[i - 1].text[-300:] if i > 0 else ""
        after = self.paragraphs[last + 1].text[:300] if last + 1 < len(self.paragraphs) else ""
        return _words(before)[-20:] + _words(after)[:20]


class _Matcher:
    def __init__(self, old: list[Paragraph], new: list[Paragraph]) -> None:
        self.old, self.new = _Side(old), _Side(new)
        self.match: dict[int, int] = {}  # index in new -> index in old
        self.used_old: set[int] = set()
        self.aligned: list[tuple[int, int]] = []  # in-order pairs (new, old), by new index
        self.short: set[str] = set()  # short texts that repeat: weak evidence on their own

    def pair(self, n: int, o: int) -> None:
        self.match[n] = o
        self.used_old.add(o)

    def pinned(self) -> None:
        by_anchor = {p.anchor: i for i, p in enumerate(self.old.paragraphs)}
        for n, paragraph in enumerate(self.new.paragraphs):
            if paragraph.pinned and paragraph.anchor in by_anchor:
                o = by_anchor[paragraph.anchor]
                if o not in self.used_old:
                    self.pair(n, o)

    def align(self) -> None:
        """Identical texts (numbers aside) in reading order, then those that moved."""
        old_free = [o for o in range(len(self.old.keys)) if o not in self.used_old]
        new_free = [n for n in range(len(self.new.keys)) if n not in self.match]
        a = [self.old.keys[o] for o in old_free]
        b = [self.new.keys[n] for n in new_free]
        # Short texts that repeat ("Introduction", "Wallet Providers,") anchor nothing on their
        # own: they join the alignment only next to a real match, as diff tools treat blank lines.
        counts = Counter(a) + Counter(b)
        self.short = {key for key, count in counts.items() if count > 2 and len(key.split()) <= DISTINCTIVE}
        blocks = SequenceMatcher(self.short.__contains__, a, b, autojunk=False).get_matching_blocks()
        for i, j, size in blocks:
            for k in range(size):
                self.pair(new_free[j + k], old_free[i + k])
        self.aligned = sorted((n, o) for n, o in self.match.items())
        self._monotone()
        self._moved_identical()

    def _monotone(self) -> None:
        """Keep as alignment boundaries only pairs in order (pinned anchors may have moved)."""
        kept = _increasing(self.aligned)
        self.aligned = kept
        self._aligned_new = [n for n, _ in kept]

    def _moved_identical(self) -> None:
        old_by_key: dict[str, list[int]] = defaultdict(list)
        for o, key in enumerate(self.old.keys):
            if o not in self.used_old:
                old_by_key[key].append(o)
        new_by_key: dict[str, list[int]] = defaultdict(list)
        for n, key in enumerate(self.new.keys):
            if n not in self.match and key in old_by_key and len(self.new.words[n]) >= DISTINCTIVE:
                new_by_key[key].append(n)
        for key, news in new_by_key.items():
            olds = old_by_key[key]
            if len(olds) * len(news) > 4096:
                pairs = list(zip(news, olds, strict=False))
            else:
                pairs = [(n, o) for *_, n, o in sorted(
                    (self.old.family[o] != self.new.family[n], self.old.number[o] != self.new.number[n],
                     abs(self.new.rel[n] - self.old.rel[o]), n, o) for n in news for o in olds)]
            for n, o in pairs:
                if n not in self.match and o not in self.used_old:
                    self.pair(n, o)

    def gap(self, n: int) -> tuple[int, int]:
        """The old indexes strictly between the aligned pairs around new paragraph n."""
        i = bisect_left(self._aligned_new, n)
        low = self.aligned[i - 1][1] if i > 0 else -1
        high = self.aligned[i][1] if i < len(self.aligned) else len(self.old.keys)
        return low, high

    def text_score(self, n: int, o: int, in_place: bool = False, cut_down: bool = False) -> tuple[float, bool]:
        """Similarity of two texts, or their containment; and whether one holds the other whole.
        `in_place`: also the old text found almost word for word, in order, inside the new one,
        however much longer that is: the paragraph was extended. Not the other way round unless
        `cut_down`: a new text found inside a longer old one may be a piece split off it."""
        words, other = self.new.words[n], self.old.words[o]
        if not words or not other:
            return 0.0, False
        bag, old_bag = self.new.bags[n], self.old.bags[o]
        common = sum(min(count, old_bag[w]) for w, count in bag.items() if w in old_bag)
        small, big = sorted((len(words), len(other)))
        ratio = SequenceMatcher(None, words, other, autojunk=False).ratio()
        held, share = common / small, common / big
        contained = (held + share) / 2 if held >= CONTAINED and share >= CONTAINED_SHARE else 0.0
        in_order = ratio * (small + big) / 2 >= CONTAINED * small
        if in_order and ((in_place and len(other) == small >= DISTINCTIVE)
                         or (cut_down and len(words) == small >= SPLIT_MIN_WORDS)):
            contained = max(contained, (held + share) / 2)
        return max(ratio, contained), held >= 0.999

    def local_gap(self, n: int) -> tuple[int, int] | None:
        """The old indexes strictly between the old paragraphs of new paragraph n's nearest
        matched neighbours, when those are in order: a slot in a block that moved, or one
        narrower than the alignment's."""
        below = next((m for m in range(n - 1, -1, -1) if m in self.match), None)
        above = next((m for m in range(n + 1, len(self.new.keys)) if m in self.match), None)
        low = self.match[below] if below is not None else -1
        high = self.match[above] if above is not None else len(self.old.keys)
        return (low, high) if low < high else None

    def fuzzy(self, moved: bool, local: bool = False) -> None:
        """Match by words: between aligned neighbours (moved=False), or anywhere (moved=True);
        `local`: between matched neighbours."""
        old, new = self.old, self.new
        free_old = [o for o in range(len(old.keys)) if o not in self.used_old]
        free_new = [n for n in range(len(new.keys)) if n not in self.match]
        if not free_old or not free_new:
            return
        index: dict[tuple[str, str], list[int]] = defaultdict(list)
        old_by_key: dict[str, list[int]] = defaultdict(list)
        for o in free_old:
            old_by_key[old.keys[o]].append(o)
            for word in set(old.words[o]):
                index[(old.family[o], word)].append(o)
        common = max(20, len(free_old) // 10)
        # Words found again whole elsewhere are not given to a look-alike in the meantime.
        new_keys = {new.keys[n] for n in free_new}
        scored: list[tuple[float, bool, float, int, int]] = []
        for n in free_new:
            family = new.family[n]
            if local:
                slot = self.local_gap(n)
                if slot is None:
                    continue
                low, high = slot
            else:
                low, high = self.gap(n)
            twins = old_by_key.get(new.keys[n], [])
            if moved:
                candidates = [o for o in dict.fromkeys(twins + self._prefilter(n, index, common))
                              if not low < o < high]
            else:
                in_gap = [o for o in free_old[bisect_left(free_old, low + 1):bisect_left(free_old, high)]
                          if old.family[o] == family]
                # The lower bar for the only old paragraph of its kind holds between identical
                # neighbours; a slot between fuzzy matches is weaker evidence.
                swap = len(in_gap) == 1 and not local
                if len(in_gap) > SMALL_GAP:
                    in_gap = self._prefilter(n, index, common, (low, high))
                candidates = [o for o in in_gap if old.keys[o] == new.keys[n]
                              or (old.keys[o] not in new_keys and new.keys[n] not in old_by_key)]
            new_context: list[str] | None = None
            for o in candidates:
                text, held = self.text_score(n, o, in_place=not moved)
                distance = abs(old.rel[o] - new.rel[n])
                same_number = bool(new.number[n]) and new.number[n] == old.number[o]
                if not moved:
                    heading_renamed = family == "heading" and held and same_number
                    if text >= (SWAP_THRESHOLD if swap else GAP_THRESHOLD) or heading_renamed:
                        scored.append((text, same_number, -distance, n, o))
                    continue
                if text < MOVED_MIN_TEXT:
                    continue
                if new_context is None:
                    new_context = new.context(n)
                around = _jaccard(new_context, old.context(o))
                generic = new.keys[n] in self.short or (text < 1 and len(new.words[n]) < DISTINCTIVE)
                if generic and around < SHORT_MOVED_CONTEXT:
                    # "Introduction" elsewhere, or "Wallet Providers," become "Wallet Providers,
                    # see Section 3.3,", is another section's unless its neighbours came with
                    # it; a short text found once on each side, word for word, is the same.
                    continue
                score = 0.8 * text + 0.2 * around
                if score >= MOVED_THRESHOLD:
                    scored.append((score, same_number, -distance, n, o))
        scored.sort(reverse=True)
        for _, _, _, n, o in scored:
            if n not in self.match and o not in self.used_old:
                self.pair(n, o)

    def _prefilter(self, n: int, index: dict[tuple[str, str], list[int]], common: int,
                   between: tuple[int, int] | None = None) -> list[int]:
        """The old paragraphs (strictly `between` two old indexes, if given) sharing the most
        telling words with new paragraph n."""
        family, words = self.new.family[n], self.new.words[n]
        hits: Counter[int] = Counter()
        for word in set(words):
            postings = index.get((family, word))
            if postings and len(postings) <= common:
                hits.update(postings)
        if not hits and words:
            # Only common words in common: fall back to them rather than miss a short heading.
            for word in set(words):
                hits.update(index.get((family, word), ()))
        if between is not None:
            low, high = between
            hits = Counter({o: count for o, count in hits.items() if low < o < high})
        if not hits:
            return []
        bag, size = self.new.bags[n], len(words)
        bounded = []
        for o, _ in hits.most_common(3 * CANDIDATES):
            other = self.old.bags[o]
            shared = sum(min(count, other[w]) for w, count in bag.items() if w in other)
            # Shared words bound the similarity from above (and give the containment).
            other_size = len(self.old.words[o])
            bound = max(2 * shared / max(size + other_size, 1), shared / max(min(size, other_size), 1))
            bounded.append((bound, -abs(self.old.rel[o] - self.new.rel[n]), o))
        bounded.sort(reverse=True)
        return [o for _, _, o in bounded[:CANDIDATES]]

    def sections(self, wait_for_twins: bool) -> None:
        """A heading whose section holds the paragraphs of an old section is that section's
        heading, renamed ("5.4 Standardised attestation formats" -> "5.3 Attestation formats
        and proof mechanisms"): the pair whose sections share most, as a share of the larger,
        at least half. Twice, so a chapter follows its renamed sections."""
        old_tree, new_tree = _subtrees(self.old.paragraphs), _subtrees(self.new.paragraphs)
        old_owner = _owners(self.old.paragraphs)
        # Before moved paragraphs are matched, a heading whose very words are free on the other
        # side waits for them (unless they are generic): that heading may have moved.
        free_old_keys: set[str] = set()
        free_new_keys: set[str] = set()
        if wait_for_twins:
            free_old_keys = {self.old.keys[o] for o in old_tree if o not in self.used_old} - self.short
            free_new_keys = {self.new.keys[h] for h in new_tree if h not in self.match} - self.short
        for _ in range(2):
            scored: list[tuple[float, int, int]] = []
            for h, (start, end) in new_tree.items():
                if h in self.match or end - start == 0 or self.new.keys[h] in free_old_keys:
                    continue
                shared: Counter[int] = Counter()
                for b in range(start, end):
                    o = self.match.get(b)
                    while o is not None and o >= 0:
                        o = old_owner[o]
                        if o >= 0:
                            shared[o] += 1
                for o, count in shared.items():
                    if o in self.used_old or self.old.keys[o] in free_new_keys:
                        continue
                    size = max(end - start, old_tree[o][1] - old_tree[o][0])
                    # One paragraph in common is too little to rename a heading on its own.
                    if 2 * count >= size and (count > 1 or self.text_score(h, o)[0] > 0):
                        scored.append((count / size, h, o))
            scored.sort(reverse=True)
            for _, h, o in scored:
                if h not in self.match and o not in self.used_old:
                    self.pair(h, o)
            if not scored:
                break

    def positional(self) -> None:
        """What is left between two matched neighbours, as many paragraphs on each side and of
        the same kinds in the same order, with some words in common: the same paragraphs,
        rewritten more than fuzzy matching accepts ("the validity period of a PID cannot exceed
        ..." -> "the technical validity period of a PID cannot exceed ..."), or one cut down to a
        part of itself, or extended. A paragraph deleted and another written in its place share
        fewer words than POSITIONAL_TEXT."""
        chain = _increasing(sorted(self.match.items()))
        bounds = [(-1, -1), *chain, (len(self.new.keys), len(self.old.keys))]
        for (n1, o1), (n2, o2) in zip(bounds, bounds[1:], strict=False):
            news = [n for n in range(n1 + 1, n2) if n not in self.match]
            olds = [o for o in range(o1 + 1, o2) if o not in self.used_old]
            if not news or len(news) != len(olds) or len(news) > POSITIONAL_MAX:
                continue
            pairs = list(zip(news, olds, strict=True))
            if all(self.new.family[n] == self.old.family[o]
                   and self.text_score(n, o, in_place=True, cut_down=True)[0] >= POSITIONAL_TEXT
                   for n, o in pairs):
                for n, o in pairs:
                    self.pair(n, o)

    def pieces(self) -> dict[int, int]:
        """Two neighbouring new paragraphs, both unmatched, that together are an old paragraph
        split and edited (the split that moved, or in place): their words together match it as
        strictly as a paragraph that moved, and better than either piece alone. The piece with
        more words in common keeps the anchor; the other is returned, new -> old, as split off."""
        new, old = self.new, self.old
        free_old = [o for o in range(len(old.keys)) if o not in self.used_old]
        index: dict[tuple[str, str], list[int]] = defaultdict(list)
        for o in free_old:
            for word in set(old.words[o]):
                index[(old.family[o], word)].append(o)
        common = max(20, len(free_old) // 10)
        scored: list[tuple[float, int, int, int]] = []
        for a in range(len(new.keys) - 1):
            b = a + 1
            family = new.family[a]
            if a in self.match or b in self.match or family == "heading" or new.family[b] != family:
                continue
            words = new.words[a] + new.words[b]
            candidates = dict.fromkeys(self._prefilter(a, index, common) + self._prefilter(b, index, common))
            around: list[str] | None = None
            bag = new.bags[a] + new.bags[b]
            for o in candidates:
                shared = sum(min(count, old.bags[o][w]) for w, count in bag.items() if w in old.bags[o])
                if 2 * shared < MOVED_MIN_TEXT * (len(words) + len(old.words[o])):
                    continue  # the words in common bound the similarity
                text = SequenceMatcher(None, words, old.words[o], autojunk=False).ratio()
                if text < MOVED_MIN_TEXT or text <= max(self.text_score(a, o)[0], self.text_score(b, o)[0]):
                    continue
                if around is None:
                    around = new.context(a, b)
                if 0.8 * text + 0.2 * _jaccard(around, old.context(o)) >= MOVED_THRESHOLD:
                    scored.append((text, a, b, o))
        found: dict[int, int] = {}
        for _, a, b, o in sorted(scored, reverse=True):
            if a in self.match or b in self.match or o in self.used_old:
                continue
            # The larger piece by the letters it kept ("6.5.3.4" is four words, but short ones).
            held_a = sum(len(w) * min(c, old.bags[o][w]) for w, c in new.bags[a].items())
            held_b = sum(len(w) * min(c, old.bags[o][w]) for w, c in new.bags[b].items())
            keep, other = (a, b) if held_a >= held_b else (b, a)
            self.pair(keep, o)
            found[other] = o
        return found

    def splits(self) -> dict[int, int]:
        """New paragraphs cut off an old one: new -> old. The old paragraph holds the new one's
        words almost whole, and is longer; it went to a near neighbour (the larger piece kept
        its anchor), or it is between the same aligned neighbours and went nowhere."""
        found: dict[int, int] = {}
        new, old = self.new, self.old
        free_old = sorted(o for o in range(len(old.keys)) if o not in self.used_old)
        for n in range(len(new.keys)):
            if n in self.match or len(new.words[n]) < SPLIT_MIN_WORDS or new.family[n] == "heading":
                continue
            near = [self.match[m] for m in sorted(range(n - SPLIT_REACH, n + SPLIT_REACH + 1), key=lambda m: abs(m - n))
                    if m in self.match and new.family[m] == new.family[n]]
            low, high = self.gap(n)
            near += free_old[bisect_left(free_old, low + 1):bisect_left(free_old, high)][:SMALL_GAP]
            bag = new.bags[n]
            for o in near:
                other = old.bags[o]
                if old.family[o] != new.family[n] or len(old.words[o]) <= len(new.words[n]):
                    continue
                held = sum(min(count, other[w]) for w, count in bag.items() if w in other)
                if held >= SPLIT_HELD * len(new.words[n]):
                    found[n] = o
                    break
        return found


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of `pairs` (sorted by their first index) whose second indexes increase
    too: the matches in reading order on both sides. One paragraph that moved far ahead does
    not hide the many that stayed in order after it, as taking each pair that goes on from the
    last would."""
    tails: list[int] = []  # tails[k]: the second index ending the best run of length k + 1
    ends: list[int] = []  # and the position in pairs of that run's last pair
    back: list[int] = []
    for i, (_, o) in enumerate(pairs):
        k = bisect_left(tails, o)
        if k == len(tails):
            tails.append(o)
            ends.append(i)
        else:
            tails[k], ends[k] = o, i
        back.append(ends[k - 1] if k else -1)
    run: list[tuple[int, int]] = []
    i = ends[-1] if ends else -1
    while i >= 0:
        run.append(pairs[i])
        i = back[i]
    return run[::-1]


def _owners(paragraphs: list[Paragraph]) -> list[int]:
    """For each paragraph, the index of the heading whose section it is in (-1: none); a
    heading belongs to the heading above it of a higher level."""
    owners: list[int] = []
    stack: list[int] = []  # open headings, outermost first
    for i, p in enumerate(paragraphs):
        if p.kind == "heading":
            while stack and paragraphs[stack[-1]].level >= p.level:
                stack.pop()
            owners.append(stack[-1] if stack else -1)
            stack.append(i)
        else:
            owners.append(stack[-1] if stack else -1)
    return owners


def _subtrees(paragraphs: list[Paragraph]) -> dict[int, tuple[int, int]]:
    """Each heading's section: the range of the paragraphs after it, up to the next heading of
    its level or higher."""
    ranges: dict[int, tuple[int, int]] = {}
    open_headings: list[int] = []
    for i, p in enumerate(paragraphs):
        if p.kind == "heading":
            while open_headings and paragraphs[open_headings[-1]].level >= p.level:
                h = open_headings.pop()
                ranges[h] = (h + 1, i)
            open_headings.append(i)
    for h in open_headings:
        ranges[h] = (h + 1, len(paragraphs))
    return ranges


def carry_anchors(previous: Document, current: Document, reserved: Iterable[str] = ()) -> Document:
    """Give `current` the anchors of the matching paragraphs of `previous`; mark the rest new."""
    old, new = previous.paragraphs, current.paragraphs
    matcher = _Matcher(old, new)
    matcher.pinned()
    matcher.align()
    matcher.fuzzy(moved=False)
    matcher.sections(wait_for_twins=True)
    matcher.fuzzy(moved=True)
    matcher.sections(wait_for_twins=False)
    matcher.fuzzy(moved=False, local=True)
    matcher.positional()
    split = matcher.pieces()
    split.update(matcher.splits())
    match = matcher.match

    taken = {p.anchor for p in old} | set(reserved)
    taken |= {p.anchor for n, p in enumerate(new) if p.pinned and n not in match}
    for n, paragraph in enumerate(new):
        paragraph.split_from = None
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
            if n in split:
                paragraph.split_from = old[split[n]].anchor
            if not paragraph.pinned:
                paragraph.anchor = unique_anchor(derived_anchor_base(paragraph), taken)
                taken.add(paragraph.anchor)
    _refresh_sections(new)
    current.removed = [p for o, p in enumerate(old) if o not in matcher.used_old]
    return current


def _refresh_sections(paragraphs: list[Paragraph]) -> None:
    section: str | None = None
    for paragraph in paragraphs:
        paragraph.section = section
        if paragraph.kind == "heading":
            section = paragraph.anchor
