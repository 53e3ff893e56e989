"""The archive's world: what test_archive, test_api and test_api_schema read, seeded once per test.

conftest.py offers it as the `archive_world` fixture (the ids of its comments, by state, with the
test inside the request context that seeded it, as the archive tests were written).
"""
from __future__ import annotations

from datetime import timedelta

from consult.comments.service import CommentInput, submit_comment, withdraw_comment
from consult.consultations.service import create_consultation, publish_version
from consult.extensions import db
from consult.models import Comment, CommentStatus, Response, Theme, ThemeComment, utcnow
from consult.users import create_user

DOC = """# Allotments

## 1. Waiting lists

Councils must keep a waiting list for allotment plots.

## 2. Water

Every site needs a standpipe for watering vegetables.
"""
DOC_V2 = DOC.replace("a standpipe", "a standpipe or rainwater storage")
PARKING = """# Parking <&> permits

## 1. Fees

Residents pay an annual fee for a parking permit.
"""


def _anchor(consultation, startswith: str) -> str:
    return next(p.anchor for p in consultation.versions[-1].paragraphs if p.text.startswith(startswith))


def _comment(c, anchor, user, body, key, now=None, **kw):
    comment, _ = submit_comment(db.session, c, anchor, user,
                                CommentInput(body=body, submission_key=key, **kw), now=now)
    return comment


def seed_archive() -> dict:
    """Two public consultations (one open with two versions, one closed and responded), a draft,
    and comments in every state; the comments' ids by what became of them. Call inside an app
    (or request) context."""
    now = utcnow()
    open_c = create_consultation(
        db.session, slug="allotments", files=[("a.md", DOC)], publish=True, moderation_mode="post",
        department="Department for Growing", summary="Plots and water.",
        opens_at=now - timedelta(days=10), closes_at=now + timedelta(days=3))
    db.session.flush()
    publish_version(db.session, open_c, [("a.md", DOC_V2)], note="Rainwater added.")
    closed = create_consultation(
        db.session, slug="parking", files=[("p.md", PARKING)], publish=True, moderation_mode="post",
        department="Department for Roads", opens_at=now - timedelta(days=400),
        closes_at=now - timedelta(days=370))
    create_consultation(db.session, slug="secret-draft", files=[("d.md", "# Draft\n\nHidden text.\n")])
    db.session.flush()
    greta = create_user(db.session, "greta.grower@example.org", "a-long-password", confirmed=True,
                        display_name="Greta Grower")
    shy = create_user(db.session, "shy.person@example.org", "a-long-password", confirmed=True,
                      display_name="Shy Person")
    org = create_user(db.session, "ops@allotment-society.example.org", "a-long-password", confirmed=True,
                      display_name="Society Officer")
    water = _anchor(open_c, "Every site")
    waiting = _anchor(open_c, "Councils")
    ids = {}
    ids["published"] = _comment(open_c, water, greta, "Rainwater butts would be cheaper than standpipes.", "g1").id
    ids["hidden_name"] = _comment(open_c, None, shy, "Please publish the waiting times for plots.", "s1",
                                  show_name=False).id
    ids["formula"] = _comment(open_c, waiting, org, "=SUM(1+2) is what the waiting list feels like",
                              "o1", respondent_type="organisation", organisation="Allotment Society").id
    ids["reply"] = _comment(open_c, water, shy, "Agreed, butts are cheaper.", "s2",
                            parent_id=ids["published"], show_name=False).id
    ids["rejected"] = _comment(open_c, water, greta, "Rejected zucchini rant about standpipes.", "g2").id
    ids["withdrawn"] = _comment(open_c, water, greta, "Withdrawn marrow musing about standpipes.", "g3").id
    db.session.flush()
    rejected = db.session.get(Comment, ids["rejected"])
    rejected.status, rejected.published_at = CommentStatus.REJECTED.value, None
    withdraw_comment(db.session, ids["withdrawn"], greta.id)
    open_c.moderation_mode = "pre"
    ids["pending"] = _comment(open_c, water, org, "Pending pumpkin proposal for standpipes.", "o2").id
    # The closed consultation: a comment made while it was open, a theme and a published response.
    fees = _anchor(closed, "Residents")
    ids["parking"] = _comment(closed, fees, greta, "Permit fees should fall for electric cars.", "g4",
                              now=now - timedelta(days=380)).id
    db.session.flush()
    theme = Theme(consultation_id=closed.id, title="Fees for electric cars", said="Lower fees.",
                  outcome="no_change", reasons="Fees cover costs.")
    db.session.add(theme)
    db.session.flush()
    db.session.add(ThemeComment(theme_id=theme.id, comment_id=ids["parking"]))
    db.session.add(Response(consultation_id=closed.id, summary="We kept the fees as they are.",
                            next_steps="Review next year.", from_version=1,
                            published_at=now - timedelta(days=360)))
    closed.responded_at = now - timedelta(days=360)
    db.session.commit()
    assert db.session.get(Comment, ids["published"]).status == "published"
    assert db.session.get(Comment, ids["pending"]).status == "pending"
    return ids


# Words that stand only in comments that are not public (rejected, withdrawn, pending) or in the
# draft: no page, download or feed may show them.
UNPUBLISHED_WORDS = ("zucchini", "marrow", "pumpkin", "Hidden text")
