"""Paragraph numbers as readers quote them: a document's own heading numbers ("6.1 Scope") are
the paragraph numbers, generated ones continue beneath them, a lone title is the title."""
from __future__ import annotations

from pathlib import Path

import pytest

import documents
from documents.parse import own_number

EUDI = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "eudi-arf" / "06-trust-model.md"


@pytest.mark.parametrize(("heading", "number"), [
    ("6.1 Scope", "6.1"), ("6 Trust model", "6"), ("1. Objectives", "1"), ("5.1 Pilot Program", "5.1"),
    ("A. Costs", "A"), ("B) Benefits", "B"), ("Annex 2", "Annex 2"), ("annex 2.1 Tables", "Annex 2.1"),
    ("Appendix A: Definitions", "Appendix A"), ("Chapter 3 Funding", "3"), ("Section 4.2 Fees", "4.2"),
    ("Introduction", None), ("2026 plan", None), ("A Guide to fees", None), ("3D printing", None),
    ("1,000 homes", None),
])
def test_a_heading_carries_its_own_number(heading, number):
    assert own_number(heading) == number


def test_the_eudi_chapter_is_numbered_by_its_headings():
    doc = documents.parse(EUDI.read_text(encoding="utf-8"), "06-trust-model.md")
    headings = {p.text: p for p in doc.headings()}
    assert headings["6 Trust model"].number == "6"
    assert headings["6.1 Scope"].number == "6.1"
    assert headings["6.2.1 Wallet Provider lifecycle"].number == "6.2.1"
    assert not any(p.number.startswith("0.") for p in doc.paragraphs)
    scope = doc.paragraphs.index(headings["6.1 Scope"])
    assert [p.number for p in doc.paragraphs[scope + 1:scope + 4]] == ["6.1.1", "6.1.2", "6.1.3"]
    numbers = [p.number for p in doc.paragraphs]
    assert len(numbers) == len(set(numbers))  # every number quotes one paragraph
    # One number per heading: the words without the number, for contents and breadcrumbs.
    assert documents.heading_words("6.1", "6.1 Scope") == "Scope"
    assert documents.heading_words("Appendix A", "Appendix A: Definitions") == "Definitions"
    assert documents.heading_words("2.3", "Fees") == "Fees"


def test_unnumbered_subheadings_and_collisions_continue_the_numbers():
    text = ("## 1. Fees\n\nIntro to fees.\n\n### 1.1 Permits\n\nPermit text.\n\n### Footnotes\n\nA note.\n\n"
            "## 2. Buses\n\nBus text.\n\n## Annex A: Tables\n\nA table.\n")
    doc = documents.parse(text)
    assert [(p.number, p.text) for p in doc.paragraphs] == [
        ("1", "1. Fees"), ("1(1)", "Intro to fees."), ("1.1", "1.1 Permits"), ("1.1.1", "Permit text."),
        ("1.2", "Footnotes"), ("1.2.1", "A note."), ("2", "2. Buses"), ("2.1", "Bus text."),
        ("Annex A", "Annex A: Tables"), ("Annex A.1", "A table.")]


def test_a_number_several_headings_carry_is_local_lettering():
    text = ("## 1 Topics\n\n### 1.1 Fees\n\n#### A. Generic\n\nOne.\n\n### 1.2 Buses\n\n#### A. Generic\n\nTwo.\n")
    numbers = [(p.number, p.text) for p in documents.parse(text).paragraphs]
    assert numbers == [("1", "1 Topics"), ("1.1", "1.1 Fees"), ("1.1.1", "A. Generic"), ("1.1.1.1", "One."),
                       ("1.2", "1.2 Buses"), ("1.2.1", "A. Generic"), ("1.2.1.1", "Two.")]


def test_documents_without_numbered_headings_keep_the_generated_scheme():
    text = "## Speed\n\nSlow down.\n\n## 2026 review\n\nA year on.\n\n## Crossings\n\nWait.\n"
    assert [p.number for p in documents.parse(text).paragraphs] == ["1", "1.1", "2", "2.1", "3", "3.1"]


def test_a_numbered_lone_top_heading_is_a_section_not_the_title():
    doc = documents.parse("# 6 Trust model\n\n## 6.1 Scope\n\nText.\n")
    assert [p.number for p in doc.paragraphs] == ["6", "6.1", "6.1.1"]
