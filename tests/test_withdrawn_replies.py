"""A withdrawn comment's published replies stay on the page, under a note that it was withdrawn."""
from __future__ import annotations

from consult.comments.service import withdraw_comment
from consult.extensions import db
from tests.helpers import PARKING


def test_replies_stay_under_a_withdrawn_comment_and_a_lone_withdrawn_one_leaves(
        app, client, make_consultation, make_user, make_comment):
    made = make_consultation("parking", PARKING)
    anchor = made.anchors["Visitors pay by the hour."]
    ann, bob = make_user("ann@example.org", name="Ann"), make_user("bob@example.org", name="Bob")
    asked = make_comment(made.id, ann, "Why hourly fees at all?", anchor)
    make_comment(made.id, bob, "Because the car parks cost money to run.", anchor, parent_id=asked)
    alone = make_comment(made.id, ann, "A second thought nobody answered.", anchor)
    with app.app_context():
        withdraw_comment(db.session, asked, ann)
        withdraw_comment(db.session, alone, ann)
        db.session.commit()
    page = client.get(f"/c/parking/p/{anchor}").get_data(as_text=True)
    assert "Because the car parks cost money to run." in page  # Bob's reply is still there
    assert "Withdrawn by its author. The replies to it stay." in page
    assert page.count('class="placeholder"') == 1  # the unanswered one is simply gone
    assert "Why hourly fees at all?" not in page and "A second thought nobody answered." not in page
    assert f'id="comment-{asked}"' in page and f'id="comment-{alone}"' not in page
    assert "Comments on paragraph 1.2 <span class=\"count\">(1)</span>" in page  # Bob's reply
