"""Parsing: bad input, front matter, numbering, anchors, diffs."""
from __future__ import annotations

import pytest

import documents
from documents import LIMITS, DocumentError


def test_public_api_is_exported():
    for name in ("parse", "parse_files", "decode", "carry_anchors", "diff", "render_comment",
                 "sanitize_document_html", "Document", "Paragraph", "Diff", "DocumentError", "LIMITS"):
        assert hasattr(documents, name)
    assert issubclass(DocumentError, ValueError)


def test_decode_rejects_invalid_utf8_naming_line_and_byte():
    with pytest.raises(DocumentError) as caught:
        documents.decode(b"# Title\n\nok line\nbad \xff here\n", "intro.md")
    error = caught.value
    assert error.line == 4 and error.source == "intro.md"
    assert str(error).startswith("intro.md, line 4: ")
    assert "0xff" in error.message and "column 5" in error.message


def test_decode_strips_bom_and_normalises_line_endings():
    assert documents.decode(b"\xef\xbb\xbf# T\r\n\r\nx\ry") == "# T\n\nx\ny"


def test_ten_megabytes_is_refused_with_size_and_limit():
    data = b"word " * (2 * 1024 * 1024)
    with pytest.raises(DocumentError, match=r"10\.0 MiB; the limit is 4\.0 MiB"):
        documents.decode(data)
    with pytest.raises(DocumentError, match="limit"):
        documents.parse(data.decode())
    assert LIMITS.max_bytes == 4 * 1024 * 1024


@pytest.mark.parametrize("text", ["", "   \n\n\t\n", "---\n", "---\n---\n",
                                  "---\ntitle: Only front matter\n---\n", "***\n\n---\n"])
def test_no_paragraphs(text):
    with pytest.raises(DocumentError, match="the document has no paragraphs"):
        documents.parse(text)


def test_broken_front_matter_names_the_line():
    text = "---\ntitle: Fine\ndescription: [unclosed\nlayout: page\n---\n\nBody\n"
    with pytest.raises(DocumentError) as caught:
        documents.parse(text, "intro.md")
    assert caught.value.line in (4, 5) and "front matter" in caught.value.message
    assert str(caught.value).startswith(f"intro.md, line {caught.value.line}:")


def test_front_matter_is_read_and_removed_and_lines_count_from_the_file():
    doc = documents.parse("---\ntitle: Fees policy\nlayout: page\n...\n\n# Heading\n\nBody text\n")
    assert doc.title == "Fees policy" and doc.meta == {"title": "Fees policy", "layout": "page"}
    assert [p.text for p in doc.paragraphs] == ["Heading", "Body text"]
    assert [p.line for p in doc.paragraphs] == [6, 8]


def test_title_falls_back_to_first_heading():
    assert documents.parse("Intro\n\n## First section\n\ntext").title == "First section"


def test_front_matter_aliases_are_refused():
    with pytest.raises(DocumentError, match="alias"):
        documents.parse("---\na: &x [1, 2]\nb: *x\n---\n\nBody\n")


@pytest.mark.parametrize("text", [
    "> " * 5000 + "deep\n",
    "".join("  " * i + "- item\n" for i in range(300)),
    "> " * 51 + "just too deep\n",
])
def test_deep_nesting_is_an_error_with_a_line_not_a_crash(text):
    with pytest.raises(DocumentError) as caught:
        documents.parse("# Title\n\nIntro\n\n" + text)
    assert caught.value.line is not None and caught.value.line >= 5
    assert "nested" in caught.value.message


def test_nesting_at_the_limit_is_fine():
    doc = documents.parse("> " * LIMITS.max_nesting + "deep but allowed\n")
    assert doc.paragraphs[0].kind == "blockquote" and "deep but allowed" in doc.paragraphs[0].text


def test_deep_raw_html_is_an_error():
    with pytest.raises(DocumentError, match="nested"):
        documents.parse("Intro\n\n" + "<div>" * 5000 + "x" + "</div>" * 5000 + "\n")


def test_duplicate_pinned_anchors_name_both_lines():
    text = "## Fees {#fees}\n\nSome text\n\n{#fees}\nAnother paragraph\n"
    with pytest.raises(DocumentError) as caught:
        documents.parse(text, "intro.md")
    assert str(caught.value) == "intro.md, line 5: duplicate pinned anchor 'fees' (first used on line 1)"


def test_duplicate_pinned_anchors_across_files_name_the_file():
    with pytest.raises(DocumentError,
                       match=r"b\.md, line 3: duplicate pinned anchor 'x' \(first used in a\.md, line 1\)"):
        documents.parse_files([("a.md", "# A {#x}\n"), ("b.md", "# B\n\n{: #x}\nText\n")])


