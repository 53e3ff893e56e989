"""A paragraph shown on its own page keeps its links to other parts of the document working."""
from __future__ import annotations

import re

DOC = """# Parking

## 1. Zones {#zones}

The town is split into four zones, as [section 2](#fees) explains.

## 2. Fees {#fees}

Visitors pay by the hour ([an outside guide](https://example.org/guide#top)).
"""


def test_links_to_the_document_lead_to_the_document_page_and_others_are_untouched(client, make_consultation):
    made = make_consultation("parking", DOC)
    zones = client.get(f"/c/parking/p/{made.anchors['The town is split into four zones, as section 2 explains.']}")
    page = zones.get_data(as_text=True)
    body = page.split('class="para-body">', 1)[1].split("</div>", 1)[0]
    assert re.search(r'<a href="/c/parking#[^"]+">section 2</a>', body), body
    assert 'href="#' not in body
    fees_anchor = made.anchors["Visitors pay by the hour (an outside guide)."]
    fees = client.get(f"/c/parking/p/{fees_anchor}").get_data(as_text=True)
    assert 'href="https://example.org/guide#top"' in fees
    document = client.get("/c/parking").get_data(as_text=True)
    target = re.search(r'<a href="/c/parking(#[^"]+)">section 2</a>', body).group(1)
    assert f'href="{target}"' in document and f'id="{target[1:]}"' in document  # the same place
