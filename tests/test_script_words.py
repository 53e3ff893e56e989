"""The words the page scripts show come in the reader's language on every page, English and
Welsh alternately (they are rendered once per language and kept)."""
from __future__ import annotations

import html
import json
import re


def _words(client, query: str = "") -> dict:
    page = client.get(f"/{query}").get_data(as_text=True)
    found = re.findall(r"<div id=\"script-words\" hidden data-words='([^']*)'>", page)
    assert len(found) == 1
    return json.loads(html.unescape(found[0]))


def test_script_words_follow_the_readers_language_page_after_page(client):
    english = _words(client)
    assert english["cancel"] == "Cancel" and english["comments"]["one"] == "{n} comment"
    welsh = _words(client, "?lang=cy")
    assert welsh["cancel"] != "Cancel" and welsh["comments"]["other"] != "{n} comments"
    assert set(welsh["comments"]) == {"zero", "one", "two", "few", "many", "other"}
    assert _words(client, "?lang=en") == english
    assert _words(client, "?lang=cy") == welsh
