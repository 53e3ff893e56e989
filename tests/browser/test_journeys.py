"""End-to-end journeys in a real browser, as people make them, with quality gates on every page.

Every page a journey visits goes through check_page: axe-core (WCAG 2.0/2.1/2.2 A and AA,
no serious or critical violation) and HTML validity (the W3C Nu checker, in one batch at the
end of the session). Each journey leaves a screenshot of its last page in screenshots/.
"""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.quality import check_page, focus_indicator, has_visible_focus, save_screenshot

# The demo (consult demo): a closed consultation showing the whole lifecycle, and a long open
# one; and the short open consultation conftest imports (library-hours.md) to comment on.
DEMO = "/c/federal-source-code-policy"
DEMO_OPEN_TITLE = "EUDI Wallet: the trust model"
OPEN = "/c/library-hours"
# Paragraphs to comment on, found by their text so that numbering changes do not matter.
JS_PARAGRAPH = "The central library opens"
NOJS_PARAGRAPH = "On Sundays only the central library opens"
KEYBOARD_PARAGRAPH = "Study rooms can be booked"
DEMO_PASSWORD = "consult-demo-2026"
OFFICIAL = "official@demo.consult.test"
CITIZEN = "citizen@demo.consult.test"
MODERATOR = "moderator@demo.consult.test"
HELD_PARAGRAPH = "Quiet areas are kept free"


def link(page, name: str):
    """The one link whose accessible name is exactly `name`."""
    return page.get_by_role("link", name=name, exact=True)


def paragraph_of(page, number: str):
    """The paragraph block (number in the margin, text, tools) numbered `number`."""
    return page.locator("div.para").filter(has=link(page, f"Paragraph {number}"))


def number_of(page, text: str) -> str:
    """The margin number of the paragraph whose text starts with `text`."""
    body = page.locator(".para-body").filter(has_text=re.compile("^" + re.escape(text)))
    paragraph = page.locator("div.para").filter(has=body)
    expect(paragraph).to_have_count(1)
    shown = paragraph.locator(".para-number").inner_text()
    return re.sub(r"\s+", " ", shown).strip().removeprefix("Paragraph ")


def margin_numbers(scope) -> list[str]:
    """The paragraph numbers shown in the margin, in order ("Paragraph 2.1" -> "2.1")."""
    return [re.sub(r"\s+", " ", n).strip().removeprefix("Paragraph ")
            for n in scope.locator(".para-number").all_inner_texts()]


def expect_inline_sent(inline):
    """The inline form reports success in place (or the test says what it reported instead)."""
    expect(inline.locator("[role=status], .form-status.error").first).to_be_visible()
    error = inline.locator(".form-status.error")
    assert error.count() == 0, f"the comment was not sent: {error.inner_text()}"
    done = inline.get_by_role("status")
    expect(done).to_contain_text("Thank you. Your comment is published.")
    expect(done).to_be_focused()
    return done


def sign_in(page, email: str, password: str, name: str) -> None:
    """Use the sign-in form as a person would, starting from the page shown now."""
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    check_page(page, f"{name}: sign-in form")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".signed-in")).to_contain_text("Signed in as")


# --------------------------------------------------------------------------- 1. a visitor reads


