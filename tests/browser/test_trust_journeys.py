"""Journeys for the promises of issue 13: sessions end, held comments say why, appeals are final.

Each page goes through check_page (axe-core and the HTML validator), as in test_journeys.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.quality import check_page, save_screenshot
from tests.browser.test_journeys import (
    CITIZEN,
    DEMO_PASSWORD,
    HELD_PARAGRAPH,
    MODERATOR,
    OPEN,
    _marker,
    link,
    number_of,
    sign_in,
)

HELD_EDIT_PARAGRAPH = "Study rooms can be booked"


@pytest.mark.browser
def test_signing_out_ends_the_session_even_for_a_copied_cookie(page, new_page):
    """Sign in, copy the session cookie, sign out: the copy no longer opens the account page."""
    page.goto("/")
    sign_in(page, CITIZEN, DEMO_PASSWORD, "session end")
    page.goto("/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    copied = page.context.cookies()
    assert any(c["name"] == "session" for c in copied), [c["name"] for c in copied]

    # The copy works while the session lasts (two gunicorn workers: any of them may answer).
    other = new_page()
    other.context.add_cookies(copied)
    other.goto("/account")
    expect(other.get_by_role("heading", level=1)).to_have_text("Your account")
    other.context.clear_cookies()

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("You have signed out")
    expect(page.get_by_role("navigation", name="Site").get_by_role("link", name="Sign in")).to_be_visible()
    check_page(page, "session end: signed out")

    for _attempt in range(3):  # each time possibly another worker: the revocation is shared
        thief = new_page()
        thief.context.add_cookies(copied)
        thief.goto("/account")
        expect(thief.get_by_role("heading", level=1)).to_have_text("Sign in")
        expect(thief.locator(".signed-in")).to_have_count(0)
    check_page(thief, "session end: the copied cookie is sent to sign in")
    save_screenshot(thief, "13-9-copied-cookie-after-sign-out")


@pytest.mark.browser
def test_a_held_comment_says_why_and_editing_it_publishes_it_at_once(page_without_js):
    """Without JavaScript: a comment with a phone number is held, the page says why and under
    which rule, and removing the number publishes it at once."""
    page = page_without_js
    marker = _marker()
    text = f"Book rooms by phone on 020 7946 0958 please ({marker})."
    fixed = f"Book rooms by phone please ({marker})."
    page.goto(OPEN)
    sign_in(page, CITIZEN, DEMO_PASSWORD, "held and edited")
    page.goto(OPEN)
    number = number_of(page, HELD_EDIT_PARAGRAPH)
    link(page, f"Comment on {number}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Paragraph {number}")
    # The promise above the form matches this post-moderated consultation.
    expect(page.locator(".moderation-promise").first).to_contain_text(
        "Comments appear at once, unless our automatic check finds")
    page.get_by_label("Your comment", exact=True).fill(text)
    page.get_by_role("button", name="Send comment").click()

    notice = page.locator(".held-notice").first
    expect(notice).to_contain_text("Why this comment is waiting")
    expect(notice).to_contain_text("a phone number")
    expect(notice.get_by_role("link", name=re.compile("Do not share personal information"))).to_be_visible()
    expect(notice).to_contain_text("A moderator will decide")
    check_page(page, "held and edited: held, with the reason")

    page.get_by_role("link", name="My comments").click()
    item = page.locator(".my-comment").filter(has_text=marker)
    expect(item.locator(".held-notice")).to_contain_text("a phone number")
    check_page(page, "held and edited: my comments, with the reason")
    item.get_by_role("link", name="Edit this comment").first.click()
    check_page(page, "held and edited: edit form")
    page.get_by_label("Your comment", exact=True).fill(fixed)
    page.get_by_role("button", name="Save my change").click()
    expect(page.get_by_role("status").first).to_contain_text("is now published")
    check_page(page, "held and edited: published after the edit")

    reader = page.context.browser.new_context(base_url=page.url.split("/c/")[0],
                                              java_script_enabled=False).new_page()
    try:
        reader.goto(OPEN)
        link(reader, f"Paragraph {number}").click()
        body = reader.locator(".thread .comment-body").filter(has_text=marker)
        expect(body).to_have_text(fixed)
        assert "7946" not in reader.content()
    finally:
        reader.context.close()
    save_screenshot(page, "13-7-held-comment-published-after-edit")


@pytest.mark.browser
def test_an_appeal_goes_to_someone_new_and_its_outcome_is_final(new_page):
    """Moderator A rejects; the citizen appeals; A may only read the appeal (and does not hold
    it); the admin decides it; the citizen is told it is final and is offered no second appeal.
    Everyone without JavaScript, as the forms must work without it."""
    marker = _marker()
    text = f"Call the library on 020 7946 0321 about quiet areas ({marker})."

    citizen = new_page(javascript=False)
    citizen.goto(OPEN)
    sign_in(citizen, CITIZEN, DEMO_PASSWORD, "appeal citizen")
    citizen.goto(OPEN)
    number = number_of(citizen, HELD_PARAGRAPH)
    link(citizen, f"Comment on {number}").click()
    citizen.get_by_label("Your comment", exact=True).fill(text)
    citizen.get_by_role("button", name="Send comment").click()
    expect(citizen.locator(".held-notice").first).to_contain_text("a phone number")

    # Moderator A rejects it under the personal-information rule.
    mod_a = new_page(javascript=False)
    mod_a.goto("/")
    sign_in(mod_a, MODERATOR, DEMO_PASSWORD, "appeal moderator A")
    mod_a.goto("/moderation/")
    mod_a.locator("tr.queue-item").filter(has_text=marker).locator("a.item-link").click()
    mod_a.get_by_label("Do not share personal information").check()
    mod_a.get_by_role("button", name="Reject, citing the rules ticked").click()
    expect(mod_a.get_by_role("status").first).to_contain_text("Decided")

    # The citizen appeals from My comments.
    citizen.get_by_role("link", name="My comments").click()
    item = citizen.locator(".my-comment").filter(has_text=marker)
    item.get_by_role("link", name="Appeal this decision").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text("Appeal a moderation decision")
    check_page(citizen, "appeal: the appeal form")
    citizen.get_by_label(re.compile("why", re.I)).fill("It is the library's public number, not mine.")
    citizen.get_by_role("button", name="Send my appeal").click()
    expect(citizen.get_by_role("status").first).to_contain_text("Your appeal is sent")

    # Moderator A opens the appeal: a read-only view that names who may decide; nothing claimed.
    mod_a.goto("/moderation/")
    mod_a.locator("tr.queue-item").filter(has_text=marker).locator("a.item-link").click()
    expect(mod_a.get_by_role("heading", name="You cannot decide this appeal")).to_be_visible()
    expect(mod_a.locator(".read-only")).to_contain_text("Who may decide it:")
    expect(mod_a.locator(".read-only")).to_contain_text("Demo admin")
    expect(mod_a.get_by_role("button", name="Reject, citing the rules ticked")).to_have_count(0)
    check_page(mod_a, "appeal: read-only for the first moderator")

    # The admin decides the appeal, and is not told that A is looking at it.
    mod_b = new_page(javascript=False)
    mod_b.goto("/")
    sign_in(mod_b, "admin@demo.consult.test", DEMO_PASSWORD, "appeal moderator B")
    mod_b.goto("/moderation/")
    mod_b.locator("tr.queue-item").filter(has_text=marker).locator("a.item-link").click()
    expect(mod_b.locator(".claimed")).to_have_count(0)
    check_page(mod_b, "appeal: the deciding moderator's form")
    mod_b.get_by_label("Do not share personal information").check()
    mod_b.get_by_role("button", name="Reject, citing the rules ticked").click()
    expect(mod_b.get_by_role("status").first).to_contain_text("Decided")

    # The citizen sees the outcome, marked final, and no appeal link anywhere on the comment.
    citizen.get_by_role("link", name="My comments").click()
    item = citizen.locator(".my-comment").filter(has_text=marker)
    expect(item.locator(".decisions")).to_contain_text("Outcome of your appeal (final)")
    expect(item.get_by_role("link", name="Appeal this decision")).to_have_count(0)
    check_page(citizen, "appeal: the final outcome in my comments")
    save_screenshot(citizen, "13-2-appeal-final")
