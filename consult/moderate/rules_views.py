"""House rules pages: the rules in force (and earlier versions), and publishing a new version."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from consult.accounts import role_required
from consult.database import unit_of_work
from consult.extensions import db
from consult.i18n import gettext
from consult.moderate import operations
from consult.moderate.blueprint import bp, refuse
from consult.moderate.forms import RulesForm
from moderation import service


@bp.get("/house-rules")
def rules():
    """The house rules in force (or an earlier version), one section per rule with its anchor."""
    try:
        page = operations.rules_page(db.session, request.args.get("version", ""))
    except service.ModerationError as exc:
        refuse(exc)
    return render_template("moderation/rules.html", **page)


@bp.route("/moderation/rules/new", methods=["GET", "POST"])
@role_required("official")
def publish_rules():
    """Write a new version of the house rules, preview it, then publish it."""
    current = service.rules_in_force(db.session)
    form = RulesForm(data={"source": current.source, "source_cy": service.rules_source_in(current, "cy")}
                     if request.method == "GET" else None)
    preview, error = None, None
    if form.validate_on_submit():
        try:
            if form.publish.data:
                with unit_of_work(db.session):
                    version = service.publish_rules(db.session, form.source.data or "",
                                                    form.note.data or "", current_user.id,
                                                    translations={"cy": form.source_cy.data or ""})
                flash(gettext("Version %(number)s of the house rules is published. New decisions cite it; "
                              "earlier decisions keep citing the version they were made under.",
                              number=version.number), "success")
                return redirect(url_for("moderation.rules"), code=303)
            preview = service.parse_rules(form.source.data or "")
            if (form.source_cy.data or "").strip():
                service.check_translation(preview, form.source_cy.data or "")
        except service.ModerationError as exc:
            error = exc.message
    return render_template("moderation/publish_rules.html", form=form, preview=preview,
                           error=error, current=current), (400 if error else 200)
