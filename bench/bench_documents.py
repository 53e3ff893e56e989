"""Benchmark documents/: parse against bare markdown-it, and carry_anchors between versions.

Run: python bench/bench_documents.py
"""
from __future__ import annotations

import itertools
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from markdown_it import MarkdownIt  # noqa: E402 - the bench alone may use it directly

import documents  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
ARF = CORPUS / "eudi-arf"
FEDERAL = CORPUS / "federal-source-code-policy"
DRAFT = ["index", "introduction", "objectives", "scope", "procurement", "reuse", "oss",
         "Implementation", "Appendixa", "appendixb"]
FINAL = ["introduction", "objectives", "scope", "solutions-analysis", "reuse", "oss", "exceptions",
         "Implementation", "Appendixa"]
RUNS = 5


def best_of(runs: int, fn: Callable[[], object]) -> float:
    """Return the best wall-clock time of several runs, in seconds."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def federal(folder: str, names: list[str]) -> documents.Document:
    """Load one version of the federal policy as one document."""
    return documents.parse_files([(f"{n}.md", (FEDERAL / folder / f"{n}.md").read_text()) for n in names])


def main() -> int:
    """Print the timings and return non-zero when a target is missed."""
    text = (ARF / "arf-main-2026-05-21-28644bfb.md").read_text()
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    bare = best_of(RUNS, lambda: md.render(text))
    ours = best_of(RUNS, lambda: documents.parse(text))
    ratio = ours / bare
    print(f"## parse: ARF 2.9 (arf-main-2026-05-21, {len(text.encode()) // 1024} KB)\n")
    print(f"| step | best of {RUNS} |")
    print("| --- | --- |")
    print(f"| markdown-it-py render | {bare * 1000:.0f} ms |")
    print(f"| documents.parse (parse + render + sanitise) | {ours * 1000:.0f} ms |")
    print(f"| ratio | {ratio:.2f}x (target within 5x) |\n")

    versions = [(f.name, f.read_text()) for f in sorted(ARF.glob("arf-main-*.md"))]
    pairs: list[tuple[str, Callable[[], documents.Document]]] = []
    for (old_name, old_text), (new_name, new_text) in itertools.pairwise(versions):
        pairs.append((f"{old_name[9:19]} -> {new_name[9:19]}",
                      lambda a=old_text, b=new_text, na=old_name, nb=new_name: (
                          documents.parse(a, na), documents.parse(b, nb))))
    pairs.append(("federal draft -> final",
                  lambda: (federal("draft-2016-03", DRAFT), federal("final-2016-08", FINAL))))
    print("## carry_anchors\n")
    print(f"| versions | paragraphs | best of {RUNS} | unchanged | edited | new | removed |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    worst = 0.0
    for label, load in pairs:
        times = []
        for _ in range(RUNS):
            previous, current = load()
            start = time.perf_counter()
            documents.carry_anchors(previous, current)
            times.append(time.perf_counter() - start)
        counts = Counter(p.status for p in current.paragraphs)
        worst = max(worst, min(times))
        print(f"| {label} | {len(previous.paragraphs)} -> {len(current.paragraphs)} | "
              f"{min(times) * 1000:.0f} ms | {counts['unchanged']} | {counts['edited']} | "
              f"{counts['new']} | {len(current.removed)} |")
    print(f"\nslowest carry: {worst * 1000:.0f} ms (target < 2000 ms)")
    return 0 if ratio <= 5 and worst < 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
