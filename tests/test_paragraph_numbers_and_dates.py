"""A paragraph reached by the number a reader quotes (/c/<slug>/p/4.2, the "Go to paragraph"
box); a comment dated when it was received, not when a moderator released it; and the archive's
"Closed" filter keeping the consultations that have a response (walkthrough F9, F10, F11)."""
from __future__ import annotations

import csv
import html
import io
import json
from datetime import timedelta

from helpers import PARKING, PARKING_V2  # tests/ is on sys.path
from sqlalchemy import select

from consult import search
from consult.extensions import db
from consult.models import Comment, Consultation, Paragraph, utcnow


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _anchor_of(app, slug: str, number: str) -> str:
    with app.app_context():
        return db.session.scalars(
            select(Paragraph.anchor).join(Paragraph.version).join(Consultation)
            .where(Consultation.slug == slug, Paragraph.number == number)
            .order_by(Paragraph.id.desc())).first()


def _new_version(app, slug: str, text: str) -> None:
    from consult.consultations.service import publish_version

    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        publish_version(db.session, consultation, [(f"{slug}.md", text)], note="Revised.")
        db.session.commit()


# --- F11: paragraph numbers ----------------------------------------------------------------------

def test_a_paragraph_number_redirects_to_its_anchor(app, client, make_consultation):
    made = make_consultation()
    visitors = made.anchors["Visitors pay by the hour."]
    response = client.get("/c/parking/p/1.2")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/c/parking/p/{visitors}")
    page = _page(client.get("/c/parking/p/1.2", follow_redirects=True))
    assert "<h1>Paragraph 1.2</h1>" in page and "Visitors pay by the hour." in page
    # The reader's other choices (the language) go along.
    welsh = client.get("/c/parking/p/1.2?lang=cy")
    assert welsh.status_code == 302 and welsh.headers["Location"].endswith(f"/p/{visitors}?lang=cy")
    # Anchors still lead where they did.
    assert client.get(f"/c/parking/p/{visitors}").status_code == 200
    assert client.get("/c/parking/p/fees").status_code == 200


def test_an_anchor_keeps_priority_over_a_number_that_looks_the_same(app, client, make_consultation):
    text = "# One\n\nFirst text.\n\n# Two {#3}\n\nSecond text.\n\n# Three\n\nThird text.\n"
    make_consultation(slug="numbers", text=text)
    shown = client.get("/c/numbers/p/3")  # the anchor "3" (heading 2), not paragraph 3
    assert shown.status_code == 200 and "<h1>Paragraph 2</h1>" in _page(shown)
    assert client.get("/c/numbers/p/2").headers["Location"].endswith("/c/numbers/p/3")
    assert client.get("/c/numbers/p/1").headers["Location"].endswith("/c/numbers/p/one")


def test_lettered_numbers_and_any_case(app, client, make_consultation):
    text = "## A. Scope\n\nWho it covers.\n\n## B. Fees\n\nWhat it costs.\n"
    make_consultation(slug="lettered", text=text)
    anchor = _anchor_of(app, "lettered", "B.1")
    assert client.get("/c/lettered/p/B.1").headers["Location"].endswith(f"/p/{anchor}")
    assert client.get("/c/lettered/p/b.1").headers["Location"].endswith(f"/p/{anchor}")


def test_a_number_no_version_has_is_a_plain_404(app, client, make_consultation):
    make_consultation()
    english = client.get("/c/parking/p/9.9")
    assert english.status_code == 404
    assert "This consultation has no paragraph numbered 9.9." in _page(english)
    assert '<a href="/c/parking">the document</a>' in _page(english)
    welsh = client.get("/c/parking/p/9.9?lang=cy")
    assert welsh.status_code == 404
    assert "Nid oes gan yr ymgynghoriad hwn baragraff â'r rhif 9.9." in _page(welsh)
    assert "This consultation has no paragraph numbered" not in _page(welsh)
    assert client.get("/c/no-such-thing/p/1.2").status_code == 404
    hostile = client.get("/c/parking/p/%3Cscript%3Ealert(1)%3C%2Fscript%3E.1?lang=en")
    assert hostile.status_code == 404
    assert "<script>alert" not in hostile.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.1" in hostile.get_data(as_text=True)


