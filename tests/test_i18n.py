"""English and Welsh (issue 21, first slice): choosing a language, remembering it, and the catalogue.

Marked so far: templates/base.html (every page's header, navigation, footer, skip link and the
language switch), the home page (templates/consult/index.html), the error pages and the busy page,
and the citizen's reading path: the consultation page around its document, the versions page, the
paragraph page, and the comment form, threads, "My comments", editing and withdrawing; then the
changes page and a comment's details, the accounts pages and their forms, the archive and search,
the public response page's header, the house rules, report and appeal pages, the site's pages and
the API page; then the document's own links and counts (a cached document never crosses languages).
The response's body and lists and the staff pages are tested in tests/test_i18n_pages.py.

A test that seeds data inside a request context leaves it before reading pages: a held
application context keeps the first request's language for the next (Flask-Babel caches it on g).
"""
from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from werkzeug import exceptions

from consult import i18n
from consult.extensions import db
from consult.models import Consultation, User
from tests.helpers import PASSWORD, log_in, make_user, put_signed_in

REPO = Path(__file__).resolve().parent.parent
WELSH_CATALOGUE = REPO / "translations" / "cy" / "LC_MESSAGES" / "messages.po"


def _html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)">', page).group(1)


def _switch_link(page: str, code: str) -> str:
    """The language switch's link to `code`, unescaped."""
    nav = re.search(r'<nav class="language-switch"[^>]*>(.*?)</nav>', page, re.S).group(1)
    link = re.search(rf'<a href="([^"]+)" lang="{code}"', nav)
    assert link, f"no link to {code} in the switch: {nav}"
    return html.unescape(link.group(1))


def test_lang_cy_in_the_url_gives_the_home_page_in_welsh(client):
    english = client.get("/").get_data(as_text=True)
    assert _html_lang(english) == "en"
    assert "<h1>Consultations</h1>" in english and "Skip to main content" in english

    response = client.get("/?lang=cy")
    welsh = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _html_lang(welsh) == "cy"
    assert "<h1>Ymgynghoriadau</h1>" in welsh
    assert "Neidio i&#39;r prif gynnwys" in welsh or "Neidio i'r prif gynnwys" in welsh
    assert "Ar agor nawr" in welsh and "Open now" not in welsh
    assert "Mewngofnodi" in welsh and ">Sign in<" not in welsh
    assert "Hysbysiad preifatrwydd" in welsh and "Privacy notice" not in welsh


def test_the_switch_keeps_the_reader_on_the_same_page_with_its_query(client):
    page = client.get("/search?q=parking+fees&page=2").get_data(as_text=True)
    # Each language is named in itself and marked as such; the current one is not a link.
    assert '<span lang="en" aria-current="true">English</span>' in page
    target = urlsplit(_switch_link(page, "cy"))
    assert target.path == "/search"
    assert parse_qs(target.query) == {"q": ["parking fees"], "page": ["2"], "lang": ["cy"]}
    assert re.search(r'<a href="[^"]+" lang="cy" hreflang="cy">Cymraeg</a>', page)

    welsh = client.get(_switch_link(page, "cy")).get_data(as_text=True)
    assert _html_lang(welsh) == "cy"
    back = urlsplit(_switch_link(welsh, "en"))
    assert back.path == "/search"
    assert parse_qs(back.query) == {"q": ["parking fees"], "page": ["2"], "lang": ["en"]}


def test_the_switch_never_repeats_an_off_site_next(client):
    page = client.get("/login?next=//evil.example").get_data(as_text=True)
    assert "evil.example" not in page
    assert parse_qs(urlsplit(_switch_link(page, "cy")).query) == {"lang": ["cy"]}
    page = client.get("/login?next=/c/parking").get_data(as_text=True)
    assert parse_qs(urlsplit(_switch_link(page, "cy")).query) == {"next": ["/c/parking"], "lang": ["cy"]}


