"""Officials give a consultation's document in another language (on the manage blueprint)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from wtforms import Field, FileField, SelectField, StringField, TextAreaField, ValidationError

from consult.accounts import role_required
from consult.consultations import service as consultations
from consult.consultations.manage import _actor_id, _consultation_or_404, bp
from consult.database import unit_of_work
from consult.extensions import db
from consult.forms import Form
from consult.i18n import LANGUAGES, gettext, lazy_gettext
from consult.languages import details, service


class TranslationForm(Form):
    """The current version's text in another language: uploaded or pasted Markdown."""

    language = SelectField(lazy_gettext("Language"))
    file = FileField(lazy_gettext("Upload the Markdown file"))
    markdown = TextAreaField(lazy_gettext("Or paste the Markdown"), render_kw={"rows": 14, "spellcheck": "false"})


def _fits(form: Form, field: Field) -> None:
    """No longer than the field's limit (details.LIMITS: the English fields' lengths)."""
    limit = details.LIMITS[field.short_name]
    if len((field.data or "").strip()) > limit:
        raise ValidationError(gettext("Keep it to %(limit)s characters or fewer.", limit=f"{limit:,}"))


class DetailsTextForm(Form):
    """The consultation's summary, department and scope in one of its other languages (its
    prefix is the language: "cy-summary"); a field left empty is read in the main language."""

    summary = TextAreaField(lazy_gettext("Summary"), validators=[_fits], render_kw={"rows": 3})
    department = StringField(lazy_gettext("Department"), validators=[_fits])
    scope_about = TextAreaField(lazy_gettext("Why we are asking"), validators=[_fits], render_kw={"rows": 3})
    scope_open = TextAreaField(lazy_gettext("Open for debate"), validators=[_fits], render_kw={"rows": 3})
    scope_closed = TextAreaField(lazy_gettext("Not open for debate"), validators=[_fits], render_kw={"rows": 3})
    scope_outcome = TextAreaField(lazy_gettext("What we will do with the comments"), validators=[_fits],
                                  render_kw={"rows": 3})
    response_expected = StringField(lazy_gettext("When we will respond"), validators=[_fits])


def _details_forms(consultation, codes: list[str], posted: DetailsTextForm | None = None,
                   posted_code: str = "") -> dict[str, DetailsTextForm]:
    """A details form per other language: the one just sent as sent, the others as stored."""
    forms = {}
    for code in codes[1:]:
        if posted is not None and code == posted_code:
            forms[code] = posted
            continue
        row = details.text_in(db.session, consultation.id, code)
        forms[code] = DetailsTextForm(formdata=None, prefix=f"{code}-", obj=row)
    return forms


def _files(form: TranslationForm) -> list[tuple[str, str]]:
    upload = form.file.data
    if upload is not None and upload.filename:
        return consultations.read_files([(upload.filename, upload.read())])
    return [(gettext("pasted text"), form.markdown.data)] if (form.markdown.data or "").strip() else []


def _page(consultation, form, problems=(), messages=(), status=200, posted=None, posted_code=""):
    current = consultations.current_version(db.session, consultation)
    codes = service.languages_of(db.session, consultation.id)
    return render_template(
        "manage/languages.html", consultation=consultation, form=form, current=current,
        languages=codes, version_languages=service.version_languages(db.session, current.id),
        problems=list(problems), messages=list(messages), site_languages=LANGUAGES,
        details_forms=_details_forms(consultation, codes, posted, posted_code),
        invalid=posted if posted is not None and any(f.errors for f in posted) else None), status


def _save_details(consultation, form: TranslationForm, codes: list[str], code: str):
    """The official's summary, department and scope in one other language: stored, or the form
    again with each error beside its field."""
    if code not in codes[1:]:
        message = gettext("This consultation is not offered in that language.")
        return _page(consultation, form, messages=[message], status=400)
    posted = DetailsTextForm(prefix=f"{code}-")
    if not posted.validate():
        return _page(consultation, form, status=400, posted=posted, posted_code=code)
    try:
        with unit_of_work(db.session):
            details.save(db.session, consultation, code, {name: posted[name].data or "" for name in details.FIELDS})
    except ValueError as exc:
        return _page(consultation, form, messages=[str(exc)], status=400, posted=posted, posted_code=code)
    flash(gettext("The summary, department and scope %(in_language)s are saved.",
                  in_language=service.in_language(code)), "success")
    return redirect(url_for("manage.languages", slug=consultation.slug) + f"#details-{code}", code=303)


@bp.route("/<slug>/languages", methods=["GET", "POST"])
@role_required("official")
def languages(slug: str):
    """The consultation's languages, and the form that adds the current version's text in one."""
    consultation = _consultation_or_404(slug)
    codes = service.languages_of(db.session, consultation.id)
    form = TranslationForm()
    form.language.choices = [(code, service.language_label(code)) for code in LANGUAGES if code != codes[0]]
    if request.method == "POST" and request.form.get("action") == "main":
        try:
            with unit_of_work(db.session):
                service.set_main_language(db.session, consultation, request.form.get("main", ""), _actor_id())
        except service.TranslationError as exc:
            return _page(consultation, form, messages=[str(exc)], status=400)
        flash(gettext("The main text is now read as %(language)s.",
                      language=service.language_label(request.form["main"])), "success")
        return redirect(url_for("manage.languages", slug=slug), code=303)
    if request.method == "POST" and request.form.get("action") == "details":
        return _save_details(consultation, form, codes, request.form.get("details_language", ""))
    if request.method == "GET" or not form.validate():
        return _page(consultation, form, status=200 if request.method == "GET" else 400)
    current = consultations.current_version(db.session, consultation)
    files: list[tuple[str, str]] = []
    try:
        files = _files(form)
        with unit_of_work(db.session):
            translation = service.add_translation(
                db.session, consultation, current, consultations.as_document(current),
                form.language.data, files, actor_id=_actor_id())
    except service.TranslationError as exc:
        if files and not (form.markdown.data or "").strip():
            form.markdown.data = "\n\n".join(text for _name, text in files)  # an upload is kept to fix in place
        return _page(consultation, form, exc.problems, [str(exc)], 400)
    except consultations.ServiceError as exc:
        return _page(consultation, form, messages=[str(exc)], status=400)
    flash(gettext("The %(language)s text of version %(number)s is stored: %(count)s paragraphs aligned.",
                  language=service.language_label(translation.language), number=current.number,
                  count=len(translation.alignment.pairs)), "success")
    return redirect(url_for("manage.languages", slug=slug), code=303)


TEXT_FIELD = "translation-"  # + language code: the pasted text of a new version in that language
FILE_FIELD = "translation-file-"


def submitted_translations(codes: list[str]) -> dict[str, list[tuple[str, str]]]:
    """A new version's other-language texts from the form (an uploaded file wins over pasted
    text); raises consultations.ServiceError for a file that is not UTF-8 text."""
    given: dict[str, list[tuple[str, str]]] = {}
    for code in codes:
        upload = request.files.get(FILE_FIELD + code)
        if upload is not None and upload.filename:
            given[code] = consultations.read_files([(upload.filename, upload.read())])
        elif (request.form.get(TEXT_FIELD + code) or "").strip():
            given[code] = [(gettext("pasted text"), request.form[TEXT_FIELD + code])]
    return given


def translation_problems(consultation, document, given) -> list[str]:
    """Everything that stops the new version's texts aligning, for the preview (empty: none)."""
    try:
        service.check_version_translations(db.session, consultation, document, given)
    except service.TranslationError as exc:
        return [str(exc), *exc.problems]
    return []
