"""Cross-references as departments write them: reference links resolved across the files of an
import (a file of definitions only, like pandoc-refs.md), links to headings by their GitHub or
pandoc slug, links between the import's files, and links leading outside it, which become plain
text with a warning or, given the repository's address, absolute links."""
from __future__ import annotations

import re
from pathlib import Path

import documents

EUDI = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "eudi-arf"
RAW = re.compile(r"\]\[|\]\(")


def test_the_eudi_chapter_with_its_definitions_shows_no_raw_reference_syntax():
    chapter = (EUDI / "06-trust-model.md").read_text(encoding="utf-8")
    refs = (EUDI / "pandoc-refs.md").read_text(encoding="utf-8")
    alone = documents.parse_files([("06-trust-model.md", chapter)])
    both = documents.parse_files([("06-trust-model.md", chapter), ("pandoc-refs.md", refs)])
    assert len(both.paragraphs) == len(alone.paragraphs)  # the definitions add no paragraph
    for doc in (alone, both):
        assert not [p.number for p in doc.paragraphs if RAW.search(p.text) or RAW.search(p.html)]
    lifecycle = next(p for p in both.headings() if p.text.startswith("6.5 Trust throughout"))
    core = next(p for p in both.paragraphs if p.text.startswith("At its core is the Wallet Unit"))
    assert core.html.count(f'href="#{lifecycle.anchor}"') == 2  # "[Section 6.5][65-trust-…]" twice
    # Links to the framework's other documents are not part of the import: text, with a warning.
    assert any("ts3-wallet-unit-attestation.md" in w and "plain text" in w for w in both.warnings)
    assert not any("ts3-wallet-unit-attestation.md" in p.html for p in both.paragraphs)


def test_an_undefined_reference_naming_a_heading_links_to_it():
    doc = documents.parse("## 2.1 Fees and charges\n\nText.\n\n## 3 Other\n\nSee [the fees][21-fees-and-charges] "
                          "and [fees again][fees-and-charges] and [nothing][no-such-label].\n")
    html = doc.paragraphs[-1].html
    fees = doc.paragraphs[0].anchor
    assert html.count(f'href="#{fees}"') == 2  # GitHub's slug, then pandoc's
    assert "nothing" in html and "no-such-label" not in html and "][" not in html
    assert any("[no-such-label]" in w for w in doc.warnings)


def test_links_between_the_files_of_an_import_lead_to_their_paragraphs():
    first = "## Fees\n\nSee [the annex](annex.md) and [its table](../docs/annex.md#the-table).\n"
    annex = "## Annex\n\nIntro.\n\n## The table\n\nRows.\n"
    doc = documents.parse_files([("main.md", first), ("annex.md", annex)])
    html = doc.paragraphs[1].html
    annex_heading = next(p for p in doc.paragraphs if p.text == "Annex")
    table = next(p for p in doc.paragraphs if p.text == "The table")
    assert f'href="#{annex_heading.anchor}"' in html and f'href="#{table.anchor}"' in html
    assert doc.warnings == []


def test_links_outside_the_import_use_the_repository_address_when_given():
    text = "## Fees\n\nSee [the spec](../specs/ts1.md#scope) and [a site](https://example.org/x).\n"
    plain = documents.parse_files([("main.md", text)])
    assert "the spec" in plain.paragraphs[1].html and "ts1.md" not in plain.paragraphs[1].html
    assert 'href="https://example.org/x"' in plain.paragraphs[1].html
    based = documents.parse_files([("docs/main.md", text)], link_base="https://github.com/org/repo/blob/main/docs/")
    assert 'href="https://github.com/org/repo/blob/main/specs/ts1.md#scope"' in based.paragraphs[1].html
    assert based.warnings == []


def test_a_link_text_with_markup_survives_unwrapping_and_stays_escaped():
    doc = documents.parse("## A\n\nSee [**bold &lt;x&gt;**][missing] now.\n")
    html = doc.paragraphs[1].html
    assert "<strong>bold &lt;x&gt;</strong>" in html and "<a" not in html
