"""The comment form's progressive enhancement in a real browser: the count beside a paragraph
follows an inline comment, the organisation's name shows only when responding for one (and
always without JavaScript), and an inline comment screening holds says why, in place."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.quality import check_page
from tests.browser.test_journeys import DEMO_PASSWORD, OPEN, link, number_of, paragraph_of, sign_in

# Demo accounts and paragraphs the other journeys do not use, so the journeys stay independent.
WRITER = "grace@demo.consult.test"
COUNTED_PARAGRAPH = "Branch libraries open"
ORGANISATION_PARAGRAPH = "On Saturdays every library opens"
HELD_INLINE_PARAGRAPH = "Quiet areas are kept free"
ORGANISATION_LABEL = "Organisation's name (optional: only if you respond on behalf of one)"


def _count_of(paragraph) -> int:
    count = paragraph.locator(".comment-count")
    if count.count() == 0:
        return 0
    return int(re.match(r"\d+", count.inner_text()).group())


@pytest.mark.browser
def test_the_count_beside_a_paragraph_counts_a_comment_sent_inline(page):
    page.goto(OPEN)
    sign_in(page, WRITER, DEMO_PASSWORD, "inline count")
    expect(page).to_have_url(re.compile(rf"{OPEN}$"))
    number = number_of(page, COUNTED_PARAGRAPH)
    paragraph = paragraph_of(page, number)
    before = _count_of(paragraph)
    link(page, f"Comment on {number}").click()
    inline = paragraph.locator(".inline-comment")
    inline.get_by_label("Your comment", exact=True).fill(
        f"Branches should open on Wednesdays too ({uuid.uuid4().hex[:8]}).")
    inline.get_by_role("button", name="Send comment").click()
    expect(inline.get_by_role("status")).to_contain_text("Thank you. Your comment is published.")
    after = before + 1
    count = paragraph.locator(".comment-count")
    expect(count).to_have_count(1)
    expect(count).to_have_text(f"{after} comment{'s' if after != 1 else ''} on {number}")
    expect(count).to_have_attribute("href", re.compile(rf"{OPEN}/p/[\w-]+#comments-heading$"))
    check_page(page, "inline count: after sending (JS)", changed=f"[id='{paragraph.get_attribute('id')}']")


@pytest.mark.browser
def test_the_organisation_name_shows_only_for_an_organisation(page):
    page.goto(OPEN)
    sign_in(page, WRITER, DEMO_PASSWORD, "organisation field")
    number = number_of(page, ORGANISATION_PARAGRAPH)
    link(page, f"Comment on {number}").click()
    inline = paragraph_of(page, number).locator(".inline-comment")
    individual = inline.get_by_label("As an individual")
    organisation = inline.get_by_label("On behalf of an organisation")
    expect(individual).to_be_checked()
    expect(inline.locator("input[name=organisation]")).to_be_hidden()
    organisation.check()
    name = inline.get_by_label("Organisation's name", exact=True)
    expect(name).to_be_visible()
    check_page(page, "organisation field: shown for an organisation (JS)", changed=".inline-comment")
    individual.check()
    expect(inline.locator("input[name=organisation]")).to_be_hidden()
    organisation.check()
    name.fill("Friends of the Branch Libraries")
    text = f"Saturday hours suit our volunteers ({uuid.uuid4().hex[:8]})."
    inline.get_by_label("Your comment", exact=True).fill(text)
    inline.get_by_role("button", name="Send comment").click()
    expect(inline.get_by_role("status")).to_contain_text("Thank you. Your comment is published.")
    inline.get_by_role("link", name="See your comment").click()
    posted = page.locator("article.comment").filter(has_text=text)
    expect(posted.locator(".comment-meta")).to_contain_text("on behalf of Friends of the Branch Libraries")


@pytest.mark.browser
def test_without_javascript_the_organisation_name_is_always_there_and_says_it_is_optional(
        page, new_page):
    page.goto(OPEN)
    sign_in(page, WRITER, DEMO_PASSWORD, "organisation field without JS")
    nojs = new_page(javascript=False, storage_state=page.context.storage_state())
    nojs.goto(OPEN)
    number = number_of(nojs, ORGANISATION_PARAGRAPH)
    link(nojs, f"Comment on {number}").click()
    expect(nojs.get_by_label("As an individual")).to_be_checked()
    expect(nojs.get_by_label(ORGANISATION_LABEL)).to_be_visible()
    check_page(nojs, "organisation field: always shown (no JS)")


@pytest.mark.browser
def test_an_inline_comment_screening_holds_says_why_in_place_and_editing_publishes_it(page):
    page.goto(OPEN)
    sign_in(page, WRITER, DEMO_PASSWORD, "held inline")
    number = number_of(page, HELD_INLINE_PARAGRAPH)
    link(page, f"Comment on {number}").click()
    inline = paragraph_of(page, number).locator(".inline-comment")
    marker = uuid.uuid4().hex[:8].translate(str.maketrans("0123456789", "ghijklmnop"))
    inline.get_by_label("Your comment", exact=True).fill(f"Text me on 07700 900123 about quiet areas ({marker}).")
    inline.get_by_role("button", name="Send comment").click()
    expect(inline.get_by_role("status")).to_contain_text("Your comment is awaiting moderation.")
    expect(inline.get_by_role("status")).to_contain_text("Our automatic check found a phone number")
    rule = inline.get_by_role("link", name="rule 2 (Do not share personal information)")
    expect(rule).to_have_attribute("href", "/house-rules?version=1#personal-information")
    check_page(page, "held inline: why it waits (JS)", changed=".inline-comment")
    inline.get_by_role("link", name="Edit this comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit my comment")
    page.get_by_label("Your comment", exact=True).fill(f"Quiet areas need more desks ({marker}).")
    page.get_by_role("button", name="Save my change").click()
    expect(page.get_by_role("status")).to_contain_text("now published")
    item = page.locator(".my-comment").filter(has_text=marker)
    expect(item.locator(".comment-status")).to_have_text("Published")


@pytest.mark.browser
def test_a_comment_being_written_survives_switching_language_until_it_is_sent(page):
    page.goto(OPEN)
    sign_in(page, WRITER, DEMO_PASSWORD, "draft kept")
    number = number_of(page, ORGANISATION_PARAGRAPH)
    link(page, f"Comment on {number}").click()
    words = f"Saturday hours suit families ({uuid.uuid4().hex[:8]})."
    paragraph_of(page, number).locator(".inline-comment").get_by_label("Your comment", exact=True).fill(words)
    # The reader switches to Welsh half way: the page reloads in Welsh, the comment is still there.
    page.get_by_role("link", name="Cymraeg").click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    page.locator(f"a.comment-link[data-number='{number}']").click()
    expect(page.locator(".inline-comment textarea[name=body]")).to_have_value(words)  # one form is open
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    link(page, f"Comment on {number}").click()
    box = paragraph_of(page, number).locator(".inline-comment")
    expect(box.get_by_label("Your comment", exact=True)).to_have_value(words)
    box.get_by_role("button", name="Send comment").click()
    expect(box.get_by_role("status")).to_contain_text("Thank you.")
    # Sent: the next comment box starts empty.
    page.reload()
    link(page, f"Comment on {number}").click()
    fresh = paragraph_of(page, number).locator(".inline-comment")
    expect(fresh.get_by_label("Your comment", exact=True)).to_have_value("")
