"""Reading on a phone (issue 17, item 6): the demo's EUDI chapter at 320 and 390 px wide.

The page is never wider than the screen, a wide table scrolls inside its own box, "Skip to
the document" is the first stop in the page's content, and the site menu folds behind
"Menu" and opens, without JavaScript too. Every state is checked with axe-core.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.quality import check_page

EUDI = "/c/eudi-wallet-trust-model"  # the demo's open consultation: three wide tables
PHONES = [320, 390]


def _at_width(page, width: int, path: str = EUDI):
    page.set_viewport_size({"width": width, "height": 740})
    page.goto(path)
    if path == EUDI:
        expect(page.locator(".consultation-header h1")).to_have_text("EUDI Wallet: the trust model")
    return page


def _page_fits(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.browser
@pytest.mark.parametrize("width", PHONES)
def test_the_document_fits_a_phone_and_its_tables_scroll_in_their_box(page, width):
    _at_width(page, width)
    scroll_width, viewport = _page_fits(page)
    assert scroll_width <= viewport, f"the page is {scroll_width} px wide on a {viewport} px phone"
    boxes = page.locator(".document .table-scroll")
    assert boxes.count() >= 1
    box = boxes.first
    box.scroll_into_view_if_needed()
    inner, outer = box.evaluate("b => [b.scrollWidth, b.clientWidth]")
    assert inner > outer, "the table fits, so this test would not see it scroll"
    # From the keyboard: the box takes focus and the arrow keys scroll it.
    box.focus()
    expect(box).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("b => b.scrollLeft > 0", arg=box.element_handle())
    assert _page_fits(page)[0] <= viewport
    check_page(page, f"phone {width}px: the EUDI chapter")


@pytest.mark.browser
def test_skip_to_the_document_is_the_first_stop_in_the_content_and_passes_the_scope(page):
    _at_width(page, 320)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the document")
    expect(skip).to_be_focused()
    # Before the scope box in the page's order, and it lands on the text, past the contents.
    before_scope = page.evaluate("""() => {
        const link = document.querySelector('main a');
        const scope = document.querySelector('main .scope');
        return link.textContent.trim() === 'Skip to the document' &&
               !!(link.compareDocumentPosition(scope) & Node.DOCUMENT_POSITION_FOLLOWING);
    }""")
    assert before_scope
    page.keyboard.press("Enter")
    expect(page.locator(".document")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(".document .para-number").first).to_be_focused()
    assert page.locator(".document").bounding_box()["y"] <= 1  # scrolled to the top of the text


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_site_menu_folds_on_a_phone_and_opens(new_page, javascript):
    page = _at_width(new_page(javascript=javascript), 320, "/")  # axe on a short page
    nav = page.get_by_role("navigation", name="Site")
    archive = nav.get_by_role("link", name="Archive")
    expect(archive).to_be_hidden()
    menu = nav.locator("summary", has_text="Menu")
    expect(menu).to_be_visible()
    check_page(page, f"phone: site menu folded ({'JS' if javascript else 'no JS'})")
    menu.click()
    expect(archive).to_be_visible()
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    assert _page_fits(page)[0] <= 320
    check_page(page, f"phone: site menu open ({'JS' if javascript else 'no JS'})",
               changed="details.site-menu[open]")
    href = archive.get_attribute("href")
    archive.click()
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))


@pytest.mark.browser
def test_on_a_wide_screen_the_menu_is_open_to_look_at(page):
    _at_width(page, 1280)
    nav = page.get_by_role("navigation", name="Site")
    expect(nav.get_by_role("link", name="Archive")).to_be_visible()
    expect(nav.locator("summary")).to_be_hidden()


@pytest.mark.browser
def test_the_search_page_fits_the_narrowest_phone(page):
    # Walkthrough: the search box (20rem) pushed the page to 336 px on a 320 px screen (WCAG 1.4.10).
    _at_width(page, 320, "/search?q=play")
    expect(page.locator("#q")).to_have_value("play")
    scroll_width, viewport = _page_fits(page)
    assert scroll_width <= viewport, f"the search page is {scroll_width} px wide on a {viewport} px phone"
