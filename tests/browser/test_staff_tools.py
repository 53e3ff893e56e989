"""Journeys for the staff tools of issue 20: an administrator manages users (invite, find,
deactivate, reactivate) and a moderator works the queue at scale (search, sort, decide a whole
page without JavaScript, find a person) and reads the audit trail.

Each page goes through check_page (axe-core and the HTML validator), as in test_journeys.
"""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.quality import check_page, save_screenshot
from tests.browser.test_journeys import (
    DEMO_PASSWORD,
    HELD_PARAGRAPH,
    MODERATOR,
    OPEN,
    _marker,
    link,
    number_of,
    paragraph_of,
    sign_in,
)

ADMIN = "admin@demo.consult.test"
ONE_LINE = """(el) => {
    const s = getComputedStyle(el);
    const line = s.lineHeight === "normal" ? parseFloat(s.fontSize) * 1.2 : parseFloat(s.lineHeight);
    const inner = el.getBoundingClientRect().height - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom)
        - parseFloat(s.borderTopWidth) - parseFloat(s.borderBottomWidth);
    return {inner: inner, line: line, width: window.innerWidth};
}"""


@pytest.mark.browser
def test_an_admin_invites_finds_deactivates_and_reactivates_a_user(page, new_page):
    """Invite a moderator (the mail's link sets the password), find them, deactivate them after a
    confirmation (their session ends; signing in says why), reactivate them."""
    email = f"new-mod-{uuid.uuid4().hex[:8]}@example.org"
    name = f"Nia {uuid.uuid4().hex[:4]}"
    password = "a long enough password"

    page.goto("/")
    sign_in(page, ADMIN, DEMO_PASSWORD, "admin users")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    check_page(page, "admin: users list")
    # At 1280 px the role form's "Change" button stays on one line.
    button = page.locator(".role-form button").first
    size = button.evaluate(ONE_LINE)
    assert size["width"] == 1280, size
    assert size["inner"] < 1.5 * size["line"], f"the Change button wraps: {size}"

    page.get_by_role("link", name="Invite someone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite someone")
    check_page(page, "admin: invite form")
    page.get_by_label("Email address").fill("not an address")
    page.get_by_label("Their name, as shown with their comments").fill(name)
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".error-summary")).to_contain_text("Enter an email address")
    check_page(page, "admin: invite form with a problem")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Role", exact=True).select_option("moderator")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status").first).to_contain_text(f"We have sent an invitation to {email}")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("note")).to_contain_text("Invited")
    check_page(page, "admin: invited user's page")

    # The invited person follows the link in the mail and chooses a password.
    person = new_page()
    person.goto("/dev/outbox")
    message = person.locator("article").filter(has_text=f"To {email}")
    expect(message).to_have_count(1)
    message.locator("a[href*='/invitation/']").click()
    expect(person.get_by_role("heading", level=1)).to_have_text("Choose your password")
    check_page(person, "invited: choose a password")
    person.get_by_label("New password", exact=True).fill(password)
    person.get_by_label("Type the new password again").fill(password)
    person.get_by_role("button", name="Save password and sign in").click()
    expect(person.get_by_role("status").first).to_contain_text("Your password is saved and you are signed in")
    expect(person.locator(".signed-in")).to_contain_text(name)

    # The admin finds them by part of their name and by role; a wrong role is named.
    page.goto("/admin/users")
    page.get_by_label("Name or email contains").fill(name.split()[1])
    page.get_by_label("Role", exact=True).select_option("moderator")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".users-table tbody tr")).to_have_count(1)
    check_page(page, "admin: users found by name and role")
    page.goto("/admin/users?role=emperor")
    expect(page.locator(".error-summary")).to_contain_text("is not a role")
    check_page(page, "admin: users with a wrong filter")
    page.goto(f"/admin/users?q={email}")
    page.get_by_role("link", name=email).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator("main")).to_contain_text("None assigned, so they moderate every consultation.")
    check_page(page, "admin: a moderator's page")

    # Deactivation asks first, then ends their session.
    page.get_by_role("link", name=f"Deactivate {name}’s account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Deactivate {name}’s account?")
    check_page(page, "admin: confirm deactivation")
    page.get_by_label("Reason (kept in the audit trail; not sent to them)").fill("Left the team")
    page.get_by_role("button", name="Yes, deactivate the account").click()
    expect(page.get_by_role("status").first).to_contain_text("is deactivated")
    expect(page.get_by_role("button", name="Reactivate the account")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Left the team")
    check_page(page, "admin: deactivated user's page")

    person.goto("/account")
    expect(person.get_by_role("heading", level=1)).to_have_text("Sign in")
    person.get_by_label("Email address").fill(email)
    person.get_by_label("Password").fill(password)
    person.get_by_role("button", name="Sign in").click()
    expect(person.locator("main")).to_contain_text("This account has been deactivated by an administrator")
    check_page(person, "deactivated: sign-in refused")

    page.get_by_role("button", name="Reactivate the account").click()
    expect(page.get_by_role("status").first).to_contain_text("is active again")
    check_page(page, "admin: reactivated user's page")
    person.get_by_label("Email address").fill(email)
    person.get_by_label("Password").fill(password)
    person.get_by_role("button", name="Sign in").click()
    expect(person.locator(".signed-in")).to_contain_text(name)
    save_screenshot(page, "20-2-admin-user-page")


@pytest.mark.browser
def test_a_moderator_searches_sorts_decides_a_page_and_finds_a_person_without_javascript(page, new_page):
    """Two held comments found by a word in them, sorted newest first, approved together with the
    button for every item on the page (no script), the author found by name, the trail filtered."""
    marker = _marker()
    texts = [f"See www.example.org/first-{marker} for ideas.", f"See www.example.org/second-{marker} too."]
    page.goto(OPEN)
    sign_in(page, "priya@demo.consult.test", DEMO_PASSWORD, "queue tools")
    number = number_of(page, HELD_PARAGRAPH)
    for text in texts:
        link(page, f"Comment on {number}").click()
        inline = paragraph_of(page, number).locator(".inline-comment")
        inline.get_by_label("Your comment", exact=True).fill(text)
        inline.get_by_role("button", name="Send comment").click()
        expect(inline.get_by_role("status")).to_contain_text("Your comment is awaiting moderation")
        page.reload()

    mod = new_page(javascript=False)
    mod.goto("/")
    sign_in(mod, MODERATOR, DEMO_PASSWORD, "queue tools moderator")
    mod.goto("/moderation/")
    mod.get_by_label("Comment contains").fill(marker)
    mod.get_by_label("Order").select_option("newest")
    mod.get_by_role("button", name="Filter").click()
    rows = mod.locator("tr.queue-item")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(f"second-{marker}")
    check_page(mod, "moderation: queue searched, newest first (no JS)")

    mod.goto("/moderation/?sort=loudest")
    expect(mod.locator(".error-summary")).to_contain_text("“loudest” is not an order")
    check_page(mod, "moderation: queue with a wrong filter")
    mod.go_back()
    expect(rows).to_have_count(2)
    mod.get_by_role("button", name="Apply to every item on this page (2)").click()
    # Nothing is decided before the moderator confirms on a page listing the items.
    expect(mod.get_by_role("heading", level=1)).to_have_text("Decide these 2 items?")
    expect(mod.locator(".confirm-items li")).to_have_count(2)
    check_page(mod, "moderation: confirm a decision on every item of the page")
    mod.get_by_role("button", name="Confirm: decide 2 items").click()
    expect(mod.get_by_role("status").first).to_contain_text("2 items decided: Approved")
    expect(mod.locator("tr.queue-item")).to_have_count(0)
    expect(mod.locator(".empty")).to_contain_text(f"No comment waiting contains “{marker}”")
    check_page(mod, "moderation: queue after deciding a page")

    mod.get_by_role("navigation", name="Moderation").get_by_role("link", name="Find a person").click()
    expect(mod.get_by_role("heading", level=1)).to_have_text("Find a person")
    check_page(mod, "moderation: find a person")
    mod.get_by_label("Name or email contains").fill("priya")
    mod.get_by_role("button", name="Search").click()
    expect(mod.locator("main table tbody tr")).to_have_count(1)
    check_page(mod, "moderation: people found")
    mod.get_by_role("link", name="Priya Shah").click()
    expect(mod.get_by_role("heading", level=2, name="Their comments", exact=True)).to_be_visible()
    expect(mod.locator("main")).to_contain_text(f"second-{marker}")
    check_page(mod, "moderation: a person's record with their comments")

    mod.get_by_role("navigation", name="Moderation").get_by_role("link", name="Audit trail").click()
    mod.get_by_label("Action").select_option("decided:approve")
    mod.get_by_role("button", name="Filter").click()
    expect(mod.locator(".audit-sentence").first).to_contain_text(
        re.compile(r"Demo moderator \(moderator\) approved comment \d+ on [\d.]+ of ‘Library opening hours’"))
    check_page(mod, "moderation: audit trail filtered by outcome")
    mod.goto("/moderation/audit?from=yesterday")
    expect(mod.locator(".error-summary")).to_contain_text("“yesterday” is not a date")
    check_page(mod, "moderation: audit trail with a wrong date")
    save_screenshot(mod, "20-4-audit-trail")
