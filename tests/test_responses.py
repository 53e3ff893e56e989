"""The response module in the browser: analysis, themes, counting every comment, publishing."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.comments.service import CommentInput, submit_comment
from consult.consultations.service import create_consultation, publish_version
from consult.extensions import db
from consult.models import Comment, CommentStatus, Consultation, Notification, Theme, User, utcnow
from consult.responses.views import heat_levels
from moderation import service as moderation
from moderation.models import QueueItem
from tests.helpers import PARKING, PARKING_V2
from tests.support.jobs import run_jobs

DOC, DOC_V2 = PARKING, PARKING_V2

YEARLY = "Residents pay a yearly fee for a permit."
HOURLY = "Visitors pay by the hour."
ZONES = "The town is split into four zones."
CAMPAIGN = "Zones must follow the ward boundaries so that neighbours share one zone."


@pytest.fixture
def world(app, make_user):
    """A consultation with published comments on three paragraphs, a second version, closed."""
    with app.app_context():
        now = utcnow()
        c = create_consultation(
            db.session, slug="parking", files=[("parking.md", DOC)], publish=True,
            opens_at=now - timedelta(days=10), closes_at=now + timedelta(days=10),
            moderation_mode="post")
        official = make_user(name="Olive", role="official")
        other_official = make_user(name="Oscar", role="official")
        citizen = make_user(name="Nobody")
        anchors = {p.text: p.anchor for p in c.versions[0].paragraphs}
        ids = {}

        def say(name, anchor_text, body, days_ago, key, **extra):
            author = db.session.scalar(select(User).where(User.display_name == name)) \
                or db.session.get(User, make_user(name=name))
            comment, _ = submit_comment(
                db.session, c, anchors[anchor_text] if anchor_text else None, author,
                CommentInput(body=body, submission_key=key, **extra),
                now=now - timedelta(days=days_ago))
            ids[key] = comment.id

        say("Ann", YEARLY, "The yearly permit fee is too expensive for pensioners.", 5, "ann",
            stance="oppose")
        say("Bob", YEARLY, "A yearly fee hurts carers who visit every day; it is expensive.", 4,
            "bob", stance="oppose", respondent_type="organisation", organisation="Carers Trust")
        say("Cat", HOURLY, "Hourly visitor charges are fair.", 4, "cat", stance="support")
        say("Dan", None, "Please think about cycle lanes as well.", 3, "dan")
        for name in ("Eve", "Fay", "Gus"):
            say(name, ZONES, CAMPAIGN, 2, name.lower())
        # The third identical text made a campaign group, held for review: a moderator approves it.
        held = db.session.scalars(select(QueueItem.id).where(QueueItem.campaign_key.is_not(None))).all()
        assert len(held) == 1
        with app.test_request_context():  # the author is told by mail, with links
            moderation.decide_many(db.session, held, make_user(name="Mo", role="moderator"),
                                   moderation.DecisionRequest("approve"))
        publish_version(db.session, c, [("parking.md", DOC_V2)], "Fees are now monthly.")
        c.closes_at = now - timedelta(minutes=1)
        db.session.commit()
        statuses = {k: db.session.get(Comment, v).status for k, v in ids.items()}
        assert set(statuses.values()) == {CommentStatus.PUBLISHED.value}, statuses
        return {"slug": c.slug, "official": official, "official2": other_official,
                "citizen": citizen, "ids": ids, "anchors": anchors}


def _create_theme(client, title, keywords=""):
    response = client.post("/manage/parking/themes/new", data={"title": title, "keywords": keywords})
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _assign(client, theme_id, *comment_ids, return_to=""):
    return client.post("/manage/parking/assign", data={
        "theme_id": theme_id, "comment_ids": [str(i) for i in comment_ids], "return_to": return_to})


def _theme_ids(app, theme_id):
    with app.app_context():
        from consult.models import ThemeComment
        return set(db.session.scalars(select(ThemeComment.comment_id)
                                      .where(ThemeComment.theme_id == theme_id)))


def _revision(app, theme_id):
    with app.app_context():
        return db.session.get(Theme, theme_id).revision


def _save_theme(client, app, theme_id, revision=None, **fields):
    data = {"title": "A theme", "said": "", "outcome": "", "reasons": "", "keywords": "",
            "revision": str(_revision(app, theme_id) if revision is None else revision)}
    data.update(fields)
    return client.post(f"/manage/parking/themes/{theme_id}", data=data)


# --------------------------------------------------------------------------- pure


def test_heat_levels_are_quantiles_of_the_non_zero_counts():
    levels = heat_levels({"a": 0, "b": 1, "c": 2, "d": 3, "e": 40, "f": 1})
    assert levels["a"] == 0
    assert levels["b"] == levels["f"] >= 1
    assert levels["b"] < levels["c"] < levels["d"] < levels["e"] == 5
    assert heat_levels({"only": 7, "none": 0}) == {"only": 5, "none": 0}
    assert heat_levels({}) == {}


# --------------------------------------------------------------------------- access


def test_official_pages_refuse_citizens_and_send_visitors_to_sign_in(client, app, world, auth):
    pages = ["/manage/parking/analysis", "/manage/parking/themes", "/manage/parking/uncounted",
             "/manage/parking/comments/search?q=fee", "/manage/parking/response",
             "/manage/parking/response/publish"]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"], page
    auth.login(world["citizen"])
    for page in pages:
        assert client.get(page).status_code == 403, page
    assert client.post("/manage/parking/themes/new", data={"title": "x"}).status_code == 403
    # The public response does not exist before it is published.
    assert client.get("/c/parking/response").status_code == 404
    assert client.get("/c/parking/response.md").status_code == 404


# --------------------------------------------------------------------------- analysis


def test_analysis_shows_counts_per_paragraph_stance_respondents_chart_and_campaigns(client, app, world, auth):
    auth.login(world["official"])
    html = client.get("/manage/parking/analysis").get_data(as_text=True)
    assert "7 published comments" in html
    # The heat strip: the yearly-fee paragraph (2 comments) and the zones paragraph (3).
    yearly, zones = world["anchors"][YEARLY], world["anchors"][ZONES]
    assert re.search(rf'p={yearly}#paragraph-comments">\s*<span class="heat-number">1.1</span>\s*'
                     r'<span class="heat-bar heat-\d"', html)
    assert re.search(r'heat-5" aria-hidden="true"></span>\s*<span class="heat-count">3<', html)
    assert "removed in a later version" in html  # the hourly paragraph left in version 2
    assert 'style="' not in html and "<script>" not in html
    assert "<th scope=\"row\">Oppose</th><td>2</td>" in html
    assert "<th scope=\"row\">Support</th><td>1</td>" in html
    assert "<li><bdi>Carers Trust</bdi> (1)</li>" in html
    assert '<svg class="chart" role="img"' in html and "<rect" in html
    assert CAMPAIGN[:40] in html and "<td>3</td>" in html
    assert "7 not yet counted" in html
    # Long documents: the strip can show only the paragraphs with comments (staff walkthrough:
    # 606 rows, most "0 comments").
    assert "Show only the 2 paragraphs with comments</a>" in html
    only = client.get("/manage/parking/analysis?commented=1").get_data(as_text=True)
    assert "Showing the 2 paragraphs with comments." in only
    strip = only[only.index('class="heat-strip"'):only.index("</ol>", only.index('class="heat-strip"'))]
    assert re.findall(r'<span class="heat-number">([\d.]+)</span>', strip) == ["1.1", "2.1"]
    # A paragraph's own comments, ready to be ticked and counted.
    html = client.get(f"/manage/parking/analysis?p={zones}").get_data(as_text=True)
    assert "Comments on paragraph 2.1 (3)" in html
    assert html.count('name="comment_ids"') == 3
    assert 'form="assign-paragraph"' in html
    html = client.get("/manage/parking/analysis?p=whole-document").get_data(as_text=True)
    assert "Comments on the whole document (1)" in html
    assert "cycle lanes" in html


# --------------------------------------------------------------------------- themes


def test_themes_assign_one_by_one_in_bulk_and_from_search_merge_and_suggest(client, app, world, auth):
    ids = world["ids"]
    auth.login(world["official"])
    cost = _create_theme(client, "Cost of permits", keywords="expensive fee")
    carers = _create_theme(client, "Carers")
    page = client.get(f"/manage/parking/themes/{cost}").get_data(as_text=True)
    # Suggestions: uncounted comments sharing the key words.
    assert "Suggested comments" in page
    assert f'value="{ids["ann"]}"' in page and f'value="{ids["bob"]}"' in page
    assert f'value="{ids["cat"]}"' not in page

    # One by one (the theme page's suggestion list sends one tick).
    response = _assign(client, cost, ids["ann"], return_to=f"/manage/parking/themes/{cost}")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/themes/{cost}")
    assert _theme_ids(app, cost) == {ids["ann"]}
    # In bulk, from a paragraph's comments on the analysis page.
    back = f"/manage/parking/analysis?p={world['anchors'][YEARLY]}#paragraph-comments"
    response = _assign(client, carers, ids["ann"], ids["bob"], return_to=back)
    assert response.headers["Location"].endswith(back)
    assert _theme_ids(app, carers) == {ids["ann"], ids["bob"]}
    html = client.get(back).get_data(as_text=True)
    assert "2 comments counted under “Carers”." in html
    assert "Counted under:" in html
    # From a search.
    html = client.get("/manage/parking/comments/search?q=hourly+charges").get_data(as_text=True)
    assert "1 comment found" in html and f'value="{ids["cat"]}"' in html
    visitors = _create_theme(client, "Visitors")
    response = _assign(client, visitors, ids["cat"],
                       return_to="/manage/parking/comments/search?q=hourly+charges")
    assert response.headers["Location"].endswith("/comments/search?q=hourly+charges")
    assert _theme_ids(app, visitors) == {ids["cat"]}
    # A comment may belong to several themes; an open redirect is not followed.
    response = _assign(client, visitors, ids["ann"], return_to="https://evil.example/")
    assert response.headers["Location"].endswith("/manage/parking/uncounted")
    assert ids["ann"] in _theme_ids(app, visitors) and ids["ann"] in _theme_ids(app, cost)

    # Bad input: no tick, no theme, a foreign comment: clear messages, never a 500.
    for data in ({"theme_id": cost}, {"comment_ids": [str(ids["dan"])]},
                 {"theme_id": cost, "comment_ids": ["999999"]},
                 {"theme_id": "999999", "comment_ids": [str(ids["dan"])]},
                 # "²" passes str.isdigit() but not int().
                 {"theme_id": cost, "comment_ids": ["\u00b2"]},
                 # Beyond what a database integer holds.
                 {"theme_id": "9" * 30, "comment_ids": [str(ids["dan"])]},
                 {"theme_id": cost, "comment_ids": ["9" * 30]}):
        response = client.post("/manage/parking/assign", data=data, follow_redirects=True)
        assert response.status_code == 200
        assert "flash-error" in response.get_data(as_text=True)

    # Merge "Carers" into "Cost of permits": the comments move, the theme is retired.
    response = client.post(f"/manage/parking/themes/{carers}/merge", data={"into": str(cost)})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/themes/{cost}")
    assert _theme_ids(app, cost) == {ids["ann"], ids["bob"]}
    assert _theme_ids(app, carers) == set()
    html = client.get("/manage/parking/themes").get_data(as_text=True)
    assert ">Carers</a>" not in html and ">Cost of permits</a>" in html
    html = client.get(f"/manage/parking/themes/{carers}").get_data(as_text=True)
    assert "This theme was merged into" in html
    response = client.post(f"/manage/parking/themes/{cost}/merge", data={"into": str(cost)},
                           follow_redirects=True)
    assert "Choose two different themes" in response.get_data(as_text=True)
    response = client.post(f"/manage/parking/themes/{cost}/merge", data={"into": "\u00b2"},
                           follow_redirects=True)
    assert response.status_code == 200 and "flash-error" in response.get_data(as_text=True)
    # A retired theme takes no more comments and cannot be merged into.
    response = _assign(client, carers, ids["dan"], return_to="/manage/parking/uncounted")
    assert response.status_code == 303
    assert ids["dan"] not in _theme_ids(app, carers)
    response = client.post(f"/manage/parking/themes/{visitors}/merge", data={"into": str(carers)},
                           follow_redirects=True)
    assert "was merged into another theme" in response.get_data(as_text=True)
    assert _theme_ids(app, visitors) == {ids["cat"], ids["ann"]}

    # Remove a comment from a theme.
    response = client.post(f"/manage/parking/themes/{visitors}/unassign",
                           data={"comment_id": str(ids["ann"])})
    assert response.status_code == 303
    assert _theme_ids(app, visitors) == {ids["cat"]}


def test_uncounted_list_and_marking_a_comment_considered(client, app, world, auth):
    ids = world["ids"]
    auth.login(world["official"])
    html = client.get("/manage/parking/uncounted").get_data(as_text=True)
    assert '<strong class="uncounted-total">7</strong>' in html
    response = client.post(f"/manage/parking/comments/{ids['dan']}/consider",
                           data={"note": "About cycling, outside this policy.",
                                 "return_to": "/manage/parking/uncounted"})
    assert response.status_code == 303
    html = client.get("/manage/parking/uncounted").get_data(as_text=True)
    assert '<strong class="uncounted-total">6</strong>' in html
    assert "cycle lanes" not in html
    # With no reason chosen from the list, the note must give one.
    response = client.post(f"/manage/parking/comments/{ids['ann']}/consider", data={"note": " "},
                           follow_redirects=True)
    assert "choose a reason from the list, or write one in the note." in response.get_data(as_text=True)
    assert client.post("/manage/parking/comments/999999/consider",
                       data={"note": "x"}, follow_redirects=True).status_code == 200


def test_a_theme_edit_refuses_unknown_paragraphs_and_concurrent_saves_keeping_the_text(client, app, world, auth):
    auth.login(world["official"])
    theme_id = _create_theme(client, "Cost of permits")
    html = client.get(f"/manage/parking/themes/{theme_id}").get_data(as_text=True)
    assert 'name="revision" type="hidden" value="1"' in html
    # The paragraph list names every version's paragraphs with their numbers.
    assert "1.2 (version 1 only): Visitors pay by the hour." in html
    assert "2.2: Zones are reviewed every year." in html

    response = _save_theme(client, app, theme_id, title="Cost of permits",
                           said="People find the fee steep.", anchors=["no-such-paragraph"])
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "No version of the document has the paragraph(s) no-such-paragraph." in html
    assert "People find the fee steep." in html
    assert _revision(app, theme_id) == 1

    # Two officials open the theme at revision 1; the first saves, the second is told.
    response = _save_theme(client, app, theme_id, revision=1, title="Cost of permits",
                           said="First official's words.")
    assert response.status_code == 303
    other = auth.client_for(world["official2"])
    response = _save_theme(other, app, theme_id, revision=1, title="Permit costs",
                           said="Second official's careful words.", outcome="no_change")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "since you opened it" in html
    assert "Second official&#39;s careful words." in html  # the typed text is kept
    assert "First official&#39;s words." in html  # and theirs is shown beside it
    assert 'name="revision" type="hidden" value="2"' in html
    with app.app_context():
        assert db.session.get(Theme, theme_id).said == "First official's words."
    # Saving again from the refused form now goes through, deliberately.
    response = _save_theme(other, app, theme_id, revision=2, title="Permit costs",
                           said="Second official's careful words.", outcome="no_change")
    assert response.status_code == 303
    # A made-up outcome is refused with a message.
    response = _save_theme(client, app, theme_id, title="x", outcome="maybe")
    assert response.status_code == 400 and "Choose an outcome" in response.get_data(as_text=True)


# --------------------------------------------------------------------------- publishing


def _count_everything(client, app, world):
    ids = world["ids"]
    cost = _create_theme(client, "Cost of permits")
    visitors = _create_theme(client, "Visitors")
    zones = _create_theme(client, "Zone boundaries")
    _assign(client, cost, ids["ann"], ids["bob"])
    _assign(client, visitors, ids["cat"])
    _assign(client, zones, ids["eve"], ids["fay"], ids["gus"])
    client.post(f"/manage/parking/comments/{ids['dan']}/consider", data={"note": "Out of scope."})
    return cost, visitors, zones


def test_publishing_is_refused_with_a_list_until_everything_is_counted_then_tells_everyone(client, app, world, auth):
    ids, anchors = world["ids"], world["anchors"]
    auth.login(world["official"])
    assert "Publish the response to" in client.get("/manage/parking/response/publish").get_data(as_text=True)

    # Comments not yet counted: refused, with the list. (Merged away later: it needs a title of
    # its own, since two live themes may not share one.)
    first = _create_theme(client, "Permit prices")
    response = client.post("/manage/parking/response/publish")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "7 published comments are not yet counted" in html
    assert f"<li>#{ids['ann']} on 1.1: The yearly permit fee" in html
    assert f"<li>#{ids['dan']} on the whole document" in html

    # Everything counted, but themes without an outcome: refused, naming them.
    client.post(f"/manage/parking/themes/{first}/merge", data={"into": "0"})
    cost, visitors, zones = _count_everything(client, app, world)
    _assign(client, first, ids["ann"])
    client.post(f"/manage/parking/themes/{first}/merge", data={"into": str(cost)})
    response = client.post("/manage/parking/response/publish")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Every theme needs an outcome before publishing." in html
    assert "<li>Visitors</li>" in html and "<li>Zone boundaries</li>" in html

    assert _save_theme(client, app, cost, title="Cost of permits", outcome="changed",
                       said="The yearly fee is a burden.", reasons="Fees are now monthly.",
                       anchors=[anchors[YEARLY]]).status_code == 303
    assert _save_theme(client, app, visitors, title="Visitors", outcome="changed",
                       said="Hourly charges are fair.", reasons="We removed the paragraph.",
                       anchors=[anchors[HOURLY]]).status_code == 303
    assert _save_theme(client, app, zones, title="Zone boundaries", outcome="further_work",
                       said="Zones should follow wards.", reasons="We will review zones.").status_code == 303

    # No summary yet: refused. Then the draft, with its preview.
    response = client.post("/manage/parking/response/publish")
    assert response.status_code == 409 and "Write the overall summary" in response.get_data(as_text=True)
    response = client.post("/manage/parking/response", data={
        "summary": "Seven people commented.", "next_steps": "Monthly fees start in April.",
        "from_version": "1", "to_version": "2"})
    assert response.status_code == 303
    html = client.get("/manage/parking/response").get_data(as_text=True)
    assert "Preview: the response as the public will see it" in html
    assert "<del>yearly</del>" in html and "<ins>monthly</ins>" in html
    response = client.post("/manage/parking/response", data={"summary": "x", "from_version": "9"})
    assert response.status_code == 400 and "has no version 9" in response.get_data(as_text=True)

    response = client.post("/manage/parking/response/publish")
    assert response.status_code == 303 and response.headers["Location"].endswith("/c/parking/response")
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "parking"))
        assert consultation.status.value == "responded"
        assert list(db.session.scalars(select(Notification).where(Notification.kind == "response"))) == []
    assert run_jobs(app) >= 1  # the job telling every participant, then their mail
    with app.app_context():
        notes = list(db.session.scalars(select(Notification).where(Notification.kind == "response")))
        authors = {db.session.get(Comment, i).author_id for i in ids.values()}
        assert {n.user_id for n in notes} == authors
        by_user = {n.user_id: n for n in notes}
        ann = by_user[db.session.get(Comment, ids["ann"]).author_id]
        assert "/c/parking/response" in ann.link
        assert f"/c/parking/response#theme-{cost}" in ann.body
        eve = by_user[db.session.get(Comment, ids["eve"]).author_id]
        assert f"#theme-{zones}" in eve.body

    # The public response.
    client.get("/logout")
    html = client.get("/c/parking/response").get_data(as_text=True)
    for theme_id in (cost, visitors, zones):
        assert f'id="theme-{theme_id}"' in html
    assert "Seven people commented." in html and "Monthly fees start in April." in html
    cost_section = html.split(f'id="theme-{cost}"')[1].split("</section>")[0]
    assert f'<dt>Comments</dt><dd><a href="/c/parking/response/themes/{cost}">2<' in cost_section
    assert "<dt>Organisations</dt><dd><bdi>Carers Trust</bdi></dd>" in cost_section
    assert "We changed the text" in cost_section
    assert "<del>yearly</del>" in cost_section and "<ins>monthly</ins>" in cost_section
    visitors_section = html.split(f'id="theme-{visitors}"')[1].split("</section>")[0]
    assert "Removed" in visitors_section and "<del>Visitors pay by the hour.</del>" in visitors_section
    zones_section = html.split(f'id="theme-{zones}"')[1].split("</section>")[0]
    assert f'<dt>Comments</dt><dd><a href="/c/parking/response/themes/{zones}">3<' in zones_section
    assert "Further work" in zones_section
    assert 'style="' not in html and "<script>" not in html
    # The consultation's own page links to it.
    assert 'href="/c/parking/response">Read the department’s response</a>' in client.get(
        "/c/parking").get_data(as_text=True)

    # Ann's "My comments" says where her comment was counted, linking to the theme.
    with app.app_context():
        ann = db.session.scalar(select(User).where(User.display_name == "Ann")).id
    auth.login(ann)
    mine = client.get("/me/comments").get_data(as_text=True)
    assert "The department's response counted this comment under:" in mine
    assert f'href="/c/parking/response#theme-{cost}">Cost of permits</a>' in mine

    # Publishing twice is refused; themes can no longer change.
    auth.login(world["official"])
    response = client.post("/manage/parking/response/publish")
    assert response.status_code == 409 and "already published" in response.get_data(as_text=True)
    response = _save_theme(client, app, cost, title="Changed later", outcome="changed")
    assert response.status_code == 409 and "dated correction" in response.get_data(as_text=True)

    response = _assign(client, visitors, ids["ann"], return_to="/manage/parking/uncounted")
    assert ids["ann"] not in _theme_ids(app, visitors)
    assert "comments can no longer be counted differently" in client.get(
        "/manage/parking/uncounted").get_data(as_text=True)
    client.post(f"/manage/parking/themes/{cost}/unassign", data={"comment_id": str(ids["ann"])})
    assert ids["ann"] in _theme_ids(app, cost)

    # A dated correction, shown on the public page and in the download.
    response = client.post("/manage/parking/response/correct", data={"note": "Fees start in May."})
    assert response.status_code == 303
    html = client.get("/c/parking/response").get_data(as_text=True)
    assert 'id="corrections"' in html and "Fees start in May." in html
    assert re.search(r"Correction, <time datetime=\"[^\"]+\">\d{1,2} \w+ \d{4}</time>", html)
    assert client.post("/manage/parking/response/correct", data={"note": ""}).status_code == 400

    response = client.get("/c/parking/response.md")
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert response.headers["Content-Disposition"] == 'attachment; filename="parking-response.md"'
    text = response.get_data(as_text=True)
    assert text.startswith("# Response: Parking Policy")
    assert "## Cost of permits" in text and "Fees start in May." in text


def test_publishing_before_the_close_is_refused(client, app, world, auth):
    auth.login(world["official"])
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "parking"))
        consultation.closes_at = utcnow() + timedelta(days=1)
        db.session.commit()
    _count_everything(client, app, world)
    response = client.post("/manage/parking/response/publish")
    assert response.status_code == 409
    assert "once the consultation has closed" in response.get_data(as_text=True)


def test_a_correction_needs_a_published_response(client, app, world, auth):
    auth.login(world["official"])
    response = client.post("/manage/parking/response/correct", data={"note": "Too early."})
    assert response.status_code == 409
    assert "Only a published response can be corrected" in response.get_data(as_text=True)
