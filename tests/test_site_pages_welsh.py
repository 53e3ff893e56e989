"""The site's pages in Welsh (staff walkthrough F23, F24): a Welsh text beside the English one,
each with its own preview and restore, and the rule for what a Welsh reader sees."""
from __future__ import annotations

import html

from consult import site_pages
from consult.extensions import db

WELSH_HEADING = "Cwestiynau am ymgynghoriad"  # the Welsh default contact page
ENGLISH_HEADING = "Questions about a consultation"
NOTE = "Mae'r fersiwn Gymraeg o'r dudalen hon yn cael ei pharatoi."


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _stored(app, name="contact"):
    with app.app_context():
        page = db.session.get(site_pages.SitePage, name)
        return None if page is None else (page.body, page.body_cy)


def test_the_welsh_default_shows_until_the_english_is_changed_then_the_english_with_a_note(app, client, auth):
    assert WELSH_HEADING in _text(client.get("/contact?lang=cy"))
    admin = auth.as_("admin")
    assert admin.post("/admin/pages/contact", data={"body": "Write to us at the town hall.", "body_cy": "",
                                                    "action": "save"}).status_code == 303
    welsh = _text(client.get("/contact?lang=cy"))
    assert NOTE in welsh and '<div lang="en"><p>Write to us at the town hall.</p>' in welsh
    assert WELSH_HEADING not in welsh
    english = _text(client.get("/contact?lang=en"))
    assert "Write to us at the town hall." in english and NOTE not in english and "being prepared" not in english


def test_a_welsh_reader_sees_the_welsh_text_and_an_english_reader_the_english(app, client, auth):
    admin = auth.as_("admin")
    admin.post("/admin/pages/contact", data={"body": "Write to us at the town hall.",
                                             "body_cy": "Ysgrifennwch atom yn neuadd y dref.", "action": "save"})
    welsh = _text(client.get("/contact?lang=cy"))
    assert '<div lang="cy"><p>Ysgrifennwch atom yn neuadd y dref.</p></div>' in welsh
    assert "Write to us" not in welsh and NOTE not in welsh
    english = _text(client.get("/contact?lang=en"))
    assert "Write to us at the town hall." in english and "Ysgrifennwch" not in english
    assert '<div lang="en">' not in english


def test_a_welsh_text_alone_leaves_the_english_default(app, client, auth):
    admin = auth.as_("admin")
    page = _text(admin.get("/admin/pages/privacy"))
    english_default = site_pages.default_text(site_pages.PAGES["privacy"], app.config["SITE_NAME"],
                                              app.config["SITE_OPERATOR"])
    admin.post("/admin/pages/privacy", data={"body": english_default, "body_cy": "## Ein polisi\n\nDim.",
                                             "action": "save"})
    assert "Ein polisi" in _text(client.get("/privacy?lang=cy"))
    english = _text(client.get("/privacy?lang=en"))
    assert "What we keep" in english and "Ein polisi" not in english
    assert 'lang="cy"' in page and "Beth rydym yn ei gadw" in page  # the Welsh box, with the Welsh default


def test_the_editor_has_both_boxes_says_the_rule_and_previews_each(app, auth):
    admin = auth.as_("admin")
    page = _text(admin.get("/admin/pages/contact"))
    assert 'name="body_cy"' in page and 'name="body"' in page
    assert "What Welsh readers see" in page and "Now: Welsh readers see the Welsh default text." in page
    preview = _text(admin.post("/admin/pages/contact", data={"body": "Ring **01234**.",
                                                            "body_cy": "Ffoniwch **01234**.", "action": "preview"}))
    assert "Preview (not saved yet)" in preview and "<h3>The English text</h3>" in preview
    assert "<strong>01234</strong>" in preview
    assert "<h3>The Welsh text</h3>" in preview and '<div lang="cy"><p>Ffoniwch' in preview
    assert _stored(app) is None  # a preview saves nothing
    welsh = _text(admin.get("/admin/pages/contact?lang=cy"))
    assert "Beth mae darllenwyr Cymraeg yn ei weld" in welsh and "What Welsh readers see" not in welsh


