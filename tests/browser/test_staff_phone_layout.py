"""Staff pages on a phone (staff walk-through F21): at 375 px the user list, a user's page, the
moderators' people search and a moderation record fit the screen, in English and in Welsh. Their
tables scroll inside their own focusable box, and the role form (select and Change button) is on
screen. The role change and a ban now ask first: both confirmation pages fit too.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.quality import check_page
from tests.browser.test_journeys import DEMO_PASSWORD, sign_in

ADMIN = "admin@demo.consult.test"
PHONE = 375


def _fits(page, what: str) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE, f"{what}: the page is {scroll_width} px wide on a {PHONE} px phone"


def _on_screen(page, locator, what: str) -> None:
    box = locator.bounding_box()
    assert box is not None, f"{what} is not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE, f"{what} is off screen: {box}"


def _staff_pages(page) -> dict[str, str]:
    """The four pages' paths, for a demo commenter with comments and decisions."""
    page.goto("/moderation/people?q=alex")
    person = page.locator(".table-scroll table a[href^='/moderation/users/']").first
    record = person.get_attribute("href")
    user_id = record.rsplit("/", 1)[1]
    return {"users": "/admin/users", "user": f"/admin/users/{user_id}",
            "people": "/moderation/people?q=alex", "record": record}


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "cy"])
def test_staff_pages_fit_a_phone_and_their_tables_scroll_in_their_box(page, lang):
    page.goto("/")
    sign_in(page, ADMIN, DEMO_PASSWORD, "admin on a phone")  # at 1280 px: the menu is open
    page.set_viewport_size({"width": PHONE, "height": 740})
    paths = _staff_pages(page)
    # The language cookie, not ?lang= (which would store Welsh on the shared demo admin account).
    origin = page.evaluate("location.origin")
    page.context.add_cookies([{"name": "lang", "value": lang, "url": origin + "/"}])
    for name, path in paths.items():
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        _fits(page, f"{name} ({lang}) {path}")
        boxes = page.locator("main .table-scroll[role=region][tabindex='0']")
        tables = page.locator("main table").count()
        assert boxes.locator("table").count() == tables, f"{name}: a table outside a scrolling box"
        assert name == "user" or tables >= 1, f"{name}: no table to check"
        for i in range(boxes.count()):
            assert boxes.nth(i).get_attribute("aria-label"), f"{name}: a scrolling box has no name"
        if name in {"users", "user"}:
            _on_screen(page, page.locator("main .role-form .select").first if name == "user"
                       else page.locator("main .role-form").first.locator(".select"), f"{name}: the role select")
            if name == "user":
                _on_screen(page, page.locator("main .role-form button"), f"{name}: the Change button")
        if lang == "en":
            check_page(page, f"phone {PHONE}px: staff page {name}")


@pytest.mark.browser
def test_the_role_and_ban_confirmations_fit_a_phone_and_cancel_changes_nothing(page_without_js):
    page = page_without_js
    page.goto("/")
    sign_in(page, ADMIN, DEMO_PASSWORD, "admin on a phone, no script")
    page.set_viewport_size({"width": PHONE, "height": 740})
    paths = _staff_pages(page)

    page.goto(paths["user"])
    role_before = page.locator("main .role-form .select").input_value()
    page.locator("main .role-form .select").select_option("official")
    page.locator("main .role-form button").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("an official?")
    _fits(page, "the role confirmation")
    check_page(page, f"phone {PHONE}px: confirm a change of role")
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator("main .role-form .select")).to_have_value(role_before)

    page.goto(paths["record"])
    page.locator("#kind-ban").check()
    page.get_by_label("Reason (the user is shown it)").fill("Repeated abuse")
    page.get_by_role("button", name="Impose the measure").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("from posting?")
    _fits(page, "the ban confirmation")
    check_page(page, f"phone {PHONE}px: confirm a ban")
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", level=2, name="Impose a measure")).to_be_visible()


@pytest.mark.browser
def test_the_moderation_queue_is_a_list_of_cards_on_a_phone(page):
    # Staff walkthrough: at 375 px the queue table scrolled sideways (532 px in 343) and its
    # "Why it is here" column was a letter wide, its Age column off screen.
    page.goto("/")
    sign_in(page, ADMIN, DEMO_PASSWORD, "queue on a phone")
    page.set_viewport_size({"width": PHONE, "height": 740})
    # The language cookie, not ?lang= (which would store Welsh on the shared demo admin account,
    # and every later journey signing in as the admin would read Welsh).
    origin = page.evaluate("location.origin")
    page.context.add_cookies([{"name": "lang", "value": "cy", "url": origin + "/"}])
    page.goto("/moderation/")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    _fits(page, "the queue")
    region = page.locator(".queue-form .table-scroll")
    inner, outer = region.evaluate("b => [b.scrollWidth, b.clientWidth]")
    assert inner <= outer, f"the queue scrolls sideways: {inner} px in {outer}"
    first = page.locator("tr.queue-item").first
    for cell in range(4):
        _on_screen(page, first.locator("td").nth(cell), f"the first item's cell {cell + 1}")
    why = first.locator("td").nth(2).bounding_box()
    assert why["width"] > PHONE / 2, f"'Why it is here' is {why['width']} px wide"
    check_page(page, "phone: the moderation queue as cards (Welsh)")
