"""The read-only JSON API, version 1: consultations, versions, paragraphs, comments, response."""
from __future__ import annotations

import html as htmllib
import re

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for

from consult.api.openapi import build_document
from consult.archive import service
from consult.extensions import db
from consult.i18n import gettext
from consult.models import Consultation

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def index():
    """/api/v1 itself: a short page for people that links the OpenAPI document, or the same
    links as JSON for a program (one that asks for JSON, or for anything)."""
    links = {
        "openapi": url_for("api.openapi", _external=True),
        "consultations": url_for("api.consultations", _external=True),
        "documentation": url_for("api_index", _external=True),
    }
    accept = request.accept_mimetypes
    wants_html = accept.best_match(["application/json", "text/html"]) == "text/html" \
        and accept["text/html"] > accept["application/json"]
    if wants_html:
        response = current_app.make_response(render_template(
            "pages/api.html", links=links, licence=_licence(), example=url_for(
                "api.consultations", per_page=5, _external=True)))
    else:
        response = jsonify(name=f"{current_app.config['SITE_NAME']} API", version="1",
                           description=gettext("Read-only JSON: public consultations, their versions and "
                                               "paragraphs, published comments and responses."),
                           links=links, licence=_licence())
    response.vary.add("Accept")
    return response


# /api/v1 is the application's own rule (endpoint "api_index"), not the blueprint's: the
# blueprint's endpoints are the data operations the OpenAPI document describes, one for one.
@bp.record_once
def _add_index(state) -> None:
    for rule in ("/api/v1", "/api/v1/"):
        state.app.add_url_rule(rule, "api_index", index, methods=["GET"])


def _consultation(slug: str) -> Consultation:
    consultation = service.public_consultation(db.session, slug)
    if consultation is None:
        abort(404, description=gettext("There is no public consultation with the slug '%(slug)s'.", slug=slug[:80]))
    return consultation


def _run(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except service.ArchiveError as exc:
        abort(exc.status, description=exc.message)


def _licence() -> dict:
    return {"name": current_app.config["DATA_LICENCE_NAME"], "url": current_app.config["DATA_LICENCE_URL"]}


def _links(slug: str) -> dict:
    return {
        "html": url_for("consultations.show", slug=slug, _external=True),
        "self": url_for("api.consultation", slug=slug, _external=True),
        "versions": url_for("api.versions", slug=slug, _external=True),
        "comments": url_for("api.comments", slug=slug, _external=True),
        "comments_csv": url_for("archive.comments_csv", slug=slug, _external=True),
        "comments_json": url_for("archive.comments_json", slug=slug, _external=True),
        "comments_feed": url_for("feeds.comments", slug=slug, _external=True),
        "themes": url_for("api.themes", slug=slug, _external=True),
        "response": url_for("api.response", slug=slug, _external=True),
    }


@bp.get("/consultations")
def consultations():
    """Public consultations, newest first, a page at a time; ?status= filters as the archive does
    (closed includes those with a response: consult/archive/listing.py, filter_condition)."""
    status = request.args.get("status") or None
    if status is not None and status not in service.PUBLIC_STATUSES:
        abort(400, description=gettext("Unknown status '%(status)s': use one of %(statuses)s.", status=status[:30],
                                       statuses=", ".join(service.PUBLIC_STATUSES)))
    page = _run(service.parse_page, request.args.get("page"))
    per_page = _run(service.parse_per_page, request.args.get("per_page"))
    items, result = _run(service.consultations_page, db.session, status=status, page=page, per_page=per_page)
    for item in items:
        item["links"] = _links(item["slug"])

    def page_url(number: int) -> str:
        return url_for("api.consultations", page=number, per_page=result.per_page, status=status,
                       _external=True)

    return jsonify(items=items, page=result.page, per_page=result.per_page, total=result.total,
                   pages=result.pages, next=page_url(result.page + 1) if result.page < result.pages else None,
                   previous=page_url(result.page - 1) if result.page > 1 else None)


@bp.get("/consultations/<slug>")
def consultation(slug: str):
    """One public consultation."""
    record = service.consultation_record(db.session, _consultation(slug))
    record["links"] = _links(slug)
    record["licence"] = _licence()
    return jsonify(record)


@bp.get("/consultations/<slug>/versions")
def versions(slug: str):
    """Every version of the consultation's document."""
    return jsonify(items=service.versions_of(db.session, _consultation(slug)))


@bp.get("/consultations/<slug>/versions/<int:number>")
def version(slug: str, number: int):
    """One version of the document with its paragraphs, and each paragraph's figures."""
    record = _run(service.version_record, db.session, _consultation(slug), number)
    for paragraph in record["paragraphs"]:
        if "<img" in paragraph["html"]:
            paragraph["figures"] = _figures(paragraph["html"])
    return jsonify(record)


_IMG = re.compile(r"<img\b[^>]*>")
_ATTR = re.compile(r'\s(src|alt)="([^"]*)"')


def _figures(html: str) -> list[dict]:
    """The images a paragraph shows, as absolute URLs with their alt text."""
    if "<img" not in html:
        return []
    figures = []
    for tag in _IMG.findall(html):
        attrs = {name: htmllib.unescape(value) for name, value in _ATTR.findall(tag)}
        src = attrs.get("src", "")
        if src.startswith("/media/"):
            figures.append({"url": url_for("media.show", media=src.removeprefix("/media/"), _external=True),
                            "alt": attrs.get("alt", "")})
    return figures


@bp.get("/consultations/<slug>/comments")
def comments(slug: str):
    """Published comments, oldest first (in one language with ?language=), with an opaque cursor
    for the next page."""
    consultation = _consultation(slug)
    limit = _run(service.parse_per_page, request.args.get("limit"))
    language = request.args.get("language") or None
    items, cursor = _run(service.comments_page, db.session, consultation, request.args.get("cursor"), limit,
                         language)
    return jsonify(items=items, next_cursor=cursor, licence=_licence(),
                   next=url_for("api.comments", slug=slug, cursor=cursor, limit=limit, language=language,
                                _external=True) if cursor else None)


@bp.get("/consultations/<slug>/themes")
def themes(slug: str):
    """The themes of the published response."""
    return jsonify(items=_run(service.themes_record, db.session, _consultation(slug)))


@bp.get("/consultations/<slug>/response")
def response(slug: str):
    """The published response ("you said, we did")."""
    return jsonify(_run(service.response_record, db.session, _consultation(slug)))


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document describing this API."""
    return jsonify(build_document(server=url_for("api.consultations", _external=False).rsplit("/", 1)[0],
                                  licence=_licence(), title=f"{current_app.config['SITE_NAME']} API"))
