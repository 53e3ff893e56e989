"""Officials manage consultations in the browser: create, preview, publish, close, revise."""
from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import DateTimeLocalField, HiddenField, MultipleFileField, RadioField, StringField, TextAreaField
from wtforms.validators import Length, Optional

import documents
from consult.accounts import role_required
from consult.consultations import orphans, service
from consult.consultations.announce import dates_key
from consult.consultations.orphans import COUNTED_WORDS
from consult.consultations.uploads import Submitted, document_files
from consult.database import unit_of_work
from consult.extensions import db
from consult.forms import Form
from consult.i18n import gettext, ngettext

# Named _ so that `make messages` (pybabel's default keywords) extracts the labels; lazy, because
# the forms are made once, at import, and read in each request's language.
from consult.i18n import lazy_gettext as _
from consult.jobs.progress import telling_box
from consult.jobs.service import latest_job
from consult.languages import service as languages
from consult.models import MODERATION_MODES, Status
from consult.notifications import participant_count

bp = Blueprint("manage", __name__, url_prefix="/manage")
MARKDOWN_SUFFIXES = (".md", ".markdown")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]

MODERATION_LABELS = {
    "pre": _("Pre-moderation: a moderator checks every comment before anyone else can read it"),
    "post": _("Post-moderation: comments appear at once and moderators check them afterwards"),
    "reactive": _("Reactive: comments appear at once; moderators look at those readers report "
                  "and those the automatic check holds"),
}
# WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice; older ones lack it.
try:
    from wtforms import SelectChoice as _Choice
except ImportError:  # pragma: no cover - WTForms < 3.3
    def _Choice(value, label):  # noqa: N802
        return (value, label)
MODERATION_CHOICES = [_Choice(mode, MODERATION_LABELS[mode]) for mode in MODERATION_MODES]


# --------------------------------------------------------------------------- forms


class DocumentForm(Form):
    """The document itself: uploaded Markdown files, or pasted Markdown."""

    files = MultipleFileField(_("Upload Markdown files and their images"))
    markdown = TextAreaField(_("Or paste the Markdown"), render_kw={"rows": 14, "spellcheck": "false"})
    # Files uploaded before a preview, as JSON [[name, text], ...], so they need not be sent again.
    carried = HiddenField()
    # Images uploaded before a preview, as JSON [[path, base64], ...]: checked again when sent
    # back, since anything in a form can be changed on the way.
    carried_media = HiddenField()


class DetailFields(Form):
    """The details a new consultation is given and officials may change later (edit_views)."""

    department = StringField(_("Department"), validators=[Optional(), Length(max=200)])
    summary = TextAreaField(_("Summary"), render_kw={"rows": 3})
    scope_about = TextAreaField(_("Why we are asking"), render_kw={"rows": 3})
    scope_open = TextAreaField(_("Open for debate"), render_kw={"rows": 3})
    scope_closed = TextAreaField(_("Not open for debate"), render_kw={"rows": 3})
    scope_outcome = TextAreaField(_("What we will do with the comments"), render_kw={"rows": 3})
    response_expected = StringField(_("When we will respond"),
                                    validators=[Optional(), Length(max=200)])
    opens_at = DateTimeLocalField(_("Opens"), format=DATETIME_FORMATS, validators=[Optional()])
    closes_at = DateTimeLocalField(_("Closes"), format=DATETIME_FORMATS, validators=[Optional()])


class NewConsultationForm(DocumentForm, DetailFields):
    """Everything a new consultation needs."""

    title = StringField(_("Title"), validators=[Optional(), Length(max=300)])
    slug = StringField(_("Web address"), validators=[Optional(), Length(max=80)])
    moderation_mode = RadioField(_("How comments are moderated"), choices=MODERATION_CHOICES,
                                 default="post")


class NewVersionForm(DocumentForm):
    """The next version of a consultation's document, with the note readers will see."""

    note = TextAreaField(_("What changed in this version"), render_kw={"rows": 3})


