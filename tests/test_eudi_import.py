"""The issue's check of a department's real first import: the EUDI chapter with its figures
(media/) and the publisher's link definitions (pandoc-refs.md), through the CLI as documented.
The page, the API text and search snippets show no raw reference syntax; headings keep the
chapter's own numbers ("6.1", "6.2.1"), never "0.1"; the four figures are served."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from consult import search
from consult.extensions import db

EUDI = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "eudi-arf"
RAW = re.compile(r"\]\[|\]: #")

pytestmark = pytest.mark.skipif(not (EUDI / "pandoc-refs.md").exists(), reason="needs ../shared/corpus")


def _visible(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_the_chapter_imported_with_its_media_and_definitions_reads_cleanly(app, client, runner, tmp_path):
    result = runner.invoke(args=["import", str(EUDI / "06-trust-model.md"), str(EUDI / "pandoc-refs.md"),
                                 "--media", str(EUDI / "media"), "--slug", "trust", "--title", "Trust model"])
    assert result.exit_code == 0, result.output
    assert "Import report" in result.output and "Images shown (4)" in result.output

    page = client.get("/c/trust").get_data(as_text=True)
    assert not RAW.search(_visible(page))
    assert len(set(re.findall(r'src="(/media/[0-9a-f]{64}\.png)"', page))) == 4
    for url in set(re.findall(r'src="(/media/[0-9a-f]{64}\.png)"', page)):
        served = client.get(url)
        assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"

    data = client.get("/api/v1/consultations/trust/versions/1").get_json()
    paragraphs = data["paragraphs"]
    numbers = [p["number"] for p in paragraphs]
    assert "6.1" in numbers and "6.2.1" in numbers and "0.1" not in numbers
    assert not [p["number"] for p in paragraphs if RAW.search(p.get("text", ""))]
    # Contents: one number per heading ("6.1 Scope", never "6.1 6.1 Scope" or "0.1 6 Trust model").
    assert re.search(r'toc-number">6\.1</span>\s*Scope<', page)
    assert "0.1" not in re.findall(r'toc-number">([^<]*)<', page)

    with app.app_context():
        index = str(tmp_path / "index")
        search.apply_changes(index, db.session)
        found = search.search(index, "Section lifecycle")
        assert found.total > 0
        assert not [h.highlight for h in found.hits if RAW.search(_visible(h.highlight))]
