"""Site-wide web behaviour: template helpers, security headers and error pages."""
from __future__ import annotations

import re
import secrets
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, render_template, request, send_from_directory
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, ValidationError

import documents
from consult import i18n
from consult.extensions import db

BUSY_RETRY_AFTER = 5
_HEADING_TAG = re.compile(r"<(/?)h([1-6])(?=[\s>])")
_FRAGMENT_LINK = re.compile(r'(<a\s[^>]*?href=")#')


MAX_ROW_ID = 2**31 - 1  # the ids are INTEGER columns: PostgreSQL refuses a larger number


class WholeNumberConverter(IntegerConverter):
    """`<int:...>` in URLs: ASCII digits, no larger than a row id can be.

    Werkzeug's own takes any Unicode decimal digits and numbers of any length, and a 30-digit
    id overflowed SQLite's integers, a 12-digit one PostgreSQL's (a server error) instead of
    finding nothing (a 404).
    """

    regex = r"[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ROW_ID:
            raise ValidationError()  # this URL names no row: the rule does not match, a 404
        return number


def site_zone() -> ZoneInfo:
    """The time zone pages show times in (SITE_TIMEZONE): mail and refusals use it too."""
    return ZoneInfo(current_app.config["SITE_TIMEZONE"])


def init_app(app: Flask) -> None:
    """Register template filters, response headers and friendly error pages."""
    zone = ZoneInfo(app.config["SITE_TIMEZONE"])

    @app.template_filter("localtime")
    def localtime(value: datetime | None, fmt: str = "%-d %B %Y, %H:%M") -> str:
        if value is None:
            return ""
        return i18n.local_time(value, fmt, zone)  # English exactly as strftime; month names translated

    @app.template_filter("isotime")
    def isotime(value: datetime | None) -> str:
        # <time datetime> allows at most three fractional digits: seconds are enough.
        return value.replace(tzinfo=UTC).isoformat(timespec="seconds") if value else ""

    @app.template_filter("heading_words")
    def heading_words(paragraph) -> str:
        """A heading's words without its own number: the page shows that number beside it."""
        return documents.heading_words(paragraph.number, paragraph.text)

    @app.template_filter("demote_headings")
    def demote_headings(html: str, levels: int = 1) -> Markup:
        """Shift a document's headings down under the page's own <h1> (already sanitised HTML)."""
        return Markup(_HEADING_TAG.sub(
            lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + levels)}", html))

    @app.template_filter("links_into")
    def links_into(html: str, page: str) -> Markup:
        """Point a paragraph's links to other parts of its document ("see section 6.4",
        "Figure 12", a footnote: href="#...") at the document page, for a page that shows the
        paragraph alone (already sanitised HTML; `page` is the document's address)."""
        return Markup(_FRAGMENT_LINK.sub(lambda m: f"{m.group(1)}{escape(page)}#", html))

    @app.get("/favicon.ico")
    def favicon():
        # Browsers ask for /favicon.ico on every page whatever the page links: answer it
        # rather than log a 404 per page view.
        return send_from_directory(app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                                   max_age=7 * 24 * 3600)

    @app.before_request
    def _nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.context_processor
    def _globals() -> dict:
        return {
            "site_name": app.config["SITE_NAME"],
            "site_timezone": app.config["SITE_TIMEZONE"],
            "csp_nonce": g.get("csp_nonce", ""),
            # Each comment form on a page gets its own key, so one resent is stored once and
            # two different ones are both stored.
            "new_submission_key": lambda: uuid.uuid4().hex,
        }

    @app.after_request
    def _security_headers(response):
        nonce = g.get("csp_nonce", "")
        # An import's preview shows figures not yet stored, inside the page (data: images).
        images = "'self' data:" if g.get("csp_img_data") else "'self'"
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            f"style-src 'self'; img-src {images}; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def _database_busy(error: Exception):
        # A locked or unreachable database is a temporary state: say so, never a stack trace.
        app.logger.warning("database unavailable: %s", error)
        db.session.rollback()
        message = i18n.ngettext("The site is very busy right now. Nothing you sent was stored; "
                                "please try again in %(num)d second.",
                                "The site is very busy right now. Nothing you sent was stored; "
                                "please try again in %(num)d seconds.", BUSY_RETRY_AFTER)
        headers = {"Retry-After": str(BUSY_RETRY_AFTER)}
        if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
            return {"ok": False, "error": message}, 503, headers
        return render_template("busy.html", message=message), 503, headers

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        message = i18n.gettext("This form has expired or was sent from another site, so nothing was done. "
                               "Go back, reload the page and send it again: your browser normally keeps "
                               "what you typed.")
        if request.accept_mimetypes.best == "application/json":
            return {"ok": False, "error": message}, 400
        name, _ = i18n.http_error_text(error.code, error.name, None)
        return render_template("error.html", error=error, name=name, message=message), 400

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        name, description = i18n.http_error_text(error.code, error.name, error.description)
        if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
            # "error" stays Werkzeug's English name (clients may match on it); the message is read.
            return {"error": error.name, "message": description}, error.code, headers
        return render_template("error.html", error=error, name=name, message=description), error.code, headers
