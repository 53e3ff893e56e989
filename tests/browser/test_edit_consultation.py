"""Journey for issue 20, item 1: an official edits a consultation after publishing it, and the
public reads what changed. Each page goes through check_page (axe-core and the HTML validator).

The consultation is made in the journey itself, so that the demo's, which other journeys read,
keep their titles and dates.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.quality import check_page, save_screenshot
from tests.browser.test_journeys import DEMO_PASSWORD, OFFICIAL, _marker, sign_in

DOC = """# Allotments in Millbrook

## 1. Plots

Each plot is ten metres long.

Water is free from April to October.

## 2. Waiting list

The waiting list opens every January.
"""


def _local(days: int) -> str:
    when = datetime.now(UTC) + timedelta(days=days)
    return when.astimezone(ZoneInfo("Europe/London")).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.browser
def test_official_edits_a_published_consultation_and_the_public_sees_the_history(page, new_page):
    """Publish a short consultation, edit its scope, dates and moderation (a wrong date is
    explained first), then read the change in its public history as a visitor."""
    slug = f"allotments-{_marker()}"
    page.goto("/")
    sign_in(page, OFFICIAL, DEMO_PASSWORD, "edit details")
    page.goto("/manage/new")
    page.get_by_label("Web address").fill(slug)
    page.get_by_label("Open for debate", exact=True).fill("The size of the plots.")
    page.get_by_label("Closes").fill(_local(20))
    page.get_by_label("Or paste the Markdown").fill(DOC)
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/c/{slug}$"))
    expect(page.locator("#history-heading")).to_have_count(0)  # nothing has changed yet

    page.goto(f"/manage/{slug}")
    page.get_by_role("link", name=re.compile("^Edit the details")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Edit the details of “Allotments in Millbrook”")
    expect(page.get_by_label("Title")).to_have_value("Allotments in Millbrook")
    expect(page.locator(".manage-form")).to_contain_text("applies to new comments only")
    check_page(page, "edit details: the form")

    # It has opened: its opening date is read-only. A closing date in the past is explained
    # beside the field, and nothing is saved.
    expect(page.get_by_label("Opens")).not_to_be_editable()
    page.get_by_label("Closes").fill(_local(-1))
    page.get_by_role("button", name="Save the changes").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("an open consultation cannot close in the past")
    expect(page.get_by_label("Closes")).to_have_attribute("aria-invalid", "true")
    check_page(page, "edit details: a closing date in the past")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Closes")).to_be_focused()

    page.goto(f"/manage/{slug}/details")
    page.get_by_label("Open for debate", exact=True).fill("The size of the plots and the price of water.")
    page.get_by_label("Closes").fill(_local(30))
    page.get_by_label(re.compile("^Pre-moderation")).check()
    page.get_by_role("button", name="Save the changes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Allotments in Millbrook")
    expect(page.get_by_role("status")).to_contain_text("recorded in the consultation's public history")
    history = page.locator("table.manage-table")
    expect(history).to_contain_text("Scope changed")
    expect(history).to_contain_text("Closing date moved later")
    expect(history).to_contain_text("Moderation changed")
    check_page(page, "edit details: the management page after saving")

    visitor = new_page(javascript=False)
    visitor.goto(f"/c/{slug}")
    section = visitor.get_by_role("region", name="Changes to this consultation")
    expect(section).to_contain_text(
        "Open for debate: from “The size of the plots.” to “The size of the plots and the price of water.”")
    expect(section).to_contain_text("applies to new comments only")
    expect(section).not_to_contain_text("Official")  # what changed, not who changed it
    check_page(visitor, "edit details: the public history")
    save_screenshot(visitor, "20-1-public-history")
