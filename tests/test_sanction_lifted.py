"""A moderator lifting a measure may say why; the person is told by mail either way, in their
language, and the reason stays in their record and the audit trail."""
from __future__ import annotations

from datetime import timedelta

import pytest
import test_moderation_views
from helpers import outbox
from sqlalchemy import select

from consult.extensions import db
from consult.models import User, utcnow
from moderation import service
from moderation.models import AuditEntry, Sanction

world = test_moderation_views.world


def _suspend(app, mo, user_id: int) -> int:
    until = (utcnow() + timedelta(days=7)).date()
    assert mo.post(f"/moderation/users/{user_id}/sanctions",
                   data={"kind": "suspend", "reason": "Repeated abuse", "ends_at": until.isoformat(),
                         "confirmed": "1"}).status_code == 303
    with app.app_context():
        return service.active_sanctions(db.session, user_id)[0].id


@pytest.fixture
def mo(world, auth):
    return auth.client_for(world["mo"])


def test_a_lifted_suspension_is_told_with_its_reason_and_kept_in_the_record(app, world, mo):
    sanction_id = _suspend(app, mo, world["ann"])
    page = mo.get(f"/moderation/users/{world['ann']}").get_data(as_text=True)
    assert f'<label for="lift-reason-{sanction_id}">Why (optional; they are told)</label>' in page
    lifted = mo.post(f"/moderation/sanctions/{sanction_id}/revoke", data={"reason": "  Appeal upheld.  "})
    assert lifted.status_code == 303
    mail = outbox(app)[0]
    assert mail.to == "ann@example.org" and mail.subject == "Your account may post comments again"
    assert "lifted the suspension on your account" in mail.body and "The reason: Appeal upheld." in mail.body
    page = mo.get(f"/moderation/users/{world['ann']}").get_data(as_text=True)
    assert "Lifted " in page and 'Why: <span dir="auto">Appeal upheld.</span>' in page
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sanction_revoked"))
        assert entry.detail["reason"] == "Appeal upheld."


def test_lifting_without_a_reason_still_tells_the_person(app, world, mo):
    assert mo.post(f"/moderation/users/{world['cat']}/sanctions",
                   data={"kind": "premoderate", "reason": "Links to adverts"}).status_code == 303
    with app.app_context():
        sanction_id = service.active_sanctions(db.session, world["cat"])[0].id
    assert mo.post(f"/moderation/sanctions/{sanction_id}/revoke").status_code == 303
    mail = outbox(app)[0]
    assert mail.to == "cat@example.org" and "no longer checked before they are published" in mail.subject
    assert "The reason:" not in mail.body
    with app.app_context():
        assert db.session.get(Sanction, sanction_id).revoke_reason is None


def test_too_long_a_reason_keeps_the_measure_and_the_text(app, world, mo):
    sanction_id = _suspend(app, mo, world["ann"])
    sent = len(outbox(app))
    reason = "Because " + "x" * 2000
    refused = mo.post(f"/moderation/sanctions/{sanction_id}/revoke", data={"reason": reason})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "limited to 2,000 characters" in html
    assert f'value="{reason}"' in html  # typed text shown again in that measure's form
    with app.app_context():
        assert [s.id for s in service.active_sanctions(db.session, world["ann"])] == [sanction_id]
    assert len(outbox(app)) == sent


def test_a_measure_that_has_ended_cannot_be_lifted(app, world, mo):
    sanction_id = _suspend(app, mo, world["ann"])
    with app.app_context():
        db.session.get(Sanction, sanction_id).ends_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    ended = mo.post(f"/moderation/sanctions/{sanction_id}/revoke", data={"reason": "Late."})
    assert ended.status_code == 404 and "not in force" in ended.get_data(as_text=True)


def test_a_welsh_reader_is_told_in_welsh(app, world, mo):
    with app.app_context():
        db.session.get(User, world["ann"]).language = "cy"
        db.session.commit()
    sanction_id = _suspend(app, mo, world["ann"])
    assert mo.post(f"/moderation/sanctions/{sanction_id}/revoke", data={"reason": "Apêl."}).status_code == 303
    mail = outbox(app)[0]
    assert mail.subject == "Caiff eich cyfrif bostio sylwadau eto"
    assert "Y rheswm: Apêl." in mail.body