class CloseForm(Form):
    """Close a consultation before its closing date."""

    reason = TextAreaField(_("Why are you closing it early?"), render_kw={"rows": 3})


class ExtendForm(Form):
    """Move the closing date later."""

    closes_at = DateTimeLocalField(_("New closing date and time"), format=DATETIME_FORMATS,
                                   validators=[Optional()])
    reason = TextAreaField(_("Why are you extending it?"), render_kw={"rows": 3})


class ConfirmForm(Form):
    """A bare form: the CSRF token for a confirmed action."""


@bp.app_template_filter("manage_numbering_notes")
def numbering_notes(paragraphs: Iterable[documents.Paragraph]) -> dict[str, str]:
    """The numbers in a preview that need a word of explanation, by kind: the first paragraph
    numbered before any heading ("0.1"), and the first written with brackets ("5(1)": its
    heading's next number is a heading's own)."""
    notes: dict[str, str] = {}
    for p in paragraphs:
        if p.number.startswith("0."):
            notes.setdefault("preamble", p.number)
        elif "(" in p.number:
            notes.setdefault("bracketed", p.number)
    return notes


_HEADING_TAG = re.compile(r"<(/?)h([1-6])\b([^>]*)>")


@bp.app_template_filter("manage_nest_headings")
def nest_headings(html: str, by: int = 2) -> Markup:
    """Move a document's headings `by` levels down, so a preview sits under the page's own
    headings; each keeps a class saying which level it looks like."""

    def shift(match: re.Match) -> str:
        closing, level, attrs = match.group(1), int(match.group(2)), match.group(3)
        new_level = min(level + by, 6)
        if closing:
            return f"</h{new_level}>"
        css = f"manage-as-h{level}"
        attrs = attrs.replace('class="', f'class="{css} ', 1) if 'class="' in attrs else f' class="{css}"{attrs}'
        return f"<h{new_level}{attrs}>"

    # The html is the sanitiser's output: a literal "<h2" in the text is escaped, never a tag.
    return Markup(_HEADING_TAG.sub(shift, str(html)))


# --------------------------------------------------------------------------- request parsing


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["SITE_TIMEZONE"])


def to_utc(local: datetime | None) -> datetime | None:
    """A naive date-time typed in the site's time zone, as the naive UTC every column stores."""
    if local is None:
        return None
    return local.replace(tzinfo=_zone()).astimezone(UTC).replace(tzinfo=None)


def to_local(utc: datetime | None) -> datetime | None:
    """A stored naive UTC date-time as a naive date-time in the site's time zone (for forms)."""
    if utc is None:
        return None
    return utc.replace(tzinfo=UTC).astimezone(_zone()).replace(tzinfo=None)


_MEDIA_SRC = re.compile(r'src="/media/([0-9a-f]{64})\.([a-z]{3,4})"')


@bp.app_template_filter("manage_preview_figures")
def preview_figures(html: str, submitted: Submitted | None) -> Markup:
    """Show a preview's figures before anything is stored: each image the document shows is
    put in the page itself (a data: address, allowed on this page only)."""
    html = str(html)
    if submitted is None or not submitted.images or "/media/" not in html:
        return Markup(html)
    by_sha = {image.sha256: image for image in submitted.images.values()}

    def inline(match: re.Match) -> str:
        image = by_sha.get(match.group(1))
        if image is None:
            return match.group(0)
        g.csp_img_data = True
        return f'src="data:{image.media_type};base64,{base64.b64encode(image.data).decode("ascii")}"'

    # The html is the sanitiser's output, so the only src="/media/..." in it are image addresses.
    return Markup(_MEDIA_SRC.sub(inline, html))


def _explain_dates(*fields) -> None:
    for field in fields:
        if field.errors:
            field.errors[:] = [gettext("Enter the date and time as year-month-day and hours:minutes, "
                                       "for example 2025-06-30T17:00.")]


