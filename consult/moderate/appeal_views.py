"""What readers and authors ask of moderation: report a comment, appeal a decision."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from consult import rules_language
from consult.accounts import confirmed_required
from consult.comments import service as comments
from consult.database import unit_of_work
from consult.extensions import db
from consult.i18n import gettext
from consult.models import Comment
from consult.moderate import operations, reports
from consult.moderate.blueprint import bp, linked, refuse
from consult.moderate.forms import AppealForm, FlagForm
from moderation import service


def _comment_url(comment: Comment) -> str:
    if comment.anchor:
        return url_for("consultations.paragraph", slug=comment.consultation.slug,
                       anchor=comment.anchor) + f"#comment-{comment.id}"
    return url_for("comments.general", slug=comment.consultation.slug) + f"#comment-{comment.id}"


@bp.route("/c/<slug>/comments/<int:comment_id>/flag", methods=["GET", "POST"])
@confirmed_required
def flag(slug: str, comment_id: int):
    """Report a published comment under a house rule (once per person): it reaches the moderators."""
    try:
        comment = reports.flaggable(db.session, slug, comment_id, current_user.id)
    except service.ModerationError as exc:
        if exc.status == 404:
            refuse(exc)
        # Withdrawn or no longer public: said on the report page, without the comment or a form.
        return render_template("moderation/flag.html", comment=None, form=None, error=None,
                               closed=exc.message, rules=[], own=True, refusal=None,
                               back=url_for("consultations.show", slug=slug)), exc.status
    form = FlagForm()
    error, status = None, 200
    refusal = reports.flag_refusal(db.session, comment, current_user.id)
    if refusal is not None:
        status = refusal.error.status
        # Reported already: the page says when (below), not as a problem with the form.
        error = None if refusal.reported_at else refusal.error.message
    elif form.validate_on_submit():
        try:
            with unit_of_work(db.session):
                hidden = reports.report(db.session, comment, current_user.id,
                                        form.rule.data or "", form.note.data or "",
                                        current_app.config.get("FLAG_THRESHOLD", 3))
        except service.ModerationError as exc:
            error, status = exc.message, exc.status
            refusal = reports.flag_refusal(db.session, comment, current_user.id)
            if refusal is not None and refusal.reported_at:
                error = None  # someone's second tab: the page says when they reported it
        else:
            flash(gettext("Thank you for your report. A moderator will check the comment against the "
                          "house rules.") + (" " + gettext("It is hidden until they have.") if hidden else ""),
                  "success")
            return redirect(_comment_url(comment), code=303)  # back to the comment, not the page's top
    shown = rules_language.in_force(db.session)
    return render_template("moderation/flag.html", comment=comment, form=form, error=error, closed=None,
                           rules=shown.rules, own=refusal is not None, refusal=refusal,
                           reported_rule=_reported_rule(shown.rules, refusal),
                           back=_comment_url(comment)), status


def _reported_rule(rules: list[dict], refusal: reports.Refusal | None) -> dict | None:
    """The rule (as shown) that this person's earlier report cited, when it is still in force."""
    if refusal is None or not refusal.rule:
        return None
    return next((rule for rule in rules if rule["anchor"] == refusal.rule), None)


@bp.route("/me/decisions/<int:decision_id>/appeal", methods=["GET", "POST"])
@login_required
def appeal(decision_id: int):
    """Ask for a decision on my comment to be looked at again by a different moderator."""
    try:
        decision, comment = operations.appealable(db.session, decision_id, current_user.id)
    except service.ModerationError as exc:
        refuse(exc)
    form = AppealForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            with unit_of_work(db.session):
                service.appeal(db.session, decision_id, current_user.id, form.reason.data or "")
        except service.ModerationError as exc:
            error, status = exc.message, exc.status
        else:
            flash(gettext("Your appeal is sent. A different moderator will look at your comment again, "
                          "usually %(promise)s, and you will be told the outcome.",
                          promise=gettext(comments.MODERATION_PROMISE)), "success")
            return redirect(url_for("comments.mine") + f"#comment-{comment.id}", code=303)
    page = operations.appeal_page(db.session, decision, current_user.id)
    page["rules"] = linked(page["rules"])
    if error == page["refusal"]:
        error = None  # said once, where the form would be
    return render_template("moderation/appeal.html", decision=decision, comment=comment, form=form,
                           error=error, **page), status