@pytest.mark.browser
def test_visitor_reads_and_follows_a_paragraph_number(page):
    """A visitor reads the demo consultation and opens paragraph 2.1 from its margin number."""
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultations")
    check_page(page, "visitor: list of consultations")
    # The demo's consultation open for comments: long, so checked here once, as a visitor.
    link(page, DEMO_OPEN_TITLE).click()
    expect(page.locator(".consultation-header h1")).to_have_text(DEMO_OPEN_TITLE)
    check_page(page, "visitor: the demo's open consultation")
    page.go_back()

    link(page, "Federal Source Code Policy").click()
    expect(page).to_have_url(re.compile(rf"{DEMO}$"))
    expect(page.locator(".consultation-header h1")).to_have_text("Federal Source Code Policy")
    check_page(page, "visitor: consultation")

    paragraph = paragraph_of(page, "2.1")
    text = paragraph.locator(".para-body").inner_text().strip()
    assert text
    number = link(page, "Paragraph 2.1")
    expect(number).to_have_class(re.compile(r"\bpara-number\b"))
    number.click()

    expect(page).to_have_url(re.compile(rf"{DEMO}/p/[\w-]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Paragraph 2.1")
    expect(page.locator(".para-single .para-body")).to_have_text(text)
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_contain_text("Paragraph 2.1")
    check_page(page, "visitor: paragraph 2.1")
    save_screenshot(page, "1-visitor-paragraph")


# --------------------------------------------------------------------------- 2. a citizen comments


@pytest.mark.browser
def test_citizen_registers_confirms_and_comments_with_and_without_javascript(page, new_page):
    """Register, confirm from the outbox, sign in, comment with JS on and off, see My comments."""
    email = f"ada-{uuid.uuid4().hex[:8]}@example.org"
    name = "Ada Citizen"
    password = "a long enough password"

    page.goto(OPEN)
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    check_page(page, "citizen: register form")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Your name, as shown with your comments").fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Type the password again").fill(password)
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.get_by_role("status")).to_contain_text(email)
    check_page(page, "citizen: check your email")
    link(page, "development outbox").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Development outbox")
    check_page(page, "citizen: development outbox")
    message = page.locator("article").filter(has_text=f"To {email}")
    expect(message).to_have_count(1)
    message.locator("a[href*='/confirm/']").click()

    # Confirmed in the browser that registered: signed in, and back where they started.
    expect(page.get_by_role("status")).to_contain_text("Your email address is confirmed")
    expect(page.locator(".signed-in")).to_have_text(f"Signed in as {name}")

    # JavaScript on: the form opens in place beside the paragraph and sends without leaving.
    expect(page).to_have_url(re.compile(rf"{OPEN}$"))
    check_page(page, "citizen: open consultation, signed in")
    url = page.url
    number = number_of(page, JS_PARAGRAPH)
    link(page, f"Comment on {number}").click()
    inline = paragraph_of(page, number).locator(".inline-comment")
    expect(inline).to_be_visible()
    expect(inline.get_by_role("heading")).to_have_text(f"Comment on {number}")
    expect(inline.get_by_label("Your comment", exact=True)).to_be_focused()
    assert page.url == url
    check_page(page, "citizen: inline comment form (JS)", changed=".inline-comment")
    js_text = "Please keep the central library open until 21:00 in exam weeks."
    inline.get_by_label("Your comment", exact=True).fill(js_text)
    inline.get_by_role("button", name="Send comment").click()
    expect_inline_sent(inline)
    assert page.url == url, "the inline form must not leave the page"
    check_page(page, "citizen: inline comment sent (JS)", changed=".inline-comment")

    # JavaScript off: the same kind of link leads to the paragraph's page, which has the form.
    nojs = new_page(javascript=False, storage_state=page.context.storage_state())
    nojs.goto(OPEN)
    check_page(nojs, "citizen: open consultation without JS")
    nojs_number = number_of(nojs, NOJS_PARAGRAPH)
    link(nojs, f"Comment on {nojs_number}").click()
    expect(nojs).to_have_url(re.compile(rf"{OPEN}/p/[\w-]+#comment-form-heading$"))
    expect(nojs.get_by_role("heading", level=1)).to_have_text(f"Paragraph {nojs_number}")
    expect(nojs.locator("#comment-form-heading")).to_have_text(f"Comment on {nojs_number}")
    check_page(nojs, f"citizen: paragraph {nojs_number} with the form (no JS)")
    nojs_text = "Sunday opening should start at 10:00, as on Saturdays."
    nojs.get_by_label("Your comment", exact=True).fill(nojs_text)
    nojs.get_by_role("button", name="Send comment").click()
    expect(nojs).to_have_url(re.compile(rf"{OPEN}/p/[\w-]+#comment-\d+$"))
    expect(nojs.get_by_role("status")).to_contain_text("Thank you. Your comment is published.")
    expect(nojs.locator(".thread .comment-body").filter(has_text=nojs_text)).to_be_visible()
    check_page(nojs, "citizen: comment sent (no JS)")

    # A reply from the form under a comment: a <details>, so no script is needed to open it.
    posted = nojs.locator("article.comment").filter(has_text=nojs_text)
    posted.locator("summary", has_text="Reply to this comment").click()
    reply_text = "Agreed, and the same on bank holidays."
    posted.get_by_label("Your reply").fill(reply_text)
    check_page(nojs, "citizen: reply form open (no JS)", changed="details.reply[open]")
    posted.get_by_role("button", name="Send reply").click()
    expect(nojs.get_by_role("status")).to_contain_text("Thank you. Your comment is published.")
    expect(nojs.locator(".replies .comment-body").filter(has_text=reply_text)).to_be_visible()

    # All three are in "My comments", published.
    nojs.get_by_role("link", name="My comments").click()
    expect(nojs.get_by_role("heading", level=1)).to_have_text("My comments")
    items = nojs.locator(".my-comment")
    expect(items).to_have_count(3)
    for text, on in ((js_text, number), (nojs_text, nojs_number)):
        item = items.filter(has_text=text)
        expect(item.locator(".comment-status")).to_have_text("Published")
        expect(item.get_by_role("link", name=f"paragraph {on}")).to_be_visible()
    check_page(nojs, "citizen: my comments")
    save_screenshot(nojs, "2-citizen-my-comments")


