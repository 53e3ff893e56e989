"""Every page of the site read in Welsh holds no English (issue 21): the test walks the app's URL
map, fills each GET rule's arguments from one rich data set, requests the page with ?lang=cy as
the first of anonymous, citizen, moderator, official and administrator that may see it, and runs
the English-word check of tests/support/welsh_check.py over it; the same page in English must
answer too.

A GET rule that serves no page (a file, JSON, CSV, a feed, a redirect) is listed in NOT_PAGES with
what it serves, and the test checks it indeed answers no HTML page; a rule the test cannot fill is
listed in UNFILLED with why. Any other rule, a new one included, is filled from the data set by
its arguments' names and must render: so the test keeps covering every page, and a new rule it
cannot fill fails it until someone fills or lists it.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from helpers import last_link
from sqlalchemy import select
from support.jobs import run_jobs

from consult.extensions import db
from consult.mail import read_outbox
from consult.models import (
    Comment,
    Consultation,
    CountSuggestion,
    SuggestionRun,
    ThemeProposal,
    utcnow,
)
from tests.support.welsh_check import english_in

OPEN_DOC = """---
title: Library Hours
summary: When the libraries open.
---
# Library Hours

## 1. Opening {#opening}

Libraries open at nine on weekdays.

Libraries close at five on Saturdays.

## 2. Mobile library {#mobile}

A van visits the villages every week.
"""
# Version 2 rewrites a paragraph and removes the mobile library (its comment is orphaned).
OPEN_DOC_V2 = """---
title: Library Hours
summary: When the libraries open.
---
# Library Hours

## 1. Opening {#opening}

Libraries open at eight on weekdays.

Libraries close at five on Saturdays.
"""
OPEN_DOC_CY = """---
title: Oriau Llyfrgell
summary: Pryd mae'r llyfrgelloedd yn agor.
---
# Oriau Llyfrgell

## 1. Agor {#opening}

Mae llyfrgelloedd yn agor am wyth ar ddyddiau'r wythnos.

Mae llyfrgelloedd yn cau am bump ar ddydd Sadwrn.
"""
CLOSED_DOC = """---
title: Parking Policy
summary: How parking permits work.
---
# Parking Policy

## 1. Fees {#fees}

Residents pay a yearly fee for a permit.

