"""Build the reference alignment for bench/eval_anchors.py (issue 18), independently of the
code it measures.

    python bench/make_anchor_reference.py                 # regenerate every transition
    python bench/make_anchor_reference.py --review arf-2026-02-to-2026-05 > /tmp/review.txt

For each transition (two consecutive versions of a real document in ../shared/corpus) the
versions are parsed with the product's parser (documents.parse_files, as an import does), so
the paragraphs are exactly those the product carries anchors between. The candidates come
from this file alone; documents/anchors.py is never called (importing the `documents` package
loads it, nothing here uses it):

1. an in-order alignment of identical texts: the longest common subsequence over the
   paragraphs' fingerprints (dynamic programming, exact);
2. identical texts left out of that order are "moved", repeats paired in reading order;
3. for the rest, character-level similarity (difflib, on the normalised text, headings and
   items without their leading number or letter) and containment (how much of one text the
   other holds), assigned one-to-one best first: between paragraphs in the same gap of the
   alignment from similarity 0.5 up, between paragraphs far apart from 0.7 up;
4. splits (an old paragraph whose text two or more new neighbours hold: the larger piece
   keeps it, the smaller is "split-smaller") and merges (a new paragraph holding two or more
   old ones: it derives from the largest, the others are "merged-into" it);
5. pairs out of the order of the final one-to-one alignment are "moved" / "moved-edited".

Then a person reviewed the candidates by reading (see docs/anchor-quality.md). Their
decisions are stored in each transition's JSON under "decisions" and re-applied on every
regeneration; each item they changed carries a "reviewed" note.

The JSON (bench/data/anchors/<transition>.json) names every paragraph by position and
fingerprint, with its number, kind and the first 60 characters of its text; eval_anchors.py
refuses to run when the corpus no longer parses to those paragraphs.
"""
from __future__ import annotations

import argparse
import bisect
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import documents  # noqa: E402  (the parser; carry_anchors is never called here)

CORPUS = ROOT.parent / "shared" / "corpus"
DATA = ROOT / "bench" / "data" / "anchors"
ARF = "eudi-arf"
FEDERAL = "federal-source-code-policy"
# The app's reading order of the federal policy's pages (consult/demo.py, tests/documents).
FEDERAL_DRAFT = ["index", "introduction", "objectives", "scope", "procurement", "reuse", "oss",
                 "Implementation", "Appendixa", "appendixb"]
FEDERAL_FINAL = ["introduction", "objectives", "scope", "solutions-analysis", "reuse", "oss",
                 "exceptions", "Implementation", "Appendixa"]


@dataclass(frozen=True)
class Version:
    """One version of a document: its label and its files (paths under the corpus), in order."""

    label: str
    files: tuple[str, ...]


@dataclass(frozen=True)
class Transition:
    name: str
    split: str  # "dev" or "held-out"
    old: Version
    new: Version


ARF_1_5 = Version("ARF 1.5.0 (2025-02-04)", (f"{ARF}/arf-main-2025-02-04-a07a4025.md",))
ARF_2_7 = Version("ARF 2.7.x (2025-11-12; change log v2.7.2)", (f"{ARF}/arf-main-2025-11-12-d1159a8a.md",))
ARF_2_8 = Version("ARF 2.8.0 (2026-02-02)", (f"{ARF}/arf-main-2026-02-02-e5f714f2.md",))
ARF_2_9 = Version("ARF 2.9.0 (2026-05-21)", (f"{ARF}/arf-main-2026-05-21-28644bfb.md",))
DRAFT = Version("federal draft (2016-03)", tuple(f"{FEDERAL}/draft-2016-03/{n}.md" for n in FEDERAL_DRAFT))
FINAL = Version("federal final (2016-08)", tuple(f"{FEDERAL}/final-2016-08/{n}.md" for n in FEDERAL_FINAL))

TRANSITIONS = [
    Transition("arf-2025-02-to-2025-11", "dev", ARF_1_5, ARF_2_7),
    Transition("arf-2025-11-to-2026-02", "held-out", ARF_2_7, ARF_2_8),
    Transition("arf-2026-02-to-2026-05", "dev", ARF_2_8, ARF_2_9),  # ARF 2.8 -> 2.9: the timing target
    Transition("federal-draft-to-final", "held-out", DRAFT, FINAL),
]
TIMED = "arf-2026-02-to-2026-05"