# --------------------------------------------------------------------------- 3. an official publishes


DOC_V1 = """---
title: Parking in Millbrook
---
# Parking in Millbrook

## Fees {#fees}

Residents pay a yearly fee for a parking permit.

Visitors pay by the hour at the machines.

## Zones {#zones}

The town is split into four zones.
"""

DOC_V2 = """---
title: Parking in Millbrook
---
# Parking in Millbrook

## Fees {#fees}

Residents pay a monthly fee for a parking permit.

Visitors pay by the hour at the machines.

## Zones {#zones}

The town is split into four zones.

Zones are reviewed every year.
"""


@pytest.mark.browser
def test_official_creates_publishes_and_revises_a_consultation(page):
    """Paste Markdown, preview the numbered paragraphs, publish, then publish version 2."""
    slug = f"parking-{uuid.uuid4().hex[:6]}"
    page.goto("/")
    check_page(page, "official: consultations")
    sign_in(page, OFFICIAL, DEMO_PASSWORD, "official")
    check_page(page, "official: signed in")

    page.get_by_role("link", name="Manage consultations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage consultations")
    check_page(page, "official: manage list")
    page.get_by_role("link", name="Start a new consultation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New consultation")
    check_page(page, "official: new consultation form")

    page.get_by_label("Web address").fill(slug)
    page.get_by_label("Department").fill("Millbrook Town Council")
    page.get_by_label("Summary").fill("How residents and visitors pay for parking.")
    page.get_by_label("Or paste the Markdown").fill(DOC_V1)
    page.get_by_role("button", name="Preview").click()

    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", level=2)).to_have_text("Preview: Parking in Millbrook")
    numbers = margin_numbers(preview)
    texts = [t.strip() for t in preview.locator(".para-body").all_inner_texts()]
    assert "Residents pay a yearly fee for a parking permit." in texts
    assert len(numbers) == len(texts) == len(set(numbers)) >= 5, numbers
    assert all(re.fullmatch(r"\d+(\.\d+)*", n) for n in numbers), numbers
    expect(page.locator(".notice")).to_contain_text(f"splits into {len(numbers)} paragraphs")
    check_page(page, "official: preview of the numbered paragraphs")
    page.get_by_role("button", name="Publish", exact=True).click()
    # Publishing asks first, with the preview; nothing is public yet.
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish “Parking in Millbrook”?")
    assert margin_numbers(page.locator("#preview")) == numbers
    check_page(page, "official: confirm publishing a new consultation")
    page.get_by_role("button", name="Publish now").click()

    expect(page).to_have_url(re.compile(rf"/c/{slug}$"))
    expect(page.get_by_role("status")).to_contain_text("“Parking in Millbrook” is published.")
    expect(page.locator(".consultation-header h1")).to_have_text("Parking in Millbrook")
    published = margin_numbers(page.locator("article.document"))
    assert published == numbers, "the public page numbers paragraphs as the preview did"
    check_page(page, "official: published consultation")

    page.get_by_role("link", name="Manage consultations").click()
    page.get_by_role("link", name="Parking in Millbrook").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Parking in Millbrook")
    check_page(page, "official: manage one consultation")
    page.get_by_role("link", name="Publish a new version of the document").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Publish version 2 of “Parking in Millbrook”")
    check_page(page, "official: new version form")
    page.get_by_label("Or paste the Markdown").fill(DOC_V2)
    page.get_by_label("What changed in this version").fill(
        "Fees are now monthly; a paragraph on zone reviews was added.")
    page.get_by_role("button", name="Preview").click()

    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", level=2)).to_have_text("What changes in version 2")
    paragraphs = preview.locator(".change-counts").first  # then what happens to the comments
    expect(paragraphs).to_contain_text("1 edited")
    expect(paragraphs).to_contain_text("1 new")
    expect(preview.locator(".change-edited ins")).to_contain_text("monthly")
    check_page(page, "official: preview of version 2")
    page.get_by_role("button", name="Publish version 2").click()

    expect(page).to_have_url(re.compile(rf"/c/{slug}/changes\?from=1&to=2$"))
    expect(page.get_by_role("status")).to_contain_text("Version 2 is published.")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "What changed from version 1 to version 2")
    expect(page.locator(".lede")).to_have_text(
        "Fees are now monthly; a paragraph on zone reviews was added.")
    counts = page.locator(".change-counts")
    for expected in ("1 edited", "1 new", "0 removed"):
        expect(counts).to_contain_text(expected)
    edited = page.locator(".change-edited")
    expect(edited.locator("ins")).to_contain_text("monthly")
    expect(edited.locator("del")).to_contain_text("yearly")
    # Screen readers are told what was removed and added, not only shown it.
    spoken = edited.locator(".diff").aria_snapshot()
    assert re.search(r"\[removed: yearly\s*\]", spoken), spoken
    assert re.search(r"\[added: monthly\s*\]", spoken), spoken
    expect(page.locator(".change-new")).to_contain_text("Zones are reviewed every year.")
    check_page(page, "official: changes from version 1 to 2")
    save_screenshot(page, "3-official-changes")


