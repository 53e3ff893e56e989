"""Fuzzing the raw-HTML path: whatever markup an author pastes, the importer answers with a
Document or with its own DocumentError (file, line, reason), never with a parser's crash.

Deterministic (derandomize, no example database) and bounded in examples, so CI sees the same
inputs every run; a crash found here is a crash no user has to find.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import documents
from documents import DocumentError

# The characters and fragments that steer html.parser (and markdown-it's HTML-block rules) into
# their rarer branches: declarations, marked sections, processing instructions, end tags,
# character references, attributes.
_ALPHABET = "<>![]-/=\"' abcdiprvxz\n"
_FRAGMENTS = ["<!--", "-->", "<![CDATA[", "]]>", "<![", "<!", "<?", "?>", "</", "&#", "&#x",
              "<div>", "</div>", "<p>", "</p>", "<li>", "<ol>", "<!DOCTYPE", "<![if x]>",
              "<![endif]>", '<a href="', "<br/>", "<sup>", "&amp;", ";", "{#a}"]

markup = st.lists(
    st.one_of(st.text(alphabet=_ALPHABET, max_size=6), st.sampled_from(_FRAGMENTS)),
    max_size=14,
).map("".join)

# Where the markup lands decides which code reads it: a raw HTML block, a raw HTML block inside
# a block quote or list item (read for its text as well), or inline HTML in a paragraph.
contexts = st.sampled_from([
    "# T\n\n<div>{}</div>\n",
    "# T\n\n<p>{}\n",
    "# T\n\n> <div>{}</div>\n",
    "# T\n\n- <div>{}</div>\n",
    "# T\n\nSome text {} more.\n",
    "{}\n",
])

FUZZ = settings(max_examples=400, derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def _import_or_explain(text: str) -> None:
    try:
        documents.parse(text, source="f.md")
    except DocumentError as error:
        assert error.source == "f.md", error
        assert error.message, error
        # A document with nothing in it has no line to point at; every other refusal does.
        if "no paragraphs" not in error.message:
            assert error.line is not None and error.line >= 1, error


@pytest.mark.slow  # 400 generated documents: `make test` runs it, `make test-fast` does not
@FUZZ
@given(context=contexts, body=markup)
@example(context="{}\n", body="<p><![></p>")
@example(context="# T\n\n<div>{}</div>\n", body="<![x")
@example(context="# T\n\n> <div>{}</div>\n", body="<![x")
@example(context="# T\n\n- <div>{}</div>\n", body="<![>")
def test_any_markup_imports_or_is_refused_with_file_line_and_reason(context, body):
    _import_or_explain(context.format(body))


@pytest.mark.parametrize("text,line", [
    ("<p><![></p>", 1),
    ("# T\n\n<div><![x</div>\n", 3),
    ("# T\n\ntext\n\n> <div>\n> <![x</div>\n", 6),
    ("---\ntitle: T\n---\n# T\n\n- <div><![></div>\n", 6),
    # Past 100 "<" the whole rendered block is also read for its depth: the line still counts.
    ("# T\n\ntext\n\n> <div>" + "<b>x</b>" * 101 + "\n> <![x</div>\n", 6),
    ("# T\n\n- a\n- <div>" + "<b>x</b>" * 101 + "\n  <![x</div>\n", 5),
])
def test_a_malformed_marked_section_is_refused_at_its_line(text, line):
    with pytest.raises(DocumentError) as caught:
        documents.parse(text, source="broken.md")
    error = caught.value
    assert (error.source, error.line) == ("broken.md", line), str(error)
    assert "<![" in error.message and "&lt;" in error.message


@pytest.mark.parametrize("text,expected", [
    ("<p>a<![CDATA[ b ]]>c</p>", "ac"),
    ("<p>Item<![if !supportLists]>1.<![endif]> one</p>", "Item1. one"),
    ("<p>Text <!-- <![x --> stays</p>", "Text stays"),
    ('<p title="<![x">Quoted</p>', "Quoted"),
    ("Inline &lt;![x and <![x stay text.", "Inline <![x and <![x stay text."),
])
def test_well_formed_declarations_and_literal_text_still_import(text, expected):
    document = documents.parse(text)
    assert [p.text for p in document.paragraphs] == [expected]


def test_too_deep_html_in_a_block_quote_names_the_quotes_line():
    with pytest.raises(DocumentError) as caught:
        documents.parse("# T\n\n> " + "<i>" * 120 + "deep\n", source="deep.md")
    assert (caught.value.line, caught.value.source) == (3, "deep.md")
    assert "nested more than 100" in caught.value.message
