"""The public archive, search, open data downloads and Atom feeds (all read-only, all public)."""
from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from consult import search as search_module
from consult.archive import service
from consult.extensions import db
from consult.i18n import gettext, ngettext
from consult.languages import details
from consult.models import Consultation, Status
from consult.text import whole_number

bp = Blueprint("archive", __name__)
feeds = Blueprint("feeds", __name__)

SEARCH_PAGE = 20
READ_ONLY = (Status.CLOSED, Status.RESPONDED, Status.ARCHIVED)


def _consultation_or_404(slug: str, as_json: bool = False) -> Consultation:
    consultation = service.public_consultation(db.session, slug)
    if consultation is None:
        message = gettext("There is no consultation at '/c/%(slug)s'.", slug=slug[:80])
        if as_json:  # as the API's errors: "error" the status in English words, the message the reader's
            abort(make_response(jsonify(error="Not Found", message=message), 404))
        abort(404, description=message)
    return consultation


def _fail(exc: service.ArchiveError):
    abort(exc.status, description=exc.message)


def _licence() -> tuple[str, str]:
    return current_app.config["DATA_LICENCE_NAME"], current_app.config["DATA_LICENCE_URL"]


@bp.app_template_global("archive_licence")
def archive_licence() -> dict:
    """The open-data licence, for the download block on a consultation's page."""
    name, url = _licence()
    return {"name": name, "url": url}


@bp.app_template_global("read_only_consultation")
def read_only_consultation(consultation: Consultation) -> bool:
    """True once a consultation has closed: its pages are then read-only."""
    return consultation.status in READ_ONLY


# --- the archive -------------------------------------------------------------------------------

@bp.get("/consultations")
def index():
    """Every public consultation, filterable by status, department and year, sortable, paged."""
    args = request.args
    status = args.get("status", "") or None
    department = args.get("department", "").strip() or None
    year_text = args.get("year", "").strip()
    sort = args.get("sort", "closing") or "closing"
    try:
        if status and status not in service.PUBLIC_STATUSES:
            raise service.ArchiveError(gettext("Unknown status '%(status)s': choose one of %(statuses)s.",
                                               status=status[:30], statuses=", ".join(service.PUBLIC_STATUSES)))
        if department and ("\x00" in department or len(department) > 200):
            raise service.ArchiveError(gettext("That department name cannot be searched for."))
        if year_text and (whole_number(year_text, 4) is None or len(year_text) != 4):
            raise service.ArchiveError(gettext("'%(value)s' is not a year: use four digits, such as 2024.",
                                               value=year_text[:20]))
        page = service.parse_page(args.get("page"))
        per_page = service.parse_per_page(args.get("per_page"))
        result = service.archive_page(db.session, status=status, department=department,
                                      year=int(year_text) if year_text else None, sort=sort,
                                      page=page, per_page=per_page)
    except service.ArchiveError as exc:
        _fail(exc)
    filters = {k: v for k, v in {"status": status, "department": department, "year": year_text,
                                 "sort": sort if sort != "closing" else None,
                                 "per_page": per_page if per_page != service.PER_PAGE else None}.items() if v}
    return render_template("archive/index.html", result=result, filters=filters,
                           statuses=service.PUBLIC_STATUSES, sorts=service.SORTS)


# --- search ------------------------------------------------------------------------------------



def _run_search(query: str, *, kinds=(), slugs=None, date_from=None, date_to=None, page=1):
    """Run a search; returns (results, message, status)."""
    if page > search_module.MAX_PAGE:  # past any search's last page, as a page past the end is
        return None, gettext("There is no page %(page)s of these results.", page=page), 404
    try:
        results = search_module.engine(current_app.config).search(
            db.session, query, kinds=kinds, slugs=slugs, date_from=date_from, date_to=date_to,
            page=page, pagelen=SEARCH_PAGE)
    except search_module.SearchUnavailable as exc:
        return None, str(exc), 503  # the query was fine; the index is being rebuilt
    except search_module.SearchError as exc:
        return None, str(exc), 400
    if results.total and page > results.pages:
        return None, ngettext("There is no page %(page)s of these results: there is %(num)s.",
                              "There is no page %(page)s of these results: there are %(num)s.",
                              results.pages, page=page), 404
    return results, None, 200


