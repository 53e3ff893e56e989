"""The OpenAPI 3 document for the read-only API (kept next to the views it describes)."""
from __future__ import annotations

from consult.archive.service import MAX_PER_PAGE, PER_PAGE, PUBLIC_STATUSES


def _nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


STRING = {"type": "string"}
TIME = {"type": "string", "format": "date-time"}
URL = {"type": "string", "format": "uri"}


def _object(properties: dict, required: list[str] | None = None, description: str = "") -> dict:
    schema = {"type": "object", "properties": properties,
              "required": list(properties) if required is None else required}
    if description:
        schema["description"] = description
    return schema


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS = {
    "Error": _object({"error": {"type": "string", "description": "The HTTP status in words."},
                      "message": {"type": "string", "description": "What went wrong, in plain words."}},
                     description="Every error answer under /api/ has this shape."),
    "Licence": _object({"name": STRING, "url": URL}),
    "Links": _object({
        **{name: URL for name in ("html", "self", "versions", "comments", "comments_csv",
                                  "comments_json", "comments_feed", "themes", "response")},
        "comments_csv": {**URL, "description": (
            "Every published comment as CSV (UTF-8, RFC 4180): line 1 names the columns, one "
            "comment per row after it. The licence is in the download's Link header "
            "(rel=\"license\") and in the JSON download's `licence`.")},
        "comments_json": {**URL, "description": (
            "Every published comment as one JSON document, with `licence` (name, url, note) "
            "and `consultation` beside `comments`.")},
    }),
    "Consultation": _object({
        "slug": {"type": "string", "pattern": "^[a-z0-9-]{1,80}$"},
        "title": STRING,
        "department": STRING,
        "summary": STRING,
        "status": {"type": "string", "enum": list(PUBLIC_STATUSES)},
        "opens_at": _nullable(TIME),
        "closes_at": _nullable(TIME),
        "published_at": _nullable(TIME),
        "responded_at": _nullable(TIME),
        "archived_at": _nullable(TIME),
        "current_version": _nullable({"type": "integer", "minimum": 1}),
        "response_published": {"type": "boolean"},
        "links": _ref("Links"),
    }),
    "ConsultationPage": _object({
        "items": {"type": "array", "items": _ref("Consultation")},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        "total": {"type": "integer", "minimum": 0},
        "pages": {"type": "integer", "minimum": 1},
        "next": _nullable(URL),
        "previous": _nullable(URL),
    }),
    "VersionSummary": _object({
        "number": {"type": "integer", "minimum": 1},
        "title": STRING,
        "note": {"type": "string", "description": "What changed in this version."},
        "created_at": TIME,
        "paragraphs": {"type": "integer", "minimum": 0, "description": "How many paragraphs it has."},
    }),
    "VersionList": _object({"items": {"type": "array", "items": _ref("VersionSummary")}}),
    "Paragraph": _object({
        "anchor": {"type": "string", "description": "Stable across versions; used in /c/{slug}/p/{anchor}."},
        "number": {"type": "string", "description": "The human number, e.g. 4.2."},
        "kind": {"type": "string", "description": "heading, paragraph, list_item, blockquote, table, code …"},
        "text": {"type": "string", "description": "Plain text."},
        "html": {"type": "string", "description": "Sanitised HTML."},
        "figures": {"type": "array", "description": ("The images the paragraph shows, served by this "
                                                     "site; only on paragraphs that show images."),
                    "items": _object({"url": URL, "alt": {
                        "type": "string", "description": "The alt text; empty if the document gave none."}})},
    }, required=["anchor", "number", "kind", "text", "html"]),
    "Version": _object({
        "number": {"type": "integer", "minimum": 1},
        "title": STRING,
        "note": STRING,
        "created_at": TIME,
        "paragraphs": {"type": "array", "items": _ref("Paragraph")},
    }),
    "Comment": _object({
        "id": {"type": "integer"},
        "consultation": STRING,
        "version": {"type": "integer", "minimum": 1, "description": "The version it was written on."},
        "paragraph_anchor": _nullable({"type": "string", "description": "Null: on the whole document."}),
        "paragraph_number": _nullable(STRING),
        "paragraph_text": _nullable({"type": "string",
                                     "description": "The paragraph as it read when the comment was written."}),
        "reattached_to_version": _nullable({"type": "integer", "minimum": 1, "description": (
            "Set when officials re-attached the comments of a removed paragraph: the version of "
            "the paragraph it was moved to (paragraph_anchor is that paragraph's).")}),
        "reattached_to_paragraph_number": _nullable({"type": "string", "description": (
            "The number of the paragraph it was re-attached to, in that version.")}),
        "reply_to": _nullable({"type": "integer", "description": "The comment this one replies to."}),
        "comment": {"type": "string", "description": "The text as published (redactions applied)."},
        "language": _nullable({"type": "string", "description": (
            "The language the comment is written in, a BCP 47 tag ('en', 'cy'), chosen by its author "
            "or told from its text; null for comments written before languages were recorded.")}),
        "stance": _nullable({"type": "string", "enum": ["support", "oppose", "mixed", None]}),
        "respondent_type": {"type": "string", "enum": ["individual", "organisation"]},
        "organisation": _nullable(STRING),
        "name": {"type": "string", "description": "The commenter's name if they chose to show it, "
                                                  "otherwise 'a member of the public'."},
        "published_at": TIME,
        "themes": {"type": "array", "items": STRING,
                   "description": "Themes it was counted under, once the response is published."},
        "outcomes": {"type": "array", "items": STRING},
        "received_at": {**TIME, "description": (
            "When the comment was received. published_at is when it became public, later for a "
            "comment held for moderation: received_at shows whether it came before the closing date.")},
    }),
    "CommentPage": _object({
        "items": {"type": "array", "items": _ref("Comment")},
        "next_cursor": _nullable({"type": "string", "description": "Opaque; pass as ?cursor= for the next page."}),
        "next": _nullable(URL),
        "licence": _ref("Licence"),
    }),
    "Theme": _object({
        "id": {"type": "integer"},
        "title": STRING,
        "said": {"type": "string", "description": "What people said."},
        "outcome": _nullable({"type": "string", "enum": ["changed", "no_change", "further_work",
                                                         "out_of_scope", None]}),
        "outcome_label": STRING,
        "reasons": STRING,
        "comments": {"type": "integer", "minimum": 0},
        "paragraphs": {"type": "array", "items": STRING, "description": "Anchors of changed paragraphs."},
    }),
    "ThemeList": _object({"items": {"type": "array", "items": _ref("Theme")}}),
    "Response": _object({
        "summary": STRING,
        "next_steps": STRING,
        "from_version": _nullable({"type": "integer"}),
        "to_version": _nullable({"type": "integer"}),
        "published_at": TIME,
        "themes": {"type": "array", "items": _ref("Theme")},
        "corrections": {"type": "array", "items": _object({"note": STRING, "at": TIME})},
    }),
}
SCHEMAS["ConsultationDetail"] = {"allOf": [_ref("Consultation"),
                                           _object({"licence": _ref("Licence")})]}