CATEGORIES = ("unchanged", "moved", "edited", "moved-edited", "split-larger", "split-smaller", "merged", "new")
IDENTICAL = ("unchanged", "moved")
PREVIEW = 60


def load(version: Version) -> documents.Document:
    """Parse a version as the app imports it: files decoded, then parse_files in reading order."""
    files = []
    for rel in version.files:
        path = CORPUS / rel
        files.append((path.name, documents.decode(path.read_bytes(), path.name)))
    return documents.parse_files(files)


# --------------------------------------------------------------------------- text measures

_LEADING_NUMBER = re.compile(
    r"^\s*(?:(?:annex|appendix|section|chapter|part)\s+)?"
    r"(?:\(?\d{1,3}(?:\.\d{1,3})*\.?\)?|\(?[a-z]{1,2}[.)]|\(?[ivxlc]{1,5}[.)]|[a-z](?:\.\d{1,3})+\.?)"
    r"(?=\s)\s*[:.\-–—]?\s*")


def norm(text: str) -> str:
    return " ".join(text.casefold().split())


def bare(paragraph: documents.Paragraph) -> str:
    """Normalised text; headings and list items without their leading number or letter."""
    text = norm(paragraph.text)
    if paragraph.kind in ("heading", "list_item"):
        stripped = _LEADING_NUMBER.sub("", text, count=1)
        return stripped or text
    if paragraph.kind == "footnote":  # footnotes are renumbered: "3See …" -> "2 See …"
        return re.sub(r"^\d{1,3}\s*", "", text) or text
    return text


def measures(a: str, b: str) -> tuple[float, float, float]:
    """(similarity, share of b held in a, share of a held in b), weighted by characters.

    The texts are aligned word by word (difflib), and each matched word counts its length plus
    one: character-level figures at the speed of a word-level alignment."""
    if not a or not b:
        return (1.0, 1.0, 1.0) if a == b else (0.0, 0.0, 0.0)
    wa, wb = _TOKEN.findall(a), _TOKEN.findall(b)
    sm = SequenceMatcher(None, wa, wb, autojunk=False)
    matched = sum(len(w) + 1 for block in sm.get_matching_blocks() for w in wa[block.a:block.a + block.size])
    la, lb = sum(len(w) + 1 for w in wa), sum(len(w) + 1 for w in wb)
    return 2 * matched / (la + lb), min(matched / lb, 1.0), min(matched / la, 1.0)


_TOKEN = re.compile(r"\w+|[^\w\s]")
_WORD = re.compile(r"\w+")


def words(text: str) -> set[str]:
    return set(_WORD.findall(text))


# --------------------------------------------------------------------------- alignment

