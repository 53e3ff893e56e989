"""Suggested themes and assisted counting, as an official meets them: proposing themes from the
comments, accepting one with its comments offered as a batch, reviewing a batch with its random
sample, corrections, learning from hand counts, the comments Consult is least sure about, and
what the published response says about the method. Jobs run on the app's real queue."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, insert, select, update
from support.jobs import run_jobs

from consult.extensions import db
from consult.models import (
    Comment,
    CommentStatus,
    Consultation,
    CountBatch,
    CountCorrection,
    CountSuggestion,
    SuggestionRun,
    Theme,
    ThemeComment,
    ThemeProposal,
)
from consult.responses import assist
from consult.responses import service as responses

# Three subjects people wrote about, in words of our own (no corpus text): each comment differs.
PARKING = ["parking permits cost too much for residents on {} street",
           "the parking charges near {} are far too high for families",
           "residents cannot afford the new parking permit fees in {}",
           "cheaper parking permits please, the fee rise in {} is unfair"]
BUSES = ["the bus to {} is always late and the timetable is wrong",
         "more buses at night would help people in {} get home",
         "the bus route through {} was cut and the stop is too far",
         "bus services to {} need to run every ten minutes at peak times"]
CYCLING = ["a protected cycle lane along {} would make riding safe",
           "cyclists on {} road share the lane with lorries, it is dangerous",
           "please build cycle paths and bike parking near {}",
           "the cycle lane in {} stops suddenly at the junction"]
PLACES = ["Mill", "Station", "Church", "Bridge", "Market", "Castle", "Park", "River", "Hill", "Green"]
CAMPAIGN = "Stop the parking permit fee rise now, residents deserve fair parking charges."


def _texts(templates: list[str], n: int) -> list[str]:
    return [templates[i % len(templates)].format(PLACES[i % len(PLACES)] + f" {i}") for i in range(n)]


def _add_comments(app, made, author_id: int, bodies: list[str]) -> list[int]:
    """Published comments straight into the table (the service's screening is not under test)."""
    with app.app_context():
        consultation = db.session.get(Consultation, made.id)
        version_id = consultation.versions[-1].id
        start = db.session.scalar(select(func.count()).select_from(Comment)) or 0
        rows = [{"consultation_id": made.id, "version_id": version_id, "author_id": author_id, "body": body,
                 "body_html": f"<p>{body}</p>", "status": CommentStatus.PUBLISHED.value,
                 "submission_key": f"assist-{start + i}"} for i, body in enumerate(bodies)]
        db.session.execute(insert(Comment), rows)
        db.session.commit()
        return list(db.session.scalars(select(Comment.id).where(Comment.consultation_id == made.id)
                                       .order_by(Comment.id)))[-len(bodies):]


@pytest.fixture
def world(app, make_consultation, make_user):
    """A consultation with 12 comments on each of parking, buses and cycling, and 10 copies of a
    parking campaign text; the slug, the comment ids by subject, and an official's id."""
    made = make_consultation(slug="parking")
    citizen = make_user(name="Cora Citizen")
    ids = {name: _add_comments(app, made, citizen, _texts(t, 12))
           for name, t in (("parking", PARKING), ("buses", BUSES), ("cycling", CYCLING))}
    ids["campaign"] = _add_comments(app, made, citizen, [CAMPAIGN] * 10)
    official = make_user(name="Olive Official", role="official")
    return {"slug": made.slug, "id": made.id, "ids": ids, "official": official}


def _html(response) -> str:
    return response.get_data(as_text=True)


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", _html(response)))


def _proposals(app, consultation_id: int) -> list[ThemeProposal]:
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        found = assist.open_proposals(db.session, consultation)
        db.session.expunge_all()
        return found


def _batch_form(html: str) -> dict[str, list[str]]:
    """The batch review form's fields as a browser would send them, every checkbox ticked."""
    form = html[html.index('id="batch-form"'):]
    form = form[:form.index("</form>")]
    fields: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and value:
            fields.setdefault(name.group(1), []).append(value.group(1))
    return fields


def test_proposed_themes_find_the_subjects_and_a_campaign_counts_once(app, auth, world):
    olive = auth.client_for(world["official"])
    overview = olive.get(f"/manage/{world['slug']}/suggestions/")
    assert overview.status_code == 200
    assert "No themes have been proposed yet." in _text(overview)
    assert "0 of 46 counted." in _text(overview)
    # The minimum is said before the official presses the button, not only after a job found too few.
    assert "Themes need at least 6 different published comments on what you choose." in _text(overview)

    started = olive.post(f"/manage/{world['slug']}/suggestions/themes", data={"anchor": ""})
    assert started.status_code == 303
    page = _text(olive.get(f"/manage/{world['slug']}/suggestions/"))
    assert "Waiting for a worker to start." in page  # the request only started the job
    assert run_jobs(app) >= 1

    proposals = _proposals(app, world["id"])
    assert len(proposals) >= 2
    subject = {i: name for name in ("parking", "buses", "cycling", "campaign") for i in world["ids"][name]}
    for proposal in proposals:  # each proposal is about one subject (campaign copies are parking)
        names = [subject[i] if subject[i] != "campaign" else "parking" for i in proposal.members]
        top = max(set(names), key=names.count)
        assert names.count(top) >= 0.75 * len(names), (proposal.label, names)
    by_subject = {name: max(proposals, key=lambda p: len(set(world["ids"][name]) & set(p.members)))
                  for name in ("parking", "buses", "cycling")}
    # The ten campaign copies are one text: they count once in the size, all ten are members.
    holder = next(p for p in proposals if set(world["ids"]["campaign"]) & set(p.members))
    assert set(world["ids"]["campaign"]) <= set(holder.members)
    assert holder.size <= len(holder.members) - 9

    page = _text(olive.get(f"/manage/{world['slug']}/suggestions/"))
    assert by_subject["buses"].label in page
    detail = _text(olive.get(f"/manage/{world['slug']}/suggestions/proposals/{by_subject['buses'].id}"))
    assert "Typical comments" in detail and "bus" in detail.lower()


def test_accepting_a_proposal_offers_its_comments_as_a_batch_and_nothing_is_counted_until_accepted(
        app, auth, world):
    olive = auth.client_for(world["official"])
    olive.post(f"/manage/{world['slug']}/suggestions/themes", data={"anchor": ""})
    run_jobs(app)
    cycling = set(world["ids"]["cycling"])
    chosen = max(_proposals(app, world["id"]), key=lambda p: len(cycling & set(p.members)))

    accepted = olive.post(f"/manage/{world['slug']}/suggestions/proposals/accept",
                          data={"proposal_ids": [str(chosen.id)], "title": "Safer cycling", "into": "",
                                "propose_members": "offer"})
    assert accepted.status_code == 303
    with app.app_context():
        theme = db.session.scalar(select(Theme).where(Theme.title == "Safer cycling"))
        assert theme is not None
        theme_id = theme.id
        assert db.session.scalar(select(func.count()).select_from(ThemeComment)) == 0  # nothing counted yet
    assert accepted.headers["Location"].endswith(f"/suggestions/batches/{theme_id}")
    review = olive.get(accepted.headers["Location"])
    html = _html(review)
    members = len(chosen.members)
    assert f"{members} comments are suggested with confidence for “Safer cycling”" in _text(review)
    fields = _batch_form(html)
    sample = fields["sample"]
    assert len(sample) == min(assist.SAMPLE_SIZE, members)
    # The official unticks one comment of the sample: it is a correction, the rest is counted.
    wrong = sample[0]
    fields["keep"] = [i for i in fields["keep"] if i != wrong]
    done = olive.post(f"/manage/{world['slug']}/suggestions/batches/{theme_id}", data=fields)
    assert done.status_code == 303
    with app.app_context():
        links = list(db.session.scalars(select(ThemeComment).where(ThemeComment.theme_id == theme_id)))
        assert len(links) == members - 1
        assert {link.method for link in links} == {"batch"}
        assert {link.assigned_by for link in links} == {world["official"]}
        record = db.session.scalar(select(CountBatch))
        assert (record.offered, record.counted, record.sample_size, record.corrections) == (
            members, members - 1, len(sample), 1)
        assert db.session.scalar(select(CountCorrection.comment_id)) == int(wrong)
    # The corrected comment is not offered again; the batch is empty now.
    emptied = olive.get(f"/manage/{world['slug']}/suggestions/batches/{theme_id}")
    assert "No suggestions wait for review under this theme." in _text(emptied)


def test_a_batch_accepted_twice_counts_once(app, auth, world):
    olive = auth.client_for(world["official"])
    other = auth.client_for(auth.user_id("official"))
    olive.post(f"/manage/{world['slug']}/suggestions/themes", data={"anchor": ""})
    run_jobs(app)
    chosen = _proposals(app, world["id"])[0]
    olive.post(f"/manage/{world['slug']}/suggestions/proposals/accept",
               data={"proposal_ids": [str(chosen.id)], "title": "First", "into": "", "propose_members": "offer"})
    with app.app_context():
        theme_id = db.session.scalar(select(Theme.id).where(Theme.title == "First"))
    url = f"/manage/{world['slug']}/suggestions/batches/{theme_id}"
    fields = _batch_form(_html(olive.get(url)))
    theirs = _batch_form(_html(other.get(url)))  # both opened the same batch
    assert olive.post(url, data=fields).status_code == 303
    again = other.post(url, data=theirs, follow_redirects=True)
    assert "another official may have accepted this batch already" in _text(again)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ThemeComment)) == len(set(chosen.members))
        assert db.session.scalar(select(func.count()).select_from(CountBatch)) == 1