def test_the_choice_is_remembered_on_the_next_page_and_can_be_changed_back(client):
    first = client.get("/?lang=cy")
    assert "lang=cy" in first.headers["Set-Cookie"]
    archive = client.get("/consultations").get_data(as_text=True)
    assert _html_lang(archive) == "cy"
    assert ">Archif</a>" in archive

    client.get("/?lang=en")
    assert _html_lang(client.get("/consultations").get_data(as_text=True)) == "en"


def test_a_first_visit_follows_accept_language(client, app):
    welsh = client.get("/", headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"})
    assert _html_lang(welsh.get_data(as_text=True)) == "cy"
    assert "Set-Cookie" not in welsh.headers or "lang=" not in welsh.headers["Set-Cookie"]
    assert "Accept-Language" in welsh.headers["Vary"]

    other = app.test_client()
    assert _html_lang(other.get("/", headers={"Accept-Language": "fr, de"}).get_data(as_text=True)) == "en"
    # A Welsh browser that chose English on the site stays in English.
    other.get("/?lang=en")
    assert _html_lang(other.get("/", headers={"Accept-Language": "cy"}).get_data(as_text=True)) == "en"


def test_an_unknown_language_in_the_url_falls_back_and_is_not_remembered(client):
    response = client.get("/?lang=xx")
    assert response.status_code == 200
    assert _html_lang(response.get_data(as_text=True)) == "en"
    assert "lang=" not in response.headers.get("Set-Cookie", "")


def test_a_signed_in_users_stored_language_is_used(app):
    user_id = make_user(app, "gwen@example.org", name="Gwen")
    with app.app_context():
        db.session.get(User, user_id).language = "cy"
        db.session.commit()
    client = app.test_client()
    put_signed_in(client, app, f"{user_id}:1")
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _html_lang(page) == "cy"
    assert "Wedi mewngofnodi fel <bdi>Gwen</bdi>" in page
    assert "Allgofnodi" in page


def test_signing_in_says_so_in_the_language_the_next_page_is_in(app):
    """A Welsh speaker signing in from a browser that asks for English: the next page is Welsh
    (their stored choice), and so is the message on it (it was English)."""
    user_id = make_user(app, "gwen@example.org", name="Gwen")
    with app.app_context():
        db.session.get(User, user_id).language = "cy"
        db.session.commit()
    client = app.test_client()
    signed_in = log_in(client, "gwen@example.org")
    page = client.get(signed_in.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _html_lang(page) == "cy"
    assert "Rydych wedi mewngofnodi fel Gwen." in page and "You are signed in" not in page
    # Signing in on a page whose address names English keeps English, message and page.
    other = app.test_client()
    signed_in = other.post("/login?lang=en", data={"email": "gwen@example.org", "password": PASSWORD})
    page = other.get(signed_in.headers["Location"]).get_data(as_text=True)
    assert _html_lang(page) == "en" and "You are signed in as Gwen." in page


def test_a_signed_in_users_choice_is_stored_for_their_next_visit(app):
    user_id = make_user(app, "huw@example.org", name="Huw")
    client = app.test_client()
    put_signed_in(client, app, f"{user_id}:1")
    assert _html_lang(client.get("/?lang=cy").get_data(as_text=True)) == "cy"
    with app.app_context():
        assert db.session.get(User, user_id).language == "cy"

    # Another browser, no cookie: the stored choice wins over its Accept-Language.
    elsewhere = app.test_client()
    put_signed_in(elsewhere, app, f"{user_id}:1")
    assert _html_lang(elsewhere.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)) == "cy"


def test_every_page_has_hreflang_alternates_for_both_languages(client):
    page = client.get("/consultations?sort=title").get_data(as_text=True)
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="(\w+)" href="([^"]+)">', page))
    assert set(alternates) == {"en", "cy"}
    welsh = urlsplit(html.unescape(alternates["cy"]))
    assert welsh.scheme == "http" and welsh.netloc == "localhost" and welsh.path == "/consultations"
    assert parse_qs(welsh.query) == {"sort": ["title"], "lang": ["cy"]}