def _actor_id() -> int:
    return current_user.id


def _consultation_or_404(slug: str):
    consultation = service.get_consultation(db.session, slug)
    if consultation is None:
        abort(404, description=gettext("There is no consultation at '%(slug)s'.", slug=slug))
    return consultation


@bp.url_value_preprocessor
def _allow_documents(endpoint, values) -> None:
    # Runs before CSRF reads the form: a pasted or carried document may be far larger than the
    # default limit on one form field; the whole request stays under MAX_CONTENT_LENGTH.
    # Images carried from a preview travel in a hidden field too.
    request.max_form_memory_size = max(2 * documents.LIMITS.max_bytes,
                                       current_app.config.get("MAX_CONTENT_LENGTH") or 0)


def too_large_message() -> str:
    """Why an over-large upload was refused."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return gettext("What you sent is larger than %(limit)s MiB, the most one form may carry, so none of "
                   "it could be read (one document may be up to %(document)s MiB). Please fill the "
                   "form in again with a smaller document.", limit=limit // (1024 * 1024),
                   document=documents.LIMITS.max_bytes // (1024 * 1024))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    # The body was not read, so the typed values are lost; say so on the same form.
    if request.endpoint == "manage.new_version" and request.view_args:
        consultation = service.get_consultation(db.session, request.view_args["slug"])
        if consultation is None:
            return render_template("error.html", error=error), 413
        return _render_new_version(consultation, NewVersionForm(formdata=None),
                                   messages=[too_large_message()], status=413)
    return _render_new(NewConsultationForm(formdata=None), messages=[too_large_message()],
                       status=413)


# --------------------------------------------------------------------------- list


@bp.get("/")
@role_required("official")
def index():
    """Every consultation, drafts included, with its comment counts."""
    return render_template("manage/index.html", rows=service.list_for_officials(db.session))


# --------------------------------------------------------------------------- new


def _render_new(form, messages=(), document=None, submitted=None, status=200, report=None):
    return render_template(
        "manage/new.html", form=form, messages=list(messages), document=document,
        submitted=submitted, timezone=current_app.config["SITE_TIMEZONE"], report=report,
    ), status


@bp.route("/new", methods=["GET", "POST"])
@role_required("official")
def new():
    """Create a consultation: fill in, preview the numbered paragraphs, publish or save a draft."""
    form = NewConsultationForm()
    if request.method == "GET":
        return _render_new(form)
    action = request.form.get("action", "preview")
    form.validate()  # field-level checks: date formats and lengths
    _explain_dates(form.opens_at, form.closes_at)
    messages: list[str] = []
    submitted = None
    try:
        submitted = document_files(form)
    except service.ServiceError as exc:
        messages.append(str(exc))
    preview = service.preview_consultation(
        db.session,
        slug=form.slug.data or "",
        files=submitted.files if submitted else None,
        moderation_mode=form.moderation_mode.data or "",
        opens_at=to_utc(form.opens_at.data),
        closes_at=to_utc(form.closes_at.data),
        publish=action == "publish",
        images=submitted.images if submitted else None,
        skipped=submitted.skipped if submitted else (),
    )
    for field, message in preview.errors:
        if field is None:
            messages.append(message)
        elif not getattr(form, field).errors:
            getattr(form, field).errors.append(message)
    failed = bool(messages) or any(field.errors for field in form)
    if action not in {"publish", "draft"} or failed:
        return _render_new(form, messages, preview.document, submitted, 400 if failed else 200,
                           report=preview.report)
    if action == "publish" and request.form.get("confirmed") != "yes":
        # Publishing cannot be undone: first a page with the preview and what will happen,
        # carrying everything given (typed and uploaded) to "Publish now" or "Back to edit".
        return render_template(
            "manage/new_confirm.html", form=form, document=preview.document, submitted=submitted,
            report=preview.report, pasted=submitted.files[0][1] if submitted and not submitted.carried else "",
            opens_at=to_utc(form.opens_at.data), closes_at=to_utc(form.closes_at.data),
            moderation=MODERATION_LABELS.get(form.moderation_mode.data or "", "")), 200
    try:
        with unit_of_work(db.session):
            consultation = service.create_consultation(
                db.session,
                slug=form.slug.data,
                files=submitted.files,
                title=form.title.data or None,
                department=(form.department.data or "").strip(),
                summary=(form.summary.data or "").strip(),
                scope_about=(form.scope_about.data or "").strip(),
                scope_open=(form.scope_open.data or "").strip(),
                scope_closed=(form.scope_closed.data or "").strip(),
                scope_outcome=(form.scope_outcome.data or "").strip(),
                response_expected=(form.response_expected.data or "").strip(),
                moderation_mode=form.moderation_mode.data,
                opens_at=to_utc(form.opens_at.data),
                closes_at=to_utc(form.closes_at.data),
                publish=action == "publish",
                actor_id=_actor_id(),
                images=submitted.images,
            )
    except service.ServiceError as exc:
        return _render_new(form, [str(exc)], preview.document, submitted, 400)
    except IntegrityError:
        # Someone took the same address between our check and the insert.
        return _render_new(form, [gettext("The address '%(slug)s' is already taken by another "
                                          "consultation.", slug=form.slug.data)],
                           preview.document, submitted, 400)
    if action == "publish":
        flash(gettext("“%(title)s” is published.", title=consultation.title), "success")
        return redirect(url_for("consultations.show", slug=consultation.slug), code=303)
    flash(gettext("“%(title)s” is saved as a draft. Only officials can see it until you publish it.",
                  title=consultation.title), "success")
    return redirect(url_for("manage.edit", slug=consultation.slug), code=303)


# --------------------------------------------------------------------------- one consultation


@bp.get("/<slug>")
@role_required("official")
def edit(slug: str):
    """A consultation's details, its history, and what can be done with it now."""
    consultation = _consultation_or_404(slug)
    current = service.current_version(db.session, consultation)
    return render_template(
        "manage/edit.html",
        consultation=consultation,
        status=consultation.status,
        versions=consultation.versions,
        history=service.history(db.session, consultation),
        current=current,
        telling=_latest_telling(consultation, current),
        orphaned=current.number > 1 and orphans.has_orphaned(db.session, consultation, current),
    )


