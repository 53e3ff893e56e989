"""The moderation domain: intake, decisions (one winner), flags, appeals, sanctions, statistics."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from helpers import fresh_app
from sqlalchemy import func, select

from consult.comments.service import CommentError, CommentInput, edit_comment, submit_comment
from consult.consultations.service import create_consultation
from consult.extensions import db
from consult.models import Consultation, Notification, User, utcnow
from moderation import service
from moderation.models import AppendOnlyError, AuditEntry, Decision, QueueItem

DOC = "# Roads\n\n## 1. Speed\n\nThe limit is 20mph in town.\n\nCameras enforce it.\n"


@pytest.fixture
def ctx(app, make_consultation, make_user):
    """An app context with a consultation, a citizen and two moderators."""
    people = [("ann", "citizen"), ("bob", "citizen"), ("cat", "citizen"),
              ("mod1", "moderator"), ("mod2", "moderator")]
    with app.test_request_context():
        made = make_consultation("roads", DOC, "pre", closes_at=utcnow() + timedelta(days=5))
        ids = {name: make_user(f"{name}@example.org", role=role, name=name) for name, role in people}
        users = {name: db.session.get(User, user_id) for name, user_id in ids.items()}
        yield {"c": db.session.get(Consultation, made.id), "u": users, "anchor": made.anchors["Cameras enforce it."]}
        db.session.rollback()


def post(ctx, who="ann", body="Cameras are fine.", key=None):
    comment, _ = submit_comment(db.session, ctx["c"], ctx["anchor"], ctx["u"][who],
                                CommentInput(body=body, submission_key=key or f"{who}-{body}"[:60]))
    db.session.commit()
    return comment


def item_for(comment) -> QueueItem:
    return db.session.scalar(select(QueueItem).where(QueueItem.comment_id == comment.id)
                             .order_by(QueueItem.id.desc()))


def test_pre_moderation_holds_every_comment_until_approved(ctx):
    comment = post(ctx)
    assert comment.status == "pending"
    item = item_for(comment)
    assert item.state == "waiting" and item.source == "pre"
    service.decide(db.session, item.id, ctx["u"]["mod1"].id, service.DecisionRequest("approve"))
    db.session.commit()
    assert comment.status == "published" and comment.published_at is not None
    note = db.session.scalars(select(Notification)).one()
    assert "approved" in note.subject


def test_post_moderation_publishes_at_once_but_holds_screened_comments(ctx):
    ctx["c"].moderation_mode = "post"
    ok = post(ctx, body="Cameras save lives.")
    held = post(ctx, body="Call me on 07700 900123 about cameras.")
    assert ok.status == "published"
    assert held.status == "pending"
    assert "phone number" in held.status_reason
    assert item_for(held).reasons[0]["rule"] == "personal-information"


def test_reject_needs_a_known_rule_and_tells_the_author_which(ctx):
    comment = post(ctx)
    item = item_for(comment)
    mod = ctx["u"]["mod1"].id
    with pytest.raises(service.ModerationError, match="Cite the house rule"):
        service.decide(db.session, item.id, mod, service.DecisionRequest("reject"))
    with pytest.raises(service.ModerationError,
                       match="That house rule has changed since you opened this page: read the rules again"):
        service.decide(db.session, item.id, mod, service.DecisionRequest("reject", ["no-such-rule"]))
    with pytest.raises(service.ModerationError, match="limit is 2,000"):
        service.decide(db.session, item.id, mod, service.DecisionRequest("reject", ["no-abuse"], "x" * 2001))
    decision = service.decide(db.session, item.id, mod, service.DecisionRequest("reject", ["no-abuse"]))
    db.session.commit()
    assert decision.rules_version == 1
    assert comment.status == "rejected"
    assert comment.status_reason == "Not published under rule 3 (No abuse, threats or discrimination)."
    body = db.session.scalars(select(Notification)).one().body
    assert "/house-rules?version=1#no-abuse" in body and "appeal within 30 days" in body


def test_two_moderators_deciding_the_same_item_exactly_one_wins(ctx):
    comment = post(ctx)
    item = item_for(comment)
    seen = item.version
    service.decide(db.session, item.id, ctx["u"]["mod1"].id,
                   service.DecisionRequest("approve", expected_version=seen))
    with pytest.raises(service.Conflict, match="^mod1 already decided: approved and published. "):
        service.decide(db.session, item.id, ctx["u"]["mod2"].id,
                       service.DecisionRequest("reject", ["no-abuse"], expected_version=seen))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Decision)) == 1
    assert comment.status == "published"


def test_decision_on_text_edited_meanwhile_is_refused(ctx):
    comment = post(ctx, body="First text")
    item = item_for(comment)
    seen = item.version
    edit_comment(db.session, comment.id, ctx["u"]["ann"].id, "Second text")
    db.session.commit()
    with pytest.raises(service.Conflict, match="changed while you were reading"):
        service.decide(db.session, item.id, ctx["u"]["mod1"].id,
                       service.DecisionRequest("approve", expected_version=seen))
    assert item_for(comment).text == "Second text"


def test_redaction_publishes_without_the_words_and_keeps_the_original_on_record(ctx):
    comment = post(ctx, body="Ring 07700 900123 to discuss cameras.")
    item = item_for(comment)
    spans = [s for r in item.reasons for s in r["spans"]]
    from moderation.screening import redact
    service.decide(db.session, item.id, ctx["u"]["mod1"].id, service.DecisionRequest(
        "redact", ["personal-information"], redacted_text=redact(item.text, spans)))
    db.session.commit()
    assert comment.status == "published"
    assert "07700" not in comment.body_html and "[removed]" in comment.body_html
    assert "07700" in item.text  # the original, for the record only
    assert "Some words were removed" in comment.status_reason


def test_bulk_decision_reports_items_someone_else_decided(ctx):
    comments = [post(ctx, who="ann", body=f"Point {i}") for i in range(3)]
    items = [item_for(c).id for c in comments]
    service.decide(db.session, items[1], ctx["u"]["mod2"].id, service.DecisionRequest("approve"))
    result = service.decide_many(db.session, items, ctx["u"]["mod1"].id,
                                 service.DecisionRequest("reject", ["on-topic"]))
    db.session.commit()
    assert len(result.decided) == 2 and [i for i, _ in result.conflicts] == [items[1]]
    assert [c.status for c in comments] == ["rejected", "published", "rejected"]


def test_campaign_texts_from_different_people_are_grouped_not_rejected(ctx):
    text = "I support lower speed limits everywhere in town."
    comments = [post(ctx, who=w, body=text) for w in ("ann", "bob", "cat")]
    keys = {item_for(c).campaign_key for c in comments}
    assert len(keys) == 1 and None not in keys
    assert sorted(service.campaign_items(db.session, keys.pop())) == sorted(item_for(c).id for c in comments)
    assert all(c.status == "pending" for c in comments)  # held by pre-moderation, not rejected


def test_near_identical_texts_join_one_campaign_group_and_are_held_together_in_post_moderation(ctx):
    ctx["c"].moderation_mode = "post"
    template = ("Please keep the visitor permits free for carers: they visit every day, often twice, "
                "and a fee would fall on the people least able to pay it.")
    first = post(ctx, who="ann", body=template)
    second = post(ctx, who="bob", body=f"Dear council, {template} My mother depends on it.")
    other = post(ctx, who="ann", body="Cameras near the school are welcome, but fix the potholes first.")
    third = post(ctx, who="cat", body=template.replace("often twice", "sometimes twice") + " Thanks.")
    # Nothing is held until three different people sent the text; then it waits, grouped.
    assert [first.status, second.status, other.status] == ["published"] * 3
    assert third.status == "pending"
    item = item_for(third)
    assert item.campaign_key and "campaign" in [r["code"] for r in item.reasons]
    assert "reviewed with the rest of its campaign group" in third.status_reason
    fourth = post(ctx, who="mod1", body=f"{template} I agree with my neighbours.")
    assert item_for(fourth).campaign_key == item.campaign_key
    assert sorted(service.campaign_items(db.session, item.campaign_key)) == sorted(
        [item.id, item_for(fourth).id])
    assert item_for(other) is None


def test_same_person_posting_the_same_text_again_is_held(ctx):
    ctx["c"].moderation_mode = "post"
    first = post(ctx, body="Cameras are a tax.", key="one")
    again = post(ctx, body="CAMERAS are a tax!", key="two")
    assert first.status == "published" and again.status == "pending"
    assert "posted before" in again.status_reason


def test_flags_hide_at_the_threshold_and_own_comment_cannot_be_flagged(ctx):
    ctx["c"].moderation_mode = "reactive"
    comment = post(ctx, body="Speed cameras are a scam.")
    assert comment.status == "published"
    kwargs = dict(comment_id=comment.id, consultation_id=comment.consultation_id,
                  comment_author_id=comment.author_id, comment_text=comment.body,
                  comment_revision=comment.revision, rule="no-abuse", threshold=2)
    with pytest.raises(service.ModerationError, match="your own comment"):
        service.flag(db.session, user_id=ctx["u"]["ann"].id, **kwargs)
    _, hidden = service.flag(db.session, user_id=ctx["u"]["bob"].id, **kwargs)
    assert not hidden
    with pytest.raises(service.ModerationError, match="already reported"):
        service.flag(db.session, user_id=ctx["u"]["bob"].id, **kwargs)
    _, hidden = service.flag(db.session, user_id=ctx["u"]["cat"].id, **kwargs)
    db.session.commit()
    assert hidden and comment.status == "pending"
    item = item_for(comment)
    assert item.source == "flags" and item.published
    service.decide(db.session, item.id, ctx["u"]["mod1"].id, service.DecisionRequest("reject", ["no-abuse"]))
    db.session.commit()
    assert comment.status == "removed"
    assert comment.status_reason == "Removed by a moderator under rule 3 (No abuse, threats or discrimination)."


def test_appeal_goes_to_another_moderator_once_and_within_30_days(ctx):
    comment = post(ctx)
    decision = service.decide(db.session, item_for(comment).id, ctx["u"]["mod1"].id,
                              service.DecisionRequest("reject", ["on-topic"]))
    db.session.commit()
    with pytest.raises(service.ModerationError, match="your own comments"):
        service.appeal(db.session, decision.id, ctx["u"]["bob"].id, "Not mine")
    late = decision.created_at + timedelta(days=31)
    with pytest.raises(service.ModerationError, match="within 30 days"):
        service.appeal(db.session, decision.id, ctx["u"]["ann"].id, "Too late", now=late)
    appeal = service.appeal(db.session, decision.id, ctx["u"]["ann"].id, "It is on topic: cameras.")
    with pytest.raises(service.ModerationError, match="already been appealed"):
        service.appeal(db.session, decision.id, ctx["u"]["ann"].id, "Again")
    with pytest.raises(service.ModerationError, match="another moderator must review"):
        service.decide(db.session, appeal.item_id, ctx["u"]["mod1"].id, service.DecisionRequest("approve"))
    service.decide(db.session, appeal.item_id, ctx["u"]["mod2"].id, service.DecisionRequest("approve"))
    db.session.commit()
    assert appeal.outcome == "overturned" and comment.status == "published"
    assert service.statistics(db.session)["overturned"] == 1


def test_suspended_user_is_told_why_and_until_when(ctx):
    # Noon UTC: the same date in the site's zone (the refusal shows the time as pages do).
    until = datetime.combine((utcnow() + timedelta(days=7)).date(), time(12))
    service.impose_sanction(db.session, ctx["u"]["ann"].id, "suspend", "Repeated abuse",
                            ctx["u"]["mod1"].id, ends_at=until)
    db.session.commit()
    with pytest.raises(CommentError, match=f"suspended from posting until {until:%-d %B %Y}.*Repeated abuse"):
        post(ctx)
    assert post(ctx, who="bob").status == "pending"


def test_premoderation_sanction_holds_even_in_post_moderation(ctx):
    ctx["c"].moderation_mode = "post"
    sanction = service.impose_sanction(db.session, ctx["u"]["ann"].id, "premoderate", "New account, spam",
                                       ctx["u"]["mod1"].id)
    assert post(ctx, body="Hello").status == "pending"
    service.revoke_sanction(db.session, sanction.id, ctx["u"]["mod1"].id)
    assert post(ctx, body="Hello again").status == "published"


def test_moderator_outside_assigned_consultations_is_refused(ctx):
    comment = post(ctx)
    other = create_consultation(db.session, slug="other", files=[("o.md", "# O\n\nText.\n")], publish=True)
    service.assign(db.session, ctx["u"]["mod1"].id, other.id, actor_id=ctx["u"]["mod2"].id)
    with pytest.raises(service.ModerationError, match="do not moderate this consultation"):
        service.decide(db.session, item_for(comment).id, ctx["u"]["mod1"].id, service.DecisionRequest("approve"))
    page = service.queue_page(db.session, service.QueueFilters(), moderator_id=ctx["u"]["mod1"].id)
    assert page.items == []


def test_queue_is_oldest_first_filterable_and_paginated_by_cursor(ctx):
    ctx["c"].moderation_mode = "post"
    for i in range(7):
        post(ctx, who="ann" if i % 2 else "bob", body=f"Email me{i}@example.org", key=f"k{i}")
    post(ctx, who="cat", body="See https://example.org/spam", key="link")
    filters = service.QueueFilters(reason="personal_data")
    first = service.queue_page(db.session, filters, limit=5)
    second = service.queue_page(db.session, filters, cursor=first.next_cursor, limit=5)
    texts = [i.text for i in first.items + second.items]
    assert texts == [f"Email me{i}@example.org" for i in range(7)]
    assert second.next_cursor is None
    links = service.queue_page(db.session, service.QueueFilters(reason="link"))
    assert [i.text for i in links.items] == ["See https://example.org/spam"]
    with pytest.raises(service.ModerationError, match="not valid"):
        service.queue_page(db.session, filters, cursor="garbage")


def test_every_action_is_audited_and_the_trail_is_append_only(ctx):
    comment = post(ctx)
    service.decide(db.session, item_for(comment).id, ctx["u"]["mod1"].id, service.DecisionRequest("approve"))
    db.session.commit()
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["held", "rules_published", "decided"]
    entry = db.session.scalars(select(AuditEntry)).first()
    entry.action = "tampered"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()


def test_house_rules_have_eight_numbered_rules_with_anchors(ctx):
    rules = service.current_rules(db.session).rules
    assert len(rules) == 8
    assert [r["anchor"] for r in rules][:2] == ["on-topic", "personal-information"]
    version = service.publish_rules(db.session, "# Rules\n\n## Be kind {#kind}\n\nPlease.\n", "Shorter", None)
    assert version.number == 2 and service.current_rules(db.session).rules[0]["anchor"] == "kind"
    with pytest.raises(service.ModerationError, match="at least one rule"):
        service.publish_rules(db.session, "# Rules\n\nNo headings here.\n", "bad", None)


@pytest.fixture
def pg_app(postgres_database, tmp_path):
    """The app on PostgreSQL only: SQLite serialises writers, so only there can two first
    publications truly race (init-db publishes the rules, so pages never have to)."""
    yield from fresh_app(postgres_database, tmp_path)


def test_two_first_visits_publishing_the_default_rules_at_once_both_get_one_version(pg_app, monkeypatch):
    """The loser of the race to publish the first rules reads the winner's, instead of failing."""
    from moderation.models import HouseRulesVersion

    app = pg_app

    real_publish = service.publish_rules

    def publish_after_someone_else(session, source, note, actor_id, number=None):
        with db.engine.begin() as other:  # the other request commits first
            other.execute(HouseRulesVersion.__table__.insert().values(
                number=1, source=source, rules=[], html="", note="theirs"))
        return real_publish(session, source, note, actor_id, number)

    with app.app_context():
        # current_rules calls publish_rules in its own module (moderation.service.rules).
        monkeypatch.setattr(service.rules, "publish_rules", publish_after_someone_else)
        version = service.current_rules(db.session)
        db.session.commit()
        assert version.number == 1 and version.note == "theirs"
        assert db.session.scalar(select(func.count()).select_from(HouseRulesVersion)) == 1


