"""Reading on a phone (issue 17, item 6), as the server sends it: pages compressed as the
browser asks, the "Skip to the document" link, and wide tables in their own scrolling box.
How it looks at 320 px is tested in tests/browser/test_phone_layout.py."""
from __future__ import annotations

import gzip
import re

import brotli  # installed with Flask-Compress; only to read what the server sent
import pytest
from test_architecture import _importers

# Long enough that compression matters, with a table wider than any phone.
POLICY = """# Street trading

## 1. Pitches

Traders apply for a pitch each year. The council publishes the list of pitches.

| Pitch | Street | Days | Opening hours | Annual fee | Licence conditions |
| --- | --- | --- | --- | --- | --- |
| 1 | Market Street | Monday to Saturday | 07:00 to 19:00 | £1,200 | no amplified sound |
| 2 | Station Approach | every day | 06:00 to 22:00 | £1,800 | waste removed hourly |

## 2. Fees

""" + "\n\n".join(f"Paragraph {n} about fees, waivers and the hardship fund for small traders."
                  for n in range(1, 60)) + "\n"

SCOPE = {"scope_about": "We want to know how pitches should be shared.",
         "scope_open": "Fees and hours.", "scope_closed": "Whether street trading is allowed."}


@pytest.fixture
def policy(make_consultation):
    """A published consultation with a scope box, a wide table and sixty paragraphs."""
    return make_consultation(slug="street-trading", text=POLICY, **SCOPE)


def _vary(response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("Vary", "").split(",") if v.strip()}


def test_a_long_page_comes_brotli_compressed_and_reads_the_same(client, policy):
    plain = client.get("/c/street-trading", headers={"Accept-Encoding": "identity"})
    packed = client.get("/c/street-trading", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "br"
    assert "accept-encoding" in _vary(packed) and "accept-encoding" in _vary(plain)
    text = brotli.decompress(packed.get_data()).decode()
    assert "Paragraph 59 about fees" in text and "Station Approach" in text
    assert len(packed.get_data()) * 4 < len(plain.get_data())
    assert int(packed.headers["Content-Length"]) == len(packed.get_data())


def test_a_browser_without_brotli_gets_gzip(client, policy):
    response = client.get("/c/street-trading", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Paragraph 59 about fees" in gzip.decompress(response.get_data()).decode()


def test_the_stylesheet_is_compressed_too(client):
    # Static files are sent streamed, which Flask-Compress does with Brotli (not gzip).
    response = client.get("/static/css/consult.css", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert b".table-scroll" in brotli.decompress(response.get_data())


def test_signed_in_pages_with_a_query_string_are_not_compressed(client, auth, policy):
    """BREACH: a compressed page holding a signed-in person's data and text from the address
    could leak the data through its size; such pages go out as they are."""
    signed_in = auth.as_("citizen")
    br = {"Accept-Encoding": "br"}
    echoed = signed_in.get("/c/street-trading?from=a+link", headers=br)
    assert echoed.status_code == 200
    assert "Content-Encoding" not in echoed.headers
    assert "accept-encoding" in _vary(echoed)
    assert signed_in.get("/c/street-trading", headers=br).headers["Content-Encoding"] == "br"
    assert client.get("/c/street-trading?from=a+link", headers=br).headers["Content-Encoding"] == "br"


def _main(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


def test_the_skip_link_comes_first_and_leads_past_the_scope_box_to_the_text(client, policy):
    html = client.get("/c/street-trading").get_data(as_text=True)
    main = _main(html)
    first_link = re.search(r"<a\b[^>]*>(.*?)</a>", main, re.S)
    assert first_link is not None and first_link.group(1) == "Skip to the document"
    target = re.search(r'href="#([^"]+)"', first_link.group(0)).group(1)
    assert main.index("Skip to the document") < main.index('class="scope"')
    # The target is the document's text: after the scope box and the contents, before 1.1.
    at = main.index(f'id="{target}"')
    assert main.index('class="scope"') < main.index('class="toc"') < at
    assert at < main.index("Traders apply for a pitch")
    assert main.count(f'id="{target}"') == 1


def test_a_table_sits_in_a_named_focusable_box_that_scrolls(client, policy):
    html = client.get("/c/street-trading").get_data(as_text=True)
    boxes = re.findall(r'<div class="table-scroll" role="region" tabindex="0" '
                       r'aria-label="Table ([\d.]+)">\s*<table>', html)
    assert len(boxes) == 1
    assert f">{boxes[0]}</a>" in html  # named after the number in its margin
    assert html.count("<table>") == 1


def test_the_tables_own_page_puts_it_in_the_same_box(client, policy):
    html = client.get("/c/street-trading").get_data(as_text=True)
    number = re.search(r'aria-label="Table ([\d.]+)"', html).group(1)
    link = re.search(rf'<a class="para-number" href="([^"]+)"[^>]*>\s*<span class="visually-hidden">Paragraph </span>'
                     rf'{re.escape(number)}</a>', html)
    page = client.get(link.group(1)).get_data(as_text=True)
    assert re.search(rf'<div class="table-scroll" role="region" tabindex="0" aria-label="Table {re.escape(number)}">'
                     r'\s*<table>', page)


def test_the_site_menu_folds_into_a_disclosure(client):
    html = client.get("/").get_data(as_text=True)
    nav = re.search(r'<nav class="site-nav" aria-label="Site">(.*?)</nav>', html, re.S).group(1)
    assert re.match(r'\s*<details class="site-menu">\s*<summary>Menu</summary>\s*<ul>', nav)
    assert ">Sign in</a>" in nav


def test_flask_compress_lives_in_one_module():
    assert _importers("flask_compress") == ["consult/compression.py"]
