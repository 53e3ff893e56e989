"""The read-only JSON API: what a program reading the archive gets, and its clear 4xx answers."""
from __future__ import annotations

import base64
import json

import pytest
from support.archive import UNPUBLISHED_WORDS  # tests/ is on sys.path

from consult.extensions import db


def _json(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    return response.json


def test_consultation_list_is_paginated_and_never_shows_drafts(client, archive_world):
    data = _json(client.get("/api/v1/consultations"))
    assert {c["slug"] for c in data["items"]} == {"allotments", "parking"}
    assert data["total"] == 2 and data["pages"] == 1 and data["next"] is None
    first = _json(client.get("/api/v1/consultations?per_page=1"))
    assert len(first["items"]) == 1 and first["pages"] == 2 and first["next"]
    second = _json(client.get(first["next"].replace("http://localhost", "")))
    assert second["items"][0]["slug"] != first["items"][0]["slug"] and second["next"] is None
    assert _json(client.get("/api/v1/consultations?status=responded"))["items"][0]["slug"] == "parking"
    assert _json(client.get("/api/v1/consultations?per_page=100000"))["per_page"] == 100


@pytest.mark.parametrize("query, status, words", [
    ("page=3", 404, "no page 3"),
    ("page=0", 400, "not a page number"),
    ("page=abc", 400, "not a page number"),
    ("page=%C2%B2", 400, "not a page number"),  # "²", which str.isdigit() accepts
    ("per_page=%C2%B2", 400, "not a page size"),
    ("per_page=-5", 400, "not a page size"),
    ("status=lost", 400, "Unknown status"),
])
def test_consultation_list_refuses_bad_parameters_in_json(client, archive_world, query, status, words):
    data = _json(client.get(f"/api/v1/consultations?{query}"), status)
    assert words in data["message"] and data["error"]


def test_one_consultation_and_its_versions(client, archive_world):
    data = _json(client.get("/api/v1/consultations/allotments"))
    assert data["status"] == "open" and data["current_version"] == 2
    assert data["licence"]["name"] == "Open Government Licence v3.0"
    assert data["links"]["comments_csv"].endswith("/c/allotments/comments.csv")
    versions = _json(client.get("/api/v1/consultations/allotments/versions"))["items"]
    assert [v["number"] for v in versions] == [1, 2] and versions[1]["note"] == "Rainwater added."
    v2 = _json(client.get("/api/v1/consultations/allotments/versions/2"))
    water = next(p for p in v2["paragraphs"] if p["text"].startswith("Every site"))
    assert water["number"] == "2.1" and water["kind"] == "paragraph" and "rainwater" in water["html"]
    assert set(water) == {"anchor", "number", "kind", "text", "html"}
    v1 = _json(client.get("/api/v1/consultations/allotments/versions/1"))
    assert next(p for p in v1["paragraphs"] if p["text"].startswith("Every site"))["anchor"] == water["anchor"]


@pytest.mark.parametrize("path", [
    "/api/v1/consultations/no-such",
    "/api/v1/consultations/secret-draft",
    "/api/v1/consultations/secret-draft/versions/1",
    "/api/v1/consultations/allotments/versions/99",
    "/api/v1/consultations/allotments/versions/99999999999999999999999",
    "/api/v1/consultations/NUL%00byte",
    "/api/v1/consultations/allotments/response",  # not published yet
    "/api/v1/consultations/allotments/themes",
    "/api/v1/no-such-thing",
])
def test_missing_things_are_json_404s(client, archive_world, path):
    data = _json(client.get(path), 404)
    assert data["message"]


def test_comments_walk_with_an_opaque_cursor_and_hold_only_published_ones(client, archive_world):
    seen, url = [], "/api/v1/consultations/allotments/comments?limit=1"
    while url:
        data = _json(client.get(url))
        seen += [c["id"] for c in data["items"]]
        assert data["licence"]["url"].startswith("https://")
        cursor = data["next_cursor"]
        assert cursor is None or not cursor.isdigit()  # opaque, not a bare id
        url = f"/api/v1/consultations/allotments/comments?limit=1&cursor={cursor}" if cursor else None
    assert seen == sorted(seen) and len(set(seen)) == 4
    assert set(seen) == {archive_world["published"], archive_world["hidden_name"], archive_world["formula"],
                         archive_world["reply"]}
    text = client.get("/api/v1/consultations/allotments/comments?limit=100").get_data(as_text=True)
    for word in UNPUBLISHED_WORDS:
        assert word not in text
    assert "@" not in text and "Shy Person" not in text and "author_id" not in text


@pytest.mark.parametrize("cursor", ["abc", "!!!", "MTIz", base64.urlsafe_b64encode(b"c:-1").decode(),
                                    "x" * 500, "%00"])
def test_malformed_cursor_is_a_json_400(client, archive_world, cursor):
    data = _json(client.get(f"/api/v1/consultations/allotments/comments?cursor={cursor}"), 400)
    assert "cursor is not valid" in data["message"]


def test_themes_and_response_once_published(client, archive_world):
    themes = _json(client.get("/api/v1/consultations/parking/themes"))["items"]
    assert themes[0]["title"] == "Fees for electric cars" and themes[0]["comments"] == 1
    assert themes[0]["outcome"] == "no_change" and themes[0]["outcome_label"] == "No change"
    response = _json(client.get("/api/v1/consultations/parking/response"))
    assert response["summary"] == "We kept the fees as they are." and response["themes"] == themes
    comment = _json(client.get("/api/v1/consultations/parking/comments"))["items"][0]
    assert comment["themes"] == ["Fees for electric cars"] and comment["outcomes"] == ["No change"]


def test_openapi_document_describes_every_api_route(client, app):
    doc = _json(client.get("/api/v1/openapi.json"))
    assert doc["openapi"].startswith("3.") and doc["servers"] == [{"url": "/api/v1"}]
    documented = set(doc["paths"])
    routes = {rule.rule.removeprefix("/api/v1").replace("<int:number>", "{number}").replace("<slug>", "{slug}")
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    assert routes == documented
    for path, item in doc["paths"].items():
        responses = item["get"]["responses"]
        assert "200" in responses
        if "{slug}" in path:
            assert "404" in responses
    listing = doc["paths"]["/consultations/{slug}/comments"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"slug", "cursor", "limit", "language"}
    assert "400" in listing["responses"]
    json.dumps(doc)  # plain JSON, no Python objects left


def test_openapi_document_says_how_the_csv_download_is_laid_out(client, app):
    links = _json(client.get("/api/v1/openapi.json"))["components"]["schemas"]["Links"]
    csv_link = links["properties"]["comments_csv"]
    assert csv_link["format"] == "uri"
    assert "line 1 names the columns" in csv_link["description"]
    assert 'rel="license"' in csv_link["description"]
    assert "licence" in links["properties"]["comments_json"]["description"]


def test_api_answers_are_read_only(client, archive_world):
    assert client.post("/api/v1/consultations").status_code in (400, 405)  # never a write
    assert client.delete("/api/v1/consultations/allotments").status_code == 405
    with client.application.app_context():
        from consult.models import Consultation
        assert db.session.query(Consultation).count() == 3