def _tell_version_key(version_id: int) -> str:
    # The key consult.consultations.announce gives the job telling participants about a version.
    return f"tell:version:{version_id}"


def _tell_response_key(consultation_id: int) -> str:
    # The key consult.responses.publication.tell_key gives the job telling them about the response.
    return f"tell:response:{consultation_id}"


def _latest_telling(consultation, current):
    """The progress of the latest job telling the participants something: about the response,
    the current version or the closing date, whichever came last; None when there is none."""
    keys = [_tell_response_key(consultation.id)]
    if current.number > 1:
        keys.append(_tell_version_key(current.id))
    if consultation.closes_at:
        keys.append(dates_key(consultation.id, consultation.closes_at))
    jobs = [job for job in (latest_job(db.session, key) for key in keys) if job is not None]
    if not jobs:
        return None
    return telling_box(max(jobs, key=lambda job: job.id).key)


def _lifecycle_page(template: str, consultation, form, messages=(), status=200):
    return render_template(
        template, consultation=consultation, form=form, messages=list(messages),
        status_now=consultation.status, timezone=current_app.config["SITE_TIMEZONE"],
        participants=participant_count(db.session, consultation.id, waiting=True),  # told of a close or an extension
    ), status


@bp.route("/<slug>/publish", methods=["GET", "POST"])
@role_required("official")
def publish(slug: str):
    """Publish a draft, after a confirmation page."""
    consultation = _consultation_or_404(slug)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _lifecycle_page("manage/publish.html", consultation, form)
    try:
        with unit_of_work(db.session):
            service.publish_draft(db.session, consultation, _actor_id())
    except service.ServiceError as exc:
        return _lifecycle_page("manage/publish.html", consultation, form, [str(exc)], 400)
    flash(gettext("“%(title)s” is published.", title=consultation.title), "success")
    return redirect(url_for("manage.edit", slug=slug), code=303)


