"""Officials re-attach the comments of removed paragraphs: the list of a consultation's
orphaned comments by paragraph, a paragraph picker each, and a confirmation before the move.

Routes of the manage blueprint (its endpoints are manage.orphaned, manage.reattach and
manage.undo_reattach).
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from consult.accounts import role_required
from consult.consultations import orphans, service
from consult.consultations.manage import ConfirmForm, _actor_id, _consultation_or_404, bp
from consult.database import unit_of_work
from consult.extensions import db
from consult.i18n import gettext, ngettext
from consult.models import Status


def _targets(current) -> list[tuple[str, str]]:
    return [(p.anchor, orphans.paragraph_label(p)) for p in service.paragraphs_of(db.session, current)]


def _writable(consultation) -> None:
    if consultation.status is Status.ARCHIVED:
        abort(409, description=gettext("This consultation is archived: its comments can no longer be moved."))


@bp.get("/<slug>/orphaned")
@role_required("official")
def orphaned(slug: str):
    """The consultation's comments on removed paragraphs, grouped by paragraph, each group
    with a choice of the current version's paragraph to re-attach them to."""
    consultation = _consultation_or_404(slug)
    current = service.current_version(db.session, consultation)
    groups = orphans.orphaned_groups(db.session, consultation, current)
    paragraphs = service.paragraphs_of(db.session, current)
    closest = orphans.closest_paragraphs([g.paragraph for g in groups], paragraphs)
    suggested = {anchor: [(p.anchor, orphans.paragraph_label(p)) for p in found] for anchor, found in closest.items()}
    return render_template(
        "manage/orphaned.html", consultation=consultation, current=current, groups=groups,
        targets=[(p.anchor, orphans.paragraph_label(p)) for p in paragraphs],
        suggested=suggested, counted_words=gettext(orphans.COUNTED_WORDS),
        reattachments=orphans.standing_reattachments(db.session, consultation),
        archived=consultation.status is Status.ARCHIVED)


def _confirm_page(consultation, current, anchor: str, to: str, form, messages=(), status=200):
    groups = {g.anchor: g for g in orphans.orphaned_groups(db.session, consultation, current)}
    group = groups.get(anchor)
    if group is None and not messages:
        messages = [gettext("Paragraph %(paragraph)s has no comments left on a removed paragraph: it is in the "
                            "current version, or its comments were re-attached already.",
                            paragraph=orphans.removed_label(db.session, consultation, anchor))]
        status = 400
    target = next((p for p in service.paragraphs_of(db.session, current) if p.anchor == to), None)
    if target is None and not messages:
        messages = [gettext("Choose a paragraph of the current version to re-attach the comments to.")
                    if not to else
                    gettext("Version %(number)s, the current version, has no paragraph “%(anchor)s”: choose "
                            "one of its paragraphs.", number=current.number, anchor=to)]
        status = 400
    return render_template(
        "manage/reattach.html", consultation=consultation, current=current, group=group,
        target=target, to=to, anchor=anchor, form=form, messages=list(messages),
        targets=_targets(current)), status


@bp.route("/<slug>/orphaned/<anchor>/reattach", methods=["GET", "POST"])
@role_required("official")
def reattach(slug: str, anchor: str):
    """Confirm, then move every comment on a removed paragraph to a current paragraph."""
    consultation = _consultation_or_404(slug)
    _writable(consultation)
    current = service.current_version(db.session, consultation)
    form = ConfirmForm()
    to = (request.form.get("to") if request.method == "POST" else request.args.get("to")) or ""
    if not form.validate_on_submit():
        return _confirm_page(consultation, current, anchor, to, form)
    try:
        with unit_of_work(db.session):
            record = orphans.reattach(db.session, consultation, anchor, to, _actor_id(), current)
            moved, number, to_number = record.comments, record.from_number, record.to_number
    except service.ServiceError as exc:
        return _confirm_page(consultation, current, anchor, to, form, [str(exc)], 400)
    flash(ngettext("%(num)s comment on paragraph %(number)s is now on paragraph %(to)s of version %(version)s.",
                   "%(num)s comments on paragraph %(number)s are now on paragraph %(to)s of version %(version)s.",
                   moved, number=number, to=to_number, version=current.number), "success")
    return redirect(url_for("manage.orphaned", slug=slug), code=303)


@bp.route("/<slug>/reattachments/<int:reattachment_id>/undo", methods=["GET", "POST"])
@role_required("official")
def undo_reattach(slug: str, reattachment_id: int):
    """Confirm, then send a re-attachment's comments back to their removed paragraph."""
    consultation = _consultation_or_404(slug)
    _writable(consultation)
    form = ConfirmForm()
    try:
        record = orphans.standing_reattachment(db.session, consultation, reattachment_id)
    except service.ServiceError as exc:
        return render_template("manage/undo_reattach.html", consultation=consultation, record=None, form=form,
                               messages=[str(exc)]), 404
    if not form.validate_on_submit():
        return render_template("manage/undo_reattach.html", consultation=consultation, record=record, form=form,
                               messages=[])
    try:
        with unit_of_work(db.session):
            number, version = record.from_number, record.from_version
            back = orphans.undo_reattachment(db.session, consultation, reattachment_id, _actor_id())
    except service.ServiceError as exc:
        return render_template("manage/undo_reattach.html", consultation=consultation, record=None, form=form,
                               messages=[str(exc)]), 400
    flash(ngettext("%(num)s comment is back on paragraph %(number)s of version %(version)s.",
                   "%(num)s comments are back on paragraph %(number)s of version %(version)s.",
                   back, number=number, version=version), "success")
    return redirect(url_for("manage.orphaned", slug=slug), code=303)