def _count_by_hand(app, world, per_subject: int) -> dict[str, int]:
    with app.app_context():
        consultation = db.session.get(Consultation, world["id"])
        themes = {}
        for name in ("parking", "buses", "cycling"):
            theme = responses.create_theme(db.session, consultation, name.title(), world["official"])
            responses.count_under_theme(db.session, consultation, theme.id, world["ids"][name][:per_subject],
                                        world["official"])
            themes[name] = theme.id
        db.session.commit()
        return themes


def test_suggestions_learn_from_hand_counts_and_say_how_far_counting_has_got(app, auth, world):
    themes = _count_by_hand(app, world, 5)
    olive = auth.client_for(world["official"])
    assert olive.post(f"/manage/{world['slug']}/suggestions/counts").status_code == 303
    run_jobs(app)
    with app.app_context():
        run = db.session.scalar(select(SuggestionRun).where(SuggestionRun.kind == "counts"))
        assert run.message == "" and run.coded == 15 and run.comments == 46
        best = dict(db.session.execute(select(CountSuggestion.comment_id, CountSuggestion.theme_id)
                                       .where(CountSuggestion.rank == 0)).all())
        counted = {i for name in themes for i in world["ids"][name][:5]}
        assert not counted & set(best)  # nothing suggested for the comments already counted
        for name, theme_id in themes.items():
            rest = world["ids"][name][5:]
            right = sum(best.get(i) == theme_id for i in rest)
            assert right >= len(rest) - 2, name  # the best suggestion is nearly always the subject's
        confident = db.session.scalar(select(func.count(func.distinct(CountSuggestion.comment_id)))
                                      .where(CountSuggestion.confident.is_(True))) or 0
    page = _text(olive.get(f"/manage/{world['slug']}/suggestions/"))
    assert "15 of 46 counted" in page
    if confident:
        assert f"{confident} suggested with confidence" in page
    analysis = _text(olive.get(f"/manage/{world['slug']}/analysis"))
    assert "How far counting has got: 15 of 46 counted" in analysis
    unsure = _text(olive.get(f"/manage/{world['slug']}/suggestions/unsure"))
    assert "Suggested:" in unsure and "% sure" in unsure


