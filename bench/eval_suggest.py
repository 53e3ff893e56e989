"""Quality (and speed) of consult.responses.suggest against human coders.

    python bench/eval_suggest.py                  # both halves, 3 simulated officials each
    python bench/eval_suggest.py --half dev       # the half used while developing
    python bench/eval_suggest.py --speed          # time and peak memory on 6,000 and 100,000 texts

Data: ../shared/corpus/nhs-patient-feedback/text_data.csv, read from there at run time (CC BY-NC-SA:
never copied into this repository). Rows are grouped by feedback text into items, each with
the set of its sub-categories (multi-label). A fixed split by the SHA-256 of the text puts
each item in the "dev" half (first byte even) or the "held-out" half (odd); the held-out half
was not looked at while developing. On each half an official is simulated who counts a random
10% by hand; the rest is scored:

- micro-F1: predicted themes of a text are all the suggestions `suggest_assignments` returns
  for it (the first and any other above the cut it learnt), against the human sub-categories;
- confident: precision of all `.confident` suggestions, and coverage = share of uncounted
  texts with at least one;
- themes: how many of the 19 largest human sub-categories of the half `suggest_themes`
  rediscovers with max_themes=30: a human theme H counts as found when some suggested theme T
  has >= 50% of its members in H and holds >= 25% of H.

`--pairs` measures the same on a multi-label stand-in: the half's comments joined two by two at
random (fixed seed), each pair with the union of their themes, as a long consultation response
raises several themes.

The baseline is a plain TF-IDF (words) + one logistic regression per theme, same measures;
its "confident" figure is the best case: the coverage at the score threshold that would give
90% precision if the threshold were chosen knowing the answers. The unsupervised baseline is
plain NMF (30 topics, each text in its strongest topic).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import random
import resource
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from consult.responses import suggest  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "nhs-patient-feedback" / "text_data.csv"
SEEDS = (1, 2, 3)


def items(column: str = "subcategory") -> list[tuple[str, frozenset[str]]]:
    grouped: dict[str, set[str]] = defaultdict(set)
    with CORPUS.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            grouped[row["feedback"]].add(row[column].strip())
    return sorted((text, frozenset(labels)) for text, labels in grouped.items())


def half(data: list[tuple[str, frozenset[str]]], name: str) -> list[tuple[str, frozenset[str]]]:
    even = name == "dev"
    return [item for item in data if (hashlib.sha256(item[0].encode()).digest()[0] % 2 == 0) == even]


def pairs(data: list[tuple[str, frozenset[str]]]) -> list[tuple[str, frozenset[str]]]:
    order = list(range(len(data)))
    random.Random(5).shuffle(order)
    return [(f"{data[a][0]} {data[b][0]}", data[a][1] | data[b][1])  # an odd one out is left out
            for a, b in zip(order[::2], order[1::2], strict=False)]


def official(n: int, seed: int, share: float = 0.1) -> list[int]:
    return sorted(random.Random(seed).sample(range(n), max(1, round(n * share))))


def scores(gold: list[frozenset[str]], predicted: list[set[str]], confident: list[set[str]]) -> dict[str, float]:
    tp = sum(len(p & g) for p, g in zip(predicted, gold, strict=True))
    fp = sum(len(p - g) for p, g in zip(predicted, gold, strict=True))
    fn = sum(len(g - p) for p, g in zip(predicted, gold, strict=True))
    made = sum(len(c) for c in confident)
    right = sum(len(c & g) for c, g in zip(confident, gold, strict=True))
    return {"f1": 2 * tp / max(2 * tp + fp + fn, 1), "precision": right / made if made else float("nan"),
            "coverage": sum(bool(c) for c in confident) / max(len(gold), 1)}


def ours(texts: list[str], coded: dict[int, frozenset[str]], rest: list[int]):
    lists = suggest.suggest_assignments(texts, coded)
    predicted = [{s.theme for s in lists[i]} for i in rest]
    confident = [{s.theme for s in lists[i] if s.confident} for i in rest]
    return predicted, confident


def baseline(texts: list[str], coded: dict[int, frozenset[str]], rest: list[int], gold: list[frozenset[str]]):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    themes = sorted({t for ts in coded.values() for t in ts})
    train = sorted(coded)
    vec = TfidfVectorizer().fit([texts[i] for i in train])
    x_train, x_rest = vec.transform([texts[i] for i in train]), vec.transform([texts[i] for i in rest])
    p = np.zeros((len(rest), len(themes)))
    for k, theme in enumerate(themes):
        y = np.array([theme in coded[i] for i in train])
        if 0 < y.sum() < len(y):
            p[:, k] = LogisticRegression(max_iter=1000).fit(x_train, y).predict_proba(x_rest)[:, 1]
    predicted = [{themes[int(np.argmax(row))]} | {themes[k] for k in np.flatnonzero(row >= 0.5)} for row in p]
    # Best case for "confident": the top suggestion above the threshold giving 90% precision in hindsight.
    top = p.max(axis=1)
    right = np.array([themes[int(np.argmax(row))] in g for row, g in zip(p, gold, strict=True)])
    order = np.argsort(-top, kind="stable")
    precision = np.cumsum(right[order]) / np.arange(1, len(order) + 1)
    ok = np.flatnonzero(precision >= 0.9)
    chosen = set(order[: ok.max() + 1].tolist()) if len(ok) else set()
    confident = [{themes[int(np.argmax(p[j]))]} if j in chosen else set() for j in range(len(rest))]
    return predicted, confident


def rediscovered(members: list[list[int]], gold: list[frozenset[str]], largest: list[str]) -> int:
    found = 0
    for theme in largest:
        holders = {i for i, g in enumerate(gold) if theme in g}
        if any(len(holders.intersection(m)) >= 0.5 * len(m) and len(holders.intersection(m)) >= 0.25 * len(holders)
               for m in members if m):
            found += 1
    return found


def nmf_members(texts: list[str], topics: int = 30) -> list[list[int]]:
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    x = TfidfVectorizer(stop_words="english", min_df=2, max_df=0.5).fit_transform(texts)
    w = NMF(topics, random_state=0, init="nndsvd", max_iter=400).fit_transform(x)
    best = np.where(w.max(axis=1) > 0, w.argmax(axis=1), -1)
    return [np.flatnonzero(best == k).tolist() for k in range(topics)]


def evaluate(name: str, data: list[tuple[str, frozenset[str]]]) -> dict[str, dict[str, float]]:
    texts = [t for t, _ in data]
    gold_all = [g for _, g in data]
    results: dict[str, list[dict[str, float]]] = {"suggest": [], "baseline": []}
    seconds = []
    for seed in SEEDS:
        chosen = official(len(texts), seed)
        coded = {i: gold_all[i] for i in chosen}
        rest = [i for i in range(len(texts)) if i not in coded]
        gold = [gold_all[i] for i in rest]
        started = time.perf_counter()
        results["suggest"].append(scores(gold, *ours(texts, coded, rest)))
        seconds.append(time.perf_counter() - started)
        results["baseline"].append(scores(gold, *baseline(texts, coded, rest, gold)))
    summary = {k: {m: float(np.nanmean([r[m] for r in rs])) for m in rs[0]} for k, rs in results.items()}
    largest = [t for t, _ in Counter(t for g in gold_all for t in g).most_common(19)]
    started = time.perf_counter()
    themes = suggest.suggest_themes(texts, max_themes=30)
    theme_seconds = time.perf_counter() - started
    summary["suggest"]["themes"] = rediscovered([t.members for t in themes], gold_all, largest)
    summary["baseline"]["themes"] = rediscovered(nmf_members(texts), gold_all, largest)
    print(f"\n{name}: {len(texts):,} items, {len(chosen):,} counted by hand, "
          f"suggest_assignments {np.mean(seconds):.1f} s, suggest_themes {theme_seconds:.1f} s")
    print(f"  {'':10s} {'micro-F1':>9s} {'confident precision':>20s} {'coverage':>9s} {'themes found':>13s}")
    for k, s in summary.items():
        print(f"  {k:10s} {s['f1']:9.3f} {s['precision']:20.3f} {s['coverage']:9.3f} {int(s['themes']):>10d}/19")
    for t in themes[:12]:
        print(f"    theme {t.size:5d}  {t.label}")
    return summary


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def speed(n: int) -> None:
    """Time and peak memory of both calls on n texts made from the corpus (sampled with
    replacement and lightly varied, 10% counted), in this process."""
    data = items()
    rng = random.Random(7)
    picks = [data[rng.randrange(len(data))] for _ in range(n)]
    texts = [f"{t} {rng.choice(['', 'Thanks.', 'Overall fine.', 'That is all.'])}" for t, _ in picks]
    coded = {i: picks[i][1] for i in official(n, 1)}
    before = peak_mb()
    for name, call in (("suggest_assignments", lambda: suggest.suggest_assignments(texts, coded)),
                       ("suggest_themes", lambda: suggest.suggest_themes(texts))):
        started = time.perf_counter()
        call()
        print(f"{n:>7,} texts  {name:20s} {time.perf_counter() - started:6.1f} s   peak RSS {peak_mb():,.0f} MB "
              f"(before: {before:,.0f} MB)", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--half", choices=["dev", "held-out", "both"], default="both")
    parser.add_argument("--labels", choices=["subcategory", "label"], default="subcategory",
                        help="the human themes: sub-categories (default) or the 9 coarser categories")
    parser.add_argument("--pairs", action="store_true",
                        help="measure on the comments joined two by two (a multi-label stand-in)")
    parser.add_argument("--speed", type=int, nargs="*", metavar="N",
                        help="measure time and memory on N texts instead (default 6000 and 100000; run each in "
                             "its own process for a clean peak memory)")
    args = parser.parse_args(argv)
    if args.speed is not None:
        for n in args.speed or [6000, 100_000]:
            speed(n)
        return 0
    if not CORPUS.exists():
        print(f"{CORPUS} not found: this benchmark reads the shared corpus", file=sys.stderr)
        return 1
    data = items(args.labels)
    for name in (["dev", "held-out"] if args.half == "both" else [args.half]):
        chosen = half(data, name)
        evaluate(f"{name} (pairs)" if args.pairs else name, pairs(chosen) if args.pairs else chosen)
    return 0


if __name__ == "__main__":
    sys.exit(main())
