"""Theme suggestions' messages in the reader's language (issue 21): a suggestion job runs with no
request, so it keeps what each message is made of and the page shows it in Welsh or English;
a run from before that shows its stored English sentence as it is."""
from __future__ import annotations

import re

from sqlalchemy import func, insert, select
from support.jobs import run_jobs

from consult.extensions import db
from consult.models import Comment, CommentStatus, Consultation, SuggestionRun
from consult.responses.suggest import SuggestError, suggest_themes

PARKING = ["parking permits cost too much for residents on {} street",
           "the parking charges near {} are far too high for families",
           "residents cannot afford the new parking permit fees in {}",
           "cheaper parking permits please, the fee rise in {} is unfair"]
PARCIO = ["mae trwyddedau parcio yn rhy ddrud i drigolion stryd {}",
          "mae’r taliadau parcio ger {} yn llawer rhy uchel i deuluoedd",
          "ni all trigolion fforddio’r ffioedd trwydded parcio newydd yn {}"]
PLACES = ["Mill", "Station", "Church", "Bridge", "Market", "Castle", "Park", "River", "Hill", "Green"]


def _texts(templates: list[str], n: int) -> list[str]:
    return [templates[i % len(templates)].format(PLACES[i % len(PLACES)] + f" {i}") for i in range(n)]


def _add(app, made_id: int, author_id: int, bodies: list[str], language: str) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, made_id)
        start = db.session.scalar(select(func.count()).select_from(Comment)) or 0
        db.session.execute(insert(Comment), [
            {"consultation_id": made_id, "version_id": consultation.versions[-1].id, "author_id": author_id,
             "body": body, "body_html": f"<p>{body}</p>", "status": CommentStatus.PUBLISHED.value,
             "language": language, "submission_key": f"i18n-{start + i}"} for i, body in enumerate(bodies)])
        db.session.commit()


def _page(client, slug: str, language: str) -> str:
    return re.sub(r"\s+", " ", client.get(f"/manage/{slug}/suggestions/?lang={language}").get_data(as_text=True))


def test_the_message_is_english_as_it_stands_and_keeps_what_it_is_made_of():
    try:
        suggest_themes(_texts(PARKING, 2))
    except SuggestError as exc:
        assert str(exc) == ("Themes need at least 6 different comments; these 2 comments hold 2 different texts "
                            "(copies of a campaign text count once).")
        assert exc.message.stored()["values"] == {"least": 6, "total": 2, "num": 2}
    else:
        raise AssertionError("two comments made themes")


def test_a_language_left_out_is_said_in_the_readers_language(app, auth, make_consultation, make_user):
    made = make_consultation(slug="parking")
    citizen = make_user(name="Cora Citizen")
    _add(app, made.id, citizen, _texts(PARKING, 24), "en")
    _add(app, made.id, citizen, _texts(PARCIO, 3), "cy")
    olive = auth.client_for(make_user(name="Olive Official", role="official"))
    assert olive.post("/manage/parking/suggestions/themes", data={"anchor": ""}).status_code == 303
    assert run_jobs(app) >= 1
    welsh, english = _page(olive, "parking", "cy"), _page(olive, "parking", "en")
    assert ('<span lang="cy">Cymraeg</span> (3 sylw: Mae angen o leiaf 6 sylw gwahanol ar gyfer themâu; '
            "mae&#39;r 3 sylw hyn yn cynnwys 3 testun gwahanol") in welsh
    assert "Themes need at least" not in welsh
    assert ('<span lang="cy">Cymraeg</span> (3 comments: Themes need at least 6 different comments; these 3 '
            "comments hold 3 different texts") in english


def test_no_language_with_enough_is_said_in_the_readers_language(app, auth, make_consultation, make_user):
    made = make_consultation(slug="few")
    citizen = make_user(name="Cora Citizen")
    _add(app, made.id, citizen, _texts(PARKING, 4), "en")
    _add(app, made.id, citizen, _texts(PARCIO, 3), "cy")
    olive = auth.client_for(make_user(name="Olive Official", role="official"))
    assert olive.post("/manage/few/suggestions/themes", data={"anchor": ""}).status_code == 303
    run_jobs(app)
    welsh, english = _page(olive, "few", "cy"), _page(olive, "few", "en")
    assert ("Nid oedd modd cynnig themâu: Mae sylwadau pob iaith yn cael eu darllen ar wahân, ac nid oes gan yr "
            "un ohonynt ddigon: English (4 sylw): Mae angen o leiaf 6 sylw gwahanol") in welsh
    assert "Cymraeg (3 sylw): Mae angen" in welsh and "Themes need" not in welsh
    assert ("No themes could be proposed: Each language&#39;s comments are read apart, and none has enough: "
            "English (4 comments): Themes need at least 6 different comments; these 4 comments hold 4 different "
            "texts") in english
    with app.app_context():  # the run's record stays the English sentence
        run = db.session.scalar(select(SuggestionRun).where(SuggestionRun.consultation_id == made.id))
        assert run.message.startswith("Each language's comments are read apart, and none has enough: en (4 comments)")


def test_an_older_runs_plain_sentence_is_shown_as_it_is(app, auth, make_consultation, make_user):
    made = make_consultation(slug="older")
    with app.app_context():
        db.session.add(SuggestionRun(consultation_id=made.id, kind="themes", message="Ask for at least one theme.",
                                     finished_at=func.now()))
        db.session.commit()
    olive = auth.client_for(make_user(name="Olive Official", role="official"))
    assert "Nid oedd modd cynnig themâu: Ask for at least one theme." in _page(olive, "older", "cy")