def test_too_little_to_learn_from_is_said_plainly(app, auth, make_consultation, make_user):
    made = make_consultation(slug="tiny")
    citizen = make_user(name="Tim Tiny")
    _add_comments(app, made, citizen, ["Too expensive.", "Too expensive!", "Fine."])
    olive = auth.as_("official")
    refused = olive.post("/manage/tiny/suggestions/counts", follow_redirects=True)
    assert "Start at least two themes and count a few comments under each by hand first" in _text(refused)
    olive.post("/manage/tiny/suggestions/themes", data={"anchor": ""})
    run_jobs(app)
    page = _text(olive.get("/manage/tiny/suggestions/"))
    assert "No themes could be proposed: Themes need at least 6 different comments" in page
    with app.app_context():
        from consult.models import BackgroundJob
        assert db.session.scalar(select(BackgroundJob.state)) == "done"  # not an exception in the job


def test_the_response_states_how_comments_were_counted_and_removed_comments_do_not_count(app, auth, world):
    themes = _count_by_hand(app, world, 12)
    olive = auth.client_for(world["official"])
    olive.post(f"/manage/{world['slug']}/suggestions/themes", data={"anchor": ""})
    run_jobs(app)
    holder = next(p for p in _proposals(app, world["id"]) if set(world["ids"]["campaign"]) & set(p.members))
    olive.post(f"/manage/{world['slug']}/suggestions/proposals/accept",
               data={"proposal_ids": [str(holder.id)], "into": str(themes["parking"]), "propose_members": "offer"})
    url = f"/manage/{world['slug']}/suggestions/batches/{themes['parking']}"
    fields = _batch_form(_html(olive.get(url)))
    olive.post(url, data=fields)
    with app.app_context():
        in_batches = db.session.scalar(select(func.count()).select_from(ThemeComment)
                                       .where(ThemeComment.method == "batch"))
        assert in_batches >= 10
        # A citizen withdraws one campaign copy: it no longer counts anywhere.
        db.session.execute(update(Comment).where(Comment.id == world["ids"]["campaign"][0])
                           .values(status=CommentStatus.WITHDRAWN.value))
        db.session.commit()
        m = assist.method(db.session, db.session.get(Consultation, world["id"]))
    # Every subject comment was counted by hand; the batch added the ten campaign copies (one
    # since withdrawn), and whatever else it held was counted by hand already.
    assert m.individually == 36 and m.in_batches == 9 and m.batches == 1
    draft = _text(olive.get(f"/manage/{world['slug']}/response"))
    assert "How we counted the comments" in draft
    assert "36 comments were counted one at a time by an official" in draft
    assert "9 comments were counted by accepting 1 reviewed batch" in draft
    assert "a random sample of" in draft and "0 suggestions were corrected" in draft