Visitors pay by the hour.
"""
# Everything the test writes itself: document text, titles, names, comments, themes, notes.
DATA = [
    "Library Hours", "When the libraries open.", "Opening", "Mobile library",
    "Libraries open at nine on weekdays.", "Libraries open at eight on weekdays.",
    "Libraries close at five on Saturdays.", "A van visits the villages every week.",
    "Parking Policy", "How parking permits work.", "Fees", "Residents pay a yearly fee for a permit.",
    "Visitors pay by the hour.",
    "Ann Jones", "Bea Smith", "Mo Evans", "Olive Hughes", "Ada Price", "Dewi Invited", "Ann", "Bea", "Mo",
    "Olive", "Ada", "Dewi",
    "Please open on Sundays too.", "Sundays would help the families.", "Ring me on 07700 900123 about Sundays.",
    "Ring me on [removed] about Sundays.", "The van is the only library we have.", "Buy more books, you fools.",
    "Call 07700 900456: close the libraries, nobody reads any more.",
    "Call [removed]: close the libraries, nobody reads any more.", "I take this comment back.", "Saturdays are fine.",
    "The whole plan is good.", "Permits cost too much for carers.", "Visitors should pay less.",
    "Nothing to say about fees.", "Sunday opening", "Cost of permits", "Mobile van",
    "We read every comment and lowered the fee.", "Next we review the zones.", "The fee is now lower.",
    "Evening hours", "evening", "hours", "It was about the plan, not people.", "Rude about readers.",
    "Hours changed after the comments.", "Please keep it civil.", "Repeated abuse.",
]


# --------------------------------------------------------------------------- the rules


# GET rules that serve no HTML page, with what they serve; the test checks each answers no
# HTML page with 200 to anyone.
NOT_PAGES = {
    "/favicon.ico": "the site's icon",
    "/account/data.json": "a person's own data as JSON, a download (its keys are data, not words)",
    "/api/v1/consultations": "JSON (the read-only API)",
    "/api/v1/consultations/<slug>": "JSON (the read-only API)",
    "/api/v1/consultations/<slug>/comments": "JSON (the read-only API)",
    "/api/v1/consultations/<slug>/response": "JSON (the read-only API)",
    "/api/v1/consultations/<slug>/themes": "JSON (the read-only API)",
    "/api/v1/consultations/<slug>/versions": "JSON (the read-only API)",
    "/api/v1/consultations/<slug>/versions/<int:number>": "JSON (the read-only API)",
    "/api/v1/openapi.json": "the API's OpenAPI description (JSON)",
    "/c/<slug>/comments.atom": "an Atom feed",
    "/c/<slug>/comments.csv": "the comments as CSV",
    "/c/<slug>/comments.json": "the comments as JSON",
    "/c/<slug>/comments.<filename>": "a download in a format not offered: 404",
    "/c/<slug>/response.md": "the response as Markdown",
    "/feeds/consultations.atom": "an Atom feed",
    "/feeds/responses.atom": "an Atom feed",
    "/jobs/<int:job_id>/progress": "a job's progress as JSON, for the page's script",
    "/moderation/audit.csv": "the audit trail as CSV",
    "/moderation/statistics.csv": "the statistics as CSV",
    "/media/<media>": "a figure of a document (an image)",
    "/confirm/<token>": "confirms the address and redirects to sign in (or to the page it was sent from)",
}
# GET rules the test cannot fill, with why.
UNFILLED: dict[str, str] = {}

# Arguments by name, from the data set (a rule's own entry in SPECIAL comes first).
ARGUMENTS = {"slug": "open", "anchor": "anchor", "number": "version", "comment_id": "own_comment",
             "reattachment_id": "reattachment",
             "theme_id": "open_theme", "job_id": "job", "user_id": "bea", "item_id": "held_item",
             "decision_id": "decision", "proposal_id": "proposal", "code": "welsh", "filename": "xml",
             "media": "media"}
# Rules that need other arguments or a query string: {argument: data set key}, "?": query.
SPECIAL: dict[str, dict[str, str]] = {
    "/c/<slug>/response": {"slug": "closed"},
    "/c/<slug>/response/considered": {"slug": "closed"},
    "/c/<slug>/response/themes/<int:theme_id>": {"slug": "closed", "theme_id": "closed_theme"},
    "/c/<slug>/comments/<int:comment_id>/flag": {"comment_id": "bea_comment"},
    "/c/<slug>/search": {"?": "q=Sundays"},
    "/search": {"?": "q=Sundays"},
    "/manage/<slug>/comments/search": {"?": "q=Sundays"},
    "/manage/<slug>/orphaned/<anchor>/reattach": {"anchor": "orphaned_anchor", "?": "to={anchor}"},
    "/manage/<slug>/analysis": {"slug": "closed"},
    "/manage/<slug>/themes/<int:theme_id>/merge": {"?": "into={other_theme}"},
    "/moderation/assignments/remove": {"?": "user_id={mo}&consultation_id={open_id}"},
    "/admin/pages/<slug>": {"slug": "privacy"},
    "/admin/pages/<slug>/default": {"slug": "privacy"},
    "/confirm/<token>": {"token": "confirm_token"},
    "/reset/<token>": {"token": "reset_token"},
    "/invitation/<token>": {"token": "invitation_token"},
    "/c/<slug>/changes": {"?": "from=1&to=2"},
}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ROLES = (None, "ann", "mo", "olive", "ada")  # anonymous first, then by privilege


def _get_rules(app) -> dict[str, str]:
    """Every GET rule but static files: its text and endpoint."""
    return {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()
            if "GET" in (rule.methods or ()) and rule.endpoint != "static"}


def _fill(app, rule_text: str, world: dict) -> str:
    """The URL of a rule with its arguments from the data set (a KeyError names what is missing)."""
    rule = next(r for r in app.url_map.iter_rules() if r.rule == rule_text)
    special = SPECIAL.get(rule_text, {})
    values = {}
    for name in rule.arguments:
        key = special.get(name) or ARGUMENTS.get(name)
        if key is None:
            raise KeyError(f"{rule_text}: no value for <{name}> (add it to ARGUMENTS or SPECIAL, or list "
                           "the rule in UNFILLED with why)")
        values[name] = world[key]
    path = rule_text
    for converter_part, name in re.findall(r"(<(?:[a-z]+:)?(\w+)>)", rule_text):
        path = path.replace(converter_part, str(values[name]))
    query = special.get("?", "").format(**world)
    return path + ("?" + query if query else "")


def _get(client, url: str, language: str):
    """The page in a language, asked for as a browser asks (some answer JSON to programs), read
    whole (a download is streamed)."""
    response = client.get(url + ("&" if "?" in url else "?") + f"lang={language}", headers=BROWSER)
    response.get_data()
    response.close()
    return response


def _is_page(response) -> bool:
    return response.status_code == 200 and response.mimetype == "text/html"


def test_every_get_rule_is_rendered_or_listed(app):
    rules = _get_rules(app)
    for listed in (NOT_PAGES, UNFILLED):
        assert sorted(set(listed) - set(rules)) == [], "listed rules the app no longer has"
    assert not set(NOT_PAGES) & set(UNFILLED)
    assert not set(SPECIAL) - set(rules), "SPECIAL names rules the app no longer has"
    # Every other rule is filled by its arguments' names, so each needs a value.
    for rule_text in set(rules) - set(NOT_PAGES) - set(UNFILLED):
        rule = next(r for r in app.url_map.iter_rules() if r.rule == rule_text)
        missing = [name for name in rule.arguments
                   if name not in SPECIAL.get(rule_text, {}) and name not in ARGUMENTS]
        assert not missing, f"{rule_text}: fill <{', '.join(missing)}> or list the rule in UNFILLED with why"


# --------------------------------------------------------------------------- the data set


def _seed(app, auth, make_user, make_consultation, make_comment) -> dict:
    """Two consultations: 'libraries', open and post-moderated, with a Welsh version, two versions
    (the second removes a commented paragraph), comments in every state (a reply, a held one, a
    rejected one, one removed after flags, a withdrawn one with a reply, a general one), a
    decision with its appeal, a theme with a proposed theme and a suggestion; 'parking', closed,
    with a counted and a considered comment, a theme and a published response. A citizen (Ann)
    with a sanctioned neighbour (Bea), a moderator assigned to 'libraries' (Mo), an official
    (Olive), an administrator (Ada), an invited account; a background job; tokens to confirm an
    address, reset a password and accept an invitation."""
    from consult.consultations.versions import publish_version
    from consult.jobs import service as jobs
    from consult.responses import service as responses
    from moderation.models import Decision, QueueItem

    people = {"ann": make_user("ann@example.org", name="Ann Jones"),
              "bea": make_user("bea@example.org", name="Bea Smith"),
              "mo": make_user("mo@example.org", name="Mo Evans", role="moderator"),
              "olive": make_user("olive@example.org", name="Olive Hughes", role="official"),
              "ada": make_user("ada@example.org", name="Ada Price", role="admin")}
    clients = {name: auth.client_for(user) for name, user in people.items()}
    mo, olive, ada = clients["mo"], clients["olive"], clients["ada"]

    # 'parking': closed, a counted and a considered comment, a theme and a published response.
    now = utcnow()
    parking = make_consultation("parking", CLOSED_DOC, "post", opens_at=now - timedelta(days=20),
                                closes_at=now + timedelta(days=1))
    fee = parking.anchors["Residents pay a yearly fee for a permit."]
    counted = make_comment(parking, people["ann"], "Permits cost too much for carers.", fee,
                           now=now - timedelta(days=3))
    considered = make_comment(parking, people["ann"], "Nothing to say about fees.", fee, now=now - timedelta(days=2))
    with app.test_request_context():
        consultation = db.session.get(Consultation, parking.id)
        consultation.closes_at = now - timedelta(days=1)
        theme = responses.create_theme(db.session, consultation, "Cost of permits", people["olive"])
        responses.assign(db.session, theme, [counted], people["olive"])
        responses.update_theme(db.session, theme, expected_revision=theme.revision, actor_id=people["olive"],
                               title=theme.title, said="The fee is now lower.", outcome="changed",
                               reasons="The fee is now lower.")
        responses.mark_considered(db.session, consultation, considered, "", people["olive"], reason="no_view")
        responses.save_draft(db.session, consultation, "We read every comment and lowered the fee.",
                             "Next we review the zones.")
        responses.publish(db.session, consultation, people["olive"])
        db.session.commit()
        closed_theme = theme.id

    libraries = make_consultation("libraries", OPEN_DOC, "post", now=utcnow() - timedelta(hours=2))
    nine = libraries.anchors["Libraries open at nine on weekdays."]
    van = libraries.anchors["A van visits the villages every week."]
    minutes = iter(range(60, 0, -3))  # a comment every 3 minutes, under the posting rate limit

    def comment(who: str, body: str, anchor: str | None, **form) -> int:
        return make_comment(libraries, people[who], body, anchor, now=utcnow() - timedelta(minutes=next(minutes)),
                            **form)

    bea_comment = comment("bea", "Saturdays are fine.", nine)
    comment("ann", "The whole plan is good.", None)  # a general comment
    comment("ann", "The van is the only library we have.", van)
    withdrawn = comment("ann", "I take this comment back.", nine)
    comment("bea", "Visitors should pay less.", nine, parent_id=withdrawn)
    rude = comment("ann", "Buy more books, you fools.", nine)
    comment("bea", "Ring me on 07700 900123 about Sundays.", nine)  # held
    rejected = comment("ann", "Call 07700 900456: close the libraries, nobody reads any more.", nine)  # held
    own = make_comment(libraries, people["ann"], "Please open on Sundays too.", nine)  # still editable
    make_comment(libraries, people["bea"], "Sundays would help the families.", nine, parent_id=own)
    assert clients["ann"].post(f"/me/comments/{withdrawn}/withdraw").status_code in (302, 303)

    # Moderation: Mo moderates 'libraries'; the rude comment is flagged and removed, Ann appeals;
    # another of Ann's is rejected; Bea's comments are checked first from now on.
    assert ada.post("/moderation/assignments", data={"user_id": people["mo"],
                                                     "consultation_id": libraries.id}).status_code == 303
    for flagger in ("bea", "mo", "olive"):
        clients[flagger].post(f"/c/libraries/comments/{rude}/flag", data={"rule": "no-abuse",
                                                                          "note": "Rude about readers."})
    with app.app_context():
        items = {comment: (item_id, version) for item_id, comment, version in db.session.execute(
            select(QueueItem.id, QueueItem.comment_id, QueueItem.version))}
    for decided_on, outcome in ((rude, "remove"), (rejected, "reject")):
        item_id, version = items[decided_on]
        decided = mo.post(f"/moderation/items/{item_id}/decide", data={
            "outcome": outcome, "version": str(version), "rules": ["no-abuse"], "note": "Please keep it civil."})
        assert decided.status_code == 303, decided.get_data(as_text=True)
    with app.app_context():
        decision = db.session.scalar(select(Decision.id).where(Decision.comment_id == rude))
        held_item = db.session.scalar(select(QueueItem.id).where(QueueItem.text.like("Ring me%")))
        assert db.session.get(Comment, rude).status == "removed"
    assert clients["ann"].post(f"/me/decisions/{decision}/appeal",
                               data={"reason": "It was about the plan, not people."}).status_code == 303
    assert mo.post(f"/moderation/users/{people['bea']}/sanctions", data={
        "kind": "premoderate", "reason": "Repeated abuse."}).status_code == 303

    # Version 2 (the van's comment is orphaned), and the consultation in Welsh too.
    with app.app_context():
        consultation = db.session.get(Consultation, libraries.id)
        publish_version(db.session, consultation, [("libraries.md", OPEN_DOC_V2)],
                        note="Hours changed after the comments.", actor_id=people["olive"])
        db.session.commit()
        # A re-attachment on record, for the page that confirms undoing one (no comment moved).
        from consult.reattachment import Reattachment

        first, second = consultation.versions[0], consultation.versions[-1]
        kept = second.paragraphs[0]
        record = Reattachment(consultation_id=libraries.id, actor_id=people["olive"], from_anchor="gone",
                              from_version_id=first.id, from_version=1, from_number="1.9", to_anchor=kept.anchor,
                              to_version_id=second.id, to_version=2, to_number=kept.number, comments=1)
        db.session.add(record)
        db.session.commit()
        reattachment = record.id
    assert olive.post("/manage/libraries/languages", data={"language": "cy", "markdown": OPEN_DOC_CY}
                      ).status_code == 303

    # A theme on 'libraries' with a proposed theme and a suggested count.
    with app.test_request_context():
        consultation = db.session.get(Consultation, libraries.id)
        open_theme = responses.create_theme(db.session, consultation, "Sunday opening", people["olive"])
        responses.assign(db.session, open_theme, [own], people["olive"])
        run = SuggestionRun(consultation_id=libraries.id, kind="themes", started_by=people["olive"],
                            finished_at=utcnow(), comments=3)
        counts = SuggestionRun(consultation_id=libraries.id, kind="counts", started_by=people["olive"],
                               finished_at=utcnow(), comments=3, coded=1)
        db.session.add_all([run, counts])
        db.session.flush()
        proposal = ThemeProposal(run_id=run.id, label="Evening hours", terms=["evening", "hours"], size=2,
                                 members=[own, bea_comment], representatives=[own, bea_comment])
        db.session.add(proposal)
        db.session.add(CountSuggestion(run_id=counts.id, comment_id=bea_comment, theme_id=open_theme.id,
                                       confidence=0.9, confident=True))
        db.session.commit()
        # A second theme, for the page that confirms merging one into the other.
        other_theme = responses.create_theme(db.session, consultation, "Mobile van", people["olive"])
        db.session.commit()
        ids = {"open_theme": open_theme.id, "proposal": proposal.id, "other_theme": other_theme.id}

    # A background job, an invitation, and the links of the mails to confirm and reset.
    with app.app_context():
        job = jobs.start_job(db.session, "reindex", "reindex", "Rebuilding the search index", total=3).id
        db.session.commit()
    assert ada.post("/admin/users/invite", data={"email": "dewi@example.org", "display_name": "Dewi Invited",
                                                 "role": "moderator"}).status_code in (302, 303)
    invitation = last_link(app, "dewi@example.org")
    app.test_client().post("/register", data={"email": "cai@example.org", "display_name": "Ann",
                                              "password": "a long enough password",
                                              "confirm": "a long enough password"})
    confirm = last_link(app, "cai@example.org")
    app.test_client().post("/reset", data={"email": "bea@example.org"})
    reset = last_link(app, "bea@example.org")
    run_jobs(app)
    with app.app_context():
        from consult import search

        search.engine(app.config).apply_changes(db.session)
        orphaned_anchor = van
        anchor = db.session.scalar(select(Comment.anchor).where(Comment.id == own))
    return {**people, **ids, "open": "libraries", "open_id": libraries.id,
            "closed": "parking", "anchor": anchor, "version": 1, "own_comment": own, "bea_comment": bea_comment,
            "closed_theme": closed_theme, "job": job, "held_item": held_item, "decision": decision,
            "welsh": "cy", "xml": "xml", "media": "0" * 64 + ".png", "privacy": "privacy",
            "orphaned_anchor": orphaned_anchor, "reattachment": reattachment,
            "confirm_token": confirm.rsplit("/", 1)[1].split("?")[0],
            "reset_token": reset.rsplit("/", 1)[1].split("?")[0],
            "invitation_token": invitation.rsplit("/", 1)[1].split("?")[0]}


@pytest.fixture
def world(app, auth, make_user, make_consultation, make_comment):
    app.config["SHOW_OUTBOX"] = True  # the development outbox, a page too where it is on
    return _seed(app, auth, make_user, make_consultation, make_comment)


# --------------------------------------------------------------------------- the walk


def test_every_page_read_in_welsh_holds_no_english(app, auth, world):
    rules = _get_rules(app)
    # Clients of their own (the seeding's have messages waiting from its forms, in English).
    clients = [(None, app.test_client())] + [(name, auth.client_for(world[name])) for name in ROLES[1:]]
    problems: list[str] = []
    rendered = []
    # The development outbox shows each mail as it was sent, in its recipient's language (English
    # for everyone here): the mails' own text, like a document's, is not the page's.
    with app.app_context():
        mail = [" ".join(part.split()) for m in read_outbox(app.config["OUTBOX_DIR"])
                for line in [m.subject, *m.body.splitlines()] for part in re.split(r"(https?://\S+)", line)
                if part.strip()]
    for rule_text in sorted(rules):
        if rule_text in UNFILLED:
            continue
        url = _fill(app, rule_text, world)
        if rule_text in NOT_PAGES:
            for role, client in clients:
                response = _get(client, url, "cy")
                if _is_page(response):
                    problems.append(f"{url} ({NOT_PAGES[rule_text]}) is an HTML page for {role or 'anonymous'}")
            continue
        answers = ((role, client, _get(client, url, "cy")) for role, client in clients)
        found = next(((role, client, response) for role, client, response in answers if _is_page(response)), None)
        if found is None:
            problems.append(f"{url}: nobody gets an HTML page with 200")
            continue
        role, client, response = found
        page = response.get_data(as_text=True)
        rendered.append(rule_text)
        if not re.search(r'<html lang="cy"', page):
            problems.append(f"{url} as {role or 'anonymous'}: not in Welsh")
        problems += [f"{url} as {role or 'anonymous'}: {text!r}" for text in english_in(page, DATA + mail)]
        english = _get(client, url, "en")
        if not _is_page(english):
            problems.append(f"{url} in English as {role or 'anonymous'}: {english.status_code}")
    assert not problems, "\n".join(problems)
    assert len(rendered) == len(rules) - len(NOT_PAGES) - len(UNFILLED)
