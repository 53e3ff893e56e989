"""Officials edit a consultation after creating it; every change is in the public history, and
changes that would break a promise are refused (issue 20, item 1)."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers import PARKING  # tests/ is on sys.path
from sqlalchemy import func, select

from consult.extensions import db
from consult.models import Comment, Consultation, ConsultationEvent, utcnow

LONG = "We have to set the fees for the next five years, and the council wants to hear " * 3



@pytest.fixture
def parking(make_consultation):
    return make_consultation("parking", PARKING, summary="How people pay to park.",
                             scope_open="The level of fees.", department="Transport")


def _html(response) -> str:
    return response.get_data(as_text=True)


def _form(client, slug="parking", **changes) -> dict:
    """The details form as the page fills it in, with `changes` typed over it."""
    page = _html(client.get(f"/manage/{slug}/details"))
    data = {}
    for name in ("title", "department", "response_expected", "opens_at", "closes_at", "loaded"):
        match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
            rf'value="([^"]*)"[^>]*name="{name}"', page)
        data[name] = match.group(1).replace("&#34;", '"').replace("&amp;", "&") if match else ""
    for name in ("summary", "scope_about", "scope_open", "scope_closed", "scope_outcome", "reason"):
        match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\n?(.*?)</textarea>', page, re.S)
        data[name] = match.group(1) if match else ""
    data["moderation_mode"] = re.search(r'<input checked[^>]*name="moderation_mode"[^>]*value="(\w+)"',
                                        page).group(1)
    data.update(changes)
    return data


def _events(app, kind=None) -> list[ConsultationEvent]:
    with app.app_context():
        query = select(ConsultationEvent).order_by(ConsultationEvent.id)
        if kind:
            query = query.where(ConsultationEvent.kind == kind)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def _consultation(app) -> Consultation:
    with app.app_context():
        c = db.session.scalar(select(Consultation))
        db.session.expunge(c)
        return c


def _local(value: datetime) -> str:
    """A naive UTC time as the form types it (Europe/London)."""
    return value.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/London")).strftime("%Y-%m-%dT%H:%M")


# --------------------------------------------------------------------------- the page


def test_the_details_page_is_for_officials_and_shows_the_current_values(client, auth, make_user,
                                                                        parking, as_official):
    page = _html(as_official.get("/manage/parking/details"))
    assert 'value="Parking Policy"' in page and "The level of fees." in page
    assert "applies to new comments only" in page
    assert 'href="/manage/parking/details"' in _html(as_official.get("/manage/parking"))
    citizen = auth.client_for(make_user("cid@example.org", name="cid"))
    assert citizen.get("/manage/parking/details").status_code == 403
    assert citizen.post("/manage/parking/details", data={"title": "Hacked"}).status_code == 403
    anonymous = auth.app.test_client()
    assert "/login" in anonymous.get("/manage/parking/details").headers["Location"]
    assert _consultation(auth.app).title == "Parking Policy"


def test_title_and_scope_changes_are_saved_and_shown_in_the_public_history(app, client, as_official,
                                                                          parking, official):
    response = as_official.post("/manage/parking/details", data=_form(
        as_official, title="Parking in Town", scope_open="The level of fees and the zones.",
        scope_about=LONG))
    assert response.status_code == 303
    assert "public history" in _html(as_official.get("/manage/parking"))
    consultation = _consultation(app)
    assert consultation.title == "Parking in Town"
    assert consultation.scope_open == "The level of fees and the zones."
    title = _events(app, "title_changed")
    assert len(title) == 1 and title[0].actor_id == official
    assert title[0].detail == "From “Parking Policy” to “Parking in Town”."
    page = _html(client.get("/c/parking"))
    assert "<h1>Parking in Town</h1>" in page
    history = page[page.index("Changes to this consultation"):]
    history = history[:history.index("</section>")]
    today = utcnow().strftime("%-d %B %Y")
    assert "<strong>Scope changed</strong> on <time" in history and today in history
    # The official's words are shown as written, their direction their own (dir="auto").
    assert ('Open for debate: from “<span dir="auto">The level of fees.</span>” to “<span dir="auto">The level '
            'of fees and the zones.</span>”') in history
    # A long text is not quoted whole: the page says it was added.
    assert "Why we are asking: added" in history and LONG[:60] not in history
    assert "Title changed" in history
    assert "olive" not in history  # the public sees what changed, not which official did it


def test_saving_without_changes_records_nothing(app, as_official, parking):
    before = len(_events(app))
    response = as_official.post("/manage/parking/details", data=_form(as_official))
    assert response.status_code == 303
    assert "Nothing was changed" in _html(as_official.get("/manage/parking"))
    assert len(_events(app)) == before


def test_a_page_with_only_its_publication_shows_no_history_section(client, parking):
    assert "Changes to this consultation" not in _html(client.get("/c/parking"))


# --------------------------------------------------------------------------- dates


def test_bringing_the_close_forward_after_comments_needs_a_reason_shown_to_the_public(
        app, client, as_official, parking, make_user, make_comment):
    make_comment(parking, make_user("cid@example.org", name="cid"), "Fees are too high.")
    before = _consultation(app).closes_at
    earlier = _local(before - timedelta(days=3))
    response = as_official.post("/manage/parking/details", data=_form(as_official, closes_at=earlier))
    assert response.status_code == 400
    page = _html(response)
    assert "give the reason for bringing the closing date forward" in page
    assert 'href="#reason"' in page  # the error summary links the field
    assert _consultation(app).closes_at == before and not _events(app, "dates_changed")
    response = as_official.post("/manage/parking/details", data=_form(
        as_official, closes_at=earlier, reason="The council decides in May."))
    assert response.status_code == 303
    assert _consultation(app).closes_at < before
    [event] = _events(app, "dates_changed")
    assert "Closing date brought forward" in event.detail
    assert event.detail.endswith("Reason: The council decides in May.")
    public = _html(client.get("/c/parking"))
    assert "Closing date brought forward" in public and "The council decides in May." in public


def test_bringing_the_close_forward_before_any_comment_needs_no_reason(app, as_official, parking):
    before = _consultation(app).closes_at
    response = as_official.post("/manage/parking/details", data=_form(
        as_official, closes_at=_local(before - timedelta(days=3))))
    assert response.status_code == 303
    assert "brought forward" in _events(app, "dates_changed")[0].detail


def test_moving_the_close_later_is_recorded_with_both_dates(app, as_official, parking):
    before = _consultation(app).closes_at
    later = before + timedelta(days=7)
    response = as_official.post("/manage/parking/details", data=_form(as_official, closes_at=_local(later)))
    assert response.status_code == 303
    detail = _events(app, "dates_changed")[0].detail
    assert detail.startswith("Closing date moved later, from ")
    assert later.strftime("%-d %B %Y") in detail


@pytest.mark.parametrize("change,words", [
    ("close_before_open", "The closing date must be after the opening date."),
    ("past_close", "an open consultation cannot close in the past"),
    ("move_open", "the opening date can no longer change"),
])
def test_dates_that_make_no_sense_are_explained_and_nothing_changes(app, as_official, parking,
                                                                    change, words):
    c = _consultation(app)
    data = {
        "close_before_open": {"closes_at": _local(c.opens_at - timedelta(hours=1))},
        "past_close": {"closes_at": _local(utcnow() - timedelta(hours=2))},
        "move_open": {"opens_at": _local(c.opens_at + timedelta(days=2))},
    }[change]
    response = as_official.post("/manage/parking/details", data=_form(as_official, title="New", **data))
    assert response.status_code == 400
    assert words in _html(response)
    after = _consultation(app)
    assert (after.title, after.opens_at, after.closes_at) == (c.title, c.opens_at, c.closes_at)
    assert not _events(app, "title_changed")


def test_a_draft_may_move_both_dates_and_its_edits_stay_private_after_publishing(app, client, as_official):
    from consult.consultations.service import create_consultation
    with app.app_context():
        create_consultation(db.session, slug="draft-one", files=[("d.md", PARKING)], publish=False,
                            actor_id=None)
        db.session.commit()
    opens = utcnow() + timedelta(days=2)
    closes = utcnow() + timedelta(days=20)
    response = as_official.post("/manage/draft-one/details", data=_form(
        as_official, "draft-one", title="Draft renamed", opens_at=_local(opens), closes_at=_local(closes)))
    assert response.status_code == 303
    assert as_official.post("/manage/draft-one/publish").status_code == 303
    page = _html(client.get("/c/draft-one"))
    assert "Draft renamed" in page and "Title changed" not in page
    assert "Title changed" in _html(as_official.get("/manage/draft-one"))  # officials still see it


def test_a_closed_consultation_keeps_its_dates_but_may_fix_a_typo(app, make_consultation, as_official):
    make_consultation("old", PARKING, open=False)
    c = _consultation(app)
    response = as_official.post("/manage/old/details", data=_form(
        as_official, "old", closes_at=_local(c.closes_at + timedelta(days=5))))
    assert response.status_code == 400 and "has closed: its dates can no longer change" in _html(response)
    response = as_official.post("/manage/old/details", data=_form(as_official, "old", title="Parking Policy 2030"))
    assert response.status_code == 303 and _consultation(app).title == "Parking Policy 2030"


def test_an_archived_consultation_cannot_be_edited(app, as_official, parking):
    with app.app_context():
        db.session.scalar(select(Consultation)).archived_at = utcnow()
        db.session.commit()
    assert "archived" in _html(as_official.get("/manage/parking/details"))
    response = as_official.post("/manage/parking/details", data={"title": "Renamed"})
    assert response.status_code == 409 and _consultation(app).title == "Parking Policy"


# --------------------------------------------------------------------------- moderation


def test_switching_to_pre_moderation_applies_to_new_comments_only(app, client, as_official, parking,
                                                                  make_user, make_comment):
    author = make_user("cid@example.org", name="cid")
    old = make_comment(parking, author, "Published before the switch.")
    response = as_official.post("/manage/parking/details", data=_form(as_official, moderation_mode="pre"))
    assert response.status_code == 303
    [event] = _events(app, "moderation_changed")
    assert "to pre-moderation" in event.detail
    assert "applies to new comments only: comments already published stay public" in event.detail
    new = make_comment(parking, author, "Sent after the switch.", key="after")
    with app.app_context():
        assert db.session.get(Comment, old).status == "published"
        assert db.session.get(Comment, new).status == "pending"
    page = _html(client.get("/c/parking"))
    assert "Moderation changed" in page and "applies to new comments only" in page


# --------------------------------------------------------------------------- two officials


def test_a_save_over_someone_elses_is_refused_then_allowed_on_purpose(app, auth, make_user, as_official,
                                                                      parking):
    mine = _form(as_official, summary="Mine.")
    other = auth.client_for(make_user("otto@example.org", role="official", name="otto"))
    assert other.post("/manage/parking/details", data=_form(other, summary="Theirs.")).status_code == 303
    response = as_official.post("/manage/parking/details", data=mine)
    assert response.status_code == 409
    page = _html(response)
    assert "Someone else changed these details" in page and "Mine." in page
    assert _consultation(app).summary == "Theirs."
    again = dict(mine, loaded=re.search(r'name="loaded"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="loaded"',
                                        page).group(1) or "")
    assert as_official.post("/manage/parking/details", data=again).status_code == 303
    assert _consultation(app).summary == "Mine."


def test_history_text_is_escaped(app, client, as_official, parking):
    response = as_official.post("/manage/parking/details", data=_form(
        as_official, title="<script>alert(1)</script>"))
    assert response.status_code == 303
    page = _html(client.get("/c/parking"))
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_blank_title_is_refused(app, as_official, parking):
    response = as_official.post("/manage/parking/details", data=_form(as_official, title="  "))
    assert response.status_code == 400 and "Enter a title." in _html(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ConsultationEvent)
                                 .where(ConsultationEvent.kind.like("%_changed"))) == 0
