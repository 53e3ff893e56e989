"""After a form is refused, the focus is on what to fix (citizen walkthrough: it stayed at the top
of the page), and the report form's "choose a house rule" is tied to the choice it is about."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.quality import check_page
from tests.browser.test_journeys import CITIZEN, DEMO_PASSWORD, sign_in

EUDI = "/c/eudi-wallet-trust-model"  # the demo's open consultation, with comments
REPORTER = "tom@demo.consult.test"  # a demo account no other browser test signs in with


@pytest.mark.browser
def test_a_refused_sign_in_puts_the_focus_on_the_problem(page):
    page.goto("/login")
    page.get_by_label("Email address").fill(CITIZEN)
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()


@pytest.mark.browser
def test_a_report_without_a_rule_says_so_at_the_choice_and_focuses_the_problem(page):
    page.goto(EUDI)
    sign_in(page, REPORTER, DEMO_PASSWORD, "report without a rule")
    page.goto(EUDI)
    page.locator("a.comment-count").first.click()  # a paragraph with comments on its own page
    page.locator(".report-link a").first.click()
    page.get_by_role("button", name="Send the report").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link")
    expect(link).to_contain_text("Choose")
    choice = page.locator("fieldset[aria-describedby='rule-error']")
    expect(choice.locator("#rule-error")).to_contain_text("Choose")
    link.click()
    expect(choice.locator("input[type=radio]").first).to_be_focused()
    check_page(page, "report refused without a rule", changed="fieldset")
