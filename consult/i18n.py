"""Languages: Flask-Babel (the only importer), which language a request is read in, and its catalogues.

The language of a request is, in this order: the URL's ``lang`` parameter (a Welsh link opens in
Welsh), the reader's remembered choice (a cookie set whenever the URL named a language), a
signed-in user's stored language (``users.language``), the browser's Accept-Language, English.
Every page offers the other language at the same address (`language_links`), and
``<link rel="alternate" hreflang>`` for each.

The catalogues are translations/<lang>/LC_MESSAGES/messages.po in the repository. They are
compiled at start-up into the instance folder when missing or older than the .po, so every way of
starting Consult (make run, gunicorn, the tests, CI on a fresh clone) has them with no build step
to forget, and an installed copy whose source tree is read-only still works.
"""
from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, has_request_context, render_template, request
from flask_babel import Babel, force_locale, get_locale, gettext, lazy_gettext, ngettext, pgettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import update

from consult.database import read_then_write
from consult.extensions import db
from consult.models import User
from documents.errors import translate_messages_with

__all__ = ["LANGUAGES", "gettext", "lazy_gettext", "ngettext", "pgettext", "N_", "current_language", "language_for",
           "local_time", "written_in"]

TRANSLATIONS_SOURCE = Path(__file__).resolve().parent.parent / "translations"
# Each language's own name, as its speakers write it: the switch shows these untranslated.
LANGUAGES = {"en": "English", "cy": "Cymraeg"}
DEFAULT_LANGUAGE = "en"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

babel = Babel()


def N_(message: str) -> str:  # noqa: N802  (the gettext convention pybabel extracts by default)
    """Mark a message for extraction only; it is translated later, where it is shown."""
    return message


def _language_in_url() -> str | None:
    asked = request.args.get("lang")
    return asked if asked in LANGUAGES else None


def _chosen_language() -> str | None:
    """The language the URL names, else the one this browser remembers."""
    chosen = _language_in_url() or request.cookies.get(COOKIE)
    return chosen if chosen in LANGUAGES else None


def _browser_language() -> str:
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT_LANGUAGE)


def select_language() -> str:
    """The request's language: URL, remembered choice, the user's stored one, the browser's, English."""
    if not has_request_context():  # a command or a job: messages in English unless forced
        return DEFAULT_LANGUAGE
    chosen = _chosen_language()
    if chosen:
        return chosen
    # Loading the user here, in a form or a POST before its view has begun its read (forms ask
    # for the language when they are made), would begin the request's transaction with its write
    # intent: on SQLite, waiting for the write lock only to read who is posting. So a POST uses
    # the stored language only once the view has loaded the user; the cookie usually answers.
    user_loaded = request.method in ("GET", "HEAD") or "_login_user" in g
    if user_loaded and current_user.is_authenticated and getattr(current_user, "language", None) in LANGUAGES:
        return current_user.language
    return _browser_language()


def language_for(user) -> str:
    """The language the next page will be read in by this user, just signed in (select_language's
    order, with their stored language), so that what is said on it ("You are signed in as …") is
    in that language too."""
    stored = getattr(user, "language", None)
    return _chosen_language() or (stored if stored in LANGUAGES else None) or _browser_language()


def unknown_language() -> str | None:
    """The ``lang`` the URL asked for when the site does not offer it (shown with a notice), else None."""
    asked = request.args.get("lang")
    return asked[:20] if asked and asked not in LANGUAGES else None