@bp.route("/<slug>/close", methods=["GET", "POST"])
@role_required("official")
def close(slug: str):
    """Close a consultation early, with a reason, after a confirmation page."""
    consultation = _consultation_or_404(slug)
    form = CloseForm()
    if not form.validate_on_submit():
        return _lifecycle_page("manage/close.html", consultation, form)
    try:
        with unit_of_work(db.session):
            service.close_early(db.session, consultation, form.reason.data or "", _actor_id())
    except service.ServiceError as exc:
        return _lifecycle_page("manage/close.html", consultation, form, [str(exc)], 400)
    flash(gettext("“%(title)s” is closed: it no longer takes comments.", title=consultation.title), "success")
    return redirect(url_for("manage.edit", slug=slug), code=303)


@bp.route("/<slug>/extend", methods=["GET", "POST"])
@role_required("official")
def extend(slug: str):
    """Move the closing date later, with a reason."""
    consultation = _consultation_or_404(slug)
    form = ExtendForm()
    if request.method == "GET" and consultation.closes_at:
        form.closes_at.data = to_local(consultation.closes_at)
    if not form.validate_on_submit():
        _explain_dates(form.closes_at)
        messages = list(form.closes_at.errors)
        return _lifecycle_page("manage/extend.html", consultation, form, messages,
                               400 if messages else 200)
    try:
        with unit_of_work(db.session):
            service.extend(db.session, consultation, to_utc(form.closes_at.data),
                           form.reason.data or "", _actor_id())
    except service.ServiceError as exc:
        return _lifecycle_page("manage/extend.html", consultation, form, [str(exc)], 400)
    flash(gettext("The closing date of “%(title)s” is now later.", title=consultation.title), "success")
    return redirect(url_for("manage.edit", slug=slug), code=303)


# --------------------------------------------------------------------------- new version


def _render_new_version(consultation, form, messages=(), preview=None, submitted=None,
                        status=200, given=None, unseen=False):
    current = service.current_version(db.session, consultation)
    return render_template(
        "manage/new_version.html", consultation=consultation, form=form,
        messages=list(messages), preview=preview, submitted=submitted,
        next_number=current.number + 1, reattach=_reattach_choices(),
        previewed=preview_stamp(submitted, given or {}, current.number) if preview else "", unseen=unseen,
        counted_words=gettext(COUNTED_WORDS), given=given or {},
        other_languages=languages.languages_of(db.session, consultation.id)[1:],
    ), status


REATTACH_FIELD = "reattach-"  # + the removed paragraph's anchor; the value: the target's anchor


