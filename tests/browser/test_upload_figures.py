"""An official uploads the EUDI chapter with its four figures in the browser form (issue 17
item 1): the preview shows the figures and the import report, and the published page shows
the figures Consult serves."""
from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.quality import check_page
from tests.browser.test_journeys import DEMO_PASSWORD, OFFICIAL, sign_in

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "eudi-arf"
if not CORPUS.is_dir():
    CORPUS = Path(__file__).resolve().parents[2] / "demo" / "corpus" / "eudi-arf"


def _loaded_images(locator) -> list[int]:
    """The natural widths of the images in a part of the page, each scrolled to (they load
    lazily) and waited for; 0 means the image did not load."""
    images = locator.locator("img")
    widths = []
    for index in range(images.count()):
        image = images.nth(index)
        image.scroll_into_view_if_needed()
        widths.append(image.evaluate(
            "i => i.complete ? i.naturalWidth : new Promise(done => {"
            " i.addEventListener('load', () => done(i.naturalWidth));"
            " i.addEventListener('error', () => done(0)); })"))
    return widths


def test_official_uploads_a_chapter_with_its_figures(page):
    slug = f"trust-{uuid.uuid4().hex[:6]}"
    page.goto("/")
    sign_in(page, OFFICIAL, DEMO_PASSWORD, "official")
    page.goto("/manage/new")
    page.get_by_label("Web address").fill(slug)
    files = [CORPUS / "06-trust-model.md"]
    if (CORPUS / "pandoc-refs.md").exists():
        files.append(CORPUS / "pandoc-refs.md")
    files += sorted((CORPUS / "media").glob("*.png"))
    page.get_by_label("Upload Markdown files and their images").set_input_files([str(f) for f in files])
    page.get_by_role("button", name="Preview").click()

    report = page.locator(".manage-report")
    expect(report.get_by_role("heading", name="Import report")).to_be_visible()
    expect(report).to_contain_text("Images shown (4)")
    expect(report).to_contain_text("Figure_12_Trust_Model.png (PNG, 1704 x 1360 pixels")
    expect(page.locator(".notice").filter(has_text="With 4 images")).to_be_visible()
    preview = page.locator("#preview .manage-document")
    expect(preview.locator("img")).to_have_count(4)
    widths = _loaded_images(preview)
    assert widths == [1704, 1790, 2176, 1420], widths  # shown before anything is stored
    check_page(page, "official: preview with figures and the import report", changed=".manage-report")

    page.get_by_role("button", name="Publish", exact=True).click()
    # The confirmation shows the figures too, still from the form (nothing is stored yet).
    # Wait for the confirmation page to be there, with all four figures, before measuring
    # them (counting while the page was still arriving found three).
    expect(page.get_by_role("button", name="Publish now")).to_be_visible()
    confirmation = page.locator("#preview .manage-document")
    expect(confirmation.locator("img")).to_have_count(4)
    assert _loaded_images(confirmation) == [1704, 1790, 2176, 1420]
    page.get_by_role("button", name="Publish now").click()
    expect(page).to_have_url(re.compile(rf"/c/{slug}$"))
    document = page.locator("article.document")
    images = document.locator("img")
    expect(images).to_have_count(4)
    sources = images.evaluate_all("imgs => imgs.map(i => i.getAttribute('src'))")
    assert all(re.fullmatch(r"/media/[0-9a-f]{64}\.png", s) for s in sources), sources
    assert _loaded_images(document) == [1704, 1790, 2176, 1420]
    assert images.evaluate_all("imgs => imgs.map(i => i.alt)") == [
        "Figure 12", "Figure 13", "Figure 14", "Figure 15"]