# --------------------------------------------------------------------------- 4. keyboard only


def tab_until(page, matches, *, limit: int, seen: list) -> dict:
    """Press Tab until the focused element satisfies `matches`; every stop must show focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = focus_indicator(page)
        seen.append(info)
        assert has_visible_focus(info), f"no visible focus indicator on {info}"
        if info and matches(info):
            return info
    raise AssertionError(f"not reached in {limit} presses of Tab; last stops: {seen[-5:]}")


@pytest.mark.browser
def test_keyboard_only_citizen_comments(page):
    """A citizen signs in, reaches the comment form and sends it with Tab, Enter and typing."""
    page.goto(OPEN)
    seen: list = []
    tab_until(page, lambda i: i["text"] == "Sign in", limit=10, seen=seen)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    check_page(page, "keyboard: sign-in form")
    tab_until(page, lambda i: i["tag"] == "input" and i["type"] == "email", limit=10, seen=seen)
    page.keyboard.type(CITIZEN)
    tab_until(page, lambda i: i["tag"] == "input" and i["type"] == "password", limit=1, seen=seen)
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator(".signed-in")).to_have_text("Signed in as Demo citizen")
    expect(page).to_have_url(re.compile(rf"{OPEN}$"))
    check_page(page, "keyboard: open consultation, signed in")
    number = number_of(page, KEYBOARD_PARAGRAPH)

    # The skip link comes first and leads into the main content.
    info = tab_until(page, lambda i: i["text"] == "Skip to main content", limit=1, seen=seen)
    page.keyboard.press("Enter")
    # On through the contents list (every entry a link) to the paragraph's comment link.
    info = tab_until(page, lambda i: i["text"] == f"Comment on {number}", limit=300, seen=seen)
    assert info["tag"] == "a"
    page.keyboard.press("Enter")

    inline = paragraph_of(page, number).locator(".inline-comment")
    expect(inline).to_be_visible()
    textarea = inline.get_by_label("Your comment", exact=True)
    expect(textarea).to_be_focused()
    assert has_visible_focus(focus_indicator(page)), "the comment box shows no focus"
    text = "Let students book study rooms a month ahead during exams."
    page.keyboard.type(text)
    expect(textarea).to_have_value(text)
    expect(inline.locator(".counter")).to_contain_text(f"{5000 - len(text):,} characters left")
    # On through the choices (arrow keys move inside a radio group) to the send button.
    tab_until(page, lambda i: i["tag"] == "button" and i["text"] == "Send comment",
              limit=15, seen=seen)
    page.keyboard.press("Enter")

    expect_inline_sent(inline)
    check_page(page, "keyboard: comment sent", changed=".inline-comment")
    tab_until(page, lambda i: i["text"] == "See your comment", limit=3, seen=seen)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Paragraph {number}")
    expect(page.locator(".thread .comment-body").filter(has_text=text)).to_be_visible()
    check_page(page, f"keyboard: paragraph {number} with the comment")
    save_screenshot(page, "4-keyboard-comment")


# --------------------------------------------------------------------------- 5. moderation


def _marker() -> str:
    """Six random letters that make a text unique: with digits, one could read as a postcode
    ("de09ab" is one), which screening rightly flags as well."""
    return uuid.uuid4().hex[:6].translate(str.maketrans("0123456789", "ghijklmnop"))


@pytest.mark.browser
def test_moderator_redacts_a_phone_number_held_by_screening(page, new_page):
    """A comment with a phone number is held; the moderator publishes it with the number removed."""
    phone = "020 7946 0958"
    marker = _marker()
    text = f"Please ring me on {phone} about quiet areas ({marker})."
    redacted = f"Please ring me on [removed] about quiet areas ({marker})."

    # The citizen comments (JavaScript on, in place); screening holds the comment.
    page.goto(OPEN)
    sign_in(page, CITIZEN, DEMO_PASSWORD, "held comment")
    expect(page).to_have_url(re.compile(rf"{OPEN}$"))
    number = number_of(page, HELD_PARAGRAPH)
    link(page, f"Comment on {number}").click()
    inline = paragraph_of(page, number).locator(".inline-comment")
    inline.get_by_label("Your comment", exact=True).fill(text)
    inline.get_by_role("button", name="Send comment").click()
    done = inline.get_by_role("status")
    expect(done).to_contain_text("Your comment is awaiting moderation")
    check_page(page, "held comment: awaiting moderation (JS)", changed=".inline-comment")
    page.get_by_role("link", name="My comments").click()
    item = page.locator(".my-comment").filter(has_text=marker)
    expect(item.locator(".comment-status")).to_have_text("Awaiting moderation")
    check_page(page, "held comment: my comments")

    # The moderator finds it in the queue with its reason, and publishes it redacted.
    mod = new_page()
    mod.goto("/house-rules")
    expect(mod.get_by_role("heading", level=1)).to_have_text("House rules")
    check_page(mod, "moderation: house rules")
    sign_in(mod, MODERATOR, DEMO_PASSWORD, "moderator")
    mod.goto("/moderation/")
    expect(mod.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    row = mod.locator("tr.queue-item").filter(has_text=marker)
    expect(row).to_have_count(1)
    expect(row.locator(".reasons")).to_contain_text(
        "It seems to contain personal information: a phone number.")
    check_page(mod, "moderation: queue")
    row.locator("a.item-link").click()
    expect(mod.get_by_role("heading", level=1)).to_contain_text("a comment on “Library opening hours”")
    expect(mod.locator(".reasons")).to_contain_text("a phone number")
    expect(mod.locator(".item-text")).to_have_text(text)
    box = mod.get_by_label("Text to publish, with the offending words removed")
    expect(box).to_have_value(redacted)
    check_page(mod, "moderation: item with a phone number")
    mod.get_by_label("Do not share personal information").check()
    mod.get_by_role("button", name="Publish redacted").click()
    expect(mod.get_by_role("status").first).to_contain_text("Decided")
    check_page(mod, "moderation: after the decision")

    # Anyone now reads the comment on its paragraph, without the number.
    reader = new_page()
    reader.goto(OPEN)
    link(reader, f"Paragraph {number}").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(f"Paragraph {number}")
    body = reader.locator(".thread .comment-body").filter(has_text=marker)
    expect(body).to_contain_text("Please ring me on [removed] about quiet areas")
    expect(body).not_to_contain_text(phone)
    assert phone not in reader.content()
    check_page(reader, f"reader: paragraph {number} with the redacted comment")
    reader.goto("/moderation/statistics")
    expect(reader.get_by_role("heading", level=1)).to_have_text("Moderation statistics")
    check_page(reader, "reader: moderation statistics")
    save_screenshot(reader, "5-moderation-statistics")


@pytest.mark.browser
def test_moderator_decides_in_place_with_the_keyboard_and_an_admin_assigns_moderators(page, new_page):
    """From the queue, j highlights items, a approves and r rejects (citing a rule) in place."""
    marker = _marker()
    approve_text = f"See www.example.org/quiet-{marker} for how another city did it."
    reject_text = f"Visit www.example.org/deals-{marker} for cheap watches."

    # A citizen posts two comments with links; screening holds both.
    page.goto(OPEN)
    sign_in(page, "alex@demo.consult.test", DEMO_PASSWORD, "links")
    number = number_of(page, HELD_PARAGRAPH)
    for text in (approve_text, reject_text):
        link(page, f"Comment on {number}").click()
        inline = paragraph_of(page, number).locator(".inline-comment")
        inline.get_by_label("Your comment", exact=True).fill(text)
        inline.get_by_role("button", name="Send comment").click()
        expect(inline.get_by_role("status")).to_contain_text("Your comment is awaiting moderation")
        page.reload()

    mod = new_page()
    mod.goto("/")
    sign_in(mod, MODERATOR, DEMO_PASSWORD, "moderator keyboard")

    def highlight(text):
        mod.goto("/moderation/")
        texts = mod.locator("tr.queue-item .excerpt").all_inner_texts()
        index = next(i for i, t in enumerate(texts) if text in t)
        for _ in range(index + 1):
            mod.keyboard.press("j")
        row = mod.locator("tr.queue-item.current")
        expect(row).to_contain_text(text)
        expect(row.locator("a.item-link")).to_be_focused()

    highlight(approve_text)
    expect(mod.get_by_role("region", name="Keyboard shortcuts")).to_contain_text("approve the highlighted item")
    mod.keyboard.press("a")
    expect(mod.get_by_role("status").first).to_contain_text("1 item decided: Approved")
    expect(mod.locator("tr.queue-item").filter(has_text=approve_text)).to_have_count(0)
    check_page(mod, "moderation: queue after an in-place approval")

    highlight(reject_text)
    mod.keyboard.press("r")
    first_rule = mod.locator("fieldset.bulk input[name='rules']").first
    expect(first_rule).to_be_focused()
    mod.locator("fieldset.bulk").get_by_label("No spam", exact=False).check()
    mod.get_by_role("button", name="Apply to the selection").click()
    expect(mod.get_by_role("status").first).to_contain_text("1 item decided: Not published")
    expect(mod.locator("tr.queue-item").filter(has_text=marker)).to_have_count(0)

    # The approved comment is public; the rejected one is not.
    reader = new_page()
    reader.goto(OPEN)
    link(reader, f"Paragraph {number}").click()
    expect(reader.locator(".thread")).to_contain_text(f"quiet-{marker}")
    assert f"deals-{marker}" not in reader.content()

    # An administrator assigns the moderator to one consultation, then takes them off again.
    admin = new_page()
    admin.goto("/")
    sign_in(admin, "admin@demo.consult.test", DEMO_PASSWORD, "admin")
    admin.goto("/moderation/assignments")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Who moderates what")
    check_page(admin, "moderation: who moderates what")
    admin.get_by_label("Moderator").select_option(label=f"Demo moderator ({MODERATOR})")
    admin.get_by_label("Consultation").select_option(label="Library opening hours")
    admin.get_by_role("button", name="Assign").click()
    expect(admin.get_by_role("status").first).to_contain_text("now moderates Library opening hours")
    admin.get_by_role("link", name=re.compile("^Remove .* from Library opening hours")).click()
    expect(admin.get_by_role("heading", level=1)).to_contain_text("off “Library opening hours”?")
    expect(admin.locator("main")).to_contain_text("moderate every consultation again")
    check_page(admin, "moderation: confirm taking a moderator off")
    admin.get_by_role("button", name="Yes, take them off").click()
    expect(admin.get_by_role("status").first).to_contain_text("no longer moderates Library opening hours")
    check_page(admin, "moderation: after an assignment change")
    save_screenshot(admin, "8-moderation-assignments")


# --------------------------------------------------------------------------- 6. the public reader


@pytest.mark.browser
def test_reader_browses_the_archive_response_search_and_downloads(page):
    """Archive filtered by status, the published response, a changed paragraph, search, CSV."""
    page.goto("/consultations")
    expect(page.get_by_role("heading", level=1)).to_have_text("Archive of consultations")
    check_page(page, "reader: archive")
    page.get_by_label("Status").select_option("responded")
    page.get_by_role("button", name="Show consultations").click()
    expect(page).to_have_url(re.compile(r"/consultations\?.*status=responded"))
    cards = page.locator(".card-list .card")
    expect(cards).to_have_count(1)
    expect(cards.get_by_role("heading")).to_have_text("Federal Source Code Policy")
    check_page(page, "reader: archive, responded only")

    page.goto(f"{DEMO}/response")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Our response: Federal Source Code Policy")
    check_page(page, "reader: published response")
    theme = page.locator("section.response-theme").filter(
        has=page.get_by_role("heading", name="Maintaining what is released"))
    changed = theme.locator(".response-paragraphs a").first
    number = changed.inner_text().strip()
    changed.click()
    expect(page).to_have_url(re.compile(rf"{DEMO}/p/[\w-]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Paragraph {number}")
    check_page(page, f"reader: changed paragraph {number}")

    page.goto("/search")
    check_page(page, "reader: search form")
    page.get_by_label("Search for").fill("maintenance")
    page.get_by_label("Comments", exact=True).check()
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("for “maintenance”")
    hits = page.locator(".search-results .search-hit")
    expect(hits.first).to_be_visible()
    expect(hits.first.locator("mark")).to_have_text(re.compile("^maintenance$", re.I))
    check_page(page, "reader: search results")

    page.goto(DEMO)
    csv_link = page.locator(".downloads").get_by_role("link", name="CSV", exact=True)
    expect(csv_link).to_have_attribute("href", f"{DEMO}/comments.csv")
    response = page.request.get(csv_link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    # Line 1 is the header, so spreadsheets and pandas read the columns; the licence is in a
    # Link header and on the page beside the link.
    first_line = response.text().splitlines()[0]
    assert first_line.startswith("comment_id,consultation,"), first_line
    assert 'rel="license"' in response.headers["link"], response.headers
    expect(page.locator(".downloads a[rel=license]")).to_contain_text("Open Government Licence v3.0")
    save_screenshot(page, "6-reader-downloads")


# --------------------------------------------------------------------------- 7. the official analyses


@pytest.mark.browser
def test_official_reads_the_analysis_and_themes(page):
    """The official opens the analysis (with its chart) and the themes of the federal policy."""
    page.goto(DEMO)
    sign_in(page, OFFICIAL, DEMO_PASSWORD, "analysis")
    page.goto("/manage/federal-source-code-policy/analysis")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Analysis: Federal Source Code Policy")
    chart = page.get_by_role("img", name=re.compile("Comments per day"))
    expect(chart).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Stance of"))).to_be_visible()
    expect(chart).to_have_attribute("role", "img")
    expect(chart).to_have_attribute("aria-label", re.compile("Comments per day"))
    check_page(page, "official: analysis")
    page.get_by_role("navigation", name="Analysis and response").get_by_role(
        "link", name="Themes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Themes: Federal Source Code Policy")
    expect(page.get_by_role("rowheader", name="Maintaining what is released")).to_be_visible()
    check_page(page, "official: themes")
    save_screenshot(page, "7-official-themes")
