"""The moderation record: the audit trail for moderators, and the published statistics."""
from __future__ import annotations

from flask import current_app, make_response, render_template, request

from consult.accounts import role_required
from consult.extensions import db
from consult.moderate import operations
from consult.moderate.blueprint import bp, refuse
from moderation import service


@bp.get("/moderation/audit")
@role_required("moderator")
def audit():
    """The moderation record, newest first, a page at a time (keyset on the entry id)."""
    try:
        page = operations.audit_page(db.session, request.args.get("before", ""),
                                     current_app.jinja_env.filters["localtime"])
    except service.ModerationError as exc:
        refuse(exc)
    return render_template("moderation/audit.html", **page)


@bp.get("/moderation/statistics")
def statistics():
    """Published moderation figures, overall and per consultation."""
    return render_template("moderation/statistics.html", **operations.statistics_page(db.session))


@bp.get("/moderation/statistics.csv")
def statistics_csv():
    """The same figures as CSV, one row per consultation and one for all of them."""
    response = make_response(operations.statistics_csv(db.session))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="moderation-statistics.csv"'
    return response