def test_init_db_publishes_the_first_house_rules(app, runner):
    from moderation.models import HouseRulesVersion

    with app.app_context():
        db.drop_all()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(HouseRulesVersion.number)) == 1


def test_an_appeal_outcome_cannot_be_appealed_and_no_earlier_moderator_decides_an_appeal(ctx, make_user):
    comment = post(ctx)
    mod1, mod2, ann = ctx["u"]["mod1"].id, ctx["u"]["mod2"].id, ctx["u"]["ann"].id
    first = service.decide(db.session, item_for(comment).id, mod1,
                           service.DecisionRequest("reject", ["on-topic"]))
    appeal = service.appeal(db.session, first.id, ann, "It is on topic.")
    outcome = service.decide(db.session, appeal.item_id, mod2,
                             service.DecisionRequest("reject", ["on-topic"]))
    db.session.commit()
    assert appeal.outcome == "upheld"
    assert service.can_appeal(db.session, first) is False  # appealed once
    assert service.can_appeal(db.session, outcome) is False  # the appeal's outcome is final
    with pytest.raises(service.ModerationError, match="outcome of an appeal is final"):
        service.appeal(db.session, outcome.id, ann, "Again")
    assert db.session.scalar(select(func.count()).select_from(QueueItem)
                             .where(QueueItem.source == "appeal")) == 1

    # Later the comment is decided again on a new matter, by a third person: its appeal may
    # be decided by none of the three.
    mod3 = make_user("mod3@example.org", role="moderator", name="mod3")
    again = QueueItem(comment_id=comment.id, consultation_id=ctx["c"].id, author_id=ann,
                      text=comment.body, source="flags", published=False)
    db.session.add(again)
    db.session.flush()
    third = service.decide(db.session, again.id, mod3, service.DecisionRequest("reject", ["no-spam"]))
    review = service.appeal(db.session, third.id, ann, "Not spam.")
    item = db.session.get(QueueItem, review.item_id)
    assert service.appeal_excluded(db.session, item) == sorted([mod1, mod2, mod3])
    for moderator in (mod1, mod2, mod3):
        assert service.claim(db.session, item.id, moderator) == (item, None)
        assert item.claimed_by is None
        with pytest.raises(service.ModerationError, match="another moderator must review"):
            service.decide(db.session, item.id, moderator, service.DecisionRequest("approve"))
    assert service.appeal_deciders(db.session, item) == []


def test_a_redaction_may_only_replace_the_authors_words_with_a_mark():
    from moderation.screening import not_in_original

    original = "Call me on 07700 900123\nabout the fees, Mr Jones."
    assert not_in_original(original, "Call me on [removed] about the fees, [removed].") is None
    assert not_in_original(original, "[wedi'i dynnu] about the  fees, [wedi'i dynnu]") is None  # Welsh; spaces
    assert not_in_original(original, "Call me on [removed] about the fees, Minister.") == "about the fees, Minister."
    assert not_in_original(original, "[removed] about the fees, Mr Jones. [removed] Call me on") == "Call me on"
    assert not_in_original(original, "Call me about the fees.") == "Call me about the fees."  # unmarked cut
    # Words cut without a mark at the end or the start are a rewording too (review).
    assert not_in_original(original, "Call me on [removed] about the fees,") == "about the fees,"
    assert not_in_original(original, "me on [removed] about the fees, Mr Jones.") == "me on"