def test_a_number_only_an_earlier_version_had_is_explained(app, client, make_consultation):
    make_consultation()
    _new_version(app, "parking", PARKING_V2)  # "Visitors pay by the hour." (1.2) is removed
    english = client.get("/c/parking/p/1.2")
    assert english.status_code == 404
    page = _page(english)
    assert ("There is no paragraph 1.2 in the current version of this consultation (version 2): "
            "it was in version 1.") in page
    assert '<a href="/c/parking/changes?from=1&to=2">see what changed between versions 1 and 2</a>' in page
    assert "is now" not in page  # that paragraph is gone
    welsh = _page(client.get("/c/parking/p/1.2?lang=cy"))
    assert "Nid oes paragraff 1.2 yn fersiwn gyfredol yr ymgynghoriad hwn (fersiwn 2)" in welsh
    assert "There is no paragraph" not in welsh
    # 2.2 is new in version 2: found in the current version.
    assert client.get("/c/parking/p/2.2").status_code == 302


def test_a_renumbered_paragraph_says_where_it_is_now(app, client, make_consultation):
    v1 = "# Policy\n\n## Rules\n\nAlpha rule here.\n\nBravo rule here.\n\nCharlie rule here.\n"
    v2 = "# Policy\n\n## Rules\n\nBravo rule here.\n\nCharlie rule here.\n"
    made = make_consultation(slug="renumbered", text=v1)
    old = _anchor_of(app, "renumbered", "1.3")
    assert old == made.anchors["Charlie rule here."]
    _new_version(app, "renumbered", v2)
    page = _page(client.get("/c/renumbered/p/1.3"))
    assert f'is now <a href="/c/renumbered/p/{old}">paragraph 1.2</a>.' in page
    welsh = _page(client.get("/c/renumbered/p/1.3?lang=cy"))
    assert f'bellach yn <a href="/c/renumbered/p/{old}">baragraff 1.2</a>.' in welsh


def test_the_go_to_paragraph_box(app, client, make_consultation):
    made = make_consultation()
    page = _page(client.get("/c/parking"))
    form = page.split('class="go-to-paragraph"', 1)[1].split("</form>", 1)[0]
    assert page.index('id="toc-heading"') < page.index('class="go-to-paragraph"')
    assert 'method="get" action="/c/parking"' in page
    assert '<label for="go-to-paragraph-number">Go to paragraph</label>' in form
    assert 'id="go-to-paragraph-number" name="paragraph"' in form
    assert "Its number, for example 1.1." in form
    welsh = _page(client.get("/c/parking?lang=cy"))
    assert '<label for="go-to-paragraph-number">Ewch i baragraff</label>' in welsh
    assert "Go to paragraph" not in welsh and "Ei rif, er enghraifft 1.1." in welsh

    visitors = made.anchors["Visitors pay by the hour."]
    for typed in ("1.2", " 1.2 ", "paragraph 1.2", "Paragraph 1.2.", "§ 1.2"):
        response = client.get("/c/parking", query_string={"paragraph": typed})
        assert response.status_code == 302, typed
        assert response.headers["Location"].endswith(f"/c/parking/p/{visitors}"), typed
    pasted = client.get("/c/parking", query_string={"paragraph": visitors})
    assert pasted.headers["Location"].endswith(f"/c/parking/p/{visitors}")
    empty = client.get("/c/parking?paragraph=&lang=en")  # (?lang=cy above stays, as a cookie)
    assert empty.status_code == 400
    assert "Type the number of a paragraph, for example 4.2." in _page(empty)
    empty_cy = client.get("/c/parking?paragraph=&lang=cy")
    assert "Teipiwch rif paragraff, er enghraifft 4.2." in _page(empty_cy)
    missing = client.get("/c/parking?paragraph=7.7&lang=en")
    assert missing.status_code == 404 and "no paragraph numbered 7.7" in _page(missing)
    # The box again, with what was typed, and the way back (walkthrough: a bare "Not Found" page).
    page = _page(missing)
    assert "<h1>Page not found</h1>" in page and 'name="paragraph"' in page and 'value="7.7"' in page
    assert '<a href="/c/parking">Back to the document</a>' in page
    assert "<h1>That request cannot be used</h1>" in _page(empty) and 'class="go-to-paragraph"' in _page(empty)