def test_the_welsh_default_unchanged_is_not_stored_so_a_changed_english_shows_with_the_note(app, client, auth):
    admin = auth.as_("admin")
    welsh_default = site_pages.default_text(site_pages.PAGES["contact"], app.config["SITE_NAME"],
                                            app.config["SITE_OPERATOR"], "cy")
    admin.post("/admin/pages/contact", data={"body": "Ring 01234.", "body_cy": welsh_default, "action": "save"})
    assert _stored(app) == ("Ring 01234.", None)
    assert NOTE in _text(client.get("/contact?lang=cy"))
    edit = _text(admin.get("/admin/pages/contact"))
    assert "Now: Welsh readers see the English text" in edit


def test_a_form_without_the_welsh_box_keeps_the_welsh_text(app, auth):
    admin = auth.as_("admin")
    admin.post("/admin/pages/contact", data={"body": "Ring 01234.", "body_cy": "Ffoniwch 01234.", "action": "save"})
    admin.post("/admin/pages/contact", data={"body": "Ring 05678.", "action": "save"})
    assert _stored(app) == ("Ring 05678.", "Ffoniwch 01234.")


def test_restoring_the_welsh_text_and_the_english_text_separately(app, client, auth):
    admin = auth.as_("admin")
    admin.post("/admin/pages/contact", data={"body": "Ring 01234.", "body_cy": "Ffoniwch 01234.", "action": "save"})
    assert "/admin/pages/contact/default?language=cy" in _text(admin.get("/admin/pages/contact"))
    confirm = _text(admin.get("/admin/pages/contact/default?language=cy"))
    assert "Delete the Welsh text of the contact page?" in confirm and 'method="post"' in confirm
    welsh_confirm = _text(admin.get("/admin/pages/contact/default?language=cy&lang=cy"))
    assert "Dileu testun Cymraeg y dudalen: cysylltu?" in welsh_confirm
    english_confirm = _text(admin.get("/admin/pages/contact/default?lang=en"))
    assert "The Welsh text is kept." in english_confirm
    # The English first: the Welsh text stays, the English default comes back.
    assert admin.post("/admin/pages/contact/default").status_code == 303
    assert _stored(app) == (None, "Ffoniwch 01234.")
    assert ENGLISH_HEADING in _text(client.get("/contact?lang=en"))
    assert "Ffoniwch 01234." in _text(client.get("/contact?lang=cy"))
    done = _text(admin.post("/admin/pages/contact/default?language=cy", follow_redirects=True))
    assert "The Welsh text of the contact page is deleted." in done
    assert _stored(app) is None
    assert WELSH_HEADING in _text(client.get("/contact?lang=cy"))


def test_the_flash_names_the_contact_page_in_english_and_welsh(app, auth):
    admin = auth.as_("admin")
    saved = _text(admin.post("/admin/pages/contact", data={"body": "Ring.", "action": "save"}, follow_redirects=True))
    assert "The contact page is saved and public." in saved
    assert "Edit the contact page" in saved
    saved = _text(admin.post("/admin/pages/contact?lang=cy", data={"body": "Ring.", "action": "save"},
                             follow_redirects=True))
    assert "Mae'r dudalen wedi'i chadw ac yn gyhoeddus: cysylltu." in saved and "is saved" not in saved


def test_the_preview_says_what_was_removed(app, auth):
    admin = auth.as_("admin")
    text = "Hello <script>alert(1)</script> [Our office](javascript:alert(1)) and <strong>bold</strong>."
    preview = _text(admin.post("/admin/pages/contact", data={"body": text, "body_cy": "", "action": "preview"}))
    assert "Some HTML was removed" in preview and "javascript:, for example" in preview
    assert "HTML is not allowed, apart from a few plain tags" in preview
    assert "The box is empty: Welsh readers see what the rule above says." in preview
    plain = _text(admin.post("/admin/pages/contact", data={"body": "Just <em>words</em>.", "action": "preview"}))
    assert "Some HTML was removed" not in plain and "is not made a link" not in plain
    welsh = _text(admin.post("/admin/pages/contact?lang=cy", data={"body": text, "action": "preview"}))
    assert "Cafodd rhywfaint o HTML ei dynnu" in welsh and "Some HTML was removed" not in welsh


def test_a_welsh_text_too_long_is_an_error_on_the_welsh_box(app, auth):
    admin = auth.as_("admin")
    response = admin.post("/admin/pages/contact", data={"body": "Ring.", "body_cy": "x" * (site_pages.MAX_BODY + 1),
                                                        "action": "save"})
    assert response.status_code == 400
    page = _text(response)
    assert 'href="#body_cy"' in page and 'id="body_cy-error"' in page and 'id="body-error"' not in page
    assert _stored(app) is None