def test_paragraph_kinds_and_standalone_html():
    text = """# Policy

Intro paragraph with a [link](https://example.org) and `code`.

1. first
2. second
   - nested bullet
3. third

> A quote
> over two lines

| a | b |
| - | - |
| 1 | 2 |

```python
print("hi")
```

***

<p>Raw <u>html</u></p>
"""
    doc = documents.parse(text)
    kinds = [p.kind for p in doc.paragraphs]
    assert kinds == ["heading", "paragraph", "list_item", "list_item", "list_item", "list_item",
                     "blockquote", "table", "code", "html"]
    items = doc.paragraphs[2:6]
    assert items[0].html == "<ol><li>first</li></ol>"
    assert items[1].html == '<ol start="2"><li>second</li></ol>'  # no nested list inside
    assert items[2].html == "<ul><li>nested bullet</li></ul>"
    assert items[3].html == '<ol start="3"><li>third</li></ol>'
    assert doc.paragraphs[7].text == "a | b\n1 | 2"
    assert doc.paragraphs[8].text == 'print("hi")'
    assert doc.paragraphs[9].html == "<p>Raw <u>html</u></p>"
    p = doc.paragraphs[1]
    assert p.text == "Intro paragraph with a link and code."
    assert p.fingerprint == documents.parse("  INTRO paragraph with a link   and code. ").paragraphs[0].fingerprint


def test_numbering_sections_and_subsections():
    text = "# Title\n\npre\n\n## One\n\na\n\n### One.A\n\nb\n\nc\n\n## Two\n\nd\n\n#### Skipped\n\ne\n"
    doc = documents.parse(text)
    # The lone top heading is the document's title, not a paragraph numbered "0.1".
    assert doc.title == "Title"
    assert [(p.number, p.text) for p in doc.paragraphs] == [
        ("0.1", "pre"), ("1", "One"), ("1.1", "a"), ("1.2", "One.A"),
        ("1.2.1", "b"), ("1.2.2", "c"), ("2", "Two"), ("2.1", "d"), ("2.2", "Skipped"), ("2.2.1", "e")]
    assert doc.paragraphs[4].section == doc.paragraphs[3].anchor == "onea"
    assert doc.paragraphs[0].section is None


def test_headingless_documents_number_plainly():
    assert [p.number for p in documents.parse("a\n\nb\n\n- c\n").paragraphs] == ["1", "2", "3"]


def test_attribute_syntaxes_pin_anchors_and_never_show():
    text = """## Fees {#fees}

{#intro-note}
A paragraph pinned from the line before.

A kramdown paragraph
{: #kd-para}

[](){ #topic-1 }

### Topic heading

A [link](https://example.org){:target="_blank"} in text.
"""
    doc = documents.parse(text)
    anchors = {p.text: (p.anchor, p.pinned) for p in doc.paragraphs}
    assert anchors["Fees"] == ("fees", True)
    assert anchors["A paragraph pinned from the line before."] == ("intro-note", True)
    assert anchors["A kramdown paragraph"] == ("kd-para", True)
    assert anchors["Topic heading"] == ("topic-1", True)
    assert anchors["A link in text."][1] is False
    assert all("{" not in p.text and "{" not in p.html for p in doc.paragraphs)


def test_derived_anchors_are_unique_and_avoid_pinned_ones():
    doc = documents.parse("## Fees\n\nx\n\n## Fees\n\ny\n\n## Other {#fees}\n\nx\n")
    assert [p.anchor for p in doc.headings()] == ["fees-2", "fees-3", "fees"]
    assert len({p.anchor for p in doc.paragraphs}) == len(doc.paragraphs)
    long = documents.parse("## " + "word " * 40).paragraphs[0].anchor
    assert len(long) <= 60 and not long.endswith("-")


def test_parse_files_keeps_each_files_own_lines_and_front_matter():
    doc = documents.parse_files([
        ("a.md", "---\ntitle: The title\n---\n\n## A\n\nalpha\n"),
        ("b.md", "---\ntitle: Ignored\nextra: 1\n---\n## B\n\nbeta\n"),
    ])
    assert doc.title == "The title" and doc.meta == {"title": "The title"}
    assert [(p.source, p.line, p.number) for p in doc.paragraphs] == [
        ("a.md", 5, "1"), ("a.md", 7, "1.1"), ("b.md", 5, "2"), ("b.md", 7, "2.1")]
    with pytest.raises(DocumentError) as caught:
        documents.parse_files([("a.md", "ok\n"), ("b.md", "---\nx: [\n---\nz\n")])
    assert caught.value.source == "b.md" and caught.value.line is not None


def test_document_helpers():
    doc = documents.parse("## A\n\nx\n\n## B\n\ny\n")
    assert [h.text for h in doc.headings()] == ["A", "B"]
    assert doc.by_anchor("b").text == "B" and doc.by_anchor("nope") is None
    assert doc.html == "<h2>A</h2>\n<p>x</p>\n<h2>B</h2>\n<p>y</p>"


def test_diff_ops_and_html():
    result = documents.diff("Agencies shall release code.", "Agencies must release <all> code.")
    assert result.ops == [("equal", "Agencies "), ("delete", "shall"), ("insert", "must"),
                          ("equal", " release "), ("insert", "<all> "), ("equal", "code.")]
    assert result.html == ("Agencies <del>shall</del><ins>must</ins> release "
                           "<ins>&lt;all&gt; </ins>code.")
    assert result.changed
    same = documents.diff(documents.parse("Same text").paragraphs[0], "Same text")
    assert not same.changed and same.ops == [("equal", "Same text")]
