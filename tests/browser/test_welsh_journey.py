"""Journey for issue 21: a citizen registers, comments and reads a response entirely in Welsh, on
the demo's bilingual consultation, showing the English beside a paragraph. Every page goes
through check_page (axe-core and the HTML validator), `lang` on mixed-language content included.

The interface's words are looked up in the Welsh catalogue (translations/cy), so the journey
follows the catalogue's wording; each must have a Welsh translation different from the English.
"""
from __future__ import annotations

import re
import uuid
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from tests.browser.quality import check_page

BILINGUAL = "/c/play-areas-strategy"
RESPONDED = "/c/federal-source-code-policy"
CATALOGUE = Path(__file__).resolve().parents[2] / "translations" / "cy" / "LC_MESSAGES" / "messages.po"


@cache
def _catalogue():
    with CATALOGUE.open("rb") as po:
        return read_po(po)


def cy(msgid: str, **values) -> str:
    """The Welsh of an interface message, with its placeholders filled."""
    message = _catalogue().get(msgid)
    assert message is not None and message.string and message.string != msgid, f"no Welsh for {msgid!r}"
    text = message.string if isinstance(message.string, str) else message.string[0]
    return text % values if values else text


@pytest.mark.browser
def test_citizen_registers_comments_and_reads_a_response_in_welsh(page, new_page):
    email = f"eleri-{uuid.uuid4().hex[:8]}@example.org"
    name = "Eleri Jones"
    password = "cyfrinair hir digon da"

    page.goto(f"{BILINGUAL}?lang=cy")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.locator("#document_text")).not_to_have_attribute("lang", "en")  # the page's Welsh
    expect(page.locator("#document_text")).to_contain_text("Byddwn yn adnewyddu'r 40 ardal chwarae")
    check_page(page, "welsh: bilingual consultation")

    # The English beside a paragraph: a <details>, marked as English.
    paragraph = page.locator(".para").filter(has_text="Byddwn yn ychwanegu offer")
    paragraph.locator("summary", has_text=cy("Show in English")).click()
    beside = paragraph.locator(".para-other[open] .para-body")
    expect(beside).to_have_attribute("lang", "en")
    expect(beside).to_contain_text("We will add equipment")
    check_page(page, "welsh: the English beside a paragraph", changed=".para-other[open]")

    # Register in Welsh, confirm from the outbox.
    page.get_by_role("navigation", name=re.compile(".")).get_by_role("link", name=cy("Create an account")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(cy("Create an account"))
    check_page(page, "welsh: register form")
    page.get_by_label(cy("Email address")).fill(email)
    page.get_by_label(cy("Your name, as shown with your comments")).fill(name)
    page.get_by_label(cy("Password"), exact=True).fill(password)
    page.get_by_label(cy("Type the password again")).fill(password)
    page.locator("main").get_by_role("button", name=cy("Create account")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(cy("Check your email"))
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    check_page(page, "welsh: check your email")
    page.goto("/dev/outbox?lang=cy")
    expect(page.get_by_role("heading", level=1)).to_have_text(cy("Development outbox"))
    check_page(page, "welsh: development outbox")
    message = page.locator("article").filter(has_text=email)
    expect(message).to_have_count(1)
    message.locator("a[href*='/confirm/']").click()
    expect(page.locator(".signed-in")).to_contain_text(name)
    expect(page.locator("html")).to_have_attribute("lang", "cy")

    # Comment in Welsh on a paragraph, without JavaScript (the paragraph's own page).
    nojs = new_page(javascript=False, storage_state=page.context.storage_state())
    nojs.goto(f"{BILINGUAL}?lang=cy")
    target = nojs.locator(".para").filter(has_text="Byddwn yn cadw ardaloedd chwarae ar agor")
    number = target.locator(".para-number").inner_text().split()[-1]
    target.get_by_role("link", name=cy("Comment on %(number)s", number=number)).click()
    expect(nojs.get_by_role("heading", level=1)).to_have_text(cy("Paragraph %(number)s", number=number))
    check_page(nojs, "welsh: paragraph page with the form")
    text = "Byddai goleuadau yn y gaeaf yn help mawr i deuluoedd sy'n gweithio."
    nojs.get_by_label(cy("Your comment"), exact=True).fill(text)
    nojs.get_by_role("button", name=cy("Send comment")).click()
    expect(nojs.get_by_role("status")).to_contain_text(cy("Thank you. Your comment is published."))
    expect(nojs.locator(".thread .comment-body").filter(has_text=text)).to_be_visible()
    expect(nojs.locator("html")).to_have_attribute("lang", "cy")
    check_page(nojs, "welsh: comment sent")

    # A published response read in Welsh: the frame in Welsh, the department's English text marked.
    page.goto(f"{RESPONDED}/response?lang=cy")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(cy("Our response: %(title)s", title="").strip())
    expect(page.locator(".response-summary [lang=en] p").first).to_be_visible()  # the text marked English
    check_page(page, "welsh: a published response")
