"""Small things a reader meets on every visit: the icon, status wording, bad version numbers."""
from __future__ import annotations

import re

import pytest


def test_favicon_is_served_and_linked_from_every_page(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file, not an error page
    assert icon.cache_control.max_age >= 24 * 3600
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'<link rel="icon" href="/favicon.ico"', home)


@pytest.mark.slow  # loads the whole demo (`consult demo`): `make test` runs it, `make test-fast` does not
def test_a_responded_consultation_reads_as_plain_english(runner, client):
    assert runner.invoke(args=["demo"]).exit_code == 0
    page = client.get("/c/federal-source-code-policy").get_data(as_text=True)
    assert "is responded" not in page
    assert "has closed and the department has published its response; it is read-only" in page


@pytest.mark.slow  # loads the whole demo (`consult demo`): `make test` runs it, `make test-fast` does not
def test_a_version_number_that_is_not_a_number_is_refused_not_ignored(runner, client):
    assert runner.invoke(args=["demo"]).exit_code == 0
    good = client.get("/c/federal-source-code-policy/changes?from=1&to=2")
    assert good.status_code == 200
    for bad in ("abc", "1.5", "-1", " "):
        page = client.get(f"/c/federal-source-code-policy/changes?from={bad}&to=2")
        assert page.status_code == 400, bad
        assert "is not a version number" in page.get_data(as_text=True)
        assert "versions 1 to 2" in page.get_data(as_text=True)
    missing = client.get("/c/federal-source-code-policy/changes?from=0&to=2")
    assert missing.status_code == 404
    assert "There is no version 0" in missing.get_data(as_text=True)