def lcs(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """The longest common subsequence of two lists, as index pairs (exact DP on the middle)."""
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    head = [(i, i) for i in range(start)]
    tail = [(end_a + k, end_b + k) for k in range(len(a) - end_a)]
    sa, sb = a[start:end_a], b[start:end_b]
    n, m = len(sa), len(sb)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = table[i], table[i + 1]
        x = sa[i]
        for j in range(m - 1, -1, -1):
            row[j] = below[j + 1] + 1 if x == sb[j] else max(below[j], row[j + 1])
    middle = []
    i = j = 0
    while i < n and j < m:
        if sa[i] == sb[j]:
            middle.append((start + i, start + j))
            i += 1
            j += 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return head + middle + tail


def in_order(pairs: list[tuple[int, int]], weight: dict[tuple[int, int], int] | None = None) -> set[tuple[int, int]]:
    """The heaviest set of (old, new) pairs in the same order in both versions (weighted longest
    increasing subsequence; by default every pair weighs 1)."""
    ordered = sorted(pairs, key=lambda p: p[1])
    if weight is None:
        tails: list[int] = []
        tail_index: list[int] = []
        parent = [-1] * len(ordered)
        for k, (o, _n) in enumerate(ordered):
            pos = bisect.bisect_left(tails, o)
            if pos == len(tails):
                tails.append(o)
                tail_index.append(k)
            else:
                tails[pos] = o
                tail_index[pos] = k
            parent[k] = tail_index[pos - 1] if pos else -1
        end = tail_index[-1] if tail_index else -1
    else:
        total = [0] * len(ordered)
        parent = [-1] * len(ordered)
        for k, (o, _n) in enumerate(ordered):
            best, via = 0, -1
            for j in range(k):
                if ordered[j][0] < o and total[j] > best:
                    best, via = total[j], j
            total[k], parent[k] = best + weight[ordered[k]], via
        end = max(range(len(ordered)), key=total.__getitem__) if ordered else -1
    keep: set[tuple[int, int]] = set()
    k = end
    while k >= 0:
        keep.add(ordered[k])
        k = parent[k]
    return keep


def candidates(old: list[documents.Paragraph], new: list[documents.Paragraph]) -> dict[str, Any]:
    """The generated alignment: source per new paragraph, merges, and scores for review."""
    old_fp = [p.fingerprint for p in old]
    new_fp = [p.fingerprint for p in new]
    source: dict[int, int] = {}  # new -> old
    category: dict[int, str] = {}
    score: dict[int, float] = {}
    for o, n in lcs(old_fp, new_fp):
        source[n] = o
    used = set(source.values())
    # Identical texts outside that order: moved, repeats paired in reading order.
    free_old_by_fp: dict[str, list[int]] = defaultdict(list)
    for o, fp in enumerate(old_fp):
        if o not in used:
            free_old_by_fp[fp].append(o)
    for n, fp in enumerate(new_fp):
        if n not in source and free_old_by_fp.get(fp):
            o = free_old_by_fp[fp].pop(0)
            source[n] = o
            used.add(o)
    # The gaps of the identical alignment: a pair in the same gap is "aligned neighbours".
    anchors_sorted = sorted((o, n) for n, o in source.items() if old_fp[o] == new_fp[n])
    ordered = in_order(anchors_sorted)

    def gaps(count: int, side: int) -> list[int]:
        marks = sorted(p[side] for p in ordered)
        result, g, k = [], 0, 0
        for i in range(count):
            while k < len(marks) and marks[k] < i:
                k += 1
                g += 1
            result.append(g)
        return result

    gap_old, gap_new = gaps(len(old), 0), gaps(len(new), 1)
    free_old = [o for o in range(len(old)) if o not in used]
    free_new = [n for n in range(len(new)) if n not in source]
    bare_old = {o: bare(old[o]) for o in free_old}
    bare_new = {n: bare(new[n]) for n in free_new}
    words_old = {o: words(bare_old[o]) for o in free_old}
    postings: dict[str, list[int]] = defaultdict(list)
    for o in free_old:
        for w in words_old[o]:
            postings[w].append(o)
    scored: list[tuple[float, int, int, float, float, float]] = []
    contain: dict[int, list[tuple[float, int]]] = defaultdict(list)  # old -> (share of new held, new)
    held_in: dict[int, list[tuple[float, int]]] = defaultdict(list)  # new -> (share of old held, old)
    best: dict[int, tuple[float, int]] = {}
    for n in free_new:
        hits: dict[int, int] = defaultdict(int)
        for w in words(bare_new[n]):
            for o in postings.get(w, ()):
                hits[o] += 1
        size_n = max(len(words(bare_new[n])), 1)
        # Shared words relative to the smaller text (so split pieces qualify), same gap first.
        overlap = {o: h / max(min(size_n, len(words_old[o])), 1) for o, h in hits.items()}
        pool = sorted((o for o in overlap if overlap[o] >= 0.3),
                      key=lambda o: (gap_old[o] != gap_new[n], -overlap[o]))[:30]
        for o in pool:
            a, b = bare_old[o], bare_new[n]
            if not a or not b:
                continue
            sim, new_held, old_held = measures(a, b)
            same_gap = gap_old[o] == gap_new[n]
            if sim > best.get(n, (-1.0, -1))[0]:
                best[n] = (sim, o)
            # Aligned neighbours from similarity 0.5, or 0.35 when one text holds most of the
            # other (a sentence added or dropped); paragraphs far apart from 0.7.
            if (same_gap and (sim >= 0.5 or (sim >= 0.35 and max(new_held, old_held) >= 0.8))) or sim >= 0.7:
                scored.append((sim + (0.1 if same_gap else 0.0), n, o, sim, new_held, old_held))
            if new_held >= 0.85 and len(b) >= 30:
                contain[o].append((len(b), n))
            if old_held >= 0.85 and len(a) >= 30:
                held_in[n].append((len(a), o))
    scored.sort(reverse=True)
    for _, n, o, sim, _nh, _oh in scored:
        if n not in source and o not in used:
            source[n] = o
            used.add(o)
            score[n] = sim
    # Splits: two or more new neighbours each held in one old paragraph.
    split_from: dict[int, int] = {}
    for o, pieces in contain.items():
        pieces = [(size, n) for size, n in pieces if source.get(n, o) == o]
        if len(pieces) < 2:
            continue
        ns = sorted(n for _, n in pieces)
        if ns[-1] - ns[0] > 3 * len(ns):
            continue
        larger = max(pieces)[1]
        if source.get(larger) is not None and source[larger] != o:
            continue
        if source.get(larger) is None and o in used:
            continue
        source[larger] = o
        used.add(o)
        category[larger] = "split-larger"
        for _, n in pieces:
            if n != larger:
                source.pop(n, None)
                split_from[n] = o
                category[n] = "split-smaller"
    # Merges: a new paragraph holding two or more old neighbours.
    merged_from: dict[int, list[int]] = {}
    for n, parts in held_in.items():
        parts = [(size, o) for size, o in parts if o not in used or source.get(n) == o]
        if len(parts) < 2 or n in split_from:
            continue
        os_ = sorted(o for _, o in parts)
        if os_[-1] - os_[0] > 3 * len(os_):
            continue
        largest = max(parts)[1]
        if source.get(n) not in (None, largest):
            continue
        source[n] = largest
        used.add(largest)
        category[n] = "merged"
        merged_from[n] = [o for _, o in parts if o != largest]
        used.update(merged_from[n])
    # Categories from the final one-to-one alignment's order.
    pairs = [(o, n) for n, o in source.items()]
    order = in_order(pairs)
    for n, o in source.items():
        if n in category:
            continue
        identical = old_fp[o] == new_fp[n]
        kept_order = (o, n) in order
        category[n] = ("unchanged" if kept_order else "moved") if identical else \
            ("edited" if kept_order else "moved-edited")
    for n in range(len(new)):
        category.setdefault(n, "new")
    return {"source": source, "category": category, "split_from": split_from,
            "merged_from": merged_from, "score": score, "best": best}


# --------------------------------------------------------------------------- the JSON

def describe(paragraph: documents.Paragraph) -> dict[str, Any]:
    return {"pos": paragraph.position, "fp": paragraph.fingerprint[:12], "number": paragraph.number,
            "kind": paragraph.kind, "text": paragraph.text[:PREVIEW]}


def apply_decisions(gen: dict[str, Any], decisions: list[dict[str, Any]], old: list[documents.Paragraph],
                    new: list[documents.Paragraph]) -> dict[int, str]:
    """Apply the reviewer's decisions to the generated alignment; return new -> note."""
    notes: dict[int, str] = {}
    source, category = gen["source"], gen["category"]
    for d in decisions:
        n = d["new"]
        if new[n].fingerprint[:12] != d["new_fp"]:
            raise SystemExit(f"decision on new paragraph {n} no longer matches: {d}")
        o = d.get("old")
        if o is not None and old[o].fingerprint[:12] != d["old_fp"]:
            raise SystemExit(f"decision naming old paragraph {o} no longer matches: {d}")
        # Whoever had this old paragraph (other than a split piece) loses it.
        if o is not None and d["category"] != "split-smaller":
            for other, src in list(source.items()):
                if src == o and other != n:
                    del source[other]
                    category[other] = "new"
                    notes.setdefault(other, f"lost old {o} to new {n} by review")
            for parts in gen["merged_from"].values():
                if o in parts:
                    parts.remove(o)
        source.pop(n, None)
        gen["split_from"].pop(n, None)
        gen["merged_from"].pop(n, None)
        if d["category"] == "split-smaller":
            gen["split_from"][n] = o
        elif o is not None:
            source[n] = o
        if d.get("merged_from"):
            gen["merged_from"][n] = list(d["merged_from"])
        category[n] = d["category"]
        notes[n] = d["note"]
    return notes


def build(t: Transition, decisions: list[dict[str, Any]]) -> dict[str, Any]:
    old_doc, new_doc = load(t.old), load(t.new)
    old, new = old_doc.paragraphs, new_doc.paragraphs
    gen = candidates(old, new)
    notes = apply_decisions(gen, decisions, old, new)
    source, category = gen["source"], gen["category"]
    # Whether a pair kept its place is decided on the final alignment, decisions included.
    pairs = [(o, n) for n, o in source.items()]
    # Identical texts weigh more: the unchanged paragraphs are the spine of the order.
    order = in_order(pairs, {(o, n): 3 if old[o].fingerprint == new[n].fingerprint else 1 for o, n in pairs})
    for n, o in source.items():
        if category[n] in ("unchanged", "moved", "edited", "moved-edited"):
            identical = old[o].fingerprint == new[n].fingerprint
            kept_order = (o, n) in order
            category[n] = ("unchanged" if kept_order else "moved") if identical else \
                ("edited" if kept_order else "moved-edited")
    items = []
    for n, p in enumerate(new):
        o = source.get(n)
        if category[n] == "split-smaller":
            o = gen["split_from"][n]
        item: dict[str, Any] = {"new": describe(p), "category": category[n]}
        if o is not None:
            item["old"] = describe(old[o])
        if gen["merged_from"].get(n):
            item["merged_from"] = [describe(old[x]) for x in sorted(gen["merged_from"][n])]
        if n in notes:
            item["reviewed"] = notes[n]
        items.append(item)
    kept = {source[n] for n in source if category[n] != "split-smaller"}
    absorbed = {o for parts in gen["merged_from"].values() for o in parts}
    deleted = [describe(old[o]) for o in range(len(old)) if o not in kept and o not in absorbed]
    return {
        "transition": t.name, "split": t.split,
        "old": {"label": t.old.label, "files": list(t.old.files), "paragraphs": len(old)},
        "new": {"label": t.new.label, "files": list(t.new.files), "paragraphs": len(new)},
        "about": "one item per new paragraph: the old paragraph it derives from (by position and "
                 "fingerprint prefix) or none, and its category; 'deleted' lists the old paragraphs "
                 "without a successor (the old paragraphs merged into a new one are in its 'merged_from'). "
                 "Built by bench/make_anchor_reference.py, then reviewed by hand: 'decisions' are the "
                 "reviewer's, re-applied on regeneration; items they changed carry 'reviewed'.",
        "decisions": decisions,
        "items": items,
        "deleted": deleted,
    }


def path_for(name: str) -> Path:
    return DATA / f"{name}.json"


def read_reference(name: str) -> dict[str, Any]:
    return json.loads(path_for(name).read_text(encoding="utf-8"))


def write_reference(ref: dict[str, Any]) -> None:
    """One item per line, so a review shows as a readable diff."""
    lines = ["{"]
    keys = list(ref)
    for k, key in enumerate(keys):
        comma = "," if k < len(keys) - 1 else ""
        value = ref[key]
        if isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"  {json.dumps(key)}: [")
            for i, entry in enumerate(value):
                sep = "," if i < len(value) - 1 else ""
                lines.append("    " + json.dumps(entry, ensure_ascii=False) + sep)
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}")
    DATA.mkdir(parents=True, exist_ok=True)
    path_for(ref["transition"]).write_text("\n".join(lines) + "\n", encoding="utf-8")


