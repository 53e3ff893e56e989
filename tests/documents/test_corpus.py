"""The real documents import, number and carry anchors sensibly."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

import documents

# pandoc-refs.md holds only the publisher's link definitions: it is read beside a chapter,
# never imported as a document of its own.
NOT_DOCUMENTS = ("README.md", "LICENSE.md", "pandoc-refs.md")


def all_corpus_files(corpus: Path) -> list[Path]:
    return [f for f in sorted(corpus.rglob("*.md")) if f.name not in NOT_DOCUMENTS]


@pytest.mark.slow  # every file of the corpus: `make test` runs it, `make test-fast` does not
def test_every_corpus_file_imports_with_unique_numbers_and_anchors(corpus):
    files = all_corpus_files(corpus)
    assert len(files) >= 25
    for path in files:
        doc = documents.parse(documents.decode(path.read_bytes(), path.name), path.name)
        numbers = [p.number for p in doc.paragraphs]
        anchors = [p.anchor for p in doc.paragraphs]
        assert len(set(numbers)) == len(numbers), path
        assert len(set(anchors)) == len(anchors), path
        assert all(re.fullmatch(r"[a-z0-9-]+", a) for a in anchors), path
        for p in doc.paragraphs:
            assert p.text.strip() or "<img" in p.html, (path, p.line)
            assert "{:" not in p.text and "<script" not in p.html
            assert p.source == path.name and p.line >= 1


def test_arf_numbers_follow_the_document(arf_texts):
    name, text = arf_texts[-1]
    doc = documents.parse(text, name)
    assert doc.title == "European Digital Identity Wallet"
    by_text = {p.text: p for p in doc.headings()}
    # Its lone title heading is the title, not paragraph "0.1"; the headings' own numbers are
    # the paragraph numbers.
    assert "Architecture and Reference Framework" not in by_text
    assert not any(p.number.startswith("0.") for p in doc.paragraphs)
    assert by_text["1 Introduction"].number == "1"
    assert by_text["1.1 EUDI Wallet ecosystem"].number == "1.1"
    assert by_text["2.5.1 Overview"].number == "2.5.1"
    first = doc.paragraphs[2]
    assert first.number == "1.1.1" and first.kind == "paragraph"
    assert first.section == "11-eudi-wallet-ecosystem"
    # Links written for GitHub-style heading ids land on our heading anchors.
    assert 'href="#2-eudi-wallet-functionalities"' in doc.paragraphs[4].html
    assert doc.by_anchor("2-eudi-wallet-functionalities").kind == "heading"


def test_federal_draft_joined_in_reading_order(draft):
    headings = [p.text for p in draft.headings() if p.level == 2]
    assert headings[0] == "Introduction for Public Comment"
    assert [p.source for p in draft.paragraphs][0] == "index.md"
    sources = list(dict.fromkeys(p.source for p in draft.paragraphs))
    assert sources == [f"{n}.md" for n in ["index", "introduction", "objectives", "scope", "procurement", "reuse",
                                           "oss", "Implementation", "Appendixa", "appendixb"]]
    assert draft.title == "Federal Source Code Policy"
    assert draft.meta["description"] == "Introduction for Public Comment"
    numbers = [p.number for p in draft.paragraphs]
    assert len(set(numbers)) == len(numbers)


def test_federal_draft_custom_code_box_reads_as_a_heading_and_list_items(draft):
    box = [p for p in draft.paragraphs if p.source == "index.md" and p.kind in ("html", "list_item")]
    assert box[0].html.startswith("<h4>") and "Considerations Regarding" in box[0].text
    items = [p for p in box if p.kind == "list_item"]
    assert items[0].text.startswith("To what extent is the proposed pilot")
    # The nested question is its own paragraph, not part of its parent item.
    assert "Would a different minimum percentage" not in items[0].html
    assert items[1].text.startswith("Would a different minimum percentage")
    assert all(not p.html.startswith("<pre") for p in draft.paragraphs if p.source == "index.md")


def test_footnotes_roman_list_and_memo_heading(final):
    reuse = [p for p in final.paragraphs if p.source == "reuse.md"]
    roman = [p for p in reuse if p.kind == "list_item"]
    assert roman[0].html.startswith('<ol type="i"><li><u>Maintain a Code Inventory:</u>')
    assert roman[1].html.startswith('<ol type="i" start="2"><li>')
    # Footnote references and their targets share the same prefixed ids, scoped to their file
    # (reuse.md is the fifth file joined, so its ids start "src5-").
    assert '<sup id="src5-fnr28"><a href="#src5-fn28">28</a></sup>' in roman[0].html
    note = next(p for p in reuse if p.kind == "footnote")
    assert '<li id="src5-fn28">' in note.html and 'href="#src5-fnr28"' in note.html
    assert note.text.startswith("28 See Section 6 of this policy")
    assert 'style=' not in note.html
    memo = next(p for p in final.paragraphs if p.source == "introduction.md")
    assert memo.kind == "heading" and memo.level == 2
    assert memo.html == "<h2>M-16-21<br>MEMORANDUM FOR THE HEADS OF DEPARTMENTS AND AGENCIES</h2>"
    assert memo.text == "M-16-21 MEMORANDUM FOR THE HEADS OF DEPARTMENTS AND AGENCIES"
    assert final.title == "Federal Source Code Policy | Introduction"
    footnotes = [p for p in final.paragraphs if p.kind == "footnote"]
    assert len(footnotes) >= 30


def _unique_texts(doc: documents.Document) -> dict[str, documents.Paragraph]:
    counts = Counter(p.fingerprint for p in doc.paragraphs)
    return {p.fingerprint: p for p in doc.paragraphs if counts[p.fingerprint] == 1}


def _words_after_number(paragraph: documents.Paragraph) -> str:
    from documents.parse import heading_words, own_number

    number = own_number(paragraph.text) if paragraph.kind == "heading" else None
    return heading_words(number, paragraph.text) if number else paragraph.text


def _check_carry(previous: documents.Document, current: documents.Document, label: str) -> Counter:
    before = _unique_texts(previous)
    # "5.5.1 Introduction" may be a renumbered "5.4.1 Introduction" (a section was inserted
    # before it), not the old "5.5.1 Introduction": a numbered heading whose words repeat
    # elsewhere follows its section, and only its words must be the same.
    repeated = Counter(_words_after_number(p) for p in previous.paragraphs if p.kind == "heading")
    old_by_anchor = {p.anchor: p for p in previous.paragraphs}
    documents.carry_anchors(previous, current)
    after = _unique_texts(current)
    kept = 0
    for print_, paragraph in after.items():
        if print_ in before:
            words = _words_after_number(paragraph)
            if len(paragraph.text.split()) < 8:
                # "Wallet Providers,", "Figure 6": a short text moved elsewhere may be another
                # list's item or caption; its neighbours decide, not its words alone.
                continue
            if paragraph.kind == "heading" and words != paragraph.text and repeated[words] > 1:
                prior = old_by_anchor[paragraph.previous_anchor]
                assert _words_after_number(prior) == words, (label, paragraph.text[:80])
                continue
            assert paragraph.anchor == before[print_].anchor, (label, paragraph.text[:80])
            assert paragraph.status == "unchanged"
            kept += 1
    anchors = [p.anchor for p in current.paragraphs]
    assert len(set(anchors)) == len(anchors)
    carried = [p.previous_anchor for p in current.paragraphs if p.previous_anchor]
    assert len(set(carried)) == len(carried)  # one-to-one
    old_anchors = {p.anchor for p in previous.paragraphs}
    for p in current.paragraphs:
        if p.status == "new":
            assert p.anchor not in old_anchors, (label, p.anchor)
    counts = Counter(p.status for p in current.paragraphs)
    counts["removed"] = len(current.removed)
    assert len(current.paragraphs) - counts["new"] + counts["removed"] == len(previous.paragraphs)
    print(f"{label}: kept {kept} identical; {dict(counts)}")
    return counts


def test_federal_draft_to_final_carries_anchors(draft, final):
    counts = _check_carry(draft, final, "federal draft -> final")
    assert counts["unchanged"] >= 10 and counts["edited"] >= 20
    assert counts["new"] >= 40  # solutions analysis and exceptions are new sections
    assert counts["removed"] >= 40  # procurement and the comment instructions went
    reuse = next(p for p in final.paragraphs if p.text == "4. Government-Wide Code Reuse")
    assert reuse.anchor == reuse.previous_anchor == "4-government-wide-code-reuse"
    scope = next(p for p in final.paragraphs if p.kind == "heading" and "Scope" in p.text)
    assert scope.previous_anchor is not None  # "2. Scope" survives renumbering and editing


@pytest.mark.slow  # two whole ARF versions, matched: `make test` runs it, `make test-fast` does not
@pytest.mark.parametrize("step", [0, 1, 2])
def test_successive_arf_versions_carry_anchors(arf_texts, step):
    (old_name, old_text), (new_name, new_text) = arf_texts[step], arf_texts[step + 1]
    previous, current = documents.parse(old_text, old_name), documents.parse(new_text, new_name)
    counts = _check_carry(previous, current, f"{old_name} -> {new_name}")
    assert counts["unchanged"] > len(current.paragraphs) * (0.25 if step == 0 else 0.7)
    if step:
        assert counts["new"] < len(current.paragraphs) * 0.15


def test_bare_footnote_items_are_rendered_inside_a_list():
    """The draft's Appendix A has <li id="fn51"> lines with no <ul> around them."""
    import documents as docs

    document = docs.parse('### Footnotes\n<li id="fn51"><sup>51</sup> See the circular.</li>\n'
                          '<li id="fn52"><sup>52</sup> Another note.</li>\n')
    notes = [p for p in document.paragraphs if p.kind == "footnote"]
    assert [p.text.split()[0] for p in notes] == ["51", "52"]
    assert all(p.html.startswith('<ul class="footnotes"><li') for p in notes)


def test_joined_files_never_repeat_an_id_and_every_footnote_link_has_a_target(draft):
    import collections
    import re

    ids = collections.Counter(i for p in draft.paragraphs for i in re.findall(r'id="([^"]+)"', p.html))
    assert [i for i, n in ids.items() if n > 1] == []
    targets = [h for p in draft.paragraphs for h in re.findall(r'href="#([^"]+)"', p.html)]
    assert targets and all(t in ids for t in targets if t.startswith("src"))
    assert not any("{{" in p.html for p in draft.paragraphs)