def preview_stamp(submitted: Submitted | None, given: dict, against: int) -> str:
    """What a new version's preview showed, as a short digest of its texts and images and of the
    version it was compared with: "Publish" publishes only the text whose preview was seen, against
    the version still current (sent back as the form's `previewed`)."""
    digest = hashlib.sha256(str(against).encode() + b"\0")
    for _name, text in submitted.files if submitted else ():
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    for path, image in sorted((submitted.images if submitted else {}).items()):
        digest.update(path.encode() + b"\0" + hashlib.sha256(image.data).digest())
    for code, files in sorted(given.items()):
        digest.update(code.encode() + b"\0" + "\0".join(text for _name, text in files).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


def _reattach_choices() -> dict[str, str]:
    """What the preview's "attach its comments to" lists chose: removed anchor -> new anchor."""
    return {name[len(REATTACH_FIELD):]: value for name, value in request.form.items()
            if name.startswith(REATTACH_FIELD) and value}


@bp.route("/<slug>/versions/new", methods=["GET", "POST"])
@role_required("official")
def new_version(slug: str):
    """Upload or paste the next version, preview what changes, then publish it."""
    consultation = _consultation_or_404(slug)
    if consultation.status is Status.ARCHIVED:
        abort(409, description=gettext("This consultation is archived: its document can no longer change."))
    form = NewVersionForm()
    if request.method == "GET":
        if request.args.get("start") == "current":  # edit the current text rather than start empty
            form.markdown.data = service.current_source(db.session, consultation)
        return _render_new_version(consultation, form)
    action = request.form.get("action", "preview")
    messages: list[str] = []
    preview = submitted = None
    given: dict = {}
    try:
        given = language_views.submitted_translations(languages.languages_of(db.session, consultation.id)[1:])
        submitted = document_files(form)
        preview = service.preview_version_changes(db.session, consultation, submitted.files,
                                                  submitted.images, submitted.skipped)
        messages.extend(language_views.translation_problems(consultation, preview.document, given))
    except service.ServiceError as exc:
        messages.append(str(exc))
    except documents.DocumentError as exc:
        messages.append(str(exc))
    if action == "publish" and not (form.note.data or "").strip():
        messages.append(gettext("Say what changed in this version: the note is shown to readers."))
    seen = request.form.get("previewed")
    against = service.current_version(db.session, consultation).number
    if action == "publish" and not messages and seen is not None and seen != preview_stamp(submitted, given, against):
        # Changed since its preview: publishing cannot be taken back and tells every participant,
        # so what it does is shown first. (The page offers "Publish" only with a preview on it; a
        # request without the field, from a script, publishes as it always has.) Another version
        # published meanwhile changes the stamp too: the preview then compares with that one.
        return _render_new_version(consultation, form, messages, preview, submitted, 200, given, unseen=True)
    if action != "publish" or messages or submitted is None:
        return _render_new_version(consultation, form, messages, preview, submitted,
                                   400 if messages else 200, given)
    try:
        with unit_of_work(db.session):
            version = service.publish_version(db.session, consultation, submitted.files,
                                              form.note.data or "", actor_id=_actor_id(),
                                              images=submitted.images, reattach=_reattach_choices(),
                                              translations=given)
    except (service.ServiceError, documents.DocumentError, languages.TranslationError) as exc:
        return _render_new_version(consultation, form, [str(exc), *getattr(exc, "problems", [])], preview,
                                   submitted, 400, given)
    except IntegrityError:
        return _render_new_version(
            consultation, form,
            [gettext("Someone published another version at the same moment. Preview again to compare "
                     "against it.")], preview, submitted, 409)
    telling = latest_job(db.session, _tell_version_key(version.id))
    moved = len(_reattach_choices())
    moved_words = (" " + ngettext("The comments of %(num)s removed paragraph are re-attached as you chose.",
                                  "The comments of %(num)s removed paragraphs are re-attached as you chose.",
                                  moved) if moved else "")
    published = gettext("Version %(number)s is published.", number=version.number) + moved_words
    if telling is None:
        flash(published, "success")
    else:
        flash(published + " " + ngettext(
            "We are telling %(total)s participant about it; the consultation's management page shows how "
            "far that has got.",
            "We are telling %(total)s participants about it; the consultation's management page shows how "
            "far that has got.", telling.total, total=f"{telling.total:,}"), "success")
    if consultation.status is Status.DRAFT:
        return redirect(url_for("manage.edit", slug=slug), code=303)
    compared: dict[str, Any] = {"from": version.number - 1, "to": version.number}  # "from" is a keyword
    return redirect(url_for("consultations.changes", slug=slug, **compared), code=303)


# Their pages are on this blueprint (and new_version reads the other languages' texts with language_views).
from consult.consultations import edit_views, language_views, orphan_views  # noqa: E402, F401
