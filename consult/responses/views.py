"""The response area: analysis, themes, counting every comment, and "you said, we did".

Officials work under /manage/<slug>/...; the published response is public at /c/<slug>/response
(and as Markdown at /c/<slug>/response.md).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask import Response as HttpResponse
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

import documents
from consult.accounts import role_required
from consult.consultations import service as consultations
from consult.database import unit_of_work
from consult.extensions import db
from consult.i18n import current_language, gettext, ngettext
from consult.jobs.progress import telling_box
from consult.languages import responses as language_texts
from consult.models import Consultation
from consult.responses import assist, service
from consult.responses.analysis import day_words, stance_svg
from consult.responses.forms import (
    AssignForm,
    ConfirmForm,
    ConsiderForm,
    CorrectionForm,
    DraftForm,
    MergeForm,
    NewThemeForm,
    ParagraphLinkForm,
    ThemeForm,
    UnassignForm,
    choice,
)
from consult.responses.publication import tell_key
from consult.responses.themes import add_paragraphs, paragraph_picker, remove_paragraph

bp = Blueprint("responses", __name__)

HEAT_LEVELS = 5
WHOLE = service.WHOLE  # the ?p= value for comments on the document as a whole


# --------------------------------------------------------------------------- helpers


@bp.app_template_global("response_published")
def response_published(consultation: Consultation) -> bool:
    """True when the consultation has a published response (for the public page's link)."""
    return service.is_published(db.session, consultation)


@bp.app_template_global("escalated_waiting")
def escalated_waiting(consultation: Consultation) -> int:
    """How many of the consultation's comments escalated to an official await a decision (for the
    management and response pages' notice)."""
    return service.escalated_waiting(db.session, consultation.id)


@bp.app_template_filter("response_paragraphs")
def response_paragraphs(text: str | None) -> Markup:
    """The department's text of a response (summary, what people said, reasons, next steps) as
    sanitised HTML paragraphs: a blank line starts a new one, however the browser sent the line ends."""
    return Markup(documents.render_comment(text or ""))


def _consultation_or_404(slug: str) -> Consultation:
    consultation = consultations.get_consultation(db.session, slug)
    if consultation is None:
        abort(404, description=gettext("There is no consultation at '%(slug)s'.", slug=slug))
    return consultation


def _theme_or_404(consultation: Consultation, theme_id: int):
    try:
        return service.get_theme(db.session, consultation, theme_id)
    except service.ResponseError as exc:
        abort(exc.status, description=exc.message)


def _actor_id() -> int:
    return current_user.id


def _back(consultation: Consultation, target: str | None, default: str) -> str:
    """Where to go after an action: the page it came from, if that is one of ours."""
    prefix = f"/manage/{consultation.slug}/"
    if target and target.startswith(prefix) and "//" not in target and "\\" not in target:
        return target
    return default


def _fail(exc: service.ResponseError) -> None:
    """Flash a refusal, with its details."""
    flash(" ".join([exc.message, *exc.details]), "error")


def heat_levels(counts: dict[str, int]) -> dict[str, int]:
    """Each anchor's shade, 0 (no comments) to 5, by quantile of the non-zero counts."""
    values = sorted(n for n in counts.values() if n)
    levels = {}
    for anchor, n in counts.items():
        if not n:
            levels[anchor] = 0
            continue
        # The share of commented paragraphs with at most this many comments (the empirical
        # quantile), so one very busy paragraph does not wash all the others out.
        at_most = sum(1 for v in values if v <= n)
        levels[anchor] = max(1, -(-at_most * HEAT_LEVELS // len(values)))
    return levels


# --------------------------------------------------------------------------- public


def _published_or_404(slug: str):
    consultation = _consultation_or_404(slug)
    response = service.public_response(db.session, consultation)
    if response is None:
        abort(404, description=gettext("This consultation has no published response yet."))
    return consultation, response


@bp.get("/c/<slug>/response")
def show(slug: str):
    """The published response: what people said and what the department did."""
    consultation, response = _published_or_404(slug)
    response, reports, shown_in = language_texts.localised(db.session, consultation.id, current_language(),
                                                           response, service.report(db.session, consultation))
    return render_template(
        "responses/show.html", consultation=consultation, response=response,
        reports=reports, response_lang=shown_in,
        considered=service.considered_summary(db.session, consultation),
        corrections=service.corrections(db.session, response), preview=False,
        method=assist.method(db.session, consultation),
        # Officials and administrators only: how far telling the participants has got.
        telling=telling_box(tell_key(consultation)))


def _page_arg() -> int:
    """The ?page= number (1 when absent; anything not a number is no page at all)."""
    value = request.args.get("page", "1")
    # isascii: str.isdigit() is also true of "²", which int() refuses.
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        abort(404, description=gettext("That page link is not valid: go back to the first page."))
    return int(value)


@bp.get("/c/<slug>/response/themes/<int:theme_id>")
def theme_comments(slug: str, theme_id: int):
    """The published comments counted under one theme of the published response, paged."""
    consultation, response = _published_or_404(slug)
    found = _theme_or_404(consultation, theme_id)
    if found.merged_into_id is not None:
        # Its comments were moved to the theme it was merged into; that is the list to read.
        return redirect(url_for("responses.theme_comments", slug=slug,
                                theme_id=found.merged_into_id), code=301)
    try:
        page = service.published_theme_comments(db.session, found, _page_arg())
    except service.ResponseError as exc:
        abort(exc.status, description=exc.message)
    return render_template("responses/theme_comments.html", consultation=consultation,
                           response=response, theme=found, page=page)


@bp.get("/c/<slug>/response/considered")
def considered(slug: str):
    """The published comments read and counted under no theme, with the reasons, paged."""
    consultation, response = _published_or_404(slug)
    reason = request.args.get("reason") or None
    try:
        page = service.published_considered_comments(db.session, consultation, _page_arg(),
                                                     reason=reason)
    except service.ResponseError as exc:
        abort(exc.status, description=exc.message)
    return render_template("responses/considered.html", consultation=consultation,
                           response=response, page=page, reason=reason,
                           reasons=service.REASON_LABELS,
                           summary=service.considered_summary(db.session, consultation))


@bp.get("/c/<slug>/response.md")
def markdown(slug: str):
    """The published response as a Markdown file."""
    consultation, _response = _published_or_404(slug)
    return HttpResponse(
        service.as_markdown(db.session, consultation), mimetype="text/markdown",
        headers={"Content-Disposition": f'attachment; filename="{consultation.slug}-response.md"'})


# --------------------------------------------------------------------------- analysis


@bp.get("/manage/<slug>/analysis")
@role_required("official")
def analysis(slug: str):
    """Counts per paragraph (a heat strip), stance, respondents, time and campaigns."""
    consultation = _consultation_or_404(slug)
    page = service.analysis_page(db.session, consultation, request.args.get("p"))
    return render_template(
        "responses/analysis.html", consultation=consultation, analysis=page.analysis,
        chart=Markup(service.timeline_svg(page.analysis.per_day)),
        stance_chart=Markup(stance_svg(page.analysis.stance)), paragraphs=page.paragraphs,
        removed=page.removed, counts=page.counts, heat=heat_levels(page.counts), whole=WHOLE,
        picked=page.picked, picked_comments=page.picked_comments,
        counted_under=page.counted_under, themes=page.themes,
        uncounted_total=page.uncounted_total, counting=assist.counting_progress(db.session, consultation),
        assign_form=AssignForm(formdata=None), peak=max(page.counts.values(), default=0), day_words=day_words,
        only_commented=request.args.get("commented") == "1",
        commented=[p for p in page.paragraphs if page.counts.get(p.anchor)])


# --------------------------------------------------------------------------- themes


def _themes_page(consultation: Consultation, form: NewThemeForm, messages=(), status=200):
    themes = service.themes_of(db.session, consultation)
    reports = {r.theme.id: r for r in service.report(db.session, consultation)}
    return render_template(
        "responses/themes.html", consultation=consultation, themes=themes, reports=reports,
        form=form, messages=list(messages),
        uncounted_total=service.uncounted_total(db.session, consultation),
        published=response_published(consultation)), status


@bp.get("/manage/<slug>/themes")
@role_required("official")
def themes(slug: str):
    """The consultation's themes, with their counts and outcomes, and a form to start one."""
    consultation = _consultation_or_404(slug)
    return _themes_page(consultation, NewThemeForm(formdata=None))


@bp.post("/manage/<slug>/themes/new")
@role_required("official")
def create_theme(slug: str):
    """Start a theme."""
    consultation = _consultation_or_404(slug)
    form = NewThemeForm()
    try:
        with unit_of_work(db.session):
            theme = service.create_theme(db.session, consultation, form.title.data or "", _actor_id(),
                                         said=form.said.data or "", keywords=form.keywords.data or "")
    except service.ResponseError as exc:
        return _themes_page(consultation, form, [exc.message, *exc.details], exc.status)
    flash(gettext("The theme “%(title)s” is started. Now count comments under it.", title=theme.title), "success")
    return redirect(url_for("responses.theme", slug=slug, theme_id=theme.id), code=303)


def _theme_page(consultation: Consultation, theme, form: ThemeForm, messages=(), status=200,
                theirs=None):
    workspace = service.theme_workspace(db.session, consultation, theme)
    merge_form = MergeForm(formdata=None)
    merge_form.into.choices = [choice(str(t.id), t.title) for t in workspace.merge_targets]
    return render_template(
        "responses/theme.html", consultation=consultation, theme=theme, form=form,
        messages=list(messages), theirs=theirs, comments=workspace.comments,
        suggested=workspace.suggested, merge_form=merge_form, merged_into=workspace.merged_into,
        picker=paragraph_picker(db.session, consultation, theme, request.args.get("pq", "")),
        published=response_published(consultation)), status


@bp.get("/manage/<slug>/themes/<int:theme_id>")
@role_required("official")
def theme(slug: str, theme_id: int):
    """Edit a theme; its comments (with remove buttons) and suggested comments to add."""
    consultation = _consultation_or_404(slug)
    found = _theme_or_404(consultation, theme_id)
    form = ThemeForm(formdata=None, obj=found)
    form.revision.data = str(found.revision)
    return _theme_page(consultation, found, form)


@bp.post("/manage/<slug>/themes/<int:theme_id>")
@role_required("official")
def update_theme(slug: str, theme_id: int):
    """Save a theme; if someone else saved it meanwhile, keep the typed text and say so."""
    consultation = _consultation_or_404(slug)
    found = _theme_or_404(consultation, theme_id)
    form = ThemeForm()
    try:
        with unit_of_work(db.session):
            service.update_theme(
                db.session, found, expected_revision=form.expected_revision(), actor_id=_actor_id(),
                title=form.title.data or "", said=form.said.data or "", outcome=form.outcome.data,
                reasons=form.reasons.data or "", keywords=form.keywords.data or "",
                # The picker below the form links paragraphs; a form that sends them sets them.
                anchors=form.anchors.data if "anchors" in request.form else None)
    except service.ResponseError as exc:
        found = _theme_or_404(consultation, theme_id)
        theirs = None
        if exc.status == 409 and found.revision != form.expected_revision():
            # Show their saved text beside ours; saving again now deliberately replaces it.
            theirs = {"theme": found, "anchors": service.anchors_of(db.session, found)}
            form.revision.data = str(found.revision)
        return _theme_page(consultation, found, form, [exc.message, *exc.details], exc.status,
                           theirs=theirs)
    flash(gettext("The theme “%(title)s” is saved.", title=found.title), "success")
    return redirect(url_for("responses.theme", slug=slug, theme_id=theme_id), code=303)


@bp.post("/manage/<slug>/themes/<int:theme_id>/paragraphs")
@role_required("official")
def theme_paragraphs(slug: str, theme_id: int):
    """Link the paragraphs ticked in the picker to a theme, or unlink the one whose button was pressed."""
    consultation = _consultation_or_404(slug)
    found = _theme_or_404(consultation, theme_id)
    form = ParagraphLinkForm()
    query = (form.pq.data or "").strip()[:200]
    try:
        with unit_of_work(db.session):
            if form.unlink.data:
                remove_paragraph(db.session, found, form.unlink.data)
                message = gettext("The paragraph is no longer linked to this theme.")
            else:
                added = add_paragraphs(db.session, found, form.anchors.data or [])
                message = ngettext("%(num)s paragraph linked to this theme.",
                                   "%(num)s paragraphs linked to this theme.", added)
    except service.ResponseError as exc:
        _fail(exc)
    else:
        flash(message, "success")
    return redirect(url_for("responses.theme", slug=slug, theme_id=theme_id, pq=query or None)
                    + "#paragraphs", code=303)


@bp.route("/manage/<slug>/themes/<int:theme_id>/merge", methods=["GET", "POST"])
@role_required("official")
def merge(slug: str, theme_id: int):
    """Merge this theme into another, after a page saying what moves: its comments and
    paragraphs go to the other theme, and it is retired (this cannot be undone)."""
    consultation = _consultation_or_404(slug)
    source = _theme_or_404(consultation, theme_id)
    form = MergeForm(request.args) if request.method == "GET" else MergeForm()
    back = url_for("responses.theme", slug=slug, theme_id=theme_id)
    if request.method == "GET":
        try:
            plan = service.merge_plan(db.session, consultation, source, form.target_id())
        except service.ResponseError as exc:
            _fail(exc)
            return redirect(back, code=303)
        return render_template("responses/merge.html", consultation=consultation, plan=plan,
                               form=ConfirmForm(formdata=None))
    try:
        with unit_of_work(db.session):
            target = service.merge_into(db.session, consultation, source, form.target_id(), _actor_id())
    except service.ResponseError as exc:
        _fail(exc)
        return redirect(back, code=303)
    except IntegrityError:
        flash(gettext("Someone changed these themes at the same moment. Nothing was merged: try again."),
              "error")
        return redirect(back, code=303)
    flash(gettext("“%(source)s” is merged into “%(target)s”.", source=source.title, target=target.title), "success")
    return redirect(url_for("responses.theme", slug=slug, theme_id=target.id), code=303)


@bp.post("/manage/<slug>/assign")
@role_required("official")
def assign(slug: str):
    """Count one or more comments under a theme (from a theme, a search, a list or a paragraph)."""
    consultation = _consultation_or_404(slug)
    form = AssignForm()
    back = _back(consultation, form.return_to.data, url_for("responses.uncounted", slug=slug))
    try:
        with unit_of_work(db.session):
            found, added = service.count_under_theme(db.session, consultation, form.chosen_theme(),
                                                     form.ids(), _actor_id())
    except service.ResponseError as exc:
        _fail(exc)
        return redirect(back, code=303)
    except IntegrityError:
        flash(gettext("Someone counted the same comment at the same moment. Nothing was changed: "
                      "try again."), "error")
        return redirect(back, code=303)
    already = len(form.ids()) - added
    message = ngettext("%(num)s comment counted under “%(title)s”.", "%(num)s comments counted under “%(title)s”.",
                       added, title=found.title)
    if already:
        message += " " + ngettext("%(num)s was already counted there.", "%(num)s were already counted there.",
                                  already)
    flash(message, "success")
    return redirect(back, code=303)


@bp.post("/manage/<slug>/themes/<int:theme_id>/unassign")
@role_required("official")
def unassign(slug: str, theme_id: int):
    """Take a comment out of a theme."""
    consultation = _consultation_or_404(slug)
    found = _theme_or_404(consultation, theme_id)
    form = UnassignForm()
    try:
        with unit_of_work(db.session):
            service.unassign(db.session, found, form.chosen_comment())
    except service.ResponseError as exc:
        _fail(exc)
    else:
        flash(gettext("Comment #%(id)s is no longer counted under “%(title)s”.", id=form.chosen_comment(),
                      title=found.title), "success")
    return redirect(url_for("responses.theme", slug=slug, theme_id=theme_id), code=303)


@bp.post("/manage/<slug>/comments/<int:comment_id>/consider")
@role_required("official")
def consider(slug: str, comment_id: int):
    """Mark a comment as read and counted under no theme, with a note saying why."""
    consultation = _consultation_or_404(slug)
    form = ConsiderForm()
    back = _back(consultation, form.return_to.data, url_for("responses.uncounted", slug=slug))
    try:
        with unit_of_work(db.session):
            service.mark_considered(db.session, consultation, comment_id, form.note.data or "",
                                    _actor_id(), reason=form.reason.data)
    except service.ResponseError as exc:
        _fail(exc)
    except IntegrityError:
        flash(gettext("Someone marked this comment at the same moment. Check the list and try again."),
              "error")
    else:
        flash(gettext("Comment #%(id)s is marked as considered, with no theme.", id=comment_id), "success")
    return redirect(back, code=303)


@bp.get("/manage/<slug>/comments/search")
@role_required("official")
def search(slug: str):
    """Find published comments containing every word, to count them under a theme."""
    consultation = _consultation_or_404(slug)
    query = (request.args.get("q") or "").strip()[:200]
    results = service.search_comments(db.session, consultation, query) if query else []
    return render_template(
        "responses/search.html", consultation=consultation, query=query, results=results,
        counted_under=service.themes_for_comments(db.session, [c.id for c in results]),
        themes=service.themes_of(db.session, consultation), assign_form=AssignForm(formdata=None))


@bp.get("/manage/<slug>/uncounted")
@role_required("official")
def uncounted(slug: str):
    """Published comments not yet counted under a theme nor marked considered."""
    consultation = _consultation_or_404(slug)
    return render_template(
        "responses/uncounted.html", consultation=consultation,
        comments=service.uncounted(db.session, consultation),
        total=service.uncounted_total(db.session, consultation),
        themes=service.themes_of(db.session, consultation),
        reasons=service.CONSIDERED_REASONS)


# --------------------------------------------------------------------------- the response


def _version_choices(consultation: Consultation):
    return [choice("", gettext("None"))] + [choice(str(v.number), gettext("Version %(number)s", number=v.number))
                                   for v in consultation.versions]


def _draft_page(consultation: Consultation, form: DraftForm, messages=(), status=200,
                correction_form=None):
    response = service.get_response(db.session, consultation)
    form.from_version.choices = _version_choices(consultation)
    form.to_version.choices = _version_choices(consultation)
    return render_template(
        "responses/draft.html", consultation=consultation, form=form, response=response,
        messages=list(messages), reports=service.report(db.session, consultation),
        method=assist.method(db.session, consultation),
        considered=service.considered_summary(db.session, consultation),
        corrections=service.corrections(db.session, response) if response else [],
        correction_form=correction_form or CorrectionForm(formdata=None),
        uncounted_total=service.uncounted_total(db.session, consultation),
        published=response is not None and response.published_at is not None,
        telling=telling_box(tell_key(consultation)) if response and response.published_at else None,
        preview=True), status


@bp.route("/manage/<slug>/response", methods=["GET", "POST"])
@role_required("official")
def draft(slug: str):
    """Write the summary and next steps, and preview the response as the public will see it."""
    consultation = _consultation_or_404(slug)
    if request.method == "GET":
        form = DraftForm(formdata=None)
        values = service.draft_values(db.session, consultation)
        form.summary.data, form.next_steps.data = values.summary, values.next_steps
        form.from_version.data = str(values.from_version or "")
        form.to_version.data = str(values.to_version or "")
        return _draft_page(consultation, form)
    form = DraftForm()
    try:
        with unit_of_work(db.session):
            service.save_draft(db.session, consultation, form.summary.data or "",
                               form.next_steps.data or "", form.number(form.from_version.data),
                               form.number(form.to_version.data))
    except service.ResponseError as exc:
        return _draft_page(consultation, form, [exc.message, *exc.details], exc.status)
    flash(gettext("The response draft is saved. The preview below shows it as the public will see it."),
          "success")
    return redirect(url_for("responses.draft", slug=slug) + "#preview", code=303)


def _publish_page(consultation: Consultation, form: ConfirmForm, messages=(), details=(),
                  status=200):
    themes = service.themes_of(db.session, consultation)
    response = service.get_response(db.session, consultation)
    return render_template(
        "responses/publish.html", consultation=consultation, form=form, messages=list(messages),
        details=list(details), themes=themes, response=response,
        missing=[t for t in themes if not t.outcome], unwritten=service.incomplete_themes(themes),
        unlinked=service.changed_without_paragraph(db.session, themes),
        escalated=service.escalated_waiting(db.session, consultation.id),
        uncounted_total=service.uncounted_total(db.session, consultation),
        status_now=consultation.status), status


@bp.route("/manage/<slug>/response/publish", methods=["GET", "POST"])
@role_required("official")
def publish(slug: str):
    """Publish the response, after a confirmation page; everyone who took part is told."""
    consultation = _consultation_or_404(slug)
    form = ConfirmForm()
    if request.method == "GET":
        return _publish_page(consultation, form)
    try:
        with unit_of_work(db.session):
            service.publish(db.session, consultation, _actor_id())
    except service.ResponseError as exc:
        return _publish_page(consultation, form, [exc.message], exc.details, exc.status)
    except IntegrityError:
        return _publish_page(consultation, form, [
            gettext("Someone published the response at the same moment. Reload to see it.")], (), 409)
    flash(gettext("The response is published, and everyone who took part is being told."), "success")
    return redirect(url_for("responses.show", slug=slug), code=303)


@bp.post("/manage/<slug>/response/correct")
@role_required("official")
def correct(slug: str):
    """Add a dated correction to the published response."""
    consultation = _consultation_or_404(slug)
    form = CorrectionForm()
    try:
        with unit_of_work(db.session):
            service.correct(db.session, consultation, form.note.data or "", _actor_id())
    except service.ResponseError as exc:
        draft_form = DraftForm(formdata=None)
        response = service.get_response(db.session, consultation)
        if response:
            draft_form.summary.data, draft_form.next_steps.data = response.summary, response.next_steps
        return _draft_page(consultation, draft_form, [exc.message, *exc.details], exc.status,
                           correction_form=form)
    flash(gettext("The correction is published, dated, on the response."), "success")
    return redirect(url_for("responses.show", slug=slug) + "#corrections", code=303)


from consult.responses import language_views  # noqa: E402, F401  (its page is on this blueprint)
