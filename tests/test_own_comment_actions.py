"""An author finds Edit and Withdraw on their own comment where they read it, and is told until when."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from consult.extensions import db
from consult.models import Comment, utcnow
from tests.helpers import PARKING


def test_the_author_sees_edit_until_and_withdraw_on_the_paragraph_page_others_do_not(
        app, client, auth, make_consultation, make_user, make_comment):
    made = make_consultation("parking", PARKING)
    anchor = made.anchors["Visitors pay by the hour."]
    ann = make_user("ann@example.org", name="Ann")
    comment_id = make_comment(made.id, ann, "Hourly fees hurt carers.", anchor)
    page_url = f"/c/parking/p/{anchor}"
    edit, withdraw = f'href="/me/comments/{comment_id}/edit"', f'href="/me/comments/{comment_id}/withdraw"'
    anonymous = client.get(page_url).get_data(as_text=True)
    assert edit not in anonymous and withdraw not in anonymous
    auth.login(make_user("bob@example.org", name="Bob"))
    bobs = client.get(page_url).get_data(as_text=True)
    assert edit not in bobs and withdraw not in bobs and "Report" in bobs
    auth.login(ann)
    anns = client.get(page_url).get_data(as_text=True)
    assert edit in anns and withdraw in anns and "(until " in anns
    mine = client.get("/me/comments").get_data(as_text=True)
    assert "within 15 minutes of its publication" in mine and "(until " in mine
    with app.app_context():  # 16 minutes later only withdrawing is left
        db.session.scalar(select(Comment).where(Comment.id == comment_id)).published_at = \
            utcnow() - timedelta(minutes=16)
        db.session.commit()
    later = client.get(page_url).get_data(as_text=True)
    assert edit not in later and withdraw in later