@bp.get("/search")
def search():
    """One search box across document paragraphs, published comments and responses."""
    args = request.args
    query = args.get("q", "")
    kinds = tuple(k for k in args.getlist("kind") if k)
    slug = args.get("consultation", "").strip()
    status = args.get("status", "").strip()
    form = {"q": query, "kinds": kinds, "consultation": slug, "status": status,
            "from": args.get("from", ""), "to": args.get("to", "")}
    results, message, code = None, None, 200
    invalid_field = "q"  # the field a 400 message is about
    if query.strip() or any(v for k, v in form.items() if k != "q"):
        try:
            unknown = [k for k in kinds if k not in search_module.KINDS]
            if unknown:
                raise search_module.SearchError(gettext(
                    "Unknown kind '%(kind)s': choose from %(kinds)s.", kind=unknown[0][:30],
                    kinds=", ".join(search_module.KINDS)))
            if status and status not in service.PUBLIC_STATUSES:
                raise search_module.SearchError(gettext(
                    "Unknown status '%(status)s': choose one of %(statuses)s.", status=status[:30],
                    statuses=", ".join(service.PUBLIC_STATUSES)))
            date_from, date_to = service.date_range(form["from"], form["to"])
            page = service.parse_page(args.get("page"))
        except search_module.SearchError as exc:
            message, code = str(exc), 400
        except service.DateError as exc:
            message, code, invalid_field = exc.message, exc.status, exc.field
        except service.ArchiveError as exc:
            message, code = exc.message, exc.status
        else:
            slugs = None
            if status:
                slugs = service.slugs_with_status(db.session, status)
            if slug:
                slugs = tuple(s for s in (slugs if slugs is not None else (slug,)) if s == slug)
            results, message, code = _run_search(query, kinds=kinds, slugs=slugs, date_from=date_from,
                                                 date_to=date_to, page=page)
    # Shown back as 2024-01-31, the only value an <input type="date"> displays.
    form["from"], form["to"] = service.shown_day(form["from"]), service.shown_day(form["to"])
    public = service.public_consultations(db.session)
    cards = details.cards(public)
    choices = sorted(((c.slug, cards[c.id]) for c in public), key=lambda choice: choice[1].title.casefold())
    return render_template("archive/search.html", form=form, results=results, message=message,
                           titles=dict(choices),
                           invalid=code == 400, invalid_field=invalid_field,
                           kinds=search_module.KINDS, statuses=service.PUBLIC_STATUSES,
                           consultations=choices), code


@bp.get("/c/<slug>/search")
def consultation_search(slug: str):
    """Search one consultation's published comments."""
    consultation = _consultation_or_404(slug)
    query = request.args.get("q", "")
    results, message, code = None, None, 200
    if query.strip() or request.args.get("page"):
        try:
            page = service.parse_page(request.args.get("page"))
        except service.ArchiveError as exc:
            message, code = exc.message, exc.status
        else:
            results, message, code = _run_search(query, kinds=("comment",), slugs=(consultation.slug,),
                                                 page=page)
    return render_template("archive/consultation_search.html", consultation=consultation, q=query,
                           results=results, message=message, invalid=code == 400), code


# --- open data ---------------------------------------------------------------------------------

def _download_headers(consultation: Consultation, extension: str) -> dict:
    # RFC 8288's rel="license" says the licence in a way a CSV file itself has no room for.
    _name, licence_url = _licence()
    return {"Content-Disposition": f'attachment; filename="{consultation.slug}-comments.{extension}"',
            "Cache-Control": "public, max-age=300",
            "Link": f'<{licence_url}>; rel="license"'}


