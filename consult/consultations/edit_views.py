"""Officials edit a consultation's details after creating it (on the manage blueprint), and
the consultation page reads its public history (a template global)."""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import Length

from consult.accounts import role_required
from consult.consultations import editing, history_words
from consult.consultations.manage import (
    MODERATION_CHOICES,
    DetailFields,
    _actor_id,
    _consultation_or_404,
    _explain_dates,
    bp,
    to_local,
    to_utc,
)
from consult.database import unit_of_work
from consult.extensions import db
from consult.i18n import LANGUAGES, N_, current_language, gettext, ngettext
from consult.i18n import lazy_gettext as _
from consult.models import Consultation, Status

# What each history entry is called (editing.EVENT_LABELS, marked here to be shown in the reader's
# language), and the word for each detail in "Saved. The changes (title, dates) are recorded".
HISTORY_LABELS = {
    "created": N_("Created"), "published": N_("Published"), "closed_early": N_("Closed early"),
    "extended": N_("Closing date extended"), "version": N_("New version"),
    "reattached": N_("Comments re-attached"), "reattach_undone": N_("Re-attachment undone"),
    "title_changed": N_("Title changed"),
    "summary_changed": N_("Summary changed"), "department_changed": N_("Department changed"),
    "scope_changed": N_("Scope changed"), "dates_changed": N_("Dates changed"),
    "moderation_changed": N_("Moderation changed"), "language": N_("Language"),
}
CHANGED_WORDS = {
    "title_changed": N_("title"), "summary_changed": N_("summary"), "department_changed": N_("department"),
    "scope_changed": N_("scope"), "dates_changed": N_("dates"), "moderation_changed": N_("moderation"),
}


class DetailsForm(DetailFields):
    """A consultation's details as officials may change them after creating it."""

    title = StringField(_("Title"), validators=[Length(max=300)])
    moderation_mode = RadioField(_("How comments are moderated"), choices=MODERATION_CHOICES)
    reason = TextAreaField(_("Reason for the change"), render_kw={"rows": 2})
    loaded = HiddenField()

    def fill(self, consultation: Consultation) -> None:
        """Show the consultation's details as they are now."""
        details = editing.details_of(consultation)
        for name in ("title", "department", "summary", *editing.SCOPE_PARTS, "moderation_mode"):
            getattr(self, name).data = getattr(details, name)
        self.opens_at.data = to_local(details.opens_at)
        self.closes_at.data = to_local(details.closes_at)
        self.loaded.data = editing.stamp(details)

    def details(self) -> editing.Details:
        """The details as typed (dates as naive UTC)."""
        return editing.Details(
            title=self.title.data or "", summary=self.summary.data or "",
            department=self.department.data or "",
            **{name: getattr(self, name).data or "" for name in editing.SCOPE_PARTS},
            opens_at=to_utc(self.opens_at.data), closes_at=to_utc(self.closes_at.data),
            moderation_mode=self.moderation_mode.data or "")


def _details_page(consultation: Consultation, form: DetailsForm, messages=(), status=200):
    return render_template(
        "manage/details.html", consultation=consultation, form=form, messages=list(messages),
        status_now=consultation.status, timezone=current_app.config["SITE_TIMEZONE"],
        comments=editing.comments_received(db.session, consultation),
        labels=editing.MODERATION_WORDS), status


