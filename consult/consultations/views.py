"""Reading a consultation: the home page, its versions and what changed.

The document page and the paragraph page, which show comments, are in consult/comments/pages.py
on the same blueprint (see consult/consultations/reading.py).
"""
from __future__ import annotations

from flask import abort, render_template, request

from consult.archive import service as archive_service
from consult.consultations import service
from consult.consultations.reading import bp
from consult.extensions import db
from consult.i18n import current_language, gettext
from consult.languages import service as languages
from consult.models import Status
from consult.text import whole_number


def _public_or_404(slug: str):
    consultation = service.get_consultation(db.session, slug)
    # Drafts are not public; the editing pages for officials show them.
    if consultation is None or consultation.status is Status.DRAFT:
        abort(404, description=gettext("There is no consultation at '/c/%(slug)s'.", slug=slug))
    return consultation


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