SLUG = {"name": "slug", "in": "path", "required": True, "description": "The consultation's slug.",
        "schema": {"type": "string"}}
NUMBER = {"name": "number", "in": "path", "required": True, "description": "The version number.",
          "schema": {"type": "integer", "minimum": 1}}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _ok(schema: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _get(operation_id: str, summary: str, ok: dict, parameters: list, *, bad_request: bool = False,
         not_found: str | None = "No public consultation with this slug.") -> dict:
    responses = {"200": ok}
    if bad_request:
        responses["400"] = _error("A parameter is malformed (the message says which).")
    if not_found:
        responses["404"] = _error(not_found)
    return {"get": {"operationId": operation_id, "summary": summary, "parameters": parameters,
                    "responses": responses}}


def build_document(server: str, licence: dict, title: str = "Consult API") -> dict:
    """The OpenAPI 3.0 document; `server` is the API's base path (e.g. /api/v1)."""
    page = {"name": "page", "in": "query", "required": False, "description": "Page number, from 1.",
            "schema": {"type": "integer", "minimum": 1, "default": 1}}
    per_page = {"name": "per_page", "in": "query", "required": False,
                "description": f"Items per page; larger values are capped at {MAX_PER_PAGE}.",
                "schema": {"type": "integer", "minimum": 1, "default": PER_PAGE}}
    status = {"name": "status", "in": "query", "required": False, "description": (
                  "Only consultations with this status, as the archive's filter: `closed` is every "
                  "one no longer taking comments (status closed, responded or archived), `responded` "
                  "every one whose response is published (responded or archived); the others are "
                  "exactly that status."),
              "schema": {"type": "string", "enum": list(PUBLIC_STATUSES)}}
    cursor = {"name": "cursor", "in": "query", "required": False,
              "description": "The next_cursor of the previous page; omit for the first page.",
              "schema": {"type": "string"}}
    limit = {"name": "limit", "in": "query", "required": False,
             "description": f"Comments per page; larger values are capped at {MAX_PER_PAGE}.",
             "schema": {"type": "integer", "minimum": 1, "default": PER_PAGE}}
    language = {"name": "language", "in": "query", "required": False,
                "description": "Only comments in this language (a BCP 47 tag such as 'en' or 'cy').",
                "schema": {"type": "string", "maxLength": 8}}
    no_response = "No public consultation with this slug, or its response is not published yet."
    return {
        "openapi": "3.0.3",
        "info": {
            "title": title,
            "version": "1.0.0",
            "description": "Read-only access to public consultations, their document versions and "
                           "paragraphs, published comments (no personal data) and published responses. "
                           "Errors are JSON objects with `error` and `message`.",
            "license": {"name": licence["name"], "url": licence["url"]},
        },
        "servers": [{"url": server}],
        "paths": {
            "/consultations": _get("listConsultations", "Public consultations, newest first",
                                   _ok("ConsultationPage", "A page of consultations."),
                                   [page, per_page, status], bad_request=True,
                                   not_found="The page is past the end of the list."),
            "/consultations/{slug}": _get("getConsultation", "One consultation",
                                          _ok("ConsultationDetail", "The consultation."), [SLUG]),
            "/consultations/{slug}/versions": _get("listVersions", "The document's versions",
                                                   _ok("VersionList", "Every version, oldest first."), [SLUG]),
            "/consultations/{slug}/versions/{number}": _get(
                "getVersion", "One version with its paragraphs", _ok("Version", "The version."),
                [SLUG, NUMBER], not_found="No such consultation, or it has no version with this number."),
            "/consultations/{slug}/comments": _get(
                "listComments", "Published comments, oldest first (cursor pagination)",
                _ok("CommentPage", "A page of comments."), [SLUG, cursor, limit, language], bad_request=True),
            "/consultations/{slug}/themes": _get("listThemes", "Themes of the published response",
                                                 _ok("ThemeList", "The themes."), [SLUG], not_found=no_response),
            "/consultations/{slug}/response": _get("getResponse", "The published response",
                                                   _ok("Response", "The response."), [SLUG],
                                                   not_found=no_response),
            "/openapi.json": {"get": {"operationId": "getOpenApi", "summary": "This document",
                                      "responses": {"200": {"description": "The OpenAPI document.",
                                                            "content": {"application/json": {
                                                                "schema": {"type": "object"}}}}}}},
        },
        "components": {"schemas": SCHEMAS},
    }