def current_language() -> str:
    """The two-letter code of the language this request is read in ("en" outside a request)."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def written_in(language: str | None):
    """Inside it, messages are in `language` (a recipient's stored one; English when none or unknown).

    For mail written for someone other than the reader of the page: it needs an application
    context to switch (a script with no app writes English)."""
    return force_locale(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def store_language(session, user_id: int, code: str) -> None:
    """Record a user's chosen language, used for their pages (and later their mail)."""
    session.execute(update(User).where(User.id == user_id).values(language=code))


def language_url(code: str) -> str:
    """This page in another language: the same path and query, with ``lang`` replaced.

    A ``next`` that is not a path on this site is left out, as the sign-in pages leave it out:
    the page never repeats an off-site address it was given.
    """
    from consult.accounts.service import safe_next  # (accounts will import this module for its messages)

    args = [(key, value) for key, value in request.args.items(multi=True)
            if key != "lang" and (key != "next" or safe_next(value))]
    args.append(("lang", code))
    return f"{request.script_root}{request.path}?{urlencode(args)}"


def language_links() -> list[dict[str, str | bool]]:
    """The language switch: each language's name, code, this page's address in it, and whether it is current."""
    here = current_language()
    return [{"code": code, "name": name, "url": language_url(code), "current": code == here}
            for code, name in LANGUAGES.items()]


# strftime directives the templates use, in Babel's (CLDR) pattern language.
_STRFTIME_TO_CLDR = {"%-d": "d", "%d": "dd", "%B": "MMMM", "%b": "MMM", "%Y": "y",
                     "%H": "HH", "%M": "mm", "%S": "ss"}


def _cldr_pattern(fmt: str) -> str:
    out, i = [], 0
    while i < len(fmt):
        for directive, field in _STRFTIME_TO_CLDR.items():
            if fmt.startswith(directive, i):
                out.append(field)
                i += len(directive)
                break
        else:
            char = fmt[i]
            out.append(f"'{char}'" if char.isalpha() else ("''" if char == "'" else char))
            i += 1
    return "".join(out)


def local_time(value: datetime, fmt: str, zone) -> str:
    """A stored (naive UTC) time shown in the site's zone, with month names in the reader's language.

    English keeps strftime's output exactly as before; other languages get Babel's names
    ("3 Mawrth 2026, 14:05") from the same format.
    """
    moment = value.replace(tzinfo=UTC).astimezone(zone)
    language = current_language()
    if language == DEFAULT_LANGUAGE:
        return moment.strftime(fmt)
    return format_datetime(moment, _cldr_pattern(fmt), tzinfo=zone, locale=language)


# Werkzeug's names and default descriptions of the errors Consult shows, word for word (a test
# compares them), so they can be translated; a description a view gave is shown as it is.
_HTTP_ERRORS = {
    400: (N_("Bad Request"),
          N_("The browser (or proxy) sent a request that this server could not understand.")),
    403: (N_("Forbidden"),
          N_("You don't have the permission to access the requested resource. It is either read-protected "
             "or not readable by the server.")),
    404: (N_("Not Found"),
          N_("The requested URL was not found on the server. If you entered the URL manually please check "
             "your spelling and try again.")),
    405: (N_("Method Not Allowed"), N_("The method is not allowed for the requested URL.")),
    409: (N_("Conflict"),
          N_("A conflict happened while processing the request. The resource might have been modified "
             "while the request was being processed.")),
    410: (N_("Gone"),
          N_("The requested URL is no longer available on this server and there is no forwarding address. "
             "If you followed a link from a foreign page, please contact the author of this page.")),
    413: (N_("Request Entity Too Large"), N_("The data value transmitted exceeds the capacity limit.")),
    429: (N_("Too Many Requests"), N_("This user has exceeded an allotted request count. Try again later.")),
    500: (N_("Internal Server Error"),
          N_("The server encountered an internal error and was unable to complete your request. Either the "
             "server is overloaded or there is an error in the application.")),
    503: (N_("Service Unavailable"),
          N_("The server is temporarily unable to service your request due to maintenance downtime or "
             "capacity problems. Please try again later.")),
}


# What an error page is headed, in plain words rather than the protocol's names ("Not Found"):
# the reader did nothing wrong by meeting one.
_PLAIN_NAMES = {
    400: N_("That request cannot be used"),
    403: N_("You cannot see this page"),
    404: N_("Page not found"),
    405: N_("That cannot be done here"),
    409: N_("That cannot be done now"),
    410: N_("This page has gone"),
    413: N_("That is too large to send"),
    429: N_("Too many requests: please wait a moment"),
    500: N_("Sorry, something went wrong"),
    503: N_("Sorry, the service is unavailable"),
}


def http_error_text(code: int | None, name: str, description: str | None) -> tuple[str, str | None]:
    """An error page's heading and description in the reader's language: plain words where the
    name is Werkzeug's own, and Werkzeug's description translated where it is used."""
    known = _HTTP_ERRORS.get(code or 0)
    if known is None:
        return name, description
    english_name, english_description = known
    return (gettext(_PLAIN_NAMES[code or 0]) if name == english_name else name,
            gettext(english_description) if description == english_description else description)


def compile_catalogues(source: Path, target: Path) -> None:
    """Compile each language's messages.po into target/<lang>/LC_MESSAGES/messages.mo when stale."""
    for po_path in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        mo_path = target / po_path.relative_to(source).with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and moved into place: two processes starting at once never read half a file.
        handle, temporary = tempfile.mkstemp(dir=mo_path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as mo_file:
            write_mo(mo_file, catalog)
        os.replace(temporary, mo_path)


def init_app(app: Flask) -> None:
    """Bind Flask-Babel, compile the catalogues, remember choices and give templates the switch."""
    compiled = Path(app.instance_path) / "translations"
    compile_catalogues(TRANSLATIONS_SOURCE, compiled)
    # documents' messages (its refusals, the import report's notes on links and images, marked
    # there with N_) are read in the reader's language; English on the command line.
    translate_messages_with(gettext, current_language)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(compiled))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["SITE_TIMEZONE"])
    babel.init_app(app, locale_selector=select_language)

    @app.before_request
    def _store_signed_in_choice() -> None:
        chosen = _language_in_url()
        if (chosen and request.method == "GET" and current_user.is_authenticated
                and getattr(current_user, "language", None) != chosen):
            with read_then_write(db.session) as write:
                write()
                store_language(db.session, current_user.id, chosen)

    @app.after_request
    def _remember_choice(response):
        chosen = _language_in_url()
        if chosen and request.cookies.get(COOKIE) != chosen:
            response.set_cookie(COOKIE, chosen, max_age=COOKIE_MAX_AGE, secure=request.is_secure,
                                httponly=True, samesite="Lax")
        if response.mimetype == "text/html":
            # The same address is English or Welsh by cookie and browser: caches must keep both.
            response.vary.add("Cookie")
            response.vary.add("Accept-Language")
        return response

    @app.context_processor
    def _languages() -> dict:
        return {"current_language": current_language, "language_links": language_links,
                "language_url": language_url, "unknown_language": unknown_language,
                "script_words": script_words}


_SCRIPT_WORDS: dict[str, Markup] = {}


def script_words() -> Markup:
    """The words the page scripts show (templates/_script_words.html), in the reader's language.

    The same on every page of the site and about thirty translations to look up, so rendered
    once per language and kept for the life of the process."""
    language = current_language()
    words = _SCRIPT_WORDS.get(language)
    if words is None:
        words = _SCRIPT_WORDS[language] = Markup(render_template("_script_words.html"))
    return words
