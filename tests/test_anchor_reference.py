"""The reference alignment of bench/eval_anchors.py (issue 18) is sound: it names paragraphs the
corpus really parses to, pairs them one to one, and its categories agree with the texts.

It says nothing of carry_anchors' quality: that is the benchmark's business."""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import make_anchor_reference as reference  # noqa: E402

CHANGED = ("edited", "moved-edited", "split-larger", "merged")


@pytest.fixture(scope="module")
def transitions():
    if not reference.CORPUS.is_dir():
        pytest.skip(f"corpus folder {reference.CORPUS} is absent (it lives beside the repository)")
    parsed: dict[reference.Version, list] = {}  # each version parsed once (ARF 2.7 and 2.8 serve twice)

    def paragraphs(version):
        if version not in parsed:
            parsed[version] = reference.load(version).paragraphs
        return parsed[version]

    return {t.name: (t, reference.read_reference(t.name), paragraphs(t.old), paragraphs(t.new))
            for t in reference.TRANSITIONS}


def test_the_split_is_the_agreed_one():
    splits = {t.name: t.split for t in reference.TRANSITIONS}
    assert splits == {"arf-2025-02-to-2025-11": "dev", "arf-2026-02-to-2026-05": "dev",
                      "arf-2025-11-to-2026-02": "held-out", "federal-draft-to-final": "held-out"}
    for name, split in splits.items():
        assert reference.read_reference(name)["split"] == split


def test_the_reference_names_the_paragraphs_the_corpus_parses_to(transitions):
    for _t, ref, old, new in transitions.values():
        reference.check_paragraphs(ref, old, new)  # raises SystemExit on any difference
        assert [item["new"]["pos"] for item in ref["items"]] == list(range(len(new)))
        for item in ref["items"]:
            assert item["new"]["text"] == new[item["new"]["pos"]].text[:reference.PREVIEW]


def test_a_changed_paragraph_makes_the_check_fail_loudly(transitions):
    _t, ref, old, new = transitions["arf-2026-02-to-2026-05"]
    bad = {**ref, "items": [dict(ref["items"][0], new={**ref["items"][0]["new"], "fp": "0" * 12}),
                            *ref["items"][1:]]}
    with pytest.raises(SystemExit, match="no longer parses"):
        reference.check_paragraphs(bad, old, new)


def test_every_old_paragraph_has_one_fate_and_pairs_are_one_to_one(transitions):
    for name, (_t, ref, old, _new) in transitions.items():
        sources = Counter(item["old"]["pos"] for item in ref["items"]
                          if "old" in item and item["category"] != "split-smaller")
        assert max(sources.values()) == 1, name
        absorbed = [m["pos"] for item in ref["items"] for m in item.get("merged_from", ())]
        deleted = [d["pos"] for d in ref["deleted"]]
        fates = list(sources) + absorbed + deleted
        assert sorted(fates) == list(range(len(old))), name


def test_categories_agree_with_the_texts(transitions):
    for name, (_t, ref, old, new) in transitions.items():
        larger = {item["old"]["pos"] for item in ref["items"] if item["category"] == "split-larger"}
        in_order = []
        for item in ref["items"]:
            category, n = item["category"], item["new"]["pos"]
            assert category in reference.CATEGORIES, (name, item)
            if category == "new":
                assert "old" not in item, (name, item)
                continue
            o = item["old"]["pos"]
            same = old[o].fingerprint == new[n].fingerprint
            if category in reference.IDENTICAL:
                assert same, (name, item)  # unchanged and moved: the same (normalised) text
            elif category in ("edited", "moved-edited"):
                assert not same, (name, item)
            if category == "split-smaller":
                assert o in larger, (name, item)  # the other piece of that split kept the anchor
            if category == "merged":
                assert item.get("merged_from"), (name, item)
            if category in ("unchanged", "edited"):
                in_order.append((n, o))
        # "unchanged" and "edited" pairs keep their reading order; only "moved…" ones leave it.
        olds = [o for _n, o in sorted(in_order)]
        assert olds == sorted(olds), name


def test_hand_decisions_are_recorded_on_the_items_they_changed():
    for t in reference.TRANSITIONS:
        ref = reference.read_reference(t.name)
        reviewed = {item["new"]["pos"] for item in ref["items"] if "reviewed" in item}
        for decision in ref["decisions"]:
            assert decision["new"] in reviewed and decision["note"].strip(), (t.name, decision)
