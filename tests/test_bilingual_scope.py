"""A bilingual consultation's summary, department and scope statement in each of its languages
(walkthrough F4): the official enters them on the Languages page, a Welsh reader reads them in
Welsh, an English reader in English, and a part not written in Welsh is shown in English marked
lang="en". Also the Welsh title in the home page's cards (F15)."""
from __future__ import annotations

import re

from sqlalchemy import select

from consult.extensions import db
from consult.languages.models import ConsultationText

ENGLISH = """# Parking fees {#fees}

We propose a charge of 5 pounds an hour in the town centre.
"""

WELSH = """# Ffioedd parcio {#fees}

Rydym yn cynnig tâl o 5 punt yr awr yng nghanol y dref.
"""

DETAILS = dict(title="Parking fees", summary="How much parking should cost in the town centre.",
               department="Transport department", scope_about="Parking fees have not changed since 2010.",
               scope_open="The hourly charge.", scope_closed="Blue badge parking stays free.",
               scope_outcome="We will publish what people said.", response_expected="By March.")

WELSH_WORDS = {"summary": "Faint ddylai parcio ei gostio yng nghanol y dref.",
               "department": "Adran drafnidiaeth",
               "scope_about": "Nid yw'r ffioedd parcio wedi newid ers 2010.",
               "scope_open": "Y tâl yr awr.",
               "scope_outcome": "Byddwn yn cyhoeddi'r hyn a ddywedodd pobl.",
               "response_expected": "Erbyn mis Mawrth."}  # "Not open for debate" is left unwritten


def _bilingual(app, make_consultation, official_client):
    made = make_consultation(text=ENGLISH, **DETAILS)
    with app.app_context():
        stored = official_client.post(f"/manage/{made.slug}/languages", data={"language": "cy", "markdown": WELSH})
    assert stored.status_code == 303
    return made


def _form(words: dict[str, str], code: str = "cy") -> dict[str, str]:
    return {"action": "details", "details_language": code, **{f"{code}-{k}": v for k, v in words.items()}}


def _page(app, client, url: str) -> str:
    with app.app_context():
        response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _dd(page: str, text: str) -> str:
    """The <dd ...> tag holding the text."""
    found = re.search(r"<dd([^>]*)>" + re.escape(text), page)
    assert found, text
    return found.group(1)


def test_the_official_saves_the_welsh_and_each_reader_reads_their_language(app, client, make_consultation,
                                                                         as_official):
    made = _bilingual(app, make_consultation, as_official)
    with app.app_context():
        form = as_official.get(f"/manage/{made.slug}/languages").get_data(as_text=True)
    assert 'name="cy-summary"' in form and 'name="cy-scope_closed"' in form and 'name="cy-department"' in form
    assert "Blue badge parking stays free." in form  # the English shown beside its field, to translate
    with app.app_context():
        saved = as_official.post(f"/manage/{made.slug}/languages", data=_form(WELSH_WORDS))
    assert saved.status_code == 303
    with app.app_context():
        row = db.session.scalars(select(ConsultationText)).one()
        assert row.language == "cy" and row.scope_open == "Y tâl yr awr." and row.scope_closed == ""
    # The form keeps what was saved.
    assert "Adran drafnidiaeth" in _page(app, as_official, saved.headers["Location"])

    welsh = _page(app, client, f"/c/{made.slug}?lang=cy")
    assert '<p class="lede">Faint ddylai parcio ei gostio yng nghanol y dref.</p>' in welsh
    assert "How much parking should cost" not in welsh
    assert "Adran drafnidiaeth" in welsh and "Transport department" not in welsh
    for text in ("Nid yw&#39;r ffioedd parcio wedi newid ers 2010.", "Y tâl yr awr.",
                 "Byddwn yn cyhoeddi&#39;r hyn a ddywedodd pobl.", "Erbyn mis Mawrth."):
        assert _dd(welsh, text) == ""  # in the page's language: no lang of its own
    assert "The hourly charge." not in welsh and "By March." not in welsh
    # Not written in Welsh: the English, marked as English.
    assert _dd(welsh, "Blue badge parking stays free.") == ' lang="en"'

    english = _page(app, client, f"/c/{made.slug}?lang=en")
    assert '<p class="lede">How much parking should cost in the town centre.</p>' in english
    assert _dd(english, "The hourly charge.") == "" and _dd(english, "By March.") == ""
    assert "Transport department" in english
    assert "Y tâl yr awr." not in english and "Adran drafnidiaeth" not in english