def test_the_box_is_not_on_an_earlier_version(app, client, make_consultation):
    make_consultation()
    _new_version(app, "parking", PARKING_V2)
    assert 'class="go-to-paragraph"' in _page(client.get("/c/parking"))
    assert 'class="go-to-paragraph"' not in _page(client.get("/c/parking/v/1"))


# --- F10: comment dates --------------------------------------------------------------------------

def _released_late(app, make_consultation, make_comment, delay: timedelta):
    made = make_consultation()
    anchor = made.anchors["Visitors pay by the hour."]
    user = "tom@example.org"
    from consult.users import create_user

    with app.app_context():
        create_user(db.session, user, "a long enough password", display_name="Tom", confirmed=True)
        db.session.commit()
    comment_id = make_comment(made, user, body="Visitors need an hour free.", anchor=anchor)
    received = (utcnow() - timedelta(days=120)).replace(hour=12, minute=0, second=0, microsecond=0)
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        comment.status, comment.created_at, comment.published_at = "published", received, received + delay
        db.session.commit()
        local = app.jinja_env.filters["localtime"]
        return anchor, received, local(received, "%-d %B %Y"), local(received + delay, "%-d %B %Y")


def test_a_comment_released_later_shows_when_it_was_received(app, client, make_consultation, make_comment):
    anchor, received, received_day, published_day = _released_late(
        app, make_consultation, make_comment, timedelta(days=90))
    page = _page(client.get(f"/c/parking/p/{anchor}"))
    iso_received = received.isoformat(timespec="seconds") + "+00:00"
    assert (f'received <time datetime="{iso_received}">{received_day}</time>, published <time '
            in page)
    assert f">{published_day}</time>" in page
    welsh = _page(client.get(f"/c/parking/p/{anchor}?lang=cy"))
    assert f'daeth i law <time datetime="{iso_received}">' in welsh and "received <time" not in welsh


def test_a_comment_published_within_a_day_shows_one_date(app, client, make_consultation, make_comment):
    anchor, received, received_day, _ = _released_late(app, make_consultation, make_comment,
                                                        timedelta(hours=3))
    page = _page(client.get(f"/c/parking/p/{anchor}"))
    iso_received = received.isoformat(timespec="seconds") + "+00:00"
    assert f'<time datetime="{iso_received}">{received_day}, ' in page
    assert "received <time" not in page and "published <time" not in page


def test_downloads_and_api_carry_received_at(app, client, make_consultation, make_comment):
    _released_late(app, make_consultation, make_comment, timedelta(days=90))
    with app.app_context():
        comment = db.session.scalars(select(Comment)).one()
        received = comment.created_at.isoformat(timespec="seconds") + "Z"
        published = comment.published_at.isoformat(timespec="seconds") + "Z"
    rows = list(csv.reader(io.StringIO(client.get("/c/parking/comments.csv").get_data(as_text=True))))
    assert rows[0][-1] == "received_at"
    assert rows[0][:-1] == ["comment_id", "consultation", "version", "paragraph_anchor", "paragraph_number",
                            "paragraph_text", "reattached_to_version", "reattached_to_paragraph_number",
                            "reply_to", "comment", "language", "stance", "respondent_type",
                            "organisation", "name", "published_at", "themes", "outcomes"]
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["received_at"] == received and record["published_at"] == published
    data = json.loads(client.get("/c/parking/comments.json").get_data(as_text=True))
    assert list(data["comments"][0])[-1] == "received_at"
    assert data["comments"][0]["received_at"] == received
    api = client.get("/api/v1/consultations/parking/comments").json
    assert api["items"][0]["received_at"] == received
    schema = client.get("/api/v1/openapi.json").json["components"]["schemas"]["Comment"]
    assert schema["properties"]["received_at"]["format"] == "date-time"
    assert "received_at" in schema["required"]