def test_a_proposal_can_be_discarded_or_split_into_smaller_ones(app, auth, world):
    olive = auth.client_for(world["official"])
    olive.post(f"/manage/{world['slug']}/suggestions/themes", data={"anchor": ""})
    run_jobs(app)
    proposals = _proposals(app, world["id"])
    biggest = max(proposals, key=lambda p: p.size)  # the most different comments: enough to split
    other = next(p for p in proposals if p.id != biggest.id)
    gone = olive.post(f"/manage/{world['slug']}/suggestions/proposals/{other.id}/discard", follow_redirects=True)
    assert f"The proposed theme “{other.label}” is discarded." in _text(gone)
    again = olive.post(f"/manage/{world['slug']}/suggestions/proposals/{other.id}/discard", follow_redirects=True)
    assert "That proposed theme was already discarded." in _text(again)

    olive.post(f"/manage/{world['slug']}/suggestions/proposals/{biggest.id}/split")
    run_jobs(app)
    with app.app_context():
        status = db.session.get(ThemeProposal, biggest.id).status
        run = db.session.scalar(select(SuggestionRun).where(SuggestionRun.split_of == biggest.id))
        parts = list(db.session.scalars(select(ThemeProposal).where(ThemeProposal.run_id == run.id)))
    left = {p.id for p in _proposals(app, world["id"])}
    assert other.id not in left
    if run.message:  # too few different comments to split: said on the page, the proposal stays
        assert "Themes need at least" in run.message and status == "open" and biggest.id in left
        overview = olive.get(f"/manage/{world['slug']}/suggestions/")
        assert f"No themes could be proposed: {run.message}" in _text(overview)
    else:
        assert status == "split" and biggest.id not in left and len(parts) >= 2
        assert {i for p in parts for i in p.members} <= set(biggest.members)


def test_while_suggestions_are_computed_the_database_stays_free_for_everyone_else(app, world, monkeypatch):
    # Computing takes minutes on a large consultation: no write lock (SQLite) or transaction may
    # be held meanwhile, or every comment submitted then would wait for it.
    from sqlalchemy.orm import Session

    from consult.database import writing
    from consult.models import Theme as ThemeRow
    from consult.responses import suggest

    _count_by_hand(app, world, 5)
    real = suggest.suggest_assignments
    wrote = []

    def meanwhile(texts, coded):
        with writing(), Session(db.engine) as other:
            other.execute(update(ThemeRow).where(ThemeRow.title == "Parking").values(said="Written meanwhile."))
            other.commit()
            wrote.append(True)
        return real(texts, coded)

    monkeypatch.setattr(suggest, "suggest_assignments", meanwhile)
    with app.app_context():
        consultation = db.session.get(Consultation, world["id"])
        assist.start_count_suggestions(db.session, consultation, world["official"])
        db.session.commit()
    run_jobs(app)
    with app.app_context():
        run = db.session.scalar(select(SuggestionRun).where(SuggestionRun.kind == "counts"))
        assert wrote == [True] and run.finished_at is not None and run.message == ""


def test_themes_can_be_proposed_from_one_commented_paragraph(app, auth, make_consultation, make_user):
    made = make_consultation(slug="numbered",
                             text="## 1. Fees\n\nPermits cost money.\n\n## 2. Buses\n\nBuses run late.\n")
    citizen = make_user(name="Nell")
    _add_comments(app, made, citizen, [f"Comment {i} on fees and permits at {PLACES[i % 10]}" for i in range(3)])
    with app.app_context():
        paragraphs = db.session.get(Consultation, made.id).versions[-1].paragraphs
        fees = next(p for p in paragraphs if p.text == "Permits cost money.")
        db.session.execute(update(Comment).where(Comment.consultation_id == made.id).values(anchor=fees.anchor))
        db.session.commit()
    page = _html(auth.as_("official").get("/manage/numbered/suggestions/"))
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', page[page.index('name="anchor"'):])
    # Only paragraphs people commented on, each with one number and its count.
    assert [label for value, label in options if value] == ["1.1: Permits cost money. (3 comments)"]