def test_without_welsh_words_the_welsh_reader_gets_the_english_marked(app, client, make_consultation,
                                                                      as_official):
    made = _bilingual(app, make_consultation, as_official)
    welsh = _page(app, client, f"/c/{made.slug}?lang=cy")
    assert '<p class="lede" lang="en">How much parking should cost in the town centre.</p>' in welsh
    assert _dd(welsh, "The hourly charge.") == ' lang="en"'
    assert '<span lang="en">Transport department</span>' in welsh
    assert "Ynglŷn â&#39;r ymgynghoriad hwn" in welsh or "Ynglŷn â'r ymgynghoriad hwn" in welsh


def test_too_long_a_text_is_refused_with_the_error_by_its_field(app, make_consultation, as_official):
    made = _bilingual(app, make_consultation, as_official)
    with app.app_context():
        refused = as_official.post(f"/manage/{made.slug}/languages?lang=cy",
                                   data=_form({**WELSH_WORDS, "department": "A" * 201}))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    # The error beside the field, tied to it, and in the summary linking to it.
    assert re.search(r'<p class="field-message" id="cy-department-error">.*Cadwch ef i 200 nod neu lai', page)
    assert re.search(r'<input[^>]*aria-describedby="[^"]*cy-department-error"[^>]*name="cy-department"', page) \
        or re.search(r'<input[^>]*name="cy-department"[^>]*aria-describedby="[^"]*cy-department-error', page)
    assert 'href="#cy-department"' in page
    # What was typed is kept to fix.
    assert "Faint ddylai parcio" in page
    with app.app_context():
        assert db.session.scalars(select(ConsultationText)).all() == []


def test_a_language_the_consultation_is_not_in_is_refused(app, make_consultation, as_official):
    made = make_consultation(text=ENGLISH, **DETAILS)
    with app.app_context():
        form = as_official.get(f"/manage/{made.slug}/languages").get_data(as_text=True)
        refused = as_official.post(f"/manage/{made.slug}/languages", data=_form(WELSH_WORDS))
    assert 'name="cy-summary"' not in form  # English only: nothing to translate yet
    assert refused.status_code == 400
    assert "This consultation is not offered in that language." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(ConsultationText)).all() == []


