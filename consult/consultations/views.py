"""Reading a consultation: the home page, its versions and what changed.

The document page and the paragraph page, which show comments, are in consult/comments/pages.py
on the same blueprint (see consult/consultations/reading.py). A paragraph's number in place of
its anchor (/c/<slug>/p/4.2) and the "Go to paragraph" box (/c/<slug>?paragraph=4.2) are answered
here, before those pages.
"""
from __future__ import annotations

from typing import Any

from flask import abort, g, redirect, render_template, request, url_for
from markupsafe import Markup, escape

from consult.archive import service as archive_service
from consult.consultations import reading, service
from consult.consultations.reading import bp
from consult.extensions import db
from consult.i18n import current_language, gettext
from consult.languages import service as languages
from consult.models import Status
from consult.text import whole_number

MAX_SHOWN = 40  # characters of an unusable number repeated on the error page


def _public_or_404(slug: str):
    consultation = service.get_consultation(db.session, slug)
    # Drafts are not public; the editing pages for officials show them.
    if consultation is None or consultation.status is Status.DRAFT:
        abort(404, description=gettext("There is no consultation at '/c/%(slug)s'.", slug=slug))
    return consultation


@bp.before_request
def _paragraph_by_number():
    """A paragraph reached by the number a reader quotes, in the current version.

    /c/<slug>/p/4.2 leads to that paragraph's page (its anchor's). An anchor keeps priority: a
    value that can be an anchor is looked up as a number only when it is all digits and no
    version has that anchor; the paragraph page answers the rest. /c/<slug>?paragraph=4.2 is
    what the "Go to paragraph" box sends (a GET form, templates/consult/_go_to_paragraph.html):
    the number typed, or an anchor pasted in.
    """
    if request.method not in ("GET", "HEAD"):
        return None
    args = request.view_args or {}
    if request.endpoint == "consultations.show" and "paragraph" in request.args:
        return _go_to(_public_or_404(str(args.get("slug", ""))), request.args["paragraph"])
    if request.endpoint != "consultations.paragraph":
        return None
    value = str(args.get("anchor", ""))
    if reading.may_be_anchor(value):
        if not value.isdigit():
            return None
        consultation = _public_or_404(str(args.get("slug", "")))
        if reading.anchor_exists(db.session, consultation, value):
            return None
    else:
        consultation = _public_or_404(str(args.get("slug", "")))
    return _to_number(consultation, reading.clean_number(value), value)


def _go_to(consultation, raw: str):
    g.go_to = (consultation, raw[:MAX_SHOWN])  # a refusal shows the box again (templates/error.html)
    number = reading.clean_number(raw)
    if not number:
        abort(400, description=gettext("Type the number of a paragraph, for example 4.2."))
    if (reading.may_be_anchor(number) and not number.isdigit()
            and reading.anchor_exists(db.session, consultation, number)):
        return _redirect_to(consultation, number)  # not a number but an anchor ("p-4724dfed") pasted in
    return _to_number(consultation, number, raw)


def _redirect_to(consultation, anchor: str):
    # 302, not 301/308: a number names a paragraph of the version current now, and the next
    # version may number it differently, so neither browsers nor caches may keep the answer.
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k not in ("paragraph", "slug", "anchor")}
    return redirect(url_for("consultations.paragraph", slug=consultation.slug, anchor=anchor, **args), 302)


def _to_number(consultation, number: str, asked: str):
    """A redirect to the current paragraph with this number, or a 404 saying what became of it."""
    latest = service.current_version(db.session, consultation)
    found = reading.find_by_number(db.session, consultation, latest, number)
    if found.current is not None:
        return _redirect_to(consultation, found.current.anchor)
    document = url_for("consultations.show", slug=consultation.slug)
    if found.earlier is None:
        abort(404, description=Markup(gettext(
            "This consultation has no paragraph numbered %(number)s. Each paragraph’s number is "
            "shown beside it in <a href=\"%(url)s\">the document</a>.",
            number=escape(number or asked[:MAX_SHOWN]), url=escape(document))))
    versions: dict[str, Any] = {"from": found.earlier_version, "to": latest.number}
    changes = url_for("consultations.changes", slug=consultation.slug, **versions)
    message = gettext(
        "There is no paragraph %(number)s in the current version of this consultation (version "
        "%(latest)s): it was in version %(version)s. Paragraphs are numbered again when a new "
        "version is published; <a href=\"%(url)s\">see what changed between versions %(version)s "
        "and %(latest)s</a>.",
        number=escape(found.earlier.number), latest=latest.number, version=found.earlier_version,
        url=escape(changes))
    if found.now is not None:
        now = url_for("consultations.paragraph", slug=consultation.slug, anchor=found.now.anchor)
        message += " " + gettext(
            "The paragraph that was %(number)s in version %(version)s is now "
            "<a href=\"%(url)s\">paragraph %(now)s</a>.",
            number=escape(found.earlier.number), version=found.earlier_version,
            now=escape(found.now.number), url=escape(now))
    abort(404, description=Markup(message))


@bp.get("/")
def index():
    """The home page: consultations closing soon, the others open now, and the way to the archive."""
    return render_template("consult/index.html", home=archive_service.home(db.session))


@bp.get("/c/<slug>/versions")
def versions(slug: str):
    """Every version of the document, with the note saying what changed."""
    consultation = _public_or_404(slug)
    return render_template(
        "consult/versions.html", consultation=consultation, versions=consultation.versions
    )


def _version_number(name: str, default: int, latest: int) -> int:
    """A version number from the query string; a value that is not one is refused, not ignored."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    number = whole_number(raw.strip())
    if number is None:
        abort(400, description=gettext("“%(raw)s” is not a version number: this consultation has "
                                       "versions 1 to %(latest)s.", raw=raw[:40], latest=latest))
    if not 1 <= number <= latest:
        abort(404, description=gettext("There is no version %(number)s: this consultation has "
                                       "versions 1 to %(latest)s.", number=number, latest=latest))
    return number


@bp.get("/c/<slug>/changes")
def changes(slug: str):
    """What changed between two versions, paragraph by paragraph, word by word."""
    consultation = _public_or_404(slug)
    latest = service.current_version(db.session, consultation)
    to_number = _version_number("to", latest.number, latest.number)
    from_number = _version_number("from", max(to_number - 1, 1), latest.number)
    old = service.get_version(db.session, consultation, from_number)
    new = service.get_version(db.session, consultation, to_number)
    if old is None or new is None:
        abort(404, description=gettext("Versions %(old)s and %(new)s cannot be compared: this "
                                       "consultation has versions 1 to %(latest)s.",
                                       old=from_number, new=to_number, latest=latest.number))
    language = languages.comparable_language(db.session, old, new, current_language())
    rows = service.compare_versions(db.session, old, new, language)
    only_changes = request.args.get("all") != "1"
    return render_template(
        "consult/changes.html",
        consultation=consultation,
        old=old,
        new=new,
        rows=[r for r in rows if r.change != "unchanged"] if only_changes else rows,
        counts=service.summarise_changes(rows),
        only_changes=only_changes,
        text_language=language or languages.languages_of(db.session, consultation.id)[0],
    )
