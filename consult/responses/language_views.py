"""Officials write the response in each other language of the consultation (responses blueprint)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from consult.accounts import role_required
from consult.database import unit_of_work
from consult.extensions import db
from consult.i18n import gettext
from consult.languages import responses, service
from consult.responses import service as response_service
from consult.responses.views import _consultation_or_404, bp


def _page(consultation, code: str, messages=(), status=200, typed=None):
    themes = response_service.themes_of(db.session, consultation)
    return render_template(
        "responses/languages.html", consultation=consultation, language=code,
        response=response_service.get_response(db.session, consultation),
        text=responses.response_text(db.session, consultation.id, code), themes=themes,
        theme_texts=responses.theme_texts(db.session, themes, code),
        main=service.languages_of(db.session, consultation.id)[0],
        missing=responses.missing(db.session, consultation.id, themes),
        messages=list(messages), typed=typed or {}), status


@bp.route("/manage/<slug>/response/in/<code>", methods=["GET", "POST"])
@role_required("official")
def in_language(slug: str, code: str):
    """The response's summary, next steps and themes in one of the consultation's other languages."""
    consultation = _consultation_or_404(slug)
    if code not in service.languages_of(db.session, consultation.id)[1:]:
        abort(404, description=gettext("This consultation is not offered in that language."))
    if request.method == "GET":
        return _page(consultation, code)
    if response_service.is_published(db.session, consultation):
        return _page(consultation, code, [gettext("The response is published: add a dated correction instead.")], 409)
    themes = response_service.themes_of(db.session, consultation)
    words = {t.id: responses.ThemeWords(request.form.get(f"theme-{t.id}-title", ""),
                                        request.form.get(f"theme-{t.id}-said", ""),
                                        request.form.get(f"theme-{t.id}-reasons", "")) for t in themes}
    try:
        with unit_of_work(db.session):
            responses.save(db.session, consultation.id, code, request.form.get("summary", ""),
                           request.form.get("next_steps", ""), themes, words)
    except ValueError as exc:  # what was typed is shown again, not lost
        return _page(consultation, code, [str(exc)], 400, typed=request.form)
    flash(gettext("The response %(in_language)s is saved.", in_language=service.in_language(code)), "success")
    return redirect(url_for("responses.in_language", slug=slug, code=code), code=303)