def test_saving_the_welsh_needs_a_csrf_token(csrf_app):
    from support.factories import AuthActions, ConsultationFactory, UserFactory

    users = UserFactory(csrf_app)
    official = AuthActions(csrf_app, csrf_app.test_client(), users).login(
        users("olive@example.org", role="official", name="olive"))
    made = ConsultationFactory(csrf_app)(text=ENGLISH, **DETAILS)
    with csrf_app.app_context():
        from consult.consultations.service import as_document, current_version
        from consult.languages import service
        from consult.models import Consultation

        consultation = db.session.get(Consultation, made.id)
        version = current_version(db.session, consultation)
        service.add_translation(db.session, consultation, version, as_document(version), "cy",
                                [("cy.md", WELSH)])
        db.session.commit()
    url = f"/manage/{made.slug}/languages"
    with csrf_app.app_context():
        assert official.post(url, data=_form(WELSH_WORDS)).status_code == 400
    with csrf_app.app_context():
        assert db.session.scalars(select(ConsultationText)).all() == []
    with csrf_app.app_context():
        page = official.get(url).get_data(as_text=True)
    token = re.search(r'name="cy-csrf_token" type="hidden" value="([^"]+)"', page) \
        or re.search(r'name="cy-csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    with csrf_app.app_context():
        saved = official.post(url, data={**_form(WELSH_WORDS), "cy-csrf_token": token.group(1)})
    assert saved.status_code == 303


def test_the_home_page_card_has_the_welsh_title_and_summary_for_a_welsh_reader(app, client, make_consultation,
                                                                               as_official):
    made = _bilingual(app, make_consultation, as_official)
    make_consultation(slug="bins", text="# Bin collections\n\nWe propose fortnightly collections.\n",
                      title="Bin collections", summary="How often bins are emptied.")
    with app.app_context():
        as_official.post(f"/manage/{made.slug}/languages", data=_form(WELSH_WORDS))
    welsh = _page(app, client, "/?lang=cy")
    assert re.search(r'<h3><a href="/c/parking">Ffioedd parcio</a></h3>', welsh)
    assert "<p>Faint ddylai parcio ei gostio yng nghanol y dref.</p>" in welsh
    # An English-only consultation stays English, marked.
    assert re.search(r'<h3 lang="en"><a href="/c/bins">Bin collections</a></h3>', welsh)
    assert '<p lang="en">How often bins are emptied.</p>' in welsh
    english = _page(app, client, "/?lang=en")
    assert re.search(r'<h3><a href="/c/parking">Parking fees</a></h3>', english)
    assert "Ffioedd parcio" not in english and "Faint ddylai" not in english
    # The list of every consultation (/consultations) reads the same way.
    listed = _page(app, client, "/consultations?lang=cy")
    assert re.search(r'<h2><a href="/c/parking">Ffioedd parcio</a></h2>', listed)
    assert "<p>Faint ddylai parcio ei gostio yng nghanol y dref.</p>" in listed
    assert re.search(r'<h2 lang="en"><a href="/c/bins">Bin collections</a></h2>', listed)


def test_the_demo_play_areas_consultation_has_its_summary_and_scope_in_welsh(runner, client):
    assert runner.invoke(args=["demo"]).exit_code == 0
    welsh = client.get("/c/play-areas-strategy?lang=cy").get_data(as_text=True)
    assert "Ble i adnewyddu ardaloedd chwarae yn gyntaf" in welsh
    assert "choose Cymraeg" not in welsh
    assert "Cyngor Sir Enghreifftiol (arddangosiad)" in welsh
    for english in ("We want to hear from families", "Which play areas come first", "The total budget is set",
                    "Every comment is read", "Within 12 weeks"):
        assert english not in welsh
    assert _dd(welsh, "O fewn 12 wythnos i&#39;r dyddiad cau.") == ""
    english = client.get("/c/play-areas-strategy?lang=en").get_data(as_text=True)
    assert "We want to hear from families" in english and "Rydym am glywed" not in english


def test_the_demo_documents_title_is_its_title_in_both_languages_not_paragraph_0_1():
    """It was pinned ({#strategy}), which kept it a numbered heading: contents began "0.1 Play areas
    strategy" and its first paragraph was "0.1.1" (walkthrough)."""
    import documents
    from consult.demo_bilingual import ENGLISH, WELSH

    for text, title in ((ENGLISH, "Play areas strategy 2027 to 2032"),
                        (WELSH, "Strategaeth ardaloedd chwarae 2027 i 2032")):
        document = documents.parse_files([("strategy.md", text)])
        assert document.title == title
        assert [p.number for p in document.paragraphs[:3]] == ["0.1", "1", "1.1"]
        assert all(p.text != title for p in document.paragraphs)


def test_my_comments_name_a_bilingual_consultation_in_the_readers_language(app, make_consultation, as_official,
                                                                            make_user, make_comment, auth):
    made = _bilingual(app, make_consultation, as_official)
    ann = make_user("ann@example.org", name="Ann")
    make_comment(made, ann, "Too dear.")
    client = auth.login(ann)
    welsh = _page(app, client, "/me/comments?lang=cy")
    assert re.search(r'<a href="/c/parking">Ffioedd parcio</a>', welsh)
    english = _page(app, client, "/me/comments?lang=en")
    assert re.search(r'<a href="/c/parking">Parking fees</a>', english) and "Ffioedd parcio" not in english
    # So do the comments on the whole document, in their page title and their way back.
    general = _page(app, client, "/c/parking/comments?lang=cy")
    assert re.search(r"<title>[^<]*· Ffioedd parcio", general), re.search(r"<title>[^<]*", general)
    assert ">Yn ôl i Ffioedd parcio</a>" in general


def test_the_moderation_statistics_name_a_bilingual_consultation_in_the_readers_language(
        app, client, make_consultation, as_official):
    _bilingual(app, make_consultation, as_official)
    welsh = _page(app, client, "/moderation/statistics?lang=cy")
    assert re.search(r'<h2 id="stats-\d+"><a href="/c/parking">Ffioedd parcio</a></h2>', welsh)
    english = _page(app, client, "/moderation/statistics?lang=en")
    assert re.search(r'<h2 id="stats-\d+"><a href="/c/parking">Parking fees</a></h2>', english)


def test_search_hits_name_a_bilingual_consultation_in_the_readers_language(app, client, make_consultation,
                                                                            as_official):
    from consult import search

    _bilingual(app, make_consultation, as_official)
    with app.app_context():
        search.apply_changes(app.config["SEARCH_INDEX_DIR"], db.session)
    welsh = _page(app, client, "/search?q=pounds&lang=cy")
    assert re.search(r'<a href="/c/parking">Ffioedd parcio</a>', welsh)
    assert re.search(r'<option value="parking">Ffioedd parcio</option>', welsh)  # the form's choice too
    english = _page(app, client, "/search?q=pounds&lang=en")
    assert re.search(r'<a href="/c/parking">Parking fees</a>', english) and "Ffioedd parcio" not in english
    assert re.search(r'<option value="parking">Parking fees</option>', english)


SECTIONED = "# Parking fees\n\n## 1. Charges {#charges}\n\nWe propose a charge of 5 pounds an hour.\n"
SECTIONED_CY = "# Ffioedd parcio\n\n## 1. Taliadau {#charges}\n\nRydym yn cynnig tâl o 5 punt yr awr.\n"


def test_a_paragraphs_page_its_versions_and_changes_name_the_consultation_in_the_readers_language(
        app, client, make_consultation, as_official):
    made = make_consultation(text=SECTIONED, **DETAILS)
    with app.app_context():
        assert as_official.post(f"/manage/{made.slug}/languages",
                                data={"language": "cy", "markdown": SECTIONED_CY}).status_code == 303
    with app.app_context():
        paragraph = client.get(f"/c/{made.slug}/p/1.1").headers["Location"].split("#")[0]
    welsh = _page(app, client, f"{paragraph}?lang=cy")
    assert re.search(r"<title>1\.1 · Ffioedd parcio", welsh), re.search(r"<title>[^<]*", welsh)
    assert re.search(r'<li><a href="/c/[^"]+">Ffioedd parcio</a></li>', welsh)
    assert re.search(r'<li><a href="/c/[^"]+#charges">1 Taliadau</a></li>', welsh)
    english = _page(app, client, f"{paragraph}?lang=en")
    assert re.search(r"<title>1\.1 · Parking fees", english) and ">1 Charges</a>" in english
    versions = _page(app, client, f"/c/{made.slug}/versions?lang=cy")
    assert re.search(r"<title>[^<]*Ffioedd parcio", versions) and "Parking fees" not in versions
    changes = _page(app, client, f"/c/{made.slug}/changes?lang=cy")
    assert re.search(r"<title>Fersiwn 1 · Ffioedd parcio", changes), re.search(r"<title>[^<]*", changes)


def test_the_moderation_queue_names_a_bilingual_consultation_in_the_readers_language(
        app, client, auth, make_user, make_consultation, as_official, make_comment):
    # Staff walkthrough: the queue's consultation filter showed the English title on Welsh pages.
    made = _bilingual(app, make_consultation, as_official)
    author = make_user("ann@example.org", name="Ann")
    make_comment(made, author, "Ring me on 07700 900123.", made.anchors["We propose a charge of 5 pounds an hour in "
                                                                        "the town centre."])
    mo = auth.client_for(make_user("mo@example.org", name="Mo", role="moderator"))
    welsh = _page(app, mo, "/moderation/?lang=cy")
    assert re.search(rf'<option value="{made.id}"[^>]*>Ffioedd parcio</option>', welsh)
    assert "on <em>Parking fees</em>" not in welsh and "<em>Ffioedd parcio</em>" in welsh
    english = _page(app, mo, "/moderation/?lang=en")
    assert re.search(rf'<option value="{made.id}"[^>]*>Parking fees</option>', english)
    # The bulk-reject confirmation too.
    make_comment(made, author, "Call 07700 900124 too.", made.anchors["We propose a charge of 5 pounds an hour in "
                                                                       "the town centre."])
    ids = re.findall(r'name="item_ids" value="(\d+)"', _page(app, mo, "/moderation/?lang=en"))
    assert len(ids) == 2
    with app.app_context():
        confirm = mo.post("/moderation/bulk?lang=cy", data={"item_ids": ids, "outcome": "reject",
                                                             "rules": ["personal-information"], "back": "/moderation/"})
    assert confirm.status_code == 200 and "<em>Ffioedd parcio</em>" in confirm.get_data(as_text=True)