def test_error_pages_are_in_the_readers_language_and_unchanged_in_english(client):
    english = client.get("/no-such-page")
    text = english.get_data(as_text=True)
    assert english.status_code == 404
    assert "<h1>Page not found</h1>" in text and "<title>404 Page not found" in text
    assert html.escape(exceptions.NotFound.description) in text

    welsh = client.get("/no-such-page?lang=cy")
    text = welsh.get_data(as_text=True)
    assert welsh.status_code == 404
    assert _html_lang(text) == "cy"
    assert "<h1>Tudalen heb ei chanfod</h1>" in text
    assert "Ewch i&#39;r rhestr o ymgynghoriadau" in text or "Ewch i'r rhestr o ymgynghoriadau" in text
    # The switch on an error page points at the same missing address in the other language.
    assert urlsplit(_switch_link(text, "en")).path == "/no-such-page"


def test_the_error_texts_to_translate_are_werkzeugs_own_word_for_word():
    # If Werkzeug rewords one, English readers would otherwise see the old words.
    for code, (name, description) in i18n._HTTP_ERRORS.items():
        error = exceptions.default_exceptions[code]()
        assert (error.name, error.description) == (name, description), code


@pytest.mark.parametrize(("count", "expected"), [
    (1, "ymhen eiliad."), (2, "ymhen dwy eiliad."), (3, "ymhen tair eiliad."),
    (5, "ymhen 5 eiliad."), (6, "ymhen chwe eiliad."), (11, "ymhen 11 eiliad."),
])
def test_welsh_plurals_follow_babels_six_forms(app, count, expected):
    singular = ("The site is very busy right now. Nothing you sent was stored; "
                "please try again in %(num)d second.")
    plural = ("The site is very busy right now. Nothing you sent was stored; "
              "please try again in %(num)d seconds.")
    with app.test_request_context("/?lang=cy"):
        assert i18n.ngettext(singular, plural, count).endswith(expected)
    with app.test_request_context("/"):
        assert i18n.ngettext(singular, plural, count).endswith(
            "in 1 second." if count == 1 else f"in {count} seconds.")


def test_dates_keep_their_english_form_and_get_welsh_month_names(app):
    localtime = app.jinja_env.filters["localtime"]
    summer = datetime(2026, 7, 1, 12, 5)  # stored in UTC: 13:05 in Europe/London
    with app.test_request_context("/"):
        assert localtime(summer) == "1 July 2026, 13:05"
        assert localtime(summer, "%-d %b %Y") == "1 Jul 2026"
    with app.test_request_context("/?lang=cy"):
        assert localtime(summer) == "1 Gorffennaf 2026, 13:05"
        assert localtime(datetime(2026, 3, 3, 9, 0), "%-d %B %Y") == "3 Mawrth 2026"


def test_every_marked_message_has_a_welsh_translation(tmp_path):
    """Extract the marked messages afresh and fail on any the Welsh catalogue lacks or leaves empty."""
    template = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(REPO / "pyproject.toml"),
                                "-o", str(template), str(REPO)])
    with template.open("rb") as f:
        extracted = read_po(f)
    with WELSH_CATALOGUE.open("rb") as f:
        welsh = read_po(f, locale="cy")
    assert welsh.num_plurals == 6
    assert len(extracted) >= 50  # the marked slice: base.html, the home page, the error pages

    problems = []
    for message in extracted:
        if not message.id:
            continue
        translated = welsh.get(message.id, context=message.context)
        strings = (translated.string if isinstance(translated.string, tuple) else (translated.string,)
                   ) if translated else ()
        if translated is None:
            problems.append(f"missing: {message.id!r}")
        elif translated.fuzzy or not all(strings) or len(strings) != (6 if message.pluralizable else 1):
            problems.append(f"untranslated or fuzzy: {message.id!r}")
    assert problems == []