# --- F9: the "Closed" filter -----------------------------------------------------------------------

def _results(page: str) -> str:
    return page.split('role="status"', 1)[1]


def _add_archived(app) -> None:
    from consult.consultations.service import create_consultation

    now = utcnow()
    with app.app_context():
        c = create_consultation(db.session, slug="old-roads", files=[("r.md", "# Old roads\n\nPotholes.\n")],
                                publish=True, moderation_mode="post", opens_at=now - timedelta(days=900),
                                closes_at=now - timedelta(days=800))
        c.archived_at = now - timedelta(days=30)
        db.session.commit()


def test_closed_includes_consultations_with_a_response(app, client, archive_world):
    _add_archived(app)
    with app.app_context():
        closed = _results(_page(client.get("/consultations?status=closed")))
    assert ">Parking <&> permits</a>" in closed and ">Old roads</a>" in closed
    assert "Allotments" not in closed
    with app.app_context():
        responded = _results(_page(client.get("/consultations?status=responded")))
    assert "Parking" in responded and "Old roads" not in responded and "Allotments" not in responded
    with app.app_context():
        archived = _results(_page(client.get("/consultations?status=archived")))
    assert "Old roads" in archived and "Parking" not in archived
    with app.app_context():
        api = client.get("/api/v1/consultations?status=closed").json
    assert {c["slug"] for c in api["items"]} == {"parking", "old-roads"}
    assert {c["status"] for c in api["items"]} == {"responded", "archived"}
    with app.app_context():
        api = client.get("/api/v1/consultations?status=responded").json
    assert [c["slug"] for c in api["items"]] == ["parking"]
    with app.app_context():
        document = client.get("/api/v1/openapi.json").json
    status = next(p for p in document["paths"]["/consultations"]["get"]["parameters"] if p["name"] == "status")
    assert "closed, responded or archived" in status["description"]


def test_search_closed_filter_includes_consultations_with_a_response(app, client, archive_world):
    search.apply_changes(app.config["SEARCH_INDEX_DIR"], db.session)
    with app.app_context():
        page = _page(client.get("/search?q=fees&status=closed"))
    assert ">0 results" not in page and "Parking" in _results(page)
    with app.app_context():
        page = _page(client.get("/search?q=standpipe&status=closed"))
    assert ">0 results" in page  # Allotments is open


def test_the_status_choices_say_what_they_keep(app, client, archive_world):
    for url in ("/consultations", "/search"):
        with app.app_context():
            english = _page(client.get(url + "?lang=en"))
        assert '<option value="closed">Closed, with or without a response</option>' in english
        assert '<option value="responded">Response published</option>' in english
        with app.app_context():
            welsh = _page(client.get(url + "?lang=cy"))
        assert '<option value="closed">Wedi cau, gydag ymateb neu hebddo</option>' in welsh
        assert '<option value="responded">Ymateb wedi\'i gyhoeddi</option>' in welsh
        assert "Closed, with or without a response" not in welsh


def test_paragraph_pages_still_work_as_before(app, client, make_consultation):
    made = make_consultation(text=PARKING)
    for anchor in made.anchors.values():
        assert client.get(f"/c/parking/p/{anchor}").status_code == 200
    assert client.get("/c/parking/p/nonsense").status_code == 404
