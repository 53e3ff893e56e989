"""Files beyond what one form may carry are refused in the browser, before sending, with what
was typed kept (staff walkthrough: a 50 MB Word file emptied the whole form, since the server
cannot read so large a request)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_journeys import DEMO_PASSWORD, OFFICIAL, sign_in


@pytest.mark.browser
def test_a_file_too_large_for_the_form_is_refused_before_sending_and_the_form_is_kept(page):
    page.goto("/")
    sign_in(page, OFFICIAL, DEMO_PASSWORD, "official")
    page.goto("/manage/new")
    page.get_by_label("Title").fill("Parking in Town")
    page.get_by_label("Web address").fill("parking-too-large")
    limit = int(page.locator("form.manage-form").get_attribute("data-max-bytes"))
    page.get_by_label("Upload Markdown files and their images").set_input_files(
        [{"name": "policy.docx", "mimeType": "application/octet-stream", "buffer": b"\0" * (limit + 1)}])
    sent = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    page.get_by_role("button", name="Preview").click()
    summary = page.locator(".error-summary.too-large")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Nothing was sent, and what you typed is kept")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Title")).to_have_value("Parking in Town")
    assert sent == [] and page.url.endswith("/manage/new")