def check_paragraphs(ref: dict[str, Any], old: list[documents.Paragraph], new: list[documents.Paragraph]) -> None:
    """Fail loudly when the corpus no longer parses to the paragraphs the reference names."""
    problems = []
    for side, paragraphs in (("old", old), ("new", new)):
        if ref[side]["paragraphs"] != len(paragraphs):
            problems.append(f"{side} version has {len(paragraphs)} paragraphs, the reference {ref[side]['paragraphs']}")
    entries = [("new", it["new"]) for it in ref["items"]]
    entries += [("old", it["old"]) for it in ref["items"] if "old" in it]
    entries += [("old", m) for it in ref["items"] for m in it.get("merged_from", ())]
    entries += [("old", d) for d in ref["deleted"]]
    for side, entry in entries:
        paragraphs = old if side == "old" else new
        pos = entry["pos"]
        if pos >= len(paragraphs) or paragraphs[pos].fingerprint[:12] != entry["fp"]:
            got = paragraphs[pos].text[:PREVIEW] if pos < len(paragraphs) else "(none)"
            problems.append(f"{side} paragraph {pos} was {entry['text']!r}, now {got!r}")
    if problems:
        shown = "\n  ".join(problems[:20])
        raise SystemExit(
            f"{ref['transition']}: the corpus no longer parses to the reference's paragraphs "
            f"({len(problems)} differences); the parser or the corpus changed. Regenerate with "
            f"bench/make_anchor_reference.py and review again.\n  {shown}")


