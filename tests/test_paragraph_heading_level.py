"""A heading paragraph on its own page sits right below the page's <h1> (WCAG 1.3.1, 2.4.6):
"6.1 Scope", an <h3> in the document, is an <h2> under "Paragraph 6.1", not an <h4>. The
document page keeps the document's own levels."""
from __future__ import annotations

import re

TEXT = """# Parking strategy

## 6 Zones {#zones}

### 6.1 Scope {#scope}

The scheme covers the town centre.

#### 6.1.1 Hours {#hours}

Charges apply from eight until six.
"""


def _levels(page: str) -> list[tuple[int, str]]:
    """The page's headings in order: (level, text without tags)."""
    return [(int(level), re.sub(r"<[^>]+>", "", inner).strip())
            for level, inner in re.findall(r"<h([1-6])\b[^>]*>(.*?)</h\1>", page, re.S)]


def _main(page: str) -> str:
    return page[page.index("<main"):page.index("</main>")]


def _no_jumps(levels: list[tuple[int, str]]) -> None:
    for (before, _), (after, text) in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, f"heading level jumps from h{before} to h{after} at {text!r}"


def test_a_heading_paragraphs_own_page_shows_it_right_below_the_pages_heading(client, make_consultation):
    made = make_consultation(text=TEXT)
    for anchor, words in (("scope", "Scope"), ("hours", "Hours"), ("zones", "Zones")):
        page = client.get(f"/c/{made.slug}/p/{anchor}").get_data(as_text=True)
        levels = _levels(_main(page))
        assert levels[0][0] == 1 and levels[0][1].startswith("Paragraph")
        assert levels[1][0] == 2 and words in levels[1][1], levels
        _no_jumps(levels)


def test_the_paragraph_page_in_welsh_keeps_the_heading_at_level_two(client, make_consultation):
    made = make_consultation(text=TEXT)
    page = client.get(f"/c/{made.slug}/p/scope?lang=cy").get_data(as_text=True)
    levels = _levels(_main(page))
    assert levels[0][0] == 1 and levels[1][0] == 2 and "Scope" in levels[1][1]
    _no_jumps(levels)


def test_the_document_page_keeps_the_documents_own_levels(client, make_consultation):
    made = make_consultation(text=TEXT)
    levels = dict((text, level) for level, text in _levels(_main(client.get(f"/c/{made.slug}").get_data(as_text=True))))
    found = {words: level for text, level in levels.items() for words in ("Zones", "Scope", "Hours") if words in text}
    assert found == {"Zones": 3, "Scope": 4, "Hours": 5}