def test_the_consultation_page_in_welsh_has_welsh_headings_and_labels(client, make_consultation):
    make_consultation("parking")
    english = client.get("/c/parking").get_data(as_text=True)
    assert "Download the comments" in english and '<span class="status status-open">Open</span>' in english
    assert "Open for comments until" in english and "Version 1 of 1, published" in english

    welsh = html.unescape(client.get("/c/parking?lang=cy").get_data(as_text=True))
    assert _html_lang(welsh) == "cy"
    assert '<h2 id="downloads-heading">Lawrlwytho\'r sylwadau</h2>' in welsh
    assert '<span class="status status-open">Ar agor</span>' in welsh
    assert "Ar agor i gael sylwadau tan <time" in welsh
    assert "Fersiwn 1 o 1, a gyhoeddwyd ar <time" in welsh
    assert "Sylwadau ar y ddogfen gyfan (0)" in welsh
    for english_words in ("Download the comments", "Skip to the document", "All versions and changes",
                          "Open for comments", "No email addresses"):
        assert english_words not in welsh, english_words


def test_a_paragraph_page_in_welsh_has_welsh_headings_and_the_sign_in_prompt(client, make_consultation):
    made = make_consultation("parking")
    anchor = made.anchors["Visitors pay by the hour."]
    welsh = html.unescape(client.get(f"/c/parking/p/{anchor}?lang=cy").get_data(as_text=True))
    assert _html_lang(welsh) == "cy"
    assert "<h1>Paragraff 1.2</h1>" in welsh
    assert "Sylwadau ar baragraff 1.2" in welsh
    assert "Dolen i'r paragraff hwn:" in welsh
    assert "i wneud sylw." in welsh and "Does dim angen cyfrif byth i ddarllen." in welsh
    assert "Dim sylwadau eto." in welsh and "Byddwch y cyntaf i wneud sylw." in welsh
    for english_words in ("Paragraph 1.2", "Comments on paragraph", "Read it in context", "Sign in</a> or",
                          "No comments yet"):
        assert english_words not in welsh, english_words


