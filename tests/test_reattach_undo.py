"""A re-attachment made by mistake can be undone (issue 18, noticed in session 13): the comments
it moved go back to their removed paragraph, where they can be re-attached to another; the
undoing is confirmed first and recorded in the history; a comment written on the target itself
stays."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.extensions import db
from consult.models import ConsultationEvent
from consult.reattachment import Reattachment
from tests import test_reattach
from tests.test_reattach import _anchors_of, _html, _option, _publish

parking = test_reattach.parking  # the fixture: version 1 with comments on a paragraph version 2 removes


def _reattach(client, parking, label: str) -> str:
    page = _html(client.get("/manage/parking/orphaned"))
    target = _option(page, label)
    response = client.post(f"/manage/parking/orphaned/{parking['removed']}/reattach", data={"to": target})
    assert response.status_code == 303
    return target


def _record_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Reattachment.id).order_by(Reattachment.id.desc()))


def test_undoing_a_reattachment_sends_its_comments_back_to_be_reattached_elsewhere(
        app, as_official, parking, official, make_user, make_comment):
    _publish(as_official)
    wrong = _reattach(as_official, parking, "2.2: Zones are reviewed")
    record = _record_id(app)
    page = _html(as_official.get("/manage/parking/orphaned"))
    assert "4 comments from paragraph 1.2 of version 1 to paragraph 2.2 of version 2" in page
    undo_url = f"/manage/parking/reattachments/{record}/undo"
    assert f'href="{undo_url}"' in page
    confirm = _html(as_official.get(undo_url))
    assert "Send 4 comments back to paragraph 1.2 of version 1?" in confirm
    assert _anchors_of(app, parking["on_removed"]) == {wrong}  # asking moves nothing

    response = as_official.post(undo_url)
    assert response.status_code == 303 and response.headers["Location"].endswith("/manage/parking/orphaned")
    done = _html(as_official.get(response.headers["Location"]))
    assert "4 comments are back on paragraph 1.2 of version 1." in done
    assert "Paragraph 1.2 of version 1: 3 comments" in done  # orphaned again, offered again
    assert _anchors_of(app, parking["on_removed"]) == {parking["removed"]}
    assert "re-attached to" not in _html(as_official.get(f"/c/parking/p/{wrong}?lang=en"))
    with app.app_context():
        event = db.session.scalar(select(ConsultationEvent).where(ConsultationEvent.kind == "reattach_undone"))
        assert event.actor_id == official
        assert db.session.get(Reattachment, record).undone_by == official
    history = _html(as_official.get("/manage/parking"))
    assert ("<strong>Re-attachment undone</strong>: 4 comments re-attached to paragraph 2.2 of version 2 moved "
            "back to paragraph 1.2 of version 1, which is not in the current version.") in history

    right = _reattach(as_official, parking, "2.1:")
    assert _anchors_of(app, parking["on_removed"]) == {right}
    assert "Written on 1.2 of version 1, re-attached to 2.1 of version 2" in _html(
        as_official.get(f"/c/parking/p/{right}?lang=en"))


def test_a_comment_written_on_the_target_stays_and_an_undone_one_cannot_be_undone_again(
        app, as_official, parking, make_user, make_comment):
    _publish(as_official)
    target = _reattach(as_official, parking, "2.2: Zones are reviewed")
    record = _record_id(app)
    dee = make_user("dee@example.org", name="Dee")
    own = make_comment("parking", dee, "Reviews every year are welcome.", target)
    assert as_official.post(f"/manage/parking/reattachments/{record}/undo").status_code == 303
    assert _anchors_of(app, [own]) == {target}
    again = as_official.post(f"/manage/parking/reattachments/{record}/undo")
    assert again.status_code == 404
    assert "This re-attachment was undone already" in _html(again)
    assert as_official.get("/manage/parking/reattachments/999999/undo").status_code == 404


def test_undoing_is_refused_in_welsh_on_a_welsh_page(app, as_official, parking):
    _publish(as_official)
    _reattach(as_official, parking, "2.2: Zones are reviewed")
    record = _record_id(app)
    as_official.post(f"/manage/parking/reattachments/{record}/undo")
    again = _html(as_official.post(f"/manage/parking/reattachments/{record}/undo?lang=cy"))
    assert "ddadwneud yn barod: mae ei sylwadau yn ôl ar baragraff 1.2 o fersiwn 1" in again


def test_two_officials_undoing_at_once_undo_it_once(app, as_official, parking, official):
    """The second official's page was loaded before the first undid it: the undo reads the
    re-attachment afresh (locked), finds it undone and refuses, recording nothing more."""
    from sqlalchemy.orm import Session

    from consult.consultations import orphans
    from consult.consultations.creation import ServiceError
    from consult.models import Consultation

    _publish(as_official)
    _reattach(as_official, parking, "2.2: Zones are reviewed")
    record = _record_id(app)
    with app.app_context():
        with Session(db.engine) as first, Session(db.engine, expire_on_commit=False) as second:
            slug = select(Consultation).where(Consultation.slug == "parking")
            late = second.scalars(slug).one()
            seen = orphans.standing_reattachment(second, late, record)  # held, as a page's request holds it
            assert seen.undone_at is None
            second.commit()  # (its read ends; what it read stays loaded, as on a page shown earlier)
            assert orphans.undo_reattachment(first, first.scalars(slug).one(), record, official) == 4
            first.commit()
            with pytest.raises(ServiceError) as refused:
                orphans.undo_reattachment(second, late, record, official)
            assert "undone already" in str(refused.value)
            second.rollback()
        undone = db.session.scalars(select(ConsultationEvent).where(ConsultationEvent.kind == "reattach_undone"))
        assert len(undone.all()) == 1
