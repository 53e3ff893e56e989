"""The moderation record: the audit trail for moderators (filtered, paged, as CSV), and the
published statistics."""
from __future__ import annotations

from flask import current_app, make_response, render_template, request

from consult import rules_language
from consult.accounts import role_required
from consult.extensions import db
from consult.moderate import audit_trail, operations
from consult.moderate.blueprint import bp
from consult.web import site_zone


def _choices() -> dict:
    """What the trail's filters offer."""
    return {"consultation_choices": audit_trail.consultations(db.session),
            "people": audit_trail.staff(db.session), "actions": audit_trail.action_choices(),
            # Every rule ever in force, named in the reader's language (an <option> holds text only).
            "rule_choices": {anchor: {**rule, "label": rules_language.reader_label(rule)}
                             for anchor, rule in rules_language.reader_every_rule(db.session).items()}}


@bp.get("/moderation/audit")
@role_required("moderator")
def audit():
    """The moderation record, newest first, filtered, a page at a time (keyset on the entry id)."""
    wanted = audit_trail.read_request(db.session, request.args, site_zone())
    page = {"entries": [], "next_cursor": None, "total": 0}
    if not wanted.problems:
        page = audit_trail.trail_page(db.session, wanted, current_app.jinja_env.filters["localtime"])
    filtered = {k: v for k, v in wanted.shown.items() if v}
    return render_template("moderation/audit.html", wanted=wanted, filtered=filtered, **_choices(),
                           **page), 400 if wanted.problems else 200


@bp.get("/moderation/audit.csv")
@role_required("moderator")
def audit_csv():
    """The filtered trail as CSV (every page of it), newest first."""
    wanted = audit_trail.read_request(db.session, request.args, site_zone())
    if wanted.problems:
        return render_template("moderation/audit.html", wanted=wanted, filtered={}, entries=[],
                               next_cursor=None, total=0, **_choices()), 400
    response = make_response(audit_trail.trail_csv(db.session, wanted))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="moderation-audit-trail.csv"'
    return response


@bp.get("/moderation/statistics")
def statistics():
    """Published moderation figures, overall and per consultation (the rules in force named in the
    reader's language; the CSV keeps the titles as written)."""
    page = operations.statistics_page(db.session)
    page["rule_index"] = rules_language.reader_every_rule(db.session)
    return render_template("moderation/statistics.html", **page)


@bp.get("/moderation/statistics.csv")
def statistics_csv():
    """The same figures as CSV, one row per consultation and one for all of them."""
    response = make_response(operations.statistics_csv(db.session))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="moderation-statistics.csv"'
    return response