@bp.route("/<slug>/details", methods=["GET", "POST"])
@role_required("official")
def details(slug: str):
    """Edit the title, summary, department, scope, dates and moderation; each change goes in
    the public history, and a change that would break a promise is refused."""
    consultation = _consultation_or_404(slug)
    form = DetailsForm()
    if request.method == "GET":
        form = DetailsForm(formdata=None)
        form.fill(consultation)
        return _details_page(consultation, form)
    if consultation.status is Status.ARCHIVED:
        return _details_page(consultation, form, [gettext("This consultation is archived: its details can "
                                                          "no longer change.")], 409)
    form.validate()  # field-level checks: date formats and lengths
    _explain_dates(form.opens_at, form.closes_at)
    if any(field.errors for field in form):
        return _details_page(consultation, form, status=400)
    try:
        with unit_of_work(db.session):
            changes = editing.edit_details(
                db.session, consultation, form.details(), reason=form.reason.data or "",
                actor_id=_actor_id(), loaded=form.loaded.data or "",
                zone=ZoneInfo(current_app.config["SITE_TIMEZONE"]))
    except editing.DetailsRefused as exc:
        messages = []
        for name, message in exc.errors:
            if name is None:
                messages.append(message)
            else:
                getattr(form, name).errors.append(message)
        if exc.status == 409:
            # Saving again now deliberately replaces what the other person saved.
            form.loaded.data = editing.stamp(editing.details_of(consultation))
        return _details_page(consultation, form, messages, exc.status)
    if not changes:
        flash(gettext("Nothing was changed: the details are as they were."), "info")
    else:
        names = ", ".join(gettext(CHANGED_WORDS[kind]) if kind in CHANGED_WORDS
                          else editing.EVENT_LABELS[kind].split(" ")[0].lower() for kind, _detail in changes)
        flash(ngettext("Saved. The change (%(names)s) is recorded in the consultation's public history.",
                       "Saved. The changes (%(names)s) are recorded in the consultation's public history.",
                       len(changes), names=names), "success")
    return redirect(url_for("manage.edit", slug=slug), code=303)


@bp.app_template_global("public_history")
def public_history(consultation: Consultation) -> list[editing.PublicEntry]:
    """The history the consultation page shows the public."""
    return editing.public_history(db.session, consultation)


@bp.app_template_global("history_label")
def history_label(kind: str) -> str:
    """What a kind of history entry is called, in the reader's language."""
    if kind in HISTORY_LABELS:
        return gettext(HISTORY_LABELS[kind])
    return editing.EVENT_LABELS.get(kind, kind.replace("_", " ").capitalize())


# History details recorded in English in a known form (consult/consultations/versions.py,
# lifecycle.py, consult/languages/service.py), shown in the reader's language.
_VERSION_DETAIL = re.compile(r"Version (\d+): (.*)", re.S)
_LANGUAGE_ADDED = re.compile(r"(\w+) text added to version (\d+)")
_MAIN_LANGUAGE = re.compile(r"main text in (\w+)")
_FIXED_DETAILS = {"Published: now visible to the public.": N_("Published: now visible to the public.")}
_LANGUAGE_CODES = {name: code for code, name in LANGUAGES.items()}


def _language(name: str) -> Markup:
    """A language by its own name, marked as that language."""
    code = _LANGUAGE_CODES.get(name)
    return Markup('<span lang="%s">%s</span>') % (code, name) if code else escape(name)


@bp.app_template_global("history_detail")
def history_detail(kind: str, detail: str, said: list | None = None) -> Markup:
    """A history entry's detail in the reader's language: from its words where they were
    recorded, else where the detail has a known form; any other as recorded (in English, with
    the official's own words), marked as English on a page in another language."""
    if said:
        return history_words.shown(said, history_words.site_zone())
    if detail in _FIXED_DETAILS:
        return escape(gettext(_FIXED_DETAILS[detail]))
    if kind == "version" and (match := _VERSION_DETAIL.fullmatch(detail)):
        note = Markup('<span dir="auto">%s</span>') % match.group(2)
        return Markup(gettext("Version %(number)s: %(note)s", number=match.group(1), note=note))
    if kind == "language" and (match := _LANGUAGE_ADDED.fullmatch(detail)):
        return Markup(gettext("%(language)s text added to version %(number)s",
                              language=_language(match.group(1)), number=match.group(2)))
    if kind == "language" and (match := _MAIN_LANGUAGE.fullmatch(detail)):
        return Markup(gettext("main text in %(language)s", language=_language(match.group(1))))
    if current_language() == "en":
        return escape(detail)
    return Markup('<span lang="en">%s</span>') % detail


FIRST_VERSION_NOTE = "First published version."  # stored with version 1 (consult/consultations/creation.py)


@bp.app_template_global("version_note")
def version_note(note: str) -> str:
    """A version's note: the first version's, stored in English, in the reader's language; an
    official's as written."""
    return gettext(N_("First published version.")) if note == FIRST_VERSION_NOTE else note
