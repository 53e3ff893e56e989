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
    page.get_by_role("button", name="Publish now").click()  # the confirmation step
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


ADMIN = "admin@demo.consult.test"


@pytest.mark.browser
def test_the_other_new_pages_of_issue_20_pass_axe_and_the_validator(page, new_page):
    """Items 5 and 6: the paragraph picker, the stance chart, the print button, the site's own
    pages, their administrator's editor and the API's page, each through check_page."""
    visitor = new_page(javascript=False)
    visitor.goto("/")
    expect(visitor.locator(".site-intro")).to_contain_text("is where draft policies are published for comment")
    for path, title in (("/privacy", "Privacy notice"), ("/accessibility", "Accessibility statement"),
                        ("/contact", "Contact"), ("/api/v1", "Open data API")):
        visitor.get_by_role("contentinfo").get_by_role("link", name=title).click()
        expect(visitor.get_by_role("heading", level=1)).to_have_text(title)
        assert visitor.url.endswith(path), visitor.url
        check_page(visitor, f"first minutes: {title}")

    # The public response: with JavaScript, a Print button.
    page.goto("/c/federal-source-code-policy/response")
    expect(page.get_by_role("button", name="Print this response")).to_be_visible()
    check_page(page, "response: with its print button")

    sign_in(page, OFFICIAL, DEMO_PASSWORD, "picker")
    page.goto("/manage/federal-source-code-policy/analysis")
    chart = page.locator("svg.stance-chart")
    expect(chart).to_have_attribute("role", "img")
    expect(chart).to_have_attribute("aria-label", re.compile(r"^Stance of \d+ published comments: support \d+"))
    check_page(page, "analysis: the stance chart")

    page.goto("/manage/eudi-wallet-trust-model/themes")
    title = f"Picker {_marker()}"
    page.get_by_label("Title of the theme").fill(title)
    page.get_by_role("button", name=re.compile("^Start")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Theme: {title}")
    expect(page.locator("#paragraphs")).to_contain_text("No paragraph is linked to this theme yet")
    page.get_by_label("Find paragraphs by number or words").fill("relying party")
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.locator("#found-heading")).to_contain_text("match “relying party”")
    check_page(page, "theme: paragraph picker with search results")
    page.locator(".picker-choices input[type=checkbox]").first.check()
    page.get_by_role("button", name="Link the ticked paragraphs to this theme").click()
    expect(page.get_by_role("status")).to_contain_text("1 paragraph linked to this theme.")
    expect(page.locator("#paragraphs-heading")).to_have_text("Paragraphs this theme changed (1)")
    check_page(page, "theme: a paragraph linked")

    admin = new_page()
    admin.goto("/privacy")
    sign_in(admin, ADMIN, DEMO_PASSWORD, "site pages")
    admin.goto("/admin/pages")
    check_page(admin, "site pages: the administrator's list")
    admin.get_by_role("link", name="Edit the contact").click()
    admin.get_by_label("The page's text, in Markdown").fill("## Write to us\n\nConsult team, Town Hall.")
    admin.get_by_role("button", name="Preview").click()
    expect(admin.locator(".manage-preview")).to_contain_text("Write to us")
    check_page(admin, "site pages: editing with a preview")