def test_a_refused_comment_is_answered_in_welsh_on_a_welsh_form(app, client, make_consultation):
    made = make_consultation("parking")
    anchor = made.anchors["Visitors pay by the hour."]
    put_signed_in(client, app, f"{make_user(app, 'nia@example.org', name='Nia')}:1")
    client.get("/?lang=cy")  # the choice is remembered for the POST
    form = client.get(f"/c/parking/p/{anchor}").get_data(as_text=True)
    assert "Gwneud sylw ar 1.2" in form and "Eich barn (dewisol)" in form and "Anfon sylw" in form
    assert "o fewn 2 ddiwrnod gwaith" in form and "Your view" not in form

    response = client.post(f"/c/parking/p/{anchor}/comments",
                           data={"body": "   ", "submission_key": "k1", "respondent_type": "individual",
                                 "show_name": "name"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert _html_lang(page) == "cy"
    assert "<h3>Ni anfonwyd eich sylw</h3>" in page and "Your comment was not sent" not in page
    assert '<label for="comment-form-body">Eich sylw</label>' in page


def _welsh(client, url: str) -> str:
    """The page at url read in Welsh, its entities unescaped; its <html lang> must say so."""
    response = client.get(url + ("&" if "?" in url else "?") + "lang=cy")
    assert response.status_code == 200, url
    page = html.unescape(response.get_data(as_text=True))
    assert _html_lang(page) == "cy"
    return page


def test_the_changes_page_and_a_comment_in_welsh(app, client, make_consultation, make_comment):
    from consult.consultations.service import publish_version
    from tests.helpers import PARKING_V2

    made = make_consultation("parking")
    author = make_user(app, "owain@example.org", name="Owain")
    make_comment(made, author, "Parcio drud.", made.anchors["The town is split into four zones."],
                 stance="oppose", respondent_type="organisation", organisation="Cyfeillion y Dref")
    with app.app_context():
        consultation = db.session.get(Consultation, made.id)
        publish_version(db.session, consultation, [("p.md", PARKING_V2)], "Ffioedd misol.")
        db.session.commit()

    english = html.unescape(client.get("/c/parking/changes?from=1&to=2&lang=en").get_data(as_text=True))
    assert "What changed from version 1 to version 2" in english and "<strong>1</strong> edited" in english
    assert "Showing changed paragraphs only." in english

    welsh = _welsh(client, "/c/parking/changes?from=1&to=2")
    assert "<h1>Beth a newidiodd o fersiwn 1 i fersiwn 2</h1>" in welsh
    assert "<strong>1</strong> wedi'u golygu" in welsh and "<strong>1</strong> wedi'u tynnu" in welsh
    assert '<span class="change-kind">Wedi\'i dynnu</span>' in welsh
    assert "Yn dangos y paragraffau a newidiodd yn unig." in welsh
    for english_words in ("What changed", "edited</li>", "Showing changed", "its page", "struck through"):
        assert english_words not in welsh, english_words

    thread = _welsh(client, f"/c/parking/p/{made.anchors['The town is split into four zones.']}")
    assert ", ar ran <strong><bdi>Cyfeillion y Dref</bdi></strong>" in thread
    assert '<span class="stance stance-oppose">Gwrthwynebu</span>' in thread
    assert "Rhoi gwybod<span class=\"visually-hidden\"> am y sylw gan <bdi>Owain</bdi>" in thread
    assert "on behalf of" not in thread and ">Oppose<" not in thread


def test_register_and_sign_in_pages_in_welsh_with_a_welsh_form_error(client):
    english = html.unescape(client.get("/register?lang=en").get_data(as_text=True))
    assert "<h1>Create an account</h1>" in english and ">Email address</label>" in english
    assert "You can read every consultation without an account." in english

    welsh = _welsh(client, "/register")
    assert "<h1>Creu cyfrif</h1>" in welsh
    assert '<label class="field-label" for="email">Cyfeiriad e-bost</label>' in welsh
    assert "Eich enw, fel y'i dangosir gyda'ch sylwadau" in welsh and "O leiaf 10 nod." in welsh
    assert '<a href="/privacy">hysbysiad preifatrwydd</a>' in welsh
    for english_words in ("Create an account", "Email address", "Type the password again", "Already have"):
        assert english_words not in welsh, english_words

    # The remembered choice answers the POST: its errors are Welsh, beside their fields.
    refused = html.unescape(client.post("/login", data={"email": "", "password": ""}).get_data(as_text=True))
    assert _html_lang(refused) == "cy"
    assert '<h2 id="error-summary-title">Mae problem</h2>' in refused
    assert "Cyfeiriad e-bost: Rhowch eich cyfeiriad e-bost.</a>" in refused
    assert '<span class="visually-hidden">Gwall:</span> Rhowch eich cyfrinair.' in refused
    assert "<h1>Mewngofnodi</h1>" in refused and "Wedi anghofio eich cyfrinair?" in refused
    assert "Enter your" not in refused and "There is a problem" not in refused

    back = html.unescape(client.post("/login?lang=en", data={"email": "", "password": ""}).get_data(as_text=True))
    assert "There is a problem" in back and "Email address: Enter your email address.</a>" in back


def test_a_page_that_needs_signing_in_says_so_in_welsh(client):
    response = client.get("/account?lang=cy")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Mewngofnodwch i barhau." in page and "Please sign in" not in page


def test_the_archive_and_a_search_in_welsh(app, client, make_consultation, make_comment):
    from consult import search

    made = make_consultation("parking")
    make_comment(made, make_user(app, "sian@example.org", name="Siân"), "Zones are too large for walking.",
                 made.anchors["The town is split into four zones."])
    with app.test_request_context():  # left before the pages are read: a held context keeps its language
        search.engine(app.config).apply_changes(db.session)

    english = html.unescape(client.get("/consultations?lang=en").get_data(as_text=True))
    assert "<h1>Archive of consultations</h1>" in english and "1 consultation." in english
    assert '<option value="closing" selected>Closing date</option>' in english

    archive = _welsh(client, "/consultations")
    assert "<h1>Archif yr ymgynghoriadau</h1>" in archive and "1 ymgynghoriad." in archive
    assert '<option value="closing" selected>Dyddiad cau</option>' in archive
    assert '<option value="open">Ar agor</option>' in archive and "Unrhyw adran" in archive
    filtered = _welsh(client, "/consultations?status=closed")
    assert "0 ymgynghoriad yn cyfateb i'r hidlwyr hyn" in filtered
    assert "Does dim ymgynghoriad yn cyfateb i'r hidlwyr hyn." in filtered

    english_search = html.unescape(client.get("/search?q=zones&lang=en").get_data(as_text=True))
    total = re.search(r'<p role="status">(\d+) results for “zones”.</p>', english_search).group(1)
    assert "Comment on paragraph 2.1, version 1" in english_search

    found = _welsh(client, "/search?q=zones")
    assert "<h1>Chwilio</h1>" in found and "<legend>Chwilio yn</legend>" in found
    assert f'<p role="status">{total} canlyniad ar gyfer “zones”.</p>' in found
    assert '<span class="tag">Sylw</span>' in found and "Sylw ar baragraff 2.1, fersiwn 1</a> yn <a" in found
    assert '<span class="tag">Paragraff o ddogfen</span>' in found
    for english_words in ("results for", "Comment on paragraph", "Look in", "Document paragraph", "Any status"):
        assert english_words not in found, english_words
    past = client.get("/search?q=zones&page=9&lang=cy")
    assert past.status_code == 404
    assert "Nid oes tudalen 9 yn y canlyniadau hyn: dim ond 1 sydd." in past.get_data(as_text=True)

    comments = _welsh(client, "/c/parking/search?q=zones")
    assert "1 sylw wedi'i ganfod ar gyfer “zones”." in comments


def test_the_public_response_page_in_welsh(app, client, make_consultation, make_comment):
    from consult.responses import service as responses

    made = make_consultation("parking")
    official = make_user(app, "olive@example.org", name="Olive", role="official")
    comment_id = make_comment(made, make_user(app, "ann@example.org", name="Ann"), "Permits cost too much.",
                              made.anchors["Residents pay a yearly fee for a permit."], stance="oppose")
    with app.test_request_context():  # publishing tells people, with links; left before reading
        consultation = db.session.get(Consultation, made.id)
        theme = responses.create_theme(db.session, consultation, "Cost of permits", official)
        responses.assign(db.session, theme, [comment_id], official)
        responses.update_theme(db.session, theme, expected_revision=theme.revision, actor_id=official,
                               title=theme.title, said="Said.", outcome="changed", reasons="Reasons.")
        responses.save_draft(db.session, consultation, "We read every comment.", "Next.")
        theme_id = theme.id
        consultation.closes_at = datetime(2026, 1, 1)
        responses.publish(db.session, consultation, official)
        db.session.commit()

    english = html.unescape(client.get("/c/parking/response?lang=en").get_data(as_text=True))
    assert "<h1>Our response: Parking Policy</h1>" in english and "Response published <time" in english
    assert "Download the response (Markdown)" in english

    welsh = _welsh(client, "/c/parking/response")
    assert "<h1>Ein hymateb: Parking Policy</h1>" in welsh
    assert "Cyhoeddwyd yr ymateb ar <time" in welsh and "Yr ymgynghoriad: Parking Policy" in welsh
    assert "Lawrlwytho'r ymateb (Markdown)" in welsh and 'data-print-label="Argraffu\'r ymateb hwn"' in welsh
    for english_words in ("Our response", "Response published", "Download the response", "The consultation:"):
        assert english_words not in welsh, english_words

    # The comment itself, where it is read, says what was done in Welsh.
    thread = _welsh(client, f"/c/parking/p/{made.anchors['Residents pay a yearly fee for a permit.']}")
    assert "Wedi'i gyfrif o dan:" in thread and "canlyniad: fe wnaethom newid y testun" in thread
    theme_list = _welsh(client, f"/c/parking/response/themes/{theme_id}")
    assert 'ar <a href="/c/parking/p/' in theme_list and "Darllenwch ef yn ei edefyn" in theme_list
    assert '<span class="stance stance-oppose">Gwrthwynebu</span>' in theme_list


def test_the_house_rules_page_and_the_report_form_in_welsh(app, client, make_consultation, make_comment):
    english = html.unescape(client.get("/house-rules?lang=en").get_data(as_text=True))
    assert re.search(r"Version 1, published \d+ \w+ \d{4}", english)
    assert "Moderation statistics</a>: how many" in english

    rules = _welsh(client, "/house-rules")
    assert re.search(r"Fersiwn 1, a gyhoeddwyd ar \d+ \w+ \d{4}", rules)
    assert '<a href="/moderation/statistics">Ystadegau cymedroli</a>: faint o sylwadau' in rules
    assert "Version 1, published" not in rules and "how many comments" not in rules

    made = make_consultation("parking")
    comment_id = make_comment(made, make_user(app, "ann@example.org", name="Ann"), "Fees are fine.",
                              made.anchors["Visitors pay by the hour."])
    put_signed_in(client, app, f"{make_user(app, 'bob@example.org', name='Bob')}:1")
    report = _welsh(client, f"/c/parking/comments/{comment_id}/flag")
    assert "<h1>Rhoi gwybod am sylw</h1>" in report and "Gan <bdi>Ann</bdi> ar “Parking Policy”." in report
    assert '<a href="/house-rules">reolau\'r wefan</a>' in report and "Anfon yr adroddiad" in report
    assert "Report a comment" not in report and "Tell the moderators" not in report


def test_the_sites_own_pages_and_the_api_page_in_welsh(client):
    privacy = _welsh(client, "/privacy")
    assert "<h1>Hysbysiad preifatrwydd</h1>" in privacy and "<title>Hysbysiad preifatrwydd" in privacy
    assert "<h1>Privacy notice</h1>" in html.unescape(client.get("/privacy?lang=en").get_data(as_text=True))

    response = client.get("/api/v1?lang=cy", headers={"Accept": "text/html"})
    api = html.unescape(response.get_data(as_text=True))
    assert _html_lang(api) == "cy"
    assert "<h1>API data agored</h1>" in api and "<h2>Ble i ddechrau</h2>" in api
    assert "Does dim angen allwedd na chyfrif." in api and "Where to start" not in api


def test_the_appeal_page_in_welsh(app, auth, make_consultation):
    from sqlalchemy import select

    from moderation.models import Decision, QueueItem

    made = make_consultation("parking", mode="pre")
    ann = auth.client_for(make_user(app, "ann@example.org", name="Ann"))
    moderator = auth.client_for(make_user(app, "mo@example.org", name="Mo", role="moderator"))
    ann.post(f"/c/parking/p/{made.anchors['Visitors pay by the hour.']}/comments",
             data={"body": "Rubbish plan by rubbish people.", "submission_key": "k1",
                   "respondent_type": "individual", "show_name": "name"})
    with app.app_context():
        item_id = db.session.scalar(select(QueueItem.id))
    item = moderator.get(f"/moderation/items/{item_id}").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', item)
    moderator.post(f"/moderation/items/{item_id}/decide",
                   data={"outcome": "reject", "version": version.group(1) or version.group(2), "rules": ["no-abuse"]})
    with app.app_context():
        decision_id = db.session.scalar(select(Decision.id))
    url = f"/me/decisions/{decision_id}/appeal"

    english = html.unescape(ann.get(url + "?lang=en").get_data(as_text=True))
    assert "<h1>Appeal a moderation decision</h1>" in english and "a moderator decided about your comment" in english

    welsh = _welsh(ann, url)
    assert "<h1>Apelio yn erbyn penderfyniad cymedroli</h1>" in welsh
    assert re.search(r"Ar \d+ \w+ \d{4}, [\d:]+ penderfynodd cymedrolwr am eich sylw ar “Parking Policy”: "
                     r"<strong>[^<]+</strong>, gan nodi <a href=\"[^\"]+\">", welsh)
    assert "Gallwch apelio unwaith, tan" in welsh and "Anfon fy apêl" in welsh and ">Canslo</a>" in welsh
    assert "Send my appeal" not in welsh and "A moderator who has not" not in welsh

    ann.post(url, data={"reason": "Roedd yn ymwneud â'r cynllun."})
    appealed = _welsh(ann, url)
    assert "Fe wnaethoch apelio yn erbyn y penderfyniad hwn ar" in appealed
    assert "Mae modd apelio yn erbyn pob penderfyniad unwaith." in appealed


def test_a_page_refused_for_want_of_a_role_says_why_in_welsh(app, client):
    put_signed_in(client, app, f"{make_user(app, 'nia@example.org', name='Nia')}:1")
    english = client.get("/moderation/?lang=en")
    assert english.status_code == 403
    assert "This page is for moderators and officials. You are signed in as Nia" in english.get_data(as_text=True)

    welsh = client.get("/moderation/?lang=cy")
    page = html.unescape(welsh.get_data(as_text=True))
    assert welsh.status_code == 403 and _html_lang(page) == "cy"
    assert ("Mae'r dudalen hon ar gyfer cymedrolwyr a swyddogion. Rydych wedi mewngofnodi fel Nia, "
            "ac nid oes gan eich cyfrif y rôl honno.") in page
    assert "Mae'r dudalen hon ar gyfer gweinyddwyr." in html.unescape(
        client.get("/admin/users?lang=cy").get_data(as_text=True))


def test_the_documents_links_and_counts_follow_each_readers_language(app, client, make_consultation,
                                                                     make_comment):
    made = make_consultation("parking")
    anchor = made.anchors["Visitors pay by the hour."]
    for n, body in enumerate(("Hourly fees are fair.", "Mae'r ffioedd yn deg.")):
        make_comment(made, make_user(app, f"reader{n}@example.org", name="Reader"), body, anchor)

    def document(language: str) -> str:
        page = html.unescape(client.get(f"/c/parking?lang={language}").get_data(as_text=True))
        start = page.index('<div class="document-layout">')
        return page[start:page.index("</article>", start)]

    # Welsh first, then English, then Welsh again: the cached document never crosses languages.
    for language in ("cy", "en", "cy"):
        text = document(language)
        if language == "cy":
            assert '<h2 id="toc-heading">Cynnwys</h2>' in text
            assert ">Gwneud sylw ar 1.2</a>" in text
            assert '2 sylw<span class="visually-hidden"> ar 1.2</span></a>' in text
            assert '<span class="visually-hidden">Paragraff </span>1.2</a>' in text
            assert 'title="Paragraff 1.2: agor ei dudalen ei hun"' in text
            for english_words in ("Contents", "Comment on", "comments<", "open its own page", "Paragraph "):
                assert english_words not in text, english_words
        else:
            assert '<h2 id="toc-heading">Contents</h2>' in text and ">Comment on 1.2</a>" in text
            assert '2 comments<span class="visually-hidden"> on 1.2</span></a>' in text
            assert '<span class="visually-hidden">Paragraph </span>1.2</a>' in text
            assert "Gwneud sylw" not in text and "sylw<span" not in text
