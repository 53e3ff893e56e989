"""Each comment carries its language (issue 21): chosen on the form or told from the text, shown
with lang= on its text and its name, filtered by readers, and in the open data."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.comments.service import CommentError, CommentInput, submit_comment, withdraw_comment
from consult.extensions import db
from consult.models import Comment, Consultation, User
from consult.text_language import clean_code, detect_language, language_name
from tests.helpers import PARKING

WELSH = "Mae angen mwy o lefydd parcio yn y dref, ac mae’r ffioedd yn rhy uchel i deuluoedd sydd â phlant."
ENGLISH = "The fees are too high for families and there should be more parking in the town centre."


# --- the pure functions ------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    (WELSH, "cy"),
    ("Rwy’n cytuno gyda’r cynnig hwn ond mae’r amserlen yn rhy fyr.", "cy"),
    ("Dylai’r cyngor gadw rhestr aros ar gyfer pob rhandir.", "cy"),
    (ENGLISH, "en"),
    ("I don't think it's fair on carers at all.", "en"),
    ("Diolch", None),  # too short to tell
    ("Hourly fees hurt carers.", None),  # no function words: unclear
    ("Croeso Cymru tourism board plan", None),
    ("", None),
])
def test_detection_tells_welsh_from_english_and_leaves_unclear_texts_alone(text, expected):
    assert detect_language(text) == expected


def test_language_codes_are_checked_and_named():
    assert clean_code(" pt_BR ") == "pt-br" and clean_code("") is None and clean_code(None) is None
    for bad in ("english", "c", "cy;drop", "<b>", "x" * 9):
        with pytest.raises(ValueError):
            clean_code(bad)
    assert language_name("cy") == "Cymraeg" and language_name("fr-ca") == "Français"
    assert language_name("tlh") == "tlh" and language_name(None) == ""


# --- storing ------------------------------------------------------------------------------------

@pytest.fixture
def world(make_consultation, make_user):
    made = make_consultation("parking", PARKING)
    return {"slug": made.slug, "id": made.id, "anchor": made.anchors["Visitors pay by the hour."],
            "ann": make_user("ann@example.org", name="Ann")}


def _post(client, world, body, key, **extra):
    data = {"body": body, "submission_key": key, "respondent_type": "individual", "show_name": "name", **extra}
    return client.post(f"/c/{world['slug']}/p/{world['anchor']}/comments", data=data)


def _language_of(app, body: str) -> str | None:
    with app.app_context():
        return db.session.scalar(select(Comment.language).where(Comment.body == body))


def test_the_language_chosen_on_the_form_is_stored(client, world, auth, app):
    auth.login(world["ann"])
    page = client.get(f"/c/{world['slug']}/p/{world['anchor']}").get_data(as_text=True)
    assert 'name="language"' in page and '<option value="cy" lang="cy">Cymraeg</option>' in page
    assert '<option value="en" lang="en" selected>English</option>' in page  # the page's language
    welsh_page = client.get(f"/c/{world['slug']}/p/{world['anchor']}?lang=cy").get_data(as_text=True)
    assert '<option value="cy" lang="cy" selected>Cymraeg</option>' in welsh_page
    # Chosen, the language is stored even for a text that reads otherwise.
    assert _post(client, world, "Parcio am ddim i bawb.", "k1", language="cy").status_code == 303
    assert _language_of(app, "Parcio am ddim i bawb.") == "cy"
    assert _post(client, world, ENGLISH, "k2", language="en").status_code == 303
    assert _language_of(app, ENGLISH) == "en"


def test_left_to_detection_a_welsh_text_is_welsh_and_an_unclear_one_the_forms_language(client, world, auth, app):
    auth.login(world["ann"])
    assert _post(client, world, WELSH, "k1", language="detect").status_code == 303
    assert _language_of(app, WELSH) == "cy"
    _post(client, world, "Hourly fees hurt carers.", "k2", language="detect")
    assert _language_of(app, "Hourly fees hurt carers.") == "en"  # the page was read in English
    client.get("/?lang=cy")  # the reader switches to Welsh: the form is now Welsh
    _post(client, world, "OK gan fi.", "k3", language="detect")
    assert _language_of(app, "OK gan fi.") == "cy"


def test_a_language_the_consultation_does_not_offer_is_accepted_and_labelled(client, world, auth, app):
    with app.app_context():
        consultation = db.session.get(Consultation, world["id"])
        author = db.session.get(User, world["ann"])
        french = CommentInput(body="Les tarifs sont trop élevés.", submission_key="fr", language="fr")
        comment, _ = submit_comment(db.session, consultation, world["anchor"], author, french)
        db.session.commit()
        assert comment.language == "fr"
        with pytest.raises(CommentError) as refused:
            submit_comment(db.session, consultation, world["anchor"], author,
                           CommentInput(body="Anything", submission_key="bad", language="not a language"))
        assert refused.value.field == "language"
    page = client.get(f"/c/{world['slug']}/p/{world['anchor']}").get_data(as_text=True)
    assert '<div class="comment-body" dir="auto" lang="fr">' in page
    assert '<span class="comment-language" lang="fr">Français</span>' in page


def test_a_forged_language_on_the_form_is_refused_with_the_text_kept(client, world, auth):
    auth.login(world["ann"])
    response = _post(client, world, "My kept words", "k1", language='"><script>')
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose the language your comment is written in" in page and "My kept words" in page
    assert "<script>" not in page.split("</header>", 1)[1]


def test_each_comments_text_has_its_lang_and_other_languages_are_named(client, world, auth, make_comment):
    make_comment(world["id"], world["ann"], WELSH, world["anchor"], language="cy")
    make_comment(world["id"], world["ann"], ENGLISH, world["anchor"], language="en")
    # A text in the page's language inherits <html lang>; one in another language says its own,
    # and its language is named.
    english = client.get(f"/c/{world['slug']}/p/{world['anchor']}").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert english.count('<div class="comment-body" dir="auto" lang="cy">') == 1
    assert english.count('<div class="comment-body" dir="auto">') == 1
    assert english.count('class="comment-language"') == 1
    assert '<span class="comment-language" lang="cy">Cymraeg' in english
    welsh = client.get(f"/c/{world['slug']}/p/{world['anchor']}?lang=cy").get_data(as_text=True)
    assert '<html lang="cy">' in welsh
    assert welsh.count('<div class="comment-body" dir="auto" lang="en">') == 1
    assert welsh.count('<div class="comment-body" dir="auto">') == 1
    assert welsh.count('class="comment-language"') == 1 and '<span class="comment-language" lang="en">English' in welsh


def test_an_older_comment_of_unknown_language_has_no_lang_and_no_label(client, world, make_comment, app):
    comment_id = make_comment(world["id"], world["ann"], "Hourly fees hurt carers.", world["anchor"])
    with app.app_context():
        db.session.get(Comment, comment_id).language = None
        db.session.commit()
    page = client.get(f"/c/{world['slug']}/p/{world['anchor']}?lang=cy").get_data(as_text=True)
    assert '<div class="comment-body" dir="auto">' in page and 'class="comment-language"' not in page


def test_the_moderation_queue_and_item_give_the_comments_text_its_lang(app, make_consultation, make_user,
                                                                       make_comment, auth):
    made = make_consultation("zones", PARKING, mode="pre")
    ann = make_user("ann@example.org", name="Ann")
    comment_id = make_comment(made.id, ann, WELSH, made.anchors["Visitors pay by the hour."], language="cy")
    moderator = auth.as_("moderator")
    queue = moderator.get("/moderation/").get_data(as_text=True)
    assert '<p class="excerpt" dir="auto" lang="cy">' in queue
    with app.app_context():
        from moderation.models import QueueItem
        item_id = db.session.scalar(select(QueueItem.id).where(QueueItem.comment_id == comment_id))
    item = moderator.get(f"/moderation/items/{item_id}").get_data(as_text=True)
    assert '<pre class="item-text" dir="auto" lang="cy">' in item


# --- filtering and open data -------------------------------------------------------------------

def test_readers_narrow_a_paragraphs_comments_to_one_language_without_javascript(client, world, make_comment):
    page_url = f"/c/{world['slug']}/p/{world['anchor']}"
    make_comment(world["id"], world["ann"], ENGLISH, world["anchor"], language="en")
    only_english = client.get(page_url).get_data(as_text=True)
    assert 'name="language"' not in only_english.split('id="comment-form', 1)[0]  # one language: no filter
    for n in range(3):
        make_comment(world["id"], world["ann"], f"{WELSH} ({n})", world["anchor"], language="cy")
    everything = client.get(page_url).get_data(as_text=True)
    assert everything.count('class="comment-body"') == 4
    assert '<form method="get" class="comment-filter">' in everything
    assert '<option value="cy" lang="cy">Cymraeg</option>' in everything
    welsh = client.get(page_url, query_string={"language": "cy"}).get_data(as_text=True)
    assert welsh.count('class="comment-body"') == 3 and ENGLISH not in welsh
    assert '<option value="cy" lang="cy" selected>Cymraeg</option>' in welsh
    assert "order=oldest&amp;language=cy" in welsh  # the other order keeps the language
    french = client.get(page_url, query_string={"language": "fr"}).get_data(as_text=True)
    assert "No comments written in" in french and 'class="comment-body"' not in french
    assert client.get(page_url, query_string={"language": "<x>"}).status_code == 400


def test_the_language_filter_follows_new_and_withdrawn_comments_at_once(client, world, auth, app):
    # The languages on offer are kept between page views: a new comment's language joins them
    # at once, and a withdrawn one's leaves them at once (not a few seconds later).
    page_url = f"/c/{world['slug']}/p/{world['anchor']}"
    auth.login(world["ann"])
    assert _post(client, world, ENGLISH, "k1", language="en").status_code == 303
    assert 'class="comment-filter"' not in client.get(page_url).get_data(as_text=True)
    assert _post(client, world, WELSH, "k2", language="cy").status_code == 303
    both = client.get(page_url).get_data(as_text=True)
    assert 'class="comment-filter"' in both and '<option value="cy" lang="cy">Cymraeg</option>' in both
    with app.app_context():
        welsh_id = db.session.scalar(select(Comment.id).where(Comment.body == WELSH))
        withdraw_comment(db.session, welsh_id, world["ann"])
        db.session.commit()
    assert 'class="comment-filter"' not in client.get(page_url).get_data(as_text=True)


def test_the_general_comments_page_filters_by_language_too(client, world, make_comment):
    make_comment(world["id"], world["ann"], ENGLISH, None, language="en")
    make_comment(world["id"], world["ann"], WELSH, None, language="cy")
    page = client.get(f"/c/{world['slug']}/comments", query_string={"language": "en"}).get_data(as_text=True)
    assert ENGLISH in page and WELSH not in page and 'class="comment-filter"' in page


def test_downloads_and_the_api_give_each_comments_language(client, world, make_comment):
    make_comment(world["id"], world["ann"], ENGLISH, world["anchor"], language="en")
    make_comment(world["id"], world["ann"], WELSH, world["anchor"], language="cy")
    import csv
    import io
    rows = list(csv.DictReader(io.StringIO(client.get(f"/c/{world['slug']}/comments.csv").get_data(as_text=True))))
    assert {(r["comment"], r["language"]) for r in rows} == {(ENGLISH, "en"), (WELSH, "cy")}
    data = client.get(f"/c/{world['slug']}/comments.json").get_json()
    assert {c["language"] for c in data["comments"]} == {"en", "cy"}
    api = client.get(f"/api/v1/consultations/{world['slug']}/comments", query_string={"language": "cy"}).get_json()
    assert [(c["comment"], c["language"]) for c in api["items"]] == [(WELSH, "cy")]
    assert client.get(f"/api/v1/consultations/{world['slug']}/comments?language=%3Cx%3E").status_code == 400
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "language" in spec["components"]["schemas"]["Comment"]["properties"]
    listing = spec["paths"]["/consultations/{slug}/comments"]["get"]["parameters"]
    assert "language" in [p.get("name") for p in listing]