# --------------------------------------------------------------------------- review listing

def review(t: Transition) -> None:
    """Print what a reviewer reads: every non-identical pair, and new/deleted paragraphs with
    a plausible counterpart."""
    old_doc, new_doc = load(t.old), load(t.new)
    old, new = old_doc.paragraphs, new_doc.paragraphs
    ref = read_reference(t.name)
    check_paragraphs(ref, old, new)
    deleted = {d["pos"] for d in ref["deleted"]}
    news = [it["new"]["pos"] for it in ref["items"] if it["category"] == "new"]
    print(f"# {t.name}: {t.old.label} -> {t.new.label}\n")
    print("## pairs whose text differs\n")
    for it in ref["items"]:
        if it["category"] in IDENTICAL or "old" not in it:
            continue
        n, o = it["new"]["pos"], it["old"]["pos"]
        sim, nh, oh = measures(bare(old[o]), bare(new[n]))
        print(f"[{it['category']}] new {n} <- old {o}  sim {sim:.2f} new-held {nh:.2f} old-held {oh:.2f}"
              + (f"  reviewed: {it['reviewed']}" if "reviewed" in it else ""))
        print(f"   OLD {old[o].number} {old[o].kind}: {old[o].text[:300]}")
        print(f"   NEW {new[n].number} {new[n].kind}: {new[n].text[:300]}")
        for m in it.get("merged_from", ()):
            print(f"   ALSO old {m['pos']}: {old[m['pos']].text[:200]}")
        print()
    print("## new paragraphs with a plausible counterpart among deleted ones\n")
    for n in news:
        b = bare(new[n])
        options = []
        for o in deleted:
            sim, nh, oh = measures(bare(old[o]), b)
            if sim >= 0.3 or nh >= 0.6 or oh >= 0.6 or bare(old[o]) == b:
                options.append((sim, nh, oh, o))
        if options:
            print(f"new {n} {new[n].number} {new[n].kind}: {new[n].text[:300]}")
            for sim, nh, oh, o in sorted(options, reverse=True)[:3]:
                print(f"   ? old {o} {old[o].number} sim {sim:.2f} nh {nh:.2f} oh {oh:.2f}: {old[o].text[:300]}")
            print()
    print("## deleted paragraphs with a plausible counterpart anywhere\n")
    for o in sorted(deleted):
        b = bare(old[o])
        found: list[tuple[float, float, float, int, str]] = []
        for it in ref["items"]:
            n = it["new"]["pos"]
            if it["category"] in IDENTICAL:
                continue
            sim, nh, oh = measures(b, bare(new[n]))
            if sim >= 0.35 or (oh >= 0.7 and len(b) >= 20):
                found.append((sim, nh, oh, n, it["category"]))
        if found:
            print(f"deleted old {o} {old[o].number} {old[o].kind}: {old[o].text[:300]}")
            for sim, nh, oh, n, cat in sorted(found, reverse=True)[:3]:
                print(f"   ? new {n} [{cat}] sim {sim:.2f} nh {nh:.2f} oh {oh:.2f}: {new[n].text[:300]}")
            print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="regenerate one transition")
    parser.add_argument("--review", metavar="TRANSITION", help="print the review listing of a transition")
    args = parser.parse_args()
    if args.review:
        review(next(t for t in TRANSITIONS if t.name == args.review))
        return 0
    for t in TRANSITIONS:
        if args.only and t.name != args.only:
            continue
        decisions = read_reference(t.name)["decisions"] if path_for(t.name).exists() else []
        ref = build(t, decisions)
        write_reference(ref)
        counts: dict[str, int] = defaultdict(int)
        for it in ref["items"]:
            counts[it["category"]] += 1
        print(f"{t.name}: " + ", ".join(f"{c} {counts[c]}" for c in CATEGORIES)
              + f", deleted {len(ref['deleted'])}, decisions {len(decisions)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