@bp.get("/c/<slug>/comments.csv")
def comments_csv(slug: str):
    """The published comments as CSV, under the open-data licence, streamed."""
    consultation = _consultation_or_404(slug)
    rows = service.comments_csv(db.session, consultation)
    return Response(stream_with_context(rows), mimetype="text/csv",
                    headers=_download_headers(consultation, "csv"))


@bp.get("/c/<slug>/comments.json")
def comments_json(slug: str):
    """The published comments as JSON, under the open-data licence, streamed."""
    consultation = _consultation_or_404(slug, as_json=True)
    name, url = _licence()
    chunks = service.comments_json(db.session, consultation, name, url)
    return Response(stream_with_context(chunks), mimetype="application/json",
                    headers=_download_headers(consultation, "json"))


@bp.get("/c/<slug>/comments.<filename>")
def comments_other(slug: str, filename: str):
    """Any other download format: a clear 404 naming the formats there are."""
    _consultation_or_404(slug)
    abort(404, description=gettext("Comments cannot be downloaded as '%(name)s': choose comments.csv, "
                                   "comments.json or the comments.atom feed.", name=filename[:20]))


# --- feeds -------------------------------------------------------------------------------------

def _atom(body: bytes) -> Response:
    return Response(body, mimetype="application/atom+xml",
                    headers={"Cache-Control": "public, max-age=300"})


def _site() -> str:
    return current_app.config["SITE_NAME"]


@feeds.get("/feeds/consultations.atom")
def consultations():
    """New consultations, newest first."""
    entries = [service.FeedEntry(
        id=url_for("consultations.show", slug=c.slug, _external=True),
        title=c.title + (f" ({c.department})" if c.department else ""),
        updated=c.published_at, link=url_for("consultations.show", slug=c.slug, _external=True),
        summary=c.summary) for c in service.latest_consultations(db.session)]
    return _atom(service.atom_feed(
        feed_id=url_for("feeds.consultations", _external=True), title=f"{_site()}: new consultations",
        self_url=url_for("feeds.consultations", _external=True),
        alternate_url=url_for("archive.index", _external=True), author=_site(), entries=entries))


@feeds.get("/feeds/responses.atom")
def responses():
    """Responses as they are published: what people said and what the department did."""
    entries = []
    for response, c in service.latest_responses(db.session):
        link = url_for("responses.show", slug=c.slug, _external=True)
        entries.append(service.FeedEntry(id=link, title=f"Response: {c.title}",
                                         updated=response.published_at, link=link,
                                         summary=response.summary))
    return _atom(service.atom_feed(
        feed_id=url_for("feeds.responses", _external=True), title=f"{_site()}: published responses",
        self_url=url_for("feeds.responses", _external=True),
        alternate_url=url_for("archive.index", status="responded", _external=True), author=_site(),
        entries=entries))


@feeds.get("/c/<slug>/comments.atom")
def comments(slug: str):
    """A consultation's newly published comments."""
    consultation = _consultation_or_404(slug)
    entries = []
    for record in service.latest_comments(db.session, consultation):
        if record["paragraph_anchor"]:
            page = url_for("consultations.paragraph", slug=slug, anchor=record["paragraph_anchor"],
                           _external=True)
            where = f"paragraph {record['paragraph_number']}"
        else:
            page = url_for("comments.general", slug=slug, _external=True)
            where = "the whole document"
        entries.append(service.FeedEntry(
            id=f"{url_for('consultations.show', slug=slug, _external=True)}#comment-{record['id']}",
            title=f"{record['name']} on {where}",
            updated=datetime.fromisoformat(record["published_at"].rstrip("Z")),
            link=f"{page}#comment-{record['id']}", summary=record["comment"], author=record["name"]))
    return _atom(service.atom_feed(
        feed_id=url_for("feeds.comments", slug=slug, _external=True),
        title=f"Comments on \u201c{consultation.title}\u201d", updated=consultation.published_at,
        self_url=url_for("feeds.comments", slug=slug, _external=True),
        alternate_url=url_for("consultations.show", slug=slug, _external=True), author=_site(),
        entries=entries))
