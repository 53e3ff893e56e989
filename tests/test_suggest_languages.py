"""Theme suggestions per language (issue 21): each language's comments are read apart, a language
with too few is left out and said so, never mixed into another's themes or model."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, insert, select
from support.jobs import run_jobs

from consult.extensions import db
from consult.models import Comment, CommentStatus, Consultation
from consult.responses import assist
from consult.responses.suggest import SuggestError, suggest_assignments_by_language, suggest_themes_by_language

# Subjects in words of our own, in English and in Welsh.
PARKING = ["parking permits cost too much for residents on {} street",
           "the parking charges near {} are far too high for families",
           "residents cannot afford the new parking permit fees in {}",
           "cheaper parking permits please, the fee rise in {} is unfair"]
BUSES = ["the bus to {} is always late and the timetable is wrong",
         "more buses at night would help people in {} get home",
         "the bus route through {} was cut and the stop is too far",
         "bus services to {} need to run every ten minutes at peak times"]
PARCIO = ["mae trwyddedau parcio yn rhy ddrud i drigolion stryd {}",
          "mae’r taliadau parcio ger {} yn llawer rhy uchel i deuluoedd",
          "ni all trigolion fforddio’r ffioedd trwydded parcio newydd yn {}",
          "trwyddedau parcio rhatach os gwelwch yn dda, mae’r codiad yn {} yn annheg"]
BYSIAU = ["mae’r bws i {} bob amser yn hwyr ac mae’r amserlen yn anghywir",
          "byddai mwy o fysiau gyda’r nos yn helpu pobl yn {} i fynd adref",
          "cafodd llwybr y bws drwy {} ei dorri ac mae’r arhosfan yn rhy bell",
          "mae angen i wasanaethau bws i {} redeg bob deg munud ar adegau prysur"]
PLACES = ["Mill", "Station", "Church", "Bridge", "Market", "Castle", "Park", "River", "Hill", "Green"]


def _texts(templates: list[str], n: int) -> list[str]:
    return [templates[i % len(templates)].format(PLACES[i % len(PLACES)] + f" {i}") for i in range(n)]


def test_each_languages_comments_get_their_own_themes_never_mixed():
    english = _texts(PARKING, 12) + _texts(BUSES, 12)
    welsh = _texts(PARCIO, 12) + _texts(BYSIAU, 12)
    texts = [t for pair in zip(english, welsh, strict=True) for t in pair]  # interleaved
    languages = ["en", "cy"] * len(english)
    found = suggest_themes_by_language(texts, languages)
    assert found.used == {"cy": 24, "en": 24} and found.left_out == {}
    assert {language for language, _theme in found.themes} == {"en", "cy"}
    for language, theme in found.themes:
        assert {languages[i] for i in theme.members} == {language}, theme.label
        assert {languages[i] for i in theme.representatives} == {language}


def test_a_language_with_too_few_comments_is_left_out_and_said_so():
    texts = _texts(PARKING, 12) + _texts(BUSES, 12) + _texts(PARCIO, 3)
    languages = ["en"] * 24 + ["cy"] * 3
    found = suggest_themes_by_language(texts, languages)
    assert found.used == {"en": 24}
    count, why = found.left_out["cy"]
    assert count == 3 and "at least 6 different comments" in why
    assert all(i < 24 for _language, theme in found.themes for i in theme.members)
    with pytest.raises(SuggestError, match="at least 6"):
        suggest_themes_by_language(_texts(PARCIO, 3) + _texts(PARKING, 4), ["cy"] * 3 + ["en"] * 4)


def test_counting_suggestions_learn_only_from_their_own_language():
    texts = _texts(PARKING, 12) + _texts(BUSES, 12) + _texts(PARCIO, 6) + _texts(BYSIAU, 6)
    languages = ["en"] * 24 + ["cy"] * 12
    coded = {i: {"parking"} for i in range(4)} | {12 + i: {"buses"} for i in range(4)}  # English only
    suggestions, used, left_out = suggest_assignments_by_language(texts, languages, coded)
    assert used == {"en": 24} and left_out["cy"][0] == 12
    assert all(suggestions[i] == [] for i in range(24, 36))  # the Welsh comments: nothing guessed
    assert {s[0].theme for s in suggestions[4:12]} == {"parking"}
    assert {s[0].theme for s in suggestions[16:24]} == {"buses"}


def _add(app, made_id: int, author_id: int, bodies: list[str], language: str) -> list[int]:
    with app.app_context():
        consultation = db.session.get(Consultation, made_id)
        start = db.session.scalar(select(func.count()).select_from(Comment)) or 0
        db.session.execute(insert(Comment), [
            {"consultation_id": made_id, "version_id": consultation.versions[-1].id, "author_id": author_id,
             "body": body, "body_html": f"<p>{body}</p>", "status": CommentStatus.PUBLISHED.value,
             "language": language, "submission_key": f"lang-{start + i}"} for i, body in enumerate(bodies)])
        db.session.commit()
        return list(db.session.scalars(select(Comment.id).where(Comment.language == language)))


def test_the_suggestions_page_says_which_languages_were_left_out(app, auth, make_consultation, make_user):
    made = make_consultation(slug="parking")
    citizen = make_user(name="Cora Citizen")
    english = _add(app, made.id, citizen, _texts(PARKING, 12) + _texts(BUSES, 12), "en")
    welsh = _add(app, made.id, citizen, _texts(PARCIO, 3), "cy")
    olive = auth.client_for(make_user(name="Olive Official", role="official"))
    assert olive.post("/manage/parking/suggestions/themes", data={"anchor": ""}).status_code == 303
    assert run_jobs(app) >= 1
    with app.app_context():
        proposals = assist.open_proposals(db.session, db.session.get(Consultation, made.id))
        assert proposals and all(set(p.members) <= set(english) for p in proposals)
        assert not any(set(p.members) & set(welsh) for p in proposals)
    page = re.sub(r"\s+", " ", olive.get("/manage/parking/suggestions/").get_data(as_text=True))
    assert "Left out, because each language's comments are read apart" in page
    assert '<span lang="cy">Cymraeg</span> (3 comments: Themes need at least 6 different comments' in page

